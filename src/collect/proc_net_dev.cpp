// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_net_dev.hpp"

#include <array>
#include <cstdint>

#include "collect/malformed_warning.hpp"
#include "collect/proc_file.hpp"
#include "collect/text_cursor.hpp"

namespace defender {
namespace {

constexpr std::size_t kHeaderLines = 2;
constexpr std::size_t kColumns = 16;
// Column positions after the name (net/core/net-procfs.c, dev_seq_printf_stats).
constexpr std::size_t kRxBytes = 0;
constexpr std::size_t kRxPackets = 1;
constexpr std::size_t kTxBytes = 8;
constexpr std::size_t kTxPackets = 9;

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

bool parse_interface_line(std::string_view line, InterfaceCounters& counters) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    const auto name = trim(line.substr(0, colon));
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
        return false;
    }
    std::array<std::uint64_t, kColumns> columns{};
    TextCursor cursor(line.substr(colon + 1));
    for (auto& column : columns) {
        cursor.skip_blanks();
        if (!cursor.decimal64(column) || !cursor.at_token_end()) {
            return false;
        }
    }
    cursor.skip_blanks();
    if (!trim(cursor.rest()).empty()) {
        return false;
    }
    counters.name = std::string(name);
    counters.bytes_in = columns[kRxBytes];
    counters.packets_in = columns[kRxPackets];
    counters.bytes_out = columns[kTxBytes];
    counters.packets_out = columns[kTxPackets];
    return true;
}

}  // namespace

NetDevTable parse_proc_net_dev(std::string_view text) {
    NetDevTable table;
    std::size_t line_number = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const auto line = text.substr(0, newline);
        if (line_number++ >= kHeaderLines && !trim(line).empty()) {
            InterfaceCounters counters;
            if (parse_interface_line(line, counters)) {
                table.interfaces.push_back(std::move(counters));
            } else {
                ++table.malformed_lines;
            }
        }
        if (newline == std::string_view::npos) {
            break;
        }
        text.remove_prefix(newline + 1);
    }
    return table;
}

Result<std::vector<InterfaceCounters>> read_interface_counters(const std::string& procfs_root,
                                                               const AddressSource& source,
                                                               std::vector<std::string>& warnings) {
    const auto path = procfs_root + "/net/dev";
    auto text = read_small_file(path);
    if (!text) {
        return text.error();
    }
    auto table = parse_proc_net_dev(*text);
    if (table.malformed_lines > 0) {
        warnings.push_back(malformed_warning(table.malformed_lines, path));
    }
    for (auto& counters : table.interfaces) {
        counters.loopback =
            source.is_loopback ? source.is_loopback(counters.name) : counters.name == "lo";
    }
    return std::move(table.interfaces);
}

}  // namespace defender
