#include "cli/mqtt_module.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace defender::cli {
namespace {

struct ModuleNames {
    const char* file;
    const char* override_variable;
};

ModuleNames names_of(MqttStack stack) {
    return stack == MqttStack::Paho
               ? ModuleNames{"defender-mqtt.so", "DEFENDER_MQTT_MODULE"}
               : ModuleNames{"defender-mqtt-lean.so", "DEFENDER_MQTT_LEAN_MODULE"};
}

std::vector<std::filesystem::path> candidate_paths(MqttStack stack) {
    const auto [kModuleFile, variable] = names_of(stack);
    std::vector<std::filesystem::path> paths;
    if (const char* path = std::getenv(variable); path && *path) paths.emplace_back(path);
    std::error_code error;
    const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        paths.push_back(executable.parent_path() / kModuleFile);
        // An installed tree, wherever its prefix: <prefix>/bin/defender, <libdir>/defender/.
        paths.push_back(
            (executable.parent_path() / DEFENDER_MODULE_RELDIR / kModuleFile).lexically_normal());
    }
    paths.push_back(std::filesystem::path(DEFENDER_MODULE_DIR) / kModuleFile);
    return paths;
}

Result<const MqttModule*> load(MqttStack stack) {
    std::string tried;
    for (const auto& path : candidate_paths(stack)) {
        if (!std::filesystem::exists(path)) {
            tried += (tried.empty() ? "" : "; ") + path.string() + ": not found";
            continue;
        }
        // Kept open for the life of the process: the transport's code lives there.
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            tried += (tried.empty() ? "" : "; ") + std::string(::dlerror());
            continue;
        }
        using Entry = const MqttModule* (*)();
        const auto entry = reinterpret_cast<Entry>(::dlsym(handle, kMqttModuleSymbol));
        const MqttModule* module = entry ? entry() : nullptr;
        if (module == nullptr || module->version != kMqttModuleVersion) {
            tried +=
                (tried.empty() ? "" : "; ") + path.string() + ": not a module of this defender";
            continue;
        }
        return module;
    }
    return Error{"cannot load the MQTT module (" + tried + ")"};
}

}  // namespace

Result<const MqttModule*> mqtt_module(MqttStack stack) {
    if (stack == MqttStack::Paho) {
        static const Result<const MqttModule*> paho = load(MqttStack::Paho);
        return paho;
    }
    static const Result<const MqttModule*> lean = load(MqttStack::Lean);
    return lean;
}

}  // namespace defender::cli
