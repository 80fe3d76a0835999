// SPDX-License-Identifier: Apache-2.0
#include "fault_rig.hpp"

#include <set>
#include <sstream>

#include "defender/encode.hpp"

namespace defender::test {

std::size_t count_lines(const std::string& log, const std::string& needle) {
    std::size_t count = 0;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);)
        count += line.find(needle) != std::string::npos;
    return count;
}

std::size_t count_warnings(const std::string& log, const std::string& needle) {
    std::size_t count = 0;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        if (line.find(needle) == std::string::npos) continue;
        count += line.find("warn") < line.find(needle) || line.find("error") < line.find(needle) ||
                 line.find("critical") < line.find(needle);
    }
    return count;
}

ProcessOptions through_port(ProcessOptions options, std::uint16_t port) {
    auto& argv = options.argv;
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
        if (argv[i] == "-p") argv[i + 1] = std::to_string(port);
    }
    return options;
}

std::vector<std::uint64_t> accepted_ids(const AgentRig& rig) {
    std::vector<std::uint64_t> ids;
    for (const auto& line : rig.emulator_lines()) {
        if (line.accepted) ids.push_back(line.report_id);
    }
    return ids;
}

std::string describe_reports(const AgentRig& rig) {
    std::string text = "emulator:";
    for (const auto& line : rig.emulator_lines())
        text += " " + std::string(line.accepted ? "A" : "R") + std::to_string(line.report_id);
    text += "\nstored:";
    for (const auto& entry : std::filesystem::directory_iterator(rig.store_dir())) {
        const auto report = decode(read_file(entry.path()));
        if (!report.ok()) continue;
        text += " " + std::to_string(report->report_id) + "=";
        text += report->metrics && report->metrics->network_stats
                    ? std::to_string(report->metrics->network_stats->bytes_in)
                    : "-";
    }
    return text + "\n";
}

TrafficSum accepted_traffic(const AgentRig& rig) {
    const auto ids = accepted_ids(rig);
    const std::set<std::uint64_t> accepted(ids.begin(), ids.end());
    std::set<std::uint64_t> counted;
    TrafficSum sum;
    for (const auto& entry : std::filesystem::directory_iterator(rig.store_dir())) {
        const auto report = decode(read_file(entry.path()));
        if (!report.ok() || !accepted.count(report->report_id)) continue;
        if (!counted.insert(report->report_id).second) continue;
        ++sum.reports;
        if (!report->metrics || !report->metrics->network_stats) continue;
        const auto& stats = *report->metrics->network_stats;
        sum.bytes_in += stats.bytes_in;
        sum.packets_in += stats.packets_in;
        sum.bytes_out += stats.bytes_out;
        sum.packets_out += stats.packets_out;
    }
    return sum;
}

}  // namespace defender::test
