// SPDX-License-Identifier: Apache-2.0
#include "validate/violation_list.hpp"

#include "encode/document.hpp"

#include <algorithm>

namespace defender {

DocumentPath DocumentPath::member(std::string_view key, std::size_t position) const {
    DocumentPath path = *this;
    path.pointer_ += '/';
    path.pointer_ += escape_pointer_token(key);
    path.positions_.push_back(position);
    return path;
}

DocumentPath DocumentPath::element(std::size_t index) const {
    DocumentPath path = *this;
    path.pointer_ += '/';
    path.pointer_ += std::to_string(index);
    path.positions_.push_back(index);
    return path;
}

void ViolationList::add(const DocumentPath& path, std::string reason) {
    entries_.push_back({path.positions(), {path.pointer(), std::move(reason)}});
}

std::vector<Violation> ViolationList::in_document_order() const {
    std::vector<Entry> sorted = entries_;
    // Lexicographic order of positions puts a container before its members; stable keeps the
    // order in which several problems of one value were found.
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Entry& a, const Entry& b) { return a.positions < b.positions; });
    std::vector<Violation> violations;
    violations.reserve(sorted.size());
    for (auto& entry : sorted)
        violations.push_back(std::move(entry.violation));
    return violations;
}

}  // namespace defender
