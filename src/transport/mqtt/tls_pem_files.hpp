// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading and parsing the PEM files of mutual TLS, with one-line errors naming the file by its
// role ("root CA", "certificate", "private key") and never quoting key material.

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <filesystem>
#include <string>

#include "defender/result.hpp"

namespace defender::mqtt {

/// Every certificate of the PEM file `path` appended to `into`; an error unless at least
/// one parsed ("<role> <path> holds no PEM certificate").
Status parse_certificates(const std::filesystem::path& path, const std::string& role,
                          mbedtls_x509_crt* into);

/// The unencrypted PEM key of `path` into `into` (an encrypted key is refused, not prompted for).
Status parse_private_key(const std::filesystem::path& path, mbedtls_pk_context* into);

/// Whether `key` is the private key of `certificate` ("certificate C does not match private
/// key K" otherwise).
Status check_key_matches(const std::filesystem::path& certificate_path,
                         const mbedtls_x509_crt& certificate, const std::filesystem::path& key_path,
                         const mbedtls_pk_context& key);

}  // namespace defender::mqtt
