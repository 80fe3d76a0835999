// SPDX-License-Identifier: Apache-2.0
#include "net/resolver.hpp"

#include <netdb.h>

#include <cstring>
#include <memory>

namespace defender::net {
namespace {

struct AddrInfoFree {
    void operator()(addrinfo* info) const { ::freeaddrinfo(info); }
};

}  // namespace

Result<std::vector<SocketAddress>> resolve_tcp(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* found = nullptr;
    const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (resolved != 0) {
        return Error{"cannot resolve host " + host + ": " + ::gai_strerror(resolved)};
    }
    const std::unique_ptr<addrinfo, AddrInfoFree> owner(found);
    std::vector<SocketAddress> addresses;
    for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
        if (entry->ai_addrlen > sizeof(sockaddr_storage)) continue;
        SocketAddress address;
        address.family = entry->ai_family;
        address.length = entry->ai_addrlen;
        std::memcpy(&address.address, entry->ai_addr, entry->ai_addrlen);
        addresses.push_back(address);
    }
    return addresses;
}

}  // namespace defender::net
