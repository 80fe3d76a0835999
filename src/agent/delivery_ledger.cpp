// SPDX-License-Identifier: Apache-2.0
#include "agent/delivery_ledger.hpp"

#include <algorithm>

namespace defender {

const Baseline* DeliveryLedger::next_baseline() const {
    if (!pending_.empty()) return &pending_.back().baseline;
    return confirmed_ ? &*confirmed_ : nullptr;
}

const Baseline* DeliveryLedger::baseline_to_save() const {
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
        if (!it->in_doubt) return &it->baseline;
    }
    return confirmed_ ? &*confirmed_ : nullptr;
}

bool DeliveryLedger::has_report_in_doubt() const {
    return std::any_of(pending_.begin(), pending_.end(),
                       [](const PendingReport& p) { return p.in_doubt; });
}

void DeliveryLedger::acknowledged(std::uint64_t report_id, Baseline baseline, Time now,
                                  bool expect_reply) {
    ++counts_.published;
    if (expect_reply) {
        pending_.push_back({report_id, std::move(baseline), now});
    } else {
        confirmed_ = std::move(baseline);
    }
}

void DeliveryLedger::in_doubt(std::uint64_t report_id, Baseline baseline, Time now) {
    pending_.push_back({report_id, std::move(baseline), now, true});
}

void DeliveryLedger::reconnected(Time now) {
    for (auto& pending : pending_) {
        if (pending.in_doubt) {
            pending.published_at = now;
            pending.reconnected = true;
        }
    }
}

bool DeliveryLedger::accepted(std::optional<std::uint64_t> report_id) {
    if (!report_id) return false;
    const auto pending =
        std::find_if(pending_.begin(), pending_.end(),
                     [&](const PendingReport& p) { return p.report_id == *report_id; });
    if (pending == pending_.end()) return false;
    ++counts_.accepted;
    confirmed_ = pending->baseline;
    pending_.erase(pending_.begin(), std::next(pending));
    return true;
}

std::optional<std::uint64_t> DeliveryLedger::rejected(std::optional<std::uint64_t> report_id) {
    auto pending = pending_.empty() ? pending_.end() : std::prev(pending_.end());
    if (report_id) {
        pending = std::find_if(pending_.begin(), pending_.end(),
                               [&](const PendingReport& p) { return p.report_id == *report_id; });
    }
    if (pending == pending_.end()) return std::nullopt;
    const auto id = pending->report_id;
    pending_.erase(pending);
    ++counts_.rejected;
    return id;
}

DeliveryLedger::Time DeliveryLedger::expires_at(const PendingReport& pending) const {
    const auto wait = pending.in_doubt && !pending.reconnected ? kDoubtfulTimeouts * reply_timeout_
                                                               : reply_timeout_;
    return pending.published_at + wait;
}

std::optional<DeliveryLedger::Expired> DeliveryLedger::expire(Time now, bool connected) {
    if (pending_.empty() || now < expires_at(pending_.front())) return std::nullopt;
    if (pending_.front().in_doubt && !connected) return std::nullopt;
    PendingReport front = std::move(pending_.front());
    pending_.pop_front();
    if (front.in_doubt) return Expired{front.report_id, true, false};
    confirmed_ = std::move(front.baseline);
    ++counts_.unanswered;
    return Expired{front.report_id, false, unanswered_streak_++ == 0};
}

std::optional<DeliveryLedger::Time> DeliveryLedger::next_expiry(bool connected) const {
    if (pending_.empty() || (!connected && pending_.front().in_doubt)) return std::nullopt;
    return expires_at(pending_.front());
}

std::uint64_t DeliveryLedger::reply_arrived() {
    const auto streak = unanswered_streak_;
    unanswered_streak_ = 0;
    return streak;
}

std::uint64_t DeliveryLedger::settled(bool expect_replies) const {
    if (!expect_replies) return counts_.published;
    return counts_.accepted + counts_.rejected + counts_.unanswered;
}

}  // namespace defender
