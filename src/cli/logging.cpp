// SPDX-License-Identifier: Apache-2.0
#include "cli/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "util/printable.hpp"

namespace defender::cli {
namespace {

// syslog priorities (RFC 5424): what journald reads from a "<N>" prefix.
int syslog_priority(const std::string& level) {
    if (level == "critical") return 2;
    if (level == "error") return 3;
    if (level == "warning") return 4;
    if (level == "info") return 6;
    return 7;  // debug, trace
}

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (const unsigned char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                    out += escaped;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

std::string level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warning";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "critical";
        default:
            return "off";
    }
}

std::string utc_time(spdlog::log_clock::time_point when) {
    const auto since_epoch = when.time_since_epoch();
    const std::time_t seconds =
        std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char seconds_text[32];
    std::strftime(seconds_text, sizeof seconds_text, "%Y-%m-%dT%H:%M:%S", &parts);
    char millis_text[8];
    std::snprintf(millis_text, sizeof millis_text, ".%03dZ", static_cast<int>(millis));
    return std::string(seconds_text) + millis_text;
}

class StderrSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit StderrSink(LogStyle style) : style_(style) {}

protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        std::string line =
            format_log_line(style_, level_name(message.level),
                            std::string(message.payload.begin(), message.payload.end()),
                            style_ == LogStyle::json ? utc_time(message.time) : "");
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
    }
    void flush_() override { std::fflush(stderr); }

private:
    LogStyle style_;
};

}  // namespace

std::optional<LogStyle> log_style_from_name(const std::string& name) {
    if (name == "auto")
        return is_journal_stream(STDERR_FILENO) ? LogStyle::journal : LogStyle::text;
    if (name == "text") return LogStyle::text;
    if (name == "journal") return LogStyle::journal;
    if (name == "json") return LogStyle::json;
    return std::nullopt;
}

bool is_journal_stream(int fd) {
    const char* value = std::getenv("JOURNAL_STREAM");
    if (value == nullptr) return false;
    unsigned long long device = 0;
    unsigned long long inode = 0;
    if (std::sscanf(value, "%llu:%llu", &device, &inode) != 2) return false;
    struct stat status {};
    if (::fstat(fd, &status) != 0) return false;
    return status.st_dev == device && status.st_ino == inode;
}

std::string format_log_line(LogStyle style, const std::string& level, const std::string& message,
                            const std::string& time) {
    switch (style) {
        case LogStyle::journal:
            // One record per line: a newline from a peer's text must not forge a second one.
            return "<" + std::to_string(syslog_priority(level)) + ">" + util::printable(message);
        case LogStyle::json:
            return "{\"time\":" + json_string(time) + ",\"level\":" + json_string(level) +
                   ",\"message\":" + json_string(message) + "}";
        case LogStyle::text:
            break;
    }
    return "defender: " + level + ": " + util::printable(message);
}

bool setup_logging(const std::string& level_name, LogStyle style) {
    const auto level = spdlog::level::from_str(level_name);
    // from_str maps unknown names to "off"; only accept "off" when it was asked for.
    if (level == spdlog::level::off && level_name != "off") return false;
    auto logger = std::make_shared<spdlog::logger>("defender", std::make_shared<StderrSink>(style));
    logger->set_level(level);
    spdlog::set_default_logger(logger);
    return true;
}

}  // namespace defender::cli
