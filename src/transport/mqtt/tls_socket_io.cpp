// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/tls_socket_io.hpp"

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>

namespace defender::mqtt {
namespace {

int socket_of(void* context) {
    return *static_cast<const int*>(context);
}

// mbed TLS returns byte counts as int.
std::size_t bounded(std::size_t size) {
    return size < static_cast<std::size_t>(INT_MAX) ? size : static_cast<std::size_t>(INT_MAX);
}

int failure(int error, int would_block, int other) {
    switch (error) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
        case EINTR:
            return would_block;
        case ECONNRESET:
        case EPIPE:
            return MBEDTLS_ERR_NET_CONN_RESET;
        default:
            return other;
    }
}

}  // namespace

int send_on_socket(void* context, const unsigned char* data, std::size_t size) {
    const ssize_t sent = ::send(socket_of(context), data, bounded(size), MSG_NOSIGNAL);
    if (sent >= 0) {
        return static_cast<int>(sent);
    }
    return failure(errno, MBEDTLS_ERR_SSL_WANT_WRITE, MBEDTLS_ERR_NET_SEND_FAILED);
}

int receive_from_socket(void* context, unsigned char* buffer, std::size_t capacity) {
    const ssize_t received = ::recv(socket_of(context), buffer, bounded(capacity), 0);
    if (received >= 0) {
        return static_cast<int>(received);
    }
    return failure(errno, MBEDTLS_ERR_SSL_WANT_READ, MBEDTLS_ERR_NET_RECV_FAILED);
}

std::optional<unsigned char> unread_fatal_alert(int fd) {
    // A TLS record header (type 21 alert, version, length 2) and the alert (level 2 fatal,
    // description).
    constexpr std::size_t kAlertRecordSize = 7;
    unsigned char record[kAlertRecordSize] = {};
    const ssize_t received = ::recv(fd, record, sizeof record, MSG_DONTWAIT);
    if (received != static_cast<ssize_t>(sizeof record) || record[0] != MBEDTLS_SSL_MSG_ALERT ||
        record[1] != MBEDTLS_SSL_MAJOR_VERSION_3 || record[3] != 0 || record[4] != 2 ||
        record[5] != MBEDTLS_SSL_ALERT_LEVEL_FATAL) {
        return std::nullopt;
    }
    return record[6];
}

}  // namespace defender::mqtt
