# Helpers shared by every folder: one folder = one static library = one namespace.

# tracesim_library(NAME SRCS ... DEPS ...) defines target tracesim_NAME.
function(tracesim_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(tracesim_${name} STATIC ${ARG_SRCS})
  target_include_directories(tracesim_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(tracesim_${name} PUBLIC ${ARG_DEPS})
endfunction()

# tracesim_test(NAME [THREADS] SRCS ... DEPS ...) defines a gtest binary NAME registered with
# CTest. THREADS marks code that runs threads of its own (transports, servers, the load engine,
# shards): its tests carry the CTest label `threads`, the set `./dev sanitize tsan` runs.
function(tracesim_test name)
  if(NOT TRACESIM_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "THREADS" "" "SRCS;DEPS" ${ARGN})
  set(labels "")
  if(ARG_THREADS)
    set(labels threads)
  endif()
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    TRACESIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TRACESIM_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "TRACESIM_BINARY_DIR=${PROJECT_BINARY_DIR}" LABELS "${labels}")
  if(ARG_THREADS)
    set_property(GLOBAL APPEND PROPERTY TRACESIM_THREADS_TESTS ${name})
  endif()
endfunction()

# tracesim_embed(TARGET VAR FILES...) compiles files into the target as
# `extern const EmbeddedFile VAR[]` (see sim/base/embedded.h), so built-in scenarios work with no
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

# tracesim_check_orphan_tests() fails the configure step when a `*_test.cc` file in the source
# tree is compiled by no target, so a test cannot silently stop running. It walks every target of
# every directory (tracesim_test binaries, plain add_executable ones such as interop_tests, and
# globbed lists alike) and compares their sources with a recursive glob of the source tree. Build
# directories (`build*`), `node_modules` and hidden folders are not searched. The glob is
# CONFIGURE_DEPENDS, so adding a test file re-runs this check on the next build. It also warns
# when a folder compiles another folder's test (each folder registers its own tests).
# Call it once, at the end of the top-level CMakeLists.txt.
function(_tracesim_collect_sources dir out_var)
  set(found ${${out_var}})
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY")
      continue()
    endif()
    get_target_property(srcs ${t} SOURCES)
    get_target_property(tdir ${t} SOURCE_DIR)
    foreach(s ${srcs})
      if(s MATCHES "_test\\.cc$")
        cmake_path(ABSOLUTE_PATH s BASE_DIRECTORY ${tdir} NORMALIZE OUTPUT_VARIABLE abs)
        list(APPEND found "${abs}|${tdir}")
      endif()
    endforeach()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    _tracesim_collect_sources(${sub} found)
  endforeach()
  set(${out_var} ${found} PARENT_SCOPE)
endfunction()

function(tracesim_check_orphan_tests)
  if(NOT TRACESIM_BUILD_TESTS)
    return()
  endif()
  set(registered)
  _tracesim_collect_sources(${PROJECT_SOURCE_DIR} registered)
  set(registered_files)
  foreach(entry ${registered})
    string(REPLACE "|" ";" parts "${entry}")
    list(GET parts 0 file)
    list(GET parts 1 tdir)
    list(APPEND registered_files ${file})
    cmake_path(GET file PARENT_PATH file_dir)
    if(NOT file_dir STREQUAL tdir)
      file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${file})
      file(RELATIVE_PATH reg ${PROJECT_SOURCE_DIR} ${tdir})
      message(WARNING "${rel} is compiled by a target in ${reg}/, not by its own folder")
    endif()
  endforeach()

  file(GLOB top LIST_DIRECTORIES true RELATIVE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/*)
  set(candidates)
  foreach(child ${top})
    set(abs ${PROJECT_SOURCE_DIR}/${child})
    if(NOT IS_DIRECTORY ${abs} OR child MATCHES "^(build.*|\\..*|node_modules)$"
       OR abs STREQUAL PROJECT_BINARY_DIR)
      continue()
    endif()
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${abs}/*_test.cc)
    list(APPEND candidates ${found})
  endforeach()
  file(GLOB top_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/*_test.cc)
  list(APPEND candidates ${top_tests})

  set(orphans)
  foreach(f ${candidates})
    if(f MATCHES "/node_modules/")
      continue()
    endif()
    # peers/ is not configured when TRACESIM_PEERS is OFF (the clang `fuzz` and `tsan` presets).
    if(NOT TRACESIM_PEERS AND f MATCHES "^${PROJECT_SOURCE_DIR}/peers/")
      continue()
    endif()
    cmake_path(NORMAL_PATH f)
    if(NOT f IN_LIST registered_files)
      file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${f})
      list(APPEND orphans ${rel})
    endif()
  endforeach()
  if(orphans)
    list(JOIN orphans "\n  " orphan_lines)
    message(FATAL_ERROR "these test files belong to no target (add each to its folder's "
                        "tracesim_test(... SRCS ...) in CMakeLists.txt):\n  ${orphan_lines}")
  endif()
endfunction()
