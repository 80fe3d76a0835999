// SPDX-License-Identifier: Apache-2.0
#pragma once
// Help for a command line that did not parse: the nearest known name for a misspelt
// subcommand or option, and targeted hints for options of AWS's Python sample agent that mean
// something else here.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace defender::cli {

/// The candidate closest to `word` by edit distance (insertions, deletions, substitutions and
/// swaps of neighbours), if it is close enough to be a typo; nullopt otherwise.
std::optional<std::string> nearest_name(const std::string& word,
                                        const std::vector<std::string>& candidates);

/// A hint for an argument of AWS's Python sample agent (`-id`, `-cm`, `-se`, `-ph`, `-pp`) in
/// `arguments`, e.g. "-id is the Python sample's client id option: here it is --client-id".
std::optional<std::string> python_sample_hint(const std::vector<std::string>& arguments);

/// The first word of `arguments` that is neither an option nor an option's value, when no
/// subcommand was recognised: the misspelt subcommand.
std::optional<std::string> unknown_subcommand(const CLI::App& app,
                                              const std::vector<std::string>& arguments);

/// " (mqtt-client was removed: …)" for the long name (without "--") of an option that
/// existed once, or empty.
std::string removed_option_hint(const std::string& name);

/// " (did you mean agent?)" for a misspelt subcommand `word`, or empty.
std::string subcommand_suggestion(const CLI::App& app, const std::string& word);

/// The long option names (without "--") of `app` and of the subcommand chosen in it: the keys
/// a configuration file may hold.
std::vector<std::string> option_names(const CLI::App& app);

/// What to add to CLI11's message for `error`: " (did you mean --endpoint?)", or empty.
std::string suggestion_for(const CLI::App& app, const CLI::ParseError& error);

}  // namespace defender::cli
