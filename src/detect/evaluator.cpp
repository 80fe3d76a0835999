// SPDX-License-Identifier: Apache-2.0
// The evaluator over all things. Per thing and behavior the work is a pure step (extract the
// metric, compare, count the datapoint); what is shared is time: advance() closes every window
// that ended (statistical ones together, over the profile's population) and invalidates alarms
// of silent things. A report only ever changes its own thing's state.
#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <set>

#include "defender/detect.hpp"
#include "detect/alarm_step.hpp"
#include "detect/behavior_rules.hpp"
#include "detect/compiled_behavior.hpp"
#include "detect/criteria.hpp"
#include "detect/metric_extract.hpp"
#include "detect/statistics.hpp"
#include "detect/targets.hpp"
#include "detect/violation_id.hpp"
#include "detect/window.hpp"

namespace defender::detect {
namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kRecentReportIds = 4;

std::int64_t millis(Time time) {
    return time.time_since_epoch().count();
}
Time at(std::int64_t ms) {
    return Time(std::chrono::milliseconds(ms));
}

struct ThingEntry {
    ThingState state;
    std::vector<std::size_t> profile_of;  // state.profiles[i] belongs to profiles[profile_of[i]]
};

// Saturating: times come from callers and stored states, and must never overflow.
std::int64_t sat_add(std::int64_t a, std::int64_t b) {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum)) {
        return b > 0 ? kNever : std::numeric_limits<std::int64_t>::min();
    }
    return sum;
}

StoredValue stored(const WindowValue& value) {
    if (const auto* count = std::get_if<std::uint64_t>(&value)) return *count;
    if (const auto* number = std::get_if<double>(&value)) return *number;
    return {};
}

bool has_alarm(const ThingState& state) {
    for (const auto& profile : state.profiles) {
        for (const auto& behavior : profile.behaviors) {
            if (behavior.alarm) return true;
        }
    }
    return false;
}

}  // namespace

struct Evaluator::Impl {
    EvaluatorOptions options;
    std::int64_t invalidate_ms = 0;
    std::vector<SecurityProfile> profiles;
    std::vector<CompiledBehavior> behaviors;
    std::vector<std::vector<std::size_t>> profile_behaviors;  // evaluated ones, per profile
    std::vector<NotEvaluated> not_evaluated;
    std::map<std::string, ThingEntry, std::less<>> things;
    std::int64_t latest = std::numeric_limits<std::int64_t>::min();
    std::int64_t next_deadline = kNever;
    std::set<std::string, std::less<>> changed;  // things whose state changed (take_changed)

    std::int64_t clamp(Time now) {
        latest = std::max(latest, millis(now));
        return latest;
    }

    ThingEntry make_entry(std::string_view thing) const {
        ThingEntry entry;
        for (std::size_t p = 0; p < profiles.size(); ++p) {
            if (!applies_to(profiles[p].targets, thing)) continue;
            ProfileState profile{profiles[p].name, {}};
            profile.behaviors.reserve(profile_behaviors[p].size());
            for (const auto index : profile_behaviors[p]) {
                BehaviorState state;
                state.behavior = behaviors[index].behavior->name;
                state.definition = behaviors[index].fingerprint;
                profile.behaviors.push_back(std::move(state));
            }
            entry.state.profiles.push_back(std::move(profile));
            entry.profile_of.push_back(p);
        }
        return entry;
    }

    std::string violation_id(std::string_view thing, const CompiledBehavior& behavior,
                             const BehaviorState& state) const {
        const auto id =
            make_violation_id(thing, profiles[behavior.profile].name, behavior.behavior->name,
                              state.alarms, millis(state.alarm->start));
        return format_violation_id(id.first, id.second);
    }

    ViolationEvent event(const CompiledBehavior& behavior, std::string_view thing,
                         const BehaviorState& state, ViolationEventType type,
                         const StoredValue& value, std::int64_t time) const {
        ViolationEvent out;
        out.violation_id = violation_id(thing, behavior, state);
        out.thing_name = std::string(thing);
        out.security_profile_name = profiles[behavior.profile].name;
        out.behavior = *behavior.behavior;
        out.metric_value = to_metric_value(value, behavior.kind);
        out.violation_event_type = type;
        out.violation_event_time = at(time);
        out.notify = behavior.notify;
        return out;
    }

