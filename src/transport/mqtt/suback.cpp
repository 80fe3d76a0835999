// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/suback.hpp"

namespace defender::mqtt {

Status check_suback(const std::vector<std::string>& topic_filters,
                    const std::vector<int>& return_codes) {
    for (std::size_t i = 0; i < topic_filters.size() && i < return_codes.size(); ++i) {
        if (return_codes[i] >= kSubscriptionRefused) {
            return Error{"broker refused subscription to " + topic_filters[i]};
        }
    }
    if (return_codes.size() != topic_filters.size()) {
        return Error{"SUBACK has " + std::to_string(return_codes.size()) + " return codes for " +
                     std::to_string(topic_filters.size()) + " topic filters"};
    }
    return Done{};
}

}  // namespace defender::mqtt
