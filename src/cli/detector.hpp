// SPDX-License-Identifier: Apache-2.0
#pragma once
// The detector on a client loop: evaluates the reports that arrive, lets time pass, publishes
// the store's outbox whenever connected, reloads profiles on request. `defender detect` runs it
// alone; `defender emulate --detect-profile` beside the emulator's replies.

#include <CLI/CLI.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/client_loop.hpp"
#include "console/console_module_api.hpp"
#include "defender/detect_store.hpp"
#include "detect_service/detect_service.hpp"

namespace defender::cli {

/// The detector's settings, from the command line.
struct DetectorArgs {
    std::vector<std::string> profiles;  ///< --profile files
    std::string store;                  ///< --store; empty: the default path
    std::string violations_topic = "defender/violations/{thingName}";
    std::vector<std::string> reports_topics;  ///< --reports-topic templates
    double time_scale = 1.0;
    std::int64_t datapoint_days = 14;
    std::int64_t event_days = 30;
};

class Detector {
public:
    using Time = ClientHandler::Time;

    /// Loads the profiles and opens the store; on failure logs why and sets `exit_code`.
    static std::unique_ptr<Detector> open(const DetectorArgs& args, int& exit_code);

    /// The report topic filters to subscribe to.
    std::vector<std::string> subscriptions() const { return service_.subscriptions(); }
    /// Time passes: closes windows, prunes history, publishes; returns when next due.
    Time work(ClientLoop& client, Time now);
    /// Connected: publishes what waits.
    void connected(ClientLoop& client);
    /// A message: evaluated when it is a report (written with the next batch).
    void message(ClientLoop& client, const IncomingMessage& message, Time now);
    /// Asks for a reload of the profile files on the loop's thread (from any thread).
    void request_reload(ClientLoop& client);
    /// On the loop's thread after ClientLoop::wake(): does a requested reload.
    void woken(ClientLoop& client, Time now);
    /// Before exit: writes what waits (published at the next start).
    void shutdown();
    /// Logs the counts since start.
    void log_totals() const;

    /// The store's path.
    const std::string& store_path() const { return store_path_; }
    /// The counts since start as of the last flush (from any thread: the web console's).
    detect::DetectCounters counters() const;

private:
    Detector(const DetectorArgs& args, std::string store_path, std::unique_ptr<detect::Store> store,
             detect::DetectService service);
    void store_failed(const std::string& error);
    // Writes the batch, then publishes the outbox; on failure retries a second later.
    void flush(ClientLoop& client, Time now);
    void publish_outbox(ClientLoop& client);
    // Copies the service's counts for counters().
    void snapshot_counters();

    DetectorArgs args_;
    std::string store_path_;
    std::unique_ptr<detect::Store> store_;
    detect::DetectService service_;
    std::atomic<bool> reload_wanted_{false};
    detect::Time next_prune_{};
    std::optional<Time> unflushed_since_;  // when the waiting batch began
    std::string last_store_error_;
    mutable std::mutex counters_mutex_;
    detect::DetectCounters counters_;  // the snapshot counters() returns
};

/// The web console's settings, from the command line (--http...).
struct HttpArgs {
    std::string listen;     ///< --http; empty: no console
    std::string auth_file;  ///< --http-auth-file
    std::string cert;       ///< --http-cert
    std::string key;        ///< --http-key
};

/// Checks the --http options, loads the console module and starts the console over the store
/// at `store_path`; on failure logs why, sets `exit_code` and returns nullptr.
std::unique_ptr<console::Console> start_console(const HttpArgs& args, const std::string& store_path,
                                                std::function<detect::DetectCounters()> counters,
                                                int& exit_code);
/// Adds --http, --http-auth-file, --http-cert and --http-key.
void add_http_options(CLI::App& command, HttpArgs& args);

/// The store's default path: detect.db in the state directory.
std::string default_store_path();
/// The client loop's settings for a detector: a deep queue, as a fleet's reports wait there.
ClientLoopOptions detector_client_options();
/// Adds --<prefix>profile, --<prefix>store, --violations-topic and --time-scale.
void add_detector_options(CLI::App& command, DetectorArgs& args, const std::string& prefix);

}  // namespace defender::cli
