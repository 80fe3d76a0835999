// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file temp_dir.hpp
/// A throw-away directory for one test, removed with everything in it on destruction.

#include <filesystem>
#include <string>

namespace defender::test {

class TempDir {
public:
    /// Creates a fresh directory /tmp/<prefix>XXXXXX (mode 0700). Throws std::runtime_error.
    explicit TempDir(const std::string& prefix = "defender-test-");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    /// path() / name
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// Writes `content` to `path` (binary, truncating) and sets its mode. Throws on failure.
void write_file(const std::filesystem::path& path, const std::string& content,
                std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_write);

/// The whole file as bytes, or "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace defender::test
