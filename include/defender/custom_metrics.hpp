// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file custom_metrics.hpp
/// Custom metrics users define themselves: a name registered in AWS, a type, and where the
/// value comes from (a built-in reading, a command, a file or a callback). Every value is
/// checked against Device Defender's data rules before it goes into a report, because the
/// service accepts and silently drops values that break them.
/// Target: Defender::defender (stage custom).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "defender/collector.hpp"
#include "defender/limits.hpp"
#include "defender/report.hpp"
#include "defender/result.hpp"

namespace defender {

/// The types of CreateCustomMetric.
enum class CustomMetricType { number, number_list, string_list, ip_address_list };

/// `number`, `number-list`, `string-list`, `ip-address-list` (AWS's spelling).
const char* to_string(CustomMetricType type);
/// Parses `number`, `number-list`, `string-list` or `ip-address-list`; nullopt otherwise.
std::optional<CustomMetricType> parse_custom_metric_type(std::string_view text);

/// The readings built into the agent (`builtin=` of a definition).
enum class BuiltinMetric {
    cpu_usage,            ///< percent of non-idle CPU time since the previous reading
    memory_used_percent,  ///< (MemTotal - MemAvailable) / MemTotal
    uptime_seconds,
    process_count,
    disk_used_percent,  ///< of BuiltinSource::path, as df computes Use%
    interface_names,    ///< every interface of `<procfs>/net/dev`
    interface_addresses,
    load_average_1m,
    open_file_count,  ///< allocated file handles, from `<procfs>/sys/fs/file-nr`
};

/// The `builtin=` name of a built-in metric.
const char* to_string(BuiltinMetric metric);
/// The built-in metric of a `builtin=` name; nullopt when unknown.
std::optional<BuiltinMetric> parse_builtin_metric(std::string_view text);
/// The type a built-in's value has (number for all but the two interface lists).
CustomMetricType type_of(BuiltinMetric metric);

/// How long a `command=` source may run by default.
inline constexpr std::chrono::milliseconds kDefaultCommandTimeout = std::chrono::seconds(5);
/// Largest command output or file content read; more makes the reading fail.
inline constexpr std::size_t kDefaultMaxSourceBytes = 64 * 1024;

/// A custom metric read by a built-in reading.
struct BuiltinSource {
    BuiltinMetric metric = BuiltinMetric::cpu_usage;  ///< Which built-in reading.
    std::string path = "/";                           ///< the file system of disk_used_percent
};

/// Run without a shell (argv[0] looked up on PATH), standard input /dev/null, as the agent's
/// user, with a minimal environment (PATH, LANG, HOME, TZ and the variables named in
/// `environment`, never the agent's credentials); killed with its process group when it runs
/// longer than `timeout` or prints more than `max_output_bytes`, and whatever it leaves
/// running in its process group is killed when it exits. A non-zero exit status is a failed
/// reading.
struct CommandSource {
    std::vector<std::string> argv;  ///< Program and arguments, run without a shell.
    /// Killed (with its process group) after this long.
    std::chrono::milliseconds timeout = kDefaultCommandTimeout;
    /// More output than this fails the reading.
    std::size_t max_output_bytes = kDefaultMaxSourceBytes;
    /// Names of further variables passed from the agent's environment (when set there).
    std::vector<std::string> environment;
};

/// A regular file (e.g. a sensor in /sys), read whole at every report.
struct FileSource {
    std::string path;                                ///< The file read at every report.
    std::size_t max_bytes = kDefaultMaxSourceBytes;  ///< A larger file fails the reading.
};

/// A value from the program itself. Runs on the thread that reads the set, so it must return
/// promptly; an Error leaves the metric out of the report.
using CustomMetricCallback = std::function<Result<CustomValue>()>;
/// A custom metric computed by your own code (SDK users).
struct CallbackSource {
    CustomMetricCallback read;  ///< Called at every report; return the value or an Error.
};

/// Where a custom metric's value comes from.
using CustomMetricSource = std::variant<BuiltinSource, CommandSource, FileSource, CallbackSource>;

/// One custom metric: its AWS name, type and source.
struct CustomMetricDefinition {
    std::string name;  ///< as created in AWS: 1-128 of [a-zA-Z0-9:_-], not starting with aws:
    /// The type created in AWS for this metric.
    CustomMetricType type = CustomMetricType::number;
    CustomMetricSource source;  ///< Where the value is read from.
};

/// Parses the command-line form `name=N,type=T,<source>` where the source is one of
/// `builtin=B` (with `path=P` for disk_used_percent; `type` may then be left out),
/// `file=PATH` or `command=ARGV...`, plus `timeout=SECONDS` (command) and `max-bytes=N`
/// (command, file). `command=` takes the rest of the text, commas included, split into
/// arguments at spaces; single or double quotes keep spaces, a backslash escapes one character.
/// The definition is checked as CustomMetricSet::add does.
Result<CustomMetricDefinition> parse_custom_metric_definition(std::string_view text);

/// The definition's problems, or nullopt: name rules, a built-in's type, an empty command,
/// a zero timeout or size limit, a callback without a function.
std::optional<std::string> check_definition(const CustomMetricDefinition& definition);

/// Checks a value against its metric's type and Device Defender's data rules: at most 15
/// significant digits, string-list items of letters, digits and the characters : _ - / .,
/// IP literals in an ip list, at most `max_list_size` items (0 = no limit). nullopt when the
/// value is fine, else "rule: reason".
std::optional<std::string> check_custom_value(const CustomValue& value, CustomMetricType type,
                                              std::size_t max_list_size);

/// Turns the text a command printed or a file holds into a value of `type`: a number (the
/// whole text but surrounding white space); a number-list of numbers separated by white space
/// or commas; a string-list or ip-address-list of one item per line (lines trimmed, blank
/// lines skipped). Fails on text that is not of the type.
Result<CustomValue> parse_custom_value(std::string_view text, CustomMetricType type);

/// Settings shared by every metric of a CustomMetricSet.
struct CustomMetricOptions {
    /// Root of the procfs the built-ins read.
    std::string procfs = "/proc";
    /// Longest list value; longer values are left out. 0 = no limit.
    std::size_t max_list_size = kDefaultMaxListSize;
    /// The addresses of interface_addresses (loopback interfaces are left out).
    AddressSource address_source = system_address_source();
    /// After each reading, reap every exited child process of this process (waitpid(-1)):
    /// for an agent that is PID 1 or a child subreaper, where the orphans of commands land.
    /// Only for a process with no other children of its own.
    bool reap_orphans = false;
};

/// One line for the log: a metric started failing (`problem`) or works again.
struct CustomMetricNotice {
    bool problem = true;  ///< true: a failure (warning); false: information.
    std::string message;  ///< What happened, naming the metric.
};

/// The metrics read for one report, and what went wrong with the others.
struct CustomMetricsReading {
    std::vector<CustomMetric> metrics;  ///< the valid values, in definition order
    /// Only changes of state: a metric that fails the same way at every report is reported
    /// once, and once more when it works again.
    std::vector<CustomMetricNotice> notices;
};

/// The custom metrics of a report. Reading runs the commands in parallel, so a report waits
/// at most for the longest command timeout.
class CustomMetricSet {
public:
    /// An empty set with the given options.
    explicit CustomMetricSet(CustomMetricOptions options = {});
    ~CustomMetricSet();
    /// Moves the set (its definitions and their state).
    CustomMetricSet(CustomMetricSet&&) noexcept;
    /// Moves the set (its definitions and their state).
    CustomMetricSet& operator=(CustomMetricSet&&) noexcept;

    /// Fails on a bad definition (see check_definition) or a name already in the set.
    Status add(CustomMetricDefinition definition);
    /// The library form for users building their own agent: same checks as add().
    Status add_callback(std::string name, CustomMetricType type, CustomMetricCallback read);

    /// True when no metric is defined.
    bool empty() const;
    /// Number of metrics defined.
    std::size_t size() const;
    /// Whether a metric of this name is defined.
    bool contains(std::string_view name) const;

    /// Reads every metric. Never fails: a metric whose source fails, times out or gives a
    /// value breaking the data rules is left out (and counted, and noticed on change).
    CustomMetricsReading read();

    /// How many readings of `name` failed so far (source or data rules).
    std::uint64_t failures(std::string_view name) const;

    /// Kills the commands running now and makes every later command fail at once (for a
    /// process that is stopping). Safe to call from any thread, also during read().
    void cancel();

private:
    struct Entry;
    CustomMetricOptions options_;
    std::vector<std::unique_ptr<Entry>> entries_;
    int cancel_fd_ = -1;  ///< an eventfd, readable once cancel() was called
};

}  // namespace defender
