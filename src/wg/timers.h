/* Per-peer protocol timers (kernel timers.c; whitepaper §6; wireguard-reference.md §1.6). Each
 * timer is a deadline on the monotonic clock (0 = not armed); arming one queues the peer in the
 * device's wake-up queue (timer_queue.h), and wg_device_tick() fires the due ones of the peers that
 * queue hands back. The event hooks below are called from the send and receive paths exactly where
 * the kernel calls its wg_timers_* functions. */
#ifndef HWG_WG_TIMERS_H
#define HWG_WG_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/timer_queue.h"

struct wg_device;
struct wg_peer;

struct wg_timers {
	uint64_t retransmit_handshake;
	uint64_t send_keepalive;
	uint64_t new_handshake;
	uint64_t zero_key_material;
	uint64_t persistent_keepalive;
	unsigned handshake_attempts;
	bool need_another_keepalive;
	bool sent_lastminute_handshake;
	/* Its place in the device's wake-up queue: queued never later than its earliest armed
	 * timer. */
	struct timer_entry wake;
};

void timers_data_sent(struct wg_device *dev, struct wg_peer *peer);
void timers_data_received(struct wg_device *dev, struct wg_peer *peer);
void timers_any_authenticated_packet_sent(struct wg_device *dev, struct wg_peer *peer);
void timers_any_authenticated_packet_received(struct wg_device *dev, struct wg_peer *peer);
void timers_any_authenticated_packet_traversal(struct wg_device *dev, struct wg_peer *peer);
void timers_handshake_initiated(struct wg_device *dev, struct wg_peer *peer);
void timers_handshake_complete(struct wg_device *dev, struct wg_peer *peer);
void timers_session_derived(struct wg_device *dev, struct wg_peer *peer);

/* Fires every due timer of peer; returns its earliest remaining deadline (0 = none). */
uint64_t timers_run(struct wg_device *dev, struct wg_peer *peer);
void timers_stop(struct wg_peer *peer);

#endif
