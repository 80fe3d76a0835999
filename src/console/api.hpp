// SPDX-License-Identifier: Apache-2.0
#pragma once
// The console's routes (docs/console.md): the pages, /static/, the JSON API over the detector's
// store, /metrics. Pure request -> response, independent of the HTTP server; thread-safe (the
// store is used by one thread at a time).

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "console/http_request.hpp"
#include "defender/detect_store.hpp"
#include "detect_service/detect_service.hpp"

namespace defender::console {

/// What the routes need besides the store.
struct ApiOptions {
    /// The token POST requests carry in X-CSRF-Token (GET /api/session serves it).
    std::string csrf_token;
    /// Chart.js, served at /static/chart.min.js; 404 when missing.
    std::string chart_js = "/usr/share/javascript/chart.js/chart.min.js";
    /// The detector's counters, for /metrics.
    std::function<detect::DetectCounters()> counters;
    /// The wall clock (tests set it).
    std::function<detect::Time()> now;
};

class Api {
public:
    /// Routes over `store` (a connection of the console's own).
    Api(std::unique_ptr<detect::Store> store, ApiOptions options);

    /// The response to a request (never throws).
    Response handle(const Request& request);

private:
    Response route(const Request& request);
    Response things(const Request& request);
    Response thing(const std::string& name, const Request& request);
    Response violations(const Request& request);
    Response verify(const std::string& violation_id, const Request& request);
    Response metrics();
    Response chart_js() const;

    std::unique_ptr<detect::Store> store_;
    ApiOptions options_;
    std::mutex mutex_;  // one store call at a time
};

/// The security headers every response carries (the server adds them).
const std::vector<std::pair<std::string, std::string>>& security_headers();

/// A random token of 32 hex digits from getrandom(2); empty when the kernel gives none.
std::string random_token();

}  // namespace defender::console
