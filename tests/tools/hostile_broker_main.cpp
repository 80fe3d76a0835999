// SPDX-License-Identifier: Apache-2.0
// defender-hostile-broker: the test suite's hostile MQTT broker (tests/support/hostile_broker.hpp)
// as a program, for bench/broker_flood.sh. Prints "port N" once it listens, then one line a
// second with the flood bytes sent and the connections flooded, until SIGINT or SIGTERM.
//
//   defender-hostile-broker CERT KEY THING large|endless|subacks [PAYLOAD_BYTES [PORT [TRANSPORT]]]
//
// TRANSPORT: tls (MQTT over TLS, the default), wss (MQTT over WebSocket over TLS, one binary
// frame per MQTT packet) or wss:N (WebSocket, each flood packet fragmented into frames of N
// payload bytes). PORT 0: a free port.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "hostile_broker.hpp"

int main(int argc, char** argv) {
    using defender::test::HostileBroker;
    using defender::test::HostileBrokerOptions;
    const std::string flood = argc < 5 ? "" : argv[4];
    const std::string transport = argc < 8 ? "tls" : argv[7];
    const bool fragmented = transport.starts_with("wss:") && transport.size() > 4 &&
                            transport.find_first_not_of("0123456789", 4) == std::string::npos;
    if ((flood != "large" && flood != "endless" && flood != "subacks") ||
        (transport != "tls" && transport != "wss" && !fragmented)) {
        std::fprintf(stderr,
                     "usage: %s CERT KEY THING large|endless|subacks [PAYLOAD_BYTES [PORT "
                     "[tls|wss|wss:FRAME_BYTES]]]\n",
                     argv[0]);
        return 2;
    }
    HostileBrokerOptions options;
    options.cert = argv[1];
    options.key = argv[2];
    options.thing_name = argv[3];
    options.flood = flood == "large"     ? HostileBrokerOptions::Flood::large_publishes
                    : flood == "endless" ? HostileBrokerOptions::Flood::endless_publish
                                         : HostileBrokerOptions::Flood::unsolicited_subacks;
    if (argc > 5) options.payload_bytes = std::strtoull(argv[5], nullptr, 10);
    if (argc > 6) options.port = static_cast<std::uint16_t>(std::strtoul(argv[6], nullptr, 10));
    options.websocket = transport != "tls";
    if (fragmented) options.frame_bytes = std::strtoull(transport.c_str() + 4, nullptr, 10);

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // before the broker's thread starts
    try {
        HostileBroker broker(options);
        std::printf("port %u\n", static_cast<unsigned>(broker.port()));
        std::fflush(stdout);
        const timespec second{1, 0};
        for (;;) {
            if (sigtimedwait(&stop_signals, nullptr, &second) > 0) break;
            std::printf("flood_bytes %llu connections %llu\n",
                        static_cast<unsigned long long>(broker.flood_bytes()),
                        static_cast<unsigned long long>(broker.subscribed_connections()));
            std::fflush(stdout);
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s\n", error.what());
        return 1;
    }
    return 0;
}
