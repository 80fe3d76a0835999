// SPDX-License-Identifier: Apache-2.0
#include "detect_service/detect_service.hpp"

#include "defender/encode.hpp"
#include "defender/validate.hpp"
#include "encode/report_document.hpp"
#include "validate/report_checker.hpp"

namespace defender::detect {
namespace {

// Problems are logged once per thing and kind; past this many pairs, no longer remembered
// (thing names come from the network).
constexpr std::size_t kMaxLoggedProblems = 10000;
// Datapoints waiting while the store fails; beyond this they are dropped (and counted): the
// states and events, which Detect needs, always wait.
constexpr std::size_t kMaxPendingDatapoints = 100000;

std::string first_violation(const ValidationResult& result) {
    const auto& violation = result.violations.front();
    std::string text =
        violation.pointer.empty() ? violation.reason : violation.pointer + ": " + violation.reason;
    if (result.violations.size() > 1) {
        text += " (and " + std::to_string(result.violations.size() - 1) + " more)";
    }
    return text;
}

}  // namespace

Result<DetectService> DetectService::open(std::vector<SecurityProfile> profiles, Store& store,
                                          DetectServiceOptions options) {
    auto evaluator = Evaluator::create(std::move(profiles), EvaluatorOptions{options.time_scale});
    if (!evaluator) return evaluator.error();
    auto states = store.load_states();
    if (!states) return states.error();
    for (auto& [thing, state] : *states) {
        evaluator->restore(thing, std::move(state));
    }
    return DetectService(std::move(*evaluator), store, std::move(options));
}

DetectService::DetectService(Evaluator evaluator, Store& store, DetectServiceOptions options)
    : evaluator_(std::move(evaluator)), store_(&store), options_(std::move(options)) {}

std::vector<std::string> DetectService::subscriptions() const {
    std::vector<std::string> filters{ReportTopic::device_defender().filter()};
    for (const auto& topic : options_.extra_topics) {
        filters.push_back(topic.filter());
    }
    return filters;
}

std::optional<ReportSource> DetectService::source_of(std::string_view topic) const {
    static const ReportTopic device_defender = ReportTopic::device_defender();
    if (auto source = device_defender.match(topic)) return source;
    for (const auto& extra : options_.extra_topics) {
        if (auto source = extra.match(topic)) return source;
    }
    return std::nullopt;
}

MessageOutcome DetectService::problem(MessageOutcome::Kind kind, std::string thing,
                                      std::string detail) {
    MessageOutcome outcome;
    outcome.kind = kind;
    outcome.thing_name = std::move(thing);
    outcome.detail = std::move(detail);
    std::pair<std::string, int> key{outcome.thing_name, static_cast<int>(kind)};
    if (logged_.size() < kMaxLoggedProblems || logged_.count(key) != 0) {
        outcome.first_of_kind = logged_.insert(std::move(key)).second;
    }
    return outcome;
}

MessageOutcome DetectService::on_message(std::string_view topic, std::string_view payload,
                                         Time now) {
    auto source = source_of(topic);
    if (!source) return {};
    ++counters_.received;
    using Kind = MessageOutcome::Kind;
    // Parsed once: the validator keeps the document it checked, and the report is read from it.
    Document document;
    const auto checked = validate_report(payload, document);
    // A document-level problem (not JSON or CBOR, cut short, not an object, too large) makes a
    // malformed report; a field that breaks a rule, an invalid one.
    if (!checked.format || (!checked.valid() && checked.violations.front().pointer.empty())) {
        ++counters_.malformed;
        return problem(Kind::malformed, source->thing_name, first_violation(checked));
    }
    if (source->format && *source->format != *checked.format) {
        ++counters_.malformed;
        return problem(Kind::malformed, source->thing_name,
                       std::string("a ") + std::string(to_string(*checked.format)) +
                           " document on a " + std::string(to_string(*source->format)) + " topic");
    }
    if (!checked.valid()) {
        ++counters_.invalid;
        return problem(Kind::invalid, source->thing_name, first_violation(checked));
    }
    auto report = from_document(document);
    if (!report) {
        ++counters_.malformed;
        return problem(Kind::malformed, source->thing_name, report.error().message);
    }
    if (evaluator_.is_duplicate(source->thing_name, report->report_id)) {
        ++counters_.duplicates;
        MessageOutcome duplicate;
        duplicate.kind = Kind::duplicate;
        duplicate.thing_name = source->thing_name;
        return duplicate;
    }
    auto events = evaluator_.on_report(source->thing_name, *report, now);
    ++counters_.evaluated;
    MessageOutcome outcome;
    outcome.kind = Kind::evaluated;
    outcome.thing_name = source->thing_name;
    outcome.events = events.size();
    if (pending_datapoints_.size() < kMaxPendingDatapoints) {
        pending_datapoints_.push_back({source->thing_name, now, metrics_json(*report)});
    } else {
        ++counters_.datapoints_lost;
    }
    take_changes(std::move(events));
    return outcome;
}

void DetectService::tick(Time now) {
    take_changes(evaluator_.advance(now));
}

std::optional<Time> DetectService::next_deadline() const {
    return evaluator_.next_deadline();
}

Status DetectService::reload(std::vector<SecurityProfile> profiles) {
    auto evaluator = Evaluator::create(std::move(profiles), EvaluatorOptions{options_.time_scale});
    if (!evaluator) return evaluator.error();
    for (const auto& thing : evaluator_.things()) {
        evaluator->restore(thing, *evaluator_.thing_state(thing));
        pending_things_.insert(thing);  // a dropped profile's alarms leave the store too
    }
    for (auto& thing : evaluator_.take_changed()) {
        pending_things_.insert(std::move(thing));
    }
    evaluator_ = std::move(*evaluator);
    return Done{};
}

void DetectService::take_changes(std::vector<ViolationEvent> events) {
    counters_.events += events.size();
    pending_events_.insert(pending_events_.end(), std::make_move_iterator(events.begin()),
                           std::make_move_iterator(events.end()));
    for (auto& thing : evaluator_.take_changed()) {
        pending_things_.insert(std::move(thing));
    }
}

bool DetectService::unflushed() const {
    return !pending_events_.empty() || !pending_things_.empty() || !pending_datapoints_.empty();
}

Status DetectService::flush() {
    if (!unflushed()) return Done{};
    Evaluation evaluation;
    for (const auto& thing : pending_things_) {
        const ThingState* state = evaluator_.thing_state(thing);
        evaluation.states.emplace_back(thing, state != nullptr ? *state : ThingState{});
        auto active = evaluator_.active_violations(thing);
        evaluation.active.insert(evaluation.active.end(), std::make_move_iterator(active.begin()),
                                 std::make_move_iterator(active.end()));
    }
    evaluation.events = std::move(pending_events_);
    evaluation.datapoints = std::move(pending_datapoints_);
    auto recorded = store_->record(evaluation);
    if (!recorded) {
        ++counters_.store_failures;
        pending_events_ = std::move(evaluation.events);
        pending_datapoints_ = std::move(evaluation.datapoints);
        return recorded;
    }
    pending_events_.clear();
    pending_datapoints_.clear();
    pending_things_.clear();
    if (!evaluation.events.empty()) outbox_pending_ = true;
    return Done{};
}

}  // namespace defender::detect
