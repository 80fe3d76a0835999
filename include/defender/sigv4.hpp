// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file sigv4.hpp
/// AWS Signature Version 4 (HMAC-SHA256, on mbed TLS), as needed to reach AWS IoT Core over
/// MQTT on WebSocket: the general canonical request / string to sign / signature steps (checked
/// against the public AWS SigV4 test suite) and the presigned `wss://<endpoint>/mqtt` URL.
/// Part of the MQTT library (the one that links mbed TLS).
/// Target: Defender::mqtt (stage auth).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "defender/aws_credentials.hpp"

namespace defender::sigv4 {

/// One query-string parameter of a Request.
struct QueryParameter {
    std::string name;   ///< Not encoded.
    std::string value;  ///< Not encoded.
};

/// One HTTP header of a Request.
struct Header {
    std::string name;   ///< Any case; lower-cased when signing.
    std::string value;  ///< Trimmed and space-collapsed when signing.
};

/// What SigV4 signs of an HTTP request. Every header in `headers` is signed.
struct Request {
    std::string method;                 ///< e.g. "GET".
    std::string path;                   ///< Not encoded, e.g. "/mqtt".
    std::vector<QueryParameter> query;  ///< In any order; sorted when signing.
    std::vector<Header> headers;        ///< All signed; names may repeat.
    std::string payload_sha256;         ///< Hex SHA-256 of the body.
};

/// "20150830/us-east-1/service/aws4_request" is made of these.
struct Scope {
    std::string date;     ///< YYYYMMDD
    std::string region;   ///< e.g. "us-east-1"
    std::string service;  ///< e.g. "iotdevicegateway"

    /// "date/region/service/aws4_request".
    std::string to_string() const;
};

/// Lower-case hex of SHA-256(data).
std::string sha256_hex(std::string_view data);
/// Raw (binary) HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Lower-case hex of `bytes`.
std::string hex(std::string_view bytes);
/// RFC 3986 percent-encoding, everything but A-Z a-z 0-9 - _ . ~ (and '/' if `keep_slash`).
std::string uri_encode(std::string_view text, bool keep_slash = false);
/// "20150830T123600Z" (UTC).
std::string amz_date(std::chrono::system_clock::time_point time);

/// The canonical request: method, encoded path, sorted encoded query, lower-cased sorted
/// headers (values trimmed, inner runs of spaces collapsed, repeated names joined by ','),
/// signed header list and payload hash, separated by newlines.
std::string canonical_request(const Request& request);
/// The lower-cased, sorted, ';'-separated names of the request's headers.
std::string signed_headers(const Request& request);
/// "AWS4-HMAC-SHA256", `amz_date`, the scope and the hex SHA-256 of the canonical request,
/// separated by newlines.
std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical_request);
/// Hex HMAC of the string to sign with the key derived from secret, date, region, service.
std::string signature(std::string_view secret_access_key, const Scope& scope,
                      std::string_view string_to_sign);

/// The SigV4 service name of AWS IoT MQTT over WebSocket.
inline constexpr const char* kIotService = "iotdevicegateway";

/// A presigned AWS IoT MQTT-over-WebSocket URL.
struct PresignedUrl {
    std::string url;  ///< wss://host[:port]/mqtt?...&X-Amz-Signature=...[&X-Amz-Security-Token=...]
    std::string redacted;        ///< The same without signature and session token, for logs.
    std::string path_and_query;  ///< "/mqtt?...": the request target the client sends.
};

/// Presigns GET /mqtt for AWS IoT (service iotdevicegateway). The signed `host` header is
/// `host_header`, which must be exactly what the WebSocket client sends (the MQTT transport
/// sends "endpoint", with ":port" only for a port other than 443, as the AWS SDKs do). The
/// session token, if any, is appended after signing, as AWS IoT requires. `scheme` is "wss"
/// (or "ws" for a local test broker).
PresignedUrl presign_iot_url(std::string_view scheme, std::string_view host_header,
                             std::string_view region, const AwsCredentials& credentials,
                             std::chrono::system_clock::time_point now);

}  // namespace defender::sigv4
