#include "transport/mqtt/connect_failure.hpp"

#include <array>

namespace defender::mqtt_transport {
namespace {

// MQTT 3.1.1 CONNACK return codes 1..5.
std::string connack_meaning(int code) {
    static constexpr std::array<const char*, 6> kMeanings{
        "",
        "unacceptable protocol version",
        "client identifier rejected",
        "server unavailable",
        "bad user name or password",
        "not authorized",
    };
    return code > 0 && code < static_cast<int>(kMeanings.size()) ? kMeanings[code] : "refused";
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

}  // namespace

std::string openssl_error_reason(const std::string& line) {
    // <id>:error:<code>:<library>:<function>:<reason>:<file>:<line>:
    std::size_t start = line.find(":error:");
    for (int field = 0; field < 4 && start != std::string::npos; ++field) {
        start = line.find(':', start + 1);
    }
    if (start == std::string::npos) {
        return trimmed(line);
    }
    const std::size_t end = line.find(':', start + 1);
    return trimmed(line.substr(start + 1, end == std::string::npos ? end : end - start - 1));
}

std::string describe_connect_failure(const ConnectFailure& failure) {
    const std::string prefix = "connect to " + failure.target;
    if (failure.return_code > 0) {
        return prefix + " refused by the broker: " + connack_meaning(failure.return_code) +
               " (CONNACK " + std::to_string(failure.return_code) + ")";
    }
    if (failure.timed_out) {
        return prefix + " timed out after " + std::to_string(failure.timeout.count()) +
               " s (no TLS/MQTT answer)";
    }
    if (failure.diagnosis) {
        return prefix + " failed: " + *failure.diagnosis;
    }
    if (!failure.tls_errors.empty()) {
        const std::string reason = openssl_error_reason(failure.tls_errors.front());
        if (reason == "certificate verify failed") {
            return prefix + " failed: server certificate verification failed";
        }
        return prefix + " failed: TLS handshake failed: " + reason;
    }
    return prefix + " failed: " +
           (failure.paho_message.empty() ? "error " + std::to_string(failure.return_code)
                                         : failure.paho_message);
}

}  // namespace defender::mqtt_transport
