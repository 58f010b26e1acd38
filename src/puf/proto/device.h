/* Device side of the PUF authentication protocol v1 (shared/specs/puf-auth-protocol.md §6): a pure
 * state machine. pufproto_device_begin() turns the server's CHALLENGE into the RESPONSE message;
 * pufproto_device_finish() checks the server's CONFIRM in constant time and says whether to commit
 * the next state (sk := t5, y := y2). Committing goes through a pufproto_nv_store, whose commit
 * must be atomic (old or new state, never a mix). Portable C, no malloc, no OS. */
#ifndef HWG_PUF_PROTO_DEVICE_H
#define HWG_PUF_PROTO_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/suite.h"
#include "puf/puf.h"

/* What the device keeps in non-volatile memory: no secret derivable without the PUF, only the
 * current key sk, the challenge y whose response reproduces r, and for a debiased suite the public
 * case maps of its challenges (map_len bytes per challenge, challenge y at y * map_len; written at
 * enrolment, never changed by a run, public by design: docs/puf.md §9.2). */
struct pufproto_device_nv {
	uint8_t suite;
	uint8_t sk[PUFPROTO_KEY_LEN];
	uint32_t challenge;
	const uint8_t *helper; /* the case maps, read in place (flash on an MCU); NULL if none */
	size_t helper_len;
};

struct pufproto_device_config {
	/* y2 is drawn uniformly from [0, challenge_space); 0 means all 2^32 values. */
	uint32_t challenge_space;
	/* The next reference z2 is the bitwise majority of this many readings of f(x, y2)
	 * (odd, 1..15): it becomes the server's reference, so its noise adds to every later
	 * reading's (docs/pufauth-protocol.md [D5]). 1 on an MCU with a single power-up reading.
	 * Report suites only: a debiased suite always reads once. */
	uint8_t reference_readings;
};

/* Atomic non-volatile storage of the device state. */
struct pufproto_nv_store {
	/* Returns 0 once the new state is durable, -1 if it is not (the old state is then intact).
	 */
	int (*commit)(struct pufproto_nv_store *st, const struct pufproto_device_nv *nv);
};

/* The PUF readings of one run, taken before the run: on an MCU the PUF is the power-up RAM, which
 * the run needs as stack and buffers, so the device reads it at boot (firmware/README.md "RAM
 * plan"; docs/pufauth-protocol.md [D15]). */
struct pufproto_readings {
	uint32_t y1;                       /* the state's challenge they were read for */
	uint32_t y2;                       /* the next challenge, drawn as begin() would */
	uint8_t z1[PUFPROTO_MAX_RESPONSE]; /* z' = f(x, y1) */
	uint8_t z2[PUFPROTO_MAX_RESPONSE]; /* z2 = f(x, y2), the next reference */
};

struct pufproto_device {
	struct pufproto_device_nv nv;   /* the committed state */
	struct pufproto_device_nv next; /* what an accepted CONFIRM commits */
	uint8_t session[PUFPROTO_SESSION_LEN];
	uint8_t t4[PUFPROTO_MAX_NONCE];
	uint8_t pending;                 /* a RESPONSE was sent and no CONFIRM judged yet */
	uint8_t accepted;                /* the last CONFIRM verified; next awaits commit */
	struct pufproto_readings *ahead; /* pufproto_device_use_readings(); NULL: begin() reads */
};

enum pufproto_device_error {
	PUFPROTO_DEV_BAD_STATE = -20,     /* unknown suite in the stored state, or no run pending */
	PUFPROTO_DEV_WRONG_SUITE = -21,   /* the challenge names another suite than the device's */
	PUFPROTO_DEV_PUF_FAILED = -22,    /* the PUF source could not be read */
	PUFPROTO_DEV_RNG_FAILED = -23,    /* the TRNG failed its health test */
	PUFPROTO_DEV_FE_FAILED = -24,     /* FE.Gen refused its parameters */
	PUFPROTO_DEV_WRONG_SESSION = -25, /* a CONFIRM for another session: ignore it */
	PUFPROTO_DEV_BAD_CONFIG = -26,    /* reference_readings not odd in 1..15, or readings
	                                   * taken for another state */
};

enum pufproto_device_verdict {
	PUFPROTO_DEVICE_ACCEPT = 1, /* server authenticated: commit d->next */
	PUFPROTO_DEVICE_REJECT = 0, /* wrong tag: keep the old state */
};

