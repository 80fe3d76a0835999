// SPDX-License-Identifier: Apache-2.0
#pragma once
// Parser for the socket tables /proc/net/{tcp,tcp6,udp,udp6}.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "defender/snapshot.hpp"

namespace defender {

enum class SocketProtocol { tcp, udp };

/// The sockets of one or more tables that a Snapshot keeps: TCP LISTEN and unconnected UDP
/// sockets as listeners, TCP ESTABLISHED as connections. Addresses are normalized
/// (v4-mapped becomes v4); nothing is deduplicated.
struct SocketTable {
    std::vector<ListeningSocket> listeners;
    std::vector<TcpConnection> established;
    std::size_t malformed_lines = 0;
};

/// Parses a table line by line, the first line being the header. Blank lines are ignored;
/// malformed ones are counted and skipped.
class SocketTableParser {
public:
    SocketTableParser(SocketProtocol protocol, SocketTable& into)
        : protocol_(protocol), into_(into) {}
    void add_line(std::string_view line);

private:
    SocketProtocol protocol_;
    SocketTable& into_;
    bool header_seen_ = false;
};

/// Parses a whole table held in memory.
SocketTable parse_socket_table(std::string_view text, SocketProtocol protocol);

/// Reads the table at `path` in fixed-size chunks, adding to `into`.
/// Returns 0, or the errno of the failed open or read.
int read_socket_table(const std::string& path, SocketProtocol protocol, SocketTable& into);

}  // namespace defender
