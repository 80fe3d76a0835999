// SPDX-License-Identifier: Apache-2.0
#include <type_traits>

#include "encode/report_document.hpp"
#include "report/field_names.hpp"

namespace defender {
namespace {

class DocumentWriter {
public:
    explicit DocumentWriter(KeyStyle style) : style_(style) {}

    Document report(const Report& report) const {
        Document document = Document::object();
        document[key(Field::header)] = {{key(Field::report_id), report.report_id},
                                        {key(Field::version), report.version}};
        if (report.metrics) document[key(Field::metrics)] = metrics(*report.metrics);
        if (!report.custom_metrics.empty()) {
            Document& custom = document[key(Field::custom_metrics)] = Document::object();
            for (const auto& metric : report.custom_metrics) {
                Document item = Document::object();
                item[value_key(metric.value)] = value(metric.value);
                custom[metric.name] = Document::array();
                custom[metric.name].push_back(std::move(item));
            }
        }
        return document;
    }

private:
    std::string key(Field field) const { return std::string(field_name(field, style_)); }

    Document metrics(const Metrics& metrics) const {
        Document document = Document::object();
        if (metrics.listening_tcp_ports) {
            document[key(Field::listening_tcp_ports)] = ports(*metrics.listening_tcp_ports);
        }
        if (metrics.listening_udp_ports) {
            document[key(Field::listening_udp_ports)] = ports(*metrics.listening_udp_ports);
        }
        if (metrics.established_connections) {
            document[key(Field::tcp_connections)] = {
                {key(Field::established_connections),
                 connections(*metrics.established_connections)}};
        }
        if (metrics.network_stats) {
            const auto& stats = *metrics.network_stats;
            document[key(Field::network_stats)] = {{key(Field::bytes_in), stats.bytes_in},
                                                   {key(Field::bytes_out), stats.bytes_out},
                                                   {key(Field::packets_in), stats.packets_in},
                                                   {key(Field::packets_out), stats.packets_out}};
        }
        return document;
    }

    Document ports(const PortList& list) const {
        Document entries = Document::array();
        entries.get_ref<Document::array_t&>().reserve(list.ports.size());
        for (const auto& entry : list.ports) {
            Document item = {{key(Field::port), entry.port}};
            if (entry.interface) item[key(Field::interface)] = *entry.interface;
            entries.push_back(std::move(item));
        }
        return {{key(Field::ports), std::move(entries)}, {key(Field::total), list.total}};
    }

    Document connections(const ConnectionList& list) const {
        Document entries = Document::array();
        entries.get_ref<Document::array_t&>().reserve(list.connections.size());
        for (const auto& entry : list.connections) {
            Document item = {{key(Field::remote_addr), entry.remote_addr},
                             {key(Field::local_port), entry.local_port}};
            if (entry.local_interface) item[key(Field::local_interface)] = *entry.local_interface;
            entries.push_back(std::move(item));
        }
        return {{key(Field::connections), std::move(entries)}, {key(Field::total), list.total}};
    }

    static Document number(const Number& number) {
        return std::visit([](auto value) { return Document(value); }, number);
    }

    static Document value(const CustomValue& value) {
        return std::visit(
            [](const auto& alternative) -> Document {
                using T = std::decay_t<decltype(alternative)>;
                if constexpr (std::is_same_v<T, NumberValue>) {
                    return number(alternative.value);
                } else if constexpr (std::is_same_v<T, NumberListValue>) {
                    Document list = Document::array();
                    for (const auto& item : alternative.values)
                        list.push_back(number(item));
                    return list;
                } else {
                    return alternative.values;
                }
            },
            value);
    }

    KeyStyle style_;
};

}  // namespace

Document to_document(const Report& report, KeyStyle style) {
    return DocumentWriter(style).report(report);
}

}  // namespace defender
