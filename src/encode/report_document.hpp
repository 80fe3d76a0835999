// SPDX-License-Identifier: Apache-2.0
#pragma once
// Report <-> generic document, with long or short keys from the one name table.

#include "defender/report.hpp"
#include "encode/document.hpp"

namespace defender {

Document to_document(const Report& report, KeyStyle style);

/// The style is taken from the header key (`header` or `hed`).
Result<Report> from_document(const Document& document);

}  // namespace defender
