#include "cli/connection_options.hpp"

#include "cli/mqtt_module.hpp"

#include <unistd.h>

#include <climits>

namespace defender::cli {

void add_connection_options(CLI::App& command, ConnectionArgs& args) {
    command.add_option("-e,--endpoint", args.endpoint,
                       "Broker host name (AWS IoT: the account's ATS data endpoint)");
    command.add_option("-p,--port", args.port, "Broker port (443 adds ALPN x-amzn-mqtt-ca)")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    command.add_option("-r,--root-ca,--rootCA", args.root_ca, "Root CA certificate (PEM)");
    command.add_option("-c,--cert", args.cert, "Device certificate (PEM)");
    command.add_option("-k,--key", args.key, "Device private key (PEM)");
    command.add_option("--client-id,--client_id", args.client_id,
                       "MQTT client id (default: host name)");
    command
        .add_option("--connect-timeout", args.connect_timeout,
                    "Seconds one connection attempt (TCP, TLS, MQTT) may take")
        ->check(CLI::Range(1u, 60u))
        ->capture_default_str();
    command.add_option("--keep-alive", args.keep_alive, "MQTT keep-alive in seconds")
        ->check(CLI::Range(5u, 1200u))
        ->capture_default_str();
}

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "defender";
    return name;
}

Result<MqttSettings> mqtt_settings(const ConnectionArgs& args) {
    if (args.endpoint.empty()) return Error{"no broker endpoint: give --endpoint"};
    for (const auto& [value, option] :
         {std::pair{&args.root_ca, "--root-ca"}, std::pair{&args.cert, "--cert"},
          std::pair{&args.key, "--key"}}) {
        if (value->empty())
            return Error{std::string("no ") + option + " given: mutual TLS needs it"};
    }
    MqttSettings settings;
    settings.endpoint = args.endpoint;
    settings.port = args.port;
    settings.client_id = args.client_id.empty() ? host_name() : args.client_id;
    settings.root_ca = args.root_ca;
    settings.cert = args.cert;
    settings.key = args.key;
    settings.keep_alive = std::chrono::seconds(args.keep_alive);
    settings.connect_timeout = std::chrono::seconds(args.connect_timeout);
    auto module = mqtt_module();
    if (!module) return module.error();
    if (auto files = (*module)->check_tls_files(settings); !files) return files.error();
    return settings;
}

}  // namespace defender::cli
