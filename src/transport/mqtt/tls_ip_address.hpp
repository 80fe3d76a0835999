// SPDX-License-Identifier: Apache-2.0
#pragma once
// IP literals as server names (defender::IpAddress::parse tells them from DNS names): mbed
// TLS 2.28 checks only DNS names, so the iPAddress subjectAltName check is ours.

#include <mbedtls/x509_crt.h>

#include "defender/ip_address.hpp"

namespace defender::mqtt {

/// Whether `certificate` has an iPAddress subjectAltName equal to `address`.
bool certificate_names_ip(const mbedtls_x509_crt& certificate, const IpAddress& address);

}  // namespace defender::mqtt
