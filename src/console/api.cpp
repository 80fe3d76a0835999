// SPDX-License-Identifier: Apache-2.0
#include "console/api.hpp"

#include <sys/random.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>

#include "console/assets.hpp"
#include "console/auth.hpp"
#include "view/prometheus_text.hpp"

namespace defender::console {
namespace {

using Json = nlohmann::ordered_json;
using Query = std::map<std::string, std::string>;

constexpr std::size_t kMaxDatapoints = 2000;
constexpr std::size_t kMaxThingEvents = 2000;
constexpr std::size_t kDefaultViolationLimit = 1000;
constexpr std::size_t kMaxViolationLimit = 10000;
constexpr std::size_t kMaxFleetLimit = 1000;
constexpr std::size_t kMaxDescriptionBytes = 1000;
constexpr auto kDefaultWindow = std::chrono::hours(24);

struct BadRequest {
    std::string message;
};

Response json_response(int status, const Json& body) {
    Response response;
    response.status = status;
    response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    return response;
}

Response error_response(int status, const std::string& message) {
    return json_response(status, Json{{"error", message}});
}

// A store failure: 503 when the database stayed busy past the busy timeout (try again), else 500.
Response store_error(const Error& error) {
    if (error.message.find("locked") != std::string::npos ||
        error.message.find("busy") != std::string::npos) {
        auto response = error_response(503, error.message);
        response.headers.emplace_back("Retry-After", "1");
        return response;
    }
    return error_response(500, error.message);
}

Response method_not_allowed(const char* allowed) {
    auto response =
        error_response(405, "method not allowed (allowed: " + std::string(allowed) + ")");
    response.headers.emplace_back("Allow", allowed);
    return response;
}

Json seconds(detect::Time time) {
    const auto ms = time.time_since_epoch().count();
    if (ms % 1000 == 0) return Json(ms / 1000);
    return Json(static_cast<double>(ms) / 1000.0);
}

Json optional_seconds(const std::optional<detect::Time>& time) {
    return time ? seconds(*time) : Json(nullptr);
}

Json thing_json(const detect::ThingSummary& thing) {
    return Json{{"thingName", thing.thing_name},
                {"lastReportTime", optional_seconds(thing.last_report)},
                {"lastReceivedTime", optional_seconds(thing.last_received)},
                {"format", thing.format},
                {"accepted", thing.accepted},
                {"rejected", thing.rejected},
                {"activeViolations", thing.active_violations}};
}

std::string query_value(const Query& query, const std::string& name) {
    const auto found = query.find(name);
    return found == query.end() ? std::string() : found->second;
}

std::size_t count_parameter(const Query& query, const std::string& name, std::size_t fallback,
                            std::size_t max) {
    const auto text = query_value(query, name);
    if (text.empty()) return fallback;
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        throw BadRequest{name + " is not a whole number: " + text};
    }
    return std::min(value, max);
}

std::optional<detect::Time> time_parameter(const Query& query, const std::string& name) {
    const auto text = query_value(query, name);
    if (text.empty()) return std::nullopt;
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
        value < 0 || value > 1e11) {
        throw BadRequest{name + " is not a time in epoch seconds: " + text};
    }
    return detect::Time(std::chrono::milliseconds(std::llround(value * 1000.0)));
}

std::optional<detect::VerificationState> state_parameter(const Query& query,
                                                         const std::string& name) {
    const auto text = query_value(query, name);
    if (text.empty()) return std::nullopt;
    auto state = detect::parse_verification_state(text);
    if (!state) {
        throw BadRequest{name +
                         " is none of FALSE_POSITIVE, BENIGN_POSITIVE, TRUE_POSITIVE, UNKNOWN"};
    }
    return state;
}

std::optional<std::string> some(std::string text) {
    if (text.empty()) return std::nullopt;
    return text;
}

Query parsed_query(const Request& request) {
    auto query = parse_query(request.query);
    if (!query) throw BadRequest{"the query string is not properly percent-encoded"};
    return std::move(*query);
}

