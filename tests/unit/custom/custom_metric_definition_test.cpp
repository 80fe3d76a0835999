// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "custom/command_words.hpp"
#include "defender/custom_metrics.hpp"

namespace defender {
namespace {

using namespace std::chrono_literals;

CustomMetricDefinition parse_ok(const std::string& text) {
    auto parsed = parse_custom_metric_definition(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed ? "" : parsed.error().message);
    return parsed ? *parsed : CustomMetricDefinition{};
}

std::string parse_error(const std::string& text) {
    auto parsed = parse_custom_metric_definition(text);
    return parsed ? std::string("(accepted)") : parsed.error().message;
}

TEST(CustomMetricDefinition, FileSourceWithType) {
    const auto definition =
        parse_ok("name=temperature,type=number,file=/sys/class/thermal/thermal_zone0/temp");
    EXPECT_EQ(definition.name, "temperature");
    EXPECT_EQ(definition.type, CustomMetricType::number);
    const auto& file = std::get<FileSource>(definition.source);
    EXPECT_EQ(file.path, "/sys/class/thermal/thermal_zone0/temp");
    EXPECT_EQ(file.max_bytes, kDefaultMaxSourceBytes);
}

TEST(CustomMetricDefinition, BuiltinTypeDefaultsToTheBuiltinsOwn) {
    EXPECT_EQ(parse_ok("name=ifs,builtin=interface_names").type, CustomMetricType::string_list);
    EXPECT_EQ(parse_ok("name=ips,builtin=interface_addresses").type,
              CustomMetricType::ip_address_list);
    const auto disk = parse_ok("name=disk:root,type=number,builtin=disk_used_percent,path=/var");
    const auto& source = std::get<BuiltinSource>(disk.source);
    EXPECT_EQ(source.metric, BuiltinMetric::disk_used_percent);
    EXPECT_EQ(source.path, "/var");
    EXPECT_EQ(std::get<BuiltinSource>(parse_ok("name=d,builtin=disk_used_percent").source).path,
              "/");
}

TEST(CustomMetricDefinition, CommandTakesTheRestOfTheTextWithCommasAndQuotes) {
    const auto definition = parse_ok(
        "name=queue,type=number-list,timeout=2.5,max-bytes=100,command=/bin/sh -c 'echo 1,2' "
        "\"a b\" c\\ d");
    const auto& command = std::get<CommandSource>(definition.source);
    EXPECT_EQ(command.argv, (std::vector<std::string>{"/bin/sh", "-c", "echo 1,2", "a b", "c d"}));
    EXPECT_EQ(command.timeout, 2500ms);
    EXPECT_EQ(command.max_output_bytes, 100u);
    EXPECT_EQ(std::get<CommandSource>(parse_ok("name=x,type=number,command=true").source).timeout,
              kDefaultCommandTimeout);
}

TEST(CustomMetricDefinition, AllTypeNames) {
    EXPECT_EQ(parse_ok("name=a,type=number,file=/f").type, CustomMetricType::number);
    EXPECT_EQ(parse_ok("name=a,type=number-list,file=/f").type, CustomMetricType::number_list);
    EXPECT_EQ(parse_ok("name=a,type=string-list,file=/f").type, CustomMetricType::string_list);
    EXPECT_EQ(parse_ok("name=a,type=ip-address-list,file=/f").type,
              CustomMetricType::ip_address_list);
}

TEST(CustomMetricDefinition, ErrorsSayWhatIsWrong) {
    EXPECT_EQ(parse_error("type=number,file=/f"), "name= is missing");
    EXPECT_EQ(parse_error("name=aws:cpu,type=number,file=/f"),
              "metric names starting with \"aws:\" are reserved");
    EXPECT_EQ(parse_error("name=my metric,type=number,file=/f"),
              "metric name contains space (only letters, digits, ':', '_' and '-' are allowed)");
    EXPECT_EQ(parse_error("name=" + std::string(129, 'a') + ",type=number,file=/f"),
              "metric name is 129 characters long, above the limit of 128");
    EXPECT_EQ(parse_error("name=x,file=/f"),
              "type= is missing (number, number-list, string-list or ip-address-list)");
    EXPECT_EQ(parse_error("name=x,type=ip-list,file=/f"),
              "unknown type \"ip-list\" (expected number, number-list, string-list or "
              "ip-address-list)");
    EXPECT_EQ(parse_error("name=x,type=number"),
              "give exactly one source: builtin=, file= or command=");
    EXPECT_EQ(parse_error("name=x,type=number,file=/f,builtin=uptime_seconds"),
              "give exactly one source: builtin=, file= or command=");
    EXPECT_EQ(parse_error("name=x,builtin=temperature"), "unknown builtin \"temperature\"");
    EXPECT_EQ(parse_error("name=x,type=string-list,builtin=uptime_seconds"),
              "builtin uptime_seconds gives a number, not a string-list");
    EXPECT_EQ(parse_error("name=x,builtin=uptime_seconds,path=/"),
              "path= applies to builtin=disk_used_percent only");
    EXPECT_EQ(parse_error("name=x,type=number,file=/f,timeout=3"),
              "timeout= applies to command= only");
    EXPECT_EQ(parse_error("name=x,type=number,timeout=0,command=true"),
              "timeout \"0\" is not a number of seconds in (0, 3600]");
    EXPECT_EQ(parse_error("name=x,type=number,max-bytes=lots,command=true"),
              "max-bytes \"lots\" is not a number of bytes in [1, 16777216]");
    EXPECT_EQ(parse_error("name=x,type=number,command="), "command= names no program");
    EXPECT_EQ(parse_error("name=x,type=number,command=echo 'a"), "command has an unclosed ' quote");
    EXPECT_EQ(parse_error("name=x,typ=number,file=/f"),
              "unknown key \"typ\" (expected name, type, builtin, path, file, command, timeout, "
              "max-bytes, env)");
    EXPECT_EQ(parse_error("name=x,type=number,env=HOME,file=/f"), "env= applies to command= only");
    EXPECT_EQ(parse_error("name=x,type=number,env=A::B,command=true"),
              "env= takes variable names separated by colons, not \"\"");
    EXPECT_EQ(parse_error("name=x,type=number,env=1X,command=true"),
              "env= takes variable names separated by colons, not \"1X\"");
    EXPECT_EQ(parse_error("name=x,name=y,type=number,file=/f"), "key \"name\" given twice");
    EXPECT_EQ(parse_error("name=x,number,file=/f"), "expected key=value, found \"number\"");
}

TEST(CustomMetricSet, RejectsDuplicatesAndBadCallbacks) {
    CustomMetricSet set;
    ASSERT_TRUE(set.add(parse_ok("name=up,builtin=uptime_seconds")).ok());
    const auto twice = set.add(parse_ok("name=up,builtin=process_count"));
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().message, "custom metric \"up\" is defined twice");
    const auto empty = set.add_callback("cb", CustomMetricType::number, {});
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().message, "custom metric \"cb\": the callback is empty");
    const auto reserved = set.add_callback("aws:cb", CustomMetricType::number,
                                           [] { return CustomValue{NumberValue{1}}; });
    ASSERT_FALSE(reserved.ok());
    EXPECT_EQ(set.size(), 1u);
}

TEST(CommandWords, EmptyQuotedWordsAndTrailingBackslash) {
    EXPECT_EQ(split_command_words("a '' \"\" b").value(),
              (std::vector<std::string>{"a", "", "", "b"}));
    EXPECT_EQ(split_command_words("  a\t b  ").value(), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(split_command_words("a\\").error().message, "command ends with a backslash");
}

}  // namespace
}  // namespace defender
