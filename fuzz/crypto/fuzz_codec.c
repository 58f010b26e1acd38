/* crypto/codec.h against a plain reference (table lookups and branches, which the real codec may
 * not use on secrets). Byte 0 picks the mode: 0, the rest is bytes to encode both ways, compared
 * with the reference and decoded back; 1 and 2, the rest is text for hex_decode or base64_decode,
 * which must accept exactly what the strict reference accepts, give the same bytes, and re-encode
 * to the same text (lowercase for hex). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BYTES                                                                                  \
	510 /* a multiple of 3: BASE64_LEN(MAX_BYTES) characters decode to at most MAX_BYTES */

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int ref_b64_value(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

static int ref_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void ref_base64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint8_t b[3] = {in[i], i + 1 < len ? in[i + 1] : 0, i + 2 < len ? in[i + 2] : 0};
		out[o++] = alphabet[b[0] >> 2];
		out[o++] = alphabet[(b[0] & 3) << 4 | b[1] >> 4];
		out[o++] = i + 1 < len ? alphabet[(b[1] & 15) << 2 | b[2] >> 6] : '=';
		out[o++] = i + 2 < len ? alphabet[b[2] & 63] : '=';
	}
	out[o] = '\0';
}

/* Returns the decoded length, or -1 for anything but the one canonical encoding. */
static long ref_base64_decode(uint8_t *out, const char *in, size_t len)
{
	size_t o = 0;
	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int last = i + 4 == len, v[4];
		for (int k = 0; k < 4; k++)
			v[k] = ref_b64_value(in[i + k]);
		if (v[0] < 0 || v[1] < 0)
			return -1;
		if (last && in[i + 2] == '=' && in[i + 3] == '=') {
			if (v[1] & 15)
				return -1;
			out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		} else if (last && in[i + 3] == '=') {
			if (v[2] < 0 || (v[2] & 3))
				return -1;
			out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
			out[o++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
		} else {
			if (v[2] < 0 || v[3] < 0)
				return -1;
			out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
			out[o++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
			out[o++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
		}
	}
	return (long)o;
}

static void check_encode(const uint8_t *in, size_t len)
{
	char hex[HEX_LEN(MAX_BYTES) + 1], b64[BASE64_LEN(MAX_BYTES) + 1],
	        want[BASE64_LEN(MAX_BYTES) + 1];
	uint8_t back[MAX_BYTES];

	hex_encode(hex, in, len);
	if (strlen(hex) != HEX_LEN(len))
		abort();
	for (size_t i = 0; i < len; i++)
		if (ref_hex_value(hex[2 * i]) != in[i] >> 4 ||
		    ref_hex_value(hex[2 * i + 1]) != (in[i] & 15) ||
		    isupper((unsigned char)hex[2 * i]) || isupper((unsigned char)hex[2 * i + 1]))
			abort();
	if (hex_decode(back, len, hex, strlen(hex)) != 0 || memcmp(back, in, len) != 0)
		abort();
	base64_encode(b64, in, len);
	ref_base64_encode(want, in, len);
	if (strcmp(b64, want) != 0)
		abort();
	if (base64_decode(back, len, b64, strlen(b64)) != 0 || memcmp(back, in, len) != 0)
		abort();
}

static void check_hex_decode(const char *text, size_t len)
{
	uint8_t out[MAX_BYTES], want[MAX_BYTES];
	char again[HEX_LEN(MAX_BYTES) + 1];
	int ok = len % 2 == 0;

	for (size_t i = 0; ok && i < len / 2; i++) {
		int hi = ref_hex_value(text[2 * i]), lo = ref_hex_value(text[2 * i + 1]);
		ok = hi >= 0 && lo >= 0;
		want[i] = ok ? (uint8_t)(hi << 4 | lo) : 0;
	}
	/* every output length: only len / 2 for an even len may succeed */
	for (size_t n = len / 2 > 0 ? len / 2 - 1 : 0; n <= len / 2 + 1 && n <= MAX_BYTES; n++) {
		memset(out, 0xa5, sizeof(out));
		int r = hex_decode(out, n, text, len);
		int expect = ok && n == len / 2 ? 0 : -1;
		if (r != expect)
			abort();
		if (r == 0 && memcmp(out, want, n) != 0)
			abort();
		for (size_t i = 0; r != 0 && i < n; i++)
			if (out[i] != 0) /* wiped */
				abort();
		if (r == 0) {
			hex_encode(again, out, n);
			for (size_t i = 0; i < len; i++)
				if (again[i] != tolower((unsigned char)text[i]))
					abort();
		}
	}
}

static void check_base64_decode(const char *text, size_t len)
{
	uint8_t out[MAX_BYTES], want[MAX_BYTES];
	char again[BASE64_LEN(MAX_BYTES) + 1];
	long n_want = ref_base64_decode(want, text, len);
	size_t hi = len / 4 * 3;

	for (size_t n = hi > 3 ? hi - 3 : 0; n <= hi && n <= MAX_BYTES; n++) {
		memset(out, 0xa5, sizeof(out));
		int r = base64_decode(out, n, text, len);
		int expect = n_want >= 0 && (size_t)n_want == n ? 0 : -1;
		if (r != expect)
			abort();
		if (r == 0) {
			if (memcmp(out, want, n) != 0)
				abort();
			base64_encode(again, out, n);
			if (strlen(again) != len || memcmp(again, text, len) != 0)
				abort();
		}
		for (size_t i = 0; r != 0 && i < n; i++)
			if (out[i] != 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[HEX_LEN(MAX_BYTES) + 1]; /* the longer encoding */

	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 3;
	data++, size--;
	if (mode == 0) {
		check_encode(data, size < MAX_BYTES ? size : MAX_BYTES);
		return 0;
	}
	size_t cap = mode == 1 ? HEX_LEN(MAX_BYTES) : BASE64_LEN(MAX_BYTES);
	size_t len = size < cap ? size : cap;
	memcpy(text, data, len);
	text[len] = '\0';
	if (mode == 1)
		check_hex_decode(text, len);
	else
		check_base64_decode(text, len);
	return 0;
}
