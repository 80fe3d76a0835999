// SPDX-License-Identifier: Apache-2.0
#include "cli/console_module.hpp"

#include "cli/module_loader.hpp"

namespace defender::cli {

Result<const console::ConsoleModule*> console_module() {
    static const Result<const console::ConsoleModule*> module = load_module<console::ConsoleModule>(
        "defender-console.so", "DEFENDER_CONSOLE_MODULE", kConsoleModuleSymbol,
        console::kConsoleModuleVersion, "console module");
    return module;
}

}  // namespace defender::cli
