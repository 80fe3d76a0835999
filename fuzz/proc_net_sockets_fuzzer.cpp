// SPDX-License-Identifier: Apache-2.0
// /proc/net/{tcp,tcp6,udp,udp6} parser: any bytes, as TCP and as UDP tables.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/proc_net_sockets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)defender::parse_socket_table(text, defender::SocketProtocol::tcp);
    (void)defender::parse_socket_table(text, defender::SocketProtocol::udp);
    return 0;
}
