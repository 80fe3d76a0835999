// SPDX-License-Identifier: Apache-2.0
#pragma once
// Checks for option values that CLI11's own validators let through: NaN in a range, a
// scheme or path in a host name, an empty name.

#include <CLI/CLI.hpp>
#include <string>

namespace defender::cli {

/// Like CLI::Range(min, max), which lets NaN through (every comparison with it is false):
/// the value must also be a finite number.
CLI::Validator finite_range(double min, double max);

/// A broker host name or IP address: no scheme ("https://"), path, port suffix or space.
CLI::Validator host_name_only();

/// A value that may not be empty ("--thing-name ''" is a mistake, not "use the default").
CLI::Validator non_empty(const std::string& what);

}  // namespace defender::cli
