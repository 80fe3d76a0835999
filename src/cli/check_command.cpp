// SPDX-License-Identifier: Apache-2.0
// `defender check [FILE|-]`: validates reports and prints one line per violation.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cli/commands.hpp"
#include "defender/limits.hpp"
#include "defender/validate.hpp"

namespace defender::cli {
namespace {

struct CheckOptions {
    std::string input = "-";
    bool quiet = false;
};

/// The most `check` reads: 128 reports of the largest size AWS IoT accepts. More is refused
/// rather than read until memory runs out (`check /dev/zero`).
constexpr std::size_t kMaxInputBytes = 16 * 1024 * 1024;

enum class ReadFailure { too_large };

/// The content of a file descriptor up to kMaxInputBytes, or why it stopped: the errno of a
/// failed read, or too_large.
std::optional<std::variant<int, ReadFailure>> read_all(int fd, std::string& content) {
    struct stat status {};
    if (::fstat(fd, &status) == 0 && S_ISREG(status.st_mode)) {
        if (static_cast<std::uint64_t>(status.st_size) > kMaxInputBytes) {
            return ReadFailure::too_large;
        }
        content.reserve(static_cast<std::size_t>(status.st_size));
    }
    char buffer[65536];
    while (true) {
        const std::size_t room = kMaxInputBytes + 1 - content.size();
        const ssize_t count = ::read(fd, buffer, std::min(sizeof buffer, room));
        if (count == 0) return std::nullopt;
        if (count < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        content.append(buffer, static_cast<std::size_t>(count));
        if (content.size() > kMaxInputBytes) return ReadFailure::too_large;
    }
}

/// One line on stderr naming what stopped the read of `what`.
void print_read_failure(const std::string& what, const std::variant<int, ReadFailure>& failure) {
    std::cerr << "defender check: ";
    if (const auto* error = std::get_if<int>(&failure)) {
        std::cerr << "cannot read " << what << ": " << std::strerror(*error) << "\n";
    } else {
        std::cerr << what << " holds more than " << kMaxInputBytes / (1024 * 1024)
                  << " MiB: not checked (a report is at most " << kMaxPayloadBytes / 1024
                  << " KiB; check fewer at a time)\n";
    }
}

/// Reads the file (or stdin for "-"); on failure prints one line on stderr and returns nullopt.
std::optional<std::string> read_input(const std::string& input) {
    std::string content;
    if (input == "-") {
        if (const auto failure = read_all(STDIN_FILENO, content)) {
            print_read_failure("standard input", *failure);
            return std::nullopt;
        }
        return content;
    }
    const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        std::cerr << "defender check: cannot open " << input << ": " << std::strerror(errno)
                  << "\n";
        return std::nullopt;
    }
    const auto failure = read_all(fd, content);
    ::close(fd);
    if (failure) {
        print_read_failure(input, *failure);
        return std::nullopt;
    }
    return content;
}

std::string describe_style(const std::vector<ValidationResult>& results) {
    const auto style = results.front().style;
    for (const auto& result : results) {
        if (result.style != style) return "mixed key styles";
    }
    if (!style) return "unknown key style";
    return *style == KeyStyle::long_names ? "long names" : "short names";
}

void print_summary(const std::vector<ValidationResult>& results, std::size_t bytes) {
    const auto format = results.front().format;
    std::cout << "valid: " << results.size() << (results.size() == 1 ? " report (" : " reports (")
              << (format ? to_string(*format) : "unknown format") << ", " << describe_style(results)
              << ", " << bytes << (bytes == 1 ? " byte)" : " bytes)") << "\n";
}

void print_violations(const std::vector<ValidationResult>& results) {
    const bool numbered = results.size() > 1;
    for (std::size_t i = 0; i < results.size(); ++i) {
        for (const auto& violation : results[i].violations) {
            if (numbered) std::cout << "report " << i + 1 << ": ";
            std::cout << (violation.pointer.empty() ? "(document)" : violation.pointer) << ": "
                      << violation.reason << "\n";
        }
    }
}

int run_check(const CheckOptions& options) {
    const auto content = read_input(options.input);
    if (!content) return kExitUsage;
    const auto results = validate_reports(*content);
    bool valid = true;
    for (const auto& result : results)
        valid = valid && result.valid();
    if (!valid) {
        print_violations(results);
        return kExitInvalid;
    }
    if (!options.quiet) print_summary(results, content->size());
    return kExitOk;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<CheckOptions>();
    auto* command = app.add_subcommand(
        "check",
        "Validate reports (JSON or CBOR, one or several concatenated) against the Device "
        "Defender v1.0 schema and data rules. Exit 0 if valid, 1 if not, 2 if unreadable.");
    command->add_option("file", options->input, "Report file, or - for standard input")
        ->capture_default_str();
    command->add_flag("-q,--quiet", options->quiet, "Print nothing when the reports are valid");
    command->callback([options, &exit_code] { exit_code = run_check(*options); });
}

}  // namespace defender::cli
