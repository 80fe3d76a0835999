// SPDX-License-Identifier: Apache-2.0
#pragma once
// The netlink sockets' owner: the project's one file-descriptor wrapper.

#include "util/unique_fd.hpp"

namespace defender::netlink {

using UniqueFd = util::UniqueFd;

}  // namespace defender::netlink
