// SPDX-License-Identifier: Apache-2.0
// /proc/net/dev parser: any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/proc_net_dev.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto table = defender::parse_proc_net_dev(text);
    for (const auto& counters : table.interfaces) {
        if (counters.name.find(':') != std::string::npos) __builtin_trap();
    }
    return 0;
}
