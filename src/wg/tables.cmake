# Sources of the allowed-IPs trie, replay window and rate limiter; list a file once it exists.
list(APPEND WG_TABLE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/allowedips.c
  ${CMAKE_CURRENT_LIST_DIR}/replay.c
  ${CMAKE_CURRENT_LIST_DIR}/ratelimiter.c)
