/* WireGuard wire formats and protocol constants (kernel messages.h; wireguard-reference.md §1.2,
 * §1.6). Every message is little-endian and starts with a 32-bit type whose upper three bytes are
 * zero. The structs hold only byte arrays, so they have no padding and alignment 1: a received
 * buffer can be viewed through them directly. */
#ifndef HWG_WG_MESSAGES_H
#define HWG_WG_MESSAGES_H

#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/portable/bytes.h"
#include "crypto/blake2s.h"
#include "crypto/tai64n.h"
#include "crypto/xaead.h"
#include "wg/replay.h"

enum msg_type {
	MSG_INITIATION = 1,
	MSG_RESPONSE = 2,
	MSG_COOKIE_REPLY = 3,
	MSG_DATA = 4,
};

#define NOISE_KEY_LEN 32
#define COOKIE_LEN    16

/* mac1 and mac2 close both handshake messages; the cookie code finds them from the end. */
struct msg_macs {
	uint8_t mac1[BLAKE2S_MAC_LEN];
	uint8_t mac2[BLAKE2S_MAC_LEN];
};

struct msg_initiation {
	uint8_t type[4];
	uint8_t sender[4];
	uint8_t ephemeral[NOISE_KEY_LEN];
	uint8_t encrypted_static[NOISE_KEY_LEN + AEAD_TAG_LEN];
	uint8_t encrypted_timestamp[TAI64N_LEN + AEAD_TAG_LEN];
	struct msg_macs macs;
};

struct msg_response {
	uint8_t type[4];
	uint8_t sender[4];
	uint8_t receiver[4];
	uint8_t ephemeral[NOISE_KEY_LEN];
	uint8_t encrypted_nothing[AEAD_TAG_LEN];
	struct msg_macs macs;
};

struct msg_cookie_reply {
	uint8_t type[4];
	uint8_t receiver[4];
	uint8_t nonce[XAEAD_NONCE_LEN];
	uint8_t encrypted_cookie[COOKIE_LEN + AEAD_TAG_LEN];
};

/* The header of a transport data message; the ciphertext and its tag follow. */
struct msg_data {
	uint8_t type[4];
	uint8_t receiver[4];
	uint8_t counter[8];
};

#define MSG_INITIATION_LEN   148
#define MSG_RESPONSE_LEN     92
#define MSG_COOKIE_REPLY_LEN 64
#define MSG_DATA_HEADER_LEN  16
#define MSG_DATA_MIN_LEN     (MSG_DATA_HEADER_LEN + AEAD_TAG_LEN) /* a keepalive */

_Static_assert(sizeof(struct msg_initiation) == MSG_INITIATION_LEN, "initiation is 148 bytes");
_Static_assert(sizeof(struct msg_response) == MSG_RESPONSE_LEN, "response is 92 bytes");
_Static_assert(sizeof(struct msg_cookie_reply) == MSG_COOKIE_REPLY_LEN, "cookie reply is 64 bytes");
_Static_assert(sizeof(struct msg_data) == MSG_DATA_HEADER_LEN, "data header is 16 bytes");
_Static_assert(MSG_DATA_MIN_LEN == 32, "a keepalive is 32 bytes");

#define MSG_PADDING_MULTIPLE 16

/* Timers and limits, in nanoseconds where they are durations (whitepaper §6, kernel messages.h). */
#define NSEC_PER_SEC                1000000000ull
#define NSEC_PER_MSEC               1000000ull
#define REKEY_AFTER_MESSAGES        (1ull << 60)
#define REJECT_AFTER_MESSAGES       REPLAY_REJECT_AFTER_MESSAGES
#define REKEY_TIMEOUT_NS            (5 * NSEC_PER_SEC)
#define REKEY_TIMEOUT_JITTER_MAX_MS 334
#define KEEPALIVE_TIMEOUT_NS        (10 * NSEC_PER_SEC)
#define REKEY_AFTER_TIME_NS         (120 * NSEC_PER_SEC)
#define REJECT_AFTER_TIME_NS        (180 * NSEC_PER_SEC)
#define REKEY_ATTEMPT_TIME_S        90
#define MAX_TIMER_HANDSHAKES        (REKEY_ATTEMPT_TIME_S / 5)
#define COOKIE_SECRET_MAX_AGE_NS    (120 * NSEC_PER_SEC)
#define COOKIE_SECRET_LATENCY_NS    (5 * NSEC_PER_SEC)
#define INITIATIONS_PER_SECOND      50
#define UNDER_LOAD_AFTER_NS         NSEC_PER_SEC
#define MAX_STAGED_PACKETS          128

#endif
