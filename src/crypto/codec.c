#include "crypto/codec.h"

#include "crypto/portable/secure.h"

/* Every helper maps a value to all ones (true) or zero (false) by the sign bit of a difference:
 * the operands are at most 0xff, so a difference is negative exactly when it wraps. */
static uint32_t mask_lt(uint32_t a, uint32_t b) /* a < b */
{
	return 0u - ((a - b) >> 31);
}

static uint32_t mask_in(uint32_t c, uint32_t lo, uint32_t hi) /* lo <= c <= hi */
{
	return ~mask_lt(c, lo) & mask_lt(c, hi + 1);
}

static char hex_digit(uint32_t v)
{
	/* '0' + v, moved up to 'a' for 10..15 */
	return (char)('0' + v + (~mask_lt(v, 10) & ('a' - '0' - 10)));
}

/* The value of a hex digit; *bad collects all ones for anything else. */
static uint32_t hex_value(uint32_t c, uint32_t *bad)
{
	uint32_t digit = mask_in(c, '0', '9'), lower = mask_in(c, 'a', 'f'),
	         upper = mask_in(c, 'A', 'F');
	*bad |= ~(digit | lower | upper);
	return (digit & (c - '0')) | (lower & (c - 'a' + 10)) | (upper & (c - 'A' + 10));
}

void hex_encode(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digit(in[i] >> 4);
		out[2 * i + 1] = hex_digit(in[i] & 15u);
	}
	out[2 * len] = '\0';
}

int hex_decode(uint8_t *out, size_t out_len, const char *in, size_t in_len)
{
	uint32_t bad = 0;

	if (in_len / 2 != out_len || in_len % 2) {
		secure_wipe(out, out_len);
		return -1;
	}
	for (size_t i = 0; i < out_len; i++) {
		uint32_t hi = hex_value((uint8_t)in[2 * i], &bad);
		uint32_t lo = hex_value((uint8_t)in[2 * i + 1], &bad);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	if (bad) {
		secure_wipe(out, out_len);
		return -1;
	}
	return 0;
}

static char base64_char(uint32_t v)
{
	/* 'A' + v, then shifted for each later range: a-z, 0-9, '+', '/' */
	uint32_t c = 'A' + v;
	c += ~mask_lt(v, 26) & ('a' - 'A' - 26);
	c -= ~mask_lt(v, 52) & (('a' - 26) - ('0' - 52));
	c -= ~mask_lt(v, 62) & ('0' + 62 - 52 - '+');
	c += ~mask_lt(v, 63) & ('/' - '+' - 1);
	return (char)c;
}

static uint32_t base64_value(uint32_t c, uint32_t *bad)
{
	uint32_t upper = mask_in(c, 'A', 'Z'), lower = mask_in(c, 'a', 'z'),
	         digit = mask_in(c, '0', '9'), plus = mask_in(c, '+', '+'),
	         slash = mask_in(c, '/', '/');
	*bad |= ~(upper | lower | digit | plus | slash);
	return (upper & (c - 'A')) | (lower & (c - 'a' + 26)) | (digit & (c - '0' + 52)) |
	       (plus & 62) | (slash & 63);
}

void base64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		size_t left = len - i;
		uint32_t w = (uint32_t)in[i] << 16;
		if (left > 1)
			w |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			w |= in[i + 2];
		out[o++] = base64_char(w >> 18 & 63);
		out[o++] = base64_char(w >> 12 & 63);
		out[o++] = left > 1 ? base64_char(w >> 6 & 63) : '=';
		out[o++] = left > 2 ? base64_char(w & 63) : '=';
	}
	out[o] = '\0';
}

int base64_decode(uint8_t *out, size_t out_len, const char *in, size_t in_len)
{
	uint32_t bad = 0;
	size_t o = 0;

	if (in_len != BASE64_LEN(out_len)) {
		secure_wipe(out, out_len);
		return -1;
	}
	for (size_t i = 0; i < in_len; i += 4) {
		/* how many bytes this group carries: 3, or 1..2 in a padded last group (public) */
		size_t take = out_len - o < 3 ? out_len - o : 3;
		uint32_t w = base64_value((uint8_t)in[i], &bad) << 18 |
		             base64_value((uint8_t)in[i + 1], &bad) << 12;
		if (take > 1)
			w |= base64_value((uint8_t)in[i + 2], &bad) << 6;
		else
			bad |= mask_in((uint8_t)in[i + 2], '=', '=') ^ 0xffffffffu;
		if (take > 2)
			w |= base64_value((uint8_t)in[i + 3], &bad);
		else
			bad |= mask_in((uint8_t)in[i + 3], '=', '=') ^ 0xffffffffu;
		out[o++] = (uint8_t)(w >> 16);
		if (take > 1)
			out[o++] = (uint8_t)(w >> 8);
		if (take > 2)
			out[o++] = (uint8_t)w;
		/* the bits beyond the last byte must be zero (one text form per byte string) */
		uint32_t spare = w & (0xffffffu >> (8 * take));
		bad |= 0u - ((spare | (0u - spare)) >> 31);
	}
	if (bad) {
		secure_wipe(out, out_len);
		return -1;
	}
	return 0;
}
