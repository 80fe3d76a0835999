// SPDX-License-Identifier: Apache-2.0
// The report decoder and the `check` validator: any bytes, as JSON, CBOR or a stream of them.
// A report that `check` passes and the decoder reads must re-encode (JSON and CBOR) and decode
// to the same report id. (The decoder alone is lenient: it reads a NaN custom metric from CBOR,
// which `check` rejects and JSON cannot carry.) A JSON document read within the limits (depth,
// members, no duplicate key) must serialize and read back unchanged: the pre-scan that
// delimits a document and the builder that enforces the limits agree.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "defender/encode.hpp"
#include "defender/validate.hpp"
#include "encode/document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto validation = defender::validate_report(bytes);
    (void)defender::validate_reports(bytes);
    if (const auto read = defender::read_document(bytes);
        read && !read->refusal && read->format == defender::Format::json) {
        const auto text = defender::serialize_document(read->document, defender::Format::json);
        const auto again = defender::parse_document(text, defender::Format::json);
        // (Numbers may grow when written back, `1e9` as `1000000000.0`, beyond the size limit.)
        if (text.size() <= defender::kMaxPayloadBytes && (!again || *again != read->document)) {
            __builtin_trap();
        }
    }
    const auto report = defender::decode(bytes);
    if (!report || !validation.valid()) return 0;
    for (const auto format : {defender::Format::json, defender::Format::cbor}) {
        const auto again = defender::decode(defender::encode(*report, {format}));
        if (!again || again->report_id != report->report_id) __builtin_trap();
    }
    return 0;
}
