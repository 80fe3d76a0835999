// SPDX-License-Identifier: Apache-2.0
#include "transport/mqtt/credential_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace defender::mqtt {
namespace {

struct FileClose {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

Result<std::string> read_credential_file(const std::filesystem::path& path,
                                         const std::string& role) {
    if (path.empty()) return Error{"no " + role + " file given"};
    const std::string prefix = "cannot read " + role + " " + path.string() + ": ";
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) return Error{prefix + "Is a directory"};
    std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "rb"));
    if (!file) return Error{prefix + std::strerror(errno)};
    std::string content;
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        content.append(buffer, got);
    }
    explicit_bzero(buffer, sizeof buffer);
    if (std::ferror(file.get())) {
        explicit_bzero(content.data(), content.size());
        return Error{prefix + std::strerror(errno)};
    }
    return content;
}

}  // namespace defender::mqtt
