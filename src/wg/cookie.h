/* mac1, mac2 and cookie replies: WireGuard's DoS defence (kernel cookie.c; wireguard-reference.md
 * §1.4). mac1 proves the sender knows our public key and is checked before any Diffie-Hellman.
 * Under load we also demand mac2, keyed with a cookie bound to the sender's address, which proves
 * the sender can receive at that address; otherwise we answer with an encrypted cookie and drop. */
#ifndef HWG_WG_COOKIE_H
#define HWG_WG_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/messages.h"
#include "wg/wg.h"

/* Our side: checks macs on incoming handshakes and mints cookies. */
struct cookie_checker {
	uint8_t mac1_key[NOISE_KEY_LEN];   /* HASH("mac1----" || our public key) */
	uint8_t cookie_key[NOISE_KEY_LEN]; /* HASH("cookie--" || our public key) */
	uint8_t secret[NOISE_KEY_LEN];     /* Rm, random, replaced every 120 s */
	uint64_t secret_birth_ns;
	bool secret_valid;
};

/* The peer's side as we see it: keys for the macs we send to it and the cookie it gave us. */
struct peer_cookie {
	uint8_t mac1_key[NOISE_KEY_LEN];
	uint8_t decryption_key[NOISE_KEY_LEN];
	uint8_t cookie[COOKIE_LEN];
	uint64_t birth_ns;
	bool valid;
	uint8_t last_mac1_sent[BLAKE2S_MAC_LEN];
	bool have_sent_mac1;
};

enum cookie_mac_state {
	COOKIE_MAC_INVALID,
	COOKIE_MAC_VALID_NO_COOKIE,   /* mac1 good, mac2 absent or wrong */
	COOKIE_MAC_VALID_WITH_COOKIE, /* both good */
};

void cookie_checker_init(struct cookie_checker *c, const uint8_t our_public[NOISE_KEY_LEN]);
void cookie_checker_wipe(struct cookie_checker *c);
/* Forgets the secret once it is 120 s old, so no cookie outlives its validity. */
void cookie_checker_expire(struct cookie_checker *c, uint64_t now_ns);

void peer_cookie_init(struct peer_cookie *pc, const uint8_t peer_public[NOISE_KEY_LEN]);

/* msg is a whole handshake message (its last 32 bytes are mac1 and mac2). check_cookie asks for
 * mac2 as well. */
enum cookie_mac_state cookie_validate(struct cookie_checker *c, const uint8_t *msg, size_t len,
                                      const struct wg_endpoint *from, bool check_cookie,
                                      const struct wg_io *io, uint64_t now_ns);
/* Fills mac1, and mac2 when we hold a cookie younger than 115 s (zeros otherwise). */
void cookie_add_macs(struct peer_cookie *pc, uint8_t *msg, size_t len, uint64_t now_ns);
/* Builds the reply to msg (a handshake message from `from` whose sender index is sender_index). */
void cookie_create_reply(struct cookie_checker *c, struct msg_cookie_reply *dst, const uint8_t *msg,
                         size_t len, uint32_t sender_index, const struct wg_endpoint *from,
                         const struct wg_io *io, uint64_t now_ns);
/* Stores the cookie when the reply decrypts against the last mac1 we sent. Returns success. */
bool cookie_consume_reply(struct peer_cookie *pc, const struct msg_cookie_reply *src,
                          uint64_t now_ns);

#endif
