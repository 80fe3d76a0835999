# SPDX-License-Identifier: Apache-2.0
# Service files and Debian packages (CPack DEB). `cpack -G DEB` in a build dir makes
#   defender_<version>-1_<arch>.deb      the executable, its MQTT module, the systemd unit, the
#                                        sample /etc/defender/agent.conf (a conffile), docs
#   defender-dev_<version>-1_<arch>.deb  headers, static libraries, CMake and pkg-config files
# Runtime dependencies come from dpkg-shlibdeps. scripts/ci-stages/40-deb.sh tests them.

install(FILES packaging/systemd/defender-agent.service packaging/systemd/defender-detect.service
  DESTINATION lib/systemd/system COMPONENT Runtime)
# /etc for a /usr install (the package), <prefix>/etc otherwise: decided at install time, since
# CPack installs with its own prefix.
install(CODE "set(defender_source_dir \"${CMAKE_CURRENT_SOURCE_DIR}\")" COMPONENT Runtime)
install(CODE [[
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(defender_etc "/etc/defender")
  else()
    set(defender_etc "${CMAKE_INSTALL_PREFIX}/etc/defender")
  endif()
  file(INSTALL "${defender_source_dir}/packaging/agent.conf" DESTINATION "${defender_etc}")
  file(INSTALL "${defender_source_dir}/packaging/detect.conf" DESTINATION "${defender_etc}")
  file(INSTALL "${defender_source_dir}/packaging/profiles/README"
    DESTINATION "${defender_etc}/profiles")
  file(INSTALL "${defender_source_dir}/packaging/certs/README"
    DESTINATION "${defender_etc}/certs")
]] COMPONENT Runtime)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT Runtime)

# Who publishes the packages: placeholders until a publisher sets them (docs/install.md).
set(DEFENDER_PACKAGE_MAINTAINER "defender developers <defender@example.org>" CACHE STRING
  "Maintainer field of the Debian packages (Name <email>)")
set(DEFENDER_PACKAGE_HOMEPAGE "https://github.com/defender/defender" CACHE STRING
  "Homepage field of the Debian packages, and Source of their copyright file")
# Debian's machine-readable copyright file, in both packages (Debian policy 12.5).
configure_file(packaging/debian/copyright ${CMAKE_CURRENT_BINARY_DIR}/copyright @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR}
  COMPONENT Runtime)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/copyright
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/defender-dev COMPONENT Development)
# The Apache-2.0 text itself is /usr/share/common-licenses/Apache-2.0 (named by copyright).
install(FILES NOTICE DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT Runtime)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT Runtime
  FILES_MATCHING PATTERN "*.md" PATTERN "api-mainpage.md" EXCLUDE)
# Man pages are installed compressed (Debian policy 12.1); -n keeps the package reproducible.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/defender.1)
execute_process(COMMAND gzip -9 -n -c ${CMAKE_CURRENT_SOURCE_DIR}/packaging/defender.1
  OUTPUT_FILE ${CMAKE_CURRENT_BINARY_DIR}/defender.1.gz COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/defender.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
  COMPONENT Runtime)

set(CPACK_PACKAGE_NAME defender)
set(CPACK_PACKAGE_VENDOR "defender developers")
set(CPACK_PACKAGE_CONTACT "${DEFENDER_PACKAGE_MAINTAINER}")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Agent for AWS IoT Device Defender")
set(CPACK_GENERATOR DEB)
# Absolute /etc paths: install into a staging DESTDIR with the real prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Runtime Development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Debian policy 12.7: a package that is not native has /usr/share/doc/<package>/changelog.Debian.gz
# (lintian: no-changelog). One entry for the version built; the date honours SOURCE_DATE_EPOCH.
set(defender_deb_version "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")
string(TIMESTAMP defender_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(packaging/debian/changelog.in changelog.Debian @ONLY)
execute_process(COMMAND gzip -9 -n -c ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian
  OUTPUT_FILE ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/defender COMPONENT Runtime)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/defender-dev COMPONENT Development)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${DEFENDER_PACKAGE_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME defender)
# The unit's ExecReload= runs /bin/kill, from procps (not Essential: minimal systems lack it).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "procps")
# The web console (defender detect --http) serves Chart.js from libjs-chart.js; without it the
# charts say so and the rest works. libcivetweb1, of the console module, comes from SHLIBDEPS.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "libjs-chart.js")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "Collects socket and traffic metrics on Linux, encodes Device Defender v1.0
reports in JSON or CBOR and publishes them to AWS IoT over MQTT with mutual
TLS. Includes a hardened systemd service (defender-agent.service).")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/conffiles
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postinst
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/prerm
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME defender-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION "Development files: headers, static libraries, a CMake package
(find_package(Defender)) and pkg-config files to build custom Device Defender
agents.")
# The CMake package finds mbed TLS for Defender::mqtt, and SQLite for the Detect store.
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS "libmbedtls-dev, libsqlite3-dev")
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS Runtime)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
include(CPack)
