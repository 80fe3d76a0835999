// SPDX-License-Identifier: Apache-2.0
#pragma once
// mbed TLS bio callbacks on a non-blocking socket: `context` points to the int file descriptor.

#include <cstddef>
#include <optional>

namespace defender::mqtt {

/// send(MSG_NOSIGNAL); MBEDTLS_ERR_SSL_WANT_WRITE when the socket is full.
int send_on_socket(void* context, const unsigned char* data, std::size_t size);
/// recv(); MBEDTLS_ERR_SSL_WANT_READ when nothing has arrived, 0 at end of stream.
int receive_from_socket(void* context, unsigned char* buffer, std::size_t capacity);

/// The description of a plaintext fatal alert record waiting unread on `fd`, if that is what
/// the socket holds: a server that refuses the client's certificate sends one and closes,
/// and mbed TLS, still sending its own flight, sees only the reset.
std::optional<unsigned char> unread_fatal_alert(int fd);

}  // namespace defender::mqtt
