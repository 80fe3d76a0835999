// SPDX-License-Identifier: Apache-2.0
// The fault matrix: the real agent against a real mosquitto while things go wrong. In each
// case the agent keeps running, recovers by itself, loses no traffic (docs: decisions.md,
// "Delta baseline": the accepted reports' network_stats add up exactly to the change of the
// counters) and logs one clear line per fault, not one per report.
//
// The counters come from a procfs the test writes (--procfs), so the sums are exact.

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

#include <thread>

#include "blackhole_proxy.hpp"
#include "defender/topics.hpp"
#include "fake_procfs.hpp"
#include "fault_rig.hpp"

namespace defender::test {
namespace {

using namespace std::chrono_literals;

class FaultMatrix : public ::testing::Test {
protected:
    explicit FaultMatrix(bool persistent_broker = true)
        : rig_(persistent_broker),
          procfs_(rig_.work() / "procfs", DEFENDER_FIXTURES "/proc/gateway") {
        procfs_.set_counters(1000, 10, 2000, 20);
    }

    ProcessOptions agent_options(const std::string& thing, std::vector<std::string> extra = {},
                                 const std::string& reply_timeout = "2") {
        std::vector<std::string> args{
            "-t", thing, "--procfs", procfs_.root().string(), "--reply-timeout", reply_timeout};
        args.insert(args.end(), extra.begin(), extra.end());
        return rig_.agent(args);
    }

    // Adds traffic on eth0.
    void add_traffic(std::uint64_t bytes, std::uint64_t packets) {
        bytes_in_ += bytes;
        packets_in_ += packets;
        bytes_out_ += 2 * bytes;
        packets_out_ += 2 * packets;
        procfs_.set_counters(1000 + bytes_in_, 10 + packets_in_, 2000 + bytes_out_,
                             20 + packets_out_);
    }

    std::size_t accepted() const { return accepted_ids(rig_).size(); }

    // After the last change of the counters: two more accepted reports, and then, once the
    // reports still in flight at the change are answered too (after an outage several can
    // be), the accepted reports must account for every byte and packet, once. Waiting for
    // the sum rather than a count of reports: a surplus (traffic counted twice) never
    // settles and fails after the deadline, as a shortfall does.
    void expect_nothing_lost(ChildProcess& agent) {
        const auto seen = accepted();
        ASSERT_TRUE(rig_.wait_for_accepted(seen + 2, 30s)) << agent.stderr_text();
        const auto settled = [&] {
            const auto sum = accepted_traffic(rig_);
            return sum.bytes_in == bytes_in_ && sum.packets_in == packets_in_ &&
                   sum.bytes_out == bytes_out_ && sum.packets_out == packets_out_;
        };
        eventually(settled, 10s);
        const auto sum = accepted_traffic(rig_);
        EXPECT_EQ(sum.bytes_in, bytes_in_) << sum.reports << " reports\n"
                                           << agent.stderr_text() << describe_reports(rig_);
        EXPECT_EQ(sum.packets_in, packets_in_);
        EXPECT_EQ(sum.bytes_out, bytes_out_);
        EXPECT_EQ(sum.packets_out, packets_out_);
    }

    AgentRig rig_;
    FakeProcfs procfs_;
    std::uint64_t bytes_in_ = 0, packets_in_ = 0, bytes_out_ = 0, packets_out_ = 0;
};

TEST_F(FaultMatrix, BrokerDownAtStartOneWarningThenReportsWhenItComes) {
    rig_.broker().stop();
    ChildProcess agent(agent_options("thing-late", {"-i", "0.2"}));
    ASSERT_TRUE(
        eventually([&] { return count_lines(agent.stderr_text(), "cannot connect") >= 3; }, 20s));
    rig_.broker().start();
    rig_.start_emulator(0);
    ASSERT_TRUE(rig_.wait_for_accepted(2, 30s)) << agent.stderr_text();
    add_traffic(700, 7);
    expect_nothing_lost(agent);
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, "cannot connect"), 1u) << log;
    EXPECT_EQ(count_lines(log, "connected again after"), 1u) << log;
}

