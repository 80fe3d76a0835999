// SPDX-License-Identifier: Apache-2.0
#pragma once
// One mbed TLS object with its init/free pair: constructed initialized, freed on destruction,
// never copied nor moved (mbed TLS objects hold pointers to each other).

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

namespace defender::mqtt {

template <class T, void (*Init)(T*), void (*Free)(T*)>
class MbedtlsObject {
public:
    MbedtlsObject() { Init(&value_); }
    ~MbedtlsObject() { Free(&value_); }
    MbedtlsObject(const MbedtlsObject&) = delete;
    MbedtlsObject& operator=(const MbedtlsObject&) = delete;

    T* get() { return &value_; }
    const T* get() const { return &value_; }

private:
    T value_;
};

using X509Certificates =
    MbedtlsObject<mbedtls_x509_crt, mbedtls_x509_crt_init, mbedtls_x509_crt_free>;
using PrivateKey = MbedtlsObject<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;
using EntropySource =
    MbedtlsObject<mbedtls_entropy_context, mbedtls_entropy_init, mbedtls_entropy_free>;
using RandomGenerator =
    MbedtlsObject<mbedtls_ctr_drbg_context, mbedtls_ctr_drbg_init, mbedtls_ctr_drbg_free>;
using SslConfig =
    MbedtlsObject<mbedtls_ssl_config, mbedtls_ssl_config_init, mbedtls_ssl_config_free>;
using SslContext = MbedtlsObject<mbedtls_ssl_context, mbedtls_ssl_init, mbedtls_ssl_free>;

}  // namespace defender::mqtt
