// SPDX-License-Identifier: Apache-2.0
#include "report/interface_index.hpp"

#include <algorithm>

namespace defender {

InterfaceIndex::InterfaceIndex(const std::vector<InterfaceAddress>& addresses) {
    owner_.reserve(addresses.size());
    for (const auto& entry : addresses) {
        auto name = std::find(names_.begin(), names_.end(), entry.interface);
        if (name == names_.end()) name = names_.insert(names_.end(), entry.interface);
        // The first interface listed for an address wins, so the result is deterministic.
        owner_.emplace(entry.address.normalized(), static_cast<int>(name - names_.begin()));
    }
}

int InterfaceIndex::find(const IpAddress& address) const {
    if (address.is_wildcard()) return kNone;
    const auto owner = owner_.find(address.normalized());
    return owner == owner_.end() ? kNone : owner->second;
}

}  // namespace defender