TEST_F(FaultMatrix, BrokerKilledInTheMiddleOfAPublish) {
    rig_.start_emulator(0);
    ChildProcess agent(agent_options("thing-kill", {"-i", "0.3"}));
    ASSERT_TRUE(rig_.wait_for_accepted(2, 20s)) << agent.stderr_text();
    add_traffic(1000, 10);
    ASSERT_TRUE(rig_.wait_for_accepted(accepted() + 1, 20s));
    // Frozen, the broker takes the next report but never acknowledges it; then it dies.
    rig_.broker().pause();
    add_traffic(3000, 30);
    const auto published_before = count_lines(agent.stderr_text(), "published report");
    std::this_thread::sleep_for(1s);
    rig_.broker().kill();
    add_traffic(500, 5);
    // Killed, the broker forgets the emulator's subscription: hold the agent until the
    // emulator is back, or the first report after the restart reaches nobody (and counts as
    // delivered when no reply comes, per decisions.md).
    agent.send_signal(SIGSTOP);
    rig_.broker().start();
    const bool emulator_back = eventually(
        [&] { return rig_.broker().log().find("as defender-emulator") != std::string::npos; }, 30s);
    std::this_thread::sleep_for(300ms);  // its SUBSCRIBE follows the CONNECT at once
    agent.send_signal(SIGCONT);
    ASSERT_TRUE(emulator_back) << rig_.broker().log();
    ASSERT_TRUE(
        eventually([&] { return count_lines(agent.stderr_text(), "connected again") >= 1; }, 30s))
        << agent.stderr_text();
    add_traffic(200, 2);
    expect_nothing_lost(agent);
    EXPECT_TRUE(agent.running());
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_GE(count_lines(log, "published report"), published_before);
    // One line for the publish that got no PUBACK and/or one for the lost connection.
    const auto fault_lines = count_warnings(log, "not acknowledged by the broker") +
                             count_warnings(log, "connection lost");
    EXPECT_GE(fault_lines, 1u) << log;
    EXPECT_LE(fault_lines, 2u) << log;
    EXPECT_LE(count_warnings(log, "cannot connect"), 1u) << log;
}

TEST_F(FaultMatrix, BrokerRestartedTenTimesInARow) {
    rig_.start_emulator(0);
    ChildProcess agent(agent_options("thing-restarts", {"-i", "0.2"}));
    ASSERT_TRUE(rig_.wait_for_accepted(2, 20s)) << agent.stderr_text();
    for (int i = 0; i < 10; ++i) {
        add_traffic(100 + i, 1);
        rig_.broker().restart();
        std::this_thread::sleep_for(300ms);
    }
    ASSERT_TRUE(
        eventually([&] { return count_lines(agent.stderr_text(), "connected again") >= 1; }, 30s))
        << agent.stderr_text();
    add_traffic(50, 1);
    expect_nothing_lost(agent);
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_GE(count_warnings(log, "connection lost"), 1u) << log;
    EXPECT_LE(count_warnings(log, "connection lost"), 10u) << log;
    // Each outage: at most one warning that the broker cannot be reached.
    EXPECT_LE(count_warnings(log, "cannot connect"), 10u) << log;
    EXPECT_LE(count_lines(log, "connected again"), 10u) << log;
}

TEST_F(FaultMatrix, HalfOpenConnectionIsDetectedByKeepAliveAndRecovered) {
    rig_.start_emulator(0);
    BlackholeProxy proxy(rig_.broker().port());
    ChildProcess agent(
        through_port(agent_options("thing-halfopen",
                                   {"-i", "0.5", "--keep-alive", "5", "--connect-timeout", "2"}),
                     proxy.port()));
    ASSERT_TRUE(rig_.wait_for_accepted(2, 20s)) << agent.stderr_text();
    proxy.go_silent();
    add_traffic(800, 8);
    // Keep-alive 5 s: a missing PINGRESP is noticed within about two keep-alive periods.
    ASSERT_TRUE(
        eventually([&] { return count_lines(agent.stderr_text(), "connection lost") >= 1; }, 30s))
        << agent.stderr_text();
    add_traffic(100, 1);
    proxy.forward();
    ASSERT_TRUE(
        eventually([&] { return count_lines(agent.stderr_text(), "connected again") >= 1; }, 30s))
        << agent.stderr_text();
    add_traffic(300, 3);
    expect_nothing_lost(agent);
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, "connection lost"), 1u) << log;
    EXPECT_LE(count_warnings(log, "not acknowledged by the broker"), 1u) << log;
    EXPECT_LE(count_warnings(log, "cannot connect"), 1u) << log;
}

