// check_tls_files and key_permission_warning: local checks of the TLS files, made before
// any network traffic so that a wrong path or a mismatched key gets a clear message.

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "defender/mqtt_transport.hpp"
#include "transport/mqtt_common/credential_file.hpp"

namespace defender {
namespace {

namespace fs = std::filesystem;

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
    void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

// Never let OpenSSL prompt on the terminal for a passphrase: an encrypted key just fails.
int refuse_passphrase(char*, int, int, void*) {
    return -1;
}

Result<std::string> read_file(const fs::path& path, const std::string& role) {
    return mqtt_transport::read_credential_file(path, role);
}

BioPtr memory_bio(const std::string& content) {
    return BioPtr(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
}

Result<X509Ptr> first_certificate(const fs::path& path, const std::string& role) {
    auto content = read_file(path, role);
    if (!content) {
        return content.error();
    }
    BioPtr bio = memory_bio(*content);
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, refuse_passphrase, nullptr));
    ERR_clear_error();
    if (!cert) {
        return Error{role + " " + path.string() + " holds no PEM certificate"};
    }
    return cert;
}

Result<KeyPtr> private_key(const fs::path& path) {
    const std::string role = "private key";
    auto content = read_file(path, role);
    if (!content) {
        return content.error();
    }
    BioPtr bio = memory_bio(*content);
    KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
    ERR_clear_error();
    if (!key) {
        if (content->find("ENCRYPTED") != std::string::npos) {
            return Error{role + " " + path.string() +
                         " is encrypted; an unencrypted PEM key is needed"};
        }
        return Error{role + " " + path.string() + " holds no PEM private key"};
    }
    return key;
}

}  // namespace

Status check_tls_files(const MqttSettings& settings) {
    if (settings.use_websocket && !settings.websocket_tls) {
        return Done{};  // plain ws:// to a local test broker: no TLS files at all
    }
    auto root_ca = first_certificate(settings.root_ca, "root CA");
    if (!root_ca) {
        return root_ca.error();
    }
    if (settings.use_websocket) {
        return Done{};  // SigV4 instead of a client certificate
    }
    auto cert = first_certificate(settings.cert, "certificate");
    if (!cert) {
        return cert.error();
    }
    auto key = private_key(settings.key);
    if (!key) {
        return key.error();
    }
    const bool matches = X509_check_private_key(cert->get(), key->get()) == 1;
    ERR_clear_error();
    if (!matches) {
        return Error{"certificate " + settings.cert.string() + " does not match private key " +
                     settings.key.string()};
    }
    return Done{};
}

}  // namespace defender
