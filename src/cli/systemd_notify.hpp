// SPDX-License-Identifier: Apache-2.0
#pragma once
// The sd_notify protocol, written by hand (no libsystemd): datagrams such as "READY=1" to the
// Unix socket named by $NOTIFY_SOCKET ('@' = abstract namespace), watchdog pings when
// $WATCHDOG_USEC is set. Without $NOTIFY_SOCKET it does nothing and costs nothing.

#include <atomic>
#include <chrono>
#include <string>

#include "defender/agent.hpp"
#include "util/unique_fd.hpp"

namespace defender::cli {

class SystemdNotifier {
public:
    /// Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID and removes them from the
    /// environment (custom metric commands must not notify in the agent's name). Call before
    /// any thread starts. An unusable value is a warning; the notifier then does nothing.
    static SystemdNotifier from_environment();

    SystemdNotifier() = default;
    SystemdNotifier(SystemdNotifier&& other) noexcept;
    SystemdNotifier& operator=(SystemdNotifier&&) = delete;
    ~SystemdNotifier();

    /// True when there is a socket to notify.
    bool active() const { return fd_.valid(); }
    /// How often the watchdog wants a ping (half of $WATCHDOG_USEC); zero = no watchdog.
    std::chrono::milliseconds watchdog_ping_interval() const { return ping_interval_; }

    /// Sends one datagram ("READY=1\nSTATUS=...") without blocking (a reader that does not
    /// read loses messages; the agent does not wait). A failure is one warning, then debug
    /// lines. Thread-safe.
    void notify(const std::string& message);

    /// Makes the agent report to systemd: READY=1 once its first connection attempt has
    /// ended, STATUS= at every change of its status, WATCHDOG=1 from its loop. Nothing when
    /// inactive. `*this` must outlive the agent.
    void attach(AgentOptions& options);

private:
    util::UniqueFd fd_;  ///< a datagram socket connected to $NOTIFY_SOCKET
    std::string socket_name_;
    std::chrono::milliseconds ping_interval_{0};
    std::atomic<bool> warned_{false};
    bool ready_sent_ = false;  ///< touched on the agent's loop thread only
};

/// The process's notifier, made from the environment at the first call (make it before any
/// thread starts).
SystemdNotifier& systemd_notifier();

}  // namespace defender::cli
