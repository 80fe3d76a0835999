#pragma once
// Encoded bytes <-> generic documents (nlohmann::ordered_json), shared by the report decoder,
// the validator and reply handling.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "defender/format.hpp"
#include "defender/result.hpp"

namespace defender {

using Document = nlohmann::ordered_json;

struct ParsedDocument {
    Format format;
    Document document;
};

/// Parses exactly one JSON text or CBOR item (format detected); trailing bytes are an error.
Result<ParsedDocument> parse_document(std::string_view bytes);

/// Parses exactly one document in the given format.
Result<Document> parse_document(std::string_view bytes, Format format);

/// Splits concatenated JSON texts (blank-separated) or a CBOR sequence into documents.
/// Fails at the first document that does not parse, naming its index.
Result<std::vector<ParsedDocument>> parse_documents(std::string_view bytes);

/// Serializes a document (compact or pretty JSON, or CBOR).
std::string serialize_document(const Document& document, Format format, bool pretty = false);

}  // namespace defender
