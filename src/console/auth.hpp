// SPDX-License-Identifier: Apache-2.0
#pragma once
// --http-auth-file: HTTP Basic authentication against crypt(3) hashes ("user:hash" lines, the
// hash as `openssl passwd -6` or `mkpasswd -m sha-512` make it), checked with libcrypt.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "defender/result.hpp"

namespace defender::console {

/// The users of an auth file: name -> crypt hash.
class Users {
public:
    /// Parses the text of an auth file: "user:hash" lines; blank lines and lines starting with
    /// '#' are skipped. The hash must be a salted crypt scheme: $6$ (SHA-512), $5$, $y$, $2b$.
    static Result<Users> parse(std::string_view text, const std::string& file_name);
    /// Reads and parses an auth file (at most 1 MiB).
    static Result<Users> load(const std::filesystem::path& path);

    /// True when the value of an Authorization header is "Basic base64(user:password)" of a
    /// user of the file with the right password (compared in constant time).
    bool check(std::string_view authorization) const;
    /// How many users.
    std::size_t size() const { return users_.size(); }

private:
    std::map<std::string, std::string, std::less<>> users_;
};

/// Compares in time independent of where they differ (the length may show).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace defender::console
