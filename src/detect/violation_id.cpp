// SPDX-License-Identifier: Apache-2.0
#include "detect/violation_id.hpp"

#include "detect/compiled_behavior.hpp"

namespace defender::detect {

std::pair<std::uint64_t, std::uint64_t> make_violation_id(std::string_view thing,
                                                          std::string_view profile,
                                                          std::string_view behavior,
                                                          std::uint32_t alarm_count,
                                                          std::int64_t start_ms) {
    // Lengths are part of the key so that ("ab", "c") and ("a", "bc") differ.
    std::string key;
    for (const auto part : {thing, profile, behavior}) {
        key += std::to_string(part.size());
        key += ':';
        key += part;
    }
    key += std::to_string(alarm_count) + ':' + std::to_string(start_ms);
    return {fingerprint_of(key), fingerprint_of(key, 0x84222325cbf29ce4ULL)};
}

std::string format_violation_id(std::uint64_t high, std::uint64_t low) {
    constexpr char kDigits[] = "0123456789abcdef";
    std::string text(32, '0');
    for (int i = 0; i < 16; ++i) {
        text[15 - i] = kDigits[(high >> (4 * i)) & 0xF];
        text[31 - i] = kDigits[(low >> (4 * i)) & 0xF];
    }
    return text;
}

}  // namespace defender::detect
