// SPDX-License-Identifier: Apache-2.0
// /proc/stat `cpu ` line parser: any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/proc_stat.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto times = defender::parse_proc_stat(text);
    if (times && times->busy > times->total) __builtin_trap();
    return 0;
}
