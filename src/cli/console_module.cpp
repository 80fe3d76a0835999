// SPDX-License-Identifier: Apache-2.0
#include "cli/console_module.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace defender::cli {
namespace {

constexpr const char* kModuleFile = "defender-console.so";
constexpr const char* kOverrideVariable = "DEFENDER_CONSOLE_MODULE";

std::vector<std::filesystem::path> candidate_paths() {
    std::vector<std::filesystem::path> paths;
    if (const char* path = std::getenv(kOverrideVariable); path && *path) paths.emplace_back(path);
    std::error_code error;
    const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        paths.push_back(executable.parent_path() / kModuleFile);
        paths.push_back(
            (executable.parent_path() / DEFENDER_MODULE_RELDIR / kModuleFile).lexically_normal());
    }
    paths.push_back(std::filesystem::path(DEFENDER_MODULE_DIR) / kModuleFile);
    return paths;
}

Result<const console::ConsoleModule*> load() {
    std::string tried;
    for (const auto& path : candidate_paths()) {
        if (!std::filesystem::exists(path)) {
            tried += (tried.empty() ? "" : "; ") + path.string() + ": not found";
            continue;
        }
        // Kept open for the life of the process: the console's code lives there.
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            tried += (tried.empty() ? "" : "; ") + std::string(::dlerror());
            continue;
        }
        using Entry = const console::ConsoleModule* (*)();
        const auto entry = reinterpret_cast<Entry>(::dlsym(handle, kConsoleModuleSymbol));
        const console::ConsoleModule* module = entry ? entry() : nullptr;
        if (module == nullptr || module->version != console::kConsoleModuleVersion) {
            tried +=
                (tried.empty() ? "" : "; ") + path.string() + ": not a module of this defender";
            continue;
        }
        return module;
    }
    return Error{"cannot load the console module (" + tried + ")"};
}

}  // namespace

Result<const console::ConsoleModule*> console_module() {
    static const Result<const console::ConsoleModule*> module = load();
    return module;
}

}  // namespace defender::cli
