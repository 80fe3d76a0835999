#include "transport/mqtt/proxy_probe.hpp"

#include <vector>

#include "auth/http_client.hpp"
#include "transport/mqtt_common/basic_auth.hpp"

namespace defender::mqtt_transport {

std::optional<std::string> diagnose_proxy(const ProxySettings& proxy, const std::string& target,
                                          std::chrono::milliseconds timeout) {
    const std::string name = "proxy " + describe_proxy(proxy);
    auth::HttpUrl url{proxy.host, proxy.port, target};
    std::vector<std::pair<std::string, std::string>> headers;
    if (!proxy.username.empty())
        headers.emplace_back("Proxy-Authorization", basic_authorization(proxy));
    auto response = auth::http_request("CONNECT", url, headers, timeout);
    if (!response) return name + ": " + response.error().message;
    if (response->status < 200 || response->status > 299) {
        return describe_proxy_refusal(proxy, target, response->status);
    }
    return std::nullopt;
}

}  // namespace defender::mqtt_transport
