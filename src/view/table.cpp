// SPDX-License-Identifier: Apache-2.0
#include "view/table.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <map>
#include <tuple>
#include <vector>

namespace defender::view {
namespace {

constexpr std::string_view kTitleOn = "\x1b[1;36m";  // bold cyan
constexpr std::string_view kHeaderOn = "\x1b[1m";    // bold
constexpr std::string_view kOff = "\x1b[0m";

// Longest text of one custom-metric string shown, and of a whole value cell.
constexpr std::size_t kMaxValueBytes = 64;
constexpr std::size_t kMaxCellBytes = 512;

// Columns of text, padded to the widest cell; the first row is the header.
class Columns {
public:
    explicit Columns(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

    void render(std::string& out, bool color) const {
        std::vector<std::size_t> widths;
        for (const auto& row : rows_) {
            if (widths.size() < row.size()) widths.resize(row.size(), 0);
            for (std::size_t i = 0; i < row.size(); ++i)
                widths[i] = std::max(widths[i], display_width(row[i]));
        }
        for (std::size_t r = 0; r < rows_.size(); ++r) {
            const auto& row = rows_[r];
            const bool header = r == 0;
            std::string line;
            for (std::size_t i = 0; i < row.size(); ++i) {
                const bool last = i + 1 == row.size();
                std::string cell = row[i];
                if (!last) cell.append(widths[i] - display_width(row[i]) + 2, ' ');
                line += cell;
            }
            while (!line.empty() && line.back() == ' ')
                line.pop_back();
            if (header && color) {
                out += kHeaderOn;
                out += line;
                out += kOff;
            } else {
                out += line;
            }
            out += '\n';
        }
    }

private:
    std::vector<std::vector<std::string>> rows_;
};

void title(std::string& out, const std::string& text, bool color) {
    if (!out.empty()) out += '\n';
    if (color) {
        out += kTitleOn;
        out += text;
        out += kOff;
    } else {
        out += text;
    }
    out += '\n';
}

std::string number_text(const Number& number) {
    if (const auto* integer = std::get_if<std::int64_t>(&number)) return std::to_string(*integer);
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, std::get<double>(number));
    return std::string(buffer, result.ptr);
}

std::string rate_text(std::uint64_t count, double seconds) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.1f", static_cast<double>(count) / seconds);
    return buffer;
}

std::string shown(std::size_t listed, std::uint64_t total) {
    return listed == total ? std::to_string(total)
                           : std::to_string(listed) + " shown of " + std::to_string(total);
}

// "198.51.100.7:443" → {"198.51.100.7", "443"}; "[2001:db8::1]:443" → {"2001:db8::1", "443"}.
std::pair<std::string, std::string> split_remote(const std::string& remote) {
    const auto colon = remote.rfind(':');
    if (colon == std::string::npos) return {remote, ""};
    std::string host = remote.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return {host, remote.substr(colon + 1)};
}

void listening(std::string& out, const Metrics& metrics, bool color) {
    const auto count = [](const std::optional<PortList>& list) {
        return list ? shown(list->ports.size(), list->total) : std::string("not collected");
    };
    title(out,
          "Listening ports (TCP " + count(metrics.listening_tcp_ports) + ", UDP " +
              count(metrics.listening_udp_ports) + ")",
          color);
    Columns columns({"PROTO", "PORT", "INTERFACE"});
    bool any = false;
    for (const auto& [protocol, list] : {std::pair{"tcp", &metrics.listening_tcp_ports},
                                         std::pair{"udp", &metrics.listening_udp_ports}}) {
        if (!*list) continue;
        for (const PortEntry& entry : (*list)->ports) {
            columns.add({protocol, std::to_string(entry.port),
                         entry.interface ? cell_text(*entry.interface) : "*"});
            any = true;
        }
    }
    if (any)
        columns.render(out, color);
    else
        out += "(none)\n";
}

void established(std::string& out, const Metrics& metrics, bool color) {
    if (!metrics.established_connections) {
        title(out, "Established TCP connections (not collected)", color);
        return;
    }
    const ConnectionList& list = *metrics.established_connections;
    // Grouped by remote address (host), then by remote and local port.
    std::map<std::string, std::vector<std::tuple<int, std::uint16_t, std::string>>> groups;
    for (const ConnectionEntry& entry : list.connections) {
        const auto [host, port] = split_remote(entry.remote_addr);
        int remote_port = 0;
        std::from_chars(port.data(), port.data() + port.size(), remote_port);
        groups[host].emplace_back(remote_port, entry.local_port,
                                  entry.local_interface ? cell_text(*entry.local_interface) : "-");
    }
    title(out,
          "Established TCP connections (" + shown(list.connections.size(), list.total) + ", " +
              std::to_string(groups.size()) + " remote address" + (groups.size() == 1 ? "" : "es") +
              ")",
          color);
    if (groups.empty()) {
        out += "(none)\n";
        return;
    }
    Columns columns({"REMOTE ADDRESS", "REMOTE PORT", "LOCAL PORT", "INTERFACE"});
    for (auto& [host, connections] : groups) {
        std::sort(connections.begin(), connections.end());
        bool first = true;
        for (const auto& [remote_port, local_port, interface] : connections) {
            // The address once per group, as a heading of its rows.
            columns.add({first ? cell_text(host) : "", std::to_string(remote_port),
                         std::to_string(local_port), interface});
            first = false;
        }
    }
    columns.render(out, color);
}

void traffic(std::string& out, const Metrics& metrics, const TableStyle& style) {
    if (!metrics.network_stats) {
        title(out, "Traffic", style.color);
        out += "(needs a previous sample: -n 2 -s 1, or --watch SECONDS)\n";
        return;
    }
    const NetworkStats& stats = *metrics.network_stats;
    const bool rates = style.seconds_since_previous && *style.seconds_since_previous > 0;
    char seconds[32] = "";
    if (rates) std::snprintf(seconds, sizeof seconds, ", %.1f s", *style.seconds_since_previous);
    title(out, std::string("Traffic since the previous sample") + seconds, style.color);
    Columns columns(
        rates ? std::vector<std::string>{"DIRECTION", "BYTES", "PACKETS", "BYTES/S", "PACKETS/S"}
              : std::vector<std::string>{"DIRECTION", "BYTES", "PACKETS"});
    const auto row = [&](const char* direction, std::uint64_t bytes, std::uint64_t packets) {
        std::vector<std::string> cells{direction, std::to_string(bytes), std::to_string(packets)};
        if (rates) {
            cells.push_back(rate_text(bytes, *style.seconds_since_previous));
            cells.push_back(rate_text(packets, *style.seconds_since_previous));
        }
        columns.add(std::move(cells));
    };
    row("in", stats.bytes_in, stats.packets_in);
    row("out", stats.bytes_out, stats.packets_out);
    columns.render(out, style.color);
}

std::string value_text(const CustomValue& value) {
    std::string text;
    const auto join = [&](const auto& values, const auto& one) {
        for (const auto& item : values) {
            if (!text.empty()) text += ", ";
            if (text.size() > kMaxCellBytes) {
                text += "…";
                break;
            }
            text += one(item);
        }
    };
    std::visit(
        [&](const auto& kind) {
            using Kind = std::decay_t<decltype(kind)>;
            if constexpr (std::is_same_v<Kind, NumberValue>) {
                text = number_text(kind.value);
            } else if constexpr (std::is_same_v<Kind, NumberListValue>) {
                join(kind.values, number_text);
            } else {
                join(kind.values,
                     [](const std::string& s) { return cell_text(s, kMaxValueBytes); });
            }
        },
        value);
    return text;
}

void custom(std::string& out, const Report& report, bool color) {
    title(out, "Custom metrics (" + std::to_string(report.custom_metrics.size()) + ")", color);
    if (report.custom_metrics.empty()) {
        out += "(none)\n";
        return;
    }
    Columns columns({"NAME", "TYPE", "VALUE"});
    for (const CustomMetric& metric : report.custom_metrics)
        columns.add({cell_text(metric.name, kMaxValueBytes), value_key(metric.value),
                     value_text(metric.value)});
    columns.render(out, color);
}

// The length of the UTF-8 sequence at `text[at]`, and its code point; 0 when it is not one.
std::size_t utf8_sequence(std::string_view text, std::size_t at, std::uint32_t& code) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char first = byte(at);
    std::size_t length = 0;
    if (first >= 0xc2 && first <= 0xdf) {
        length = 2;
        code = first & 0x1f;
    } else if (first >= 0xe0 && first <= 0xef) {
        length = 3;
        code = first & 0x0f;
    } else if (first >= 0xf0 && first <= 0xf4) {
        length = 4;
        code = first & 0x07;
    } else {
        return 0;
    }
    if (at + length > text.size()) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xc0) != 0x80) return 0;
        code = code << 6 | (byte(at + i) & 0x3f);
    }
    // Overlong forms, surrogates, beyond U+10FFFF.
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10ffff)) ||
        (code >= 0xd800 && code <= 0xdfff)) {
        return 0;
    }
    return length;
}

}  // namespace

