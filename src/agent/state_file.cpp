#include "agent/state_file.hpp"

#include "agent/state_slots.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
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

std::optional<std::uint64_t> counter(const nlohmann::json& object, const char* key) {
    const auto value = object.find(key);
    if (value == object.end() || !value->is_number_unsigned()) return std::nullopt;
    return value->get<std::uint64_t>();
}

std::optional<Baseline> decode_baseline(const nlohmann::json& document) {
    if (!document.is_object()) return std::nullopt;
    Baseline baseline;
    const auto interfaces = document.find("interfaces");
    if (interfaces == document.end() || !interfaces->is_array()) return std::nullopt;
    for (const auto& entry : *interfaces) {
        if (!entry.is_object()) return std::nullopt;
        const auto name = entry.find("name");
        const auto loopback = entry.find("loopback");
        const auto bytes_in = counter(entry, "bytes_in");
        const auto packets_in = counter(entry, "packets_in");
        const auto bytes_out = counter(entry, "bytes_out");
        const auto packets_out = counter(entry, "packets_out");
        if (name == entry.end() || !name->is_string() || loopback == entry.end() ||
            !loopback->is_boolean() || !bytes_in || !packets_in || !bytes_out || !packets_out) {
            return std::nullopt;
        }
        baseline.interfaces.push_back({name->get<std::string>(), *bytes_in, *packets_in, *bytes_out,
                                       *packets_out, loopback->get<bool>()});
    }
    if (const auto cpu = document.find("cpu"); cpu != document.end()) {
        if (!cpu->is_object()) return std::nullopt;
        const auto busy = counter(*cpu, "busy");
        const auto total = counter(*cpu, "total");
        if (!busy || !total) return std::nullopt;
        baseline.cpu = CpuTimes{*busy, *total};
    }
    return baseline;
}

constexpr const char* kCountNames[] = {"published", "accepted", "rejected", "unanswered", "failed"};

std::uint64_t* count_field(AgentCounts& counts, std::size_t index) {
    std::uint64_t* fields[] = {&counts.published, &counts.accepted, &counts.rejected,
                               &counts.unanswered, &counts.failed};
    return fields[index];
}

std::optional<AgentCounts> decode_totals(const nlohmann::json& document) {
    if (!document.is_object()) return std::nullopt;
    AgentCounts totals;
    for (std::size_t i = 0; i < std::size(kCountNames); ++i) {
        const auto value = counter(document, kCountNames[i]);
        if (!value) return std::nullopt;
        *count_field(totals, i) = *value;
    }
    return totals;
}

nlohmann::json encode_totals(AgentCounts totals) {
    nlohmann::json document = nlohmann::json::object();
    for (std::size_t i = 0; i < std::size(kCountNames); ++i)
        document[kCountNames[i]] = *count_field(totals, i);
    return document;
}

nlohmann::json encode_baseline(const Baseline& baseline) {
    nlohmann::json interfaces = nlohmann::json::array();
    for (const auto& counters : baseline.interfaces) {
        interfaces.push_back({{"name", counters.name},
                              {"bytes_in", counters.bytes_in},
                              {"packets_in", counters.packets_in},
                              {"bytes_out", counters.bytes_out},
                              {"packets_out", counters.packets_out},
                              {"loopback", counters.loopback}});
    }
    nlohmann::json document = {{"interfaces", std::move(interfaces)}};
    if (baseline.cpu)
        document["cpu"] = {{"busy", baseline.cpu->busy}, {"total", baseline.cpu->total}};
    return document;
}

}  // namespace

bool operator==(const AgentState& a, const AgentState& b) {
    return encode_state(a) == encode_state(b);
}

std::string encode_state(const AgentState& state) {
    nlohmann::json document = {{"version", kStateVersion},
                               {"last_report_id", state.last_report_id},
                               {"totals", encode_totals(state.totals)}};
    if (state.baseline) {
        document["boot_id"] = state.boot_id;
        document["baseline"] = encode_baseline(*state.baseline);
    }
    return document.dump() + "\n";
}

