#include "cli/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace defender::cli {

bool setup_logging(const std::string& level_name) {
    const auto level = spdlog::level::from_str(level_name);
    // from_str maps unknown names to "off"; only accept "off" when it was asked for.
    if (level == spdlog::level::off && level_name != "off") return false;
    auto logger = spdlog::stderr_logger_mt("defender");
    logger->set_pattern("defender: %l: %v");
    logger->set_level(level);
    spdlog::set_default_logger(logger);
    return true;
}

}  // namespace defender::cli
