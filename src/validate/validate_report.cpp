#include "defender/validate.hpp"

#include "defender/encode.hpp"
#include "encode/document.hpp"
#include "validate/report_checker.hpp"

namespace defender {
namespace {

ValidationResult unreadable(std::optional<Format> format, std::string reason) {
    ValidationResult result;
    result.format = format;
    result.violations.push_back({"", std::move(reason)});
    return result;
}

}  // namespace

ValidationResult validate_report(std::string_view bytes) {
    if (bytes.empty()) return unreadable(std::nullopt, "empty input");
    auto parsed = parse_document(bytes);
    if (!parsed) return unreadable(detect_format(bytes), parsed.error().message);
    return check_report_document(parsed->document, parsed->format, bytes.size());
}

std::vector<ValidationResult> validate_reports(std::string_view bytes) {
    if (bytes.empty()) return {unreadable(std::nullopt, "empty input")};
    auto parsed = parse_documents(bytes);
    if (!parsed) {
        // parse_documents names the failing document; the first one needs no number.
        constexpr std::string_view kFirst = "document 1: ";
        std::string_view reason = parsed.error().message;
        if (reason.starts_with(kFirst)) reason.remove_prefix(kFirst.size());
        return {unreadable(detect_format(bytes), std::string(reason))};
    }
    if (parsed->empty()) return {unreadable(detect_format(bytes), "no document in the input")};
    // One document: its size is the input's. Several: each is measured as it would be
    // published on its own (compact JSON or CBOR), since separators and indentation are not
    // part of a report.
    if (parsed->size() == 1) return {validate_report(bytes)};
    std::vector<ValidationResult> results;
    results.reserve(parsed->size());
    for (const auto& [format, document] : *parsed) {
        results.push_back(
            check_report_document(document, format, serialize_document(document, format).size()));
    }
    return results;
}

}  // namespace defender
