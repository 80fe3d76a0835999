// SPDX-License-Identifier: Apache-2.0
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exception>
#include <future>
#include <utility>

#include "custom/builtin_metrics.hpp"
#include "custom/command_runner.hpp"
#include "custom/source_file.hpp"
#include "defender/custom_metrics.hpp"

namespace defender {
namespace {

// What went wrong last time; a notice is due when this changes.
enum class Health { unknown, ok, source_failed, rule_broken };

Result<CustomValue> parsed(Result<std::string> text, CustomMetricType type) {
    if (!text) return text.error();
    return parse_custom_value(*text, type);
}

// A file that does not parse may be one the metric should never have named
// (/proc/self/environ): the message names the file, never quotes its content.
Result<CustomValue> parsed_file(const FileSource& file, CustomMetricType type) {
    auto text = read_source_file(file);
    if (!text) return text.error();
    auto value = parse_custom_value(*text, type);
    if (!value) {
        return Error{"file " + file.path + " does not hold a " + to_string(type) +
                     " value (its content is not quoted)"};
    }
    return value;
}

Result<CustomValue> call(const CustomMetricCallback& read) {
    try {
        return read();
    } catch (const std::exception& e) {
        return Error{std::string("the callback threw: ") + e.what()};
    } catch (...) {
        return Error{"the callback threw"};
    }
}

std::string quoted_name(const std::string& name) {
    return "custom metric \"" + name + "\"";
}

}  // namespace

struct CustomMetricSet::Entry {
    CustomMetricDefinition definition;
    BuiltinReader builtin;
    Health health = Health::unknown;
    std::uint64_t failures = 0;
    std::uint64_t failures_in_a_row = 0;
};

CustomMetricSet::CustomMetricSet(CustomMetricOptions options)
    : options_(std::move(options)), cancel_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

CustomMetricSet::~CustomMetricSet() {
    if (cancel_fd_ >= 0) ::close(cancel_fd_);
}

CustomMetricSet::CustomMetricSet(CustomMetricSet&& other) noexcept
    : options_(std::move(other.options_)),
      entries_(std::move(other.entries_)),
      cancel_fd_(std::exchange(other.cancel_fd_, -1)) {}

CustomMetricSet& CustomMetricSet::operator=(CustomMetricSet&& other) noexcept {
    if (this != &other) {
        if (cancel_fd_ >= 0) ::close(cancel_fd_);
        options_ = std::move(other.options_);
        entries_ = std::move(other.entries_);
        cancel_fd_ = std::exchange(other.cancel_fd_, -1);
    }
    return *this;
}

void CustomMetricSet::cancel() {
    if (cancel_fd_ < 0) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(cancel_fd_, &one, sizeof one);
}

Status CustomMetricSet::add(CustomMetricDefinition definition) {
    if (auto problem = check_definition(definition))
        return Error{quoted_name(definition.name) + ": " + *problem};
    if (contains(definition.name)) return Error{quoted_name(definition.name) + " is defined twice"};
    auto entry = std::make_unique<Entry>();
    entry->definition = std::move(definition);
    entries_.push_back(std::move(entry));
    return Done{};
}

Status CustomMetricSet::add_callback(std::string name, CustomMetricType type,
                                     CustomMetricCallback read) {
    return add({std::move(name), type, CallbackSource{std::move(read)}});
}

bool CustomMetricSet::empty() const {
    return entries_.empty();
}

std::size_t CustomMetricSet::size() const {
    return entries_.size();
}

bool CustomMetricSet::contains(std::string_view name) const {
    for (const auto& entry : entries_) {
        if (entry->definition.name == name) return true;
    }
    return false;
}

std::uint64_t CustomMetricSet::failures(std::string_view name) const {
    for (const auto& entry : entries_) {
        if (entry->definition.name == name) return entry->failures;
    }
    return 0;
}

CustomMetricsReading CustomMetricSet::read() {
    // Commands run side by side: the report waits for the slowest, never for their sum.
    std::vector<std::future<Result<std::string>>> outputs(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (const auto* command = std::get_if<CommandSource>(&entries_[i]->definition.source))
            outputs[i] = std::async(std::launch::async, run_command, *command, cancel_fd_);
    }

    CustomMetricsReading reading;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        Entry& entry = *entries_[i];
        const auto& definition = entry.definition;
        const auto value = std::visit(
            [&](const auto& source) -> Result<CustomValue> {
                using T = std::decay_t<decltype(source)>;
                if constexpr (std::is_same_v<T, BuiltinSource>) {
                    return entry.builtin.read(source, options_);
                } else if constexpr (std::is_same_v<T, CommandSource>) {
                    return parsed(outputs[i].get(), definition.type);
                } else if constexpr (std::is_same_v<T, FileSource>) {
                    return parsed_file(source, definition.type);
                } else {
                    return call(source.read);
                }
            },
            definition.source);

        std::optional<std::string> problem;
        Health health = Health::ok;
        if (!value) {
            problem = value.error().message;
            health = Health::source_failed;
        } else if ((problem =
                        check_custom_value(*value, definition.type, options_.max_list_size))) {
            health = Health::rule_broken;
        }

        if (problem) {
            ++entry.failures;
            ++entry.failures_in_a_row;
            if (health != entry.health) {
                reading.notices.push_back(
                    {true, quoted_name(definition.name) + " left out: " + *problem});
            }
        } else {
            if (entry.failures_in_a_row > 0) {
                reading.notices.push_back(
                    {false, quoted_name(definition.name) + " reported again after " +
                                std::to_string(entry.failures_in_a_row) + " failed reading(s)"});
            }
            entry.failures_in_a_row = 0;
            reading.metrics.push_back({definition.name, *value});
        }
        entry.health = health;
    }
    if (options_.reap_orphans) {
        // Every command was reaped above: what remains are orphans reparented to us.
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
    }
    return reading;
}

}  // namespace defender