std::string cell_text(std::string_view text, std::size_t max_bytes) {
    std::string out;
    const std::size_t end = std::min(text.size(), max_bytes);
    std::size_t at = 0;
    char escape[16];
    while (at < end) {
        const auto byte = static_cast<unsigned char>(text[at]);
        if (byte >= 0x20 && byte < 0x7f) {
            out += static_cast<char>(byte);
            ++at;
            continue;
        }
        if (byte == '\n' || byte == '\r' || byte == '\t') {
            out += byte == '\n' ? "\\n" : byte == '\r' ? "\\r" : "\\t";
            ++at;
            continue;
        }
        std::uint32_t code = 0;
        const std::size_t length = byte >= 0x80 ? utf8_sequence(text, at, code) : 0;
        if (length == 0 || at + length > end) {
            std::snprintf(escape, sizeof escape, "\\x%02x", byte);
            out += escape;
            ++at;
            continue;
        }
        // C1 controls (U+009B is a CSI to some terminals), bidirectional overrides and
        // isolates (they reorder what follows), line and paragraph separators.
        const bool hidden = (code >= 0x80 && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) ||
                            (code >= 0x2066 && code <= 0x2069) || code == 0x2028 ||
                            code == 0x2029 || code == 0x200e || code == 0x200f;
        if (hidden) {
            std::snprintf(escape, sizeof escape, "\\u{%04x}", static_cast<unsigned>(code));
            out += escape;
        } else {
            out.append(text.substr(at, length));
        }
        at += length;
    }
    if (end < text.size()) out += "…(" + std::to_string(text.size() - at) + " more bytes)";
    return out;
}

std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

bool use_color(bool terminal, bool no_color_option, const char* no_color_environment) {
    return terminal && !no_color_option &&
           (no_color_environment == nullptr || *no_color_environment == '\0');
}

std::string render_table(const Report& report, const TableStyle& style) {
    std::string out;
    if (report.metrics) {
        listening(out, *report.metrics, style.color);
        established(out, *report.metrics, style.color);
        traffic(out, *report.metrics, style);
    }
    custom(out, report, style.color);
    return out;
}

}  // namespace defender::view
