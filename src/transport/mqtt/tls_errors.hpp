// SPDX-License-Identifier: Apache-2.0
#pragma once
// One-line texts for mbed TLS failures: error codes, certificate verification flags, alerts.

#include <cstdint>
#include <string>

namespace defender::mqtt {

/// mbedtls_strerror's text for `code`.
std::string mbedtls_error_text(int code);

/// "server certificate verification failed: <reason>" for mbed TLS verification `flags`;
/// `ip_mismatch`: the server certificate lacks the IP address connected to.
std::string verification_failure(std::uint32_t flags, bool ip_mismatch);

/// "TLS handshake failed: ..." for a fatal alert the server sent (`description`, RFC 8446 6).
std::string alert_failure(unsigned char description);

}  // namespace defender::mqtt
