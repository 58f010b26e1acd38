/* Per-source rate limit for handshake messages under load, as the kernel's ratelimiter.c: 20
 * packets per second with a burst of 5, keyed by the IPv4 /32 or the IPv6 /64 of the source. Pure:
 * time comes in as a monotonic nanosecond count; stale entries are collected as time advances. */
#ifndef HWG_WG_RATELIMITER_H
#define HWG_WG_RATELIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_PACKETS_PER_SECOND 20
#define RATELIMIT_BURST              5
/* At most this many sources are tracked; a new source beyond it is refused until idle entries are
 * collected (an entry idle for 1 s has a full bucket again, so dropping it changes nothing). */
#define RATELIMIT_MAX_ENTRIES 65536

struct ratelimiter;

struct ratelimiter *ratelimiter_new(void);
void ratelimiter_free(struct ratelimiter *r);
/* family AF_INET (4 address bytes) or AF_INET6 (16). True when this packet may be processed; false
 * for an unknown family or when out of memory. Collects idle entries at most once a second. */
bool ratelimiter_allow(struct ratelimiter *r, int family, const uint8_t *addr, uint64_t now_ns);
/* Drops every entry idle for more than one second; for a caller that wants to collect on a timer.
 */
void ratelimiter_gc(struct ratelimiter *r, uint64_t now_ns);
/* Number of sources currently tracked (for tests and statistics). */
size_t ratelimiter_entries(const struct ratelimiter *r);

#endif
