# Sources of the handshake, cookies, keypairs, timers, peers and device; list a file once it exists.
list(APPEND WG_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/index.c
  ${CMAKE_CURRENT_LIST_DIR}/keypair.c
  ${CMAKE_CURRENT_LIST_DIR}/cookie.c
  ${CMAKE_CURRENT_LIST_DIR}/noise.c
  ${CMAKE_CURRENT_LIST_DIR}/known_sources.c
  ${CMAKE_CURRENT_LIST_DIR}/static_dh.c
  ${CMAKE_CURRENT_LIST_DIR}/handshake.c
  ${CMAKE_CURRENT_LIST_DIR}/timers.c
  ${CMAKE_CURRENT_LIST_DIR}/timer_queue.c
  ${CMAKE_CURRENT_LIST_DIR}/peer.c
  ${CMAKE_CURRENT_LIST_DIR}/send.c
  ${CMAKE_CURRENT_LIST_DIR}/receive.c
  ${CMAKE_CURRENT_LIST_DIR}/device.c)
