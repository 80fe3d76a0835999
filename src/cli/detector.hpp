// SPDX-License-Identifier: Apache-2.0
#pragma once
// The detector on a client loop: evaluates the reports that arrive, lets time pass, publishes
// the store's outbox whenever connected, reloads profiles on request. `defender detect` runs it
// alone; `defender emulate --detect-profile` beside the emulator's replies.

#include <CLI/CLI.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/client_loop.hpp"
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

private:
    Detector(const DetectorArgs& args, std::string store_path, std::unique_ptr<detect::Store> store,
             detect::DetectService service);
    void store_failed(const std::string& error);
    // Writes the batch, then publishes the outbox; on failure retries a second later.
    void flush(ClientLoop& client, Time now);
    void publish_outbox(ClientLoop& client);

    DetectorArgs args_;
    std::string store_path_;
    std::unique_ptr<detect::Store> store_;
    detect::DetectService service_;
    std::atomic<bool> reload_wanted_{false};
    detect::Time next_prune_{};
    std::optional<Time> unflushed_since_;  // when the waiting batch began
    std::string last_store_error_;
};

/// The store's default path: detect.db in the state directory.
std::string default_store_path();
/// The client loop's settings for a detector: a deep queue, as a fleet's reports wait there.
ClientLoopOptions detector_client_options();
/// Adds --<prefix>profile, --<prefix>store, --violations-topic and --time-scale.
void add_detector_options(CLI::App& command, DetectorArgs& args, const std::string& prefix);

}  // namespace defender::cli
