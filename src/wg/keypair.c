#include "wg/keypair.h"

#include <stdlib.h>

#include "crypto/portable/secure.h"
#include "wg/messages.h"

struct wg_keypair *keypair_new(const uint8_t send[AEAD_KEY_LEN], const uint8_t recv[AEAD_KEY_LEN],
                               bool initiator, uint64_t now_ns)
{
	struct wg_keypair *kp = calloc(1, sizeof(*kp));
	if (!kp)
		return NULL;
	if (aead_key_init(&kp->send_key, send) != 0 || aead_key_init(&kp->recv_key, recv) != 0) {
		aead_key_clear(&kp->send_key);
		aead_key_clear(&kp->recv_key);
		free(kp);
		return NULL;
	}
	kp->entry.type = INDEX_KEYPAIR;
	replay_init(&kp->replay);
	kp->birth_ns = now_ns;
	kp->initiator = initiator;
	kp->send_valid = true;
	kp->recv_valid = true;
	return kp;
}

/* Unlinks its index, wipes its keys and frees it. NULL is fine. */
static void keypair_free(struct index_table *t, struct wg_keypair *kp)
{
	if (!kp)
		return;
	index_table_remove(t, &kp->entry);
	aead_key_clear(&kp->send_key);
	aead_key_clear(&kp->recv_key);
	secure_wipe(kp, sizeof(*kp));
	free(kp);
}

static bool too_old(const struct wg_keypair *kp, uint64_t now_ns)
{
	return kp->birth_ns + REJECT_AFTER_TIME_NS <= now_ns;
}

bool keypair_can_send(const struct wg_keypair *kp, uint64_t now_ns)
{
	return kp && kp->send_valid && !too_old(kp, now_ns) &&
	       kp->send_counter < REJECT_AFTER_MESSAGES;
}

bool keypair_can_receive(const struct wg_keypair *kp, uint64_t now_ns)
{
	return kp && kp->recv_valid && !too_old(kp, now_ns);
}

void keypairs_add(struct keypair_slots *s, struct index_table *t, struct wg_keypair *kp)
{
	if (kp->initiator) {
		/* An unconfirmed next keypair is older than ours but newer than current: keep it as
		 * previous so packets the peer sends under it still open. */
		if (s->next) {
			keypair_free(t, s->previous);
			s->previous = s->next;
			s->next = NULL;
			keypair_free(t, s->current);
		} else {
			keypair_free(t, s->previous);
			s->previous = s->current;
		}
		s->current = kp;
	} else {
		keypair_free(t, s->next);
		s->next = kp;
		/* previous is dropped so that, once next is confirmed, current can move into it. */
		keypair_free(t, s->previous);
		s->previous = NULL;
	}
}

bool keypairs_received_with(struct keypair_slots *s, struct index_table *t, struct wg_keypair *kp)
{
	if (!kp || kp != s->next)
		return false;
	keypair_free(t, s->previous);
	s->previous = s->current;
	s->current = s->next;
	s->next = NULL;
	return true;
}

void keypairs_expire_sending(struct keypair_slots *s)
{
	if (s->current)
		s->current->send_valid = false;
	if (s->next)
		s->next->send_valid = false;
}

void keypairs_clear(struct keypair_slots *s, struct index_table *t)
{
	keypair_free(t, s->previous);
	keypair_free(t, s->current);
	keypair_free(t, s->next);
	s->previous = s->current = s->next = NULL;
}
