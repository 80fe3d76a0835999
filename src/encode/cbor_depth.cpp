#include "encode/cbor_depth.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace defender {
namespace {

constexpr std::uint64_t kIndefinite = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint8_t kBreak = 0xff;

enum MajorType : std::uint8_t {
    kUnsigned = 0,
    kNegative = 1,
    kBytes = 2,
    kText = 3,
    kArray = 4,
    kMap = 5,
    kTag = 6,
    kSimple = 7,
};

struct Header {
    std::uint8_t major = 0;
    std::uint64_t argument = 0;  ///< kIndefinite for indefinite lengths
};

// Reads an item's initial byte and argument at `at`, moving `at` past them.
std::optional<Header> read_header(std::string_view bytes, std::size_t& at) {
    const auto initial = static_cast<std::uint8_t>(bytes[at++]);
    Header header{static_cast<std::uint8_t>(initial >> 5), 0};
    const std::uint8_t info = initial & 0x1f;
    if (info < 24) {
        header.argument = info;
        return header;
    }
    if (info == 31) {
        header.argument = kIndefinite;
        return header;
    }
    if (info > 27) return std::nullopt;
    const std::size_t size = std::size_t{1} << (info - 24);
    if (bytes.size() - at < size) return std::nullopt;
    for (std::size_t i = 0; i < size; ++i) {
        header.argument = (header.argument << 8) | static_cast<std::uint8_t>(bytes[at++]);
    }
    return header;
}

}  // namespace

bool cbor_nesting_exceeds(std::string_view bytes, std::size_t max_depth) {
    // Items still expected by each open container (kIndefinite: until a break byte).
    std::vector<std::uint64_t> open;
    const auto item_done = [&open] {
        while (!open.empty() && open.back() != kIndefinite) {
            if (--open.back() > 0) return;
            open.pop_back();  // the container is complete: one item of its parent
        }
    };
    std::size_t at = 0;
    while (at < bytes.size()) {
        if (!open.empty() && open.back() == kIndefinite &&
            static_cast<std::uint8_t>(bytes[at]) == kBreak) {
            ++at;
            open.pop_back();
            item_done();
            continue;
        }
        const auto header = read_header(bytes, at);
        if (!header) return false;
        const bool indefinite = header->argument == kIndefinite;
        switch (header->major) {
            case kBytes:
            case kText:
                if (indefinite) {
                    open.push_back(kIndefinite);  // definite-length chunks follow
                } else {
                    if (bytes.size() - at < header->argument) return false;
                    at += header->argument;
                    item_done();
                }
                break;
            case kArray:
            case kMap: {
                const std::uint64_t factor = header->major == kMap ? 2 : 1;
                if (indefinite) {
                    open.push_back(kIndefinite);
                } else if (header->argument == 0) {
                    item_done();
                } else if (header->argument > bytes.size()) {
                    return false;  // more items than bytes left: truncated
                } else {
                    open.push_back(header->argument * factor);
                }
                break;
            }
            case kTag:
                open.push_back(1);
                break;
            default:  // integers, simple values, floats
                item_done();
                break;
        }
        if (open.size() > max_depth) return true;
    }
    return false;
}

}  // namespace defender
