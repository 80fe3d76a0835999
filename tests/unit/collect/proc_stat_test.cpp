// SPDX-License-Identifier: Apache-2.0
#include "collect/proc_stat.hpp"

#include <gtest/gtest.h>

namespace defender {
namespace {

TEST(ProcStat, SumsTheFirstEightColumns) {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const auto times = parse_proc_stat(
        "cpu  8149 13 2658 60370 566 7 54 26 100 5\n"
        "cpu0 5194 0 1117 29588 22 0 18 10 0 0\n");
    ASSERT_TRUE(times.has_value());
    EXPECT_EQ(times->total, 8149u + 13 + 2658 + 60370 + 566 + 7 + 54 + 26);
    EXPECT_EQ(times->busy, 8149u + 13 + 2658 + 7 + 54 + 26);
}

TEST(ProcStat, FindsTheAggregateLineAnywhere) {
    const auto times = parse_proc_stat("intr 1 2 3\ncpu0 1 1 1 1\ncpu 1 2 3 4 5 6 7 8\n");
    ASSERT_TRUE(times.has_value());
    EXPECT_EQ(times->total, 36u);
    EXPECT_EQ(times->busy, 27u);
}

TEST(ProcStat, OldKernelsWithFewerColumns) {
    const auto times = parse_proc_stat("cpu  10 20 30 40\n");
    ASSERT_TRUE(times.has_value());
    EXPECT_EQ(times->total, 100u);
    EXPECT_EQ(times->busy, 60u);
}

TEST(ProcStat, LargeValues) {
    const auto times = parse_proc_stat("cpu  5000000000 0 0 6000000000 0 0 0 0 0 0");
    ASSERT_TRUE(times.has_value());
    EXPECT_EQ(times->total, 11000000000u);
    EXPECT_EQ(times->busy, 5000000000u);
}

TEST(ProcStat, RejectsMalformedOrMissingLine) {
    EXPECT_FALSE(parse_proc_stat("").has_value());
    EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n").has_value());
    EXPECT_FALSE(parse_proc_stat("cpu  1 2 3\n").has_value());
    EXPECT_FALSE(parse_proc_stat("cpu  1 2 x 4\n").has_value());
    EXPECT_FALSE(parse_proc_stat("cpu  1 2 3 4x\n").has_value());
    EXPECT_FALSE(parse_proc_stat("cpu  1 2 3 -4\n").has_value());
    EXPECT_FALSE(parse_proc_stat("cpu\n").has_value());
}

TEST(ProcStat, ReadsFixtureAndNamesMissingFile) {
    const auto times = read_cpu_times(DEFENDER_FIXTURES "/proc/gateway");
    ASSERT_TRUE(times.ok()) << times.error().message;
    EXPECT_EQ(times->total, 71843u);
    EXPECT_EQ(times->busy, 10907u);

    const auto missing = read_cpu_times("/nonexistent");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "cannot read /nonexistent/stat: No such file or directory");
}

TEST(ProcStat, ColumnsSummingBeyond64BitsAreMalformed) {
    // Found by fuzz/proc_stat_fuzzer: the sum wrapped and busy came out above total.
    EXPECT_EQ(parse_proc_stat("cpu  18446744073709551615 1 0 0\n"), std::nullopt);
}

}  // namespace
}  // namespace defender