// The window [from, to] of a request; by default the last 24 hours.
std::pair<detect::Time, detect::Time> window(const Query& query, const std::string& from_name,
                                             const std::string& to_name, detect::Time now) {
    const auto to = time_parameter(query, to_name).value_or(now);
    const auto from = time_parameter(query, from_name).value_or(to - kDefaultWindow);
    if (to < from) throw BadRequest{to_name + " is before " + from_name};
    return {from, to};
}

Json parse_items(const std::vector<std::string>& items) {
    Json out = Json::array();
    for (const auto& item : items)
        out.push_back(Json::parse(item));
    return out;
}

const char* const kPagesAllow = "GET";

}  // namespace

const std::vector<std::pair<std::string, std::string>>& security_headers() {
    static const std::vector<std::pair<std::string, std::string>> headers{
        {"Content-Security-Policy",
         "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
         "connect-src 'self'; frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"Cache-Control", "no-store"},
    };
    return headers;
}

std::string random_token() {
    unsigned char bytes[16];
    std::size_t got = 0;
    while (got < sizeof(bytes)) {
        const auto n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
        if (n <= 0) return {};
        got += static_cast<std::size_t>(n);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token;
    for (const unsigned char byte : bytes) {
        token.push_back(kHex[byte >> 4]);
        token.push_back(kHex[byte & 15]);
    }
    return token;
}

Api::Api(std::unique_ptr<detect::Store> store, ApiOptions options)
    : store_(std::move(store)), options_(std::move(options)) {
    if (!options_.now) {
        options_.now = [] {
            return std::chrono::time_point_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now());
        };
    }
}

Response Api::handle(const Request& request) {
    try {
        return route(request);
    } catch (const BadRequest& bad) {
        return error_response(400, bad.message);
    } catch (const std::exception& error) {
        return error_response(500, std::string("internal error: ") + error.what());
    }
}

Response Api::route(const Request& request) {
    const auto segments = split_path(request.path);
    if (!segments) return error_response(400, "the path is not properly percent-encoded");
    const auto& s = *segments;
    const bool get = request.method == "GET" || request.method == "HEAD";
    const auto page = [&](const char* name) {
        if (!get) return method_not_allowed(kPagesAllow);
        const auto* asset = find_asset(name);
        if (asset == nullptr) return error_response(404, std::string("no page ") + name);
        Response response;
        response.content_type = std::string(asset->content_type);
        response.body = std::string(asset->bytes);
        return response;
    };
    // The path arrives as sent (civetweb's decode_url=no), so a name's %2F stays in its
    // segment; a literal '/' after /things/ is taken as part of the name too.
    const auto name_from = [&](std::size_t first) {
        std::string name = s[first];
        for (std::size_t i = first + 1; i < s.size(); ++i)
            name.append("/").append(s[i]);
        return name;
    };
    if (s.empty()) return page("index.html");
    if (s.size() == 1 && s[0] == "violations") return page("violations.html");
    if (s.size() >= 2 && s[0] == "things" && !name_from(1).empty()) return page("thing.html");
    if (s.size() == 2 && s[0] == "static") {
        if (!get) return method_not_allowed(kPagesAllow);
        if (s[1] == "chart.min.js") return chart_js();
        const auto* asset = find_asset(s[1]);
        if (asset == nullptr) return error_response(404, "no file " + s[1]);
        Response response;
        response.content_type = std::string(asset->content_type);
        response.body = std::string(asset->bytes);
        return response;
    }
    if (s.size() == 1 && s[0] == "metrics") {
        if (!get) return method_not_allowed(kPagesAllow);
        return metrics();
    }
    if (s.size() >= 2 && s[0] == "api") {
        if (s.size() == 2 && s[1] == "session") {
            if (!get) return method_not_allowed(kPagesAllow);
            return json_response(200, Json{{"csrfToken", options_.csrf_token}});
        }
        if (s.size() == 2 && s[1] == "things") {
            if (!get) return method_not_allowed(kPagesAllow);
            return things(request);
        }
        if (s.size() >= 3 && s[1] == "things" && !name_from(2).empty()) {
            if (!get) return method_not_allowed(kPagesAllow);
            return thing(name_from(2), request);
        }
        if (s.size() == 2 && s[1] == "violations") {
            if (!get) return method_not_allowed(kPagesAllow);
            return violations(request);
        }
        if (s.size() == 4 && s[1] == "violations" && !s[2].empty() &&
            s[3] == "verification-state") {
            if (request.method != "POST") return method_not_allowed("POST");
            return verify(s[2], request);
        }
    }
    return error_response(404, "no such page: " + request.path.substr(0, 200));
}

Response Api::things(const Request& request) {
    const auto query = parsed_query(request);
    detect::FleetQuery fleet;
    fleet.name_contains = query_value(query, "filter");
    const auto sort = query_value(query, "sort");
    if (sort.empty() || sort == "name") {
        fleet.sort = detect::FleetQuery::Sort::name;
    } else if (sort == "lastReport") {
        fleet.sort = detect::FleetQuery::Sort::last_report;
    } else if (sort == "accepted") {
        fleet.sort = detect::FleetQuery::Sort::accepted;
    } else if (sort == "rejected") {
        fleet.sort = detect::FleetQuery::Sort::rejected;
    } else if (sort == "activeViolations") {
        fleet.sort = detect::FleetQuery::Sort::active_violations;
    } else {
        throw BadRequest{"sort is none of name, lastReport, accepted, rejected, activeViolations"};
    }
    const auto order = query_value(query, "order");
    if (order != "" && order != "asc" && order != "desc") {
        throw BadRequest{"order is neither asc nor desc"};
    }
    fleet.descending = order == "desc";
    fleet.offset = count_parameter(query, "offset", 0, std::numeric_limits<std::size_t>::max());
    fleet.limit = count_parameter(query, "limit", 100, kMaxFleetLimit);
    const auto now = options_.now();
    std::lock_guard lock(mutex_);
    auto page = store_->fleet(fleet);
    if (!page) return store_error(page.error());
    Json rows = Json::array();
    for (const auto& thing : page->things)
        rows.push_back(thing_json(thing));
    return json_response(200, Json{{"things", std::move(rows)},
                                   {"total", page->total},
                                   {"offset", fleet.offset},
                                   {"limit", fleet.limit},
                                   {"serverTime", seconds(now)}});
}

Response Api::thing(const std::string& name, const Request& request) {
    const auto query = parsed_query(request);
    const auto now = options_.now();
    const auto [from, to] = window(query, "from", "to", now);
    std::lock_guard lock(mutex_);
    auto summary = store_->thing_summary(name);
    if (!summary) return store_error(summary.error());
    if (!*summary) return error_response(404, "no thing named " + name);
    Json out{{"thing", thing_json(**summary)}, {"latest", nullptr}};
    auto latest = store_->latest_datapoints();
    if (!latest) return store_error(latest.error());
    for (const auto& datapoint : *latest) {
        if (datapoint.thing_name == name) out["latest"] = Json::parse(datapoint.metrics);
    }
    auto datapoints = store_->datapoints(name, from, to);
    if (!datapoints) return store_error(datapoints.error());
    const bool truncated = datapoints->size() > kMaxDatapoints;
    Json points = Json::array();
    for (std::size_t i = truncated ? datapoints->size() - kMaxDatapoints : 0;
         i < datapoints->size(); ++i) {
        const auto& datapoint = (*datapoints)[i];
        points.push_back(
            Json{{"time", seconds(datapoint.time)}, {"metrics", Json::parse(datapoint.metrics)}});
    }
    out["datapoints"] = std::move(points);
    out["truncated"] = truncated;
    detect::ActiveQuery active_query;
    active_query.thing_name = name;
    auto active = store_->active_violations(active_query);
    if (!active) return store_error(active.error());
    std::vector<std::string> items;
    for (const auto& violation : *active)
        items.push_back(detect::to_json(violation));
    out["activeViolations"] = parse_items(items);
    detect::EventQuery event_query;
    event_query.start_time = from;
    event_query.end_time = to;
    event_query.thing_name = name;
    event_query.limit = kMaxThingEvents;
    auto events = store_->violation_events(event_query);
    if (!events) return store_error(events.error());
    items.clear();
    for (const auto& event : *events)
        items.push_back(detect::to_json(event));
    out["violationEvents"] = parse_items(items);
    out["serverTime"] = seconds(now);
    return json_response(200, out);
}

Response Api::violations(const Request& request) {
    const auto query = parsed_query(request);
    const auto now = options_.now();
    const auto [from, to] = window(query, "startTime", "endTime", now);
    const auto limit = count_parameter(query, "limit", kDefaultViolationLimit, kMaxViolationLimit);
    detect::ActiveQuery active_query;
    active_query.thing_name = some(query_value(query, "thingName"));
    active_query.profile_name = some(query_value(query, "securityProfileName"));
    active_query.verification = state_parameter(query, "verificationState");
    detect::EventQuery event_query;
    event_query.start_time = from;
    event_query.end_time = to;
    event_query.thing_name = active_query.thing_name;
    event_query.profile_name = active_query.profile_name;
    event_query.verification = active_query.verification;
    event_query.limit = limit;
    std::lock_guard lock(mutex_);
    auto active = store_->active_violations(active_query);
    if (!active) return store_error(active.error());
    std::vector<std::string> items;
    for (const auto& violation : *active) {
        if (items.size() == limit) break;
        items.push_back(detect::to_json(violation));
    }
    Json out{{"activeViolations", parse_items(items)}};
    auto events = store_->violation_events(event_query);
    if (!events) return store_error(events.error());
    items.clear();
    for (const auto& event : *events)
        items.push_back(detect::to_json(event));
    out["violationEvents"] = parse_items(items);
    out["serverTime"] = seconds(now);
    return json_response(200, out);
}

Response Api::verify(const std::string& violation_id, const Request& request) {
    const auto token = request.header("x-csrf-token");
    if (token.empty() || options_.csrf_token.empty() ||
        !constant_time_equal(token, options_.csrf_token)) {
        return error_response(403, "missing or wrong X-CSRF-Token (GET /api/session gives it)");
    }
    // A browser names the page's origin; it must be this server's.
    const auto origin = request.header("origin");
    if (!origin.empty() &&
        origin != (request.https ? "https://" : "http://") + request.header("host")) {
        return error_response(403, "the Origin header is not this server");
    }
    const auto body = Json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return error_response(400, "the body is not a JSON object");
    }
    const auto state_json = body.find("verificationState");
    if (state_json == body.end() || !state_json->is_string()) {
        return error_response(400, "verificationState is missing");
    }
    const auto state = detect::parse_verification_state(state_json->get<std::string>());
    if (!state) {
        return error_response(
            400,
            "verificationState is none of FALSE_POSITIVE, BENIGN_POSITIVE, TRUE_POSITIVE, "
            "UNKNOWN");
    }
    detect::Verification verification{*state, {}};
    if (const auto description = body.find("verificationStateDescription");
        description != body.end() && !description->is_null()) {
        if (!description->is_string()) {
            return error_response(400, "verificationStateDescription is not a string");
        }
        verification.description = description->get<std::string>();
        if (verification.description.size() > kMaxDescriptionBytes) {
            return error_response(400, "verificationStateDescription is over 1000 bytes");
        }
    }
    std::lock_guard lock(mutex_);
    auto put = store_->put_verification_state(violation_id, verification);
    if (!put) {
        if (put.error().message.starts_with("no violation with id")) {
            return error_response(404, put.error().message);
        }
        return store_error(put.error());
    }
    return json_response(200, Json::object());
}

Response Api::metrics() {
    const auto counters = options_.counters ? options_.counters() : detect::DetectCounters{};
    detect::FleetQuery all;
    all.limit = std::numeric_limits<std::size_t>::max();
    std::lock_guard lock(mutex_);
    auto fleet = store_->fleet(all);
    if (!fleet) return store_error(fleet.error());
    auto latest = store_->latest_datapoints();
    if (!latest) return store_error(latest.error());
    Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = view::prometheus_text(fleet->things, *latest, counters);
    return response;
}

Response Api::chart_js() const {
    std::ifstream in(options_.chart_js, std::ios::binary);
    if (!in) {
        return error_response(
            404, "Chart.js is not installed (" + options_.chart_js + "): install libjs-chart.js");
    }
    Response response;
    response.content_type = "text/javascript; charset=utf-8";
    response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return response;
}

}  // namespace defender::console
