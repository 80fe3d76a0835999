// SPDX-License-Identifier: Apache-2.0
#include "util/printable.hpp"

#include <cstdio>

namespace defender::util {

std::string printable(std::string_view text, std::size_t max_bytes) {
    std::string out;
    const std::size_t kept = text.size() > max_bytes ? max_bytes : text.size();
    out.reserve(kept);
    for (std::size_t i = 0; i < kept; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
                    out += escaped;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    if (kept < text.size()) out += "…(" + std::to_string(text.size() - kept) + " more bytes)";
    return out;
}

}  // namespace defender::util
