// SPDX-License-Identifier: Apache-2.0
#include "cli/make_transport.hpp"

#include "cli/mqtt_module.hpp"

namespace defender::cli {
namespace {

struct Maker {
    Result<std::unique_ptr<Transport>> operator()(const MqttSettings& settings) const {
        const auto module = mqtt_module();
        if (!module) return module.error();
        return (*module)->create_transport(settings);
    }
    Result<std::unique_ptr<Transport>> operator()(const GreengrassSettings& settings) const {
        return make_greengrass_transport(settings);
    }
    Result<std::unique_ptr<Transport>> operator()(const StreamSettings& settings) const {
        return make_stream_transport(settings);
    }
};

struct Destination {
    std::string operator()(const MqttSettings& settings) const {
        return settings.endpoint + ":" + std::to_string(settings.port);
    }
    std::string operator()(const GreengrassSettings&) const { return "the Greengrass nucleus"; }
    std::string operator()(const StreamSettings&) const { return "standard output (dry run)"; }
};

}  // namespace

Result<std::unique_ptr<Transport>> make_transport(const TransportConfig& config) {
    return std::visit(Maker{}, config);
}

std::string transport_destination(const TransportConfig& config) {
    return std::visit(Destination{}, config);
}

}  // namespace defender::cli
