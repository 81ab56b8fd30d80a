# Helpers shared by every folder: one folder = one static library = one namespace.

# tracesim_library(NAME SRCS ... DEPS ...) defines target tracesim_NAME.
function(tracesim_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(tracesim_${name} STATIC ${ARG_SRCS})
  target_include_directories(tracesim_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(tracesim_${name} PUBLIC ${ARG_DEPS})
endfunction()

# tracesim_test(NAME SRCS ... DEPS ...) defines a gtest binary NAME registered with CTest.
function(tracesim_test name)
  if(NOT TRACESIM_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    TRACESIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TRACESIM_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "TRACESIM_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# tracesim_embed(TARGET VAR FILES...) compiles files into the target as
# `extern const EmbeddedFile VAR[]` (see sim/embedded.h), so built-in scenarios work with no
# files on disk.
function(tracesim_embed target out_cc)
  cmake_parse_arguments(ARG "" "SYMBOL;BASE" "FILES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${out_cc})
  set(abs_files)
  foreach(f ${ARG_FILES})
    list(APPEND abs_files ${CMAKE_CURRENT_SOURCE_DIR}/${f})
  endforeach()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DSYMBOL=${ARG_SYMBOL} -DBASE=${ARG_BASE}
            "-DFILES=${abs_files}" -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${abs_files} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${ARG_SYMBOL}" VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
