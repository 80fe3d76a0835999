// SPDX-License-Identifier: Apache-2.0
#pragma once
// The entry point of the console module (defender-console.so) that `defender detect` loads only
// when --http is given, so that a detector without the console maps neither civetweb nor the
// console's code. Both sides are built together, so C++ types cross the boundary; the version
// guards against a module left over from another build.

#include <functional>
#include <memory>
#include <string>

#include "defender/result.hpp"
#include "detect_service/detect_service.hpp"

namespace defender::console {

inline constexpr int kConsoleModuleVersion = 1;

/// What the console serves and how (from `defender detect --http ...`).
struct ConsoleSettings {
    std::string listen;      ///< --http as given: PORT, :PORT, ADDR:PORT or [V6]:PORT
    std::string auth_file;   ///< --http-auth-file (lines user:crypt-hash); empty: no login
    std::string cert_file;   ///< --http-cert (PEM); empty: plain HTTP
    std::string key_file;    ///< --http-key (PEM), with cert_file
    std::string store_path;  ///< the detector's store, opened again by the console
    /// Where Chart.js is served from (/static/chart.min.js); missing: 404.
    std::string chart_js = "/usr/share/javascript/chart.js/chart.min.js";
    /// The detector's counters now (thread-safe: called from the server's threads).
    std::function<detect::DetectCounters()> counters;
};

/// A running console; stops (and closes its connections) when destroyed.
class Console {
public:
    virtual ~Console() = default;
    /// Where it listens, as a URL (http://127.0.0.1:8080/).
    virtual std::string url() const = 0;
    /// Warnings for the log, at start (a public address without --http-auth-file).
    virtual std::vector<std::string> warnings() const = 0;
};

/// Why the console did not start.
struct ConsoleStartError {
    std::string message;  ///< one line
    bool usage = false;   ///< a wrong option (exit 2), rather than a failure to run
};

struct ConsoleModule {
    int version;
    /// Starts the console; on failure, why.
    std::unique_ptr<Console> (*start)(const ConsoleSettings& settings, ConsoleStartError& error);
};

}  // namespace defender::console

/// The symbol the executable looks up.
inline constexpr const char* kConsoleModuleSymbol = "defender_console_module";
