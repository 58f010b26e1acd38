/* memcpy, memset, memcmp and unsigned division for the device images, smaller than newlib-nano's
 * and libgcc's (which unroll for speed): the protocol copies a few hundred bytes and divides a
 * handful of times per run, flash is the scarce resource. The compiler emits calls to these for
 * struct copies, initialisers and `/`, `%` too. image.sh builds with
 * -fno-tree-loop-distribute-patterns, so these loops are not turned back into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

/* The ARM run-time ABI's unsigned division (the Cortex-M0 has no divider): quotient in r0,
 * remainder in r1, i.e. a 64-bit return value. Restoring division, 32 steps whatever the operands
 * (libgcc's returns early on small quotients: this one's time does not depend on the secret y2
 * drawn at boot). Division by zero gives quotient 0xFFFFFFFF and remainder n; no caller does it. */
uint64_t __aeabi_uidivmod(uint32_t n, uint32_t d);
uint32_t __aeabi_uidiv(uint32_t n, uint32_t d);

uint64_t __aeabi_uidivmod(uint32_t n, uint32_t d)
{
	uint32_t q = 0, r = 0;

	for (int i = 31; i >= 0; i--) {
		r = r << 1 | (n >> i & 1);
		uint32_t take = 0u - (uint32_t)(r >= d);
		r -= d & take;
		q = q << 1 | (take & 1);
	}
	return q | (uint64_t)r << 32;
}

uint32_t __aeabi_uidiv(uint32_t n, uint32_t d)
{
	return (uint32_t)__aeabi_uidivmod(n, d);
}