    // One datapoint of one thing for one behavior.
    void apply(std::string_view thing, const CompiledBehavior& behavior, BehaviorState& state,
               bool conforming, const StoredValue& value, std::int64_t time,
               std::vector<ViolationEvent>& events) {
        const auto transition = count_datapoint(state, conforming, is_empty_list(value),
                                                behavior.to_alarm, behavior.to_clear);
        if (transition == Transition::raise) {
            ++state.alarms;
            AlarmState alarm;
            alarm.start = at(time);
            alarm.last_violation = at(time);
            alarm.last_value = value;
            state.alarm = std::move(alarm);
            events.push_back(
                event(behavior, thing, state, ViolationEventType::in_alarm, value, time));
        } else if (transition == Transition::clear) {
            events.push_back(
                event(behavior, thing, state, ViolationEventType::alarm_cleared, value, time));
            state.alarm.reset();
        } else if (!conforming && state.alarm) {
            state.alarm->last_violation = at(time);
            state.alarm->last_value = value;
        }
    }

    void ingest(std::string_view thing, ThingEntry& entry, const Report& report, std::int64_t now,
                std::vector<ViolationEvent>& events) {
        entry.state.last_report = at(now);
        auto& ids = entry.state.recent_report_ids;
        if (ids.size() >= kRecentReportIds) ids.erase(ids.begin());
        ids.push_back(report.report_id);
        changed.emplace(thing);
        for (std::size_t i = 0; i < entry.state.profiles.size(); ++i) {
            auto& profile_state = entry.state.profiles[i];
            const auto& indices = profile_behaviors[entry.profile_of[i]];
            for (std::size_t j = 0; j < indices.size(); ++j) {
                const CompiledBehavior& behavior = behaviors[indices[j]];
                BehaviorState& state = profile_state.behaviors[j];
                StoredValue value = extract_metric(behavior, report);
                if (std::holds_alternative<std::monostate>(value)) continue;
                if (behavior.window_ms == 0) {
                    const bool ok = conforms(behavior, value);
                    apply(thing, behavior, state, ok, value, now, events);
                    continue;
                }
                const auto start = window_start(now, behavior.window_ms);
                const bool open = !std::holds_alternative<std::monostate>(state.window_value) &&
                                  state.window_start == start;
                const auto* sum = std::get_if<std::uint64_t>(&state.window_value);
                const auto* add = std::get_if<std::uint64_t>(&value);
                if (open && behavior.summed && sum != nullptr && add != nullptr) {
                    state.window_value = *sum > std::numeric_limits<std::uint64_t>::max() - *add
                                             ? std::numeric_limits<std::uint64_t>::max()
                                             : *sum + *add;
                } else if (add != nullptr) {
                    state.window_value = *add;
                } else {
                    state.window_value = numeric_value(value);
                }
                state.window_start = start;
                next_deadline = std::min(next_deadline, sat_add(start, behavior.window_ms));
            }
        }
        if (has_alarm(entry.state))
            next_deadline = std::min(next_deadline, sat_add(now, invalidate_ms + 1));
    }

    struct Pending {
        std::size_t behavior;
        std::int64_t window;
        const std::string* thing;
        BehaviorState* state;
    };

