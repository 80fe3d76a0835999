// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/proxy_tunnel.hpp"

#include "net/http_connect.hpp"
#include "transport/mqtt/basic_auth.hpp"

namespace defender::mqtt {

std::optional<StepFailure> open_proxy_tunnel(int fd, const ProxySettings& proxy,
                                             const std::string& target,
                                             std::chrono::steady_clock::time_point deadline) {
    const std::string authorization =
        proxy.username.empty() ? std::string() : basic_authorization(proxy);
    auto answer =
        net::http_connect(fd, "proxy " + describe_proxy(proxy), target, authorization, deadline);
    if (auto* failure = std::get_if<StepFailure>(&answer)) return *failure;
    const int status = std::get<int>(answer);
    if (status < 200 || status > 299) {
        return StepFailure{false, describe_proxy_refusal(proxy, target, status)};
    }
    return std::nullopt;
}

}  // namespace defender::mqtt
