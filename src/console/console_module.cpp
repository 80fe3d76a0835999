// SPDX-License-Identifier: Apache-2.0
// The console module (defender-console.so): starts the console for `defender detect --http`.

#include <memory>

#include "console/api.hpp"
#include "console/auth.hpp"
#include "console/console_module_api.hpp"
#include "console/http_address.hpp"
#include "console/http_server.hpp"
#include "console/tls_relay.hpp"

namespace defender::console {
namespace {

class RunningConsole final : public Console {
public:
    std::string url() const override { return url_; }
    std::vector<std::string> warnings() const override { return warnings_; }

    std::string url_;
    std::vector<std::string> warnings_;
    // Stopped in this order: the relay, the server, the routes.
    std::unique_ptr<Api> api_;
    std::unique_ptr<HttpServer> server_;
    std::unique_ptr<TlsRelay> relay_;

    ~RunningConsole() override {
        relay_.reset();
        server_.reset();
        api_.reset();
    }
};

std::unique_ptr<Console> start(const ConsoleSettings& settings, ConsoleStartError& error) {
    auto address = parse_http_address(settings.listen);
    if (!address) {
        error = {address.error().message, true};
        return nullptr;
    }
    const bool https = !settings.cert_file.empty();
    if (https != !settings.key_file.empty()) {
        error = {"--http-cert and --http-key go together", true};
        return nullptr;
    }
    std::optional<Users> users;
    if (!settings.auth_file.empty()) {
        auto loaded = Users::load(settings.auth_file);
        if (!loaded) {
            error = {loaded.error().message, true};
            return nullptr;
        }
        users = std::move(*loaded);
    }
    auto store = detect::open_sqlite_store(settings.store_path);
    if (!store) {
        error = {store.error().message, false};
        return nullptr;
    }
    ApiOptions options;
    options.csrf_token = random_token();
    if (options.csrf_token.empty()) {
        error = {"console: no random bytes from the kernel for the CSRF token", false};
        return nullptr;
    }
    options.chart_js = settings.chart_js;
    options.counters = settings.counters;
    auto console = std::make_unique<RunningConsole>();
    console->api_ = std::make_unique<Api>(std::move(*store), std::move(options));
    auto server = HttpServer::start(https ? "127.0.0.1:0" : address->text(), *console->api_,
                                    std::move(users), https);
    if (!server) {
        error = {server.error().message, false};
        return nullptr;
    }
    console->server_ = std::move(*server);
    if (https) {
        auto relay = TlsRelay::start(*address, settings.cert_file, settings.key_file,
                                     console->server_->port());
        if (!relay) {
            error = {relay.error().message, relay.error().message.starts_with("--http")};
            return nullptr;
        }
        console->relay_ = std::move(*relay);
    }
    console->url_ = std::string(https ? "https://" : "http://") + address->text() + "/";
    if (!address->loopback() && settings.auth_file.empty()) {
        console->warnings_.push_back("the console is open to anyone who reaches " +
                                     address->text() + "; give --http-auth-file");
    }
    return console;
}

const ConsoleModule kModule{kConsoleModuleVersion, &start};

}  // namespace
}  // namespace defender::console

extern "C" __attribute__((visibility("default"))) const defender::console::ConsoleModule*
defender_console_module() {
    return &defender::console::kModule;
}
