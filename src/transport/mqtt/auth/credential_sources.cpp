// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/auth/credential_sources.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "transport/mqtt/auth/http_client.hpp"
#include "util/bounded_file.hpp"

namespace defender::auth {
namespace {

constexpr std::size_t kMaxTokenBytes = 16 * 1024;
constexpr std::size_t kMaxCredentialsFileBytes = 1024 * 1024;

std::optional<std::string> non_empty(const CredentialChainOptions& options, const char* name) {
    auto value = options.environment(name);
    if (value && value->empty()) return std::nullopt;
    return value;
}

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// Loopback, or the ECS / EKS Pod Identity credential addresses.
bool is_container_host(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1" ||
           host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23";
}

}  // namespace

SourceOutcome from_environment(const CredentialChainOptions& options) {
    const auto key_id = non_empty(options, "AWS_ACCESS_KEY_ID");
    const auto secret = non_empty(options, "AWS_SECRET_ACCESS_KEY");
    if (!key_id) return {std::nullopt, "AWS_ACCESS_KEY_ID not set"};
    if (!secret) return {std::nullopt, "AWS_ACCESS_KEY_ID set but AWS_SECRET_ACCESS_KEY not set"};
    AwsCredentials credentials;
    credentials.access_key_id = *key_id;
    credentials.secret_access_key = *secret;
    credentials.session_token = non_empty(options, "AWS_SESSION_TOKEN").value_or("");
    credentials.source = "environment";
    return {credentials, ""};
}

SourceOutcome from_shared_file(const CredentialChainOptions& options) {
    std::string path;
    if (auto file = non_empty(options, "AWS_SHARED_CREDENTIALS_FILE")) {
        path = *file;
    } else if (auto home = non_empty(options, "HOME")) {
        path = *home + "/.aws/credentials";
    } else {
        return {std::nullopt, "HOME and AWS_SHARED_CREDENTIALS_FILE not set"};
    }
    const std::string profile = non_empty(options, "AWS_PROFILE").value_or("default");
    auto text = util::read_bounded_file(path, kMaxCredentialsFileBytes);
    if (!text) {
        // A missing file is the usual case and needs no detail.
        std::error_code error;
        const bool exists = std::filesystem::exists(path, error);
        return {std::nullopt,
                path + ": cannot be read" + (exists ? " (" + text.error().message + ")" : "")};
    }
    std::istringstream in(*text);
    AwsCredentials credentials;
    bool in_profile = false;
    bool profile_seen = false;
    for (std::string line; std::getline(in, line);) {
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            in_profile = trim(line.substr(1, line.size() - 2)) == profile;
            profile_seen = profile_seen || in_profile;
            continue;
        }
        if (!in_profile) continue;
        const auto equals = line.find('=');
        if (equals == std::string::npos) continue;
        const std::string key = lower(trim(line.substr(0, equals)));
        const std::string value = trim(line.substr(equals + 1));
        if (key == "aws_access_key_id") credentials.access_key_id = value;
        if (key == "aws_secret_access_key") credentials.secret_access_key = value;
        if (key == "aws_session_token") credentials.session_token = value;
    }
    const std::string where = path + " (profile " + profile + ")";
    if (!profile_seen) return {std::nullopt, path + ": no profile [" + profile + "]"};
    if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
        return {std::nullopt, where + ": aws_access_key_id or aws_secret_access_key missing"};
    }
    credentials.source = "shared credentials file " + where;
    return {credentials, ""};
}

SourceOutcome credentials_from_json(const std::string& body, const std::string& source) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return {std::nullopt, source + ": not JSON"};
    const auto text = [&](const char* name) {
        const auto found = json.find(name);
        return found != json.end() && found->is_string() ? found->get<std::string>() : "";
    };
    AwsCredentials credentials;
    credentials.access_key_id = text("AccessKeyId");
    credentials.secret_access_key = text("SecretAccessKey");
    credentials.session_token = text("Token");
    if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
        return {std::nullopt, source + ": answer without AccessKeyId or SecretAccessKey"};
    }
    if (const std::string expiration = text("Expiration"); !expiration.empty()) {
        credentials.expiration = parse_iso8601_utc(expiration);
        if (!credentials.expiration) {
            return {std::nullopt, source + ": unreadable Expiration \"" + expiration + "\""};
        }
    }
    credentials.source = source;
    return {credentials, ""};
}

