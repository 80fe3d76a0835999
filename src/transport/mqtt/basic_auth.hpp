// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "defender/mqtt_transport.hpp"

namespace defender::mqtt {

/// "Basic <base64(user:password)>" for a proxy's CONNECT.
std::string basic_authorization(const ProxySettings& proxy);

/// Why `proxy` did not open a tunnel to `target` (`status` not 2xx), e.g. "proxy
/// 127.0.0.1:3128 refused CONNECT to host:8883: HTTP 407 (wrong proxy user name or password)".
std::string describe_proxy_refusal(const ProxySettings& proxy, const std::string& target,
                                   int status);

}  // namespace defender::mqtt
