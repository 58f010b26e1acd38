/* Allowed-IPs trie: fixed cases in the style of the kernel selftest (allowedips.c, used as data),
 * edge cases of the API, and a randomised comparison against a linear longest-prefix reference. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/test_main.h"
#include "wg/allowedips.h"

static char peers[8]; /* distinct owner addresses a..h */
#define a (&peers[0])
#define b (&peers[1])
#define c (&peers[2])
#define d (&peers[3])
#define e (&peers[4])
#define f (&peers[5])
#define g (&peers[6])
#define h (&peers[7])

static void ip4(uint8_t out[4], unsigned x0, unsigned x1, unsigned x2, unsigned x3)
{
	out[0] = (uint8_t)x0;
	out[1] = (uint8_t)x1;
	out[2] = (uint8_t)x2;
	out[3] = (uint8_t)x3;
}

static void ip6(uint8_t out[16], uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3)
{
	const uint32_t w[4] = {w0, w1, w2, w3};
	for (int i = 0; i < 4; i++) {
		out[4 * i] = (uint8_t)(w[i] >> 24);
		out[4 * i + 1] = (uint8_t)(w[i] >> 16);
		out[4 * i + 2] = (uint8_t)(w[i] >> 8);
		out[4 * i + 3] = (uint8_t)w[i];
	}
}

static void insert4(struct allowedips *t, void *owner, unsigned x0, unsigned x1, unsigned x2,
                    unsigned x3, uint8_t cidr)
{
	uint8_t ip[4];
	ip4(ip, x0, x1, x2, x3);
	assert_int_equal(allowedips_insert(t, AF_INET, ip, cidr, owner), 0);
}

static void insert6(struct allowedips *t, void *owner, uint32_t w0, uint32_t w1, uint32_t w2,
                    uint32_t w3, uint8_t cidr)
{
	uint8_t ip[16];
	ip6(ip, w0, w1, w2, w3);
	assert_int_equal(allowedips_insert(t, AF_INET6, ip, cidr, owner), 0);
}

static void *lookup4(struct allowedips *t, unsigned x0, unsigned x1, unsigned x2, unsigned x3)
{
	uint8_t ip[4];
	ip4(ip, x0, x1, x2, x3);
	return allowedips_lookup(t, AF_INET, ip);
}

static void *lookup6(struct allowedips *t, uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3)
{
	uint8_t ip[16];
	ip6(ip, w0, w1, w2, w3);
	return allowedips_lookup(t, AF_INET6, ip);
}

