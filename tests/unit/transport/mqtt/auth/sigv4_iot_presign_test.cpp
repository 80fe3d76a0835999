// SPDX-License-Identifier: Apache-2.0
// The presigned AWS IoT MQTT-over-WebSocket URL, checked against an independent computation
// by python3's hmac, hashlib and urllib (run as a child process), with fixed keys and time.

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "defender/sigv4.hpp"

namespace defender::sigv4 {
namespace {

constexpr const char* kPython = R"PY(
import hashlib, hmac, sys, urllib.parse
key_id, secret, token, host, region, stamp = sys.argv[1:7]
date = stamp[:8]
scope = f"{date}/{region}/iotdevicegateway/aws4_request"
q = lambda s: urllib.parse.quote(s, safe="-_.~")
query = "&".join(f"{q(k)}={q(v)}" for k, v in sorted({
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": f"{key_id}/{scope}",
    "X-Amz-Date": stamp,
    "X-Amz-SignedHeaders": "host"}.items()))
canonical = "\n".join(["GET", "/mqtt", query, f"host:{host}", "", "host",
                       hashlib.sha256(b"").hexdigest()])
to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                     hashlib.sha256(canonical.encode()).hexdigest()])
k = ("AWS4" + secret).encode()
for part in (date, region, "iotdevicegateway", "aws4_request"):
    k = hmac.new(k, part.encode(), hashlib.sha256).digest()
sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
url = f"wss://{host}/mqtt?{query}&X-Amz-Signature={sig}"
if token:
    url += "&X-Amz-Security-Token=" + q(token)
print(url, end="")
)PY";

std::string python3() {
    return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

std::string quote(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string run_python(const std::vector<std::string>& args) {
    std::string command = python3() + " -c " + quote(kPython);
    for (const auto& arg : args)
        command += " " + quote(arg);
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) return "";
    std::string output;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get()))
        output.append(buffer.data(), n);
    return output;
}

struct Fixture {
    AwsCredentials credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
                               "FwoGZXIvYXdzE+Session/Token==", std::nullopt, "test"};
    std::string host = "abc123-ats.iot.eu-west-1.amazonaws.com:443";
    std::string region = "eu-west-1";
    std::chrono::system_clock::time_point now =
        std::chrono::system_clock::from_time_t(1795869296);  // 2026-11-28T...
};

TEST(SigV4IotPresign, MatchesAnIndependentPythonComputation) {
    Fixture f;
    const auto presigned = presign_iot_url("wss", f.host, f.region, f.credentials, f.now);
    const std::string expected =
        run_python({f.credentials.access_key_id, f.credentials.secret_access_key,
                    f.credentials.session_token, f.host, f.region, amz_date(f.now)});
    ASSERT_FALSE(expected.empty()) << "python3 did not run";
    EXPECT_EQ(presigned.url, expected);
}

TEST(SigV4IotPresign, WithoutSessionTokenMatchesPythonToo) {
    Fixture f;
    f.credentials.session_token.clear();
    const auto presigned = presign_iot_url("wss", f.host, f.region, f.credentials, f.now);
    EXPECT_EQ(presigned.url,
              run_python({f.credentials.access_key_id, f.credentials.secret_access_key, "", f.host,
                          f.region, amz_date(f.now)}));
    EXPECT_EQ(presigned.url.find("X-Amz-Security-Token"), std::string::npos);
}

TEST(SigV4IotPresign, TokenComesAfterTheSignatureAndIsNotSigned) {
    Fixture f;
    const auto with_token = presign_iot_url("wss", f.host, f.region, f.credentials, f.now);
    f.credentials.session_token.clear();
    const auto without = presign_iot_url("wss", f.host, f.region, f.credentials, f.now);
    // Same signature either way: the token is appended after signing.
    EXPECT_EQ(with_token.url.rfind(without.url, 0), 0u) << with_token.url;
    EXPECT_GT(with_token.url.find("&X-Amz-Security-Token=FwoGZXIvYXdzE%2BSession%2FToken%3D%3D"),
              with_token.url.find("X-Amz-Signature="));
}

TEST(SigV4IotPresign, RedactedUrlKeepsRegionButNoSecrets) {
    Fixture f;
    const auto presigned = presign_iot_url("wss", f.host, "ap-south-1", f.credentials, f.now);
    EXPECT_NE(presigned.redacted.find("%2Fap-south-1%2Fiotdevicegateway%2Faws4_request"),
              std::string::npos);
    const std::string signature =
        presigned.url.substr(presigned.url.find("X-Amz-Signature=") + 16, 64);
    EXPECT_EQ(presigned.redacted.find(signature), std::string::npos);
    EXPECT_EQ(presigned.redacted.find("Session"), std::string::npos);
    EXPECT_EQ(presigned.redacted.find(f.credentials.secret_access_key), std::string::npos);
    EXPECT_NE(presigned.redacted.find("X-Amz-Signature=<redacted>"), std::string::npos);
}

TEST(SigV4IotPresign, SignsTheHostHeaderWithItsPort) {
    Fixture f;
    const auto with_port = presign_iot_url("wss", f.host, f.region, f.credentials, f.now);
    const auto without_port = presign_iot_url("wss", "abc123-ats.iot.eu-west-1.amazonaws.com",
                                              f.region, f.credentials, f.now);
    EXPECT_EQ(with_port.url.rfind("wss://abc123-ats.iot.eu-west-1.amazonaws.com:443/mqtt?", 0), 0u);
    EXPECT_NE(with_port.url.substr(with_port.url.find("X-Amz-Signature")),
              without_port.url.substr(without_port.url.find("X-Amz-Signature")));
}

}  // namespace
}  // namespace defender::sigv4
