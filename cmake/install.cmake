# SPDX-License-Identifier: Apache-2.0
# `cmake --install`: the executable, its MQTT module, the static libraries with their public
# headers, a CMake package (find_package(Defender) -> Defender::defender, Defender::mqtt) and
# pkg-config files (defender, defender-mqtt). See docs/install.md.
include(CMakePackageConfigHelpers)

set(DEFENDER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Defender)

set_target_properties(defender_mqtt PROPERTIES EXPORT_NAME mqtt)
install(TARGETS defender-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime)
install(TARGETS defender-mqtt-module LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/defender
  COMPONENT Runtime)
if(DEFENDER_HAVE_CONSOLE)
  install(TARGETS defender-console-module LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/defender
    COMPONENT Runtime)
endif()
install(TARGETS defender defender_mqtt EXPORT DefenderTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/defender DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development)
install(FILES ${PROJECT_BINARY_DIR}/include/defender/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/defender COMPONENT Development)

install(EXPORT DefenderTargets NAMESPACE Defender:: DESTINATION ${DEFENDER_CMAKE_DIR}
  COMPONENT Development)
configure_package_config_file(cmake/DefenderConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/DefenderConfig.cmake INSTALL_DESTINATION ${DEFENDER_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/DefenderConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/DefenderConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/DefenderConfigVersion.cmake
  ${CMAKE_CURRENT_SOURCE_DIR}/cmake/FindMbedTLS.cmake DESTINATION ${DEFENDER_CMAKE_DIR}
  COMPONENT Development)

# pkg-config: paths relative to the .pc file (${pcfiledir}), so `cmake --install --prefix` and
# moved trees work.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(DEFENDER_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH pc_to_prefix "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
  set(DEFENDER_PC_PREFIX "\${pcfiledir}/${pc_to_prefix}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(DEFENDER_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(DEFENDER_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
foreach(pc defender defender-mqtt)
  configure_file(cmake/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
    COMPONENT Development)
endforeach()
