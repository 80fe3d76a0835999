#pragma once
// Logging for the command-line tool: plain `defender: level: message` lines on stderr.

#include <string>

namespace defender::cli {

/// Sets up the default spdlog logger on stderr at the named level (trace ... off).
/// Returns false when the level name is unknown.
bool setup_logging(const std::string& level);

}  // namespace defender::cli
