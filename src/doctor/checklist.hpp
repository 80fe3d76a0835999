// SPDX-License-Identifier: Apache-2.0
#pragma once
// `defender doctor`'s output, without I/O: the checklist of the connection steps (text and
// JSON), and what the first failing step means and what to do about it.

#include <cstdint>
#include <string>
#include <vector>

namespace defender::doctor {

enum class StepState { ok, failed, skipped };

/// One line of the checklist.
struct Step {
    std::string name;  ///< "resolve", "TCP connect", ...
    StepState state = StepState::skipped;
    std::string detail;              ///< one line; empty for a skipped step
    std::vector<std::string> notes;  ///< more lines under it (the server's certificate chain)
    /// What failed (a key of advice_for(): "tls_untrusted", "reply_timeout", ...); "" for none.
    std::string failure;
};

/// What the advice names: the settings the check ran with.
struct Context {
    std::string endpoint;
    std::uint16_t port = 0;
    std::string client_id;
    std::string thing_name;
    std::string root_ca;
    std::string signing_region;
    double reply_timeout = 0;  ///< seconds
};

/// What a failure means and what to do, each a short paragraph.
struct Advice {
    std::string meaning;
    std::string fix;
};

/// The advice for a failure key (connection_probe.hpp's keys, and config, socket, ipc,
/// publish, reply_rejected, reply_timeout); a general one for an unknown key.
Advice advice_for(const std::string& failure, const Context& context);

/// The steps `done` ran, then the rest of `names` as skipped (after a failure, or not run).
std::vector<Step> complete(std::vector<Step> done, const std::vector<std::string>& names);

/// The first failed step, or nullptr.
const Step* first_failure(const std::vector<Step>& steps);

/// The checklist for a terminal: one "[ ok ] name: detail" line per step ("[FAIL]",
/// "[skip]"), notes indented under it, then the first failure's meaning and fix.
std::string render_text(const std::vector<Step>& steps, const Context& context);

/// The same as one JSON object: {"ok": bool, "steps": [{"name", "result" ("ok", "fail",
/// "skip"), "detail", "notes", "failure"}], "failure": {"step", "meaning", "fix"} (only
/// after a failure)}, one line.
std::string render_json(const std::vector<Step>& steps, const Context& context);

}  // namespace defender::doctor
