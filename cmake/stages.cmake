# SPDX-License-Identifier: Apache-2.0
# The library's stages (docs/architecture.md, "Stages the build enforces"): one OBJECT library
# per folder of src/, each allowed to include only its own folder, the folders of the stages it
# depends on, and the public headers those stages provide. The installed `defender` library is
# assembled from their objects (CMakeLists.txt).
#
# A stage does not see src/ or include/ as a whole: its include directory is a "view" in the
# build tree, ${DEFENDER_STAGE_VIEWS}/<stage>, holding
#   <stage>      a link to src/<stage>, so "<stage>/x.hpp" resolves
#   defender/    links to the public headers whose first comment names the stage
#                ("/// Target: Defender::defender (stage <stage>).")
# and the views of its dependencies arrive through target_link_libraries. So a wrong-way
# include, such as "report/field_names.hpp" or "defender/report.hpp" in src/collect/, is a
# "No such file or directory" (the stages.wrong_way_include test shows it).

set(DEFENDER_STAGE_VIEWS ${PROJECT_BINARY_DIR}/stages)
# The views are made anew at every configure: a header that changed stage leaves no stale link.
file(REMOVE_RECURSE ${DEFENDER_STAGE_VIEWS})

# Public headers by stage, from the tag in each header's first comment. Headers of the other
# libraries (Defender::mqtt) belong to no stage view: no stage may use them.
file(GLOB DEFENDER_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/defender/*.hpp)
foreach(header ${DEFENDER_PUBLIC_HEADERS})
  file(STRINGS ${header} tag LIMIT_COUNT 1
    REGEX "^/// Target: Defender::[a-z_]+ \\((stage [a-z_]+|every stage)\\)\\.$")
  if(NOT tag)
    message(FATAL_ERROR "${header}: its first comment must end with the line\n"
      "  /// Target: Defender::<library> (stage <stage>).\n"
      "naming the CMake target that provides it and the stage (src/ folder) it belongs to, or "
      "\"(every stage)\" for an umbrella header no stage includes (docs/architecture.md)")
  endif()
  string(REGEX MATCH "Defender::([a-z_]+) \\(stage ([a-z_]+)\\)" tag "${tag}")
  if(tag AND CMAKE_MATCH_1 STREQUAL "defender")
    list(APPEND DEFENDER_STAGE_HEADERS_${CMAKE_MATCH_2} ${header})
  endif()
endforeach()

# defender_stage_view(<stage> <folder> <out-var>): the view of a stage, ${DEFENDER_STAGE_VIEWS}/<stage>,
# with a link <folder> to src/<folder> (a nested folder such as transport/mqtt keeps its path,
# so "transport/mqtt/x.hpp" resolves and "transport/greengrass/y.hpp" does not) and the stage's
# public headers; no folder link when <folder> is "". <out-var> is its directory.
function(defender_stage_view stage folder out)
  set(view ${DEFENDER_STAGE_VIEWS}/${stage})
  if(NOT EXISTS ${view}/defender)
    file(MAKE_DIRECTORY ${view}/defender)
    if(folder)
      get_filename_component(parent ${view}/${folder} DIRECTORY)
      file(MAKE_DIRECTORY ${parent})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${view}/${folder} SYMBOLIC)
    endif()
    foreach(header ${DEFENDER_STAGE_HEADERS_${stage}})
      get_filename_component(name ${header} NAME)
      file(CREATE_LINK ${header} ${view}/defender/${name} SYMBOLIC)
    endforeach()
  endif()
  set(${out} ${view} PARENT_SCOPE)
endfunction()

# defender_stage(<stage> [FOLDER <folder>] [DEPENDS <stage>...] [LIBRARIES <target>...]): the
# OBJECT library defender_<stage> of src/<folder>/*.cpp (the files directly in it; <folder> is
# <stage> unless given, "" for a stage of public headers only, which becomes an INTERFACE
# library). DEPENDS are the stages it may use (their views come along, transitively); LIBRARIES
# are third-party targets it needs privately.
function(defender_stage stage)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "FOLDER" "DEPENDS;LIBRARIES")
  if(NOT DEFINED arg_FOLDER AND NOT "FOLDER" IN_LIST arg_KEYWORDS_MISSING_VALUES)
    set(arg_FOLDER ${stage})
  endif()
  defender_stage_view(${stage} "${arg_FOLDER}" view)
  set(sources "")
  if(arg_FOLDER)
    file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${arg_FOLDER}/*.cpp)
  endif()
  list(TRANSFORM arg_DEPENDS PREPEND defender_ OUTPUT_VARIABLE dependencies)
  if(sources)
    add_library(defender_${stage} OBJECT ${sources})
    set_target_properties(defender_${stage} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_include_directories(defender_${stage} PUBLIC ${view})
    target_link_libraries(defender_${stage} PUBLIC ${dependencies} PRIVATE ${arg_LIBRARIES})
    set_property(GLOBAL APPEND PROPERTY DEFENDER_OBJECT_STAGES ${stage})
  else()
    add_library(defender_${stage} INTERFACE)
    target_include_directories(defender_${stage} INTERFACE ${view})
    target_link_libraries(defender_${stage} INTERFACE ${dependencies})
  endif()
  set_property(GLOBAL APPEND PROPERTY DEFENDER_STAGES ${stage})
  set_property(GLOBAL PROPERTY DEFENDER_STAGE_DEPENDS_${stage} ${arg_DEPENDS})
endfunction()

# The stages in data-flow order; each names only its direct dependencies. Keep in step with the
# table in docs/architecture.md (the stages.include_graph test compares them).
defender_stage(util)
# Sockets below the transports: resolver, TCP connect with a deadline, HTTP CONNECT.
defender_stage(net DEPENDS util)
# Waits on I/O, and its pages are the MQTT module's (as Defender::mqtt, CMakeLists.txt): -Os.
target_compile_options(defender_net PRIVATE $<$<NOT:$<CONFIG:Debug>>:-Os>)
defender_stage(collect DEPENDS util)
defender_stage(report DEPENDS collect)
defender_stage(custom DEPENDS report)
defender_stage(encode DEPENDS report LIBRARIES nlohmann_json::nlohmann_json)
defender_stage(validate DEPENDS encode)
# The transport family (src/transport/<name>/): the interface, then one stage per transport in
# this library (the MQTT transport is Defender::mqtt, CMakeLists.txt).
defender_stage(transport FOLDER "" DEPENDS util)
defender_stage(stream FOLDER transport/stream DEPENDS transport)
defender_stage(greengrass FOLDER transport/greengrass DEPENDS transport
  LIBRARIES nlohmann_json::nlohmann_json)
defender_stage(agent DEPENDS custom encode transport LIBRARIES nlohmann_json::nlohmann_json)
defender_stage(emulator DEPENDS validate transport)
# Self-hosted Detect (issue #15): profiles, validation, the evaluator over decoded reports.
defender_stage(detect DEPENDS encode LIBRARIES nlohmann_json::nlohmann_json)
# The Detect store: evaluator state, datapoints, violations and their outbox, in SQLite.
defender_stage(store DEPENDS detect LIBRARIES SQLite::SQLite3 nlohmann_json::nlohmann_json)
# The detector between broker and store: report topics, checks, evaluation, one write per report.
defender_stage(detect_service DEPENDS store validate)
# Views for people (issue #16): the report as a terminal table (`collect --format table`), the
# detector's fleet and counters as Prometheus text (the console's /metrics).
defender_stage(view DEPENDS report detect_service LIBRARIES nlohmann_json::nlohmann_json)
# `defender doctor`'s checklist (issue #18): the steps as text or JSON, and what a failure means.
defender_stage(doctor LIBRARIES nlohmann_json::nlohmann_json)

# The stage graph as CMake declares it, one "<stage>: <dependency>..." line per stage, for the
# stages.include_graph test.
get_property(stages GLOBAL PROPERTY DEFENDER_STAGES)
set(graph "")
foreach(stage ${stages})
  get_property(dependencies GLOBAL PROPERTY DEFENDER_STAGE_DEPENDS_${stage})
  list(JOIN dependencies " " dependencies)
  string(APPEND graph "${stage}: ${dependencies}\n")
endforeach()
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/stage_graph.txt CONTENT "${graph}")
