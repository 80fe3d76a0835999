// SPDX-License-Identifier: Apache-2.0
#include "validate/report_checker.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string>

#include "defender/encode.hpp"
#include "report/data_rules.hpp"
#include "report/field_names.hpp"
#include "validate/custom_metrics_checker.hpp"
#include "validate/remote_addr.hpp"
#include "validate/value_checks.hpp"

namespace defender {
namespace {

constexpr std::uint64_t kMaxReportId = (std::uint64_t{1} << 53) - 1;
constexpr std::uint64_t kMaxCounter = std::numeric_limits<std::uint64_t>::max();

std::string style_name(KeyStyle style) {
    return style == KeyStyle::long_names ? "long-name" : "short-name";
}

bool is_top_level_field(Field field) {
    return field == Field::header || field == Field::metrics || field == Field::custom_metrics;
}

// Walks a report in one key style, recording every violation.
class ReportChecker {
public:
    ReportChecker(KeyStyle style, ViolationList& violations)
        : style_(style), violations_(violations) {}

    void check_top_level(const Document& document) {
        const DocumentPath root;
        require(document, root, {Field::header});
        if (!has(document, Field::metrics) && !has(document, Field::custom_metrics)) {
            violations_.add(root, "missing " + quoted_name(Field::metrics) + " or " +
                                      quoted_name(Field::custom_metrics) +
                                      " (a report needs at least one)");
        }
        visit_members(document, root, {Field::header, Field::metrics, Field::custom_metrics},
                      [&](Field field, const Document& value, const DocumentPath& path) {
                          if (field == Field::header) {
                              check_header(value, path);
                          } else if (field == Field::metrics) {
                              check_metrics(value, path);
                          } else {
                              check_custom_metrics(value, path, violations_);
                          }
                      });
    }

private:
    using MemberCheck = std::function<void(Field, const Document&, const DocumentPath&)>;

    std::string_view name(Field field) const { return field_name(field, style_); }
    std::string quoted_name(Field field) const { return "\"" + std::string(name(field)) + "\""; }

    // A member is present under its name in either style (the other style is reported as
    // mixed, not as missing).
    bool has(const Document& object, Field field) const {
        return object.contains(field_name(field, style_)) ||
               object.contains(field_name(field, other_style(style_)));
    }

    void require(const Document& object, const DocumentPath& path,
                 std::initializer_list<Field> required) {
        for (const Field field : required) {
            if (!has(object, field)) {
                violations_.add(path, "missing required member " + quoted_name(field));
            }
        }
    }

    void visit_members(const Document& object, const DocumentPath& path,
                       std::initializer_list<Field> allowed, const MemberCheck& check) {
        std::size_t position = 0;
        for (const auto& [key, value] : object.items()) {
            const auto member_path = path.member(key, position++);
            auto field = field_from_key(key, style_);
            bool mixed = false;
            if (!field) {
                field = field_from_key(key, other_style(style_));
                if (field) {
                    mixed = true;
                    violations_.add(member_path, "mixed key styles: " + in_quotes(key) + " in a " +
                                                     style_name(style_) + " report (use " +
                                                     quoted_name(*field) + ")");
                }
            }
            const bool allowed_here =
                field && std::find(allowed.begin(), allowed.end(), *field) != allowed.end();
            if (!allowed_here) {
                if (!mixed) {
                    violations_.add(member_path, "unknown member " + in_quotes(key) +
                                                     (field ? " at this place" : ""));
                }
                continue;
            }
            if (value.is_null()) {
                violations_.add(member_path, "null is not allowed");
                continue;
            }
            check(*field, value, member_path);
        }
    }

    void check_header(const Document& header, const DocumentPath& path) {
        if (!expect_object(header, path, violations_)) return;
        require(header, path, {Field::report_id, Field::version});
        visit_members(header, path, {Field::report_id, Field::version},
                      [&](Field field, const Document& value, const DocumentPath& member) {
                          if (field == Field::report_id) {
                              check_report_id(value, member);
                          } else {
                              check_version(value, member);
                          }
                      });
    }

    void check_report_id(const Document& value, const DocumentPath& path) {
        if (!value.is_number_integer()) {
            violations_.add(path, "report id must be an integer, not " + describe_type(value));
            return;
        }
        if (!value.is_number_unsigned() && value.get<std::int64_t>() < 0) {
            violations_.add(path, "report id must be positive");
            return;
        }
        const auto id = unsigned_value(value);
        if (id == 0) {
            violations_.add(path, "report id must be positive");
        } else if (id > kMaxReportId) {
            violations_.add(path, "report id " + std::to_string(id) +
                                      " is not below 2^53 (JSON parsers lose precision)");
        }
    }

    void check_version(const Document& value, const DocumentPath& path) {
        if (!value.is_string()) {
            violations_.add(path,
                            "version must be the string \"1.0\", not " + describe_type(value));
            return;
        }
        const auto& version = value.get_ref<const std::string&>();
        if (version == "1.0") return;
        const auto dot = version.find('.');
        const auto is_number = [](std::string_view text) {
            return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
        };
        if (dot == std::string::npos || !is_number(std::string_view(version).substr(0, dot)) ||
            !is_number(std::string_view(version).substr(dot + 1))) {
            violations_.add(path, "version " + in_quotes(version) +
                                      " is not in Major.Minor format (expected \"1.0\")");
        } else {
            violations_.add(
                path, "unsupported version " + in_quotes(version) + " (only \"1.0\" is defined)");
        }
    }

