# SPDX-License-Identifier: Apache-2.0
# `cmake --build build --target docs`: the Doxygen API reference of include/defender/ in
# build/docs/api/html. Any Doxygen warning fails the target (docs/Doxyfile.in).
set(DEFENDER_DOCS_OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/docs/api)
configure_file(docs/Doxyfile.in ${CMAKE_CURRENT_BINARY_DIR}/Doxyfile @ONLY)
# Doxygen creates only the last level of OUTPUT_DIRECTORY (the docs.api test runs it directly).
file(MAKE_DIRECTORY ${DEFENDER_DOCS_OUTPUT})
find_program(DEFENDER_DOXYGEN doxygen)
if(DEFENDER_DOXYGEN)
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E make_directory ${DEFENDER_DOCS_OUTPUT}
    COMMAND ${DEFENDER_DOXYGEN} ${CMAKE_CURRENT_BINARY_DIR}/Doxyfile
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    COMMENT "Doxygen API reference in ${DEFENDER_DOCS_OUTPUT}/html"
    VERBATIM)
else()
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E echo "doxygen not found: apt-get install doxygen"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
endif()
