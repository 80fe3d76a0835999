// SPDX-License-Identifier: Apache-2.0
#include <limits>

#include "encode/report_document.hpp"
#include "report/field_names.hpp"

namespace defender {
namespace {

// Reads a document into the model; the first problem ends the read with an error naming
// the JSON pointer of the offending value. `defender check` gives the full list.
class DocumentReader {
public:
    explicit DocumentReader(KeyStyle style) : style_(style) {}

    Report report(const Document& document) {
        expect_keys(document, "", {Field::header, Field::metrics, Field::custom_metrics});
        Report report;
        const Document& header = member(document, "", Field::header, true);
        expect_keys(header, "/" + key(Field::header), {Field::report_id, Field::version});
        report.report_id = unsigned_at(header, "/" + key(Field::header), Field::report_id, true);
        report.version = string_at(header, "/" + key(Field::header), Field::version, true);
        if (const Document& metrics = member(document, "", Field::metrics, false);
            !metrics.is_null()) {
            report.metrics = read_metrics(metrics, "/" + key(Field::metrics));
        }
        const auto custom_key = key(Field::custom_metrics);
        if (document.contains(custom_key))
            read_custom(document.at(custom_key), "/" + custom_key, report);
        if (!report.metrics && report.custom_metrics.empty()) {
            fail("", "neither metrics nor custom_metrics present");
        }
        return report;
    }

    const std::optional<Error>& error() const { return error_; }

private:
    struct Abort {};

    [[noreturn]] void fail(const std::string& pointer, const std::string& reason) {
        error_ = Error{(pointer.empty() ? std::string("(document)") : pointer) + ": " + reason};
        throw Abort{};
    }

    std::string key(Field field) const { return std::string(field_name(field, style_)); }

    void expect_object(const Document& value, const std::string& pointer) {
        if (!value.is_object()) fail(pointer, "expected an object");
    }

    void expect_keys(const Document& object, const std::string& pointer,
                     std::initializer_list<Field> allowed) {
        expect_object(object, pointer);
        for (const auto& item : object.items()) {
            bool known = false;
            for (const Field field : allowed)
                known = known || item.key() == key(field);
            if (!known) fail(pointer + "/" + item.key(), "unexpected key");
        }
    }

    const Document& member(const Document& object, const std::string& pointer, Field field,
                           bool required) {
        static const Document kAbsent;
        const auto name = key(field);
        if (!object.contains(name)) {
            if (required) fail(pointer + "/" + name, "missing");
            return kAbsent;
        }
        const Document& value = object.at(name);
        if (value.is_null()) fail(pointer + "/" + name, "null");
        return value;
    }

    std::uint64_t unsigned_at(const Document& object, const std::string& pointer, Field field,
                              bool required,
                              std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
        const Document& value = member(object, pointer, field, required);
        if (value.is_null()) return 0;
        if (!value.is_number_unsigned() &&
            !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
            fail(pointer + "/" + key(field), "expected a non-negative integer");
        }
        const auto number = value.get<std::uint64_t>();
        if (number > max) fail(pointer + "/" + key(field), "out of range");
        return number;
    }

    std::string string_at(const Document& object, const std::string& pointer, Field field,
                          bool required) {
        const Document& value = member(object, pointer, field, required);
        if (value.is_null()) return {};
        if (!value.is_string()) fail(pointer + "/" + key(field), "expected a string");
        return value.get<std::string>();
    }

    std::optional<std::string> optional_string(const Document& object, const std::string& pointer,
                                               Field field) {
        if (!object.contains(key(field))) return std::nullopt;
        return string_at(object, pointer, field, true);
    }

    const Document& array_at(const Document& object, const std::string& pointer, Field field) {
        const Document& value = member(object, pointer, field, false);
        if (!value.is_null() && !value.is_array())
            fail(pointer + "/" + key(field), "expected an array");
        return value;
    }

    PortList read_ports(const Document& block, const std::string& pointer) {
        expect_keys(block, pointer, {Field::ports, Field::total});
        PortList list;
        const Document& ports = array_at(block, pointer, Field::ports);
        const std::string list_pointer = pointer + "/" + key(Field::ports);
        for (std::size_t i = 0; !ports.is_null() && i < ports.size(); ++i) {
            const std::string item_pointer = list_pointer + "/" + std::to_string(i);
            expect_keys(ports[i], item_pointer, {Field::port, Field::interface});
            PortEntry entry;
            entry.port = static_cast<std::uint16_t>(
                unsigned_at(ports[i], item_pointer, Field::port, true, 65535));
            entry.interface = optional_string(ports[i], item_pointer, Field::interface);
            list.ports.push_back(std::move(entry));
        }
        list.total = unsigned_at(block, pointer, Field::total, false);
        return list;
    }

    ConnectionList read_connections(const Document& block, const std::string& pointer) {
        expect_keys(block, pointer, {Field::connections, Field::total});
        ConnectionList list;
        const Document& connections = array_at(block, pointer, Field::connections);
        const std::string list_pointer = pointer + "/" + key(Field::connections);
        for (std::size_t i = 0; !connections.is_null() && i < connections.size(); ++i) {
            const std::string item_pointer = list_pointer + "/" + std::to_string(i);
            const Document& item = connections[i];
            expect_keys(item, item_pointer,
                        {Field::remote_addr, Field::local_port, Field::local_interface});
            ConnectionEntry entry;
            entry.remote_addr = string_at(item, item_pointer, Field::remote_addr, true);
            entry.local_port = static_cast<std::uint16_t>(
                unsigned_at(item, item_pointer, Field::local_port, false, 65535));
            entry.local_interface = optional_string(item, item_pointer, Field::local_interface);
            list.connections.push_back(std::move(entry));
        }
        list.total = unsigned_at(block, pointer, Field::total, false);
        return list;
    }