SourceOutcome from_container_endpoint(const CredentialChainOptions& options) {
    std::string url;
    if (auto relative = non_empty(options, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
        url = options.container_base + *relative;
    } else if (auto full = non_empty(options, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
        url = *full;
    } else {
        return {std::nullopt, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI not set"};
    }
    const std::string source = "container endpoint " + url;
    auto parsed = parse_http_url(url);
    if (!parsed) return {std::nullopt, parsed.error().message};
    if (!is_container_host(parsed->host)) {
        // As the AWS SDKs: the authorization token goes to no host but these over plain http.
        return {std::nullopt, source + ": host " + parsed->host +
                                  " is neither loopback nor a container credentials address"};
    }
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> token;
    if ((token = non_empty(options, "AWS_CONTAINER_AUTHORIZATION_TOKEN"))) {
    } else if (auto token_file = non_empty(options, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
        // A token is a few hundred bytes; EKS Pod Identity's is about 1 KiB.
        auto text = util::read_bounded_file(*token_file, kMaxTokenBytes);
        if (!text) return {std::nullopt, source + ": " + text.error().message};
        token = trim(*text);
    }
    if (token) {
        // It becomes a header line: CR or LF in it would add headers of the token's choosing.
        if (std::any_of(token->begin(), token->end(),
                        [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
            return {std::nullopt, source + ": the authorization token has a control character"};
        }
        headers.emplace_back("Authorization", *token);
    }
    auto response = http_request("GET", *parsed, headers, options.http_timeout);
    if (!response) return {std::nullopt, source + ": " + response.error().message};
    if (response->status != 200) {
        return {std::nullopt, source + ": HTTP " + std::to_string(response->status)};
    }
    return credentials_from_json(response->body, source);
}

SourceOutcome from_instance_metadata(const CredentialChainOptions& options) {
    if (auto disabled = non_empty(options, "AWS_EC2_METADATA_DISABLED");
        disabled && lower(*disabled) == "true") {
        return {std::nullopt, "disabled by AWS_EC2_METADATA_DISABLED"};
    }
    std::string base =
        non_empty(options, "AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    const std::string source = "EC2 instance metadata " + base;
    const auto request = [&](const std::string& method, const std::string& path,
                             const std::vector<std::pair<std::string, std::string>>& headers)
        -> Result<std::string> {
        auto url = parse_http_url(base + path);
        if (!url) return url.error();
        auto response = http_request(method, *url, headers, options.http_timeout);
        if (!response) return response.error();
        if (response->status != 200) {
            return Error{method + " " + path + ": HTTP " + std::to_string(response->status)};
        }
        return response->body;
    };
    auto token =
        request("PUT", "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
    if (!token) return {std::nullopt, source + ": " + token.error().message};
    const std::vector<std::pair<std::string, std::string>> with_token{
        {"X-aws-ec2-metadata-token", trim(*token)}};
    constexpr const char* kRoles = "/latest/meta-data/iam/security-credentials/";
    auto roles = request("GET", kRoles, with_token);
    if (!roles) return {std::nullopt, source + ": " + roles.error().message};
    const std::string role = trim(roles->substr(0, roles->find('\n')));
    if (role.empty()) return {std::nullopt, source + ": no IAM role attached to the instance"};
    auto body = request("GET", kRoles + role, with_token);
    if (!body) return {std::nullopt, source + ": " + body.error().message};
    return credentials_from_json(*body, source + " (role " + role + ")");
}

}  // namespace defender::auth