static void kernel_style_fixed_cases(void **state)
{
	(void)state;
	struct allowedips *t = allowedips_new();
	assert_non_null(t);

	insert4(t, a, 192, 168, 4, 0, 24);
	insert4(t, b, 192, 168, 4, 4, 32);
	insert4(t, c, 192, 168, 0, 0, 16);
	insert4(t, d, 192, 95, 5, 64, 27);
	insert4(t, c, 192, 95, 5, 65, 27); /* same prefix once masked: moves d's route to c */
	insert6(t, d, 0x26075300, 0x60006b00, 0, 0xc05f0543, 128);
	insert6(t, c, 0x26075300, 0x60006b00, 0, 0, 64);
	insert4(t, e, 0, 0, 0, 0, 0);
	insert6(t, e, 0, 0, 0, 0, 0);
	insert6(t, f, 0, 0, 0, 0, 0); /* replaces e's IPv6 default route */
	insert6(t, g, 0x24046800, 0, 0, 0, 32);
	insert6(t, h, 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef, 64); /* needs masking */
	insert6(t, a, 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef, 128);
	insert6(t, c, 0x24446800, 0x40e40800, 0xdeaebeef, 0xdefbeef, 128);
	insert6(t, b, 0x24446800, 0xf0e40800, 0xeeaebeef, 0, 98);
	insert4(t, g, 64, 15, 112, 0, 20);
	insert4(t, h, 64, 15, 123, 211, 25); /* needs masking */
	insert4(t, a, 10, 0, 0, 0, 25);
	insert4(t, b, 10, 0, 0, 128, 25);
	insert4(t, a, 10, 1, 0, 0, 30);
	insert4(t, b, 10, 1, 0, 4, 30);
	insert4(t, c, 10, 1, 0, 8, 29);
	insert4(t, d, 10, 1, 0, 16, 29);

	assert_ptr_equal(lookup4(t, 192, 168, 4, 20), a);
	assert_ptr_equal(lookup4(t, 192, 168, 4, 0), a);
	assert_ptr_equal(lookup4(t, 192, 168, 4, 4), b);
	assert_ptr_equal(lookup4(t, 192, 168, 200, 182), c);
	assert_ptr_equal(lookup4(t, 192, 95, 5, 68), c);
	assert_ptr_equal(lookup4(t, 192, 95, 5, 96), e);
	assert_ptr_equal(lookup6(t, 0x26075300, 0x60006b00, 0, 0xc05f0543), d);
	assert_ptr_equal(lookup6(t, 0x26075300, 0x60006b00, 0, 0xc02e01ee), c);
	assert_ptr_equal(lookup6(t, 0x26075300, 0x60006b01, 0, 0), f);
	assert_ptr_equal(lookup6(t, 0x24046800, 0x40040806, 0, 0x1006), g);
	assert_ptr_equal(lookup6(t, 0x24046800, 0x40040806, 0x1234, 0x5678), g);
	assert_ptr_equal(lookup6(t, 0x240467ff, 0x40040806, 0x1234, 0x5678), f);
	assert_ptr_equal(lookup6(t, 0x24046801, 0x40040806, 0x1234, 0x5678), f);
	assert_ptr_equal(lookup6(t, 0x24046800, 0x40040800, 0x1234, 0x5678), h);
	assert_ptr_equal(lookup6(t, 0x24046800, 0x40040800, 0, 0), h);
	assert_ptr_equal(lookup6(t, 0x24046800, 0x40040800, 0x10101010, 0x10101010), h);
	assert_ptr_equal(lookup6(t, 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), a);
	assert_ptr_equal(lookup6(t, 0x24446800, 0x40e40800, 0xdeaebeef, 0xdefbeef), c);
	assert_ptr_equal(lookup6(t, 0x24446800, 0xf0e40800, 0xeeaebeef, 0x12345678), b);
	assert_ptr_equal(lookup4(t, 64, 15, 116, 26), g);
	assert_ptr_equal(lookup4(t, 64, 15, 127, 3), g);
	assert_ptr_equal(lookup4(t, 64, 15, 123, 1), g);
	assert_ptr_equal(lookup4(t, 64, 15, 123, 128), h);
	assert_ptr_equal(lookup4(t, 64, 15, 123, 129), h);
	assert_ptr_equal(lookup4(t, 10, 0, 0, 52), a);
	assert_ptr_equal(lookup4(t, 10, 0, 0, 220), b);
	assert_ptr_equal(lookup4(t, 10, 1, 0, 2), a);
	assert_ptr_equal(lookup4(t, 10, 1, 0, 6), b);
	assert_ptr_equal(lookup4(t, 10, 1, 0, 10), c);
	assert_ptr_equal(lookup4(t, 10, 1, 0, 20), d);

	/* Removing a peer takes all of its routes; lookups fall back to shorter prefixes. */
	insert4(t, a, 1, 0, 0, 0, 32);
	insert4(t, a, 64, 0, 0, 0, 32);
	insert4(t, a, 128, 0, 0, 0, 32);
	insert4(t, a, 192, 0, 0, 0, 32);
	insert4(t, a, 255, 0, 0, 0, 32);
	allowedips_remove_owner(t, a);
	assert_ptr_equal(lookup4(t, 1, 0, 0, 0), e);
	assert_ptr_equal(lookup4(t, 64, 0, 0, 0), e);
	assert_ptr_equal(lookup4(t, 128, 0, 0, 0), e);
	assert_ptr_equal(lookup4(t, 192, 0, 0, 0), e);
	assert_ptr_equal(lookup4(t, 255, 0, 0, 0), e);
	assert_ptr_equal(lookup4(t, 192, 168, 4, 20), c);
	assert_ptr_equal(lookup4(t, 10, 1, 0, 2), e);
	assert_ptr_equal(lookup6(t, 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), h);
	/* The other peers are untouched. */
	assert_ptr_equal(lookup4(t, 192, 168, 4, 4), b);
	assert_ptr_equal(lookup4(t, 10, 1, 0, 20), d);
	allowedips_free(t);

	/* Nested prefixes of one owner. */
	t = allowedips_new();
	assert_non_null(t);
	insert4(t, a, 192, 168, 0, 0, 16);
	insert4(t, a, 192, 168, 0, 0, 24);
	allowedips_remove_owner(t, a);
	assert_null(lookup4(t, 192, 168, 0, 1));
	allowedips_free(t);
}

