// SPDX-License-Identifier: Apache-2.0
#pragma once
// Report ids: max(epoch seconds, last + 1), so they are unique and strictly increasing even
// when the wall clock steps back or two reports fall in one second.

#include <chrono>
#include <cstdint>

namespace defender {

class ReportIdSequence {
public:
    explicit ReportIdSequence(std::uint64_t last = 0) : last_(last) {}

    std::uint64_t next() { return next(std::chrono::system_clock::now()); }
    /// The next id when the wall clock reads `now`.
    std::uint64_t next(std::chrono::system_clock::time_point now) {
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        const auto epoch = seconds > 0 ? static_cast<std::uint64_t>(seconds) : 0;
        last_ = epoch > last_ ? epoch : last_ + 1;
        return last_;
    }
    std::uint64_t last() const { return last_; }

private:
    std::uint64_t last_;
};

}  // namespace defender
