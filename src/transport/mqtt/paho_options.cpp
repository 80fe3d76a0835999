#include "transport/mqtt/paho_options.hpp"

#include <MQTTAsync.h>

#include "defender/sigv4.hpp"
#include "transport/mqtt/tls_diagnosis.hpp"

namespace defender {

namespace mqtt_transport {

std::string host_header(const MqttSettings& settings) {
    const bool ipv6_literal = settings.endpoint.find(':') != std::string::npos;
    const std::string host = ipv6_literal ? "[" + settings.endpoint + "]" : settings.endpoint;
    return host + ":" + std::to_string(settings.port);
}

std::string server_uri(const MqttSettings& settings) {
    if (settings.use_websocket) {
        return (settings.websocket_tls ? "wss://" : "ws://") + host_header(settings) + "/mqtt";
    }
    return "ssl://" + host_header(settings);
}

std::string paho_proxy(const ProxySettings& proxy) {
    std::string text;
    if (!proxy.username.empty()) {
        text = sigv4::uri_encode(proxy.username) + ":" + sigv4::uri_encode(proxy.password) + "@";
    }
    const bool ipv6_literal = proxy.host.find(':') != std::string::npos;
    return text + (ipv6_literal ? "[" + proxy.host + "]" : proxy.host) + ":" +
           std::to_string(proxy.port);
}

mqtt::connect_options connect_options(const MqttSettings& settings,
                                      const std::optional<ProxySettings>& proxy,
                                      const std::string& signed_url) {
    auto builder = mqtt::connect_options_builder()
                       .mqtt_version(MQTTVERSION_3_1_1)
                       .clean_session(settings.clean_session)
                       .keep_alive_interval(settings.keep_alive)
                       .connect_timeout(settings.connect_timeout)
                       .automatic_reconnect(false);
    const bool tls = !settings.use_websocket || settings.websocket_tls;
    if (tls) {
        auto ssl_builder = mqtt::ssl_options_builder();
        ssl_builder.trust_store(settings.root_ca.string())
            .enable_server_cert_auth(true)
            .verify(true)  // Paho's switch for the host name check
            .ssl_version(MQTT_SSL_VERSION_TLS_1_2)
            .enabled_cipher_suites(kCipherList);
        if (!settings.use_websocket) {
            ssl_builder.key_store(settings.cert.string()).private_key(settings.key.string());
        }
        auto ssl = ssl_builder.finalize();
        if (offers_aws_alpn(settings)) {
            ssl.set_alpn_protos({kAwsMqttAlpnProtocol});
        }
        builder.ssl(std::move(ssl));
    }
    if (!signed_url.empty()) {
        builder.servers(mqtt::string_collection::create({signed_url}));
    }
    auto options = builder.finalize();
    if (proxy) {
        if (tls) {
            options.set_https_proxy(paho_proxy(*proxy));
        } else {
            options.set_http_proxy(paho_proxy(*proxy));
        }
    }
    return options;
}

}  // namespace mqtt_transport
}  // namespace defender
