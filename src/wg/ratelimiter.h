/* Per-source rate limit for handshake messages under load, as the kernel's ratelimiter.c: 20 packets
 * per second with a burst of 5, keyed by the IPv4 /32 or the IPv6 /64 of the source. Pure: time comes
 * in as a monotonic nanosecond count; stale entries are collected as time advances. */
#ifndef HWG_WG_RATELIMITER_H
#define HWG_WG_RATELIMITER_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_PACKETS_PER_SECOND 20
#define RATELIMIT_BURST 5

struct ratelimiter;

struct ratelimiter *ratelimiter_new(void);
void ratelimiter_free(struct ratelimiter *r);
/* family AF_INET (4 address bytes) or AF_INET6 (16). True when this packet may be processed. */
bool ratelimiter_allow(struct ratelimiter *r, int family, const uint8_t *addr, uint64_t now_ns);

#endif