/* Long chains of /128s that share ever shorter prefixes: the deepest trie shapes possible. */
static void deep_paths(void **state)
{
	(void)state;
	struct allowedips *t = allowedips_new();
	assert_non_null(t);
	for (int i = 0; i < 64; i++) {
		uint64_t part = ~0ULL << i;
		uint8_t ip[16];
		memset(ip, 0xff, 8);
		for (int j = 0; j < 8; j++)
			ip[8 + j] = (uint8_t)(part >> (56 - 8 * j));
		assert_int_equal(allowedips_insert(t, AF_INET6, ip, 128, a), 0);
		assert_ptr_equal(allowedips_lookup(t, AF_INET6, ip), a);
		for (int j = 0; j < 8; j++)
			ip[j] = (uint8_t)(part >> (56 - 8 * j));
		memset(ip + 8, 0, 8);
		assert_int_equal(allowedips_insert(t, AF_INET6, ip, 128, b), 0);
		assert_ptr_equal(allowedips_lookup(t, AF_INET6, ip), b);
	}
	uint8_t zero[16] = {0};
	assert_int_equal(allowedips_insert(t, AF_INET6, zero, 128, c), 0);
	assert_ptr_equal(allowedips_lookup(t, AF_INET6, zero), c);
	uint8_t one[16] = {0};
	one[15] = 1;
	assert_null(allowedips_lookup(t, AF_INET6, one));
	allowedips_remove_owner(t, b);
	allowedips_remove_owner(t, a);
	assert_ptr_equal(allowedips_lookup(t, AF_INET6, zero), c);
	allowedips_free(t);
}

struct seen {
	int count;
	bool found[5];
	bool other;
	int stop_after;
};

static int collect(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	struct seen *s = ctx;
	uint8_t ip[16];
	s->count++;
	if (family == AF_INET && cidr == 27 && (ip4(ip, 192, 95, 5, 64), !memcmp(addr, ip, 4)))
		s->found[0] = true;
	else if (family == AF_INET6 && cidr == 128 &&
	         (ip6(ip, 0x26075300, 0x60006b00, 0, 0xc05f0543), !memcmp(addr, ip, 16)))
		s->found[1] = true;
	else if (family == AF_INET && cidr == 29 && (ip4(ip, 10, 1, 0, 16), !memcmp(addr, ip, 4)))
		s->found[2] = true;
	else if (family == AF_INET6 && cidr == 83 &&
	         (ip6(ip, 0x26075300, 0x6d8a6bf8, 0xdab1e000, 0), !memcmp(addr, ip, 16)))
		s->found[3] = true;
	else if (family == AF_INET6 && cidr == 21 &&
	         (ip6(ip, 0x26075000, 0, 0, 0), !memcmp(addr, ip, 16)))
		s->found[4] = true;
	else
		s->other = true;
	return s->stop_after && s->count == s->stop_after ? 42 : 0;
}

static void foreach_reports_masked_prefixes(void **state)
{
	(void)state;
	struct allowedips *t = allowedips_new();
	assert_non_null(t);
	insert4(t, a, 192, 95, 5, 93, 27);
	insert6(t, a, 0x26075300, 0x60006b00, 0, 0xc05f0543, 128);
	insert4(t, a, 10, 1, 0, 20, 29);
	insert6(t, a, 0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523, 83);
	insert6(t, a, 0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523, 21);
	insert4(t, b, 10, 1, 0, 20, 32);

	struct seen s = {0};
	assert_int_equal(allowedips_foreach(t, a, collect, &s), 0);
	assert_int_equal(s.count, 5);
	for (int i = 0; i < 5; i++)
		assert_true(s.found[i]);
	assert_false(s.other);

	/* A non-zero return stops the walk and is passed back. */
	struct seen stop = {.stop_after = 2};
	assert_int_equal(allowedips_foreach(t, a, collect, &stop), 42);
	assert_int_equal(stop.count, 2);

	/* Unknown owners have nothing. */
	struct seen none = {0};
	assert_int_equal(allowedips_foreach(t, h, collect, &none), 0);
	assert_int_equal(none.count, 0);
	allowedips_free(t);
}

