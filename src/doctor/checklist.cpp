// SPDX-License-Identifier: Apache-2.0
#include "doctor/checklist.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

namespace defender::doctor {
namespace {

std::string target(const Context& context) {
    return context.endpoint + ":" + std::to_string(context.port);
}

std::string seconds(double value) {
    std::ostringstream text;
    text << value << " s";
    return text.str();
}

const char* marker(StepState state) {
    switch (state) {
        case StepState::ok:
            return "[ ok ]";
        case StepState::failed:
            return "[FAIL]";
        case StepState::skipped:
            break;
    }
    return "[skip]";
}

const char* result_name(StepState state) {
    switch (state) {
        case StepState::ok:
            return "ok";
        case StepState::failed:
            return "fail";
        case StepState::skipped:
            break;
    }
    return "skip";
}

}  // namespace

Advice advice_for(const std::string& failure, const Context& c) {
    const std::string policy =
        "The AWS IoT policy attached to the certificate must allow iot:Connect for "
        "client/" +
        c.client_id +
        " (the quick start's policy allows only the thing name as "
        "client id), the certificate must be ACTIVE and attached to the thing, and no other "
        "device may use the same client id.";
    if (failure == "config")
        return {"The settings cannot work as given; nothing was sent.",
                "Correct the option or the line of the configuration file the message names "
                "(docs/configuration.md lists every option)."};
    if (failure == "resolve")
        return {
            "The name of the endpoint (or of the proxy) has no address: a typing error, an "
            "endpoint of another account or region, or no working DNS on this device.",
            "Compare --endpoint with `aws iot describe-endpoint --endpoint-type "
            "iot:Data-ATS`, and check /etc/resolv.conf (try `getent hosts " +
                c.endpoint + "`)."};
    if (failure == "tcp_refused")
        return {"The address answered, but nothing listens on port " + std::to_string(c.port) +
                    " there (or a firewall rejects the connection).",
                "AWS IoT listens on 8883 (MQTT with mutual TLS) and 443 (ALPN or WebSocket); for "
                "a local broker or `defender emulate`, start it or correct --port."};
    if (failure == "tcp_timeout")
        return {
            "No answer at all: a firewall drops the packets, or the network has no route "
            "to " +
                target(c) + ".",
            "Many networks block port 8883: try --port 443 (ALPN x-amzn-mqtt-ca) or "
            "--use-websocket, or go through an HTTP proxy (--proxy-host and --proxy-port, or "
            "https_proxy)."};
    if (failure == "tcp")
        return {"The TCP connection could not be made.",
                "Check the network of this device and the address the resolve step printed."};
    if (failure == "proxy")
        return {"The HTTP proxy did not open a tunnel to " + target(c) + ".",
                "Check --proxy-host and --proxy-port (or https_proxy and no_proxy), the proxy's "
                "user name and password, "
                "and that the proxy allows CONNECT to port " +
                    std::to_string(c.port) + "."};
    if (failure == "tls_files")
        return {"The root CA, certificate or key could not be loaded.",
                "Give readable PEM files: --root-ca, --cert and --key (the message names the "
                "file)."};
    if (failure == "tls_untrusted")
        return {"The server's certificate is not signed by --root-ca " + c.root_ca +
                    ": the wrong CA file, or something in between (a TLS-inspecting proxy or "
                    "firewall) shows its own certificate.",
                "For AWS IoT's ATS endpoints (*-ats.iot.*.amazonaws.com) use AmazonRootCA1.pem "
                "(https://www.amazontrust.com/repository/AmazonRootCA1.pem); for a local broker, "
                "the CA that signed its certificate. The chain above shows who signed it."};
    if (failure == "tls_hostname")
        return {"The server's certificate is not made out for " + c.endpoint + ".",
                "Use the endpoint name exactly as `aws iot describe-endpoint --endpoint-type "
                "iot:Data-ATS` prints it (not an IP address or an alias)."};
    if (failure == "tls_expired")
        return {
            "A certificate of the chain is outside its validity period, or this device's "
            "clock is wrong.",
            "Check the clock (`date -u`; start NTP or systemd-timesyncd) and the dates of "
            "the chain above."};
    if (failure == "tls_verify")
        return {"The server's certificate did not pass verification (the message says why).",
                "Compare the chain above with --root-ca " + c.root_ca + "."};
    if (failure == "tls_client_rejected")
        return {
            "The server refused the device certificate: AWS IoT does not know it (not "
            "registered in this account and region), or it is not ACTIVE.",
            "Check `aws iot describe-certificate` for the certificate and that --cert and "
            "--endpoint belong to the same account and region."};
    if (failure == "tls_timeout")
        return {
            "The TLS handshake did not finish in time: the server or something in between "
            "does not speak TLS on this port.",
            "Check --port; with ALPN on 443 use --alpn always when the port is forwarded."};
    if (failure == "tls")
        return {"The TLS handshake failed (the message says how).",
                "Check --root-ca, --cert and --key, and that the server speaks TLS 1.2."};
    if (failure == "websocket_credentials")
        return {"No AWS credentials to sign the WebSocket URL with.",
                "Provide credentials as the AWS CLI finds them (AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, or an instance role)."};
    if (failure == "websocket_forbidden")
        return {
            "AWS IoT refused the signed WebSocket URL: the SigV4 signature does not match "
            "(wrong secret key, region " +
                c.signing_region +
                " not the endpoint's, or "
                "the clock is off), or the credentials' IAM policy does not allow iot:Connect.",
            "Set --signing-region to the endpoint's region, check the clock (`date -u`), "
            "and the IAM policy of the credentials."};
    if (failure == "websocket")
        return {"The WebSocket upgrade did not succeed (the message gives the server's answer).",
                "Check --port (443 for AWS IoT) and that the endpoint serves /mqtt."};
    if (failure == "connect_refused" || failure == "connect_closed")
        return {"The broker refused the MQTT CONNECT of client id \"" + c.client_id +
                    "\". AWS IoT does so (closing the connection without a CONNACK) when the "
                    "policy does not allow iot:Connect for this client id, the certificate is "
                    "inactive or not attached, or another client took this client id.",
                policy + " Without --client-id, the client id is the thing name."};
    if (failure == "connect_timeout")
        return {"The broker accepted TLS but did not answer the MQTT CONNECT in time.",
                "Check that the port is an MQTT port (not HTTPS without ALPN) and try again."};
    if (failure == "connect") return {"The MQTT CONNECT failed (the message says how).", policy};
    if (failure == "subscribe_refused")
        return {
            "The broker refused the subscription (SUBACK 0x80): the policy does not allow "
            "iot:Subscribe on topicfilter/$aws/things/" +
                c.thing_name + "/defender/metrics/* or iot:Receive on the matching topics.",
            "Allow iot:Subscribe and iot:Receive for the thing's defender/metrics "
            "accepted/rejected topics in the policy (docs/aws-quickstart.md has one)."};
    if (failure == "subscribe")
        return {"The subscription to the reply topics did not complete.",
                "Try again; a broker that drops the connection here usually denies the "
                "subscription in its policy."};
    if (failure == "socket")
        return {
            "The Greengrass nucleus's IPC socket is not there: this process was not started "
            "by the nucleus as a component.",
            "Run doctor from the component (its recipe's Lifecycle), where "
            "AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT and SVCUID are set."};
    if (failure == "ipc")
        return {
            "The nucleus refused the IPC connection or the subscription: the token (SVCUID) "
            "is not this component's, or the recipe's accessControl does not allow "
            "aws.greengrass#PublishToIoTCore / SubscribeToIoTCore on the defender topics.",
            "Deploy the component with the accessControl of packaging/greengrass's recipe."};
    if (failure == "publish")
        return {
            "The report was not acknowledged by the broker (no PUBACK): the policy does not "
            "allow iot:Publish on $aws/things/" +
                c.thing_name + "/defender/metrics/*, or the report could not be collected or sent.",
            "Allow iot:Publish for the thing's defender/metrics topics in the policy; the "
            "message names any other cause."};
    if (failure == "reply_rejected")
        return {
            "Device Defender received the report and rejected it (the reply's code and "
            "message are above).",
            "See docs/troubleshooting.md for the code; `defender collect | defender check` "
            "shows what is wrong with a report."};
    if (failure == "reply_timeout")
        return {
            "no reply: is Device Defender enabled for this account/region, or is this an "
            "emulator without replies? The report was acknowledged but no answer came on the "
            "accepted/rejected topics within " +
                seconds(c.reply_timeout) + ".",
            "Enable Device Defender (Detect) in the AWS IoT console for this region, or "
            "start `defender emulate` for a local broker; a longer --reply-timeout helps a "
            "slow network."};
    return {"The step failed (the message says how).",
            "docs/troubleshooting.md explains the messages."};
}

std::vector<Step> complete(std::vector<Step> done, const std::vector<std::string>& names) {
    for (std::size_t i = done.size(); i < names.size(); ++i) {
        done.push_back(Step{names[i], StepState::skipped, "", {}, ""});
    }
    bool failed = false;
    for (auto& step : done) {
        if (failed) step = Step{step.name, StepState::skipped, "", {}, ""};
        if (step.state == StepState::failed) failed = true;
    }
    return done;
}

const Step* first_failure(const std::vector<Step>& steps) {
    for (const auto& step : steps) {
        if (step.state == StepState::failed) return &step;
    }
    return nullptr;
}

std::string render_text(const std::vector<Step>& steps, const Context& context) {
    std::string text;
    for (const auto& step : steps) {
        text += std::string(marker(step.state)) + " " + step.name;
        if (!step.detail.empty()) text += ": " + step.detail;
        text += "\n";
        for (const auto& note : step.notes)
            text += "       " + note + "\n";
    }
    if (const Step* failed = first_failure(steps)) {
        const Advice advice = advice_for(failed->failure, context);
        text += "\n" + failed->name + " failed.\nWhat it means: " + advice.meaning +
                "\nWhat to do: " + advice.fix + "\n";
    }
    return text;
}

std::string render_json(const std::vector<Step>& steps, const Context& context) {
    nlohmann::json document;
    document["ok"] =
        !steps.empty() && first_failure(steps) == nullptr && steps.back().state == StepState::ok;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& step : steps) {
        nlohmann::json entry{{"name", step.name}, {"result", result_name(step.state)}};
        if (!step.detail.empty()) entry["detail"] = step.detail;
        if (!step.notes.empty()) entry["notes"] = step.notes;
        if (!step.failure.empty()) entry["failure"] = step.failure;
        list.push_back(std::move(entry));
    }
    document["steps"] = std::move(list);
    if (const Step* failed = first_failure(steps)) {
        const Advice advice = advice_for(failed->failure, context);
        document["failure"] = {
            {"step", failed->name}, {"meaning", advice.meaning}, {"fix", advice.fix}};
    }
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace defender::doctor
