// SPDX-License-Identifier: Apache-2.0
#include "cli/module_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>

namespace defender::cli {

std::vector<std::filesystem::path> module_paths(const char* file, const char* variable) {
    std::vector<std::filesystem::path> paths;
    if (const char* path = std::getenv(variable); path && *path) paths.emplace_back(path);
    std::error_code error;
    const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        paths.push_back(executable.parent_path() / file);
        // An installed tree, wherever its prefix: <prefix>/bin/defender, <libdir>/defender/.
        paths.push_back(
            (executable.parent_path() / DEFENDER_MODULE_RELDIR / file).lexically_normal());
    }
    paths.push_back(std::filesystem::path(DEFENDER_MODULE_DIR) / file);
    return paths;
}

void note_tried(std::string& tried, const std::string& reason) {
    tried += (tried.empty() ? "" : "; ") + reason;
}

void* open_module_entry(const std::filesystem::path& path, const char* symbol, std::string& tried) {
    if (!std::filesystem::exists(path)) {
        note_tried(tried, path.string() + ": not found");
        return nullptr;
    }
    // Never closed: the module's code serves the process until it ends.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        note_tried(tried, ::dlerror());
        return nullptr;
    }
    void* entry = ::dlsym(handle, symbol);
    if (entry == nullptr) note_tried(tried, path.string() + ": not a module of this defender");
    return entry;
}

}  // namespace defender::cli
