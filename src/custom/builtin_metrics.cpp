// SPDX-License-Identifier: Apache-2.0
#include "custom/builtin_metrics.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "collect/proc_file.hpp"
#include "collect/proc_net_dev.hpp"
#include "collect/proc_stat.hpp"
#include "defender/report_builder.hpp"

namespace defender {
namespace {

double round_to_hundredths(double value) {
    return std::round(value * 100.0) / 100.0;
}

std::string_view skip_spaces(std::string_view text) {
    const auto start = text.find_first_not_of(" \t");
    return start == std::string_view::npos ? std::string_view{} : text.substr(start);
}

// The leading number of `text` (after blanks), and where it ends.
template <class T>
std::optional<T> leading_number(std::string_view& text) {
    text = skip_spaces(text);
    T value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{}) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return value;
}

std::optional<std::uint64_t> meminfo_field(std::string_view meminfo, std::string_view key) {
    std::size_t start = 0;
    while (start < meminfo.size()) {
        const auto end = meminfo.find('\n', start);
        auto line = meminfo.substr(start, end == std::string_view::npos ? end : end - start);
        if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
            line.remove_prefix(key.size() + 1);
            return leading_number<std::uint64_t>(line);
        }
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return std::nullopt;
}

Result<std::string> read_proc(const CustomMetricOptions& options, const std::string& relative) {
    return read_small_file(options.procfs + "/" + relative);
}

Result<CustomValue> number_value(Result<double> value) {
    if (!value) return value.error();
    return CustomValue{NumberValue{*value}};
}

Result<CustomValue> integer_value(Result<std::int64_t> value) {
    if (!value) return value.error();
    return CustomValue{NumberValue{*value}};
}

Result<double> memory_used_percent(const CustomMetricOptions& options) {
    auto text = read_proc(options, "meminfo");
    if (!text) return text.error();
    return memory_used_percent_from_meminfo(*text);
}

Result<std::int64_t> uptime_seconds(const CustomMetricOptions& options) {
    auto text = read_proc(options, "uptime");
    if (!text) return text.error();
    std::string_view rest = *text;
    const auto seconds = leading_number<double>(rest);
    if (!seconds || *seconds < 0) return Error{"no uptime in " + options.procfs + "/uptime"};
    return static_cast<std::int64_t>(*seconds);
}

Result<double> load_average_1m(const CustomMetricOptions& options) {
    auto text = read_proc(options, "loadavg");
    if (!text) return text.error();
    std::string_view rest = *text;
    const auto load = leading_number<double>(rest);
    if (!load) return Error{"no load average in " + options.procfs + "/loadavg"};
    return *load;
}

Result<std::int64_t> open_file_count(const CustomMetricOptions& options) {
    auto text = read_proc(options, "sys/fs/file-nr");
    if (!text) return text.error();
    return open_file_count_from_file_nr(*text);
}

Result<std::int64_t> process_count(const CustomMetricOptions& options) {
    std::error_code error;
    std::filesystem::directory_iterator entries(options.procfs, error);
    if (error) return Error{"cannot list " + options.procfs + ": " + error.message()};
    std::int64_t count = 0;
    for (const auto& entry : entries) {
        const auto name = entry.path().filename().string();
        if (!name.empty() &&
            std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
            ++count;
    }
    return count;
}

// df's Use%: used / (used + available to unprivileged users).
Result<double> disk_used_percent(const std::string& path) {
    struct statvfs info {};
    if (::statvfs(path.c_str(), &info) != 0)
        return Error{"cannot statvfs " + path + ": " + std::strerror(errno)};
    const double used = static_cast<double>(info.f_blocks - info.f_bfree);
    const double usable = used + static_cast<double>(info.f_bavail);
    if (usable <= 0) return Error{"file system of " + path + " has no blocks"};
    return round_to_hundredths(100.0 * used / usable);
}

Result<CustomValue> interface_names(const CustomMetricOptions& options) {
    auto text = read_proc(options, "net/dev");
    if (!text) return text.error();
    StringListValue names;
    for (auto& interface : parse_proc_net_dev(*text).interfaces)
        names.values.push_back(std::move(interface.name));
    std::sort(names.values.begin(), names.values.end());
    return CustomValue{std::move(names)};
}

Result<CustomValue> interface_addresses(const CustomMetricOptions& options) {
    if (!options.address_source.addresses) return Error{"no address source"};
    auto addresses = options.address_source.addresses();
    if (!addresses) return addresses.error();
    std::set<IpAddress> unique;
    for (const auto& address : *addresses) {
        const bool loopback = options.address_source.is_loopback
                                  ? options.address_source.is_loopback(address.interface)
                                  : address.interface == "lo";
        if (!loopback) unique.insert(address.address.normalized());
    }
    IpListValue list;
    for (const auto& address : unique)
        list.values.push_back(address.to_string());
    return CustomValue{std::move(list)};
}

}  // namespace

Result<double> memory_used_percent_from_meminfo(std::string_view meminfo) {
    const auto total = meminfo_field(meminfo, "MemTotal");
    const auto available = meminfo_field(meminfo, "MemAvailable");
    if (!total || !available || *total == 0 || *available > *total)
        return Error{"no MemTotal and MemAvailable in meminfo"};
    return round_to_hundredths(100.0 * static_cast<double>(*total - *available) /
                               static_cast<double>(*total));
}

Result<std::int64_t> open_file_count_from_file_nr(std::string_view file_nr) {
    const auto allocated = leading_number<std::int64_t>(file_nr);
    const auto free = leading_number<std::int64_t>(file_nr);
    if (!allocated || !free || *free > *allocated)
        return Error{"file-nr is not \"<allocated> <free> <max>\""};
    return *allocated - *free;
}

Result<CustomValue> BuiltinReader::read(const BuiltinSource& source,
                                        const CustomMetricOptions& options) {
    switch (source.metric) {
        case BuiltinMetric::cpu_usage: {
            auto now = read_cpu_times(options.procfs);
            if (!now) return now.error();
            const auto usage = cpu_usage_percent(previous_cpu_, *now);
            previous_cpu_ = *now;
            if (!usage) return Error{"no CPU time elapsed since the previous reading"};
            return CustomValue{NumberValue{*usage}};
        }
        case BuiltinMetric::memory_used_percent:
            return number_value(memory_used_percent(options));
        case BuiltinMetric::uptime_seconds:
            return integer_value(uptime_seconds(options));
        case BuiltinMetric::process_count:
            return integer_value(process_count(options));
        case BuiltinMetric::disk_used_percent:
            return number_value(disk_used_percent(source.path));
        case BuiltinMetric::interface_names:
            return interface_names(options);
        case BuiltinMetric::interface_addresses:
            return interface_addresses(options);
        case BuiltinMetric::load_average_1m:
            return number_value(load_average_1m(options));
        case BuiltinMetric::open_file_count:
            return integer_value(open_file_count(options));
    }
    return Error{"unknown builtin"};
}

}  // namespace defender
