// SPDX-License-Identifier: Apache-2.0
#pragma once
// Pure parsing of rtnetlink link and address dumps, and their requests.

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <optional>

#include "collect/netlink_messages.hpp"
#include "defender/ip_address.hpp"
#include "defender/snapshot.hpp"

namespace defender::netlink {

struct Link {
    int index = 0;
    InterfaceCounters counters;  ///< name, 64-bit counters, loopback flag
};

/// The payload of one RTM_NEWLINK message. Counters come from IFLA_STATS64 (IFLA_STATS on kernels
/// without it; zero if neither). nullopt if malformed (short, truncated attribute, no name).
std::optional<Link> parse_link(Bytes payload);

struct LinkAddress {
    int index = 0;
    IpAddress address;  ///< normalized
};

/// The payload of one RTM_NEWADDR message: IFA_LOCAL (the local end of a point-to-point
/// address) if present, else IFA_ADDRESS. nullopt if malformed or neither v4 nor v6.
std::optional<LinkAddress> parse_address(Bytes payload);

struct LinkDumpRequest {
    nlmsghdr header;
    ifinfomsg body;
};
struct AddressDumpRequest {
    nlmsghdr header;
    ifaddrmsg body;
};

LinkDumpRequest make_link_dump_request(std::uint32_t sequence);
/// All families (AF_UNSPEC).
AddressDumpRequest make_address_dump_request(std::uint32_t sequence);

}  // namespace defender::netlink
