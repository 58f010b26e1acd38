#include "wg/cookie.h"

#include <string.h>

#include "crypto/portable/secure.h"

static const uint8_t label_mac1[8] = "mac1----";
static const uint8_t label_cookie[8] = "cookie--";

static void derive_key(uint8_t out[NOISE_KEY_LEN], const uint8_t label[8],
                       const uint8_t public_key[NOISE_KEY_LEN])
{
	blake2s_hash(out, label, 8, public_key, NOISE_KEY_LEN);
}

void cookie_checker_init(struct cookie_checker *c, const uint8_t our_public[NOISE_KEY_LEN])
{
	cookie_checker_wipe(c);
	derive_key(c->mac1_key, label_mac1, our_public);
	derive_key(c->cookie_key, label_cookie, our_public);
}

void cookie_checker_wipe(struct cookie_checker *c)
{
	secure_wipe(c, sizeof(*c));
}

void cookie_checker_expire(struct cookie_checker *c, uint64_t now_ns)
{
	if (c->secret_valid && c->secret_birth_ns + COOKIE_SECRET_MAX_AGE_NS <= now_ns) {
		secure_wipe(c->secret, sizeof(c->secret));
		c->secret_valid = false;
	}
}

void peer_cookie_init(struct peer_cookie *pc, const uint8_t peer_public[NOISE_KEY_LEN])
{
	secure_wipe(pc, sizeof(*pc));
	derive_key(pc->mac1_key, label_mac1, peer_public);
	derive_key(pc->decryption_key, label_cookie, peer_public);
}

/* cookie = MAC(Rm, source address || source port), the port in network order as on the wire. */
static void make_cookie(struct cookie_checker *c, uint8_t cookie[COOKIE_LEN],
                        const struct wg_endpoint *from, const struct wg_io *io, uint64_t now_ns)
{
	uint8_t input[16 + 2];
	size_t n = 0;

	cookie_checker_expire(c, now_ns);
	if (!c->secret_valid) {
		io->random(io->ctx, c->secret, sizeof(c->secret));
		c->secret_birth_ns = now_ns;
		c->secret_valid = true;
	}
	if (from->addr.sa.sa_family == AF_INET) {
		memcpy(input, &from->addr.in4.sin_addr, 4);
		memcpy(input + 4, &from->addr.in4.sin_port, 2);
		n = 6;
	} else if (from->addr.sa.sa_family == AF_INET6) {
		memcpy(input, &from->addr.in6.sin6_addr, 16);
		memcpy(input + 16, &from->addr.in6.sin6_port, 2);
		n = 18;
	}
	blake2s_mac(cookie, c->secret, sizeof(c->secret), input, n);
}

static size_t mac1_offset(size_t len)
{
	return len - sizeof(struct msg_macs);
}

static size_t mac2_offset(size_t len)
{
	return len - BLAKE2S_MAC_LEN;
}

enum cookie_mac_state cookie_validate(struct cookie_checker *c, const uint8_t *msg, size_t len,
                                      const struct wg_endpoint *from, bool check_cookie,
                                      const struct wg_io *io, uint64_t now_ns)
{
	uint8_t mac[BLAKE2S_MAC_LEN];
	uint8_t cookie[COOKIE_LEN];
	enum cookie_mac_state state = COOKIE_MAC_INVALID;

	if (len < sizeof(struct msg_macs))
		return COOKIE_MAC_INVALID;
	blake2s_mac(mac, c->mac1_key, sizeof(c->mac1_key), msg, mac1_offset(len));
	if (!ct_equal(mac, msg + mac1_offset(len), sizeof(mac)))
		goto out;
	state = COOKIE_MAC_VALID_NO_COOKIE;
	if (!check_cookie)
		goto out;
	make_cookie(c, cookie, from, io, now_ns);
	blake2s_mac(mac, cookie, sizeof(cookie), msg, mac2_offset(len));
	if (ct_equal(mac, msg + mac2_offset(len), sizeof(mac)))
		state = COOKIE_MAC_VALID_WITH_COOKIE;
out:
	secure_wipe(cookie, sizeof(cookie));
	return state;
}

void cookie_add_macs(struct peer_cookie *pc, uint8_t *msg, size_t len, uint64_t now_ns)
{
	blake2s_mac(msg + mac1_offset(len), pc->mac1_key, sizeof(pc->mac1_key), msg,
	            mac1_offset(len));
	memcpy(pc->last_mac1_sent, msg + mac1_offset(len), BLAKE2S_MAC_LEN);
	pc->have_sent_mac1 = true;

	if (pc->valid &&
	    pc->birth_ns + COOKIE_SECRET_MAX_AGE_NS - COOKIE_SECRET_LATENCY_NS > now_ns)
		blake2s_mac(msg + mac2_offset(len), pc->cookie, sizeof(pc->cookie), msg,
		            mac2_offset(len));
	else
		memset(msg + mac2_offset(len), 0, BLAKE2S_MAC_LEN);
}

void cookie_create_reply(struct cookie_checker *c, struct msg_cookie_reply *dst, const uint8_t *msg,
                         size_t len, uint32_t sender_index, const struct wg_endpoint *from,
                         const struct wg_io *io, uint64_t now_ns)
{
	uint8_t cookie[COOKIE_LEN];

	store_le32(dst->type, MSG_COOKIE_REPLY);
	store_le32(dst->receiver, sender_index);
	io->random(io->ctx, dst->nonce, sizeof(dst->nonce));
	make_cookie(c, cookie, from, io, now_ns);
	/* Binding the reply to the mac1 of the triggering message stops a third party from
	 * planting cookies with forged replies. */
	xaead_seal(c->cookie_key, dst->nonce, dst->encrypted_cookie, cookie, sizeof(cookie),
	           msg + mac1_offset(len), BLAKE2S_MAC_LEN);
	secure_wipe(cookie, sizeof(cookie));
}

bool cookie_consume_reply(struct peer_cookie *pc, const struct msg_cookie_reply *src,
                          uint64_t now_ns)
{
	uint8_t cookie[COOKIE_LEN];

	if (!pc->have_sent_mac1)
		return false;
	if (xaead_open(pc->decryption_key, src->nonce, cookie, src->encrypted_cookie,
	               sizeof(src->encrypted_cookie), pc->last_mac1_sent,
	               sizeof(pc->last_mac1_sent)) != 0) {
		secure_wipe(cookie, sizeof(cookie));
		return false;
	}
	memcpy(pc->cookie, cookie, sizeof(cookie));
	secure_wipe(cookie, sizeof(cookie));
	pc->birth_ns = now_ns;
	pc->valid = true;
	pc->have_sent_mac1 = false;
	return true;
}
