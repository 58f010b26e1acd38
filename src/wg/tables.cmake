# Sources of the allowed-IPs trie, replay window and rate limiter; list a file once it exists.
list(APPEND WG_TABLE_SOURCES)
