// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads a custom metric's file source without ever blocking.

#include <string>

#include "defender/custom_metrics.hpp"

namespace defender {

/// The content of a regular file of at most `max_bytes`. FIFOs, devices and directories are
/// refused (a FIFO with no writer would block the report).
Result<std::string> read_source_file(const FileSource& file);

}  // namespace defender
