// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>
#include <ctime>

#include "defender/aws_credentials.hpp"
#include "transport/mqtt/auth/credential_sources.hpp"

namespace defender {

std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(const std::string& text) {
    std::tm utc{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &utc);
    if (end == nullptr) return std::nullopt;
    if (*end == '.') {  // fractional seconds
        ++end;
        while (*end >= '0' && *end <= '9')
            ++end;
    }
    if (std::string(end) != "Z" && std::string(end) != "+00:00") return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&utc));
}

Result<AwsCredentials> resolve_aws_credentials(const CredentialChainOptions& options) {
    struct Step {
        const char* name;
        auth::SourceOutcome (*look)(const CredentialChainOptions&);
    };
    static constexpr Step kChain[] = {
        {"environment", &auth::from_environment},
        {"shared credentials file", &auth::from_shared_file},
        {"container endpoint", &auth::from_container_endpoint},
        {"EC2 instance metadata", &auth::from_instance_metadata},
    };
    std::string looked;
    for (const auto& step : kChain) {
        auto outcome = step.look(options);
        if (outcome.credentials) return std::move(*outcome.credentials);
        looked += (looked.empty() ? "" : "; ") + std::string(step.name) + ": " + outcome.note;
    }
    return Error{"no AWS credentials found (" + looked + ")"};
}

AwsCredentialProvider::AwsCredentialProvider(CredentialChainOptions options,
                                             std::chrono::seconds refresh_margin)
    : options_(std::move(options)), refresh_margin_(refresh_margin) {}

Result<AwsCredentials> AwsCredentialProvider::get(std::chrono::system_clock::time_point now) {
    std::lock_guard lock(mutex_);
    const auto fresh = [&](const AwsCredentials& credentials) {
        return !credentials.expiration || *credentials.expiration - refresh_margin_ > now;
    };
    if (cached_ && fresh(*cached_)) return *cached_;
    ++resolutions_;
    auto resolved = resolve_aws_credentials(options_);
    if (!resolved) return resolved.error();
    if (resolved->expiration && *resolved->expiration <= now) {
        const std::time_t when = std::chrono::system_clock::to_time_t(*resolved->expiration);
        std::tm utc{};
        gmtime_r(&when, &utc);
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
        return Error{"AWS credentials from " + resolved->source + " expired at " + text};
    }
    cached_ = std::move(*resolved);
    return *cached_;
}

unsigned AwsCredentialProvider::resolutions() const {
    std::lock_guard lock(mutex_);
    return resolutions_;
}

}  // namespace defender
