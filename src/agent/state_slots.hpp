// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent's state file as two slots written in place in turn: each slot is a header line
// ("#defender-state 1 seq=N bytes=L crc32=XXXXXXXX"), the state's JSON, and padding. A write
// neither creates an inode nor renames one (on ext4 each of those costs more CPU than the
// whole report cycle, and wears flash), and a process killed mid-write leaves the other slot
// whole. Not synced: what a power cut could roll back is covered by the id reserve.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "agent/state_file.hpp"
#include "util/unique_fd.hpp"

namespace defender {

/// True when `text` is a slotted state file (else it is plain JSON, as save_state writes).
bool is_slotted_state(std::string_view text);
/// The newest intact slot's state; the error names the file and why no slot is usable.
Result<AgentState> decode_slotted_state(std::string_view text, const std::string& file_name);
/// One slot of `size` bytes holding `state` with sequence number `sequence`; nullopt when
/// the state does not fit.
std::optional<std::string> encode_state_slot(const AgentState& state, std::uint64_t sequence,
                                             std::size_t size);

/// Writes the state file in place, alternating slots; the first write of a run (or one that
/// outgrows the slots) makes a fresh file through a temporary file and a rename.
class StateWriter {
public:
    explicit StateWriter(std::filesystem::path file) : file_(std::move(file)) {}
    Status write(const AgentState& state);
    const std::filesystem::path& file() const { return file_; }

private:
    Status recreate(const AgentState& state);

    std::filesystem::path file_;
    util::UniqueFd fd_;
    std::size_t slot_size_ = 0;
    std::uint64_t sequence_ = 0;
};

}  // namespace defender
