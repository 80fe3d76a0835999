// The report decoder and the `check` validator: any bytes, as JSON, CBOR or a stream of them.
// A report that `check` passes and the decoder reads must re-encode (JSON and CBOR) and decode
// to the same report id. (The decoder alone is lenient: it reads a NaN custom metric from CBOR,
// which `check` rejects and JSON cannot carry.)
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "defender/encode.hpp"
#include "defender/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto validation = defender::validate_report(bytes);
    (void)defender::validate_reports(bytes);
    const auto report = defender::decode(bytes);
    if (!report || !validation.valid()) return 0;
    for (const auto format : {defender::Format::json, defender::Format::cbor}) {
        const auto again = defender::decode(defender::encode(*report, {format}));
        if (!again || again->report_id != report->report_id) __builtin_trap();
    }
    return 0;
}