struct order_log {
	int count;
	int family[8];
	uint8_t cidr[8];
	uint8_t first_byte[8];
};

static int log_order(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	struct order_log *l = ctx;
	assert_true(l->count < 8);
	l->family[l->count] = family;
	l->cidr[l->count] = cidr;
	l->first_byte[l->count] = addr[0];
	l->count++;
	return 0;
}

/* Walks owner's prefixes and checks their number and, in listing order, their first bytes; returns
 * the log for further checks. */
static struct order_log assert_listing(struct allowedips *t, void *owner, int count,
                                       const uint8_t *first_bytes)
{
	struct order_log l = {0};
	assert_int_equal(allowedips_foreach(t, owner, log_order, &l), 0);
	assert_int_equal(l.count, count);
	for (int i = 0; i < count; i++)
		assert_int_equal(l.first_byte[i], first_bytes[i]);
	return l;
}

/* Prefixes are listed oldest first, like wireguard-go's UAPI get; re-adding one (the daemon's
 * replace_allowed_ips, or a move from another owner) makes it the newest. */
static void foreach_lists_in_insertion_order(void **state)
{
	(void)state;
	struct allowedips *t = allowedips_new();
	assert_non_null(t);
	insert4(t, a, 10, 0, 0, 0, 24);
	insert6(t, a, 0xfd000000, 0, 0, 0, 64);
	insert4(t, a, 192, 168, 0, 0, 16);

	struct order_log l = assert_listing(t, a, 3, (const uint8_t[]){10, 0xfd, 192});
	assert_int_equal(l.family[0], AF_INET);
	assert_int_equal(l.family[1], AF_INET6);
	assert_int_equal(l.family[2], AF_INET);

	/* Clearing and re-adding in the same order gives the same listing (it used to flip). */
	allowedips_remove_owner(t, a);
	insert4(t, a, 10, 0, 0, 0, 24);
	insert6(t, a, 0xfd000000, 0, 0, 0, 64);
	insert4(t, a, 192, 168, 0, 0, 16);
	assert_listing(t, a, 3, (const uint8_t[]){10, 0xfd, 192});

	/* Removing the middle, the head and the tail keeps the rest in order. */
	insert4(t, a, 172, 16, 0, 0, 12);
	uint8_t ip[16];
	ip6(ip, 0xfd000000, 0, 0, 0);
	assert_int_equal(allowedips_remove(t, AF_INET6, ip, 64, a), 0);
	ip4(ip, 10, 0, 0, 0);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 24, a), 0);
	insert4(t, a, 10, 0, 0, 0, 8);
	ip4(ip, 10, 0, 0, 0);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 8, a), 0);
	insert4(t, a, 11, 0, 0, 0, 8);
	assert_listing(t, a, 3, (const uint8_t[]){192, 172, 11});

	/* Re-inserting for the same owner makes it the newest; a moved prefix leaves a's list. */
	insert4(t, a, 192, 168, 0, 0, 16);
	insert4(t, b, 172, 16, 0, 0, 12);
	assert_listing(t, a, 2, (const uint8_t[]){11, 192});
	assert_listing(t, b, 1, (const uint8_t[]){172});
	allowedips_free(t);
}

