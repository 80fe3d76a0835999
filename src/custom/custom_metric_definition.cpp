// SPDX-License-Identifier: Apache-2.0
// The command-line form of a custom-metric definition, and the checks every definition passes.

#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include "custom/command_words.hpp"
#include "defender/custom_metrics.hpp"
#include "report/data_rules.hpp"

namespace defender {
namespace {

constexpr std::string_view kKeys =
    "name, type, builtin, path, file, command, timeout, max-bytes, env";
constexpr double kMaxTimeoutSeconds = 3600;
constexpr std::size_t kMaxSourceBytesLimit = 16 * 1024 * 1024;

struct Fields {
    std::map<std::string, std::string, std::less<>> values;
};

// `key=value` pairs separated by commas; `command=` takes the rest of the text.
Result<Fields> split_fields(std::string_view text) {
    Fields fields;
    while (!text.empty()) {
        const auto equals = text.find('=');
        const auto comma = text.find(',');
        if (equals == std::string_view::npos || (comma != std::string_view::npos && comma < equals))
            return Error{"expected key=value, found " + in_quotes(text.substr(0, comma))};
        const std::string key(text.substr(0, equals));
        const bool rest_of_text = key == "command";
        const auto end = rest_of_text ? std::string_view::npos : text.find(',', equals);
        const std::string value(text.substr(
            equals + 1, end == std::string_view::npos ? std::string_view::npos : end - equals - 1));
        if (key != "name" && key != "type" && key != "builtin" && key != "path" && key != "file" &&
            key != "command" && key != "timeout" && key != "max-bytes" && key != "env") {
            return Error{"unknown key " + in_quotes(key) + " (expected " + std::string(kKeys) +
                         ")"};
        }
        if (!fields.values.emplace(key, value).second)
            return Error{"key " + in_quotes(key) + " given twice"};
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    }
    return fields;
}

std::optional<std::string> field(const Fields& fields, std::string_view key) {
    const auto found = fields.values.find(key);
    if (found == fields.values.end()) return std::nullopt;
    return found->second;
}

Result<std::chrono::milliseconds> parse_timeout(const std::string& text) {
    double seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(seconds) ||
        seconds <= 0 || seconds > kMaxTimeoutSeconds) {
        return Error{"timeout " + in_quotes(text) + " is not a number of seconds in (0, 3600]"};
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

Result<std::size_t> parse_max_bytes(const std::string& text) {
    std::size_t bytes = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), bytes);
    if (error != std::errc{} || end != text.data() + text.size() || bytes == 0 ||
        bytes > kMaxSourceBytesLimit) {
        return Error{"max-bytes " + in_quotes(text) + " is not a number of bytes in [1, 16777216]"};
    }
    return bytes;
}

// `env=NAME:NAME...`: variables passed to a command from the agent's environment.
Result<std::vector<std::string>> parse_environment_names(std::string_view text) {
    std::vector<std::string> names;
    while (true) {
        const auto colon = text.find(':');
        const auto name = text.substr(0, colon);
        const bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                           name.find_first_not_of(
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_") == std::string_view::npos;
        if (!valid) {
            return Error{"env= takes variable names separated by colons, not " + in_quotes(name)};
        }
        names.emplace_back(name);
        if (colon == std::string_view::npos) return names;
        text = text.substr(colon + 1);
    }
}

Result<CustomMetricSource> parse_source(const Fields& fields) {
    const auto builtin = field(fields, "builtin");
    const auto file = field(fields, "file");
    const auto command = field(fields, "command");
    if (int(builtin.has_value()) + int(file.has_value()) + int(command.has_value()) != 1)
        return Error{"give exactly one source: builtin=, file= or command="};
    const auto timeout = field(fields, "timeout");
    const auto max_bytes = field(fields, "max-bytes");
    const auto path = field(fields, "path");
    const auto environment = field(fields, "env");
    if (timeout && !command) return Error{"timeout= applies to command= only"};
    if (environment && !command) return Error{"env= applies to command= only"};
    if (max_bytes && builtin) return Error{"max-bytes= applies to command= and file= only"};

    if (builtin) {
        const auto metric = parse_builtin_metric(*builtin);
        if (!metric) return Error{"unknown builtin " + in_quotes(*builtin)};
        if (path && *metric != BuiltinMetric::disk_used_percent)
            return Error{"path= applies to builtin=disk_used_percent only"};
        return CustomMetricSource{BuiltinSource{*metric, path.value_or("/")}};
    }
    if (path) return Error{"path= applies to builtin=disk_used_percent only"};
    std::optional<std::size_t> byte_limit;
    if (max_bytes) {
        auto parsed = parse_max_bytes(*max_bytes);
        if (!parsed) return parsed.error();
        byte_limit = *parsed;
    }
    if (file)
        return CustomMetricSource{FileSource{*file, byte_limit.value_or(kDefaultMaxSourceBytes)}};

    auto argv = split_command_words(*command);
    if (!argv) return argv.error();
    CommandSource source{
        std::move(*argv), kDefaultCommandTimeout, byte_limit.value_or(kDefaultMaxSourceBytes), {}};
    if (timeout) {
        auto parsed = parse_timeout(*timeout);
        if (!parsed) return parsed.error();
        source.timeout = *parsed;
    }
    if (environment) {
        auto names = parse_environment_names(*environment);
        if (!names) return names.error();
        source.environment = std::move(*names);
    }
    return CustomMetricSource{std::move(source)};
}

Result<CustomMetricDefinition> parse_fields(const Fields& fields) {
    CustomMetricDefinition definition;
    const auto name = field(fields, "name");
    if (!name) return Error{"name= is missing"};
    definition.name = *name;
    auto source = parse_source(fields);
    if (!source) return source.error();
    definition.source = std::move(*source);
    const auto* builtin = std::get_if<BuiltinSource>(&definition.source);
    if (const auto type = field(fields, "type")) {
        const auto parsed = parse_custom_metric_type(*type);
        if (!parsed) {
            return Error{"unknown type " + in_quotes(*type) +
                         " (expected number, number-list, string-list or ip-address-list)"};
        }
        definition.type = *parsed;
    } else if (builtin) {
        definition.type = type_of(builtin->metric);
    } else {
        return Error{"type= is missing (number, number-list, string-list or ip-address-list)"};
    }
    if (auto problem = check_definition(definition)) return Error{*problem};
    return definition;
}

struct SourceCheck {
    const CustomMetricDefinition& definition;

    std::optional<std::string> operator()(const BuiltinSource& source) const {
        const auto natural = type_of(source.metric);
        if (definition.type != natural) {
            return std::string("builtin ") + to_string(source.metric) + " gives a " +
                   to_string(natural) + ", not a " + to_string(definition.type);
        }
        if (source.metric == BuiltinMetric::disk_used_percent && source.path.empty())
            return "path= is empty";
        return std::nullopt;
    }
    std::optional<std::string> operator()(const CommandSource& source) const {
        if (source.argv.empty() || source.argv.front().empty()) return "command= names no program";
        if (source.timeout.count() <= 0) return "timeout must be positive";
        if (source.max_output_bytes == 0) return "max-bytes must be positive";
        return std::nullopt;
    }
    std::optional<std::string> operator()(const FileSource& source) const {
        if (source.path.empty()) return "file= is empty";
        if (source.max_bytes == 0) return "max-bytes must be positive";
        return std::nullopt;
    }
    std::optional<std::string> operator()(const CallbackSource& source) const {
        if (!source.read) return "the callback is empty";
        return std::nullopt;
    }
};

}  // namespace

std::optional<std::string> check_definition(const CustomMetricDefinition& definition) {
    if (auto problem = check_metric_name(definition.name)) return *problem;
    return std::visit(SourceCheck{definition}, definition.source);
}

Result<CustomMetricDefinition> parse_custom_metric_definition(std::string_view text) {
    auto fields = split_fields(text);
    if (!fields) return fields.error();
    return parse_fields(*fields);
}

}  // namespace defender
