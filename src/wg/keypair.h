/* Transport keypairs and the three slots a peer keeps them in (kernel noise.c add_new_keypair,
 * wg_noise_received_with_keypair; wireguard-reference.md §1.7):
 *  - previous: still accepted for packets that were in flight during a rekey;
 *  - current:  used for sending;
 *  - next:     the responder's fresh keypair, not sent with until the initiator has used it
 *              (key confirmation).
 * Each keypair's AEAD keys are prepared once (aead_key), so the per-packet path only seals/opens.
 */
#ifndef HWG_WG_KEYPAIR_H
#define HWG_WG_KEYPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "wg/index.h"
#include "wg/replay.h"

struct wg_keypair {
	struct index_entry entry; /* our receiver index; type INDEX_KEYPAIR */
	struct aead_key send_key;
	struct aead_key recv_key;
	uint64_t send_counter;
	struct replay_window replay;
	uint64_t birth_ns;
	uint32_t remote_index;
	bool initiator;
	bool send_valid;
	bool recv_valid;
};

struct keypair_slots {
	struct wg_keypair *previous;
	struct wg_keypair *current;
	struct wg_keypair *next;
};

/* A keypair born now. Returns NULL on allocation failure. */
struct wg_keypair *keypair_new(const uint8_t send[AEAD_KEY_LEN], const uint8_t recv[AEAD_KEY_LEN],
                               bool initiator, uint64_t now_ns);

/* May we still seal with kp? (valid, younger than REJECT_AFTER_TIME, counter below the limit) */
bool keypair_can_send(const struct wg_keypair *kp, uint64_t now_ns);
/* May we still open with kp? */
bool keypair_can_receive(const struct wg_keypair *kp, uint64_t now_ns);

/* Installs a keypair fresh from a handshake: the initiator's becomes current at once, the
 * responder's waits in next. */
void keypairs_add(struct keypair_slots *s, struct index_table *t, struct wg_keypair *kp);
/* Called for every authenticated data packet: when it came under `next`, that keypair is
 * confirmed and becomes current. Returns true in that case. */
bool keypairs_received_with(struct keypair_slots *s, struct index_table *t, struct wg_keypair *kp);
/* Stops sending with current and next (the interface key changed); receiving still works. */
void keypairs_expire_sending(struct keypair_slots *s);
/* Frees all three. */
void keypairs_clear(struct keypair_slots *s, struct index_table *t);

#endif