TEST_F(FaultMatrix, NoRepliesAtAllOneWarningAndDeltasStillAddUp) {
    // No emulator: the broker acknowledges, nobody answers.
    ChildProcess agent(agent_options("thing-silent", {"-i", "0.3"}, "0.5"));
    ASSERT_TRUE(eventually(
        [&] { return count_lines(agent.stderr_text(), "no reply to report") >= 5; }, 20s))
        << agent.stderr_text();
    add_traffic(400, 4);
    ASSERT_TRUE(eventually(
        [&] { return count_lines(agent.stderr_text(), "no reply to report") >= 10; }, 20s));
    // The service comes back: unanswered reports counted as delivered, so the deltas of the
    // accepted ones start from the last unanswered report, nothing counted twice.
    rig_.start_emulator(0);
    add_traffic(600, 6);
    ASSERT_TRUE(eventually(
        [&] { return count_lines(agent.stderr_text(), "replies arrive again") == 1; }, 20s))
        << agent.stderr_text();
    const auto seen = accepted();
    ASSERT_TRUE(rig_.wait_for_accepted(seen + 2, 20s));
    const auto sum = accepted_traffic(rig_);
    EXPECT_EQ(sum.bytes_in, 600u) << "the unanswered reports carried the rest";
    EXPECT_EQ(sum.packets_in, 6u);
    EXPECT_TRUE(agent.running());
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, "no reply to report"), 1u) << log;
    EXPECT_EQ(count_lines(log, "replies arrive again"), 1u) << log;
}

TEST_F(FaultMatrix, ProcFilesVanishingMidRunOneErrorPerOutageAndNothingLost) {
    rig_.start_emulator(0);
    ChildProcess agent(agent_options("thing-procfs", {"-i", "0.2"}));
    ASSERT_TRUE(rig_.wait_for_accepted(2, 20s)) << agent.stderr_text();
    for (const std::string file : {"net/tcp", "net/dev"}) {
        procfs_.hide(file);
        add_traffic(900, 9);  // written while net/dev may be hidden: lands in the real file
        const auto failures = count_lines(agent.stderr_text(), "cannot collect metrics");
        ASSERT_TRUE(eventually(
            [&] {
                return count_lines(agent.stderr_text(), "cannot collect metrics") >= failures + 3;
            },
            20s))
            << agent.stderr_text();
        procfs_.restore(file);
        ASSERT_TRUE(eventually(
            [&] {
                return count_lines(agent.stderr_text(), "can be collected again") >=
                       (file == "net/tcp" ? 1u : 2u);
            },
            20s))
            << agent.stderr_text();
    }
    add_traffic(100, 1);
    expect_nothing_lost(agent);
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, "cannot collect metrics"), 2u) << log;
    EXPECT_EQ(count_lines(log, "can be collected again"), 2u) << log;
}

// Publishes `payload` on `topic` as a third client of the broker.
void inject(AgentRig& rig, const CertificateFiles& client, const std::string& topic,
            const std::string& payload) {
    const auto file = rig.work() / "payload";
    write_file(file, payload);
    const auto result =
        run_process({"mosquitto_pub", "-h", "localhost", "-p", std::to_string(rig.broker().port()),
                     "--cafile", rig.pki().ca_cert().string(), "--cert", client.cert.string(),
                     "--key", client.key.string(), "-q", "1", "-t", topic, "-f", file.string()},
                    10s);
    ASSERT_TRUE(result.status.success()) << result.stderr_text;
}

