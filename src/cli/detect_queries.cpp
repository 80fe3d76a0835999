// SPDX-License-Identifier: Apache-2.0
#include "cli/detect_queries.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.hpp"
#include "cli/detector.hpp"
#include "cli/option_checks.hpp"
#include "defender/detect_store.hpp"
#include "util/bounded_file.hpp"

namespace defender::cli {
namespace {

using Json = nlohmann::ordered_json;

// The behaviors of one profile as a file: far below this.
constexpr std::size_t kMaxBehaviorsBytes = 4 * 1024 * 1024;

struct QueryArgs {
    std::string store;
    std::string thing_name;
    std::string profile_name;
    std::string verification_state;
    std::size_t max_results = 0;
    double start_time = 0;
    double end_time = 0;
    std::string violation_id;
    std::string description;
    std::string behaviors;
};

CLI::App* add_store_option(CLI::App& command, QueryArgs& args) {
    command
        .add_option("--store", args.store,
                    "The detector's SQLite database (default: detect.db in the state directory; "
                    "/var/lib/defender-detect for root)")
        ->type_name("FILE");
    return &command;
}

void add_filters(CLI::App& command, QueryArgs& args) {
    command.add_option("--thing-name", args.thing_name, "Only this thing's");
    command.add_option("--security-profile-name", args.profile_name, "Only this profile's");
    command.add_option("--verification-state", args.verification_state,
                       "Only these: FALSE_POSITIVE, BENIGN_POSITIVE, TRUE_POSITIVE or UNKNOWN");
    command.add_option("--max-results", args.max_results, "At most this many (default: all)");
}

std::optional<std::string> some(const std::string& text) {
    if (text.empty()) return std::nullopt;
    return text;
}

// The store, opened for reading (or writing); the error has been logged.
std::unique_ptr<detect::Store> open_store(const QueryArgs& args, bool write, int& exit_code) {
    detect::StoreOptions options;
    options.read_only = !write;
    const std::string path = args.store.empty() ? default_store_path() : args.store;
    auto store = detect::open_sqlite_store(path, options);
    if (!store) {
        spdlog::error("{}", store.error().message);
        exit_code = kExitCannotRun;
        return nullptr;
    }
    return std::move(*store);
}

// The verification state filter; false (logged) when it is not one of AWS's.
bool verification_filter(const QueryArgs& args, std::optional<detect::VerificationState>& state) {
    if (args.verification_state.empty()) return true;
    state = detect::parse_verification_state(args.verification_state);
    if (state) return true;
    spdlog::error(
        "--verification-state {} is none of FALSE_POSITIVE, BENIGN_POSITIVE, "
        "TRUE_POSITIVE, UNKNOWN",
        args.verification_state);
    return false;
}

detect::Time epoch_seconds(double seconds) {
    return detect::Time(std::chrono::milliseconds(std::llround(seconds * 1000.0)));
}

void print(const std::string& member, const std::vector<std::string>& items) {
    Json out = Json::object();
    out[member] = Json::array();
    for (const auto& item : items) {
        out[member].push_back(Json::parse(item));
    }
    std::cout << out.dump(4) << '\n';
}

int list_active(const QueryArgs& args) {
    detect::ActiveQuery query;
    query.thing_name = some(args.thing_name);
    query.profile_name = some(args.profile_name);
    if (!verification_filter(args, query.verification)) return kExitUsage;
    int exit_code = kExitOk;
    auto store = open_store(args, false, exit_code);
    if (!store) return exit_code;
    auto found = store->active_violations(query);
    if (!found) {
        spdlog::error("{}", found.error().message);
        return kExitCannotRun;
    }
    std::vector<std::string> items;
    for (const auto& violation : *found) {
        if (args.max_results != 0 && items.size() == args.max_results) break;
        items.push_back(detect::to_json(violation));
    }
    print("activeViolations", items);
    return kExitOk;
}

int list_events(const QueryArgs& args) {
    detect::EventQuery query;
    query.start_time = epoch_seconds(args.start_time);
    query.end_time = epoch_seconds(args.end_time);
    if (query.end_time < query.start_time) {
        spdlog::error("--end-time is before --start-time");
        return kExitUsage;
    }
    query.thing_name = some(args.thing_name);
    query.profile_name = some(args.profile_name);
    query.limit = args.max_results;
    if (!verification_filter(args, query.verification)) return kExitUsage;
    int exit_code = kExitOk;
    auto store = open_store(args, false, exit_code);
    if (!store) return exit_code;
    auto found = store->violation_events(query);
    if (!found) {
        spdlog::error("{}", found.error().message);
        return kExitCannotRun;
    }
    std::vector<std::string> items;
    for (const auto& event : *found) {
        items.push_back(detect::to_json(event));
    }
    print("violationEvents", items);
    return kExitOk;
}

int put_verification(const QueryArgs& args) {
    const auto state = detect::parse_verification_state(args.verification_state);
    if (!state) {
        spdlog::error(
            "--verification-state {} is none of FALSE_POSITIVE, BENIGN_POSITIVE, "
            "TRUE_POSITIVE, UNKNOWN",
            args.verification_state);
        return kExitUsage;
    }
    int exit_code = kExitOk;
    auto store = open_store(args, true, exit_code);
    if (!store) return exit_code;
    if (auto put = store->put_verification_state(args.violation_id, {*state, args.description});
        !put) {
        spdlog::error("{}", put.error().message);
        return kExitUsage;
    }
    return kExitOk;
}

int validate_behaviors(const QueryArgs& args) {
    auto text = util::read_bounded_file(args.behaviors, kMaxBehaviorsBytes);
    if (!text) {
        spdlog::error("--behaviors: {}", text.error().message);
        return kExitUsage;
    }
    const auto validation = detect::validate_security_profile_behaviors(*text);
    std::cout << Json::parse(detect::to_json(validation)).dump(4) << '\n';
    return validation.valid ? kExitOk : kExitInvalid;
}

}  // namespace

void add_detect_queries(CLI::App& detect, int& exit_code) {
    auto args = std::make_shared<QueryArgs>();

    CLI::App* active = detect.add_subcommand(
        "list-active-violations", "The alarms that are on (as `aws iot list-active-violations`)");
    add_store_option(*active, *args);
    add_filters(*active, *args);
    active->callback([args, &exit_code] { exit_code = list_active(*args); });

    CLI::App* events = detect.add_subcommand(
        "list-violation-events",
        "Violation events in a time range (as `aws iot list-violation-events`)");
    add_store_option(*events, *args);
    events->add_option("--start-time", args->start_time, "From this time (epoch seconds)")
        ->required()
        ->check(finite_range(0, 1e11));
    events->add_option("--end-time", args->end_time, "Up to this time (epoch seconds)")
        ->required()
        ->check(finite_range(0, 1e11));
    add_filters(*events, *args);
    events->callback([args, &exit_code] { exit_code = list_events(*args); });

    CLI::App* put = detect.add_subcommand(
        "put-verification-state-on-violation",
        "Record what a violation was (as `aws iot put-verification-state-on-violation`)");
    add_store_option(*put, *args);
    put->add_option("--violation-id", args->violation_id, "The violation")->required();
    put->add_option("--verification-state", args->verification_state,
                    "FALSE_POSITIVE, BENIGN_POSITIVE, TRUE_POSITIVE or UNKNOWN")
        ->required();
    put->add_option("--verification-state-description", args->description,
                    "Why, in words (up to 1000 characters)")
        ->check(CLI::Validator(
            [](std::string& text) {
                return text.size() <= 1000 ? std::string()
                                           : std::string("longer than 1000 characters");
            },
            "TEXT"));
    put->callback([args, &exit_code] { exit_code = put_verification(*args); });

    CLI::App* validate =
        detect.add_subcommand("validate-security-profile-behaviors",
                              "Check behaviors as the service would (as `aws iot "
                              "validate-security-profile-behaviors`); exit 1 when invalid");
    validate
        ->add_option("--behaviors", args->behaviors,
                     "A JSON file: a list of behaviors, {\"behaviors\": [...]}, or a whole profile")
        ->type_name("FILE")
        ->required();
    validate->callback([args, &exit_code] { exit_code = validate_behaviors(*args); });
}

}  // namespace defender::cli