/* y uniform in [0, space) (0: all 2^32 values) from rng, by bounded rejection sampling. Returns 0,
 * or -1 when rng failed. */
int pufproto_draw_challenge(struct rng_source *rng, uint32_t space, uint32_t *y);

/* z = bitwise majority of `readings` readings (odd, 1..15) of f(x, y): response_len bytes, read
 * as read_len. Enrolment uses it for z1, the device for z2 (report suites). Returns 0 or -1. */
int pufproto_read_reference(struct puf_source *puf, const struct pufproto_suite *s, uint32_t y,
                            unsigned readings, uint8_t *z);

/* The debiased suites' reading of f(x, y): raw block y put through debias_pp_extract() with the
 * block's case map from nv (y must be below pufproto_nv_challenges()); rng fills the groups that
 * do not fit their case. Always one reading, walked once in place: no buffer beyond z, and the
 * suite's failure bound is computed for a reference of one reading (docs/puf.md §9.5). Returns 0
 * or -1. */
int pufproto_read_debiased(struct puf_source *puf, const struct pufproto_suite *s,
                           const struct pufproto_device_nv *nv, uint32_t y, struct rng_source *rng,
                           uint8_t *z);

/* Bound on a state's helper data (case maps): PUFPROTO_STATE_MAX_HELPER of device_state.h. */
#define PUFPROTO_MAX_HELPER_DATA 2000

/* Challenges a device state can use: the blocks its case maps cover (debiased suites; 0 when the
 * helper data is absent or not whole maps), or UINT32_MAX (report suites: no limit). */
uint32_t pufproto_nv_challenges(const struct pufproto_device_nv *nv,
                                const struct pufproto_suite *s);

/* Text for a device error (or a wire error). */
const char *pufproto_device_strerror(int err);

/* Sets up a device from its stored state. Returns 0, or PUFPROTO_DEV_BAD_STATE. */
int pufproto_device_init(struct pufproto_device *d, const struct pufproto_device_nv *nv);

/* HELLO for this device's suite. Returns the message length or a negative error. */
long pufproto_device_hello(const struct pufproto_device *d, uint8_t *out, size_t cap);

/* What begin() reads from the PUF, read now instead: draws y2 as begin() does (uniform over the
 * challenges the state and cfg allow), then reads z' = f(x, nv->challenge) once and z2 = f(x, y2)
 * with cfg's reference_readings, through the suite's reading (rng fills a debiased suite's
 * non-fitting groups). Returns 0, PUFPROTO_DEV_BAD_STATE, PUFPROTO_DEV_BAD_CONFIG,
 * PUFPROTO_DEV_RNG_FAILED or PUFPROTO_DEV_PUF_FAILED (r wiped). */
int pufproto_device_read_ahead(const struct pufproto_device_nv *nv,
                               const struct pufproto_device_config *cfg, struct rng_source *rng,
                               struct puf_source *puf, struct pufproto_readings *r);

/* The coming begin() takes z', y2 and z2 from r (read for this device's state) instead of reading
 * its puf, and wipes r: readings serve one run. */
void pufproto_device_use_readings(struct pufproto_device *d, struct pufproto_readings *r);

/* CHALLENGE in, RESPONSE out. Returns the RESPONSE length or a negative error (wire or device). */
long pufproto_device_begin(struct pufproto_device *d, const struct pufproto_device_config *cfg,
                           const uint8_t *challenge, size_t len, struct rng_source *rng,
                           struct puf_source *puf, uint8_t *out, size_t cap);

/* CONFIRM in. Returns PUFPROTO_DEVICE_ACCEPT or PUFPROTO_DEVICE_REJECT (the run is over either
 * way), or a negative error for a message that is not this run's CONFIRM (the run stays pending, so
 * a forged datagram cannot cancel it). */
int pufproto_device_finish(struct pufproto_device *d, const uint8_t *msg, size_t len);

/* After ACCEPT: commits d->next through st; on success it becomes d->nv. Returns 0 or -1 (the old
 * state stays in force, and the server's "previous" entry still matches it). */
int pufproto_device_commit(struct pufproto_device *d, struct pufproto_nv_store *st);

/* Wipes the run's secrets (t4, pending next key). */
void pufproto_device_abort(struct pufproto_device *d);

#endif