static void api_edges(void **state)
{
	(void)state;
	struct allowedips *t = allowedips_new();
	assert_non_null(t);
	uint8_t ip[16] = {10, 0, 0, 1};

	assert_int_equal(allowedips_insert(t, AF_INET, ip, 33, a), -EINVAL);
	assert_int_equal(allowedips_insert(t, AF_INET6, ip, 129, a), -EINVAL);
	assert_int_equal(allowedips_insert(t, AF_UNIX, ip, 8, a), -EINVAL);
	assert_int_equal(allowedips_insert(t, AF_INET, ip, 8, NULL), -EINVAL);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 33, a), -EINVAL);
	assert_null(allowedips_lookup(t, AF_UNIX, ip));
	assert_null(allowedips_lookup(t, AF_INET, ip));

	/* Single removal: only by the holder, only the exact (masked) prefix. */
	insert4(t, a, 10, 0, 0, 0, 8);
	insert4(t, b, 10, 0, 0, 0, 16);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 8, b), -ENOENT);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 9, a), -ENOENT);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 24, a), -ENOENT);
	assert_ptr_equal(allowedips_lookup(t, AF_INET, ip), b);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 16, b),
	                 0); /* 10.0.0.1/16 masks to 10.0/16 */
	assert_ptr_equal(allowedips_lookup(t, AF_INET, ip), a);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 16, b), -ENOENT);
	assert_int_equal(allowedips_remove(t, AF_INET, ip, 8, a), 0);
	assert_null(allowedips_lookup(t, AF_INET, ip));

	/* /0 matches everything in its family only, and loses to anything longer. */
	uint8_t any[16] = {0};
	assert_int_equal(allowedips_insert(t, AF_INET, ip, 0, c), 0); /* 10.0.0.1/0 masks to /0 */
	assert_ptr_equal(lookup4(t, 255, 255, 255, 255), c);
	assert_ptr_equal(lookup4(t, 0, 0, 0, 0), c);
	assert_null(allowedips_lookup(t, AF_INET6, any));
	insert4(t, d, 255, 255, 255, 255, 32);
	assert_ptr_equal(lookup4(t, 255, 255, 255, 255), d);
	assert_ptr_equal(lookup4(t, 255, 255, 255, 254), c);
	assert_int_equal(allowedips_remove(t, AF_INET, any, 0, c), 0);
	assert_null(lookup4(t, 255, 255, 255, 254));
	assert_ptr_equal(lookup4(t, 255, 255, 255, 255), d);

	/* Moving a prefix: it leaves the old owner's list. */
	insert4(t, e, 172, 16, 0, 0, 12);
	insert4(t, f, 172, 16, 0, 0, 12);
	struct seen s = {0};
	assert_int_equal(allowedips_foreach(t, e, collect, &s), 0);
	assert_int_equal(s.count, 0);
	allowedips_remove_owner(t, e);
	assert_ptr_equal(lookup4(t, 172, 20, 1, 1), f);
	/* Inserting what the owner already holds changes nothing. */
	insert4(t, f, 172, 16, 0, 0, 12);
	allowedips_remove_owner(t, f);
	assert_null(lookup4(t, 172, 20, 1, 1));
	allowedips_remove_owner(t, f); /* nothing left: harmless */
	allowedips_remove_owner(t, NULL);
	allowedips_free(t);
	allowedips_free(NULL);
}

/* Thousands of peers: exercises the owner index (growth, and deletion from the middle of probe
 * chains) as peers come and go in an arbitrary order. */
#define MANY 3000
static char many[MANY];

static void many_owners(void **state)
{
	(void)state;
	struct allowedips *t = allowedips_new();
	assert_non_null(t);
	uint8_t ip[16];
	for (int i = 0; i < MANY; i++) {
		insert4(t, &many[i], 10, (unsigned)(i >> 8), (unsigned)i & 0xff, 1, 32);
		insert6(t, &many[i], 0xfd000000, (uint32_t)i, 0, 0, 64);
	}
	static bool gone[MANY];
	memset(gone, 0, sizeof(gone));
	/* 1237 is coprime to 3000, so this visits every peer once in a scattered order. */
	for (int step = 0; step < MANY; step++) {
		int victim = (int)((step * 1237L + 11) % MANY);
		allowedips_remove_owner(t, &many[victim]);
		gone[victim] = true;
		assert_null(lookup4(t, 10, (unsigned)(victim >> 8), (unsigned)victim & 0xff, 1));
		assert_null(lookup6(t, 0xfd000000, (uint32_t)victim, 0x1234, 0));
		if (step % 250 == 0) {
			for (int i = 0; i < MANY; i++) {
				void *want = gone[i] ? NULL : &many[i];
				assert_ptr_equal(
				        lookup4(t, 10, (unsigned)(i >> 8), (unsigned)i & 0xff, 1),
				        want);
				ip6(ip, 0xfd000000, (uint32_t)i, 0xffffffff, 7);
				assert_ptr_equal(allowedips_lookup(t, AF_INET6, ip), want);
				struct seen s = {0};
				allowedips_foreach(t, &many[i], collect, &s);
				assert_int_equal(s.count, gone[i] ? 0 : 2);
			}
		}
	}
	allowedips_free(t);
}

