#include "defender/validate.hpp"

#include "defender/encode.hpp"
#include "encode/document.hpp"
#include "validate/report_checker.hpp"

namespace defender {
namespace {

ValidationResult unreadable(std::optional<Format> format, std::string pointer, std::string reason) {
    ValidationResult result;
    result.format = format;
    result.violations.push_back({std::move(pointer), std::move(reason)});
    return result;
}

// Checks one document read from the input; `encoded_size` is what its size limit applies to.
ValidationResult check_parsed(const ParsedDocument& parsed, std::size_t encoded_size) {
    if (parsed.refusal) {
        return unreadable(parsed.format, parsed.refusal->pointer, parsed.refusal->reason);
    }
    return check_report_document(parsed.document, parsed.format, encoded_size);
}

}  // namespace

ValidationResult validate_report(std::string_view bytes, Document& document) {
    if (bytes.empty()) return unreadable(std::nullopt, "", "empty input");
    auto parsed = read_document(bytes);
    if (!parsed) return unreadable(detect_format(bytes), "", parsed.error().message);
    auto result = check_parsed(*parsed, bytes.size());
    document = std::move(parsed->document);
    return result;
}

ValidationResult validate_report(std::string_view bytes) {
    Document document;
    return validate_report(bytes, document);
}

std::vector<ValidationResult> validate_reports(std::string_view bytes) {
    if (bytes.empty()) return {unreadable(std::nullopt, "", "empty input")};
    auto parsed = parse_documents(bytes);
    if (!parsed) {
        // parse_documents names the failing document; the first one needs no number.
        constexpr std::string_view kFirst = "document 1: ";
        std::string_view reason = parsed.error().message;
        if (reason.starts_with(kFirst)) reason.remove_prefix(kFirst.size());
        return {unreadable(detect_format(bytes), "", std::string(reason))};
    }
    if (parsed->empty()) return {unreadable(detect_format(bytes), "", "no document in the input")};
    // One document: its size is the input's. Several: each is measured as it would be
    // published on its own (compact JSON or CBOR as read), since separators and indentation
    // are not part of a report.
    if (parsed->size() == 1) return {check_parsed(parsed->front(), bytes.size())};
    std::vector<ValidationResult> results;
    results.reserve(parsed->size());
    for (const auto& document : *parsed)
        results.push_back(check_parsed(document, document.size));
    return results;
}

}  // namespace defender
