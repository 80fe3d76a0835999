// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file validate.hpp
/// Checks encoded reports against the Device Defender v1.0 schema and data rules.
/// Target: Defender::defender (stage validate).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "defender/format.hpp"

namespace defender {

/// One broken rule of a report.
struct Violation {
    std::string pointer;  ///< JSON pointer (RFC 6901) of the offending value; "" for the document
    std::string reason;   ///< what is wrong
    friend bool operator==(const Violation&, const Violation&) = default;
};

/// The outcome of validating one report.
struct ValidationResult {
    std::optional<Format> format;       ///< nullopt when the bytes are neither JSON nor CBOR
    std::optional<KeyStyle> style;      ///< nullopt when it cannot be told
    std::vector<Violation> violations;  ///< every broken rule, in document order
    /// True when no rule is broken.
    bool valid() const { return violations.empty(); }
};

/// Validates one encoded report (JSON or CBOR, detected; long or short names, detected).
ValidationResult validate_report(std::string_view bytes);

/// Splits concatenated documents (JSON texts or a CBOR sequence, as `defender collect -n N`
/// writes them) and validates each; empty input gives one result with a violation.
std::vector<ValidationResult> validate_reports(std::string_view bytes);

}  // namespace defender
