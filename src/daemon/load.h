/* When the daemon counts itself "under load", so that the core answers initiations with cookie
 * replies instead of running Diffie-Hellman (wireguard-reference.md §1.4, §2.7). Signals:
 *  - a burst of handshake messages (wireguard-go's queue threshold, as a rate);
 *  - a key provider that says it is busy (an SE050 whose wear budget is spent);
 *  - a key worker stuck on one operation for LOAD_WORKER_STALL_NS (a chip that stopped
 *    answering): whatever arrives now would only wait.
 * The core adds its own signals (src/wg/static_dh.h): its queue of handshakes waiting for the key
 * worker, and a wear budget down to the reserve kept for configured peers. Each signal holds the
 * state for one second after it was last seen. Pure: time comes in. */
#ifndef HWG_DAEMON_LOAD_H
#define HWG_DAEMON_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/provider.h"

/* wireguard-go: under load while its handshake queue holds >= 4096/8 messages. */
#define LOAD_HANDSHAKES_PER_SEC 512
#define LOAD_HOLD_NS            1000000000ull
/* A real SE050 ECDH takes tens of milliseconds; one that runs for a second is a hung chip. */
#define LOAD_WORKER_STALL_NS 1000000000ull

struct load_monitor {
	uint64_t window_start_ns;
	unsigned window_handshakes;
	uint64_t until_ns;
	bool seen; /* until_ns is meaningful */
};

/* Counts a received datagram; only initiations and responses (types 1 and 2) matter. */
void load_note_datagram(struct load_monitor *m, const uint8_t *pkt, size_t len, uint64_t now_ns);

/* True while under load. kp (may be NULL) is asked whether it is busy; worker_busy_since_ns is
 * when the key worker's current operation started (0 = idle), on the same clock as now_ns. */
bool load_under_load(struct load_monitor *m, struct key_provider *kp, uint64_t worker_busy_since_ns,
                     uint64_t now_ns);

#endif
