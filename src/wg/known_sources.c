#include "wg/known_sources.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/blake2s.h"

/* The address of ep in the form the set compares: IPv4 in 4 bytes (also when it came as an
 * IPv4-mapped IPv6 address), IPv6 in 16. Returns false for other families. */
static bool address_of(const struct wg_endpoint *ep, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (ep->addr.sa.sa_family == AF_INET) {
		*family = AF_INET;
		memcpy(addr, &ep->addr.in4.sin_addr, 4);
		return true;
	}
	if (ep->addr.sa.sa_family != AF_INET6)
		return false;
	const struct in6_addr *a6 = &ep->addr.in6.sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		*family = AF_INET;
		memcpy(addr, a6->s6_addr + 12, 4);
	} else {
		*family = AF_INET6;
		memcpy(addr, a6->s6_addr, 16);
	}
	return true;
}

static size_t bucket_of(const struct known_sources *set, uint8_t family, const uint8_t addr[16],
                        size_t cap)
{
	uint8_t in[17], mac[BLAKE2S_MAC_LEN];
	in[0] = family;
	memcpy(in + 1, addr, 16);
	blake2s_mac(mac, set->hash_key, 16, in, sizeof(in));
	uint64_t h = 0;
	for (int i = 0; i < 8; i++)
		h = h << 8 | mac[i];
	return (size_t)h & (cap - 1);
}

void known_sources_init(struct known_sources *set, const uint8_t hash_key[16])
{
	memset(set, 0, sizeof(*set));
	set->hash_key = hash_key;
}

void known_sources_free(struct known_sources *set)
{
	free(set->buckets);
	set->buckets = NULL;
	set->cap = set->count = 0;
}

/* At most one node per bucket on average. A failed resize keeps the old table (longer chains);
 * only a missing table makes the caller skip the insert, which costs priority, not correctness. */
static bool reserve(struct known_sources *set)
{
	if (set->count < set->cap)
		return true;
	size_t cap = set->cap ? set->cap * 2 : 16;
	struct known_source **b = calloc(cap, sizeof(*b));
	if (!b)
		return set->cap != 0;
	for (size_t i = 0; i < set->cap; i++) {
		for (struct known_source *n = set->buckets[i], *next; n; n = next) {
			next = n->next;
			size_t k = bucket_of(set, n->family, n->addr, cap);
			n->next = b[k];
			b[k] = n;
		}
	}
	free(set->buckets);
	set->buckets = b;
	set->cap = cap;
	return true;
}

void known_sources_clear(struct known_sources *set, struct known_source *node)
{
	if (!node->family)
		return;
	struct known_source **link =
	        &set->buckets[bucket_of(set, node->family, node->addr, set->cap)];
	while (*link && *link != node)
		link = &(*link)->next;
	if (*link)
		*link = node->next;
	node->next = NULL;
	node->family = 0;
	set->count--;
}

void known_sources_set(struct known_sources *set, struct known_source *node,
                       const struct wg_endpoint *ep)
{
	uint8_t family, addr[16];
	if (!address_of(ep, &family, addr)) {
		known_sources_clear(set, node);
		return;
	}
	if (node->family == family && memcmp(node->addr, addr, 16) == 0)
		return;
	known_sources_clear(set, node);
	if (!reserve(set))
		return;
	node->family = family;
	memcpy(node->addr, addr, 16);
	size_t k = bucket_of(set, family, addr, set->cap);
	node->next = set->buckets[k];
	set->buckets[k] = node;
	set->count++;
}

bool known_sources_contains(const struct known_sources *set, const struct wg_endpoint *ep)
{
	uint8_t family, addr[16];
	if (!set->cap || !address_of(ep, &family, addr))
		return false;
	for (const struct known_source *n = set->buckets[bucket_of(set, family, addr, set->cap)]; n;
	     n = n->next)
		if (n->family == family && memcmp(n->addr, addr, 16) == 0)
			return true;
	return false;
}
