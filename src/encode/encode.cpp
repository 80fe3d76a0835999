// SPDX-License-Identifier: Apache-2.0
#include "defender/encode.hpp"

#include "encode/report_document.hpp"

namespace defender {

std::string encode(const Report& report, const EncodeOptions& options) {
    return serialize_document(to_document(report, options.keys), options.format, options.pretty);
}

Result<Report> decode(std::string_view bytes) {
    auto parsed = parse_document(bytes);
    if (!parsed) return parsed.error();
    return from_document(parsed->document);
}

}  // namespace defender
