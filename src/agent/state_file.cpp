#include "agent/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace defender {
namespace {

constexpr int kStateVersion = 1;

std::string os_error() {
    return std::strerror(errno);
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

bool write_all(int fd, const std::string& bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        written += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

Result<AgentState> load_state(const std::filesystem::path& file) {
    std::error_code missing;
    if (!std::filesystem::exists(file, missing) && !missing) return AgentState{};
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{"cannot read state file " + file.string() + ": " + os_error()};
    std::stringstream text;
    text << in.rdbuf();
    const auto document = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded() || !document.is_object()) {
        return Error{"state file " + file.string() + " is corrupt (not a JSON object)"};
    }
    const auto version = document.find("version");
    if (version == document.end() || !version->is_number_integer()) {
        return Error{"state file " + file.string() + " has no version"};
    }
    if (version->get<int>() != kStateVersion) {
        return Error{"state file " + file.string() + " has version " + version->dump() +
                     "; this agent reads version " + std::to_string(kStateVersion)};
    }
    const auto last = document.find("last_report_id");
    if (last == document.end() || !last->is_number_unsigned()) {
        return Error{"state file " + file.string() + " has no valid last_report_id"};
    }
    return AgentState{last->get<std::uint64_t>()};
}

Status save_state(const std::filesystem::path& file, const AgentState& state) {
    const nlohmann::json document = {{"version", kStateVersion},
                                     {"last_report_id", state.last_report_id}};
    const std::string bytes = document.dump() + "\n";
    const std::filesystem::path temporary = file.string() + ".tmp";
    {
        FileDescriptor fd(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0)
            return Error{"cannot write state file " + temporary.string() + ": " + os_error()};
        if (!write_all(fd.get(), bytes) || ::fsync(fd.get()) != 0) {
            const auto problem = os_error();
            ::unlink(temporary.c_str());
            return Error{"cannot write state file " + temporary.string() + ": " + problem};
        }
        if (::close(fd.release()) != 0) {
            const auto problem = os_error();
            ::unlink(temporary.c_str());
            return Error{"cannot write state file " + temporary.string() + ": " + problem};
        }
    }
    if (::rename(temporary.c_str(), file.c_str()) != 0) {
        const auto problem = os_error();
        ::unlink(temporary.c_str());
        return Error{"cannot replace state file " + file.string() + ": " + problem};
    }
    const auto directory = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
    return Done{};
}

}  // namespace defender
