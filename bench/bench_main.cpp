// SPDX-License-Identifier: Apache-2.0
// Entry point of defender_bench: one benchmark file per pipeline stage.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
