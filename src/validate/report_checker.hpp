// SPDX-License-Identifier: Apache-2.0
#pragma once
// Checks one decoded report document against the v1.0 schema.

#include <cstddef>
#include <optional>
#include <string_view>

#include "defender/validate.hpp"
#include "encode/document.hpp"

namespace defender {

/// The key style named by the first top-level member that is `header`, `metrics`,
/// `custom_metrics` or one of their short forms; nullopt if there is none.
std::optional<KeyStyle> detect_key_style(const Document& document);

/// Validates `document`, whose encoded form (in `format`) is `encoded_size` bytes long.
ValidationResult check_report_document(const Document& document, Format format,
                                       std::size_t encoded_size);

/// validate_report, also giving the document read (null when it could not be read), so that
/// a caller needing a value of the report (the emulator: its report id) parses it only once.
ValidationResult validate_report(std::string_view bytes, Document& document);

}  // namespace defender
