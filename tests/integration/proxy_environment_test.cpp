// SPDX-License-Identifier: Apache-2.0
// Which proxy a connection uses (effective_proxy): explicit settings, HTTPS_PROXY/https_proxy
// (HTTP_PROXY for plain ws), NO_PROXY matching, user-info, malformed values. Pure functions.

#include <gtest/gtest.h>

#include <map>

#include "defender/mqtt_transport.hpp"

namespace defender {
namespace {

EnvironmentLookup env(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
        const auto found = values.find(name);
        if (found == values.end()) return std::nullopt;
        return found->second;
    };
}

MqttSettings endpoint(const std::string& host) {
    MqttSettings settings;
    settings.endpoint = host;
    settings.port = 443;
    return settings;
}

std::optional<ProxySettings> proxy_for(const std::string& host,
                                       std::map<std::string, std::string> values) {
    auto proxy = effective_proxy(endpoint(host), env(std::move(values)));
    EXPECT_TRUE(proxy) << proxy.error().message;
    return proxy ? *proxy : std::nullopt;
}

TEST(EffectiveProxy, NoneWithoutVariables) {
    EXPECT_FALSE(proxy_for("a.iot.eu-west-1.amazonaws.com", {}));
}

TEST(EffectiveProxy, HttpsProxyWithUserInfoAndDefaults) {
    auto proxy = proxy_for("x", {{"HTTPS_PROXY", "http://us%40er:p%3Ass@proxy.lan:3128/"}});
    ASSERT_TRUE(proxy);
    EXPECT_EQ(proxy->host, "proxy.lan");
    EXPECT_EQ(proxy->port, 3128);
    EXPECT_EQ(proxy->username, "us@er");
    EXPECT_EQ(proxy->password, "p:ss");
    EXPECT_EQ(describe_proxy(*proxy), "proxy.lan:3128 (basic authentication)");
    auto bare = proxy_for("x", {{"https_proxy", "proxy.lan"}});
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->port, 80);
    auto ipv6 = proxy_for("x", {{"https_proxy", "http://[fd00::1]:8080"}});
    ASSERT_TRUE(ipv6);
    EXPECT_EQ(ipv6->host, "fd00::1");
    EXPECT_EQ(describe_proxy(*ipv6), "[fd00::1]:8080");
}

TEST(EffectiveProxy, LowerCaseWinsLikeCurl) {
    auto proxy = proxy_for("x", {{"https_proxy", "lower:1"}, {"HTTPS_PROXY", "upper:2"}});
    ASSERT_TRUE(proxy);
    EXPECT_EQ(proxy->host, "lower");
}

TEST(EffectiveProxy, NoProxyForms) {
    const std::string host = "abc-ats.iot.eu-west-1.amazonaws.com";
    const auto with = [&](const std::string& no_proxy) {
        return proxy_for(host, {{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", no_proxy}}).has_value();
    };
    EXPECT_FALSE(with("*"));
    EXPECT_FALSE(with("amazonaws.com"));
    EXPECT_FALSE(with(".amazonaws.com"));
    EXPECT_FALSE(with("foo, AMAZONAWS.COM "));
    EXPECT_FALSE(with(host + ":443"));
    EXPECT_TRUE(with("zonaws.com"));
    EXPECT_TRUE(with("example.com,localhost"));
    EXPECT_TRUE(with(""));
    EXPECT_FALSE(proxy_for("127.0.0.1", {{"HTTPS_PROXY", "p:1"}, {"no_proxy", "127.0.0.1"}}));
    EXPECT_FALSE(proxy_for("::1", {{"HTTPS_PROXY", "p:1"}, {"no_proxy", "[::1]"}}));
}

TEST(EffectiveProxy, ExplicitBeatsEnvironmentAndNoProxy) {
    auto settings = endpoint("localhost");
    settings.proxy = ProxySettings{"explicit", 8080, {}, {}};
    auto proxy = effective_proxy(settings, env({{"HTTPS_PROXY", "p:1"}, {"NO_PROXY", "*"}}));
    ASSERT_TRUE(proxy && *proxy);
    EXPECT_EQ((*proxy)->host, "explicit");
}

TEST(EffectiveProxy, PlainWebsocketUsesHttpProxy) {
    auto settings = endpoint("localhost");
    settings.use_websocket = true;
    settings.websocket_tls = false;
    auto proxy = effective_proxy(settings, env({{"HTTPS_PROXY", "s:1"}, {"HTTP_PROXY", "h:2"}}));
    ASSERT_TRUE(proxy && *proxy);
    EXPECT_EQ((*proxy)->host, "h");
}

TEST(EffectiveProxy, FromEnvironmentCanBeTurnedOff) {
    auto settings = endpoint("localhost");
    settings.proxy_from_environment = false;
    auto proxy = effective_proxy(settings, env({{"HTTPS_PROXY", "s:1"}}));
    ASSERT_TRUE(proxy);
    EXPECT_FALSE(*proxy);
}

TEST(EffectiveProxy, MalformedValuesAreNamedWithoutUserInfo) {
    for (const std::string value :
         {"https://u:topsecret@p:1", "http://u:topsecret@p:99999", "http://u:topsecret@:80"}) {
        auto proxy = effective_proxy(endpoint("x"), env({{"HTTPS_PROXY", value}}));
        ASSERT_FALSE(proxy) << value;
        EXPECT_EQ(proxy.error().message.rfind("HTTPS_PROXY: ", 0), 0u) << proxy.error().message;
        EXPECT_EQ(proxy.error().message.find("topsecret"), std::string::npos);
    }
}

}  // namespace
}  // namespace defender
