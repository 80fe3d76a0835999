// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one table of long and short report keys, shared by encoder, decoder and validator.

#include <optional>
#include <string_view>

#include "defender/format.hpp"

namespace defender {

enum class Field {
    header,
    report_id,
    version,
    metrics,
    custom_metrics,
    tcp_connections,
    established_connections,
    connections,
    remote_addr,
    local_port,
    local_interface,
    total,
    listening_tcp_ports,
    listening_udp_ports,
    ports,
    port,
    interface,
    network_stats,
    bytes_in,
    bytes_out,
    packets_in,
    packets_out,
};

inline constexpr int kFieldCount = static_cast<int>(Field::packets_out) + 1;

std::string_view field_name(Field field, KeyStyle style);

/// The field a key names in the given style, if any.
std::optional<Field> field_from_key(std::string_view key, KeyStyle style);

inline constexpr KeyStyle other_style(KeyStyle style) {
    return style == KeyStyle::long_names ? KeyStyle::short_names : KeyStyle::long_names;
}

}  // namespace defender
