/* A key provider holds the interface's static X25519 private key and performs the Diffie-Hellman
 * operations that need it. The WireGuard core calls dh() for exactly the static-key operations: the
 * static-static value once per peer (when the peer or the key is configured), `es` when consuming
 * an initiation (responder) and `se` when consuming a response (initiator). For hardware providers
 * the private key never exists in host memory. */
#ifndef HWG_KEYS_PROVIDER_H
#define HWG_KEYS_PROVIDER_H

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
	 * absent, bus error): the handshake is then dropped, never completed with a wrong value. */
	int (*dh)(struct key_provider *kp, uint8_t shared[KEY_LEN],
	          const uint8_t peer_public[KEY_LEN]);
	/* Releases the provider and wipes anything secret it held. */
	void (*destroy)(struct key_provider *kp);
	/* Optional (NULL = never busy): true while the next dh() would be slow or refused, e.g. an
	 * SE050 whose wear budget is spent. The daemon then counts itself "under load", so that
	 * initiations are answered with cookies before they reach the device
	 * (wireguard-reference.md §2.7). Must be cheap and must not touch the device. */
	bool (*busy)(struct key_provider *kp);
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
	/* Operations still waiting for the device; lets the daemon treat a deep queue as "under
	 * load". */
	unsigned queue_depth;
	struct key_provider_stats stats;
};

/* kp->ops->dh, timed and counted in kp->stats (src/keys/provider_stats.c). */
int key_provider_dh(struct key_provider *kp, uint8_t shared[KEY_LEN],
                    const uint8_t peer_public[KEY_LEN]);
/* A consistent-enough copy of kp->stats (each field read atomically). */
void key_provider_stats_read(const struct key_provider *kp, struct key_provider_stats *out);
/* Upper bound of latency bucket i in microseconds (100 us, 1 ms, 10 ms, 50 ms, 100 ms, 500 ms,
 * 1 s); 0 for the last, unbounded one. */
unsigned key_provider_latency_bound_us(unsigned i);

/* True while operations wait for the device or the provider says it is busy. */
static inline bool key_provider_busy(struct key_provider *kp)
{
	if (!kp)
		return false;
	if (__atomic_load_n(&kp->queue_depth, __ATOMIC_RELAXED) > 0)
		return true;
	return kp->ops->busy && kp->ops->busy(kp);
}

static inline void key_provider_destroy(struct key_provider *kp)
{
	if (kp)
		kp->ops->destroy(kp);
}

#endif
