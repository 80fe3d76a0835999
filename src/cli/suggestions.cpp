// SPDX-License-Identifier: Apache-2.0
#include "cli/suggestions.hpp"

#include <algorithm>
#include <map>

namespace defender::cli {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    // Optimal string alignment distance: a typo swapping two letters counts once.
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

// The words CLI11 names in "The following argument(s) was/were not expected: a b".
std::vector<std::string> unexpected_words(const std::string& message) {
    std::vector<std::string> words;
    const auto colon = message.find(": ");
    if (message.find("not expected") == std::string::npos || colon == std::string::npos)
        return words;
    std::string rest = message.substr(colon + 2);
    std::size_t start = 0;
    while (start < rest.size()) {
        const auto end = rest.find(' ', start);
        words.push_back(rest.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return words;
}

std::vector<std::string> long_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::Option* option : app.get_options()) {
        for (const auto& name : option->get_lnames())
            names.push_back("--" + name);
    }
    return names;
}

}  // namespace

std::optional<std::string> nearest_name(const std::string& word,
                                        const std::vector<std::string>& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    for (const auto& candidate : candidates) {
        const auto distance = edit_distance(word, candidate);
        if (!best || distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    // A typo, not another word: at most 2 edits, and at most a third of the word.
    const std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(2, word.size() / 3));
    if (!best || best_distance == 0 || best_distance > limit) return std::nullopt;
    return best;
}

std::string removed_option_hint(const std::string& name) {
    if (name == "mqtt-client" || name == "mqtt_client") {
        return " (mqtt-client was removed: the agent has one MQTT client, its own on mbed TLS, "
               "for every mode; leave the setting out)";
    }
    return {};
}

std::optional<std::string> python_sample_hint(const std::vector<std::string>& arguments) {
    static const std::map<std::string, std::string> kPythonOptions{
        {"-id", "--client-id (-i is the interval)"},
        {"-cm", "--custom-metrics"},
        {"-se", "--signing-region"},
        {"-ph", "--proxy-host"},
        {"-pp", "--proxy-port"},
    };
    for (const auto& argument : arguments) {
        if (argument == "--") break;
        if (const auto found = kPythonOptions.find(argument); found != kPythonOptions.end()) {
            return argument + " is an option of AWS's Python sample agent: here it is " +
                   found->second;
        }
    }
    return std::nullopt;
}

std::vector<std::string> option_names(const CLI::App& app) {
    std::vector<std::string> names;
    auto add = [&](const CLI::App& from) {
        for (const CLI::Option* option : from.get_options()) {
            for (const auto& name : option->get_lnames())
                names.push_back(name);
        }
    };
    add(app);
    if (const auto chosen = app.get_subcommands(); !chosen.empty()) add(*chosen.front());
    return names;
}

std::optional<std::string> unknown_subcommand(const CLI::App& app,
                                              const std::vector<std::string>& arguments) {
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& word = arguments[i];
        if (word.starts_with("-")) {
            // Global options that take a value: skip the value too.
            const CLI::Option* option = app.get_option_no_throw(word.substr(0, word.find('=')));
            if (option && option->get_type_size() != 0 && word.find('=') == std::string::npos) ++i;
            continue;
        }
        return word;
    }
    return std::nullopt;
}

std::string subcommand_suggestion(const CLI::App& app, const std::string& word) {
    std::vector<std::string> subcommands;
    for (const CLI::App* command : app.get_subcommands({}))
        subcommands.push_back(command->get_name());
    if (auto near = nearest_name(word, subcommands)) return " (did you mean " + *near + "?)";
    return {};
}

std::string suggestion_for(const CLI::App& app, const CLI::ParseError& error) {
    const auto chosen = app.get_subcommands();
    const std::string message = error.what();
    // The agent's -s (short names, as in AWS's samples) is collect's sample rate.
    if (!chosen.empty() && chosen.front()->get_name() == "collect" &&
        message.find("--sample-rate") != std::string::npos) {
        return " (in collect, -s is the seconds between reports; short names are --short-names)";
    }
    const auto words = unexpected_words(message);
    if (words.empty()) return {};
    std::vector<std::string> options = long_names(app);
    std::vector<std::string> subcommands;
    for (const CLI::App* command : app.get_subcommands({}))
        subcommands.push_back(command->get_name());
    if (!chosen.empty()) {
        const auto more = long_names(*chosen.front());
        options.insert(options.end(), more.begin(), more.end());
    }
    for (const auto& word : words) {
        const std::string name = word.substr(0, word.find('='));
        if (name.starts_with("--")) {
            if (auto removed = removed_option_hint(name.substr(2)); !removed.empty())
                return removed;
        }
    }
    for (const auto& word : words) {
        const std::string name = word.substr(0, word.find('='));
        const bool is_option = name.starts_with("--");
        if (auto near = nearest_name(name, is_option ? options : subcommands))
            return " (did you mean " + *near + "?)";
    }
    return {};
}

}  // namespace defender::cli
