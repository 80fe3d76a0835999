#include "transport/mqtt/paho_options.hpp"

#include <MQTTAsync.h>

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
    return settings.port == 443;
}

namespace mqtt_transport {

std::string server_uri(const MqttSettings& settings) {
    const bool ipv6_literal = settings.endpoint.find(':') != std::string::npos;
    const std::string host = ipv6_literal ? "[" + settings.endpoint + "]" : settings.endpoint;
    return "ssl://" + host + ":" + std::to_string(settings.port);
}

mqtt::connect_options connect_options(const MqttSettings& settings,
                                      mqtt::ssl_options::error_handler on_tls_error) {
    auto ssl = mqtt::ssl_options_builder()
                   .trust_store(settings.root_ca.string())
                   .key_store(settings.cert.string())
                   .private_key(settings.key.string())
                   .enable_server_cert_auth(true)
                   .verify(true)  // Paho's switch for the host name check
                   .ssl_version(MQTT_SSL_VERSION_TLS_1_2)
                   .error_handler(std::move(on_tls_error))
                   .finalize();
    if (offers_aws_alpn(settings)) {
        ssl.set_alpn_protos({kAwsMqttAlpnProtocol});
    }
    return mqtt::connect_options_builder()
        .mqtt_version(MQTTVERSION_3_1_1)
        .clean_session(settings.clean_session)
        .keep_alive_interval(settings.keep_alive)
        .connect_timeout(settings.connect_timeout)
        .automatic_reconnect(false)
        .ssl(std::move(ssl))
        .finalize();
}

}  // namespace mqtt_transport
}  // namespace defender
