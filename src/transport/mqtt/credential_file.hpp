// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading the PEM files of a connection (root CA, device certificate, key) for either TLS
// library, with the errors both stacks print.

#include <filesystem>
#include <string>

#include "defender/result.hpp"

namespace defender::mqtt {

/// The file's bytes, or "no <role> file given" / "cannot read <role> <path>: <reason>". The
/// read buffer is wiped (the file may be a private key).
Result<std::string> read_credential_file(const std::filesystem::path& path,
                                         const std::string& role);

}  // namespace defender::mqtt
