// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where a value sits in a document (JSON pointer plus its position, for ordering) and the list
// of violations found so far.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "defender/validate.hpp"

namespace defender {

/// A location in a document: the pointer text and, for each step, the member's or element's
/// position in its container, so that violations can be sorted into document order.
class DocumentPath {
public:
    DocumentPath() = default;

    DocumentPath member(std::string_view key, std::size_t position) const;
    DocumentPath element(std::size_t index) const;

    const std::string& pointer() const { return pointer_; }
    const std::vector<std::size_t>& positions() const { return positions_; }

private:
    std::string pointer_;
    std::vector<std::size_t> positions_;
};

class ViolationList {
public:
    void add(const DocumentPath& path, std::string reason);

    /// The violations in document order: a container's own problems (e.g. a missing member)
    /// before those of its members, members in the order they appear.
    std::vector<Violation> in_document_order() const;

private:
    struct Entry {
        std::vector<std::size_t> positions;
        Violation violation;
    };
    std::vector<Entry> entries_;
};

}  // namespace defender
