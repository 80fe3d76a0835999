// SPDX-License-Identifier: Apache-2.0
#pragma once
// The console's pages, scripts and styles: every file of src/console/assets/, embedded into the
// module at build time (cmake/embed_assets.cmake writes the table).

#include <span>
#include <string_view>

namespace defender::console {

/// One embedded file.
struct Asset {
    std::string_view name;          ///< its path under src/console/assets/, e.g. "app.js"
    std::string_view content_type;  ///< from its extension
    std::string_view bytes;         ///< its contents
};

/// Every embedded file, in name order.
std::span<const Asset> assets();

/// The embedded file of this name; nullptr when there is none.
inline const Asset* find_asset(std::string_view name) {
    for (const auto& asset : assets()) {
        if (asset.name == name) return &asset;
    }
    return nullptr;
}

}  // namespace defender::console
