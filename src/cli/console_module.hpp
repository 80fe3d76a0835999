// SPDX-License-Identifier: Apache-2.0
#pragma once
// Loads the console module (defender-console.so: the web console of `detect --http`) when
// --http is given, from $DEFENDER_CONSOLE_MODULE, next to the executable (build tree), or in
// the installed module directory.

#include "console/console_module_api.hpp"
#include "defender/result.hpp"

namespace defender::cli {

/// The module, loaded once and kept for the life of the process. The error names every path
/// tried and why it failed.
Result<const console::ConsoleModule*> console_module();

}  // namespace defender::cli
