// SPDX-License-Identifier: Apache-2.0
// The agent's state file: any bytes load as a state or as an error, never a crash; a state
// that loads survives a round trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/state_file.hpp"
#include "agent/state_slots.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    // The slotted form (what the agent writes) must pick an intact slot or refuse.
    if (const auto slotted = defender::decode_slotted_state(text, "state.json")) {
        const auto slot = defender::encode_state_slot(*slotted, 1, 1 << 20);
        if (!slot || !defender::decode_slotted_state(*slot + *slot, "state.json")) __builtin_trap();
    }
    const auto state = defender::decode_state(text, "state.json");
    if (!state) return 0;
    const auto again = defender::decode_state(defender::encode_state(*state), "state.json");
    if (!again || again->last_report_id != state->last_report_id ||
        again->boot_id != state->boot_id) {
        __builtin_trap();
    }
    return 0;
}
