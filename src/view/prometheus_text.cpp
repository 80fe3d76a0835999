// SPDX-License-Identifier: Apache-2.0
#include "view/prometheus_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <system_error>

namespace defender::view {
namespace {

using detect::Time;

// One family being written: its header goes out before its first sample, never twice.
class Family {
public:
    Family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
        : out_(out), name_(name), type_(type), help_(help) {}

    // A sample with the labels given as name/value pairs (values escaped here).
    void sample(std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                std::string_view value) {
        if (!headed_) {
            out_ += "# HELP ";
            out_ += name_;
            out_ += ' ';
            out_ += help_;
            out_ += "\n# TYPE ";
            out_ += name_;
            out_ += ' ';
            out_ += type_;
            out_ += '\n';
            headed_ = true;
        }
        out_ += name_;
        if (labels.size() != 0) {
            out_ += '{';
            bool first = true;
            for (const auto& [label, text] : labels) {
                if (!first) out_ += ',';
                first = false;
                out_ += label;
                out_ += "=\"";
                out_ += prometheus_label_value(text);
                out_ += '"';
            }
            out_ += '}';
        }
        out_ += ' ';
        out_ += value;
        out_ += '\n';
    }

private:
    std::string& out_;
    std::string_view name_;
    std::string_view type_;
    std::string_view help_;
    bool headed_ = false;
};

std::string number(std::uint64_t value) {
    return std::to_string(value);
}

std::string number(std::int64_t value) {
    return std::to_string(value);
}

// A float as Go's strconv writes it for Prometheus: shortest round-trip, NaN, +Inf, -Inf.
std::string number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    std::array<char, 64> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    if (ec != std::errc{}) return "NaN";
    return std::string(buffer.data(), end);
}

std::string seconds(Time time) {
    const auto ms = time.time_since_epoch().count();
    if (ms % 1000 == 0) return number(static_cast<std::int64_t>(ms / 1000));
    return number(static_cast<double>(ms) / 1000.0);
}

// The number a JSON value holds (an integer stays exact); nullopt for anything else.
std::optional<std::string> json_number(const nlohmann::json& value) {
    if (value.is_number_unsigned()) return number(value.get<std::uint64_t>());
    if (value.is_number_integer()) return number(value.get<std::int64_t>());
    if (value.is_number_float()) return number(value.get<double>());
    return std::nullopt;
}

// The `member` of the metric `name` of a datapoint ({"count": 5}); nullopt when absent.
std::optional<std::string> member_number(const nlohmann::json& metrics, std::string_view name,
                                         const char* member) {
    const auto metric = metrics.find(std::string(name));
    if (metric == metrics.end() || !metric->is_object()) return std::nullopt;
    const auto value = metric->find(member);
    if (value == metric->end()) return std::nullopt;
    return json_number(*value);
}

// The device-side metrics written as gauges of their own, from the `count` AWS records.
struct DeviceGauge {
    std::string_view metric;  // AWS's metric name in the datapoint
    std::string_view family;
    std::string_view help;
};

constexpr std::array<DeviceGauge, 7> kDeviceGauges = {{
    {"aws:num-listening-tcp-ports", "defender_thing_listening_tcp_ports",
     "Listening TCP ports in the thing's last evaluated report (aws:num-listening-tcp-ports)."},
    {"aws:num-listening-udp-ports", "defender_thing_listening_udp_ports",
     "Listening UDP ports in the thing's last evaluated report (aws:num-listening-udp-ports)."},
    {"aws:num-established-tcp-connections", "defender_thing_established_tcp_connections",
     "Established TCP connections in the thing's last evaluated report "
     "(aws:num-established-tcp-connections)."},
    {"aws:all-bytes-in", "defender_thing_report_received_bytes",
     "Bytes received in the interval of the thing's last evaluated report (aws:all-bytes-in)."},
    {"aws:all-bytes-out", "defender_thing_report_sent_bytes",
     "Bytes sent in the interval of the thing's last evaluated report (aws:all-bytes-out)."},
    {"aws:all-packets-in", "defender_thing_report_received_packets",
     "Packets received in the interval of the thing's last evaluated report "
     "(aws:all-packets-in)."},
    {"aws:all-packets-out", "defender_thing_report_sent_packets",
     "Packets sent in the interval of the thing's last evaluated report (aws:all-packets-out)."},
}};

// AWS's device-side metrics: every other name in a datapoint is a custom metric.
bool is_device_metric(std::string_view name) {
    static const std::set<std::string_view> device = {
        "aws:all-bytes-in",
        "aws:all-bytes-out",
        "aws:all-packets-in",
        "aws:all-packets-out",
        "aws:num-listening-tcp-ports",
        "aws:num-listening-udp-ports",
        "aws:num-established-tcp-connections",
        "aws:listening-tcp-ports",
        "aws:listening-udp-ports",
        "aws:destination-ip-addresses",
    };
    return device.count(name) != 0;
}

// The length of the valid UTF-8 sequence at `i` (as Go's utf8.ValidString decides: no
// overlong forms, no surrogates, nothing past U+10FFFF); 0 when it is not one.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t at) {
        return at < text.size() ? static_cast<unsigned char>(text[at]) : 0u;
    };
    const unsigned lead = byte(i);
    if (lead < 0x80) return 1;
    unsigned low = 0x80;
    unsigned high = 0xBF;
    std::size_t length = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        const unsigned next = byte(i + k);
        if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return 0;
    }
    return length;
}

}  // namespace

