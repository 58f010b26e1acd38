# Helpers shared by every layer's CMakeLists.txt.

# hwg_unit_test(NAME SOURCES a.c b.c LIBS lib1 lib2 [LABELS l1 l2] [TIMEOUT s])
# A cmocka test executable registered with CTest (label "unit" unless LABELS says otherwise).
function(hwg_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()

# hwg_script_test(NAME COMMAND cmd args... [LABELS l] [TIMEOUT s])
# A shell-driven integration test (network namespaces, emulators, CLI behaviour).
function(hwg_script_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  add_test(NAME ${name} COMMAND ${T_COMMAND})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "HWG_BIN=${CMAKE_BINARY_DIR}/bin;HWG_SOURCE=${CMAKE_SOURCE_DIR}")
endfunction()

# hwg_fuzz_target(NAME SOURCES a.c LIBS lib1)
# A libFuzzer executable in build/fuzz/; scripts/test.sh runs each for --fuzz-seconds.
function(hwg_fuzz_target name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
endfunction()
