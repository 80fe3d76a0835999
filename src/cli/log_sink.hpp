// SPDX-License-Identifier: Apache-2.0
#pragma once
// Routes the library's log lines to spdlog.

#include <spdlog/spdlog.h>

#include "defender/agent.hpp"

namespace defender::cli {

inline LogSink spdlog_sink() {
    return [](LogLevel level, const std::string& line) {
        switch (level) {
            case LogLevel::debug:
                spdlog::debug("{}", line);
                break;
            case LogLevel::info:
                spdlog::info("{}", line);
                break;
            case LogLevel::warn:
                spdlog::warn("{}", line);
                break;
            case LogLevel::error:
                spdlog::error("{}", line);
                break;
        }
    };
}

}  // namespace defender::cli
