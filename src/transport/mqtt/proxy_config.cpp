// SPDX-License-Identifier: Apache-2.0
// Which proxy a connection uses: the explicit one, or the environment's, with NO_PROXY.
#include <algorithm>

#include "defender/mqtt_transport.hpp"

namespace defender {
namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string percent_decode(const std::string& text) {
    std::string result;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
            std::isxdigit(text[i + 2])) {
            result += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            result += text[i];
        }
    }
    return result;
}

std::optional<std::string> first_set(const EnvironmentLookup& environment,
                                     std::initializer_list<const char*> names, std::string& name) {
    for (const char* candidate : names) {
        if (auto value = environment(candidate); value && !trim(*value).empty()) {
            name = candidate;
            return trim(*value);
        }
    }
    return std::nullopt;
}

/// "[user[:password]@]host[:port]" after an optional "http://" (https:// proxies are not
/// supported). Default port 80, as curl.
Result<ProxySettings> parse_proxy_url(const std::string& url, const std::string& variable) {
    std::string rest = url;
    const auto scheme_end = rest.find("://");
    if (scheme_end != std::string::npos) {
        const std::string scheme = lower(rest.substr(0, scheme_end));
        if (scheme != "http") {
            return Error{variable + ": proxy scheme " + scheme +
                         ":// is not supported (use an http:// proxy; CONNECT carries TLS)"};
        }
        rest = rest.substr(scheme_end + 3);
    }
    rest = rest.substr(0, rest.find('/'));
    ProxySettings proxy;
    if (const auto at = rest.rfind('@'); at != std::string::npos) {
        const std::string user_info = rest.substr(0, at);
        rest = rest.substr(at + 1);
        const auto colon = user_info.find(':');
        proxy.username = percent_decode(user_info.substr(0, colon));
        if (colon != std::string::npos)
            proxy.password = percent_decode(user_info.substr(colon + 1));
    }
    std::string port = "80";
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos) return Error{variable + ": malformed proxy address"};
        proxy.host = rest.substr(1, close - 1);
        if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        proxy.host = rest.substr(0, colon);
        if (colon != std::string::npos) port = rest.substr(colon + 1);
    }
    char* end = nullptr;
    const long number = std::strtol(port.c_str(), &end, 10);
    if (proxy.host.empty() || port.empty() || *end != '\0' || number < 1 || number > 65535) {
        return Error{variable + ": malformed proxy address " + rest};
    }
    proxy.port = static_cast<std::uint16_t>(number);
    return proxy;
}

bool no_proxy_matches(const std::string& host, const std::string& no_proxy) {
    const std::string target = lower(host);
    std::size_t start = 0;
    while (start <= no_proxy.size()) {
        const auto comma = no_proxy.find(',', start);
        std::string entry = lower(trim(no_proxy.substr(start, comma - start)));
        start = comma == std::string::npos ? no_proxy.size() + 1 : comma + 1;
        if (entry.empty()) continue;
        if (entry == "*") return true;
        if (entry.front() == '[') {
            entry = entry.substr(1, entry.find(']') - 1);
        } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
            entry = entry.substr(0, entry.find(':'));  // host:port
        }
        if (entry.front() == '.') entry.erase(0, 1);
        if (target == entry) return true;
        if (target.size() > entry.size() &&
            target.compare(target.size() - entry.size(), entry.size(), entry) == 0 &&
            target[target.size() - entry.size() - 1] == '.') {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string describe_proxy(const ProxySettings& proxy) {
    const bool ipv6 = proxy.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + proxy.host + "]" : proxy.host) + ":" + std::to_string(proxy.port) +
           (proxy.username.empty() ? "" : " (basic authentication)");
}

Result<std::optional<ProxySettings>> effective_proxy(const MqttSettings& settings,
                                                     const EnvironmentLookup& environment) {
    if (settings.proxy) return std::optional<ProxySettings>(*settings.proxy);
    if (!settings.proxy_from_environment) return std::optional<ProxySettings>();
    const bool tls = !settings.use_websocket || settings.websocket_tls;
    std::string variable;
    const auto url = tls ? first_set(environment, {"https_proxy", "HTTPS_PROXY"}, variable)
                         : first_set(environment, {"http_proxy", "HTTP_PROXY"}, variable);
    if (!url) return std::optional<ProxySettings>();
    std::string ignored;
    if (auto no_proxy = first_set(environment, {"no_proxy", "NO_PROXY"}, ignored);
        no_proxy && no_proxy_matches(settings.endpoint, *no_proxy)) {
        return std::optional<ProxySettings>();
    }
    auto proxy = parse_proxy_url(*url, variable);
    if (!proxy) return proxy.error();
    return std::optional<ProxySettings>(*proxy);
}

}  // namespace defender
