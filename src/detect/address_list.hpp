// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `aws:destination-ip-addresses` value as the evaluator keeps it: the addresses packed
// (PackedAddresses), matched against CIDR blocks without going through text.

#include <vector>

#include "defender/detect.hpp"
#include "defender/ip_address.hpp"

namespace defender::detect {

/// The addresses packed, in their order.
PackedAddresses pack(const std::vector<IpAddress>& addresses);
/// The addresses of `packed`, in order.
std::vector<IpAddress> addresses_of(const PackedAddresses& packed);

}  // namespace defender::detect