/* ---- randomised comparison ---- */

struct ref_entry {
	int family;
	uint8_t addr[16];
	uint8_t cidr;
	void *owner;
	uint64_t seq; /* when it was last inserted: foreach must list an owner's prefixes by seq */
};

static uint64_t ref_seq;

#define REF_MAX 4096
#define OWNERS  64
static struct ref_entry ref[REF_MAX];
static size_t ref_len;
static char owners[OWNERS];
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void mask_bytes(uint8_t *addr, int len, unsigned cidr)
{
	for (int i = 0; i < len; i++) {
		unsigned bits = cidr > 8u * (unsigned)i ? cidr - 8u * (unsigned)i : 0;
		if (bits < 8)
			addr[i] &= (uint8_t)(0xff00u >> bits);
	}
}

static bool prefix_has(const struct ref_entry *r, const uint8_t *addr)
{
	uint8_t tmp[16];
	int len = r->family == AF_INET ? 4 : 16;
	memcpy(tmp, addr, (size_t)len);
	mask_bytes(tmp, len, r->cidr);
	return memcmp(tmp, r->addr, (size_t)len) == 0;
}

static void *ref_lookup(int family, const uint8_t *addr)
{
	const struct ref_entry *best = NULL;
	for (size_t i = 0; i < ref_len; i++) {
		if (ref[i].family == family && prefix_has(&ref[i], addr) &&
		    (!best || ref[i].cidr > best->cidr))
			best = &ref[i];
	}
	return best ? best->owner : NULL;
}

static size_t ref_find(int family, const uint8_t *masked, uint8_t cidr)
{
	for (size_t i = 0; i < ref_len; i++) {
		if (ref[i].family == family && ref[i].cidr == cidr &&
		    !memcmp(ref[i].addr, masked, family == AF_INET ? 4 : 16))
			return i;
	}
	return ref_len;
}

static void ref_insert(int family, const uint8_t *addr, uint8_t cidr, void *owner)
{
	struct ref_entry r = {.family = family, .cidr = cidr, .owner = owner};
	memcpy(r.addr, addr, family == AF_INET ? 4 : 16);
	mask_bytes(r.addr, family == AF_INET ? 4 : 16, cidr);
	r.seq = ++ref_seq;
	size_t i = ref_find(family, r.addr, cidr);
	if (i < ref_len) {
		ref[i].owner = owner;
		ref[i].seq = r.seq;
		return;
	}
	assert_true(ref_len < REF_MAX);
	ref[ref_len++] = r;
}

static void ref_remove_at(size_t i)
{
	ref[i] = ref[--ref_len];
}

/* Addresses cluster around a few bases so that prefixes nest and share long paths. */
static uint8_t bases[8][16];

