#include "crypto/portable/secure.h"

int ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a;
	const volatile uint8_t *y = b;
	uint8_t diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (uint8_t)(x[i] ^ y[i]);
	/* Map 0 -> 1 and 1..255 -> 0 without a data-dependent branch. */
	return (int)(1 & (((uint32_t)diff - 1) >> 8));
}

int ct_is_zero(const void *p, size_t n)
{
	const volatile uint8_t *x = p;
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= x[i];
	return (int)(1 & (((uint32_t)acc - 1) >> 8));
}

void secure_wipe(void *p, size_t n)
{
	volatile uint8_t *x = p;
	for (size_t i = 0; i < n; i++)
		x[i] = 0;
}
