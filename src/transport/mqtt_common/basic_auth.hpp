#pragma once

#include <string>

#include "defender/mqtt_transport.hpp"

namespace defender::mqtt_transport {

/// "Basic <base64(user:password)>" for a proxy's CONNECT.
std::string basic_authorization(const ProxySettings& proxy);

}  // namespace defender::mqtt_transport
