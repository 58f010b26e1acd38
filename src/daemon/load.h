/* When the daemon counts itself "under load", so that the core answers initiations with cookie
 * replies instead of running Diffie-Hellman (wireguard-reference.md §1.4, §2.7). Two signals:
 * a burst of handshake messages (wireguard-go's queue threshold, as a rate), and a key provider
 * that is busy, e.g. an SE050 whose wear budget is spent or whose queue is not empty: a chip that
 * needs tens of milliseconds per ECDH must not be hammered before the cookies start. Either signal
 * holds the state for one second after it was last seen. Pure: time comes in. */
#ifndef HWG_DAEMON_LOAD_H
#define HWG_DAEMON_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/provider.h"

/* wireguard-go: under load while its handshake queue holds >= 4096/8 messages. */
#define LOAD_HANDSHAKES_PER_SEC 512
#define LOAD_HOLD_NS            1000000000ull

struct load_monitor {
	uint64_t window_start_ns;
	unsigned window_handshakes;
	uint64_t until_ns;
	bool seen; /* until_ns is meaningful */
};

/* Counts a received datagram; only initiations and responses (types 1 and 2) matter. */
void load_note_datagram(struct load_monitor *m, const uint8_t *pkt, size_t len, uint64_t now_ns);

/* True while under load; asks kp (may be NULL) whether it is busy. */
bool load_under_load(struct load_monitor *m, struct key_provider *kp, uint64_t now_ns);

#endif
