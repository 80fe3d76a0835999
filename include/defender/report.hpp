// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file report.hpp
/// The Device Defender metrics report, version 1.0, as a data model.
/// Field names here are the long ones; encoders map them to either style.
/// Target: Defender::defender (stage report).

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace defender {

/// One listening port (`listening_tcp_ports.ports[]` / `listening_udp_ports.ports[]`).
struct PortEntry {
    std::uint16_t port = 0;                ///< 1..65535
    std::optional<std::string> interface;  ///< omitted for wildcard binds

    friend bool operator==(const PortEntry&, const PortEntry&) = default;
    friend auto operator<=>(const PortEntry&, const PortEntry&) = default;
};

/// `listening_tcp_ports` or `listening_udp_ports`: ports and their true count.
struct PortList {
    std::vector<PortEntry> ports;  ///< possibly a sample
    std::uint64_t total = 0;       ///< true count before sampling

    friend bool operator==(const PortList&, const PortList&) = default;
};

/// One established TCP connection (`tcp_connections.established_connections.connections[]`).
struct ConnectionEntry {
    std::string remote_addr;       ///< `a.b.c.d:port` or `[v6]:port`
    std::uint16_t local_port = 0;  ///< local TCP port
    /// Interface the local address belongs to, when known.
    std::optional<std::string> local_interface;

    friend bool operator==(const ConnectionEntry&, const ConnectionEntry&) = default;
    friend auto operator<=>(const ConnectionEntry&, const ConnectionEntry&) = default;
};

/// `established_connections`: connections and their true count.
struct ConnectionList {
    std::vector<ConnectionEntry> connections;  ///< possibly a sample
    std::uint64_t total = 0;                   ///< true count before sampling

    friend bool operator==(const ConnectionList&, const ConnectionList&) = default;
};

/// Traffic since the previous report (deltas, never negative).
struct NetworkStats {
    std::uint64_t bytes_in = 0;     ///< bytes received
    std::uint64_t bytes_out = 0;    ///< bytes sent
    std::uint64_t packets_in = 0;   ///< packets received
    std::uint64_t packets_out = 0;  ///< packets sent

    friend bool operator==(const NetworkStats&, const NetworkStats&) = default;
};

/// The `metrics` block of a report.
struct Metrics {
    std::optional<PortList> listening_tcp_ports;            ///< TCP ports in LISTEN state
    std::optional<PortList> listening_udp_ports;            ///< bound UDP ports
    std::optional<ConnectionList> established_connections;  ///< under `tcp_connections`
    /// Traffic since the previous report; absent in the first one.
    std::optional<NetworkStats> network_stats;

    friend bool operator==(const Metrics&, const Metrics&) = default;
};

/// A custom-metric number: integers stay integers on the wire.
using Number = std::variant<std::int64_t, double>;

/// The four custom-metric value kinds, named by their value keys.
struct NumberValue {
    Number value;  ///< the number
    friend bool operator==(const NumberValue&, const NumberValue&) = default;
};
/// `number_list` value.
struct NumberListValue {
    std::vector<Number> values;  ///< the numbers
    friend bool operator==(const NumberListValue&, const NumberListValue&) = default;
};
/// `string_list` value.
struct StringListValue {
    std::vector<std::string> values;  ///< the strings
    friend bool operator==(const StringListValue&, const StringListValue&) = default;
};
/// `ip_list` value.
struct IpListValue {
    std::vector<std::string> values;  ///< IPv4 and IPv6 addresses as text
    friend bool operator==(const IpListValue&, const IpListValue&) = default;
};

/// The value of a custom metric, one of the four kinds.
using CustomValue = std::variant<NumberValue, NumberListValue, StringListValue, IpListValue>;

/// `"<name>": [ { "<value key>": <value> } ]`
struct CustomMetric {
    std::string name;   ///< metric name as created in AWS
    CustomValue value;  ///< its value
    friend bool operator==(const CustomMetric&, const CustomMetric&) = default;
};

/// One Device Defender v1.0 report: header, metrics and custom metrics.
struct Report {
    std::uint64_t report_id = 0;               ///< strictly increasing per thing, below 2^53
    std::string version = "1.0";               ///< report format version: always 1.0
    std::optional<Metrics> metrics;            ///< absent for a report of custom metrics only
    std::vector<CustomMetric> custom_metrics;  ///< in this order; empty means no block

    friend bool operator==(const Report&, const Report&) = default;
};

/// The value key of a custom metric: `number`, `number_list`, `string_list` or `ip_list`.
const char* value_key(const CustomValue& value);

}  // namespace defender
