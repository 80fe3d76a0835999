// SPDX-License-Identifier: Apache-2.0
#include "detect/targets.hpp"

namespace defender::detect {

bool glob_match(std::string_view pattern, std::string_view text) {
    // Greedy matching with one backtrack point: linear for a single `*`, O(n*m) at worst.
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star = std::string_view::npos;
    std::size_t resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

bool applies_to(const std::vector<std::string>& targets, std::string_view thing) {
    if (targets.empty()) return true;
    for (const auto& target : targets) {
        if (glob_match(target, thing)) return true;
    }
    return false;
}

}  // namespace defender::detect
