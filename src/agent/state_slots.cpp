// SPDX-License-Identifier: Apache-2.0
#include "agent/state_slots.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "util/crc32.hpp"

namespace defender {
namespace {

constexpr std::string_view kMagic = "#defender-state 1 ";
constexpr std::size_t kMinimumSlot = 4096;

// The checksum covers the sequence number too, so a damaged one cannot pass for newer.
std::uint32_t checksum(std::uint64_t sequence, std::string_view json) {
    return util::crc32(json, util::crc32(std::to_string(sequence)));
}

std::string header_of(std::uint64_t sequence, std::string_view json) {
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", checksum(sequence, json));
    return std::string(kMagic) + "seq=" + std::to_string(sequence) +
           " bytes=" + std::to_string(json.size()) + " crc32=" + crc + "\n";
}

// "key=value" at the front of `text` (a number), advancing past it and one space.
std::optional<std::uint64_t> take_number(std::string_view& text, std::string_view key) {
    if (!text.starts_with(key)) return std::nullopt;
    text.remove_prefix(key.size());
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc()) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    return value;
}

struct Slot {
    std::uint64_t sequence = 0;
    std::string_view json;
};

std::optional<Slot> read_slot(std::string_view slot) {
    if (!slot.starts_with(kMagic)) return std::nullopt;
    const auto line_end = slot.find('\n');
    if (line_end == std::string_view::npos) return std::nullopt;
    std::string_view header = slot.substr(kMagic.size(), line_end - kMagic.size());
    const auto sequence = take_number(header, "seq=");
    const auto bytes = take_number(header, "bytes=");
    if (!sequence || !bytes || !header.starts_with("crc32=") || header.size() != 14) {
        return std::nullopt;
    }
    std::uint32_t crc = 0;
    const auto digits = header.substr(6);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), crc, 16).ec != std::errc())
        return std::nullopt;
    if (*bytes > slot.size() - line_end - 1) return std::nullopt;
    const auto json = slot.substr(line_end + 1, *bytes);
    if (checksum(*sequence, json) != crc) return std::nullopt;
    return Slot{*sequence, json};
}

std::string os_error() {
    return std::strerror(errno);
}

}  // namespace

bool is_slotted_state(std::string_view text) {
    return text.starts_with(kMagic);
}

Result<AgentState> decode_slotted_state(std::string_view text, const std::string& file_name) {
    std::optional<Slot> newest;
    if (text.size() % 2 == 0) {
        const std::size_t size = text.size() / 2;
        for (std::size_t at : {std::size_t{0}, size}) {
            auto slot = read_slot(text.substr(at, size));
            if (slot && (!newest || slot->sequence > newest->sequence)) newest = slot;
        }
    }
    if (!newest) return Error{"state file " + file_name + " is corrupt (no intact copy)"};
    return decode_state(std::string(newest->json), file_name);
}

std::optional<std::string> encode_state_slot(const AgentState& state, std::uint64_t sequence,
                                             std::size_t size) {
    const std::string json = encode_state(state);
    std::string slot = header_of(sequence, json) + json + "\n";
    if (slot.size() > size) return std::nullopt;
    slot.resize(size - 1, ' ');
    slot += '\n';
    return slot;
}

Status StateWriter::recreate(const AgentState& state) {
    fd_.reset();
    const std::size_t json_size = encode_state(state).size();
    const std::size_t needed = json_size + 128;
    slot_size_ =
        std::max(kMinimumSlot, (2 * needed + kMinimumSlot - 1) / kMinimumSlot * kMinimumSlot);
    // The loader reads no more than kMaxStateFileBytes: less room to grow near that size.
    slot_size_ = std::min(slot_size_, kMaxStateFileBytes / 2);
    sequence_ = 1;
    const auto slot = encode_state_slot(state, sequence_, slot_size_);
    if (!slot) {
        return Error{"cannot write state file " + file_.string() + ": the state (" +
                     std::to_string(json_size) + " bytes) does not fit the " +
                     std::to_string(kMaxStateFileBytes) + " bytes a state file may have"};
    }
    // Both slots hold the same state: the file is whole from its first byte on. The file
    // written is the one kept open: it is never opened again by its name.
    auto replaced = replace_state_file(file_, *slot + *slot, false);
    if (!replaced) return replaced.error();
    fd_ = std::move(*replaced);
    return Done{};
}

Status StateWriter::write(const AgentState& state) {
    if (!fd_.valid()) return recreate(state);
    const auto slot = encode_state_slot(state, sequence_ + 1, slot_size_);
    if (!slot) return recreate(state);
    const auto offset = static_cast<off_t>(((sequence_ + 1) % 2) * slot_size_);
    const ssize_t written = ::pwrite(fd_.get(), slot->data(), slot->size(), offset);
    if (written != static_cast<ssize_t>(slot->size())) {
        const std::string problem = written < 0 ? os_error() : "short write";
        fd_.reset();  // the next write starts a fresh file
        return Error{"cannot write state file " + file_.string() + ": " + problem};
    }
    ++sequence_;
    return Done{};
}

}  // namespace defender
