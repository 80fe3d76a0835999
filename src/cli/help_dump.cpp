// SPDX-License-Identifier: Apache-2.0
#include "cli/help_dump.hpp"

#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "defender/version.hpp"

namespace defender::cli {
namespace {

// Values shown for options that have no default worth showing, so that uncommenting a line
// of the sample gives a valid setting.
const std::map<std::string, std::string> kExamples = {
    {"endpoint", R"("abc123example-ats.iot.eu-west-1.amazonaws.com")"},
    {"port", "8883"},
    {"proxy-host", R"("proxy.example.com")"},
    {"proxy-port", "3128"},
    {"max-report-bytes", "131072"},
    {"root-ca", R"("/etc/defender/certs/AmazonRootCA1.pem")"},
    {"cert", R"("/etc/defender/certs/device.pem.crt")"},
    {"key", R"("/etc/defender/certs/private.pem.key")"},
    {"client-id", R"("my-gateway")"},
    {"thing-name", R"("my-gateway")"},
    {"custom-metric", R"(["name=uptime_seconds,builtin=uptime_seconds"])"},
    {"procfs", R"("/proc")"},
    {"state-dir", R"("/var/lib/defender")"},
    {"log-format", R"("auto")"},
    {"mirror-topic", R"("dt/defender/{thingName}/metrics/{format}")"},
    {"profile", R"(["/etc/defender/profiles"])"},
    {"reports-topic", R"(["dt/defender/{thingName}/metrics/{format}"])"},
    {"store", R"("/var/lib/defender-detect/detect.db")"},
};

// Value names where CLI11 only knows "TEXT".
const std::map<std::string, std::string> kValueNames = {
    {"endpoint", "HOST"},   {"root-ca", "FILE"},    {"cert", "FILE"},  {"key", "FILE"},
    {"client-id", "ID"},    {"thing-name", "NAME"}, {"procfs", "DIR"}, {"state-dir", "DIR"},
    {"proxy-host", "HOST"}, {"output", "FILE"},     {"store", "DIR"},  {"file", "FILE"},
};

// `text` as comment lines of at most 80 columns.
std::string comment_lines(const std::string& text) {
    std::string out;
    std::string line = "#";
    std::istringstream words(text);
    for (std::string word; words >> word;) {
        if (line.size() + 1 + word.size() > 80 && line != "#") {
            out += line + "\n";
            line = "#";
        }
        line += " " + word;
    }
    return out + line + "\n";
}

bool is_flag(const CLI::Option* option) {
    return option->get_expected_max() == 0;
}

std::string long_name(const CLI::Option* option) {
    const auto& names = option->get_lnames();
    return names.empty() ? option->get_name() : names.front();
}

// Options a user sets: no help, version or config flags, no positionals.
std::vector<const CLI::Option*> settable(const CLI::App& command) {
    std::vector<const CLI::Option*> result;
    for (const CLI::Option* option : command.get_options()) {
        if (option->get_lnames().empty()) continue;
        const std::string name = long_name(option);
        if (name == "help" || name == "help-all" || name == "version" || name == "config") continue;
        result.push_back(option);
    }
    return result;
}

std::vector<const CLI::App*> commands(const CLI::App& app) {
    return app.get_subcommands(
        [](const CLI::App* command) { return !command->get_group().empty(); });
}

// The commands, each followed by its own subcommands (`detect list-active-violations`, ...).
std::vector<const CLI::App*> commands_and_actions(const CLI::App& app) {
    std::vector<const CLI::App*> result;
    for (const CLI::App* command : commands(app)) {
        result.push_back(command);
        for (const CLI::App* action : commands(*command)) {
            result.push_back(action);
        }
    }
    return result;
}

// "detect list-active-violations" for an action, "detect" for a command.
std::string full_name(const CLI::App* command) {
    const CLI::App* parent = command->get_parent();
    if (parent != nullptr && parent->get_parent() != nullptr) {
        return parent->get_name() + " " + command->get_name();
    }
    return command->get_name();
}

std::string value_name(const CLI::Option* option) {
    // A value name the option table sets itself wins.
    if (const std::string set = option->get_type_name();
        set == "FILE" || set == "DIR" || set == "TOPIC" || set == "ID")
        return set;
    if (const auto known = kValueNames.find(long_name(option)); known != kValueNames.end())
        return known->second;
    std::string type = option->get_type_name();
    if (type.rfind("TEXT:{", 0) == 0 || type.rfind("{", 0) == 0) {
        // IsMember: TEXT:{json,cbor} -> json|cbor
        type = type.substr(type.find('{') + 1);
        type = type.substr(0, type.find('}'));
        for (auto& c : type)
            if (c == ',') c = '|';
        return type;
    }
    if (type.rfind("TEXT", 0) == 0) return "TEXT";
    if (type.rfind("UINT", 0) == 0 || type.rfind("INT", 0) == 0) return "N";
    if (type.rfind("FLOAT", 0) == 0) return "SECONDS";
    return type.substr(0, type.find(' '));
}

std::string config_value(const CLI::Option* option) {
    const auto example = kExamples.find(long_name(option));
    if (example != kExamples.end()) return example->second;
    if (is_flag(option)) return "false";
    const std::string value = option->get_default_str();
    if (value.empty()) return R"("")";
    const bool number = value.find_first_not_of("0123456789.") == std::string::npos;
    return number ? value : "\"" + value + "\"";
}

// "-e, --endpoint, --client_id" as typed on the command line.
std::string spellings(const CLI::Option* option, const char* separator) {
    std::string text;
    for (const auto& name : option->get_snames())
        text += (text.empty() ? "-" : separator + std::string("-")) + name;
    for (const auto& name : option->get_lnames())
        text += (text.empty() ? "--" : separator + std::string("--")) + name;
    return text;
}

std::string roff(std::string text) {
    std::string out;
    for (char c : text) {
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
    return out;
}

std::string markdown_cell(const std::string& text) {
    std::string out;
    for (char c : text)
        out += (c == '|') ? std::string("\\|") : std::string(1, c);
    return out;
}

void write_roff_options(const std::vector<const CLI::Option*>& options, std::ostream& out) {
    for (const CLI::Option* option : options) {
        out << ".TP\n\\fB" << roff(spellings(option, ", ")) << "\\fR";
        if (!is_flag(option)) out << " \\fI" << roff(value_name(option)) << "\\fR";
        out << "\n" << roff(option->get_description());
        if (!option->get_default_str().empty() && !is_flag(option))
            out << " (default: " << roff(option->get_default_str()) << ")";
        out << ".\n";
    }
}

}  // namespace

void write_settings(const CLI::App& app, const CLI::App& command, std::ostream& out) {
    for (const auto* options_of : {&app, &command}) {
        for (const CLI::Option* option : settable(*options_of)) {
            out << "\n"
                << comment_lines(option->get_description() + ".") << "# " << long_name(option)
                << " = " << config_value(option) << "\n";
        }
    }
}

void write_detect_config(const CLI::App& app, std::ostream& out) {
    out << "# /etc/defender/detect.conf: settings of `defender detect` (defender-detect.service,\n"
           "# docs/detect.md). Keys are the long command-line options (see defender(1));\n"
           "# options on the command line win. Every setting is shown commented out, with its\n"
           "# default or an example value: set at least endpoint (and port). The profiles are\n"
           "# the *.json files of /etc/defender/profiles; `systemctl reload defender-detect`\n"
           "# (SIGHUP) reads them again. The service takes the root CA, certificate and key from\n"
           "# /etc/defender/certs (AmazonRootCA1.pem, detect.pem.crt, detect.pem.key).\n"
           "#\n"
           "# Generated by `defender help-dump detect-conf`: change the option table, not this\n"
           "# file.\n";
    write_settings(app, *app.get_subcommand("detect"), out);
}

void write_sample_config(const CLI::App& app, std::ostream& out) {
    const CLI::App& agent = *app.get_subcommand("agent");
    out << "# /etc/defender/agent.conf: settings of `defender agent` (defender-agent.service).\n"
           "# Keys are the long command-line options (see defender(1) and\n"
           "# /usr/share/doc/defender/configuration.md); options on the command line win.\n"
           "# Every setting is shown commented out, with its default or an example value.\n"
           "# `systemctl reload defender-agent` (SIGHUP) applies changes of interval, format,\n"
           "# short-names, custom metrics, list size and loopback counting without reconnecting;\n"
           "# connection settings need a restart. The service takes the root CA, certificate\n"
           "# and key from /etc/defender/certs (see the README there).\n"
           "#\n"
           "# Generated by `defender help-dump conf`: change the option table, not this file.\n";
    write_settings(app, agent, out);
}

void write_man_page(const CLI::App& app, std::ostream& out) {
    out << ".\\\" Generated by `defender help-dump man`: change the option table, not this file.\n"
           ".TH DEFENDER 1 \"\" \"defender " DEFENDER_VERSION
           "\" \"User Commands\"\n"
           ".SH NAME\ndefender \\- agent for AWS IoT Device Defender\n"
           ".SH SYNOPSIS\n\\fBdefender\\fR [\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR "
           "[\\fIOPTIONS\\fR]\n"
           ".SH DESCRIPTION\n"
           "\\fBdefender\\fR collects socket and traffic metrics on Linux, encodes AWS IoT Device "
           "Defender v1.0 reports in JSON or CBOR and publishes them over MQTT with mutual TLS.\n"
           "Every option of a command can also be set in a configuration file given with "
           "\\fB\\-\\-config\\fR (INI or TOML; keys are the long option names); the command "
           "line wins.\n"
           ".SH GLOBAL OPTIONS\n";
    write_roff_options(settable(app), out);
    out << ".TP\n\\fB\\-\\-config\\fR \\fIFILE\\fR\nRead the command's options from FILE.\n"
           ".TP\n\\fB\\-\\-version\\fR\nPrint the version and exit.\n"
           ".SH COMMANDS\n";
    for (const CLI::App* command : commands_and_actions(app)) {
        out << ".SS \"defender " << roff(full_name(command)) << "\"\n"
            << roff(command->get_description()) << "\n";
        for (const CLI::Option* option : command->get_options()) {
            if (option->get_positional())
                out << ".TP\n\\fI" << roff(option->get_name(true)) << "\\fR\n"
                    << roff(option->get_description()) << ".\n";
        }
        write_roff_options(settable(*command), out);
    }
    out << ".SH SIGNALS\n"
           ".TP\n\\fBSIGINT\\fR, \\fBSIGTERM\\fR\n"
           "Finish the publish in flight, disconnect and exit 0.\n"
           ".TP\n\\fBSIGHUP\\fR\n"
           "\\fBagent\\fR: read the \\fB\\-\\-config\\fR file again and apply interval, format, "
           "short names, custom metrics, list size and loopback counting from the next report on, "
           "on the same connection. Connection settings need a restart. \\fBdetect\\fR (and "
           "\\fBemulate \\-\\-detect\\-profile\\fR): read the profile files again; an invalid "
           "one leaves the old profiles in force.\n"
           ".SH ENVIRONMENT\n"
           ".TP\n\\fBSTATE_DIRECTORY\\fR\nDefault for \\fB\\-\\-state\\-dir\\fR (set by systemd).\n"
           ".TP\n\\fBPROCFS_PATH\\fR\nDefault for \\fB\\-\\-procfs\\fR.\n"
           ".TP\n\\fBNOTIFY_SOCKET\\fR, \\fBWATCHDOG_USEC\\fR, "
           "\\fBWATCHDOG_PID\\fR\n\\fBagent\\fR: "
           "tell systemd READY=1, STATUS= and WATCHDOG=1 (set by systemd for Type=notify).\n"
           ".TP\n\\fBJOURNAL_STREAM\\fR\nWhen standard error is the journal, log lines carry "
           "syslog priority prefixes and no program name.\n"
           ".TP\n\\fBDEFENDER_MQTT_MODULE\\fR\nPath of the MQTT module to load instead "
           "of the installed defender\\-mqtt.so.\n"
           ".TP\n\\fBXDG_STATE_HOME\\fR, \\fBHOME\\fR\nFor users other than root, the default "
           "state directory is $XDG_STATE_HOME/defender (~/.local/state/defender).\n"
           ".TP\n\\fBHTTPS_PROXY\\fR, \\fBhttps_proxy\\fR, \\fBHTTP_PROXY\\fR, "
           "\\fBhttp_proxy\\fR, \\fBNO_PROXY\\fR, \\fBno_proxy\\fR\nHTTP proxy (CONNECT) for "
           "MQTT, unless \\fB\\-\\-proxy\\-host\\fR is given or NO_PROXY names the endpoint; "
           "http://user:password@host:port gives basic authentication.\n"
           ".TP\n\\fBAWS_ACCESS_KEY_ID\\fR, \\fBAWS_SECRET_ACCESS_KEY\\fR, "
           "\\fBAWS_SESSION_TOKEN\\fR\n\\fB\\-\\-use\\-websocket\\fR: credentials for SigV4, "
           "first in the chain.\n"
           ".TP\n\\fBAWS_SHARED_CREDENTIALS_FILE\\fR, \\fBAWS_PROFILE\\fR\nThe shared "
           "credentials file (default ~/.aws/credentials) and its profile, second in the chain.\n"
           ".TP\n\\fBAWS_CONTAINER_CREDENTIALS_RELATIVE_URI\\fR, "
           "\\fBAWS_CONTAINER_CREDENTIALS_FULL_URI\\fR, "
           "\\fBAWS_CONTAINER_AUTHORIZATION_TOKEN\\fR, "
           "\\fBAWS_CONTAINER_AUTHORIZATION_TOKEN_FILE\\fR\nThe container credentials endpoint "
           "(ECS, EKS Pod Identity, Greengrass), third in the chain.\n"
           ".TP\n\\fBAWS_EC2_METADATA_DISABLED\\fR, \\fBAWS_EC2_METADATA_SERVICE_ENDPOINT\\fR\n"
           "EC2 instance metadata (IMDSv2), last in the chain.\n"
           ".TP\n\\fBSVCUID\\fR, \\fBAWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT\\fR\n"
           "Set by the Greengrass nucleus: without \\fB\\-\\-endpoint\\fR the agent publishes "
           "through Greengrass IPC.\n"
           ".TP\n\\fBAWS_IOT_THING_NAME\\fR, \\fBSAMPLE_INTERVAL_SECONDS\\fR\nGreengrass mode: "
           "the thing name and the interval when \\fB\\-t\\fR and \\fB\\-i\\fR are not given.\n"
           ".SH FILES\n"
           ".TP\n\\fI/etc/defender/agent.conf\\fR\nSettings of defender\\-agent.service.\n"
           ".TP\n\\fI/etc/defender/certs/\\fR\nRoot CA, device certificate and key of the "
           "service.\n"
           ".TP\n\\fI/var/lib/defender/state.json\\fR\nThe last report id, lifetime totals and "
           "status of the agent (\\fBdefender status\\fR).\n"
           ".TP\n\\fI/etc/defender/detect.conf\\fR, \\fI/etc/defender/profiles/*.json\\fR\n"
           "Settings and security profiles of defender\\-detect.service.\n"
           ".TP\n\\fI/var/lib/defender\\-detect/detect.db\\fR\nThe detector's store (SQLite): "
           "states, datapoints, violations; the default \\fB\\-\\-store\\fR of root.\n"
           ".SH EXIT STATUS\n"
           ".TP\n\\fB0\\fR\nSuccess (\\fBcheck\\fR: every report valid).\n"
           ".TP\n\\fB1\\fR\n\\fBcheck\\fR: a report has violations; \\fBagent --exit-after\\fR: "
           "the service rejected a report; \\fBdoctor\\fR: the report was rejected; "
           "\\fBdetect validate\\-security\\-profile\\-behaviors"
           "\\fR: the behaviors are invalid.\n"
           ".TP\n\\fB2\\fR\nBad option or configuration (\\fBcheck\\fR: input unreadable; "
           "\\fBstatus\\fR: state directory unreadable).\n"
           ".TP\n\\fB3\\fR\nCannot run: the system could not be read or written.\n"
           ".TP\n\\fB4\\fR\n\\fBdoctor\\fR: a connection step failed (resolve, TCP, TLS, "
           "WebSocket upgrade, MQTT CONNECT, SUBSCRIBE).\n"
           ".TP\n\\fB5\\fR\n\\fBdoctor\\fR: the report was not acknowledged or not answered.\n"
           ".SH EXAMPLES\n"
           "Publish to AWS IoT as thing gw\\-1 (the client id is the thing name):\n"
           ".PP\n.nf\n.RS\n"
           "defender agent \\-e abc123\\-ats.iot.eu\\-west\\-1.amazonaws.com \\-r "
           "AmazonRootCA1.pem "
           "\\\\\n    \\-c device.pem.crt \\-k private.pem.key \\-t gw\\-1 \\-\\-custom\\-metrics\n"
           ".RE\n.fi\n.PP\n"
           "Check the service's connection step by step (resolve, TCP, TLS, MQTT, one report "
           "and its reply):\n"
           ".PP\n.nf\n.RS\n"
           "defender doctor \\-\\-config /etc/defender/agent.conf\n"
           ".RE\n.fi\n.PP\n"
           "See what the service would receive, without a network:\n"
           ".PP\n.nf\n.RS\n"
           "defender collect \\-\\-config /etc/defender/agent.conf\n"
           "defender collect \\-\\-format cbor | defender check \\-\n"
           ".RE\n.fi\n.PP\n"
           "Evaluate a security profile saved from AWS over the reports on a broker, then list "
           "the alarms that are on:\n"
           ".PP\n.nf\n.RS\n"
           "defender detect \\-e localhost \\-r ca.pem \\-c detect.pem \\-k detect.key "
           "\\-\\-profile known\\-ports.json\n"
           "defender detect list\\-active\\-violations \\-\\-thing\\-name gw\\-1\n"
           ".RE\n.fi\n.PP\n"
           "The state of the installed service:\n"
           ".PP\n.nf\n.RS\n"
           "systemctl status defender\\-agent\n"
           "defender status \\-\\-json\n"
           ".RE\n.fi\n"
           ".SH SEE ALSO\n\\fBsystemd.exec\\fR(5), "
           "/usr/share/doc/defender/configuration.md, "
           "/usr/share/doc/defender/troubleshooting.md\n";
}

void write_option_tables(const CLI::App& app, std::ostream& out) {
    const auto table = [&out](const std::vector<const CLI::Option*>& options) {
        out << "| Option | Default | Meaning |\n|---|---|---|\n";
        for (const CLI::Option* option : options) {
            std::string names = "`" + spellings(option, ", ");
            if (!is_flag(option)) names += " " + value_name(option);
            names += "`";
            std::string value = option->get_default_str();
            if (is_flag(option)) value = "off";
            if (value.empty()) value = "—";
            out << "| " << markdown_cell(names) << " | " << markdown_cell(value) << " | "
                << markdown_cell(option->get_description()) << ". |\n";
        }
    };
    out << "### Global options\n\n";
    table(settable(app));
    for (const CLI::App* command : commands_and_actions(app)) {
        out << "\n### `defender " << full_name(command) << "`\n\n"
            << command->get_description() << ".\n\n";
        table(settable(*command));
    }
}

void add_help_dump_command(CLI::App& app, int& exit_code) {
    auto what = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("help-dump", "Print generated documentation");
    command->group("");  // hidden
    command->add_option("what", *what, "conf, detect-conf, man or markdown")
        ->required()
        ->check(CLI::IsMember({"conf", "detect-conf", "man", "markdown"}));
    command->callback([&app, what, &exit_code] {
        if (*what == "conf") write_sample_config(app, std::cout);
        if (*what == "detect-conf") write_detect_config(app, std::cout);
        if (*what == "man") write_man_page(app, std::cout);
        if (*what == "markdown") write_option_tables(app, std::cout);
        exit_code = kExitOk;
    });
}

}  // namespace defender::cli
