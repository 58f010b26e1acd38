# Tests of the handshake, cookies, keypairs, timers, peers and device. Each drives wg_device
# instances against each other in memory (test_core_harness.c: fake clock, fake network).
foreach(t handshake datapath timers cookie kat async timer_queue)
  hwg_unit_test(test_wg_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_core_harness.c
    LIBS hwg_wg hwg_se050)
  target_include_directories(test_wg_${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
endforeach()

# Interop with Debian's wireguard-go in a network namespace (skips without root or the package).
add_executable(wg_interop_peer ${CMAKE_CURRENT_LIST_DIR}/test_interop_wggo.c)
target_link_libraries(wg_interop_peer PRIVATE hwg_wg)
set_target_properties(wg_interop_peer PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
hwg_script_test(test_wg_interop_wggo
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_interop_wggo.sh $<TARGET_FILE:wg_interop_peer>
  LABELS interop TIMEOUT 90)
set_tests_properties(test_wg_interop_wggo PROPERTIES SKIP_RETURN_CODE 77)

# The initiation timestamp source (a wall clock set back must not make initiations replays).
hwg_unit_test(test_wg_timestamp
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_timestamp.c ${CMAKE_CURRENT_LIST_DIR}/test_core_harness.c
  LIBS hwg_wg)
target_include_directories(test_wg_timestamp PRIVATE ${CMAKE_CURRENT_LIST_DIR})
