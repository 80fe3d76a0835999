// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_net_sockets.hpp"

#include <cstdint>
#include <cstring>

#include "collect/proc_file.hpp"
#include "collect/text_cursor.hpp"

namespace defender {
namespace {

// Kernel TCP states (include/net/tcp_states.h) as printed in the `st` column.
constexpr std::uint32_t kTcpEstablished = 0x01;
constexpr std::uint32_t kTcpListen = 0x0A;

struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;
};

/// `<8 or 32 hex digits>:<4 hex digits>`. The kernel prints the address as 32-bit words in host
/// byte order, so copying each parsed word's memory gives network byte order on any host.
bool parse_endpoint(TextCursor& cursor, Endpoint& endpoint) {
    const auto digits = cursor.count_hex_digits();
    if (digits != 8 && digits != 32) {
        return false;
    }
    IpAddress address;
    address.family = digits == 8 ? IpAddress::Family::v4 : IpAddress::Family::v6;
    for (std::size_t word = 0; word < digits / 8; ++word) {
        std::uint32_t value = 0;
        if (!cursor.hex32(8, value)) {
            return false;
        }
        std::memcpy(address.bytes.data() + 4 * word, &value, sizeof value);
    }
    std::uint32_t port = 0;
    if (!cursor.consume(':') || !cursor.hex32(4, port) || !cursor.at_token_end()) {
        return false;
    }
    endpoint.address = address.normalized();
    endpoint.port = static_cast<std::uint16_t>(port);
    return true;
}

/// `<hex>:<hex>` such as tx_queue:rx_queue or tr:tm->when.
bool skip_hex_pair(TextCursor& cursor) {
    return cursor.skip_blanks() && cursor.skip_hex() && cursor.consume(':') && cursor.skip_hex() &&
           cursor.at_token_end();
}

bool skip_integer_field(TextCursor& cursor) {
    return cursor.skip_blanks() && cursor.skip_integer() && cursor.at_token_end();
}

struct SocketLine {
    Endpoint local;
    Endpoint remote;
    std::uint32_t state = 0;
};

/// `sl: local remote st tx:rx tr:when retrnsmt uid timeout inode ...`; the columns after the
/// inode differ between TCP and UDP and are not checked.
bool parse_socket_line(std::string_view text, SocketLine& line) {
    TextCursor cursor(text);
    cursor.skip_blanks();
    if (!cursor.skip_integer() || !cursor.consume(':')) {
        return false;
    }
    if (!cursor.skip_blanks() || !parse_endpoint(cursor, line.local)) {
        return false;
    }
    if (!cursor.skip_blanks() || !parse_endpoint(cursor, line.remote)) {
        return false;
    }
    if (!cursor.skip_blanks() || !cursor.hex32(2, line.state) || !cursor.at_token_end()) {
        return false;
    }
    return skip_hex_pair(cursor) && skip_hex_pair(cursor) && cursor.skip_blanks() &&
           cursor.skip_hex() && cursor.at_token_end() && skip_integer_field(cursor) &&
           skip_integer_field(cursor) && skip_integer_field(cursor);
}

bool is_blank_line(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

void SocketTableParser::add_line(std::string_view text) {
    if (!header_seen_) {
        header_seen_ = true;
        return;
    }
    if (is_blank_line(text)) {
        return;
    }
    SocketLine line;
    if (!parse_socket_line(text, line)) {
        ++into_.malformed_lines;
        return;
    }
    if (protocol_ == SocketProtocol::tcp) {
        if (line.state == kTcpListen) {
            into_.listeners.push_back({line.local.address, line.local.port});
        } else if (line.state == kTcpEstablished) {
            into_.established.push_back(
                {line.local.address, line.local.port, line.remote.address, line.remote.port});
        }
        return;
    }
    if (line.remote.address.is_wildcard() && line.remote.port == 0) {
        into_.listeners.push_back({line.local.address, line.local.port});
    }
}

SocketTable parse_socket_table(std::string_view text, SocketProtocol protocol) {
    SocketTable table;
    SocketTableParser parser(protocol, table);
    while (!text.empty()) {
        const auto newline = text.find('\n');
        parser.add_line(text.substr(0, newline));
        if (newline == std::string_view::npos) {
            break;
        }
        text.remove_prefix(newline + 1);
    }
    return table;
}

int read_socket_table(const std::string& path, SocketProtocol protocol, SocketTable& into) {
    SocketTableParser parser(protocol, into);
    return for_each_line(path, [&parser](std::string_view line) { parser.add_line(line); });
}

}  // namespace defender
