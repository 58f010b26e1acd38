/* The device state behind the opaque struct wg_device. Internal to src/wg. */
#ifndef HWG_WG_DEVICE_H
#define HWG_WG_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "wg/allowedips.h"
#include "wg/cookie.h"
#include "wg/index.h"
#include "wg/known_sources.h"
#include "wg/noise.h"
#include "wg/ratelimiter.h"
#include "wg/static_dh.h"
#include "wg/timer_queue.h"
#include "wg/wg.h"

/* Room for the largest sealed packet: header, plaintext padded to 16, tag. */
#define WG_SCRATCH_LEN (MSG_DATA_HEADER_LEN + WG_MAX_PACKET + MSG_PADDING_MULTIPLE + AEAD_TAG_LEN)

struct wg_device {
	struct wg_io io;
	struct wg_time now; /* the time of the API call being served */
	struct key_provider *key;
	struct noise_constants noise;
	struct cookie_checker cookie_checker;
	struct index_table index;
	struct allowedips *allowedips;
	struct ratelimiter *ratelimiter;
	struct wg_peer *first_peer, *last_peer;
	unsigned peer_count;
	/* replace_peers: a peer whose listed_round differs is unlisted. Listing a peer again moves
	 * it to the end (as adding one does), so the unlisted peers are always the first ones. */
	uint32_t listing_round;
	struct timer_queue timer_queue; /* peers with an armed timer, earliest first */
	/* Peers by public key (chained; at most one peer per bucket on average). Initiations make
	 * us look up a key the sender chose, so buckets come from a MAC under a random per-device
	 * key: nobody outside can aim keys at one chain. */
	struct wg_peer **peer_table;
	size_t peer_table_cap; /* power of two, or 0 */
	uint8_t peer_hash_key[16];
	struct wg_device_stats stats;
	uint64_t last_under_load_ns;
	bool was_under_load;
	unsigned mtu; /* 0 = unknown: pad to 16 without bound */
	uint8_t *scratch;
	wg_timestamp_fn timestamp_fn; /* NULL: now.real_* (wg_device_set_timestamp_source) */
	void *timestamp_ctx;
	/* Static-key DH requests waiting for a blocking key provider (pending handshakes). */
	struct sdh_queue sdh;
	/* Addresses of the peers' endpoints: their handshakes go first to the key provider. */
	struct known_sources known;
};

static inline void device_drop(struct wg_device *dev, enum wg_drop_reason why)
{
	dev->stats.dropped[why]++;
}

/* Sends a datagram to the peer's endpoint and counts it in tx_bytes. */
void device_send_to_peer(struct wg_device *dev, struct wg_peer *peer, const uint8_t *buf,
                         size_t len);

#endif
