// SPDX-License-Identifier: Apache-2.0
#include "encode/document.hpp"

#include <algorithm>
#include <utility>

#include "defender/encode.hpp"
#include "encode/cbor_depth.hpp"
#include "encode/json_extent.hpp"

namespace defender {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_blanks(std::string_view bytes, std::size_t at) {
    while (at < bytes.size() && is_blank(bytes[at]))
        ++at;
    return at;
}

std::string first_line(std::string_view text) {
    return std::string(text.substr(0, text.find('\n')));
}

std::string format_name(Format format) {
    return format == Format::json ? "JSON" : "CBOR";
}

Refusal too_deep(Format format) {
    return {"", format_name(format) + " nested more than " + std::to_string(kMaxDocumentDepth) +
                    " levels deep"};
}

Refusal too_large(std::size_t size) {
    return {"", "report is " + std::to_string(size) + " bytes, above AWS IoT's payload limit of " +
                    std::to_string(kMaxPayloadBytes) + " bytes"};
}

// Builds the document from the parser's events (nlohmann's SAX interface) under the limits:
// nesting depth, members per object, no key twice. Members are appended without the linear
// look-up of ordered_json's operator[] (quadratic in the members); each object's keys are
// checked for duplicates once, sorted, when it closes.
class DocumentBuilder {
public:
    using number_integer_t = Document::number_integer_t;
    using number_unsigned_t = Document::number_unsigned_t;
    using number_float_t = Document::number_float_t;
    using string_t = Document::string_t;
    using binary_t = Document::binary_t;
    using Members = Document::object_t::Container;

    DocumentBuilder(Document& root, Format format) : root_(root), format_(format) {}

    bool null() { return place(Document(nullptr)) != nullptr; }
    bool boolean(bool value) { return place(Document(value)) != nullptr; }
    bool number_integer(number_integer_t value) { return place(Document(value)) != nullptr; }
    bool number_unsigned(number_unsigned_t value) { return place(Document(value)) != nullptr; }
    bool number_float(number_float_t value, const string_t&) {
        return place(Document(value)) != nullptr;
    }
    bool string(string_t& value) { return place(Document(std::move(value))) != nullptr; }
    bool binary(binary_t& value) { return place(Document(std::move(value))) != nullptr; }

    bool start_object(std::size_t) { return open(Document::object()); }
    bool start_array(std::size_t) { return open(Document::array()); }

    bool key(string_t& key) {
        auto& members = static_cast<Members&>(*open_.back()->get_ptr<Document::object_t*>());
        if (members.size() >= kMaxObjectMembers) {
            return refuse({pointer(), "more than " + std::to_string(kMaxObjectMembers) +
                                          " members (no valid report has an object this large)"});
        }
        members.emplace_back(std::move(key), nullptr);
        member_ = &members.back().second;
        return true;
    }

    bool end_object() {
        const auto& members =
            static_cast<const Members&>(*open_.back()->get_ptr<Document::object_t*>());
        if (const auto duplicate = first_duplicate(members)) {
            const std::string& key = members[*duplicate].first;
            return refuse({pointer() + "/" + escape_pointer_token(key),
                           "duplicate key \"" + key + "\": each member may appear only once"});
        }
        open_.pop_back();
        return true;
    }

    bool end_array() {
        open_.pop_back();
        return true;
    }

    bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& error) {
        syntax_error_ = "not valid " + format_name(format_) + ": " + first_line(error.what());
        return false;
    }

    const std::optional<Refusal>& refusal() const { return refusal_; }
    const std::string& syntax_error() const { return syntax_error_; }

private:
    // Puts a value where the parser is: the root, the next element of the open array, or the
    // member whose key came last. Returns where it now is.
    Document* place(Document&& value) {
        if (open_.empty()) {
            root_ = std::move(value);
            return &root_;
        }
        Document& container = *open_.back();
        if (container.is_array()) {
            auto& elements = *container.get_ptr<Document::array_t*>();
            elements.push_back(std::move(value));
            return &elements.back();
        }
        *member_ = std::move(value);
        return member_;
    }

    bool open(Document&& container) {
        if (open_.size() >= kMaxDocumentDepth) return refuse(too_deep(format_));
        // The open containers never move: a container's elements are only appended to while
        // it is the innermost one.
        open_.push_back(place(std::move(container)));
        return true;
    }

    bool refuse(Refusal refusal) {
        refusal_ = std::move(refusal);
        return false;
    }

    // The JSON pointer of the innermost open container: each open container's last element
    // is the next one.
    std::string pointer() const {
        std::string text;
        for (std::size_t i = 0; i + 1 < open_.size(); ++i) {
            const Document& container = *open_[i];
            text += '/';
            if (container.is_array()) {
                text += std::to_string(container.size() - 1);
            } else {
                const auto& members =
                    static_cast<const Members&>(*container.get_ptr<const Document::object_t*>());
                text += escape_pointer_token(members.back().first);
            }
        }
        return text;
    }

    // The position of the first member whose key an earlier member has.
    static std::optional<std::size_t> first_duplicate(const Members& members) {
        constexpr std::size_t kPairwise = 8;  // small objects (all of a report's but one)
        if (members.size() <= kPairwise) {
            for (std::size_t i = 1; i < members.size(); ++i) {
                for (std::size_t j = 0; j < i; ++j) {
                    if (members[i].first == members[j].first) return i;
                }
            }
            return std::nullopt;
        }
        std::vector<std::pair<std::string_view, std::size_t>> keys;
        keys.reserve(members.size());
        for (std::size_t i = 0; i < members.size(); ++i)
            keys.emplace_back(members[i].first, i);
        std::sort(keys.begin(), keys.end());  // equal keys in document order
        std::optional<std::size_t> first;
        for (std::size_t i = 1; i < keys.size(); ++i) {
            if (keys[i].first == keys[i - 1].first && (!first || keys[i].second < *first) &&
                (i < 2 || keys[i - 2].first != keys[i].first)) {
                first = keys[i].second;  // the second of its key
            }
        }
        return first;
    }

