# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for Debian armhf with Debian's cross toolchain and multiarch -dev packages:
#   apt-get install g++-arm-linux-gnueabihf qemu-user-static
#   dpkg --add-architecture armhf && apt-get update
#   apt-get install libmbedtls-dev:armhf libspdlog-dev:armhf libsqlite3-dev:armhf \
#     libgtest-dev:armhf
#   cmake -S . -B build-armhf --toolchain cmake/toolchains/arm-linux-gnueabihf.cmake
# Programs built this way run here under qemu-user (qemu-arm-static), which CTest uses through
# CMAKE_CROSSCOMPILING_EMULATOR (scripts/ci-stages/50-cross.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_STRIP arm-linux-gnueabihf-strip)
set(PKG_CONFIG_EXECUTABLE arm-linux-gnueabihf-pkg-config CACHE FILEPATH "pkg-config for armhf")
find_program(DEFENDER_QEMU qemu-arm-static)
if(DEFENDER_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${DEFENDER_QEMU};-L;/usr/arm-linux-gnueabihf)
endif()
# Debian's multiarch layout: headers of architecture-independent packages in /usr/include,
# libraries and CMake packages in /usr/lib/arm-linux-gnueabihf.
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