    std::vector<ViolationEvent> advance(std::int64_t now) {
        std::vector<ViolationEvent> events;
        if (now < next_deadline) return events;
        std::int64_t deadline = kNever;
        std::vector<Pending> statistical;
        for (auto& [thing, entry] : things) {
            for (std::size_t i = 0; i < entry.state.profiles.size(); ++i) {
                auto& profile_state = entry.state.profiles[i];
                const auto& indices = profile_behaviors[entry.profile_of[i]];
                for (std::size_t j = 0; j < indices.size(); ++j) {
                    const CompiledBehavior& behavior = behaviors[indices[j]];
                    BehaviorState& state = profile_state.behaviors[j];
                    if (std::holds_alternative<std::monostate>(state.window_value)) continue;
                    const auto end = sat_add(state.window_start, behavior.window_ms);
                    if (end > now) {
                        deadline = std::min(deadline, end);
                    } else if (behavior.percentile) {
                        statistical.push_back({indices[j], state.window_start, &thing, &state});
                        changed.insert(thing);
                    } else {
                        changed.insert(thing);
                        const StoredValue value = stored(state.window_value);
                        state.window_value = std::monostate{};
                        apply(thing, behavior, state, conforms(behavior, value), value, end,
                              events);
                    }
                }
            }
        }
        close_statistical(statistical, events);
        for (auto& [thing, entry] : things) {
            if (!entry.state.last_report || !has_alarm(entry.state)) continue;
            const auto silent_until = sat_add(millis(*entry.state.last_report), invalidate_ms);
            if (now <= silent_until) {
                deadline = std::min(deadline, sat_add(silent_until, 1));
                continue;
            }
            invalidate(thing, entry, silent_until, events);
            changed.insert(thing);
        }
        next_deadline = deadline;
        std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
            return a.violation_event_time < b.violation_event_time;
        });
        return events;
    }

    // Windows of statistical behaviors that ended: the percentile over every thing with a value
    // in the same window, then each thing's value against it.
    void close_statistical(std::vector<Pending>& pending, std::vector<ViolationEvent>& events) {
        std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
            return std::tie(a.behavior, a.window) < std::tie(b.behavior, b.window);
        });
        std::vector<double> population;
        for (std::size_t first = 0; first < pending.size();) {
            std::size_t last = first;
            population.clear();
            while (last < pending.size() && pending[last].behavior == pending[first].behavior &&
                   pending[last].window == pending[first].window) {
                population.push_back(numeric_value(stored(pending[last].state->window_value)));
                ++last;
            }
            const CompiledBehavior& behavior = behaviors[pending[first].behavior];
            const auto threshold = percentile_of(population, *behavior.percentile);
            const auto end = sat_add(pending[first].window, behavior.window_ms);
            for (std::size_t k = first; k < last; ++k) {
                BehaviorState& state = *pending[k].state;
                const StoredValue value = stored(state.window_value);
                state.window_value = std::monostate{};
                if (!threshold) continue;  // no percentile: no datapoint
                const bool ok = compare(numeric_value(value), behavior.op, *threshold);
                apply(*pending[k].thing, behavior, state, ok, value, end, events);
            }
            first = last;
        }
    }

    void invalidate(const std::string& thing, ThingEntry& entry, std::int64_t time,
                    std::vector<ViolationEvent>& events) {
        for (std::size_t i = 0; i < entry.state.profiles.size(); ++i) {
            auto& profile_state = entry.state.profiles[i];
            const auto& indices = profile_behaviors[entry.profile_of[i]];
            for (std::size_t j = 0; j < indices.size(); ++j) {
                BehaviorState& state = profile_state.behaviors[j];
                state.violating_run = 0;
                state.conforming_run = 0;
                if (!state.alarm) continue;
                events.push_back(event(behaviors[indices[j]], thing, state,
                                       ViolationEventType::alarm_invalidated, std::monostate{},
                                       time));
                state.alarm.reset();
            }
        }
    }
};