TEST_F(FaultMatrix, GarbageRepliesAreDroppedWithOneWarningAndReportingGoesOn) {
    rig_.start_emulator(0);
    ChildProcess agent(agent_options("thing-garbage", {"-i", "0.3"}));
    ASSERT_TRUE(rig_.wait_for_accepted(2, 20s)) << agent.stderr_text();
    const auto intruder = rig_.pki().issue_client("intruder", "intruder");
    const auto accepted_topic = *make_topic("thing-garbage", Format::json, TopicKind::accepted);
    const auto rejected_topic = *make_topic("thing-garbage", Format::json, TopicKind::rejected);
    add_traffic(2000, 20);
    const auto next_id = std::to_string(accepted_ids(rig_).back() + 1);
    for (const std::string& payload :
         {std::string("not JSON, not CBOR \x01\x02"), std::string("[1,2,3]"),
          std::string(R"({"thingName":7,"reportId":"soon","status":true})"),
          std::string(R"({"reportId":-1,"status":"ACCEPTED"})"), std::string("\xa1\x61")}) {
        inject(rig_, intruder, accepted_topic, payload);
        inject(rig_, intruder, rejected_topic, payload);
    }
    inject(rig_, intruder, accepted_topic, std::string(1 << 20, '{'));  // 1 MiB
    // Well-formed, but for another thing: on our topic, and on the other thing's topic.
    inject(rig_, intruder, accepted_topic,
           R"({"thingName":"other-thing","reportId":)" + next_id + R"(,"status":"ACCEPTED"})");
    inject(rig_, intruder, *make_topic("other-thing", Format::json, TopicKind::rejected),
           R"({"thingName":"other-thing","reportId":)" + next_id +
               R"(,"status":"REJECTED","statusDetails":{"ErrorCode":"Throttled"}})");
    add_traffic(300, 3);
    expect_nothing_lost(agent);
    EXPECT_TRUE(agent.running());
    EXPECT_TRUE(agent.stop(5s).success());
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, "ignored an unreadable reply"), 1u) << log;
    // Two of the ten are readable but answer nothing this agent waits for.
    EXPECT_GE(count_lines(log, "ignored an unreadable reply"), 8u) << "each one a debug line";
    EXPECT_EQ(count_lines(log, "ignored a 1048576-byte message"), 1u) << log;
    EXPECT_EQ(count_lines(log, "ignored a reply for thing other-thing"), 1u) << log;
    EXPECT_EQ(count_lines(log, "throttled"), 0u) << "a reply for another thing must not act";
    EXPECT_EQ(count_warnings(log, "rejected"), 0u) << log;
}

TEST_F(FaultMatrix, WallClockSteppingBackAnHourKeepsIdsIncreasingAndTheSchedule) {
    const std::string libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
    if (!std::filesystem::exists(libfaketime)) GTEST_SKIP() << "needs the faketime package";
    rig_.start_emulator(0);
    const auto offset_file = rig_.work() / "faketime";
    write_file(offset_file, "+0\n");
    auto options = agent_options("thing-clock", {"-i", "0.3"});
    // Only the wall clock moves: CLOCK_MONOTONIC stays real, as when NTP or a user steps it.
    options.environment = {"LD_PRELOAD=" + libfaketime,
                           "FAKETIME_TIMESTAMP_FILE=" + offset_file.string(), "FAKETIME_NO_CACHE=1",
                           "FAKETIME_DONT_FAKE_MONOTONIC=1"};
    ChildProcess agent(options);
    ASSERT_TRUE(rig_.wait_for_accepted(3, 20s)) << agent.stderr_text();
    add_traffic(100, 1);
    write_file(offset_file, "-3600\n");
    const auto before_step = accepted();
    // The schedule runs on the monotonic clock: reports keep coming, not an hour later.
    ASSERT_TRUE(rig_.wait_for_accepted(before_step + 5, 20s)) << agent.stderr_text();
    add_traffic(50, 1);
    expect_nothing_lost(agent);
    EXPECT_TRUE(agent.stop(5s).success());
    const auto ids = accepted_ids(rig_);
    for (std::size_t i = 1; i < ids.size(); ++i)
        EXPECT_GT(ids[i], ids[i - 1]) << "report ids must keep increasing across the step";
    const auto log = agent.stderr_text();
    EXPECT_EQ(count_warnings(log, "wall clock stepped back"), 1u) << log;
}

}  // namespace
}  // namespace defender::test
