// SPDX-License-Identifier: Apache-2.0
#pragma once
// Logging for the command-line tool, on stderr, in the style that fits where stderr goes:
//   text     `defender: warning: message` (a terminal, a file, a pipe)
//   journal  `<4>message`: syslog priority prefixes, no timestamp or program name, since
//            journald adds those (chosen by `auto` when JOURNAL_STREAM names stderr)
//   json     one JSON object per line with time, level and message, for log shippers

#include <optional>
#include <string>

namespace defender::cli {

enum class LogStyle { text, journal, json };

/// Parses a --log-format value: auto, text, journal or json. `auto` picks journal when stderr
/// is connected to the journal, text otherwise.
std::optional<LogStyle> log_style_from_name(const std::string& name);

/// True when JOURNAL_STREAM holds the device and inode of file descriptor `fd`, as systemd sets
/// it for services whose output goes to the journal.
bool is_journal_stream(int fd);

/// Sets up the default spdlog logger on stderr at the named level (trace ... off) in `style`.
/// Returns false when the level name is unknown.
bool setup_logging(const std::string& level, LogStyle style = LogStyle::text);

/// One log line as written for `style` (without the newline); exposed for the unit tests.
std::string format_log_line(LogStyle style, const std::string& level, const std::string& message,
                            const std::string& utc_time);

}  // namespace defender::cli
