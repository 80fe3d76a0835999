# SPDX-License-Identifier: Apache-2.0
# mbed TLS 2.28 (Debian 12: libmbedtls-dev) ships no CMake package: find its three libraries.
# Defines MbedTLS::mbedtls (which brings MbedTLS::mbedx509 and MbedTLS::mbedcrypto).
find_path(MbedTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MbedTLS_TLS_LIBRARY mbedtls)
find_library(MbedTLS_X509_LIBRARY mbedx509)
find_library(MbedTLS_CRYPTO_LIBRARY mbedcrypto)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS REQUIRED_VARS MbedTLS_INCLUDE_DIR MbedTLS_TLS_LIBRARY
  MbedTLS_X509_LIBRARY MbedTLS_CRYPTO_LIBRARY)
if(MbedTLS_FOUND AND NOT TARGET MbedTLS::mbedtls)
  add_library(MbedTLS::mbedcrypto UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::mbedcrypto PROPERTIES IMPORTED_LOCATION ${MbedTLS_CRYPTO_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${MbedTLS_INCLUDE_DIR})
  add_library(MbedTLS::mbedx509 UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::mbedx509 PROPERTIES IMPORTED_LOCATION ${MbedTLS_X509_LIBRARY}
    INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
  add_library(MbedTLS::mbedtls UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::mbedtls PROPERTIES IMPORTED_LOCATION ${MbedTLS_TLS_LIBRARY}
    INTERFACE_LINK_LIBRARIES MbedTLS::mbedx509)
endif()
mark_as_advanced(MbedTLS_INCLUDE_DIR MbedTLS_TLS_LIBRARY MbedTLS_X509_LIBRARY MbedTLS_CRYPTO_LIBRARY)
