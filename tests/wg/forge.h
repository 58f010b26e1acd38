/* Initiations that anyone who knows a responder's public key can send: a valid mac1 (and a valid
 * mac2 once the responder gave us a cookie, exactly as a real initiator computes it: the core's
 * own peer_cookie code), a fresh ephemeral key, and junk where the sender's identity and timestamp
 * would be. The responder must run its static-key DH (es) before it can tell: this is the attack
 * on a secure element's wear budget (docs/se050.md "Fair use of the chip"). Shared by the core's
 * unit tests and the interop flood tool. */
#ifndef HWG_TEST_FORGE_H
#define HWG_TEST_FORGE_H

#include <string.h>

#include "crypto/random.h"
#include "crypto/x25519.h"
#include "wg/cookie.h"
#include "wg/messages.h"

/* pc: peer_cookie_init(pc, responder_public) once; it then holds the cookie replies consumed
 * with cookie_consume_reply. */
static inline void forge_initiation(struct peer_cookie *pc, struct msg_initiation *msg,
                                    uint64_t now_ns)
{
	uint8_t eph[32];
	memset(msg, 0, sizeof(*msg));
	msg->type[0] = MSG_INITIATION;
	random_bytes(msg->sender, sizeof(msg->sender));
	random_bytes(eph, sizeof(eph));
	x25519_clamp(eph);
	x25519_public_key(msg->ephemeral, eph);
	random_bytes(msg->encrypted_static, sizeof(msg->encrypted_static));
	random_bytes(msg->encrypted_timestamp, sizeof(msg->encrypted_timestamp));
	cookie_add_macs(pc, (uint8_t *)msg, sizeof(*msg), now_ns);
	memset(eph, 0, sizeof(eph));
}

#endif
