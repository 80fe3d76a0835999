// SPDX-License-Identifier: Apache-2.0
// The HTTP sources of the AWS credential chain against a local HTTP server: the container
// credentials endpoint (with its authorization token) and EC2 instance metadata (IMDSv2:
// token PUT, then GETs carrying it), their place in the chain, and refresh before expiry.

#include <gtest/gtest.h>

#include <ctime>
#include <map>

#include "defender/aws_credentials.hpp"
#include "http_stub_server.hpp"

namespace defender {
namespace {

using test::HttpStubRequest;
using test::HttpStubResponse;
using test::HttpStubServer;
using Clock = std::chrono::system_clock;

std::string iso8601(Clock::time_point time) {
    const std::time_t seconds = Clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string credentials_json(const std::string& key_id, Clock::time_point expiration) {
    return R"({"Code":"Success","AccessKeyId":")" + key_id + R"(","SecretAccessKey":"secret-)" +
           key_id + R"(","Token":"token-)" + key_id + R"(","Expiration":")" + iso8601(expiration) +
           R"("})";
}

CredentialChainOptions with_environment(std::map<std::string, std::string> env) {
    CredentialChainOptions options;
    env.emplace("HOME", "/nonexistent-defender-home");
    options.environment = [env](const std::string& name) -> std::optional<std::string> {
        const auto found = env.find(name);
        if (found == env.end()) return std::nullopt;
        return found->second;
    };
    options.http_timeout = std::chrono::milliseconds(2000);
    return options;
}

TEST(ContainerCredentials, FullUriWithAuthorizationToken) {
    const auto expiration = Clock::now() + std::chrono::hours(6);
    HttpStubServer server([&](const HttpStubRequest& request) -> HttpStubResponse {
        if (request.target != "/v2/credentials/abc") return {404, ""};
        const auto auth = request.headers.find("authorization");
        if (auth == request.headers.end() || auth->second != "Bearer let-me-in") return {401, ""};
        return {200, credentials_json("AKIDCONTAINER", expiration)};
    });
    auto credentials = resolve_aws_credentials(with_environment(
        {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.base_url() + "/v2/credentials/abc"},
         {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer let-me-in"},
         {"AWS_EC2_METADATA_DISABLED", "true"}}));
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->access_key_id, "AKIDCONTAINER");
    EXPECT_EQ(credentials->secret_access_key, "secret-AKIDCONTAINER");
    EXPECT_EQ(credentials->session_token, "token-AKIDCONTAINER");
    ASSERT_TRUE(credentials->expiration);
    EXPECT_EQ(Clock::to_time_t(*credentials->expiration), Clock::to_time_t(expiration));
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ContainerCredentials, RelativeUriGoesToTheContainerHost) {
    HttpStubServer server([&](const HttpStubRequest& request) -> HttpStubResponse {
        if (request.target != "/v2/credentials/rel") return {404, ""};
        return {200, credentials_json("AKIDREL", Clock::now() + std::chrono::hours(1))};
    });
    auto options =
        with_environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/rel"},
                          {"AWS_EC2_METADATA_DISABLED", "true"}});
    options.container_base = server.base_url();  // 169.254.170.2 in production
    auto credentials = resolve_aws_credentials(options);
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->access_key_id, "AKIDREL");
}

TEST(ContainerCredentials, RefusedTokenIsReportedAndTheChainGoesOn) {
    HttpStubServer server([](const HttpStubRequest&) { return HttpStubResponse{403, ""}; });
    auto credentials = resolve_aws_credentials(
        with_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.base_url() + "/creds"},
                          {"AWS_EC2_METADATA_DISABLED", "true"}}));
    ASSERT_FALSE(credentials);
    EXPECT_NE(credentials.error().message.find("container endpoint: container endpoint " +
                                               server.base_url() + "/creds: HTTP 403"),
              std::string::npos)
        << credentials.error().message;
}

TEST(ContainerCredentials, FullUriOnAnotherHostIsRefusedWithoutSendingTheToken) {
    auto credentials = resolve_aws_credentials(
        with_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://198.51.100.7/creds"},
                          {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "token-secret"},
                          {"AWS_EC2_METADATA_DISABLED", "true"}}));
    ASSERT_FALSE(credentials);
    EXPECT_NE(credentials.error().message.find(
                  "host 198.51.100.7 is neither loopback nor a container credentials address"),
              std::string::npos)
        << credentials.error().message;
    EXPECT_EQ(credentials.error().message.find("token-secret"), std::string::npos);
}

