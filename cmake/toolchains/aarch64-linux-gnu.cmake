# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for Debian arm64 with Debian's cross toolchain and multiarch -dev packages:
#   apt-get install g++-aarch64-linux-gnu qemu-user-static
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install libmbedtls-dev:arm64 libspdlog-dev:arm64 libsqlite3-dev:arm64 \
#     libgtest-dev:arm64
#   cmake -S . -B build-arm64 --toolchain cmake/toolchains/aarch64-linux-gnu.cmake
# Programs built this way run here under qemu-user (qemu-aarch64-static), which CTest uses through
# CMAKE_CROSSCOMPILING_EMULATOR (scripts/ci-stages/50-cross.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_STRIP aarch64-linux-gnu-strip)
set(PKG_CONFIG_EXECUTABLE aarch64-linux-gnu-pkg-config CACHE FILEPATH "pkg-config for arm64")
find_program(DEFENDER_QEMU qemu-aarch64-static)
if(DEFENDER_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${DEFENDER_QEMU};-L;/usr/aarch64-linux-gnu)
endif()
# Debian's multiarch layout: headers of architecture-independent packages in /usr/include,
# libraries and CMake packages in /usr/lib/aarch64-linux-gnu.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
