// SPDX-License-Identifier: Apache-2.0
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
    const auto format = detect_format(bytes);
    if (!format) return {unreadable(std::nullopt, "", "neither a JSON object nor a CBOR map")};
    // Each document is checked as soon as it is read and then dropped: memory holds one at a
    // time. One document: its size is the input's. Several: each is measured as it would be
    // published on its own (compact JSON or CBOR as read), since separators and indentation
    // are not part of a report; so the first is checked once the second is known to exist.
    std::vector<ValidationResult> results;
    std::optional<ParsedDocument> first;
    std::size_t at = 0;
    while (auto next = next_document(bytes, at, *format)) {
        if (!*next) {
            // The rest cannot be delimited: the input is unreadable as a whole.
            std::string reason = next->error().message;
            if (first || !results.empty()) {
                reason =
                    "document " + std::to_string(results.size() + (first ? 2 : 1)) + ": " + reason;
            }
            return {unreadable(format, "", std::move(reason))};
        }
        if (!first && results.empty()) {
            first = std::move(next->value());
            continue;
        }
        if (first) {
            results.push_back(check_parsed(*first, first->size));
            first.reset();
        }
        results.push_back(check_parsed(next->value(), next->value().size));
    }
    if (first) results.push_back(check_parsed(*first, bytes.size()));
    if (results.empty()) return {unreadable(format, "", "no document in the input")};
    return results;
}

}  // namespace defender
