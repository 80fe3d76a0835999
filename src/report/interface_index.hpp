// SPDX-License-Identifier: Apache-2.0
#pragma once
// Which interface owns a local address: an O(1) lookup built once per report.

#include <string>
#include <unordered_map>
#include <vector>

#include "defender/ip_address.hpp"
#include "defender/snapshot.hpp"

namespace defender {

class InterfaceIndex {
public:
    static constexpr int kNone = -1;

    explicit InterfaceIndex(const std::vector<InterfaceAddress>& addresses);

    /// Index of the interface owning `address` (normalized), or kNone for wildcard and
    /// unknown addresses.
    int find(const IpAddress& address) const;
    const std::string& name(int index) const { return names_[static_cast<std::size_t>(index)]; }

private:
    std::vector<std::string> names_;
    std::unordered_map<IpAddress, int, IpAddressHash> owner_;
};

}  // namespace defender
