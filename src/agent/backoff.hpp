// SPDX-License-Identifier: Apache-2.0
#pragma once
// Exponential backoff with jitter for reconnects: about 1 s, 2 s, 4 s ... capped at 2 min.

#include <chrono>
#include <random>

namespace defender {

class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
            std::uint64_t seed)
        : initial_(initial), maximum_(maximum), random_(seed) {}

    /// The wait before the next attempt: uniformly drawn in [ceiling/2, ceiling], where the
    /// ceiling doubles with every failure up to the maximum.
    std::chrono::milliseconds next() {
        const auto ceiling = current_ceiling();
        if (failures_ < 32) ++failures_;
        std::uniform_int_distribution<std::int64_t> pick(ceiling.count() / 2, ceiling.count());
        return std::chrono::milliseconds(pick(random_));
    }
    void reset() { failures_ = 0; }
    unsigned failures() const { return failures_; }

private:
    std::chrono::milliseconds current_ceiling() const {
        auto ceiling = initial_;
        for (unsigned i = 0; i < failures_ && ceiling < maximum_; ++i)
            ceiling *= 2;
        return ceiling < maximum_ ? ceiling : maximum_;
    }

    std::chrono::milliseconds initial_;
    std::chrono::milliseconds maximum_;
    std::mt19937_64 random_;
    unsigned failures_ = 0;
};

}  // namespace defender
