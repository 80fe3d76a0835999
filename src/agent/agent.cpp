// SPDX-License-Identifier: Apache-2.0
#include "defender/agent.hpp"

#include "agent/agent_loop.hpp"
#include "agent/loop_clock.hpp"

namespace defender {

// The agent's loop on the system's clocks (agent_loop.hpp).
class Agent::Loop {
public:
    Loop(AgentOptions options, Collector& collector, Transport& transport, LogSink log)
        : loop(std::move(options), collector, transport, std::move(log), clock) {}

    SystemLoopClock clock;
    AgentLoop loop;
};

Agent::Agent(AgentOptions options, Collector& collector, Transport& transport, LogSink log)
    : loop_(std::make_unique<Loop>(std::move(options), collector, transport, std::move(log))) {}
Agent::~Agent() = default;
AgentCounts Agent::run() {
    return loop_->loop.run();
}
void Agent::stop() {
    loop_->loop.stop();
}
void Agent::reconfigure(AgentOptions options) {
    loop_->loop.reconfigure(std::move(options));
}

}  // namespace defender
