# Tests of the allowed-IPs trie, replay window and rate limiter.
