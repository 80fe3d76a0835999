// SPDX-License-Identifier: Apache-2.0
#include "agent/report_log.hpp"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "agent/state_file.hpp"

namespace defender {
namespace {

// The report id a log file belongs to: "<digits>.<anything>"; nullopt for other names.
std::optional<std::uint64_t> report_id_of(const std::string& name) {
    const auto dot = name.find('.');
    if (dot == 0 || dot == std::string::npos || dot > 20) return std::nullopt;
    std::uint64_t id = 0;
    for (std::size_t i = 0; i < dot; ++i) {
        if (name[i] < '0' || name[i] > '9') return std::nullopt;
        id = id * 10 + static_cast<std::uint64_t>(name[i] - '0');
    }
    return id;
}

}  // namespace

ReportLog::ReportLog(std::filesystem::path directory, std::size_t count)
    : directory_(std::move(directory)), count_(std::max<std::size_t>(count, 1)) {}

Status ReportLog::published(std::uint64_t report_id, Format format, const std::string& payload) {
    std::error_code error;
    std::filesystem::create_directories(directory_, error);
    const auto file =
        directory_ / (std::to_string(report_id) + "." + std::string(to_string(format)));
    if (auto saved = save_file_bytes(file, payload, "report log file"); !saved) return saved;
    return prune();
}

Status ReportLog::settled(std::uint64_t report_id, const std::string& outcome,
                          const std::string& error_code, const std::string& error_message) {
    nlohmann::json record{{"report_id", report_id}, {"outcome", outcome}};
    if (!error_code.empty()) record["error_code"] = error_code;
    if (!error_message.empty()) record["error_message"] = error_message;
    record["at"] = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    // Peer text: replace bytes that are not UTF-8 rather than fail on them.
    const auto text = record.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return save_file_bytes(directory_ / (std::to_string(report_id) + ".reply.json"), text,
                           "report log file");
}

Status ReportLog::prune() {
    std::error_code error;
    std::set<std::uint64_t> ids;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(directory_, error), end; !error && it != end;
         it.increment(error)) {
        const auto id = report_id_of(it->path().filename().string());
        if (!id) continue;
        ids.insert(*id);
        files.push_back(it->path());
    }
    if (error)
        return Error{"cannot list report log " + directory_.string() + ": " + error.message()};
    if (ids.size() <= count_) return Done{};
    const std::uint64_t oldest_kept = *std::next(ids.rbegin(), static_cast<long>(count_) - 1);
    for (const auto& file : files) {
        if (*report_id_of(file.filename().string()) < oldest_kept)
            std::filesystem::remove(file, error);
    }
    return Done{};
}

}  // namespace defender
