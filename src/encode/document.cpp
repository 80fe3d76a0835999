#include "encode/document.hpp"

#include <sstream>

#include "defender/encode.hpp"
#include "encode/cbor_depth.hpp"

namespace defender {
namespace {

// Far deeper than any report (6 levels) or reply (2), far shallower than what overflows the
// stack of nlohmann's recursive CBOR decoder.
constexpr std::size_t kMaxCborDepth = 64;

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_blanks(std::string_view bytes, std::size_t at) {
    while (at < bytes.size() && is_blank(bytes[at]))
        ++at;
    return at;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// Parses one document starting at `at`, and moves `at` past it.
Result<Document> parse_one(std::string_view bytes, std::size_t& at, Format format) {
    if (format == Format::cbor && cbor_nesting_exceeds(bytes.substr(at), kMaxCborDepth)) {
        return Error{"CBOR nested more than " + std::to_string(kMaxCborDepth) + " levels deep"};
    }
    // A stringbuf-backed stream lets nlohmann stop right after one value, so we know where the
    // next document starts.
    std::istringstream stream(std::string(bytes.substr(at)));
    try {
        Document document;
        if (format == Format::json) {
            stream >> document;
        } else {
            document = Document::from_cbor(stream, /*strict=*/false);
        }
        const auto consumed =
            stream.eof() ? bytes.size() - at : static_cast<std::size_t>(stream.tellg());
        at += consumed;
        return document;
    } catch (const nlohmann::json::exception& e) {
        return Error{std::string("not valid ") + (format == Format::json ? "JSON" : "CBOR") + ": " +
                     first_line(e.what())};
    }
}

}  // namespace

std::optional<Format> parse_format(std::string_view text) {
    if (text == "json") return Format::json;
    if (text == "cbor") return Format::cbor;
    return std::nullopt;
}

std::optional<Format> detect_format(std::string_view bytes) {
    const std::size_t at = skip_blanks(bytes, 0);
    if (at >= bytes.size()) return std::nullopt;
    const auto first = static_cast<unsigned char>(bytes[at]);
    if (first == '{') return Format::json;
    // CBOR major type 5 (map), any length encoding; the blank bytes skipped above are not map
    // headers, so a CBOR map never starts with them.
    if (at == 0 && (first >> 5) == 5) return Format::cbor;
    return std::nullopt;
}

Result<Document> parse_document(std::string_view bytes, Format format) {
    std::size_t at = 0;
    auto document = parse_one(bytes, at, format);
    if (!document) return document.error();
    if (format == Format::json) at = skip_blanks(bytes, at);
    if (at != bytes.size()) {
        return Error{"unexpected data after the document at byte " + std::to_string(at)};
    }
    return document;
}

Result<ParsedDocument> parse_document(std::string_view bytes) {
    const auto format = detect_format(bytes);
    if (!format) return Error{"neither a JSON object nor a CBOR map"};
    auto document = parse_document(bytes, *format);
    if (!document) return document.error();
    return ParsedDocument{*format, std::move(document.value())};
}

Result<std::vector<ParsedDocument>> parse_documents(std::string_view bytes) {
    std::vector<ParsedDocument> documents;
    std::size_t at = 0;
    const auto format = detect_format(bytes);
    if (!format) return Error{"neither a JSON object nor a CBOR map"};
    while (true) {
        if (*format == Format::json) at = skip_blanks(bytes, at);
        if (at >= bytes.size()) break;
        auto document = parse_one(bytes, at, *format);
        if (!document) {
            return Error{"document " + std::to_string(documents.size() + 1) + ": " +
                         document.error().message};
        }
        documents.push_back({*format, std::move(document.value())});
    }
    return documents;
}

std::string serialize_document(const Document& document, Format format, bool pretty) {
    if (format == Format::cbor) {
        std::string bytes;
        Document::to_cbor(document, nlohmann::detail::output_adapter<char>(bytes));
        return bytes;
    }
    return document.dump(pretty ? 2 : -1, ' ', /*ensure_ascii=*/false,
                         nlohmann::json::error_handler_t::replace);
}

}  // namespace defender
