// SPDX-License-Identifier: Apache-2.0
// TlsCredentials::load: trust anchors, device certificate and key, random generator and the
// TLS 1.2 client configuration every connection shares.

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>

#include "transport/mqtt/tls_connection.hpp"
#include "transport/mqtt/tls_credentials_state.hpp"
#include "transport/mqtt/tls_errors.hpp"
#include "transport/mqtt/tls_pem_files.hpp"

namespace defender::mqtt {
namespace {

constexpr unsigned char kPersonalization[] = "defender-mqtt-tls";

Status load_files(const TlsOptions& options, TlsCredentials::State& state) {
    if (Status loaded = parse_certificates(options.root_ca, "root CA", state.root_ca.get());
        !loaded) {
        return loaded;
    }
    if (options.certificate.empty()) {
        return Done{};
    }
    if (Status loaded =
            parse_certificates(options.certificate, "certificate", state.own_certificate.get());
        !loaded) {
        return loaded;
    }
    if (Status loaded = parse_private_key(options.private_key, state.own_key.get()); !loaded) {
        return loaded;
    }
    return check_key_matches(options.certificate, *state.own_certificate.get(), options.private_key,
                             *state.own_key.get());
}

Status seed_random(TlsCredentials::State& state) {
    const int seeded =
        mbedtls_ctr_drbg_seed(state.random.get(), mbedtls_entropy_func, state.entropy.get(),
                              kPersonalization, sizeof kPersonalization - 1);
    if (seeded != 0) {
        return Error{"cannot seed the TLS random generator: " + mbedtls_error_text(seeded)};
    }
    return Done{};
}

// Forward secret and AEAD only: the TLS 1.2 suites AWS IoT serves (ECDHE with AES-GCM). The
// static-RSA and CBC suites mbed TLS would offer by default are left out.
constexpr int kCipherSuites[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                                 MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                                 MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                                 MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0};

Status configure(const TlsOptions& options, TlsCredentials::State& state) {
    mbedtls_ssl_config* config = state.config.get();
    const int defaults = mbedtls_ssl_config_defaults(
        config, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (defaults != 0) {
        return Error{"cannot configure TLS: " + mbedtls_error_text(defaults)};
    }
    mbedtls_ssl_conf_authmode(config, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_min_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(config, kCipherSuites);
    mbedtls_ssl_conf_ca_chain(config, state.root_ca.get(), nullptr);
    mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, state.random.get());
    if (!options.certificate.empty()) {
        const int own =
            mbedtls_ssl_conf_own_cert(config, state.own_certificate.get(), state.own_key.get());
        if (own != 0) {
            return Error{"cannot configure TLS: " + mbedtls_error_text(own)};
        }
    }
    if (options.offer_aws_alpn) {
        state.alpn_protocols = {kAwsMqttAlpnProtocol, nullptr};
        const int alpn = mbedtls_ssl_conf_alpn_protocols(config, state.alpn_protocols.data());
        if (alpn != 0) {
            return Error{"cannot configure TLS: " + mbedtls_error_text(alpn)};
        }
    }
    return Done{};
}

}  // namespace

Result<std::shared_ptr<const TlsCredentials>> TlsCredentials::load(const TlsOptions& options) {
    auto state = std::make_unique<State>();
    if (Status loaded = load_files(options, *state); !loaded) {
        return loaded.error();
    }
    if (Status seeded = seed_random(*state); !seeded) {
        return seeded.error();
    }
    if (Status configured = configure(options, *state); !configured) {
        return configured.error();
    }
    return std::shared_ptr<const TlsCredentials>(new TlsCredentials(std::move(state)));
}

TlsCredentials::TlsCredentials(std::unique_ptr<State> state) : state_(std::move(state)) {}

TlsCredentials::~TlsCredentials() = default;

}  // namespace defender::mqtt
