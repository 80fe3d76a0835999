// SPDX-License-Identifier: Apache-2.0
#include "report/field_names.hpp"

#include <array>

namespace defender {
namespace {

struct Names {
    std::string_view long_name;
    std::string_view short_name;
};

// Indexed by Field; the short forms are those of the Device Defender documentation.
constexpr std::array<Names, kFieldCount> kNames{{
    {"header", "hed"},
    {"report_id", "rid"},
    {"version", "v"},
    {"metrics", "met"},
    {"custom_metrics", "cmet"},
    {"tcp_connections", "tc"},
    {"established_connections", "ec"},
    {"connections", "cs"},
    {"remote_addr", "rad"},
    {"local_port", "lp"},
    {"local_interface", "li"},
    {"total", "t"},
    {"listening_tcp_ports", "tp"},
    {"listening_udp_ports", "up"},
    {"ports", "pts"},
    {"port", "pt"},
    {"interface", "if"},
    {"network_stats", "ns"},
    {"bytes_in", "bi"},
    {"bytes_out", "bo"},
    {"packets_in", "pi"},
    {"packets_out", "po"},
}};

}  // namespace

std::string_view field_name(Field field, KeyStyle style) {
    const Names& names = kNames[static_cast<std::size_t>(field)];
    return style == KeyStyle::long_names ? names.long_name : names.short_name;
}

std::optional<Field> field_from_key(std::string_view key, KeyStyle style) {
    for (int i = 0; i < kFieldCount; ++i) {
        const auto field = static_cast<Field>(i);
        if (field_name(field, style) == key) return field;
    }
    return std::nullopt;
}

}  // namespace defender
