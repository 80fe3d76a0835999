// SPDX-License-Identifier: Apache-2.0
#pragma once
// Finding and opening the executable's modules (defender-mqtt.so, defender-console.so): shared
// objects loaded on demand, so that a command that does not need one never maps it.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "defender/result.hpp"

namespace defender::cli {

/// Where a module named `file` may be, in order: $`variable` when set, the executable's
/// directory, the install's module directory relative to the executable, DEFENDER_MODULE_DIR.
std::vector<std::filesystem::path> module_paths(const char* file, const char* variable);

/// Opens `path` for the life of the process and returns its `symbol`, or nullptr after
/// appending why not to `tried` ("…: not found", the loader's message).
void* open_module_entry(const std::filesystem::path& path, const char* symbol, std::string& tried);

/// Appends one reason to a "; "-separated list.
void note_tried(std::string& tried, const std::string& reason);

/// The module `file` whose entry `symbol` returns a Module of `version`: the first candidate
/// of module_paths() that is one, else "cannot load the <what> (<every candidate tried>)".
template <typename Module>
Result<const Module*> load_module(const char* file, const char* variable, const char* symbol,
                                  int version, std::string_view what) {
    std::string tried;
    for (const auto& path : module_paths(file, variable)) {
        void* entry = open_module_entry(path, symbol, tried);
        if (entry == nullptr) continue;
        const Module* module = reinterpret_cast<const Module* (*)()>(entry)();
        if (module == nullptr || module->version != version) {
            note_tried(tried, path.string() + ": not a module of this defender");
            continue;
        }
        return module;
    }
    return Error{"cannot load the " + std::string(what) + " (" + tried + ")"};
}

}  // namespace defender::cli