Result<Evaluator> Evaluator::create(std::vector<SecurityProfile> profiles,
                                    EvaluatorOptions options) {
    if (!(options.time_scale > 0.0) || options.time_scale > 1.0e6) {
        return Error{"the time scale must be a number above 0 and at most 1000000"};
    }
    std::set<std::string_view> names;
    for (const auto& profile : profiles) {
        if (!names.insert(profile.name).second) {
            return Error{"two security profiles are named \"" + profile.name + "\""};
        }
        auto problems = check_profile_members(profile, true);
        for (std::size_t i = 0; i < profile.behaviors.size() && problems.empty(); ++i) {
            problems = check_behavior(profile.behaviors[i], i);
        }
        if (problems.empty()) problems = check_behavior_list(profile.behaviors);
        if (!problems.empty()) {
            return Error{"security profile \"" + profile.name + "\": " + problems.front()};
        }
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->invalidate_ms = scaled_millis(kInvalidationSeconds, options.time_scale);
    impl->profiles = std::move(profiles);
    impl->profile_behaviors.resize(impl->profiles.size());
    for (std::size_t p = 0; p < impl->profiles.size(); ++p) {
        for (const auto& behavior : impl->profiles[p].behaviors) {
            auto compiled = compile_behavior(behavior, p, options.time_scale);
            if (auto* reason = std::get_if<std::string>(&compiled)) {
                impl->not_evaluated.push_back({impl->profiles[p].name, behavior.name, *reason});
                continue;
            }
            impl->profile_behaviors[p].push_back(impl->behaviors.size());
            impl->behaviors.push_back(std::move(std::get<CompiledBehavior>(compiled)));
        }
    }
    return Evaluator(std::move(impl));
}

Evaluator::Evaluator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;
Evaluator::~Evaluator() = default;

const std::vector<NotEvaluated>& Evaluator::not_evaluated() const {
    return impl_->not_evaluated;
}

std::vector<ViolationEvent> Evaluator::on_report(std::string_view thing, const Report& report,
                                                 Time now) {
    const auto ms = impl_->clamp(now);
    auto events = impl_->advance(ms);
    auto it = impl_->things.find(thing);
    if (it == impl_->things.end()) {
        ThingEntry entry = impl_->make_entry(thing);
        if (entry.state.profiles.empty()) return events;
        it = impl_->things.emplace(std::string(thing), std::move(entry)).first;
    }
    impl_->ingest(it->first, it->second, report, ms, events);
    return events;
}

std::vector<ViolationEvent> Evaluator::advance(Time now) {
    return impl_->advance(impl_->clamp(now));
}

bool Evaluator::is_duplicate(std::string_view thing, std::uint64_t report_id) const {
    const auto it = impl_->things.find(thing);
    if (it == impl_->things.end()) return false;
    const auto& ids = it->second.state.recent_report_ids;
    return std::find(ids.begin(), ids.end(), report_id) != ids.end();
}

std::vector<std::string> Evaluator::take_changed() {
    std::vector<std::string> names(impl_->changed.begin(), impl_->changed.end());
    impl_->changed.clear();
    return names;
}

std::optional<Time> Evaluator::next_deadline() const {
    if (impl_->next_deadline == kNever) return std::nullopt;
    return at(impl_->next_deadline);
}

const ThingState* Evaluator::thing_state(std::string_view thing) const {
    const auto it = impl_->things.find(thing);
    return it == impl_->things.end() ? nullptr : &it->second.state;
}

std::vector<std::string> Evaluator::things() const {
    std::vector<std::string> names;
    names.reserve(impl_->things.size());
    for (const auto& entry : impl_->things)
        names.push_back(entry.first);
    return names;
}

void Evaluator::restore(std::string_view thing, ThingState stored) {
    ThingEntry entry = impl_->make_entry(thing);
    if (entry.state.profiles.empty()) {
        if (const auto it = impl_->things.find(thing); it != impl_->things.end()) {
            impl_->things.erase(it);
        }
        return;
    }
    entry.state.last_report = stored.last_report;
    entry.state.recent_report_ids = std::move(stored.recent_report_ids);
    for (std::size_t i = 0; i < entry.state.profiles.size(); ++i) {
        auto& profile_state = entry.state.profiles[i];
        const auto old_profile =
            std::find_if(stored.profiles.begin(), stored.profiles.end(),
                         [&](const ProfileState& p) { return p.profile == profile_state.profile; });
        if (old_profile == stored.profiles.end()) continue;
        const auto& indices = impl_->profile_behaviors[entry.profile_of[i]];
        for (std::size_t j = 0; j < indices.size(); ++j) {
            BehaviorState& state = profile_state.behaviors[j];
            const auto old =
                std::find_if(old_profile->behaviors.begin(), old_profile->behaviors.end(),
                             [&](const BehaviorState& b) { return b.behavior == state.behavior; });
            if (old == old_profile->behaviors.end()) continue;
            if (old->definition == state.definition) {
                state = std::move(*old);
            } else {
                // Changed since: its alarm stays on until a datapoint clears it; counters and the
                // open window restart under the new definition.
                state.alarm = std::move(old->alarm);
                state.alarms = old->alarms;
            }
            const auto& behavior = impl_->behaviors[indices[j]];
            if (!std::holds_alternative<std::monostate>(state.window_value) &&
                behavior.window_ms > 0) {
                impl_->next_deadline =
                    std::min(impl_->next_deadline, sat_add(state.window_start, behavior.window_ms));
            } else {
                state.window_value = std::monostate{};
            }
        }
    }
    if (entry.state.last_report && has_alarm(entry.state)) {
        impl_->next_deadline =
            std::min(impl_->next_deadline,
                     sat_add(millis(*entry.state.last_report), impl_->invalidate_ms + 1));
    }
    impl_->things.insert_or_assign(std::string(thing), std::move(entry));
}

std::vector<ActiveViolation> Evaluator::active_violations(std::string_view thing) const {
    std::vector<ActiveViolation> out;
    // One thing: looked up, not searched for (the detector asks for each thing of a batch).
    auto first = impl_->things.begin();
    auto last = impl_->things.end();
    if (!thing.empty()) {
        first = impl_->things.find(thing);
        last = first == impl_->things.end() ? first : std::next(first);
    }
    for (auto at = first; at != last; ++at) {
        const auto& name = at->first;
        const auto& entry = at->second;
        for (std::size_t i = 0; i < entry.state.profiles.size(); ++i) {
            const auto& profile_state = entry.state.profiles[i];
            const auto& indices = impl_->profile_behaviors[entry.profile_of[i]];
            for (std::size_t j = 0; j < indices.size(); ++j) {
                const auto& state = profile_state.behaviors[j];
                if (!state.alarm) continue;
                const auto& behavior = impl_->behaviors[indices[j]];
                ActiveViolation violation;
                violation.violation_id =
                    impl_->violation_id(name, impl_->behaviors[indices[j]], state);
                violation.thing_name = name;
                violation.security_profile_name = profile_state.profile;
                violation.behavior = *behavior.behavior;
                violation.last_violation_value =
                    to_metric_value(state.alarm->last_value, behavior.kind);
                violation.last_violation_time = state.alarm->last_violation;
                violation.violation_start_time = state.alarm->start;
                out.push_back(std::move(violation));
            }
        }
    }
    return out;
}

}  // namespace defender::detect