    Document& root_;
    Format format_;
    std::vector<Document*> open_;  // the containers being filled, outermost first
    Document* member_ = nullptr;   // the value of the member whose key came last
    std::optional<Refusal> refusal_;
    std::string syntax_error_;
};

// Builds the document in `bytes` (exactly one value), filling `parsed` or failing.
Status build(std::string_view bytes, ParsedDocument& parsed) {
    DocumentBuilder builder(parsed.document, parsed.format);
    const bool built =
        Document::sax_parse(bytes.begin(), bytes.end(), &builder,
                            parsed.format == Format::json ? Document::input_format_t::json
                                                          : Document::input_format_t::cbor);
    if (built) return Done{};
    parsed.document = nullptr;
    if (builder.refusal()) {
        parsed.refusal = builder.refusal();
        return Done{};
    }
    return Error{builder.syntax_error()};
}

// Reads the document that starts at `at`, and moves `at` past it.
Result<ParsedDocument> read_one(std::string_view bytes, std::size_t& at, Format format) {
    ParsedDocument parsed{format, nullptr, 0, std::nullopt};
    if (format == Format::json) {
        const auto extent = scan_json_value(bytes, at);
        parsed.size = extent.compact_size;
        at = extent.end;
        if (extent.depth > kMaxDocumentDepth) {
            parsed.refusal = too_deep(format);
        } else if (!extent.complete && extent.depth > 0 && extent.compact_size > kMaxPayloadBytes) {
            return Error{"not valid JSON: the document at byte " + std::to_string(extent.begin) +
                         " never ends"};
        } else if (extent.depth > 0 && extent.compact_size > kMaxPayloadBytes) {
            // (A scalar is parsed whatever its size: no report, but it costs no more.)
            parsed.refusal = too_large(extent.compact_size);
        } else if (auto built =
                       build(bytes.substr(extent.begin, extent.end - extent.begin), parsed);
                   !built) {
            return built.error();
        }
        return parsed;
    }
    const auto rest = bytes.substr(at);
    const auto extent = scan_cbor_item(rest, kMaxDocumentDepth);
    switch (extent.problem) {
        case CborExtent::Problem::none:
            break;
        case CborExtent::Problem::too_deep:
            at = bytes.size();  // its end is not looked for
            parsed.refusal = too_deep(format);
            return parsed;
        case CborExtent::Problem::truncated:
            return Error{"not valid CBOR: unexpected end of input"};
        case CborExtent::Problem::reserved:
            return Error{"not valid CBOR: reserved header value at byte " +
                         std::to_string(at + extent.at)};
    }
    parsed.size = extent.size;
    at += extent.size;
    if (extent.size > kMaxPayloadBytes) {
        parsed.refusal = too_large(extent.size);
    } else if (auto built = build(rest.substr(0, extent.size), parsed); !built) {
        return built.error();
    }
    return parsed;
}

}  // namespace

std::string escape_pointer_token(std::string_view token) {
    std::string escaped;
    escaped.reserve(token.size());
    for (const char c : token) {
        if (c == '~') {
            escaped += "~0";
        } else if (c == '/') {
            escaped += "~1";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

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

std::string describe(const Refusal& refusal) {
    return (refusal.pointer.empty() ? std::string("(document)") : refusal.pointer) + ": " +
           refusal.reason;
}

namespace {

Result<ParsedDocument> read_exactly_one(std::string_view bytes, Format format) {
    std::size_t at = 0;
    auto parsed = read_one(bytes, at, format);
    if (!parsed) return parsed.error();
    if (format == Format::json) at = skip_blanks(bytes, at);
    if (at != bytes.size()) {
        return Error{"unexpected data after the document at byte " + std::to_string(at)};
    }
    return parsed;
}

}  // namespace

Result<ParsedDocument> read_document(std::string_view bytes) {
    const auto format = detect_format(bytes);
    if (!format) return Error{"neither a JSON object nor a CBOR map"};
    return read_exactly_one(bytes, *format);
}

Result<ParsedDocument> parse_document(std::string_view bytes) {
    auto parsed = read_document(bytes);
    if (parsed && parsed->refusal) return Error{describe(*parsed->refusal)};
    return parsed;
}

Result<Document> parse_document(std::string_view bytes, Format format) {
    auto parsed = read_exactly_one(bytes, format);
    if (!parsed) return parsed.error();
    if (parsed->refusal) return Error{describe(*parsed->refusal)};
    return std::move(parsed->document);
}

std::optional<Result<ParsedDocument>> next_document(std::string_view bytes, std::size_t& at,
                                                    Format format) {
    if (format == Format::json) at = skip_blanks(bytes, at);
    if (at >= bytes.size()) return std::nullopt;
    return read_one(bytes, at, format);
}

Result<std::vector<ParsedDocument>> parse_documents(std::string_view bytes) {
    std::vector<ParsedDocument> documents;
    std::size_t at = 0;
    const auto format = detect_format(bytes);
    if (!format) return Error{"neither a JSON object nor a CBOR map"};
    while (auto document = next_document(bytes, at, *format)) {
        if (!*document) {
            return Error{"document " + std::to_string(documents.size() + 1) + ": " +
                         document->error().message};
        }
        documents.push_back(std::move(document->value()));
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
