// SPDX-License-Identifier: Apache-2.0
#pragma once
// `--config FILE` for subcommand options. CLI11 2.1 reads config files for the main app only;
// this formatter files the keys of a file without sections under the chosen subcommand, so
// that `defender agent --config agent.conf` takes the same keys as the agent's options.

#include <CLI/CLI.hpp>
#include <algorithm>

namespace defender::cli {

class SubcommandConfig : public CLI::ConfigTOML {
public:
    explicit SubcommandConfig(const CLI::App& app) : app_(app) {}

    std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
        auto items = CLI::ConfigTOML::from_config(input);
        const auto chosen = app_.get_subcommands();
        if (chosen.empty()) return items;
        const CLI::App& command = *chosen.front();
        // `collect --config /etc/defender/agent.conf` previews the service's reports from its
        // own file: the agent's other keys (endpoint, certificates, interval...) are skipped.
        if (command.get_name() == "collect") {
            const auto agents = app_.get_subcommands(
                [](const CLI::App* subcommand) { return subcommand->get_name() == "agent"; });
            const CLI::App* agent = agents.empty() ? nullptr : agents.front();
            std::erase_if(items, [&](const CLI::ConfigItem& item) {
                const bool top_level = item.parents.empty() ||
                                       (item.parents.size() == 1 && item.parents[0] == "default");
                std::string name = item.name;
                if (!top_level || app_.get_option_no_throw("--" + name) != nullptr) return false;
                if (command.get_option_no_throw("--" + name) != nullptr) return false;
                std::replace(name.begin(), name.end(), '_', '-');
                if (command.get_option_no_throw("--" + name) != nullptr) return false;
                return agent != nullptr && (agent->get_option_no_throw("--" + item.name) ||
                                            agent->get_option_no_throw("--" + name));
            });
        }
        for (auto& item : items) {
            if (item.parents.empty() ||
                (item.parents.size() == 1 && item.parents[0] == "default")) {
                // Global options (verbosity, log-format) stay with the main app.
                if (app_.get_option_no_throw("--" + item.name) != nullptr) {
                    item.parents.clear();
                    continue;
                }
                item.parents = {command.get_name()};
                // `allow_short_interval` as well as `allow-short-interval`.
                if (command.get_option_no_throw("--" + item.name) == nullptr) {
                    std::replace(item.name.begin(), item.name.end(), '_', '-');
                }
            }
        }
        return items;
    }

private:
    const CLI::App& app_;
};

}  // namespace defender::cli
