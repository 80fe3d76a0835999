// SPDX-License-Identifier: Apache-2.0
#include "agent/state_file.hpp"

#include "agent/state_slots.hpp"
#include "util/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

namespace defender {
namespace {

constexpr int kStateVersion = 1;

std::string os_error() {
    return std::strerror(errno);
}

// The longest id reserve file read: a number and a newline.
constexpr std::size_t kMaxIdReserveBytes = 64;

std::filesystem::path directory_of(const std::filesystem::path& file) {
    return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

// The directory `file` is in; the path up to it is the operator's (it may hold links).
util::UniqueFd open_directory(const std::filesystem::path& file) {
    return util::UniqueFd(::open(directory_of(file).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

// The content of `file`, named `what` in errors ("state file"); nullopt when it (or its
// directory) does not exist. Opened relative to its directory without following a link at
// its name and without blocking (a FIFO), and read only when it is a regular file of at most
// `cap` bytes.
Result<std::optional<std::string>> read_small_file(const std::filesystem::path& file,
                                                   std::size_t cap, const std::string& what) {
    const auto cannot_read = [&](int error) {
        return Error{"cannot read " + what + " " + file.string() + ": " + std::strerror(error)};
    };
    const util::UniqueFd directory = open_directory(file);
    if (!directory.valid()) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return cannot_read(errno);
    }
    const util::UniqueFd fd(::openat(directory.get(), file.filename().c_str(),
                                     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ENOENT) return std::optional<std::string>{};
        if (errno == ELOOP) {
            return Error{what + " " + file.string() +
                         " is a symbolic link, which the agent does not follow"};
        }
        return cannot_read(errno);
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) return cannot_read(errno);
    if (!S_ISREG(status.st_mode))
        return Error{what + " " + file.string() + " is not a regular file"};
    const auto too_large = [&] {
        return Error{what + " " + file.string() + " is larger than " + std::to_string(cap) +
                     " bytes"};
    };
    if (static_cast<std::uint64_t>(status.st_size) > cap) return too_large();
    std::string content;
    if (!util::read_up_to(fd.get(), cap, content)) return cannot_read(errno);
    if (content.size() > cap) return too_large();  // it grew since fstat
    return std::optional<std::string>(std::move(content));
}

// A new file `name` in `directory`, never an existing one nor through a link: a leftover of a
// process killed between creating and renaming it (or anything planted there) is removed
// first (unlinkat removes a link itself, and fails on a directory). -1 with errno set on
// failure.
int create_new_file(int directory, const std::string& name) {
    constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
    const int fd = ::openat(directory, name.c_str(), kFlags, 0600);
    if (fd >= 0 || errno != EEXIST) return fd;
    if (::unlinkat(directory, name.c_str(), 0) != 0) return -1;
    return ::openat(directory, name.c_str(), kFlags, 0600);
}

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

constexpr const char* kStateNames[] = {"starting", "connected", "disconnected", "stopped"};
constexpr const char* kOutcomeNames[] = {"none", "accepted", "rejected", "unanswered", "failed"};

std::int64_t epoch_seconds(AgentStatus::WallTime time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::optional<AgentStatus::WallTime> wall_time(const nlohmann::json& object, const char* key) {
    const auto value = object.find(key);
    if (value == object.end() || !value->is_number_integer()) return std::nullopt;
    // Up to the year 2200: the clock's nanoseconds must not overflow.
    const auto seconds = value->get<std::int64_t>();
    if (seconds < 0 || seconds > std::int64_t{7'258'118'400}) return std::nullopt;
    return AgentStatus::WallTime(std::chrono::seconds(seconds));
}

std::string cut_text(std::string text) {
    if (text.size() <= kMaxStatusTextBytes) return text;
    text.resize(kMaxStatusTextBytes);
    // Not in the middle of a UTF-8 sequence.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80)
        text.pop_back();
    if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80)) text.pop_back();
    return text + "...";
}

nlohmann::json encode_status(const SavedStatus& saved) {
    const AgentStatus& status = saved.status;
    nlohmann::json document = {{"pid", saved.pid},
                               {"boot_id", saved.boot_id},
                               {"updated", epoch_seconds(saved.updated)},
                               {"state", to_string(status.state)},
                               {"since", epoch_seconds(status.since)},
                               {"destination", status.destination}};
    if (!status.last_error.empty()) document["last_error"] = cut_text(status.last_error);
    if (status.last_outcome != ReportOutcome::none) {
        document["last_report"] = {{"report_id", status.last_report_id},
                                   {"outcome", to_string(status.last_outcome)},
                                   {"at", epoch_seconds(status.last_report_at)}};
        if (!status.last_report_detail.empty())
            document["last_report"]["detail"] = cut_text(status.last_report_detail);
    }
    if (status.last_accepted_id != 0) {
        document["last_accepted"] = {{"report_id", status.last_accepted_id},
                                     {"at", epoch_seconds(status.last_accepted_at)}};
    }
    return document;
}

std::optional<std::string> text_field(const nlohmann::json& object, const char* key) {
    const auto value = object.find(key);
    if (value == object.end()) return std::string();
    if (!value->is_string()) return std::nullopt;
    return value->get<std::string>();
}

std::optional<SavedStatus> decode_status(const nlohmann::json& document) {
    if (!document.is_object()) return std::nullopt;
    SavedStatus saved;
    const auto pid = document.find("pid");
    const auto updated = wall_time(document, "updated");
    const auto since = wall_time(document, "since");
    const auto boot_id = text_field(document, "boot_id");
    const auto destination = text_field(document, "destination");
    const auto last_error = text_field(document, "last_error");
    const auto state_name = text_field(document, "state");
    if (pid == document.end() || !pid->is_number_integer() || !updated || !since || !boot_id ||
        !destination || !last_error || !state_name) {
        return std::nullopt;
    }
    const auto state = parse_connection_state(*state_name);
    if (!state) return std::nullopt;
    saved.pid = pid->get<std::int64_t>();
    saved.boot_id = *boot_id;
    saved.updated = *updated;
    AgentStatus& status = saved.status;
    status.state = *state;
    status.since = *since;
    status.destination = *destination;
    status.last_error = *last_error;
    if (const auto last = document.find("last_report"); last != document.end()) {
        if (!last->is_object()) return std::nullopt;
        const auto id = counter(*last, "report_id");
        const auto outcome_name = text_field(*last, "outcome");
        const auto at = wall_time(*last, "at");
        const auto detail = text_field(*last, "detail");
        if (!id || !outcome_name || !at || !detail) return std::nullopt;
        const ReportOutcome outcome =
            parse_report_outcome(*outcome_name).value_or(ReportOutcome::none);
        if (outcome == ReportOutcome::none) return std::nullopt;
        status.last_report_id = *id;
        status.last_outcome = outcome;
        status.last_report_at = *at;
        status.last_report_detail = *detail;
    }
    if (const auto accepted = document.find("last_accepted"); accepted != document.end()) {
        if (!accepted->is_object()) return std::nullopt;
        const auto id = counter(*accepted, "report_id");
        const auto at = wall_time(*accepted, "at");
        if (!id || *id == 0 || !at) return std::nullopt;
        status.last_accepted_id = *id;
        status.last_accepted_at = *at;
    }
    return saved;
}

}  // namespace

const char* to_string(ConnectionState state) {
    return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<ConnectionState> parse_connection_state(std::string_view text) {
    for (std::size_t i = 0; i < std::size(kStateNames); ++i) {
        if (text == kStateNames[i]) return static_cast<ConnectionState>(i);
    }
    return std::nullopt;
}

const char* to_string(ReportOutcome outcome) {
    return kOutcomeNames[static_cast<std::size_t>(outcome)];
}

std::optional<ReportOutcome> parse_report_outcome(std::string_view text) {
    for (std::size_t i = 0; i < std::size(kOutcomeNames); ++i) {
        if (text == kOutcomeNames[i]) return static_cast<ReportOutcome>(i);
    }
    return std::nullopt;
}

bool operator==(const AgentState& a, const AgentState& b) {
    return encode_state(a) == encode_state(b);
}

std::string encode_state(const AgentState& state) {
    nlohmann::json document = {{"version", kStateVersion},
                               {"last_report_id", state.last_report_id},
                               {"totals", encode_totals(state.totals)}};
    // The boot id also without a baseline: a restart on the same boot must be told from one
    // after a reboot (which continues above the id reserve).
    if (state.baseline || !state.boot_id.empty()) document["boot_id"] = state.boot_id;
    if (state.baseline) document["baseline"] = encode_baseline(*state.baseline);
    if (state.status) document["status"] = encode_status(*state.status);
    // A peer's text in an error may not be UTF-8: replaced, never a throw.
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
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
    if (*last > kMaxSavedReportId) {
        return Error{"state file " + file_name + " has last_report_id " + std::to_string(*last) +
                     ", too close to 2^53 (report ids stay below it)"};
    }
    AgentState state{*last, std::nullopt, {}};
    // Files written before totals were kept have none: they start from zero.
    if (const auto totals = document.find("totals"); totals != document.end()) {
        const auto decoded = decode_totals(*totals);
        if (!decoded) return Error{"state file " + file_name + " has invalid totals"};
        state.totals = *decoded;
    }
    const auto boot_id = document.find("boot_id");
    if (boot_id != document.end() && boot_id->is_string())
        state.boot_id = boot_id->get<std::string>();
    if (const auto baseline = document.find("baseline"); baseline != document.end()) {
        state.baseline = decode_baseline(*baseline);
        if (!state.baseline || boot_id == document.end() || !boot_id->is_string()) {
            return Error{"state file " + file_name + " has an invalid network baseline"};
        }
    }
    if (const auto status = document.find("status"); status != document.end()) {
        state.status = decode_status(*status);
        if (state.status) state.status->status.lifetime = state.totals;
    }
    return state;
}

Result<AgentState> load_state(const std::filesystem::path& file) {
    auto content = read_small_file(file, kMaxStateFileBytes, "state file");
    if (!content) return content.error();
    if (!*content) return AgentState{};
    if (is_slotted_state(**content)) return decode_slotted_state(**content, file.string());
    return decode_state(**content, file.string());
}

Result<std::optional<std::string>> check_state_directory(const std::filesystem::path& state_file) {
    const util::UniqueFd directory = open_directory(state_file);
    struct stat status {};
    if (!directory.valid() || ::fstat(directory.get(), &status) != 0)
        return std::optional<std::string>{};  // writing it will say what is wrong
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
    const std::string name = directory_of(state_file).string();
    if ((status.st_mode & S_IWOTH) && !(status.st_mode & S_ISVTX)) {
        return Error{"state directory " + name + " can be written by other users (mode " + mode +
                     ", no sticky bit): they could replace or remove its files; the state is "
                     "not kept (chmod 700 it)"};
    }
    if (status.st_mode & (S_IWGRP | S_IWOTH)) {
        return std::optional<std::string>("state directory " + name +
                                          " can be written by other users (mode " + mode +
                                          "): they could forge the saved report id and "
                                          "baseline (chmod 700 it)");
    }
    return std::optional<std::string>{};
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

// Writes `bytes` to `file` through a new temporary file and a rename; with `synced`, fsyncs
// the data before the rename and the directory after it. Everything is relative to the
// directory, opened once: the temporary is always a new inode (never a file or link planted
// at its name), and the rename replaces whatever is at `file` (a link itself, not its
// target). With `keep_open`, returns the new file open for writing; else an invalid fd.
Result<util::UniqueFd> replace_file(const std::filesystem::path& file, const std::string& bytes,
                                    bool synced, bool keep_open,
                                    const std::string& what = "state file") {
    const std::string name = file.filename().string();
    const std::string temporary_name = name + ".tmp";
    const std::filesystem::path temporary = file.string() + ".tmp";
    const auto cannot_write = [&](const std::string& problem) {
        return Error{"cannot write " + what + " " + temporary.string() + ": " + problem};
    };
    const util::UniqueFd directory = open_directory(file);
    if (!directory.valid()) return cannot_write(os_error());
    util::UniqueFd fd(create_new_file(directory.get(), temporary_name));
    if (!fd.valid()) return cannot_write(os_error());
    const auto failed = [&](const std::string& problem) {
        fd.reset();
        ::unlinkat(directory.get(), temporary_name.c_str(), 0);
        return problem;
    };
    if (!write_all(fd.get(), bytes) || (synced && ::fsync(fd.get()) != 0))
        return cannot_write(failed(os_error()));
    if (!keep_open && ::close(fd.release()) != 0) return cannot_write(failed(os_error()));
    if (::renameat(directory.get(), temporary_name.c_str(), directory.get(), name.c_str()) != 0) {
        const auto problem = failed(os_error());
        return Error{"cannot replace " + what + " " + file.string() + ": " + problem};
    }
    if (synced) ::fsync(directory.get());
    return fd;
}

}  // namespace

Status save_state(const std::filesystem::path& file, const AgentState& state, bool synced) {
    return save_state_bytes(file, encode_state(state), synced);
}

Status save_state_bytes(const std::filesystem::path& file, const std::string& bytes, bool synced) {
    if (auto written = replace_file(file, bytes, synced, false); !written) return written.error();
    return Done{};
}

Status save_file_bytes(const std::filesystem::path& file, const std::string& bytes,
                       const std::string& what) {
    if (auto written = replace_file(file, bytes, false, false, what); !written)
        return written.error();
    return Done{};
}

Result<util::UniqueFd> replace_state_file(const std::filesystem::path& file,
                                          const std::string& bytes, bool synced) {
    return replace_file(file, bytes, synced, true);
}

std::filesystem::path id_reserve_file(const std::filesystem::path& state_file) {
    return state_file.string() + ".id-reserve";
}

Result<std::uint64_t> read_id_reserve(const std::filesystem::path& file) {
    const auto content = read_small_file(file, kMaxIdReserveBytes, "id reserve file");
    if (!content) return content.error();
    if (!*content) return std::uint64_t{0};
    std::string_view text = **content;
    if (text.ends_with('\n')) text.remove_suffix(1);
    std::uint64_t reserve = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), reserve);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return Error{"id reserve file " + file.string() + " is corrupt"};
    if (reserve > kMaxSavedReportId) {
        return Error{"id reserve file " + file.string() + " holds " + std::to_string(reserve) +
                     ", too close to 2^53 (report ids stay below it)"};
    }
    return reserve;
}

std::uint64_t load_id_reserve(const std::filesystem::path& file) {
    const auto reserve = read_id_reserve(file);
    return reserve ? *reserve : 0;
}

Status save_id_reserve(const std::filesystem::path& file, std::uint64_t reserve) {
    return save_state_bytes(file, std::to_string(reserve) + "\n", true);
}

}  // namespace defender
