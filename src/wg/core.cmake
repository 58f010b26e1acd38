# Sources of the handshake, cookies, keypairs, timers, peers and device; list a file once it exists.
list(APPEND WG_CORE_SOURCES)
