// SPDX-License-Identifier: Apache-2.0
#include "test_pki.hpp"

#include <stdexcept>
#include <vector>

#include "child_process.hpp"

namespace defender::test {
namespace {

namespace fs = std::filesystem;

constexpr fs::perms kWorldReadable =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
constexpr fs::perms kOwnerOnly = fs::perms::owner_read | fs::perms::owner_write;

// One config file with a section of extensions per certificate role.
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[localhost_server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[wrong_host_server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
)";

void run_openssl(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv{"openssl"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    RunResult result = run_process(argv, std::chrono::seconds(30));
    if (!result.status.success()) {
        std::string command;
        for (const auto& argument : argv) {
            command += argument + " ";
        }
        throw std::runtime_error("TestPki: `" + command + "` failed (" + result.status.describe() +
                                 "): " + result.stderr_text);
    }
}

std::vector<std::string> new_key_arguments(const fs::path& key) {
    return {"-newkey", "ec",      "-pkeyopt",  "ec_paramgen_curve:prime256v1",
            "-nodes",  "-keyout", key.string()};
}

}  // namespace

TestPki::TestPki() : dir_("defender-pki-") {
    fs::permissions(dir_.path(), kWorldReadable | fs::perms::owner_exec | fs::perms::group_exec |
                                     fs::perms::others_exec);
    config_ = dir_ / "openssl.cnf";
    write_file(config_, kOpensslConfig, kWorldReadable);

    ca_ = make_ca("ca", "Defender Test CA");
    server_ = issue(ca_, "server", "localhost", "localhost_server_ext");
    wrong_host_server_ = issue(ca_, "wrong-host-server", kWrongHostName, "wrong_host_server_ext");
    client_ = issue(ca_, "client", kClientCommonName, "client_ext");
    other_ca_ = make_ca("other-ca", "Unrelated Test CA");
    other_client_ = issue(other_ca_, "other-client", kStrangerCommonName, "client_ext");

    for (const auto* server_key : {&server_.key, &wrong_host_server_.key}) {
        fs::permissions(*server_key, kWorldReadable);
    }
}

CertificateFiles TestPki::issue_client(const std::string& common_name,
                                       const std::string& file_stem) {
    return issue(ca_, file_stem, common_name, "client_ext");
}

CertificateFiles TestPki::make_ca(const std::string& name, const std::string& common_name) {
    CertificateFiles files{dir_ / (name + ".pem"), dir_ / (name + ".key")};
    std::vector<std::string> arguments{"req", "-x509", "-config", config_.string()};
    auto key_arguments = new_key_arguments(files.key);
    arguments.insert(arguments.end(), key_arguments.begin(), key_arguments.end());
    arguments.insert(arguments.end(), {"-out", files.cert.string(), "-days", "2", "-subj",
                                       "/CN=" + common_name, "-extensions", "ca_ext"});
    run_openssl(arguments);
    fs::permissions(files.cert, kWorldReadable);
    fs::permissions(files.key, kOwnerOnly);
    return files;
}

CertificateFiles TestPki::issue(const CertificateFiles& issuer, const std::string& file_stem,
                                const std::string& common_name, const std::string& extensions) {
    CertificateFiles files{dir_ / (file_stem + ".pem"), dir_ / (file_stem + ".key")};
    std::vector<std::string> arguments{"req", "-x509", "-config", config_.string()};
    auto key_arguments = new_key_arguments(files.key);
    arguments.insert(arguments.end(), key_arguments.begin(), key_arguments.end());
    arguments.insert(arguments.end(), {"-out", files.cert.string(), "-days", "2", "-subj",
                                       "/CN=" + common_name, "-extensions", extensions, "-CA",
                                       issuer.cert.string(), "-CAkey", issuer.key.string()});
    run_openssl(arguments);
    fs::permissions(files.cert, kWorldReadable);
    fs::permissions(files.key, kOwnerOnly);
    return files;
}

}  // namespace defender::test
