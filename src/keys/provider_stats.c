/* Timing of the providers' dh() calls (provider.h). The clock is read here, in the keys layer,
 * around the provider's own I/O: the WireGuard core only asks for a DH and never sees the time. */
#include <errno.h>
#include <time.h>

#include "keys/provider.h"

static const unsigned bounds_us[KEY_PROVIDER_LATENCY_BUCKETS - 1] = {
        100, 1000, 10000, 50000, 100000, 500000, 1000000,
};

unsigned key_provider_latency_bound_us(unsigned i)
{
	return i < KEY_PROVIDER_LATENCY_BUCKETS - 1 ? bounds_us[i] : 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void record(struct key_provider_stats *st, uint64_t ns, int result)
{
	__atomic_add_fetch(&st->operations, 1, __ATOMIC_RELAXED);
	if (result != 0 && result != -EINVAL) /* -EINVAL: the peer sent a low-order point */
		__atomic_add_fetch(&st->errors, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->total_ns, ns, __ATOMIC_RELAXED);
	uint64_t max = __atomic_load_n(&st->max_ns, __ATOMIC_RELAXED);
	while (ns > max && !__atomic_compare_exchange_n(&st->max_ns, &max, ns, true,
	                                                __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	unsigned b = 0;
	while (b < KEY_PROVIDER_LATENCY_BUCKETS - 1 && ns > (uint64_t)bounds_us[b] * 1000u)
		b++;
	__atomic_add_fetch(&st->buckets[b], 1, __ATOMIC_RELAXED);
}

int key_provider_dh(struct key_provider *kp, uint8_t shared[KEY_LEN],
                    const uint8_t peer_public[KEY_LEN])
{
	uint64_t start = mono_ns();
	int r = kp->ops->dh(kp, shared, peer_public);
	record(&kp->stats, mono_ns() - start, r);
	return r;
}

void key_provider_stats_read(const struct key_provider *kp, struct key_provider_stats *out)
{
	const struct key_provider_stats *st = &kp->stats;
	out->operations = __atomic_load_n(&st->operations, __ATOMIC_RELAXED);
	out->errors = __atomic_load_n(&st->errors, __ATOMIC_RELAXED);
	out->total_ns = __atomic_load_n(&st->total_ns, __ATOMIC_RELAXED);
	out->max_ns = __atomic_load_n(&st->max_ns, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < KEY_PROVIDER_LATENCY_BUCKETS; i++)
		out->buckets[i] = __atomic_load_n(&st->buckets[i], __ATOMIC_RELAXED);
}
