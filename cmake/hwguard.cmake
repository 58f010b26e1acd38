# Helpers shared by every layer's CMakeLists.txt.

# `cmake --build B --target unit_tests` builds what `ctest -L unit` runs and nothing else (the cross
# builds of scripts/cross.sh build it and the programs, not the benchmarks and interop helpers).
if(NOT TARGET unit_tests)
  add_custom_target(unit_tests)
endif()

# hwg_unit_test(NAME SOURCES a.c b.c LIBS lib1 lib2 [LABELS l1 l2] [TIMEOUT s])
# A cmocka test executable registered with CTest (label "unit" unless LABELS says otherwise).
function(hwg_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests) # support/test_main.h
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  hwg_test_program(launcher ${name}) # (a cross build's script tests may run it: emulated/tests/)
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if("unit" IN_LIST T_LABELS)
    add_dependencies(unit_tests ${name})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()

# hwg_script_test(NAME COMMAND cmd args... [LABELS l] [TIMEOUT s])
# A shell-driven integration test (network namespaces, emulators, CLI behaviour). It finds the
# programs in $HWG_BIN: build/bin, or in a cross build build/emulated/bin, the launchers that run
# them under qemu-user.
function(hwg_script_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  add_test(NAME ${name} COMMAND ${T_COMMAND})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set(bin ${CMAKE_BINARY_DIR}/bin)
  if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
    set(bin ${CMAKE_BINARY_DIR}/emulated/bin) # launchers: cmd/CMakeLists.txt, hwg_unit_test
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "HWG_BIN=${bin};HWG_SOURCE=${CMAKE_SOURCE_DIR}")
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

# hwg_test_program(VAR TARGET): sets VAR to a path that runs TARGET's executable, for a test that
# starts another program of this build (SE050_EMU_PATH). In a cross build that path is a small
# script running the program under CMAKE_CROSSCOMPILING_EMULATOR (qemu-user), so the test needs no
# binfmt_misc. The scripts sit in build/emulated/, laid out like the build itself (bin/PROGRAM,
# tests/TEST), so that a script test's "$HWG_BIN/../tests/X" finds the emulated X too.
function(hwg_test_program var target)
  if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
    get_target_property(outdir ${target} RUNTIME_OUTPUT_DIRECTORY)
    if(NOT outdir)
      set(outdir ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
    endif()
    file(RELATIVE_PATH reldir ${CMAKE_BINARY_DIR} ${outdir})
    set(launcher ${CMAKE_BINARY_DIR}/emulated/${reldir}/${target})
    get_property(generated GLOBAL PROPERTY hwg_launcher_${target})
    if(NOT generated) # one file(GENERATE) per output, however many tests use it
      set_property(GLOBAL PROPERTY hwg_launcher_${target} 1)
      list(JOIN CMAKE_CROSSCOMPILING_EMULATOR "\" \"" emulator)
      file(GENERATE OUTPUT ${launcher}
           CONTENT "#!/bin/sh\nexec \"${emulator}\" \"$<TARGET_FILE:${target}>\" \"$@\"\n"
           FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                            WORLD_READ WORLD_EXECUTE)
    endif()
    set(${var} ${launcher} PARENT_SCOPE)
  else()
    set(${var} $<TARGET_FILE:${target}> PARENT_SCOPE)
  endif()
endfunction()
