// SPDX-License-Identifier: Apache-2.0
// The web console's request handling: the --http address, the auth file, percent-decoding,
// query strings and paths, and every route of Api::handle over an empty store. Input lines:
// method, path, query, then the body (the rest).
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "console/api.hpp"
#include "console/auth.hpp"
#include "console/http_address.hpp"
#include "console/http_request.hpp"

namespace {

defender::console::Api& api() {
    static defender::console::Api* instance = [] {
        std::string dir = (std::filesystem::temp_directory_path() / "console-fuzz-XXXXXX").string();
        if (::mkdtemp(dir.data()) == nullptr) abort();
        auto store = defender::detect::open_sqlite_store(std::filesystem::path(dir) / "detect.db");
        if (!store) abort();
        defender::console::ApiOptions options;
        options.csrf_token = "0123456789abcdef0123456789abcdef";
        options.chart_js = dir + "/none.js";
        return new defender::console::Api(std::move(*store), options);
    }();
    return *instance;
}

std::string_view take_line(std::string_view& text) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)defender::console::parse_http_address(text);
    (void)defender::console::Users::parse(text, "fuzz");
    (void)defender::console::percent_decode(text, true);
    (void)defender::console::parse_query(text);
    (void)defender::console::split_path(text);
    defender::console::Request request;
    request.method = std::string(take_line(text));
    request.path = std::string(take_line(text));
    request.query = std::string(take_line(text));
    request.body = std::string(text);
    request.headers["x-csrf-token"] = "0123456789abcdef0123456789abcdef";
    (void)api().handle(request);
    return 0;
}
