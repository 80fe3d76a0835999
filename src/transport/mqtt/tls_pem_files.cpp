// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/tls_pem_files.hpp"

#include "transport/mqtt/credential_file.hpp"

#include <mbedtls/platform_util.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace defender::mqtt {
namespace {

namespace fs = std::filesystem;

// Key bytes do not outlive their parsing.
class WipedString {
public:
    explicit WipedString(std::string text) : text_(std::move(text)) {}
    ~WipedString() { mbedtls_platform_zeroize(text_.data(), text_.size()); }
    WipedString(const WipedString&) = delete;
    WipedString& operator=(const WipedString&) = delete;
    const std::string& text() const { return text_; }

private:
    std::string text_;
};

// The file's bytes followed by a NUL (mbed TLS recognizes PEM only NUL-terminated), or
// "cannot read <role> <path>: <reason>".
Result<std::string> read_with_nul(const fs::path& path, const std::string& role) {
    auto content = mqtt::read_credential_file(path, role);
    if (!content) return content;
    content->push_back('\0');
    return content;
}

const unsigned char* bytes(const std::string& text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

Status parse_certificates(const fs::path& path, const std::string& role, mbedtls_x509_crt* into) {
    auto content = read_with_nul(path, role);
    if (!content) {
        return content.error();
    }
    // A positive result counts certificates that failed while others parsed: a bundle with
    // one odd entry still serves, as with OpenSSL.
    const int parsed = mbedtls_x509_crt_parse(into, bytes(*content), content->size());
    if (parsed < 0 || into->version == 0) {
        return Error{role + " " + path.string() + " holds no PEM certificate"};
    }
    return Done{};
}

Status parse_private_key(const fs::path& path, mbedtls_pk_context* into) {
    const std::string role = "private key";
    auto content = read_with_nul(path, role);
    if (!content) {
        return content.error();
    }
    const WipedString key(std::move(*content));
    const int parsed = mbedtls_pk_parse_key(into, bytes(key.text()), key.text().size(), nullptr, 0);
    if (parsed == 0) {
        return Done{};
    }
    if (parsed == MBEDTLS_ERR_PK_PASSWORD_REQUIRED ||
        key.text().find("ENCRYPTED") != std::string::npos) {
        return Error{role + " " + path.string() +
                     " is encrypted; an unencrypted PEM key is needed"};
    }
    return Error{role + " " + path.string() + " holds no PEM private key"};
}

Status check_key_matches(const fs::path& certificate_path, const mbedtls_x509_crt& certificate,
                         const fs::path& key_path, const mbedtls_pk_context& key) {
    if (mbedtls_pk_check_pair(&certificate.pk, &key) != 0) {
        return Error{"certificate " + certificate_path.string() + " does not match private key " +
                     key_path.string()};
    }
    return Done{};
}

}  // namespace defender::mqtt