Result<AgentState> decode_state(const std::string& text, const std::string& file_name) {
    const auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded() || !document.is_object()) {
        return Error{"state file " + file_name + " is corrupt (not a JSON object)"};
    }
    const auto version = document.find("version");
    if (version == document.end() || !version->is_number_integer()) {
        return Error{"state file " + file_name + " has no version"};
    }
    if (version->get<std::int64_t>() != kStateVersion) {
        return Error{"state file " + file_name + " has version " + version->dump() +
                     "; this agent reads version " + std::to_string(kStateVersion)};
    }
    const auto last = counter(document, "last_report_id");
    if (!last) return Error{"state file " + file_name + " has no valid last_report_id"};
    AgentState state{*last, std::nullopt, {}};
    // Files written before totals were kept have none: they start from zero.
    if (const auto totals = document.find("totals"); totals != document.end()) {
        const auto decoded = decode_totals(*totals);
        if (!decoded) return Error{"state file " + file_name + " has invalid totals"};
        state.totals = *decoded;
    }
    if (const auto baseline = document.find("baseline"); baseline != document.end()) {
        const auto boot_id = document.find("boot_id");
        state.baseline = decode_baseline(*baseline);
        if (!state.baseline || boot_id == document.end() || !boot_id->is_string()) {
            return Error{"state file " + file_name + " has an invalid network baseline"};
        }
        state.boot_id = boot_id->get<std::string>();
    }
    return state;
}

Result<AgentState> load_state(const std::filesystem::path& file) {
    std::error_code missing;
    if (!std::filesystem::exists(file, missing) && !missing) return AgentState{};
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{"cannot read state file " + file.string() + ": " + os_error()};
    std::stringstream text;
    text << in.rdbuf();
    if (in.bad()) return Error{"cannot read state file " + file.string() + ": " + os_error()};
    const std::string content = text.str();
    if (is_slotted_state(content)) return decode_slotted_state(content, file.string());
    return decode_state(content, file.string());
}

std::string read_boot_id(const std::filesystem::path& boot_id_file) {
    if (boot_id_file.empty()) return {};
    std::ifstream in(boot_id_file);
    std::string id;
    if (!std::getline(in, id)) return {};
    while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back())))
        id.pop_back();
    return id;
}

namespace {

// Writes `bytes` to `file` through a temporary file and a rename; with `synced`, fsyncs the
// data before the rename and the directory after it.
Status replace_file(const std::filesystem::path& file, const std::string& bytes, bool synced) {
    const std::filesystem::path temporary = file.string() + ".tmp";
    {
        FileDescriptor fd(
            ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0)
            return Error{"cannot write state file " + temporary.string() + ": " + os_error()};
        if (!write_all(fd.get(), bytes) || (synced && ::fsync(fd.get()) != 0)) {
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
    if (!synced) return Done{};
    const auto directory = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
    return Done{};
}

}  // namespace

Status save_state(const std::filesystem::path& file, const AgentState& state, bool synced) {
    return replace_file(file, encode_state(state), synced);
}

Status save_state_bytes(const std::filesystem::path& file, const std::string& bytes, bool synced) {
    return replace_file(file, bytes, synced);
}

std::filesystem::path id_reserve_file(const std::filesystem::path& state_file) {
    return state_file.string() + ".id-reserve";
}

std::uint64_t load_id_reserve(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string text;
    if (!std::getline(in, text)) return 0;
    std::uint64_t reserve = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), reserve);
    return error == std::errc() && end == text.data() + text.size() ? reserve : 0;
}

Status save_id_reserve(const std::filesystem::path& file, std::uint64_t reserve) {
    return replace_file(file, std::to_string(reserve) + "\n", true);
}

}  // namespace defender
