// SPDX-License-Identifier: Apache-2.0
#pragma once
// Encoded bytes <-> generic documents (nlohmann::ordered_json), shared by the report decoder,
// the validator (`check`, the emulator, the Detect intake) and reply handling.
//
// Every document is read under the same limits, checked before anything recursive or costly
// sees it: nesting depth (a non-recursive pre-scan; the CBOR decoder, the serializers and the
// checkers recurse), size (no valid report exceeds AWS IoT's payload limit), members per object
// and duplicate keys (while the document is built, in linear time). Splitting concatenated
// documents uses views, never copies.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "defender/format.hpp"
#include "defender/limits.hpp"
#include "defender/result.hpp"

namespace defender {

using Document = nlohmann::ordered_json;

/// Deepest nesting of arrays and objects (and CBOR tags) read: far deeper than any report (6
/// levels) or reply (2), far shallower than what overflows a recursive decoder's stack.
inline constexpr std::size_t kMaxDocumentDepth = 64;

/// Most members one object may have: the largest object of a valid report is its custom
/// metrics, each at least 12 bytes (CBOR `{"a":[{"number":0}]}`: 2 + 1 + 1 + 7 + 1), and a
/// report is at most kMaxPayloadBytes.
inline constexpr std::size_t kMaxObjectMembers = kMaxPayloadBytes / 12;

/// Why a document that could be delimited was not read: the JSON pointer of the offending
/// value ("" for the whole document) and the reason.
struct Refusal {
    std::string pointer;
    std::string reason;
};

/// One document read from the input.
struct ParsedDocument {
    Format format;
    Document document;  ///< null when refused
    /// The bytes it takes when published: CBOR as read, JSON without blanks between tokens.
    std::size_t size = 0;
    /// Set when the document is deeper, larger or wider than any report (see the limits
    /// above) or holds a key twice; the document is then not built.
    std::optional<Refusal> refusal;
};

/// Reads exactly one JSON text or CBOR item (format detected); trailing bytes are an error,
/// as is bytes that do not parse. A document breaking a limit comes back with `refusal` set.
Result<ParsedDocument> read_document(std::string_view bytes);

/// As read_document, but a refusal is an error too ("<pointer>: <reason>").
Result<ParsedDocument> parse_document(std::string_view bytes);

/// Parses exactly one document in the given format; a refusal is an error.
Result<Document> parse_document(std::string_view bytes, Format format);

/// Reads the next of concatenated documents in `format` (JSON texts separated by blanks, or a
/// CBOR sequence) from `at`, moving `at` past it; nullopt when only blanks are left. An error
/// means the rest cannot be delimited.
std::optional<Result<ParsedDocument>> next_document(std::string_view bytes, std::size_t& at,
                                                    Format format);

/// Splits concatenated JSON texts (blank-separated) or a CBOR sequence into documents; refused
/// documents are in the list with their refusal. Fails at the first document that does not
/// parse (the rest cannot be delimited), naming its index.
Result<std::vector<ParsedDocument>> parse_documents(std::string_view bytes);

/// "<pointer>: <reason>", with "(document)" for the empty pointer.
std::string describe(const Refusal& refusal);

/// One RFC 6901 reference token, escaped (`~` as `~0`, `/` as `~1`).
std::string escape_pointer_token(std::string_view token);

/// Serializes a document (compact or pretty JSON, or CBOR).
std::string serialize_document(const Document& document, Format format, bool pretty = false);

}  // namespace defender
