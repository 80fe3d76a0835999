// SPDX-License-Identifier: Apache-2.0
// The security-profile parser and ValidateSecurityProfileBehaviors: any bytes. A profile that
// parses must make an evaluator, survive a few reports and the passing of days, and its
// behaviors written back as JSON must parse to the same behaviors (writer and parser agree).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "defender/detect.hpp"

namespace {

using namespace defender;
using namespace defender::detect;

Report busy_report() {
    Report report;
    report.metrics.emplace();
    report.metrics->network_stats = NetworkStats{1000, 2000, 10, 20};
    report.metrics->listening_tcp_ports = PortList{{{22, std::nullopt}, {443, "eth0"}}, 2};
    report.metrics->listening_udp_ports = PortList{{}, 0};
    report.metrics->established_connections =
        ConnectionList{{{"10.0.0.1:443", 40000, std::nullopt},
                        {"[2001:db8::1]:8883", 40001, std::nullopt},
                        {"not an address", 1, std::nullopt}},
                       3};
    report.custom_metrics = {{"n", NumberValue{std::int64_t{-3}}},
                             {"nl", NumberListValue{{1.5, std::int64_t{2}}}},
                             {"sl", StringListValue{{"a", "b"}}},
                             {"il", IpListValue{{"192.0.2.1", "::1"}}}};
    return report;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto validation = validate_security_profile_behaviors(bytes);
    (void)to_json(validation);
    auto profile = parse_security_profile(bytes);
    if (!profile) return 0;

    std::string list = "[";
    for (const auto& behavior : profile->behaviors) {
        if (list.size() > 1) list += ",";
        list += to_json(behavior);
    }
    const auto again =
        parse_security_profile(R"({"securityProfileName": "again", "behaviors": )" + list + "]}");
    if (!again || again->behaviors != profile->behaviors) __builtin_trap();

    auto evaluator = Evaluator::create({*profile}, EvaluatorOptions{0.001});
    if (!evaluator) __builtin_trap();
    const Report report = busy_report();
    Report empty;
    empty.metrics.emplace();
    empty.metrics->listening_tcp_ports = PortList{{}, 0};
    const Time start(std::chrono::milliseconds(1'700'000'100'000));
    for (int i = 0; i < 6; ++i) {
        for (const char* thing : {"a", "b", "c"}) {
            const auto events = evaluator->on_report(thing, i % 3 == 2 ? empty : report,
                                                     start + std::chrono::milliseconds(i * 700));
            for (const auto& event : events)
                (void)to_json(event);
        }
    }
    (void)evaluator->advance(start + std::chrono::hours(1));
    for (const auto& violation : evaluator->active_violations())
        (void)to_json(violation);
    for (const auto& thing : evaluator->things()) {
        const auto state = thing_state_from_json(to_json(*evaluator->thing_state(thing)));
        if (!state || *state != *evaluator->thing_state(thing)) __builtin_trap();
    }
    return 0;
}
