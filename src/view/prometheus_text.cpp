// SPDX-License-Identifier: Apache-2.0
#include "view/prometheus_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
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

    // A sample; `labels` are written as given (escaped already), inside braces unless empty.
    void sample(std::string_view labels, std::string_view value) {
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
        if (!labels.empty()) {
            out_ += '{';
            out_ += labels;
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

// A `count` of an AWS metric or the `number` of a custom one in a datapoint, as text.
struct MetricNumber {
    std::string metric;
    std::string text;
    bool custom = false;
};

void add_number(std::vector<MetricNumber>& out, std::string_view metric, std::string text,
                bool custom) {
    for (const auto& known : out) {
        if (known.metric == metric) return;  // a name twice: the first counts
    }
    out.push_back({std::string(metric), std::move(text), custom});
}

// Reads the numbers /metrics shows from a datapoint's JSON ({"<metric>": {"count": N}, ...})
// without building the document: the port and address lists are only skipped over.
class NumberReader final : public nlohmann::json_sax<nlohmann::json> {
public:
    explicit NumberReader(std::vector<MetricNumber>& out) : out_(out) {}

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t value) override {
        if (wanted()) add(number(static_cast<std::int64_t>(value)));
        return true;
    }
    bool number_unsigned(number_unsigned_t value) override {
        if (wanted()) add(number(static_cast<std::uint64_t>(value)));
        return true;
    }
    bool number_float(number_float_t value, const string_t&) override {
        if (wanted()) add(number(static_cast<double>(value)));
        return true;
    }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override {
        if (depth_ == 0) top_is_object_ = true;
        ++depth_;
        return true;
    }
    bool key(string_t& key) override {
        if (depth_ == 1) {
            metric_ = key;
        } else if (depth_ == 2) {
            member_ = key;
        }
        return true;
    }
    bool end_object() override {
        --depth_;
        return true;
    }
    bool start_array(std::size_t) override {
        ++depth_;
        return true;
    }
    bool end_array() override {
        --depth_;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception&) override {
        return false;
    }

private:
    // A value directly in a metric's object, under the member this metric's kind shows.
    bool wanted() {
        if (depth_ != 2 || !top_is_object_) return false;
        custom_ = !is_device_metric(metric_);
        return member_ == (custom_ ? "number" : "count");
    }
    void add(std::string text) { add_number(out_, metric_, std::move(text), custom_); }

    std::vector<MetricNumber>& out_;
    int depth_ = 0;
    bool top_is_object_ = false;
    bool custom_ = false;
    std::string metric_;
    std::string member_;
};

// The fast way to the same numbers, for the JSON metrics_json writes: strings without a
// backslash, lists skipped with a scan for their end. Gives up (false) on anything else (a
// backslash, a number out of range, a structure it does not expect), and NumberReader then
// reads the document. Lenient: it checks only what it reads (it is given the store's own JSON).
class FastReader {
public:
    FastReader(std::string_view text, std::vector<MetricNumber>& out) : s_(text), out_(out) {}

    bool run() {
        if (!eat('{')) return false;
        if (eat('}')) return true;
        do {
            std::string_view metric;
            if (!string(metric) || !eat(':')) return false;
            space();
            if (i_ < s_.size() && s_[i_] == '{') {
                ++i_;
                if (!metric_object(metric)) return false;
            } else if (!skip_value()) {
                return false;
            }
        } while (eat(','));
        return eat('}');
    }

private:
    bool metric_object(std::string_view metric) {
        if (eat('}')) return true;
        const bool custom = !is_device_metric(metric);
        const std::string_view wanted = custom ? "number" : "count";
        do {
            std::string_view member;
            if (!string(member) || !eat(':')) return false;
            space();
            if (member == wanted && i_ < s_.size() &&
                (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9'))) {
                auto text = number_text();
                if (!text) return false;
                add_number(out_, metric, std::move(*text), custom);
            } else if (!skip_value()) {
                return false;
            }
        } while (eat(','));
        return eat('}');
    }

    std::optional<std::string> number_text() {
        const std::size_t start = i_;
        bool integer = true;
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (c == '.' || c == 'e' || c == 'E' || c == '+') {
                integer = false;
            } else if (c != '-' && (c < '0' || c > '9')) {
                break;
            }
            ++i_;
        }
        const char* first = s_.data() + start;
        const char* last = s_.data() + i_;
        if (integer && *first != '-') {
            std::uint64_t value = 0;
            const auto [end, ec] = std::from_chars(first, last, value);
            if (ec == std::errc{} && end == last) return number(value);
        } else if (integer) {
            std::int64_t value = 0;
            const auto [end, ec] = std::from_chars(first, last, value);
            if (ec == std::errc{} && end == last) return number(value);
        }
        double value = 0;
        const auto [end, ec] = std::from_chars(first, last, value);
        if (ec != std::errc{} || end != last) return std::nullopt;
        return number(value);
    }

    void space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
            ++i_;
    }
    bool eat(char c) {
        space();
        if (i_ >= s_.size() || s_[i_] != c) return false;
        ++i_;
        return true;
    }
    bool string(std::string_view& out) {
        space();
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        const std::size_t start = ++i_;
        const std::size_t end = s_.find_first_of("\"\\", start);
        if (end == std::string_view::npos || s_[end] != '"') return false;
        out = s_.substr(start, end - start);
        i_ = end + 1;
        return true;
    }
    bool skip_value() {
        space();
        if (i_ >= s_.size()) return false;
        std::string_view ignored;
        const char c = s_[i_];
        if (c == '"') return string(ignored);
        if (c == '[' || c == '{') {
            int level = 0;
            while (i_ < s_.size()) {
                const char d = s_[i_];
                if (d == '"') {
                    if (!string(ignored)) return false;
                    continue;
                }
                if (d == '[' || d == '{') {
                    ++level;
                } else if ((d == ']' || d == '}') && --level == 0) {
                    ++i_;
                    return true;
                }
                ++i_;
            }
            return false;
        }
        const std::size_t start = i_;
        while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
               s_[i_] != '\n')
            ++i_;
        return i_ > start;
    }

    std::string_view s_;
    std::size_t i_ = 0;
    std::vector<MetricNumber>& out_;
};

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

    // A thing listed twice would make a duplicate series: the first row counts. Each thing's
    // label is escaped once.
    struct Row {
        const detect::ThingSummary* summary;
        std::string label;
    };
    std::vector<Row> rows;
    rows.reserve(things.size());
    {
        std::set<std::string_view> seen;
        for (const auto& thing : things) {
            if (!seen.insert(thing.thing_name).second) continue;
            rows.push_back({&thing, "thing=\"" + prometheus_label_value(thing.thing_name) + '"'});
        }
    }
    struct Numbers {
        std::string label;
        std::vector<MetricNumber> values;
    };
    std::vector<Numbers> datapoints;
    datapoints.reserve(latest.size());
    {
        std::set<std::string_view> seen;
        for (const auto& datapoint : latest) {
            if (!seen.insert(datapoint.thing_name).second) continue;
            Numbers numbers;
            if (!FastReader(datapoint.metrics, numbers.values).run()) {
                numbers.values.clear();
                NumberReader reader(numbers.values);
                // Unreadable: the thing has no gauges.
                if (!nlohmann::json::sax_parse(datapoint.metrics, &reader)) continue;
            }
            if (numbers.values.empty()) continue;
            numbers.label = "thing=\"" + prometheus_label_value(datapoint.thing_name) + '"';
            datapoints.push_back(std::move(numbers));
        }
    }

    {
        Family family(out, "defender_thing_last_report_timestamp_seconds", "gauge",
                      "When the thing's last evaluated report arrived (Unix time).");
        for (const auto& row : rows) {
            if (row.summary->last_report) {
                family.sample(row.label, seconds(*row.summary->last_report));
            }
        }
    }
    {
        Family family(out, "defender_thing_last_received_timestamp_seconds", "gauge",
                      "When the thing's last report of any kind arrived (Unix time).");
        for (const auto& row : rows) {
            if (row.summary->last_received) {
                family.sample(row.label, seconds(*row.summary->last_received));
            }
        }
    }
    {
        Family family(out, "defender_thing_reports_accepted_total", "counter",
                      "Reports of the thing evaluated (kept in the detect store).");
        for (const auto& row : rows)
            family.sample(row.label, number(row.summary->accepted));
    }
    {
        Family family(out, "defender_thing_reports_rejected_total", "counter",
                      "Malformed or invalid reports of the thing (kept in the detect store).");
        for (const auto& row : rows)
            family.sample(row.label, number(row.summary->rejected));
    }
    {
        Family family(out, "defender_thing_active_violations", "gauge",
                      "The thing's violations in alarm.");
        for (const auto& row : rows) {
            family.sample(row.label,
                          number(static_cast<std::uint64_t>(row.summary->active_violations)));
        }
    }
    for (const auto& gauge : kDeviceGauges) {
        Family family(out, gauge.family, "gauge", gauge.help);
        for (const auto& thing : datapoints) {
            for (const auto& value : thing.values) {
                if (!value.custom && value.metric == gauge.metric) {
                    family.sample(thing.label, value.text);
                    break;
                }
            }
        }
    }
    {
        Family family(out, "defender_thing_custom_metric", "gauge",
                      "The thing's custom metrics of type number in its last evaluated report.");
        std::string labels;
        for (const auto& thing : datapoints) {
            for (const auto& value : thing.values) {
                if (!value.custom) continue;
                labels = thing.label;
                labels += ",metric=\"";
                labels += prometheus_label_value(value.metric);
                labels += '"';
                family.sample(labels, value.text);
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
        family.sample("", number(value));
    }
    {
        Family family(out, "defender_detect_evaluation_seconds_total", "counter",
                      "Time spent checking and evaluating reports since the detector started.");
        family.sample("", number(counters.evaluation_seconds));
    }
    return out;
}

}  // namespace defender::view