static void random_addr(int family, uint8_t *out)
{
	int len = family == AF_INET ? 4 : 16;
	memcpy(out, bases[rnd() % 8], (size_t)len);
	unsigned from = (unsigned)(rnd() % (8u * (unsigned)len + 1));
	for (unsigned bit = from; bit < 8u * (unsigned)len; bit++) {
		if (rnd() & 1)
			out[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
	}
}

static uint8_t random_cidr(int family)
{
	unsigned max = family == AF_INET ? 32 : 128;
	/* Favour full-length and short prefixes as well as everything between. */
	switch (rnd() % 4) {
	case 0:
		return (uint8_t)max;
	case 1:
		return (uint8_t)(rnd() % 9);
	default:
		return (uint8_t)(rnd() % (max + 1));
	}
}

static void compare_lookups(struct allowedips *t, int n)
{
	for (int i = 0; i < n; i++) {
		int family = rnd() & 1 ? AF_INET : AF_INET6;
		uint8_t addr[16];
		if (ref_len > 0 && rnd() % 2) {
			/* Inside or right next to a stored prefix. */
			const struct ref_entry *r = &ref[rnd() % ref_len];
			family = r->family;
			memcpy(addr, r->addr, 16);
			unsigned len = family == AF_INET ? 32 : 128;
			unsigned bit = (unsigned)(rnd() % len);
			if (rnd() % 4)
				addr[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
		} else {
			random_addr(family, addr);
		}
		assert_ptr_equal(allowedips_lookup(t, family, addr), ref_lookup(family, addr));
	}
}

struct foreach_check {
	void *owner;
	int count;
	uint64_t last_seq;
};

static int check_in_ref(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	struct foreach_check *fc = ctx;
	size_t i = ref_find(family, addr, cidr);
	assert_true(i < ref_len);
	assert_ptr_equal(ref[i].owner, fc->owner);
	assert_true(ref[i].seq > fc->last_seq); /* insertion order, oldest first */
	fc->last_seq = ref[i].seq;
	fc->count++;
	return 0;
}

static void compare_owner_lists(struct allowedips *t)
{
	for (int o = 0; o < OWNERS; o++) {
		struct foreach_check fc = {&owners[o], 0, 0};
		assert_int_equal(allowedips_foreach(t, &owners[o], check_in_ref, &fc), 0);
		int expect = 0;
		for (size_t i = 0; i < ref_len; i++)
			expect += ref[i].owner == &owners[o];
		assert_int_equal(fc.count, expect);
	}
}

static void randomised_against_reference(void **state)
{
	(void)state;
	struct allowedips *t = allowedips_new();
	assert_non_null(t);
	ref_len = 0;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 16; j++)
			bases[i][j] = (uint8_t)rnd();

	for (int round = 0; round < 40; round++) {
		/* Insertions, some of them moving an existing prefix to another owner. */
		for (int i = 0; i < 60; i++) {
			int family = rnd() % 3 ? AF_INET6 : AF_INET;
			uint8_t addr[16];
			uint8_t cidr = random_cidr(family);
			void *owner = &owners[rnd() % OWNERS];
			if (ref_len > 0 && rnd() % 5 == 0) {
				const struct ref_entry *r = &ref[rnd() % ref_len];
				family = r->family;
				memcpy(addr, r->addr, 16);
				cidr = r->cidr;
			} else {
				random_addr(family, addr);
			}
			if (ref_len >= REF_MAX)
				break;
			assert_int_equal(allowedips_insert(t, family, addr, cidr, owner), 0);
			ref_insert(family, addr, cidr, owner);
		}
		compare_lookups(t, 300);

		/* Single removals: right and wrong owner. */
		for (int i = 0; i < 15 && ref_len > 0; i++) {
			size_t k = rnd() % ref_len;
			struct ref_entry r = ref[k];
			void *wrong = &owners[(size_t)((char *)r.owner - owners + 1) % OWNERS];
			assert_int_equal(allowedips_remove(t, r.family, r.addr, r.cidr, wrong),
			                 -ENOENT);
			assert_int_equal(allowedips_remove(t, r.family, r.addr, r.cidr, r.owner),
			                 0);
			ref_remove_at(k);
			assert_int_equal(allowedips_remove(t, r.family, r.addr, r.cidr, r.owner),
			                 -ENOENT);
		}
		compare_lookups(t, 100);

		/* A whole peer goes away now and then. */
		if (round % 3 == 2) {
			void *gone = &owners[rnd() % OWNERS];
			allowedips_remove_owner(t, gone);
			for (size_t i = 0; i < ref_len;) {
				if (ref[i].owner == gone)
					ref_remove_at(i);
				else
					i++;
			}
			compare_lookups(t, 300);
		}
		compare_owner_lists(t);
	}

	/* Tear everything down owner by owner; the table must end empty. */
	for (int o = 0; o < OWNERS; o++) {
		allowedips_remove_owner(t, &owners[o]);
		for (size_t i = 0; i < ref_len;) {
			if (ref[i].owner == &owners[o])
				ref_remove_at(i);
			else
				i++;
		}
		if (o % 16 == 0)
			compare_lookups(t, 200);
	}
	assert_int_equal(ref_len, 0);
	compare_lookups(t, 500);
	allowedips_free(t);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(kernel_style_fixed_cases),
        cmocka_unit_test(deep_paths),
        cmocka_unit_test(foreach_reports_masked_prefixes),
        cmocka_unit_test(foreach_lists_in_insertion_order),
        cmocka_unit_test(api_edges),
        cmocka_unit_test(many_owners),
        cmocka_unit_test(randomised_against_reference),
};

HWG_TEST_MAIN(tests, NULL, NULL)
