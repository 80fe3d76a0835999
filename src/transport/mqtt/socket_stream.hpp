// SPDX-License-Identifier: Apache-2.0
#pragma once
// A ByteStream straight over a socket: plain ws:// to a local test broker, and the unit tests'
// socketpairs.

#include "transport/mqtt/byte_stream.hpp"
#include "util/unique_fd.hpp"

namespace defender::mqtt {

class SocketStream final : public ByteStream {
public:
    /// Takes a connected socket; makes it non-blocking.
    explicit SocketStream(util::UniqueFd socket);

    IoOutcome read_some(char* buffer, std::size_t capacity) override;
    IoOutcome write_some(const char* data, std::size_t size) override;
    std::size_t pending() const override { return 0; }
    /// Shuts down the sending direction (the peer reads the end of the stream).
    void close() override;
    int fd() const override { return socket_.get(); }

private:
    util::UniqueFd socket_;
};

}  // namespace defender::mqtt
