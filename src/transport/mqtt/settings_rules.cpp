// SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include "defender/aws_credentials.hpp"
#include "defender/mqtt_transport.hpp"
#include "transport/mqtt/basic_auth.hpp"
#include "util/base64.hpp"
#include "util/file_mode.hpp"

// Rules of the MQTT transport that do not need mbed TLS.
namespace defender {

bool offers_aws_alpn(const MqttSettings& settings) {
    switch (settings.alpn) {
        case AlpnMode::Always:
            return true;
        case AlpnMode::Never:
            return false;
        case AlpnMode::Automatic:
            break;
    }
    // AWS IoT on 443 tells MQTT from WebSocket by ALPN; a WebSocket client sends none.
    return settings.port == 443 && !settings.use_websocket;
}

std::optional<std::string> key_permission_warning(const std::filesystem::path& key) {
    struct stat status {};
    if (::stat(key.c_str(), &status) != 0) {
        return std::nullopt;
    }
    const auto access = util::access_by_others(status.st_mode, true, true);
    if (!access) return std::nullopt;
    return "private key " + key.string() + " is " + *access + " (mode " +
           util::octal_mode(status.st_mode) + "); chmod 600 it";
}

EnvironmentLookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
}

namespace mqtt {

std::string basic_authorization(const ProxySettings& proxy) {
    return "Basic " + util::base64_encode(proxy.username + ":" + proxy.password);
}

std::string describe_proxy_refusal(const ProxySettings& proxy, const std::string& target,
                                   int status) {
    std::string text = "proxy " + describe_proxy(proxy) + " refused CONNECT to " + target +
                       ": HTTP " + std::to_string(status);
    if (status != 407) return text;
    return text + (proxy.username.empty()
                       ? " (it wants credentials: give user:password@ in the proxy URL)"
                       : " (wrong proxy user name or password)");
}

}  // namespace mqtt
}  // namespace defender
