// SPDX-License-Identifier: Apache-2.0
#pragma once
// `defender collect --format table`: a report as aligned columns for a person, like
// `ss -tulpn`. A pure renderer of the same Report the JSON encoder gets: listening ports with
// interface names (`*` for a wildcard bind), established connections grouped by remote
// address, traffic since the previous sample (and rates per second when the time between the
// samples is known), custom metrics. Every text cell is made printable first (interface
// names, metric names and string values can carry escape sequences).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "defender/report.hpp"

namespace defender::view {

/// How the table is drawn.
struct TableStyle {
    /// Bold column headers and colored section titles (ANSI SGR); plain text otherwise.
    bool color = false;
    /// Seconds between the previous sample and this one: traffic gets rates per second.
    std::optional<double> seconds_since_previous;
};

/// The report as a table; ends with a newline.
std::string render_table(const Report& report, const TableStyle& style);

/// Whether to color: only on a terminal, without `--no-color`, and with `NO_COLOR` unset or
/// empty (https://no-color.org: any non-empty value disables color).
bool use_color(bool terminal, bool no_color_option, const char* no_color_environment);

/// `text` safe for one cell of a terminal table: control characters as `\n`, `\t`, `\xNN`;
/// C1 controls, bidirectional overrides and bytes that are not UTF-8 as `\xNN` or `\u{...}`;
/// past `max_bytes` of input, "…(N more bytes)".
std::string cell_text(std::string_view text, std::size_t max_bytes = 256);

/// Columns `text` takes on a terminal: one per code point (wide characters are not measured).
std::size_t display_width(std::string_view text);

}  // namespace defender::view
