/* A key provider holds the interface's static X25519 private key and performs the Diffie-Hellman
 * operations that need it. The WireGuard core asks for exactly the static-key operations: the
 * static-static value once per peer (lazily, at its first handshake; then cached), `es` when
 * consuming an initiation (responder) and `se` when consuming a response (initiator). For hardware
 * providers the private key never exists in host memory.
 *
 * A provider whose ops->blocking is set waits on hardware inside dh() (an SE050 needs tens of
 * milliseconds per ECDH over I2C, seconds when it stops answering). The core never calls such a
 * dh() itself: it hands the request to the daemon (wg_io.static_dh_submit), which runs it on a
 * worker thread and hands the result back. Such a provider must therefore allow dh(), busy() and
 * budget() to be called from different threads at the same time. */
#ifndef HWG_KEYS_PROVIDER_H
#define HWG_KEYS_PROVIDER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_LEN 32

struct key_provider;

struct key_provider_ops {
	/* "soft", "se050", "pkcs11", "puf": shown in logs and UAPI extension lines. */
	const char *name;
	/* shared = X25519(static private, peer_public). Returns 0, -EINVAL when the result is all
	 * zeros (low-order peer point), or another negative errno when the provider failed (chip
	 * absent, bus error, wear budget spent): the handshake is then dropped, never completed
	 * with a wrong value. */
	int (*dh)(struct key_provider *kp, uint8_t shared[KEY_LEN],
	          const uint8_t peer_public[KEY_LEN]);
	/* Releases the provider and wipes anything secret it held. Called once the last reference
	 * is dropped (key_provider_destroy). */
	void (*destroy)(struct key_provider *kp);
	/* Optional (NULL = never busy): true while the next dh() would be refused, e.g. an SE050
	 * whose wear budget is spent. Must be cheap and must not touch the device. */
	bool (*busy)(struct key_provider *kp);
	/* Optional (NULL = unlimited): how many dh() calls the wear budget would grant right now
	 * (*left, counted up to *capacity) and its burst size (*capacity). Must be cheap and must
	 * not touch the device. The core keeps the last quarter of the burst for configured peers,
	 * and the daemon counts itself under load once the budget is down to that reserve
	 * (docs/se050.md "Fair use of the chip"). */
	void (*budget)(struct key_provider *kp, unsigned *left, unsigned *capacity);
	/* dh() may wait on hardware: run it off the event loop (see the top of this file). */
	bool blocking;
};

/* What the provider's dh() calls cost, for `hwguard-key show` and Prometheus (docs/metrics.md).
 * Updated by key_provider_dh() with relaxed atomics (a key worker thread may call it); read with
 * key_provider_stats_read(). */
#define KEY_PROVIDER_LATENCY_BUCKETS 8
struct key_provider_stats {
	uint64_t operations; /* dh() calls */
	uint64_t errors;   /* calls that failed for the provider's reason (not a low-order point) */
	uint64_t total_ns; /* time spent in dh() */
	uint64_t max_ns;   /* the slowest call */
	/* calls per latency bucket (key_provider_latency_bound_us; the last bucket is unbounded) */
	uint64_t buckets[KEY_PROVIDER_LATENCY_BUCKETS];
};

struct key_provider {
	const struct key_provider_ops *ops;
	/* The static public key, known at creation (derived, or read from the device). */
	uint8_t public_key[KEY_LEN];
	/* The 32 bytes that configured this key through UAPI/wg-quick: the private key itself for a
	 * software key, the object handle for an SE050 key. UAPI `get` reports it as private_key so
	 * that `wg showconf` round-trips; it is a secret only for software keys. */
	uint8_t config_key[KEY_LEN];
	/* True when config_key is the private key itself (software provider). */
	bool config_key_is_private;
	/* Operations running on the device now (informational; the daemon's key worker queue is
	 * what counts towards "under load"). */
	unsigned queue_depth;
	struct key_provider_stats stats;
	/* References beyond the creator's (key_provider_hold); 0 at creation. A request running on
	 * the key worker holds one, so that replacing the interface key never frees a provider
	 * under a running operation. */
	unsigned refs;
};

/* kp->ops->dh, timed and counted in kp->stats (src/keys/provider_stats.c). */
int key_provider_dh(struct key_provider *kp, uint8_t shared[KEY_LEN],
                    const uint8_t peer_public[KEY_LEN]);
/* A consistent-enough copy of kp->stats (each field read atomically). */
void key_provider_stats_read(const struct key_provider *kp, struct key_provider_stats *out);
/* Upper bound of latency bucket i in microseconds (100 us, 1 ms, 10 ms, 50 ms, 100 ms, 500 ms,
 * 1 s); 0 for the last, unbounded one. */
unsigned key_provider_latency_bound_us(unsigned i);

/* True while the provider says it would refuse the next dh() (wear budget spent). */
static inline bool key_provider_busy(struct key_provider *kp)
{
	return kp && kp->ops->busy && kp->ops->busy(kp);
}

/* The wear budget now; both UINT_MAX for a provider without one (or no provider). */
static inline void key_provider_budget(struct key_provider *kp, unsigned *left, unsigned *capacity)
{
	*left = *capacity = UINT_MAX;
	if (kp && kp->ops->budget)
		kp->ops->budget(kp, left, capacity);
}

/* The part of the budget kept for configured peers: a quarter of the burst (at least one
 * operation when the burst allows two or more). */
static inline unsigned key_provider_budget_reserve(unsigned capacity)
{
	if (capacity == UINT_MAX)
		return 0;
	return capacity >= 2 && capacity < 4 ? 1 : capacity / 4;
}

/* True when dh() may wait on hardware and must run off the event loop. */
static inline bool key_provider_blocking(const struct key_provider *kp)
{
	return kp && kp->ops->blocking;
}

/* Takes one more reference; each is dropped with key_provider_destroy. Thread-safe. */
static inline struct key_provider *key_provider_hold(struct key_provider *kp)
{
	__atomic_add_fetch(&kp->refs, 1, __ATOMIC_RELAXED);
	return kp;
}

/* Drops one reference; the last one destroys the provider. Thread-safe. */
static inline void key_provider_destroy(struct key_provider *kp)
{
	if (!kp)
		return;
	if (__atomic_fetch_sub(&kp->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	kp->ops->destroy(kp);
}

#endif
