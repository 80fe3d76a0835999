// SPDX-License-Identifier: Apache-2.0
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "defender/collector.hpp"

namespace defender {
namespace {

struct IfaddrsDeleter {
    void operator()(ifaddrs* list) const { freeifaddrs(list); }
};
using IfaddrsList = std::unique_ptr<ifaddrs, IfaddrsDeleter>;

Result<std::vector<InterfaceAddress>> list_interface_addresses() {
    ifaddrs* raw = nullptr;
    if (getifaddrs(&raw) != 0) {
        return Error{std::string("cannot list interface addresses: ") + std::strerror(errno)};
    }
    const IfaddrsList list(raw);
    std::vector<InterfaceAddress> addresses;
    for (const ifaddrs* entry = list.get(); entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_name == nullptr) {
            continue;
        }
        IpAddress address;
        if (entry->ifa_addr->sa_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
            address.family = IpAddress::Family::v4;
            std::memcpy(address.bytes.data(), &in->sin_addr, sizeof in->sin_addr);
        } else if (entry->ifa_addr->sa_family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
            address.family = IpAddress::Family::v6;
            std::memcpy(address.bytes.data(), &in6->sin6_addr, sizeof in6->sin6_addr);
        } else {
            continue;
        }
        // getifaddrs labels IPv4 aliases "eth0:1"; the interface is the part before the colon
        // (interface names cannot contain one), as netlink reports it.
        std::string_view name = entry->ifa_name;
        addresses.push_back({std::string(name.substr(0, name.find(':'))), address.normalized()});
    }
    return addresses;
}

/// IFF_LOOPBACK from SIOCGIFFLAGS (one ioctl, cheaper than a getifaddrs dump per interface);
/// the name `lo` when the interface is unknown here (e.g. another namespace's procfs).
bool interface_is_loopback(const std::string& name) {
    ifreq request{};
    if (name.empty() || name.size() >= sizeof request.ifr_name) {
        return name == "lo";
    }
    std::memcpy(request.ifr_name, name.data(), name.size());
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return name == "lo";
    }
    const int status = ::ioctl(fd, SIOCGIFFLAGS, &request);
    ::close(fd);
    if (status != 0) {
        return name == "lo";
    }
    return (request.ifr_flags & IFF_LOOPBACK) != 0;
}

}  // namespace

AddressSource system_address_source() {
    return AddressSource{list_interface_addresses, interface_is_loopback};
}

}  // namespace defender
