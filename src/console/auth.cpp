// SPDX-License-Identifier: Apache-2.0
#include "console/auth.hpp"

#include <crypt.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <memory>

#include "util/base64.hpp"

namespace defender::console {
namespace {

constexpr std::uintmax_t kMaxAuthFileBytes = 1024 * 1024;

bool known_scheme(std::string_view hash) {
    for (const char* prefix : {"$6$", "$5$", "$y$", "$2b$"}) {
        if (hash.starts_with(prefix)) return true;
    }
    return false;
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
    unsigned char difference = a.size() == b.size() ? 0 : 1;
    const std::size_t length = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < length; ++i) {
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return difference == 0;
}

Result<Users> Users::parse(std::string_view text, const std::string& file_name) {
    Users users;
    std::size_t number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        const auto where = file_name + ":" + std::to_string(number);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return Error{"auth file " + where + ": not a line user:hash"};
        }
        const auto hash = line.substr(colon + 1);
        if (!known_scheme(hash)) {
            return Error{"auth file " + where +
                         ": the hash is not a salted crypt hash ($6$...: make one with "
                         "`openssl passwd -6`)"};
        }
        users.users_[std::string(line.substr(0, colon))] = std::string(hash);
    }
    if (users.users_.empty()) return Error{"auth file " + file_name + ": no user in it"};
    return users;
}

Result<Users> Users::load(const std::filesystem::path& path) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (error) return Error{"auth file " + path.string() + ": " + error.message()};
    if (size > kMaxAuthFileBytes) return Error{"auth file " + path.string() + ": over 1 MiB"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{"auth file " + path.string() + ": cannot be read"};
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse(text, path.string());
}

bool Users::check(std::string_view authorization) const {
    constexpr std::string_view kBasic = "Basic ";
    if (authorization.size() < kBasic.size()) return false;
    for (std::size_t i = 0; i < kBasic.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
            std::tolower(static_cast<unsigned char>(kBasic[i]))) {
            return false;
        }
    }
    authorization.remove_prefix(kBasic.size());
    while (!authorization.empty() && authorization.front() == ' ')
        authorization.remove_prefix(1);
    const auto decoded = util::base64_decode(authorization);
    if (!decoded) return false;
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return false;
    const auto user = users_.find(std::string_view(*decoded).substr(0, colon));
    if (user == users_.end()) return false;
    const std::string password = decoded->substr(colon + 1);
    auto data = std::make_unique<crypt_data>();
    const char* hashed = ::crypt_r(password.c_str(), user->second.c_str(), data.get());
    return hashed != nullptr && hashed[0] != '*' && constant_time_equal(hashed, user->second);
}

}  // namespace defender::console
