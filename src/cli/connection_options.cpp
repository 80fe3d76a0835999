// SPDX-License-Identifier: Apache-2.0
#include "cli/connection_options.hpp"

#include "cli/mqtt_module.hpp"
#include "cli/option_checks.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <climits>

namespace defender::cli {

void add_connection_options(CLI::App& command, ConnectionArgs& args,
                            const std::string& client_id_default) {
    command
        .add_option("-e,--endpoint", args.endpoint,
                    "Broker host name (AWS IoT: the account's ATS data endpoint)")
        ->check(host_name_only());
    command
        .add_option("-p,--port", args.port,
                    "Broker port (default 8883, or 443 with --use-websocket; 443 with mutual TLS "
                    "adds ALPN x-amzn-mqtt-ca)")
        ->check(CLI::Range(1, 65535));
    command
        .add_option("--alpn", args.alpn,
                    "Offer ALPN x-amzn-mqtt-ca: auto (on port 443), always (443 forwarded "
                    "elsewhere), never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    command.add_flag("-w,--use-websocket,--use_websocket", args.use_websocket,
                     "MQTT over WebSocket (wss) with SigV4 from the AWS credential chain instead "
                     "of a client certificate");
    command
        .add_option("--signing-region,--signing_region", args.signing_region,
                    "AWS region for SigV4 (--use-websocket)")
        ->capture_default_str();
    command.add_option("--proxy-host,--proxy_host", args.proxy_host,
                       "HTTP proxy (CONNECT) host; default: HTTPS_PROXY unless NO_PROXY matches");
    command.add_option("--proxy-port,--proxy_port", args.proxy_port, "HTTP proxy port")
        ->check(CLI::Range(1, 65535));
    command.add_option("-r,--root-ca,--rootCA", args.root_ca, "Root CA certificate (PEM)");
    command.add_option("-c,--cert", args.cert, "Device certificate (PEM)");
    command.add_option("-k,--key", args.key, "Device private key (PEM)");
    command
        .add_option("--client-id,--client_id", args.client_id,
                    "MQTT client id (default: " + client_id_default + ")")
        ->check(non_empty("the client id"));
    command
        .add_option("--connect-timeout", args.connect_timeout,
                    "Seconds one connection attempt (TCP, TLS, MQTT) may take")
        ->check(CLI::Range(1u, 60u))
        ->capture_default_str();
    command.add_option("--keep-alive", args.keep_alive, "MQTT keep-alive in seconds")
        ->check(CLI::Range(5u, 1200u))
        ->capture_default_str();
}

std::string describe_transport(const ConnectionArgs& args) {
    if (args.use_websocket) return "MQTT over WebSocket, SigV4 for " + args.signing_region;
    return "MQTT with mutual TLS";
}

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "defender";
    return name;
}

Result<MqttSettings> mqtt_settings(const ConnectionArgs& args) {
    if (args.endpoint.empty()) return Error{"no broker endpoint: give --endpoint"};
    if (args.use_websocket) {
        if (args.root_ca.empty()) return Error{"no --root-ca given: wss needs it"};
        if (args.signing_region.empty()) return Error{"--signing-region is empty"};
    } else {
        for (const auto& [value, option] :
             {std::pair{&args.root_ca, "--root-ca"}, std::pair{&args.cert, "--cert"},
              std::pair{&args.key, "--key"}}) {
            if (value->empty())
                return Error{std::string("no ") + option +
                             " given: mutual TLS needs it (or use --use-websocket)"};
        }
    }
    if (args.proxy_host.empty() != (args.proxy_port == 0))
        return Error{"--proxy-host and --proxy-port go together"};
    MqttSettings settings;
    settings.endpoint = args.endpoint;
    settings.port = args.port != 0 ? args.port : args.use_websocket ? 443 : 8883;
    settings.use_websocket = args.use_websocket;
    settings.alpn = args.alpn == "always"  ? AlpnMode::Always
                    : args.alpn == "never" ? AlpnMode::Never
                                           : AlpnMode::Automatic;
    settings.signing_region = args.signing_region;
    if (!args.proxy_host.empty())
        settings.proxy = ProxySettings{args.proxy_host, args.proxy_port, {}, {}};
    settings.debug_log = [](const std::string& line) { spdlog::debug("{}", line); };
    settings.client_id = args.client_id.empty() ? host_name() : args.client_id;
    settings.root_ca = args.root_ca;
    settings.cert = args.cert;
    settings.key = args.key;
    settings.keep_alive = std::chrono::seconds(args.keep_alive);
    settings.connect_timeout = std::chrono::seconds(args.connect_timeout);
    auto module = mqtt_module();
    if (!module) return module.error();
    if (auto files = (*module)->check_tls_files(settings); !files) return files.error();
    auto proxy = (*module)->proxy_description(settings);
    if (!proxy) return proxy.error();
    if (!proxy->empty()) spdlog::info("connecting through proxy {}", *proxy);
    if (settings.use_websocket) {
        auto source = (*module)->aws_credentials_source();
        if (!source)
            return Error{"--use-websocket needs AWS credentials: " + source.error().message};
        spdlog::info("WebSocket with SigV4 (region {}), AWS credentials from {}",
                     settings.signing_region, *source);
    }
    return settings;
}

}  // namespace defender::cli
