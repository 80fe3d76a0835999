// SPDX-License-Identifier: Apache-2.0
#pragma once
// Standard base64 with padding (RFC 4648 §4): how Greengrass IPC carries MQTT payloads in
// JSON, and the user:password of a proxy's Basic authentication.

#include <optional>
#include <string>
#include <string_view>

namespace defender::util {

std::string base64_encode(std::string_view bytes);
/// nullopt for anything but canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace defender::util
