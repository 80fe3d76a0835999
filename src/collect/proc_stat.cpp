// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_stat.hpp"

#include <array>
#include <cstdint>

#include "collect/proc_file.hpp"
#include "collect/text_cursor.hpp"

namespace defender {
namespace {

// Column order of the cpu line (Documentation/filesystems/proc.rst).
enum Column : std::size_t { user, nice, system, idle, iowait, irq, softirq, steal, kCounted };
constexpr std::size_t kRequiredColumns = idle + 1;

std::optional<CpuTimes> parse_cpu_line(std::string_view line) {
    TextCursor cursor(line.substr(3));
    std::array<std::uint64_t, kCounted> columns{};
    std::size_t parsed = 0;
    while (parsed < kCounted) {
        cursor.skip_blanks();
        if (cursor.at_end()) {
            break;
        }
        if (!cursor.decimal64(columns[parsed]) || !cursor.at_token_end()) {
            return std::nullopt;
        }
        ++parsed;
    }
    if (parsed < kRequiredColumns) {
        return std::nullopt;
    }
    std::uint64_t total = 0;
    for (const auto value : columns) {
        // A sum beyond 64 bits is no real CPU time (found by the proc_stat fuzzer).
        if (__builtin_add_overflow(total, value, &total)) {
            return std::nullopt;
        }
    }
    return CpuTimes{total - columns[idle] - columns[iowait], total};
}

}  // namespace

std::optional<CpuTimes> parse_proc_stat(std::string_view text) {
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const auto line = text.substr(0, newline);
        if (line.size() > 3 && line.substr(0, 3) == "cpu" && (line[3] == ' ' || line[3] == '\t')) {
            return parse_cpu_line(line);
        }
        if (newline == std::string_view::npos) {
            break;
        }
        text.remove_prefix(newline + 1);
    }
    return std::nullopt;
}

Result<CpuTimes> read_cpu_times(const std::string& procfs_root) {
    const auto path = procfs_root + "/stat";
    const auto text = read_small_file(path);
    if (!text) {
        return text.error();
    }
    if (const auto times = parse_proc_stat(*text)) {
        return *times;
    }
    return Error{"no aggregate cpu line in " + path};
}

}  // namespace defender
