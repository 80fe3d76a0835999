// SPDX-License-Identifier: Apache-2.0
#include "custom/source_file.hpp"

#include "util/bounded_file.hpp"

namespace defender {

Result<std::string> read_source_file(const FileSource& file) {
    return util::read_bounded_file(file.path, file.max_bytes);
}

}  // namespace defender
