// SPDX-License-Identifier: Apache-2.0
#include "cli/detect_profiles.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "util/bounded_file.hpp"

namespace defender::cli {
namespace {

// A profile of 100 behaviors with long value lists stays far below this.
constexpr std::size_t kMaxProfileBytes = 4 * 1024 * 1024;

}  // namespace

namespace {

// The files a --profile names: the file, or a directory's *.json files in name order.
Result<std::vector<std::string>> profile_files(const std::vector<std::string>& paths) {
    std::vector<std::string> files;
    for (const auto& path : paths) {
        std::error_code error;
        if (!std::filesystem::is_directory(path, error)) {
            files.push_back(path);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
            if (entry.path().extension() == ".json") found.push_back(entry.path().string());
        }
        if (error)
            return Error{"--profile: cannot list directory " + path + ": " + error.message()};
        if (found.empty()) return Error{"--profile: directory " + path + " holds no *.json file"};
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

}  // namespace

Result<std::vector<detect::SecurityProfile>> load_profiles(const std::vector<std::string>& paths) {
    auto files = profile_files(paths);
    if (!files) return files.error();
    std::vector<detect::SecurityProfile> profiles;
    for (const auto& file : *files) {
        auto text = util::read_bounded_file(file, kMaxProfileBytes);
        if (!text) return Error{"--profile: " + text.error().message};
        auto profile = detect::parse_security_profile(*text);
        if (!profile) return Error{"--profile " + file + ": " + profile.error().message};
        profiles.push_back(std::move(*profile));
    }
    return profiles;
}

void log_not_evaluated(const detect::Evaluator& evaluator) {
    for (const auto& skipped : evaluator.not_evaluated()) {
        spdlog::warn("security profile {}: behavior {} is loaded but not evaluated: {}",
                     skipped.security_profile_name, skipped.behavior, skipped.reason);
    }
}

}  // namespace defender::cli