    Metrics read_metrics(const Document& block, const std::string& pointer) {
        expect_keys(block, pointer,
                    {Field::listening_tcp_ports, Field::listening_udp_ports, Field::tcp_connections,
                     Field::network_stats});
        Metrics metrics;
        if (const auto& tcp = member(block, pointer, Field::listening_tcp_ports, false);
            !tcp.is_null()) {
            metrics.listening_tcp_ports =
                read_ports(tcp, pointer + "/" + key(Field::listening_tcp_ports));
        }
        if (const auto& udp = member(block, pointer, Field::listening_udp_ports, false);
            !udp.is_null()) {
            metrics.listening_udp_ports =
                read_ports(udp, pointer + "/" + key(Field::listening_udp_ports));
        }
        if (const auto& tcp = member(block, pointer, Field::tcp_connections, false);
            !tcp.is_null()) {
            const std::string tcp_pointer = pointer + "/" + key(Field::tcp_connections);
            expect_keys(tcp, tcp_pointer, {Field::established_connections});
            if (const auto& established =
                    member(tcp, tcp_pointer, Field::established_connections, false);
                !established.is_null()) {
                metrics.established_connections = read_connections(
                    established, tcp_pointer + "/" + key(Field::established_connections));
            }
        }
        if (const auto& stats = member(block, pointer, Field::network_stats, false);
            !stats.is_null()) {
            const std::string stats_pointer = pointer + "/" + key(Field::network_stats);
            expect_keys(stats, stats_pointer,
                        {Field::bytes_in, Field::bytes_out, Field::packets_in, Field::packets_out});
            metrics.network_stats =
                NetworkStats{unsigned_at(stats, stats_pointer, Field::bytes_in, false),
                             unsigned_at(stats, stats_pointer, Field::bytes_out, false),
                             unsigned_at(stats, stats_pointer, Field::packets_in, false),
                             unsigned_at(stats, stats_pointer, Field::packets_out, false)};
        }
        return metrics;
    }

    Number number(const Document& value, const std::string& pointer) {
        if (value.is_number_unsigned()) {
            if (value.get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                fail(pointer, "number out of range");
            }
            return value.get<std::int64_t>();
        }
        if (value.is_number_integer()) return value.get<std::int64_t>();
        if (value.is_number_float()) return value.get<double>();
        fail(pointer, "expected a number");
    }

    std::vector<std::string> strings(const Document& value, const std::string& pointer) {
        if (!value.is_array()) fail(pointer, "expected an array of strings");
        std::vector<std::string> items;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (!value[i].is_string()) fail(pointer + "/" + std::to_string(i), "expected a string");
            items.push_back(value[i].get<std::string>());
        }
        return items;
    }

    void read_custom(const Document& block, const std::string& pointer, Report& report) {
        expect_object(block, pointer);
        for (const auto& item : block.items()) {
            const std::string metric_pointer = pointer + "/" + item.key();
            const Document& wrapper = item.value();
            if (!wrapper.is_array() || wrapper.size() != 1 || !wrapper[0].is_object() ||
                wrapper[0].size() != 1) {
                fail(metric_pointer, "expected an array holding one object with one value key");
            }
            const auto only = wrapper[0].begin();
            const std::string value_name = only.key();
            const Document& value = only.value();
            const std::string value_pointer = metric_pointer + "/0/" + value_name;
            CustomMetric metric{item.key(), NumberValue{}};
            if (value_name == "number") {
                metric.value = NumberValue{number(value, value_pointer)};
            } else if (value_name == "number_list") {
                if (!value.is_array()) fail(value_pointer, "expected an array of numbers");
                NumberListValue list;
                for (std::size_t i = 0; i < value.size(); ++i) {
                    list.values.push_back(
                        number(value[i], value_pointer + "/" + std::to_string(i)));
                }
                metric.value = std::move(list);
            } else if (value_name == "string_list") {
                metric.value = StringListValue{strings(value, value_pointer)};
            } else if (value_name == "ip_list") {
                metric.value = IpListValue{strings(value, value_pointer)};
            } else {
                fail(value_pointer, "unknown value key");
            }
            report.custom_metrics.push_back(std::move(metric));
        }
    }

    KeyStyle style_;
    std::optional<Error> error_;
};

}  // namespace

Result<Report> from_document(const Document& document) {
    if (!document.is_object()) return Error{"(document): expected an object"};
    KeyStyle style = KeyStyle::long_names;
    if (document.contains(field_name(Field::header, KeyStyle::short_names))) {
        style = KeyStyle::short_names;
    } else if (!document.contains(field_name(Field::header, KeyStyle::long_names))) {
        return Error{"(document): no header (`header` or `hed`)"};
    }
    DocumentReader reader(style);
    try {
        return reader.report(document);
    } catch (...) {
        if (reader.error()) return *reader.error();
        throw;
    }
}

}  // namespace defender
