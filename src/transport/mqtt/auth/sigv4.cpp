// SPDX-License-Identifier: Apache-2.0
#include "defender/sigv4.hpp"

#include <mbedtls/md.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <stdexcept>

namespace defender::sigv4 {
namespace {

constexpr const char* kAlgorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

/// Trims spaces and tabs and collapses inner runs of them to one space.
std::string canonical_header_value(std::string_view value) {
    std::string result;
    bool pending_space = false;
    for (const char c : value) {
        if (c == ' ' || c == '\t') {
            pending_space = !result.empty();
            continue;
        }
        if (pending_space) result += ' ';
        pending_space = false;
        result += c;
    }
    return result;
}

/// Lower-case name → values in request order.
std::map<std::string, std::vector<std::string>> grouped_headers(const Request& request) {
    std::map<std::string, std::vector<std::string>> headers;
    for (const auto& header : request.headers) {
        headers[lower(header.name)].push_back(canonical_header_value(header.value));
    }
    return headers;
}

std::string canonical_query(const std::vector<QueryParameter>& query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& parameter : query) {
        encoded.emplace_back(uri_encode(parameter.name), uri_encode(parameter.value));
    }
    std::sort(encoded.begin(), encoded.end());
    std::string result;
    for (const auto& [name, value] : encoded) {
        if (!result.empty()) result += '&';
        result += name + "=" + value;
    }
    return result;
}

}  // namespace

std::string Scope::to_string() const {
    return date + "/" + region + "/" + service + "/aws4_request";
}

std::string hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string result;
    result.reserve(bytes.size() * 2);
    for (const unsigned char byte : bytes) {
        result += kDigits[byte >> 4];
        result += kDigits[byte & 0x0f];
    }
    return result;
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[32];
    if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest) != 0) {
        throw std::runtime_error("mbed TLS SHA-256 failed");
    }
    return hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char digest[32];
    if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                        reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                        reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                        digest) != 0) {
        throw std::runtime_error("mbed TLS HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string uri_encode(std::string_view text, bool keep_slash) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string result;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
            (keep_slash && c == '/')) {
            result += static_cast<char>(c);
        } else {
            result += '%';
            result += kDigits[c >> 4];
            result += kDigits[c & 0x0f];
        }
    }
    return result;
}

std::string amz_date(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
    return text;
}

std::string signed_headers(const Request& request) {
    std::string result;
    for (const auto& [name, values] : grouped_headers(request)) {
        if (!result.empty()) result += ';';
        result += name;
    }
    return result;
}

std::string canonical_request(const Request& request) {
    std::string headers;
    for (const auto& [name, values] : grouped_headers(request)) {
        headers += name + ":";
        for (std::size_t i = 0; i < values.size(); ++i) {
            headers += (i ? "," : "") + values[i];
        }
        headers += '\n';
    }
    const std::string path = request.path.empty() ? "/" : request.path;
    return request.method + "\n" + uri_encode(path, true) + "\n" + canonical_query(request.query) +
           "\n" + headers + "\n" + signed_headers(request) + "\n" + request.payload_sha256;
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical_request) {
    return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + scope.to_string() +
           "\n" + sha256_hex(canonical_request);
}

std::string signature(std::string_view secret_access_key, const Scope& scope,
                      std::string_view string_to_sign) {
    const std::string date_key = hmac_sha256("AWS4" + std::string(secret_access_key), scope.date);
    const std::string region_key = hmac_sha256(date_key, scope.region);
    const std::string service_key = hmac_sha256(region_key, scope.service);
    const std::string signing_key = hmac_sha256(service_key, "aws4_request");
    return hex(hmac_sha256(signing_key, string_to_sign));
}

PresignedUrl presign_iot_url(std::string_view scheme, std::string_view host_header,
                             std::string_view region, const AwsCredentials& credentials,
                             std::chrono::system_clock::time_point now) {
    const std::string date_time = amz_date(now);
    const Scope scope{date_time.substr(0, 8), std::string(region), kIotService};
    Request request;
    request.method = "GET";
    request.path = "/mqtt";
    request.query = {{"X-Amz-Algorithm", kAlgorithm},
                     {"X-Amz-Credential", credentials.access_key_id + "/" + scope.to_string()},
                     {"X-Amz-Date", date_time},
                     {"X-Amz-SignedHeaders", "host"}};
    request.headers = {{"host", std::string(host_header)}};
    request.payload_sha256 = sha256_hex("");
    const std::string canonical = canonical_request(request);
    const std::string query = canonical_query(request.query);
    const std::string base = std::string(scheme) + "://" + std::string(host_header);
    PresignedUrl presigned;
    presigned.path_and_query = "/mqtt?" + query + "&X-Amz-Signature=" +
                               signature(credentials.secret_access_key, scope,
                                         string_to_sign(date_time, scope, canonical));
    presigned.redacted = base + "/mqtt?" + query + "&X-Amz-Signature=<redacted>";
    if (!credentials.session_token.empty()) {
        presigned.path_and_query +=
            "&X-Amz-Security-Token=" + uri_encode(credentials.session_token);
        presigned.redacted += "&X-Amz-Security-Token=<redacted>";
    }
    presigned.url = base + presigned.path_and_query;
    return presigned;
}

}  // namespace defender::sigv4