std::string prometheus_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size();) {
        const std::size_t length = utf8_sequence(value, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD: the format wants UTF-8
            ++i;
            continue;
        }
        if (length > 1) {
            out.append(value.substr(i, length));
            i += length;
            continue;
        }
        const char c = value[i++];
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string prometheus_text(const std::vector<detect::ThingSummary>& things,
                            const std::vector<detect::Datapoint>& latest,
                            const detect::DetectCounters& counters) {
    std::string out;
    out.reserve(256 * (things.size() + latest.size()) + 4096);

    // A thing listed twice would make a duplicate series: the first row counts.
    std::vector<const detect::ThingSummary*> rows;
    {
        std::set<std::string_view> seen;
        for (const auto& thing : things) {
            if (seen.insert(thing.thing_name).second) rows.push_back(&thing);
        }
    }
    std::vector<std::pair<std::string_view, nlohmann::json>> datapoints;
    {
        std::set<std::string_view> seen;
        for (const auto& datapoint : latest) {
            if (!seen.insert(datapoint.thing_name).second) continue;
            auto metrics = nlohmann::json::parse(datapoint.metrics, nullptr, false);
            if (!metrics.is_object()) continue;  // unreadable: the thing has no gauges
            datapoints.emplace_back(datapoint.thing_name, std::move(metrics));
        }
    }

    {
        Family family(out, "defender_thing_last_report_timestamp_seconds", "gauge",
                      "When the thing's last evaluated report arrived (Unix time).");
        for (const auto* row : rows) {
            if (row->last_report)
                family.sample({{"thing", row->thing_name}}, seconds(*row->last_report));
        }
    }
    {
        Family family(out, "defender_thing_last_received_timestamp_seconds", "gauge",
                      "When the thing's last report of any kind arrived (Unix time).");
        for (const auto* row : rows) {
            if (row->last_received) {
                family.sample({{"thing", row->thing_name}}, seconds(*row->last_received));
            }
        }
    }
    {
        Family family(out, "defender_thing_reports_accepted_total", "counter",
                      "Reports of the thing evaluated (kept in the detect store).");
        for (const auto* row : rows)
            family.sample({{"thing", row->thing_name}}, number(row->accepted));
    }
    {
        Family family(out, "defender_thing_reports_rejected_total", "counter",
                      "Malformed or invalid reports of the thing (kept in the detect store).");
        for (const auto* row : rows)
            family.sample({{"thing", row->thing_name}}, number(row->rejected));
    }
    {
        Family family(out, "defender_thing_active_violations", "gauge",
                      "The thing's violations in alarm.");
        for (const auto* row : rows) {
            family.sample({{"thing", row->thing_name}},
                          number(static_cast<std::uint64_t>(row->active_violations)));
        }
    }
    for (const auto& gauge : kDeviceGauges) {
        Family family(out, gauge.family, "gauge", gauge.help);
        for (const auto& [thing, metrics] : datapoints) {
            if (auto value = member_number(metrics, gauge.metric, "count")) {
                family.sample({{"thing", thing}}, *value);
            }
        }
    }
    {
        Family family(out, "defender_thing_custom_metric", "gauge",
                      "The thing's custom metrics of type number in its last evaluated report.");
        for (const auto& [thing, metrics] : datapoints) {
            for (const auto& [name, value] : metrics.items()) {
                if (is_device_metric(name) || !value.is_object()) continue;
                const auto member = value.find("number");
                if (member == value.end()) continue;
                if (auto text = json_number(*member)) {
                    family.sample({{"thing", thing}, {"metric", name}}, *text);
                }
            }
        }
    }

    const std::array<std::tuple<std::string_view, std::string_view, std::uint64_t>, 9> totals = {{
        {"defender_detect_reports_received_total",
         "Messages on report topics since the detector started.", counters.received},
        {"defender_detect_reports_evaluated_total", "Reports evaluated since the detector started.",
         counters.evaluated},
        {"defender_detect_reports_duplicate_total",
         "Resent reports skipped since the detector started.", counters.duplicates},
        {"defender_detect_reports_malformed_total",
         "Payloads that were no report document since the detector started.", counters.malformed},
        {"defender_detect_reports_invalid_total",
         "Reports that broke the schema's rules since the detector started.", counters.invalid},
        {"defender_detect_violation_events_total",
         "Violation events raised since the detector started.", counters.events},
        {"defender_detect_store_failures_total",
         "Failed writes to the detect store since the detector started.", counters.store_failures},
        {"defender_detect_datapoints_lost_total",
         "Datapoints dropped while the detect store failed, since the detector started.",
         counters.datapoints_lost},
        {"defender_detect_things", "Things the detect store knows.",
         static_cast<std::uint64_t>(rows.size())},
    }};
    for (const auto& [name, help, value] : totals) {
        const bool counter = name.size() > 6 && name.substr(name.size() - 6) == "_total";
        Family family(out, name, counter ? "counter" : "gauge", help);
        family.sample({}, number(value));
    }
    {
        Family family(out, "defender_detect_evaluation_seconds_total", "counter",
                      "Time spent checking and evaluating reports since the detector started.");
        family.sample({}, number(counters.evaluation_seconds));
    }
    return out;
}

}  // namespace defender::view
