// SPDX-License-Identifier: Apache-2.0
#include "custom/command_words.hpp"

#include <optional>

namespace defender {

Result<std::vector<std::string>> split_command_words(std::string_view text) {
    std::vector<std::string> words;
    std::optional<std::string> word;  // nullopt between words; "" is a real (quoted) empty word
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote == '"' && i + 1 < text.size()) {
                word->push_back(text[++i]);
            } else {
                word->push_back(c);
            }
        } else if (c == ' ' || c == '\t') {
            if (word) words.push_back(std::move(*word));
            word.reset();
        } else if (c == '\'' || c == '"') {
            quote = c;
            if (!word) word.emplace();
        } else if (c == '\\') {
            if (i + 1 == text.size()) return Error{"command ends with a backslash"};
            if (!word) word.emplace();
            word->push_back(text[++i]);
        } else {
            if (!word) word.emplace();
            word->push_back(c);
        }
    }
    if (quote != 0) return Error{std::string("command has an unclosed ") + quote + " quote"};
    if (word) words.push_back(std::move(*word));
    return words;
}

}  // namespace defender
