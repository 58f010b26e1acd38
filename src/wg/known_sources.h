/* The outer addresses that configured peers use: each peer's configured endpoint and its last
 * authenticated one. An initiation from one of them is served first when the key provider is a
 * scarce resource (a secure element with a wear budget; static_dh.c). Only the IP address counts,
 * not the port, so a NAT that rebinds the port keeps a peer known. A set keyed by a MAC under the
 * device's random hash key (senders choose their source address, so they must not be able to aim
 * at one chain); its nodes live inside the peers, so updating it never allocates except when the
 * table grows. */
#ifndef HWG_WG_KNOWN_SOURCES_H
#define HWG_WG_KNOWN_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/wg.h"

struct known_source {
	struct known_source *next;
	uint8_t family; /* AF_INET or AF_INET6; 0 when not linked */
	uint8_t addr[16];
};

struct known_sources {
	struct known_source **buckets;
	size_t cap; /* power of two, or 0 */
	size_t count;
	const uint8_t *hash_key; /* 16 bytes, the device's */
};

void known_sources_init(struct known_sources *set, const uint8_t hash_key[16]);
void known_sources_free(struct known_sources *set);
/* Makes node hold ep's address (unlinking its old one). Cheap when the address did not change:
 * it is called for every authenticated packet. */
void known_sources_set(struct known_sources *set, struct known_source *node,
                       const struct wg_endpoint *ep);
void known_sources_clear(struct known_sources *set, struct known_source *node);
/* True when some peer's configured or last endpoint has ep's address. */
bool known_sources_contains(const struct known_sources *set, const struct wg_endpoint *ep);

#endif
