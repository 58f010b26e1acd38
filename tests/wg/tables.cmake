# Tests of the allowed-IPs trie, replay window and rate limiter.
hwg_unit_test(test_wg_allowedips SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_allowedips.c LIBS hwg_wg)
hwg_unit_test(test_wg_replay SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_replay.c LIBS hwg_wg)
hwg_unit_test(test_wg_ratelimiter SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ratelimiter.c LIBS hwg_wg)
