// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/tls_errors.hpp"

#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <array>

namespace defender::mqtt {
namespace {

// TLS 1.3's certificate_required, which mbed TLS 2.28 does not name.
constexpr unsigned char kAlertCertificateRequired = 116;

const char* alert_name(unsigned char description) {
    switch (description) {
        case MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY:
            return "close notify";
        case MBEDTLS_SSL_ALERT_MSG_UNEXPECTED_MESSAGE:
            return "unexpected message";
        case MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC:
            return "bad record MAC";
        case MBEDTLS_SSL_ALERT_MSG_RECORD_OVERFLOW:
            return "record overflow";
        case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
            return "handshake failure";
        case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
            return "bad certificate";
        case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
            return "unsupported certificate";
        case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
            return "certificate revoked";
        case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
            return "certificate expired";
        case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
            return "certificate unknown";
        case MBEDTLS_SSL_ALERT_MSG_ILLEGAL_PARAMETER:
            return "illegal parameter";
        case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
            return "unknown CA";
        case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:
            return "access denied";
        case MBEDTLS_SSL_ALERT_MSG_DECODE_ERROR:
            return "decode error";
        case MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR:
            return "decrypt error";
        case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
            return "protocol version";
        case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY:
            return "insufficient security";
        case MBEDTLS_SSL_ALERT_MSG_INTERNAL_ERROR:
            return "internal error";
        case MBEDTLS_SSL_ALERT_MSG_INAPROPRIATE_FALLBACK:
            return "inappropriate fallback";
        case MBEDTLS_SSL_ALERT_MSG_USER_CANCELED:
            return "user canceled";
        case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_EXT:
            return "unsupported extension";
        case MBEDTLS_SSL_ALERT_MSG_UNRECOGNIZED_NAME:
            return "unrecognized name";
        case kAlertCertificateRequired:
            return "certificate required";
        case MBEDTLS_SSL_ALERT_MSG_NO_APPLICATION_PROTOCOL:
            return "no application protocol";
        default:
            return nullptr;
    }
}

bool rejects_certificate(unsigned char description) {
    switch (description) {
        case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
        case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
        case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
        case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
        case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
        case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
        case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:
        case kAlertCertificateRequired:
            return true;
        default:
            return false;
    }
}

// The first line of mbed TLS's own description of `flags`.
std::string verify_info_line(std::uint32_t flags) {
    std::array<char, 512> text{};
    if (mbedtls_x509_crt_verify_info(text.data(), text.size(), "", flags) < 0) {
        return "verification flags " + std::to_string(flags);
    }
    std::string line(text.data());
    line = line.substr(0, line.find('\n'));
    return line.empty() ? "verification flags " + std::to_string(flags) : line;
}

std::string verification_reason(std::uint32_t flags, bool ip_mismatch) {
    // Trust first: a name check on a certificate nobody vouches for says little.
    if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0) {
        return "certificate not trusted (not signed by the root CA)";
    }
    if ((flags & MBEDTLS_X509_BADCERT_EXPIRED) != 0) {
        return "certificate expired";
    }
    if ((flags & MBEDTLS_X509_BADCERT_FUTURE) != 0) {
        return "certificate not yet valid";
    }
    if ((flags & MBEDTLS_X509_BADCERT_REVOKED) != 0) {
        return "certificate revoked";
    }
    if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) {
        return "hostname mismatch";
    }
    if (ip_mismatch) {
        return "IP address mismatch";
    }
    return verify_info_line(flags);
}

}  // namespace

std::string mbedtls_error_text(int code) {
    std::array<char, 256> text{};
    mbedtls_strerror(code, text.data(), text.size());
    return text.data();
}

std::string verification_failure(std::uint32_t flags, bool ip_mismatch) {
    return "server certificate verification failed: " + verification_reason(flags, ip_mismatch);
}

std::string alert_failure(unsigned char description) {
    const char* name = alert_name(description);
    const std::string shown = name != nullptr ? name : std::to_string(description);
    if (rejects_certificate(description)) {
        return "TLS handshake failed: the server rejected the device certificate (alert: " + shown +
               ")";
    }
    if (description == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE) {
        // Before its hello: no suite in common. After it: some servers (OpenSSL's) answer a
        // missing or unacceptable client certificate so too.
        return "TLS handshake failed: the server accepts none of the offered TLS 1.2 cipher "
               "suites (ECDHE with AES-GCM) or refused the device certificate (alert: handshake "
               "failure)";
    }
    if (description == MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION) {
        return "TLS handshake failed: the server does not accept TLS 1.2 (alert: protocol "
               "version)";
    }
    return "TLS handshake failed: alert " + shown + " from the server";
}

}  // namespace defender::mqtt
