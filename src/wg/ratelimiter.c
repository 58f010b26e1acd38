#include "wg/ratelimiter.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "crypto/random.h"

#define NSEC_PER_SEC 1000000000ULL
/* Tokens are nanoseconds of credit: one packet costs 1/20 s, the bucket holds five packets. */
#define PACKET_COST    (NSEC_PER_SEC / RATELIMIT_PACKETS_PER_SECOND)
#define TOKEN_MAX      (PACKET_COST * RATELIMIT_BURST)
#define IDLE_NS        NSEC_PER_SEC
#define GC_INTERVAL_NS NSEC_PER_SEC
#define BUCKETS        8192u /* power of two; about 8 entries per chain when full */

struct entry {
	struct entry *next;
	uint64_t prefix; /* IPv4 address, or the top 64 bits of an IPv6 address */
	uint64_t last_ns;
	uint64_t tokens;
	uint8_t v6;
};

struct ratelimiter {
	struct entry *buckets[BUCKETS];
	size_t count;
	uint64_t last_gc_ns;
	uint64_t k0, k1; /* SipHash key: sources are attacker-chosen, chains must stay short */
};

static uint64_t rotl64(uint64_t v, int n)
{
	return (v << n) | (v >> (64 - n));
}

#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = rotl64(v1, 13);                                                               \
		v1 ^= v0;                                                                          \
		v0 = rotl64(v0, 32);                                                               \
		v2 += v3;                                                                          \
		v3 = rotl64(v3, 16);                                                               \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = rotl64(v3, 21);                                                               \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = rotl64(v1, 17);                                                               \
		v1 ^= v2;                                                                          \
		v2 = rotl64(v2, 32);                                                               \
	} while (0)

/* SipHash-1-3 of the 16-byte message m0 || m1 (both little-endian words). */
static uint64_t siphash13_2u64(uint64_t k0, uint64_t k1, uint64_t m0, uint64_t m1)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	const uint64_t m[3] = {m0, m1, (uint64_t)16 << 56};
	for (int i = 0; i < 3; i++) {
		v3 ^= m[i];
		SIPROUND;
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static struct entry **bucket_of(struct ratelimiter *r, uint64_t prefix, uint8_t v6)
{
	return &r->buckets[siphash13_2u64(r->k0, r->k1, prefix, v6) & (BUCKETS - 1)];
}

struct ratelimiter *ratelimiter_new(void)
{
	struct ratelimiter *r = calloc(1, sizeof(*r));
	if (r) {
		uint64_t key[2];
		random_bytes(key, sizeof(key));
		r->k0 = key[0];
		r->k1 = key[1];
	}
	return r;
}

void ratelimiter_free(struct ratelimiter *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < BUCKETS; i++) {
		struct entry *e = r->buckets[i];
		while (e) {
			struct entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(r);
}

void ratelimiter_gc(struct ratelimiter *r, uint64_t now_ns)
{
	r->last_gc_ns = now_ns;
	for (size_t i = 0; i < BUCKETS && r->count > 0; i++) {
		struct entry **link = &r->buckets[i];
		while (*link) {
			struct entry *e = *link;
			if (now_ns > e->last_ns && now_ns - e->last_ns > IDLE_NS) {
				*link = e->next;
				free(e);
				r->count--;
			} else {
				link = &e->next;
			}
		}
	}
}

size_t ratelimiter_entries(const struct ratelimiter *r)
{
	return r->count;
}

bool ratelimiter_allow(struct ratelimiter *r, int family, const uint8_t *addr, uint64_t now_ns)
{
	uint64_t prefix = 0;
	uint8_t v6;
	if (family == AF_INET) {
		v6 = 0;
		for (int i = 0; i < 4; i++)
			prefix = prefix << 8 | addr[i];
	} else if (family == AF_INET6) {
		v6 = 1;
		for (int i = 0; i < 8; i++)
			prefix = prefix << 8 | addr[i];
	} else {
		return false;
	}

	/* Clock going backwards never triggers collection and never mints tokens. */
	if (now_ns > r->last_gc_ns && now_ns - r->last_gc_ns >= GC_INTERVAL_NS)
		ratelimiter_gc(r, now_ns);

	struct entry **head = bucket_of(r, prefix, v6);
	for (struct entry *e = *head; e; e = e->next) {
		if (e->prefix != prefix || e->v6 != v6)
			continue;
		uint64_t elapsed = now_ns > e->last_ns ? now_ns - e->last_ns : 0;
		uint64_t tokens =
		        elapsed >= TOKEN_MAX - e->tokens ? TOKEN_MAX : e->tokens + elapsed;
		if (now_ns > e->last_ns)
			e->last_ns = now_ns;
		bool ok = tokens >= PACKET_COST;
		e->tokens = ok ? tokens - PACKET_COST : tokens;
		return ok;
	}

	if (r->count >= RATELIMIT_MAX_ENTRIES)
		return false;
	struct entry *e = malloc(sizeof(*e));
	if (!e)
		return false;
	e->prefix = prefix;
	e->v6 = v6;
	e->last_ns = now_ns;
	e->tokens = TOKEN_MAX - PACKET_COST;
	e->next = *head;
	*head = e;
	r->count++;
	return true;
}
