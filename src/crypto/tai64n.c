#include "crypto/tai64n.h"

#include <string.h>

#include "crypto/portable/bytes.h"

/* TAI64 labels second s of the Unix epoch as 2^62 + 10 + s (10 s was the TAI-UTC offset in 1970).
 */
#define TAI64_EPOCH 0x400000000000000aULL
/* rounddown_pow_of_two(NSEC_PER_SEC / 50), as the kernel: hides sub-20 ms timer precision. */
#define TAI64N_GRANULARITY_MASK ((uint32_t)(16777216u - 1))

void tai64n_encode(uint8_t out[TAI64N_LEN], uint64_t unix_seconds, uint32_t nanoseconds)
{
	uint64_t secs = TAI64_EPOCH + unix_seconds;
	uint32_t nanos = nanoseconds & ~TAI64N_GRANULARITY_MASK;
	store_be64(out, secs);
	store_be32(out + 8, nanos);
}

int tai64n_compare(const uint8_t a[TAI64N_LEN], const uint8_t b[TAI64N_LEN])
{
	int c = memcmp(a, b, TAI64N_LEN);
	return (c > 0) - (c < 0);
}
