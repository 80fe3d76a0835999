// SPDX-License-Identifier: Apache-2.0
#pragma once
// Big-endian integers in byte strings (event-stream is big-endian throughout).

#include <cstdint>
#include <string>
#include <string_view>

namespace defender::eventstream {

template <class T>
T read_be(std::string_view bytes, std::size_t offset) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        value = (value << 8) | static_cast<std::uint8_t>(bytes[offset + i]);
    return static_cast<T>(value);
}

template <class T>
void append_be(std::string& out, T value) {
    const auto bits = static_cast<std::uint64_t>(value);
    for (std::size_t i = sizeof(T); i-- > 0;)
        out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFFu));
}

}  // namespace defender::eventstream