TEST(InstanceMetadata, Imdsv2TokenThenRoleThenCredentials) {
    HttpStubServer server(test::imds_v2_handler("imds-token-1", "device-role", [] {
        return credentials_json("AKIDIMDS", Clock::now() + std::chrono::hours(6));
    }));
    auto credentials = resolve_aws_credentials(
        with_environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.base_url() + "/"}}));
    ASSERT_TRUE(credentials) << credentials.error().message;
    EXPECT_EQ(credentials->access_key_id, "AKIDIMDS");
    EXPECT_NE(credentials->source.find("role device-role"), std::string::npos);
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[0].method, "PUT");
    EXPECT_EQ(requests[0].target, "/latest/api/token");
    EXPECT_EQ(requests[0].headers.at("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
    EXPECT_EQ(requests[1].headers.at("x-aws-ec2-metadata-token"), "imds-token-1");
    EXPECT_EQ(requests[2].target, "/latest/meta-data/iam/security-credentials/device-role");
}

TEST(InstanceMetadata, DisabledMeansNotAsked) {
    HttpStubServer server(test::imds_v2_handler("t", "r", [] { return std::string("{}"); }));
    auto credentials = resolve_aws_credentials(
        with_environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.base_url()},
                          {"AWS_EC2_METADATA_DISABLED", "TRUE"}}));
    ASSERT_FALSE(credentials);
    EXPECT_TRUE(server.requests().empty());
}

TEST(CredentialChainOrder, ContainerBeforeInstanceMetadataAndEnvironmentBeforeBoth) {
    HttpStubServer container([](const HttpStubRequest&) {
        return HttpStubResponse{
            200, credentials_json("AKIDCONTAINER", Clock::now() + std::chrono::hours(1))};
    });
    HttpStubServer imds(test::imds_v2_handler("t", "r", [] {
        return credentials_json("AKIDIMDS", Clock::now() + std::chrono::hours(1));
    }));
    std::map<std::string, std::string> env{
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.base_url() + "/c"},
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.base_url()}};
    auto first = resolve_aws_credentials(with_environment(env));
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->access_key_id, "AKIDCONTAINER");
    EXPECT_TRUE(imds.requests().empty());

    env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    env["AWS_SECRET_ACCESS_KEY"] = "s";
    auto second = resolve_aws_credentials(with_environment(env));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->access_key_id, "AKIDENV");
    EXPECT_EQ(container.requests().size(), 1u);
}

TEST(CredentialProvider, RefreshesBeforeExpiryAndCachesOtherwise) {
    int served = 0;
    const auto start = Clock::now();
    HttpStubServer imds(test::imds_v2_handler("t", "r", [&] {
        ++served;
        return credentials_json("AKID" + std::to_string(served), start + std::chrono::hours(1));
    }));
    AwsCredentialProvider provider(
        with_environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.base_url()}}),
        std::chrono::minutes(5));
    auto first = provider.get(start);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->access_key_id, "AKID1");
    auto cached = provider.get(start + std::chrono::minutes(50));
    ASSERT_TRUE(cached);
    EXPECT_EQ(cached->access_key_id, "AKID1");
    EXPECT_EQ(provider.resolutions(), 1u);
    // Within five minutes of expiry: fetched again.
    auto refreshed = provider.get(start + std::chrono::minutes(56));
    ASSERT_TRUE(refreshed) << refreshed.error().message;
    EXPECT_EQ(refreshed->access_key_id, "AKID2");
    EXPECT_EQ(provider.resolutions(), 2u);
}

TEST(CredentialProvider, ExpiredEvenAfterRefreshIsAClearError) {
    const auto expired_at = Clock::now() - std::chrono::minutes(1);
    HttpStubServer container([&](const HttpStubRequest&) {
        return HttpStubResponse{200, credentials_json("AKIDOLD", expired_at)};
    });
    AwsCredentialProvider provider(
        with_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.base_url() + "/c"},
                          {"AWS_EC2_METADATA_DISABLED", "true"}}));
    auto credentials = provider.get();
    ASSERT_FALSE(credentials);
    EXPECT_EQ(credentials.error().message, "AWS credentials from container endpoint " +
                                               container.base_url() + "/c expired at " +
                                               iso8601(expired_at));
    // Asked again on the next attempt, not cached.
    EXPECT_FALSE(provider.get());
    EXPECT_EQ(container.requests().size(), 2u);
}

TEST(CredentialProvider, ErrorsNeverContainSecrets) {
    HttpStubServer container([](const HttpStubRequest&) {
        return HttpStubResponse{200, R"({"SecretAccessKey":"very-secret","Token":"tok"})"};
    });
    auto credentials = resolve_aws_credentials(
        with_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.base_url() + "/c"},
                          {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "auth-secret"},
                          {"AWS_EC2_METADATA_DISABLED", "true"}}));
    ASSERT_FALSE(credentials);
    EXPECT_EQ(credentials.error().message.find("very-secret"), std::string::npos);
    EXPECT_EQ(credentials.error().message.find("auth-secret"), std::string::npos);
    EXPECT_NE(credentials.error().message.find("without AccessKeyId"), std::string::npos);
}

}  // namespace
}  // namespace defender
