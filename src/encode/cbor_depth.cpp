// SPDX-License-Identifier: Apache-2.0
#include "encode/cbor_depth.hpp"

#include <cstdint>
#include <limits>
#include <variant>
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

using Problem = CborExtent::Problem;

// Reads an item's initial byte and argument at `at`, moving `at` past them.
std::variant<Header, Problem> read_header(std::string_view bytes, std::size_t& at) {
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
    if (info > 27) return Problem::reserved;
    const std::size_t size = std::size_t{1} << (info - 24);
    if (bytes.size() - at < size) return Problem::truncated;
    for (std::size_t i = 0; i < size; ++i) {
        header.argument = (header.argument << 8) | static_cast<std::uint8_t>(bytes[at++]);
    }
    return header;
}

}  // namespace

CborExtent scan_cbor_item(std::string_view bytes, std::size_t max_depth) {
    // Items still expected by each open container (kIndefinite: until a break byte).
    std::vector<std::uint64_t> open;
    // Counts one finished item; true when that finishes the first item of `bytes`.
    const auto item_done = [&open] {
        while (!open.empty() && open.back() != kIndefinite) {
            if (--open.back() > 0) return false;
            open.pop_back();  // the container is complete: one item of its parent
        }
        return open.empty();
    };
    const auto failed = [](Problem problem, std::size_t at) { return CborExtent{0, problem, at}; };
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::size_t start = at;
        bool done = false;
        if (!open.empty() && open.back() == kIndefinite &&
            static_cast<std::uint8_t>(bytes[at]) == kBreak) {
            ++at;
            open.pop_back();
            done = item_done();
        } else {
            const auto read = read_header(bytes, at);
            if (const auto* problem = std::get_if<Problem>(&read)) return failed(*problem, start);
            const auto& header = std::get<Header>(read);
            const bool indefinite = header.argument == kIndefinite;
            switch (header.major) {
                case kBytes:
                case kText:
                    if (indefinite) {
                        open.push_back(kIndefinite);  // definite-length chunks follow
                    } else {
                        if (bytes.size() - at < header.argument) {
                            return failed(Problem::truncated, bytes.size());
                        }
                        at += header.argument;
                        done = item_done();
                    }
                    break;
                case kArray:
                case kMap: {
                    const std::uint64_t factor = header.major == kMap ? 2 : 1;
                    if (indefinite) {
                        open.push_back(kIndefinite);
                    } else if (header.argument == 0) {
                        done = item_done();
                    } else if (header.argument > bytes.size() - at) {
                        // More items than bytes left: it cannot end.
                        return failed(Problem::truncated, bytes.size());
                    } else {
                        open.push_back(header.argument * factor);
                    }
                    break;
                }
                case kTag:
                    open.push_back(1);
                    break;
                default:  // integers, simple values, floats
                    done = item_done();
                    break;
            }
        }
        if (open.size() > max_depth) return failed(Problem::too_deep, start);
        if (done) return {at, Problem::none, 0};
    }
    return failed(Problem::truncated, bytes.size());
}

bool cbor_nesting_exceeds(std::string_view bytes, std::size_t max_depth) {
    while (!bytes.empty()) {
        const auto item = scan_cbor_item(bytes, max_depth);
        if (item.problem == CborExtent::Problem::too_deep) return true;
        if (item.problem != CborExtent::Problem::none) return false;
        bytes.remove_prefix(item.size);
    }
    return false;
}

}  // namespace defender
