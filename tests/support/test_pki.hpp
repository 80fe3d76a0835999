// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file test_pki.hpp
/// A throw-away public key infrastructure for TLS tests, made with the openssl command line
/// tool in a fresh temporary directory (removed on destruction). All keys are EC P-256,
/// certificates are valid for two days.
///
/// What it holds:
///  - the test CA, and signed by it: a server certificate for `localhost` (subjectAltName
///    DNS:localhost, IP:127.0.0.1), a server certificate for `wrong.example` only, and a
///    device (client) certificate with CN `test-device`;
///  - an unrelated second CA and a client certificate it signed (CN `stranger-device`).
///
/// File modes: the directory and certificates are world-readable and the server keys are
/// 0644, because mosquitto started as root drops to the `mosquitto` user and must read them.
/// Client keys are 0600 (owner only), like a real device key.

#include <filesystem>
#include <string>

#include "temp_dir.hpp"

namespace defender::test {

/// A PEM certificate and its PEM private key.
struct CertificateFiles {
    std::filesystem::path cert;
    std::filesystem::path key;
};

class TestPki {
public:
    static constexpr const char* kClientCommonName = "test-device";
    static constexpr const char* kStrangerCommonName = "stranger-device";
    static constexpr const char* kWrongHostName = "wrong.example";

    /// Generates everything (about 10 openssl runs). Throws std::runtime_error with the
    /// openssl output when a step fails.
    TestPki();

    const std::filesystem::path& directory() const { return dir_.path(); }

    const std::filesystem::path& ca_cert() const { return ca_.cert; }
    const CertificateFiles& server() const { return server_; }
    const CertificateFiles& wrong_host_server() const { return wrong_host_server_; }
    const CertificateFiles& client() const { return client_; }

    const std::filesystem::path& other_ca_cert() const { return other_ca_.cert; }
    const CertificateFiles& other_client() const { return other_client_; }

    /// Issues another client certificate signed by the test CA (e.g. one per thing name).
    /// `file_stem` names the files: <file_stem>.pem and <file_stem>.key.
    CertificateFiles issue_client(const std::string& common_name, const std::string& file_stem);

private:
    CertificateFiles make_ca(const std::string& name, const std::string& common_name);
    CertificateFiles issue(const CertificateFiles& issuer, const std::string& file_stem,
                           const std::string& common_name, const std::string& extensions);

    TempDir dir_;
    std::filesystem::path config_;
    CertificateFiles ca_;
    CertificateFiles server_;
    CertificateFiles wrong_host_server_;
    CertificateFiles client_;
    CertificateFiles other_ca_;
    CertificateFiles other_client_;
};

}  // namespace defender::test
