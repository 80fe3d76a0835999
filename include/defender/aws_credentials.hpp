// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file aws_credentials.hpp
/// AWS credentials from the usual chain, in the order the AWS SDKs use:
///  1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
///  2. shared credentials file: AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile
///     AWS_PROFILE (default "default");
///  3. container credentials endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
///     169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
///     AWS_CONTAINER_AUTHORIZATION_TOKEN (or _TOKEN_FILE) as Authorization header;
///  4. EC2 instance metadata, IMDSv2 (token PUT, then GET), at
///     AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254; skipped when
///     AWS_EC2_METADATA_DISABLED=true.
/// Part of the Defender::mqtt library. Nothing here ever logs or prints a secret.
/// Target: Defender::mqtt (stage auth).

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "defender/result.hpp"

namespace defender {

/// One set of AWS credentials and where it came from.
struct AwsCredentials {
    std::string access_key_id;      ///< e.g. "AKIA..." or "ASIA...".
    std::string secret_access_key;  ///< Never logged.
    std::string session_token;      ///< Empty for long-term keys.
    /// When temporary credentials stop working; nullopt for long-term keys.
    std::optional<std::chrono::system_clock::time_point> expiration;
    /// Where they came from, e.g. "environment" or "container endpoint http://...".
    std::string source;
};

/// Looks up an environment variable; nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
EnvironmentLookup process_environment();

/// How the credential chain looks things up.
struct CredentialChainOptions {
    EnvironmentLookup environment = process_environment();  ///< Source of the AWS_* variables.
    /// Bound for each HTTP exchange with the container endpoint or instance metadata.
    std::chrono::milliseconds http_timeout{1000};
    /// The container endpoint host for AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.
    std::string container_base = "http://169.254.170.2";
};

/// One pass through the chain. The error is one line listing every place looked at and why
/// it gave nothing, e.g. "no AWS credentials found (environment: AWS_ACCESS_KEY_ID not set;
/// shared credentials file /root/.aws/credentials: not found; ...)".
Result<AwsCredentials> resolve_aws_credentials(const CredentialChainOptions& options);

/// "2026-11-27T21:00:00Z" → time point (the format of the container endpoint and IMDS).
std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(const std::string& text);

/// Caches credentials and fetches new ones from the chain when they are within
/// `refresh_margin` of expiring (or expired). Thread-safe.
class AwsCredentialProvider {
public:
    /// Resolves nothing yet; the first get() does.
    explicit AwsCredentialProvider(CredentialChainOptions options = {},
                                   std::chrono::seconds refresh_margin = std::chrono::minutes(5));

    /// Valid credentials at `now`. Credentials that are expired even after a fresh pass
    /// through the chain are an error naming their source and expiry time.
    Result<AwsCredentials> get(
        std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

    /// How many passes through the chain get() made so far.
    unsigned resolutions() const;

private:
    CredentialChainOptions options_;
    std::chrono::seconds refresh_margin_;
    mutable std::mutex mutex_;
    std::optional<AwsCredentials> cached_;
    unsigned resolutions_ = 0;
};

}  // namespace defender
