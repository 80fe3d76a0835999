// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file encode.hpp
/// Reports to bytes and back: JSON (compact or pretty) and CBOR, long or short names.
/// Target: Defender::defender (stage encode).

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "defender/format.hpp"
#include "defender/limits.hpp"
#include "defender/report.hpp"
#include "defender/result.hpp"

namespace defender {

/// How a report is encoded.
struct EncodeOptions {
    Format format = Format::json;          ///< JSON or CBOR.
    KeyStyle keys = KeyStyle::long_names;  ///< Long (`header`) or short (`hed`) field names.
    bool pretty = false;                   ///< JSON only: indented, one member per line
};

/// Encodes one report. CBOR uses text keys, integers as integers and definite lengths.
std::string encode(const Report& report, const EncodeOptions& options);

/// JSON if the first non-blank byte is `{`, CBOR if it is a CBOR map header, else nullopt.
std::optional<Format> detect_format(std::string_view bytes);

/// Decodes one report in either format and either key style.
/// Fails on anything that does not map onto the model (use validate_report for details).
Result<Report> decode(std::string_view bytes);

/// Encodes the report within `max_bytes`, shrinking its ports and connections lists by uniform
/// sampling until it fits (`total` fields keep the true counts). The report is modified to what
/// was encoded. Fails only when it cannot fit even with empty lists (e.g. huge custom metrics).
Result<std::string> encode_within_limits(Report& report, const EncodeOptions& options,
                                         std::size_t max_bytes, std::mt19937_64& random);

}  // namespace defender
