// SPDX-License-Identifier: Apache-2.0
#include <type_traits>

#include "defender/report.hpp"

namespace defender {

const char* value_key(const CustomValue& value) {
    return std::visit(
        [](const auto& alternative) -> const char* {
            using T = std::decay_t<decltype(alternative)>;
            if constexpr (std::is_same_v<T, NumberValue>) return "number";
            if constexpr (std::is_same_v<T, NumberListValue>) return "number_list";
            if constexpr (std::is_same_v<T, StringListValue>) return "string_list";
            if constexpr (std::is_same_v<T, IpListValue>) return "ip_list";
        },
        value);
}

}  // namespace defender
