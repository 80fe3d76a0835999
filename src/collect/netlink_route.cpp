// SPDX-License-Identifier: Apache-2.0
#include "collect/netlink_route.hpp"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace defender::netlink {
namespace {

struct FirstFourCounters {
    std::uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
};

void set_counters(InterfaceCounters& counters, const FirstFourCounters& values) {
    counters.packets_in = values.rx_packets;
    counters.packets_out = values.tx_packets;
    counters.bytes_in = values.rx_bytes;
    counters.bytes_out = values.tx_bytes;
}

std::optional<IpAddress> address_from(unsigned char family, Bytes bytes) {
    if (family == AF_INET && bytes.size() == 4) {
        return IpAddress::v4(ntohl(load<std::uint32_t>(bytes)));
    }
    if (family == AF_INET6 && bytes.size() == 16) {
        return IpAddress::v6(load<std::array<std::uint8_t, 16>>(bytes)).normalized();
    }
    return std::nullopt;
}

}  // namespace

std::optional<Link> parse_link(Bytes payload) {
    if (payload.size() < NLMSG_ALIGN(sizeof(ifinfomsg))) {
        return std::nullopt;
    }
    const auto info = load<ifinfomsg>(payload);
    Link link;
    link.index = info.ifi_index;
    link.counters.loopback = (info.ifi_flags & IFF_LOOPBACK) != 0;
    bool named = false;
    bool have_stats64 = false;
    const bool complete = walk_attributes(
        payload.subspan(NLMSG_ALIGN(sizeof(ifinfomsg))), [&](unsigned short type, Bytes value) {
            if (type == IFLA_IFNAME) {
                const auto* text = reinterpret_cast<const char*>(value.data());
                link.counters.name.assign(text, strnlen(text, value.size()));
                named = !link.counters.name.empty();
            } else if (type == IFLA_STATS64 && value.size() >= sizeof(FirstFourCounters)) {
                set_counters(link.counters, load<FirstFourCounters>(value));
                have_stats64 = true;
            } else if (type == IFLA_STATS && !have_stats64 &&
                       value.size() >= 4 * sizeof(std::uint32_t)) {
                const auto values = load<std::array<std::uint32_t, 4>>(value);
                set_counters(link.counters, {values[0], values[1], values[2], values[3]});
            }
        });
    if (!complete || !named) {
        return std::nullopt;
    }
    return link;
}

std::optional<LinkAddress> parse_address(Bytes payload) {
    if (payload.size() < NLMSG_ALIGN(sizeof(ifaddrmsg))) {
        return std::nullopt;
    }
    const auto info = load<ifaddrmsg>(payload);
    std::optional<IpAddress> local;
    std::optional<IpAddress> address;
    bool well_formed = true;
    const bool complete = walk_attributes(payload.subspan(NLMSG_ALIGN(sizeof(ifaddrmsg))),
                                          [&](unsigned short type, Bytes value) {
                                              if (type != IFA_LOCAL && type != IFA_ADDRESS) {
                                                  return;
                                              }
                                              auto parsed = address_from(info.ifa_family, value);
                                              well_formed = well_formed && parsed.has_value();
                                              (type == IFA_LOCAL ? local : address) = parsed;
                                          });
    if (!complete || !well_formed || !(local || address)) {
        return std::nullopt;
    }
    return LinkAddress{static_cast<int>(info.ifa_index), local ? *local : *address};
}

LinkDumpRequest make_link_dump_request(std::uint32_t sequence) {
    LinkDumpRequest request{};
    request.header.nlmsg_len = sizeof(request);
    request.header.nlmsg_type = RTM_GETLINK;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = sequence;
    request.body.ifi_family = AF_UNSPEC;
    return request;
}

AddressDumpRequest make_address_dump_request(std::uint32_t sequence) {
    AddressDumpRequest request{};
    request.header.nlmsg_len = sizeof(request);
    request.header.nlmsg_type = RTM_GETADDR;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = sequence;
    request.body.ifa_family = AF_UNSPEC;
    return request;
}

}  // namespace defender::netlink
