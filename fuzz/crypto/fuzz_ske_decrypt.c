/* ske_decrypt parses ciphertexts from the network. Input: variant selector, output capacity, then
 * the ciphertext (iv || blocks). Checks: no out-of-bounds access (ASan; buffers are sized exactly),
 * a result within bounds, and for accepted inputs that re-encryption under the same IV reproduces
 * the input exactly (the padding is canonical, so only one ciphertext decodes to each plaintext).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/simon_modes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[32] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
                                0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum simon_variant v = (enum simon_variant)(data[0] % 6); /* 5 is not a variant */
	size_t in_len = size - 2;
	size_t cap = data[1] < in_len ? data[1] : in_len;
	uint8_t *in = malloc(in_len ? in_len : 1);
	uint8_t *out = malloc(cap ? cap : 1);
	if (!in || !out)
		abort();
	memcpy(in, data + 2, in_len);

	long r = ske_decrypt(v, key, in, in_len, out, cap);
	size_t b = simon_block_len(v);
	if (r != -1) {
		if (r < 0 || (size_t)r > cap || b == 0 || (size_t)r + b + 1 > in_len)
			abort();
		if (ske_ciphertext_len(v, (size_t)r) != in_len)
			abort();
		uint8_t *again = malloc(in_len);
		if (!again)
			abort();
		if (ske_encrypt(v, key, in, out, (size_t)r, again, in_len) != 0 ||
		    memcmp(again, in, in_len) != 0)
			abort();
		free(again);
	} else if (b != 0 && in_len >= 2 * b && in_len % b == 0 && cap + b >= in_len) {
		/* With room for any plaintext, -1 can only mean bad padding: the last block must
		 * then fail the ISO/IEC 7816-4 check when decrypted independently. */
		struct simon_ctx ctx;
		uint8_t last[16];
		if (simon_init(&ctx, v, key) != 0)
			abort();
		simon_decrypt_block(&ctx, last, in + in_len - b);
		size_t j = b;
		while (j > 0 && (last[j - 1] ^ in[in_len - 2 * b + j - 1]) == 0)
			j--;
		if (j > 0 && (last[j - 1] ^ in[in_len - 2 * b + j - 1]) == 0x80)
			abort();
		simon_clear(&ctx);
	}
	free(in);
	free(out);
	return 0;
}
