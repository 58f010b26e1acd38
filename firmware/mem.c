/* memcpy, memset, memcmp for the device images, smaller than newlib-nano's (which unroll for
 * speed): the protocol copies a few hundred bytes per run, flash is the scarce resource. The
 * compiler emits calls to these for struct copies and initialisers too. image.sh builds with
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
