// SPDX-License-Identifier: Apache-2.0
#include "cli/systemd_notify.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "agent/status_text.hpp"

namespace defender::cli {
namespace {

std::string take_variable(const char* name) {
    const char* value = std::getenv(name);
    std::string text = value ? value : "";
    ::unsetenv(name);
    return text;
}

// A datagram socket connected to `name`: a path, or '@' and an abstract name. None with a
// reason in `problem` when it cannot be used.
util::UniqueFd connect_notify_socket(const std::string& name, std::string& problem) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (name.empty() || (name[0] != '/' && name[0] != '@')) {
        problem = "not an absolute path or an abstract socket name (@...)";
        return {};
    }
    if (name.size() >= sizeof address.sun_path) {
        problem = "longer than a Unix socket address can be";
        return {};
    }
    std::memcpy(address.sun_path, name.data(), name.size());
    if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
    util::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        problem = std::strerror(errno);
        return fd;
    }
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        problem = std::strerror(errno);
        fd.reset();
    }
    return fd;
}

}  // namespace

SystemdNotifier SystemdNotifier::from_environment() {
    SystemdNotifier notifier;
    const std::string socket_name = take_variable("NOTIFY_SOCKET");
    const std::string watchdog_usec = take_variable("WATCHDOG_USEC");
    const std::string watchdog_pid = take_variable("WATCHDOG_PID");
    if (socket_name.empty()) return notifier;
    std::string problem;
    notifier.fd_ = connect_notify_socket(socket_name, problem);
    notifier.socket_name_ = socket_name;
    if (!notifier.fd_.valid()) {
        spdlog::warn("cannot notify systemd at NOTIFY_SOCKET={}: {}; no READY, STATUS or watchdog",
                     socket_name, problem);
        return notifier;
    }
    if (watchdog_usec.empty()) return notifier;
    // The watchdog is for the process systemd named, if it named one.
    if (!watchdog_pid.empty() && watchdog_pid != std::to_string(::getpid())) return notifier;
    std::uint64_t usec = 0;
    const auto [end, error] =
        std::from_chars(watchdog_usec.data(), watchdog_usec.data() + watchdog_usec.size(), usec);
    if (error != std::errc() || end != watchdog_usec.data() + watchdog_usec.size() || usec < 2000) {
        spdlog::warn(
            "WATCHDOG_USEC={} is not a number of microseconds (at least 2000); no watchdog "
            "pings",
            watchdog_usec);
        return notifier;
    }
    notifier.ping_interval_ = std::chrono::milliseconds(usec / 2000);
    return notifier;
}

SystemdNotifier::SystemdNotifier(SystemdNotifier&& other) noexcept
    : fd_(std::move(other.fd_)),
      socket_name_(std::move(other.socket_name_)),
      ping_interval_(other.ping_interval_),
      warned_(other.warned_.load()),
      ready_sent_(other.ready_sent_) {}

SystemdNotifier::~SystemdNotifier() = default;

void SystemdNotifier::notify(const std::string& message) {
    if (!fd_.valid()) return;
    while (true) {
        if (::send(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
            return;
        if (errno != EINTR) break;
    }
    const std::string problem = std::strerror(errno);
    if (!warned_.exchange(true)) {
        spdlog::warn(
            "cannot notify systemd at NOTIFY_SOCKET={}: {} (further failures are debug "
            "lines)",
            socket_name_, problem);
    } else {
        spdlog::debug("cannot notify systemd at NOTIFY_SOCKET={}: {}", socket_name_, problem);
    }
}

SystemdNotifier& systemd_notifier() {
    static SystemdNotifier notifier = SystemdNotifier::from_environment();
    return notifier;
}

void SystemdNotifier::attach(AgentOptions& options) {
    if (!active()) return;
    options.on_status = [this, previous = std::move(options.on_status)](const AgentStatus& status) {
        if (previous) previous(status);
        std::string message;
        // Ready once the first attempt ended, connected or not: the agent is up and keeps
        // retrying; STATUS= says whether it is connected.
        if (!ready_sent_ && status.state != ConnectionState::starting &&
            status.state != ConnectionState::stopped) {
            message = "READY=1\n";
            ready_sent_ = true;
        }
        if (status.state == ConnectionState::stopped) message += "STOPPING=1\n";
        std::string line = status_line(status);
        for (char& c : line) {
            if (c == '\n' || c == '\r') c = ' ';  // one assignment per line
        }
        message += "STATUS=" + line;
        notify(message);
    };
    if (ping_interval_.count() > 0) {
        options.heartbeat_interval = ping_interval_;
        options.on_heartbeat = [this] { notify("WATCHDOG=1"); };
    }
}

}  // namespace defender::cli