    void check_metrics(const Document& metrics, const DocumentPath& path) {
        if (!expect_object(metrics, path, violations_)) return;
        visit_members(metrics, path,
                      {Field::tcp_connections, Field::listening_tcp_ports,
                       Field::listening_udp_ports, Field::network_stats},
                      [&](Field field, const Document& value, const DocumentPath& member) {
                          if (field == Field::tcp_connections) {
                              check_tcp_connections(value, member);
                          } else if (field == Field::network_stats) {
                              check_network_stats(value, member);
                          } else {
                              check_listening_ports(value, member);
                          }
                      });
    }

    // Checks a `{ <list>: [...], total: n }` block; `check_entry` checks one list element.
    void check_list_block(
        const Document& block, const DocumentPath& path, Field list_field,
        const std::function<void(const Document&, const DocumentPath&)>& check_entry) {
        if (!expect_object(block, path, violations_)) return;
        std::optional<std::size_t> listed;
        std::optional<std::uint64_t> total;
        DocumentPath total_path;
        visit_members(block, path, {list_field, Field::total},
                      [&](Field field, const Document& value, const DocumentPath& member) {
                          if (field == Field::total) {
                              if (expect_integer_in(value, 0, kMaxCounter, member, violations_)) {
                                  total = unsigned_value(value);
                                  total_path = member;
                              }
                              return;
                          }
                          if (!expect_array(value, member, violations_)) return;
                          listed = value.size();
                          for (std::size_t i = 0; i < value.size(); ++i) {
                              check_entry(value[i], member.element(i));
                          }
                      });
        if (listed && total && *total < *listed) {
            violations_.add(total_path, std::to_string(*total) + " is below the " +
                                            std::to_string(*listed) + " entries listed in " +
                                            quoted_name(list_field));
        }
    }

    void check_listening_ports(const Document& block, const DocumentPath& path) {
        check_list_block(block, path, Field::ports,
                         [&](const Document& entry, const DocumentPath& entry_path) {
                             check_port_entry(entry, entry_path);
                         });
    }

    // The docs mark `port` optional, but an entry without one says nothing.
    void check_port_entry(const Document& entry, const DocumentPath& path) {
        if (!expect_entry_object(entry, path)) return;
        require(entry, path, {Field::port});
        visit_members(entry, path, {Field::port, Field::interface},
                      [&](Field field, const Document& value, const DocumentPath& member) {
                          if (field == Field::port) {
                              expect_integer_in(value, 1, 65535, member, violations_);
                          } else {
                              expect_non_empty_string(value, member, violations_);
                          }
                      });
    }

    void check_tcp_connections(const Document& block, const DocumentPath& path) {
        if (!expect_object(block, path, violations_)) return;
        visit_members(block, path, {Field::established_connections},
                      [&](Field, const Document& value, const DocumentPath& member) {
                          check_list_block(value, member, Field::connections,
                                           [&](const Document& entry, const DocumentPath& at) {
                                               check_connection_entry(entry, at);
                                           });
                      });
    }

    void check_connection_entry(const Document& entry, const DocumentPath& path) {
        if (!expect_entry_object(entry, path)) return;
        require(entry, path, {Field::remote_addr});
        visit_members(
            entry, path, {Field::remote_addr, Field::local_port, Field::local_interface},
            [&](Field field, const Document& value, const DocumentPath& member) {
                if (field == Field::remote_addr) {
                    if (!expect_string(value, member, violations_)) return;
                    if (auto reason = check_remote_addr(value.get_ref<const std::string&>())) {
                        violations_.add(member, *reason);
                    }
                } else if (field == Field::local_port) {
                    expect_integer_in(value, 0, 65535, member, violations_);
                } else {
                    expect_non_empty_string(value, member, violations_);
                }
            });
    }

    void check_network_stats(const Document& block, const DocumentPath& path) {
        if (!expect_object(block, path, violations_)) return;
        visit_members(block, path,
                      {Field::bytes_in, Field::bytes_out, Field::packets_in, Field::packets_out},
                      [&](Field, const Document& value, const DocumentPath& member) {
                          expect_integer_in(value, 0, kMaxCounter, member, violations_);
                      });
    }

    bool expect_entry_object(const Document& entry, const DocumentPath& path) {
        if (entry.is_null()) {
            violations_.add(path, "null is not allowed");
            return false;
        }
        return expect_object(entry, path, violations_);
    }

    KeyStyle style_;
    ViolationList& violations_;
};

}  // namespace

std::optional<KeyStyle> detect_key_style(const Document& document) {
    if (!document.is_object()) return std::nullopt;
    for (const auto& [key, value] : document.items()) {
        for (const KeyStyle style : {KeyStyle::long_names, KeyStyle::short_names}) {
            const auto field = field_from_key(key, style);
            if (field && is_top_level_field(*field)) return style;
        }
    }
    return std::nullopt;
}

ValidationResult check_report_document(const Document& document, Format format,
                                       std::size_t encoded_size) {
    ValidationResult result;
    result.format = format;
    ViolationList violations;
    const DocumentPath root;
    if (encoded_size > kMaxPayloadBytes) {
        violations.add(root, "report is " + std::to_string(encoded_size) +
                                 " bytes, above AWS IoT's payload limit of " +
                                 std::to_string(kMaxPayloadBytes) + " bytes");
    }
    if (!document.is_object()) {
        violations.add(
            root, "a report must be a JSON object or CBOR map, not " + describe_type(document));
    } else if (const auto style = detect_key_style(document)) {
        result.style = style;
        ReportChecker(*style, violations).check_top_level(document);
    } else {
        violations.add(root,
                       "not a Device Defender report: no \"header\", \"metrics\" or "
                       "\"custom_metrics\" member (nor \"hed\", \"met\" or \"cmet\")");
        std::size_t position = 0;
        for (const auto& [key, value] : document.items()) {
            violations.add(root.member(key, position++), "unknown member " + in_quotes(key));
        }
    }
    result.violations = violations.in_document_order();
    return result;
}

}  // namespace defender
