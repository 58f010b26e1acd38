/* SKE (SIMON-CBC, explicit IV, ISO/IEC 7816-4 padding) and PRF (SIMON-CBC-MAC over a length- and
 * counter-prefixed encoding). The constructions and their security arguments are in
 * docs/puf-crypto.md. Lengths are public; only key and data bytes are treated as secret. */
#include "crypto/portable/simon_modes.h"

#include <limits.h>
#include <string.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"

#define ISO7816_PAD_MARK 0x80

size_t ske_ciphertext_len(enum simon_variant v, size_t plaintext_len)
{
	size_t b = simon_block_len(v);

	if (b == 0 || plaintext_len > SIZE_MAX - 2 * b)
		return 0;
	/* IV, then the plaintext plus 1..b padding bytes (b is 8 or 16: no division) */
	return b + (plaintext_len & ~(b - 1)) + b;
}

int ske_encrypt(enum simon_variant v, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                size_t in_len, uint8_t *out, size_t out_cap)
{
	struct simon_ctx ctx;
	size_t total = ske_ciphertext_len(v, in_len);

	if (total == 0 || total > out_cap || simon_init(&ctx, v, key) != 0)
		return -1;
	size_t b = ctx.block_len;
	const uint8_t *prev = out;

	memcpy(out, iv, b);
	for (size_t off = 0; off + b < total; off += b) {
		uint8_t *dst = out + b + off;
		for (size_t j = 0; j < b; j++) {
			size_t pos = off + j;
			uint8_t p = pos < in_len ? in[pos] : (pos == in_len ? ISO7816_PAD_MARK : 0);
			dst[j] = (uint8_t)(p ^ prev[j]);
		}
		simon_encrypt_block(&ctx, dst, dst);
		prev = dst;
	}
	simon_clear(&ctx);
	return 0;
}

/* 0xFF when a == b, else 0x00, without a data-dependent branch. */
static uint8_t ct_eq_mask(uint8_t a, uint8_t b)
{
	return (uint8_t)(0u - ((((uint32_t)(a ^ b)) - 1u) >> 31));
}

/* Decrypts block i (0-based, after the IV) of a CBC ciphertext whose IV is at in[0..b). */
static void cbc_decrypt_block(const struct simon_ctx *ctx, const uint8_t *in, size_t i,
                              uint8_t *out)
{
	/* simon_init never sets more; the clamp shows the compiler that tmp and out cannot overflow
	 * (gcc 12 for s390x warns at -O3 otherwise). */
	size_t b = ctx->block_len < SIMON_MAX_BLOCK ? ctx->block_len : SIMON_MAX_BLOCK;
	uint8_t tmp[SIMON_MAX_BLOCK];

	simon_decrypt_block(ctx, tmp, in + (i + 1) * b);
	for (size_t j = 0; j < b; j++)
		out[j] = (uint8_t)(tmp[j] ^ in[i * b + j]);
	secure_wipe(tmp, sizeof(tmp));
}

long ske_decrypt(enum simon_variant v, const uint8_t *key, const uint8_t *in, size_t in_len,
                 uint8_t *out, size_t out_cap)
{
	struct simon_ctx ctx;
	uint8_t last[SIMON_MAX_BLOCK];
	size_t b = simon_block_len(v);

	if (b == 0 || in_len < 2 * b || in_len % b != 0 || in_len > (size_t)LONG_MAX)
		return -1;
	if (simon_init(&ctx, v, key) != 0)
		return -1;
	size_t nblocks = in_len / b - 1;

	/* The padding sits in the last block, which CBC lets us decrypt first; its check runs in
	 * time independent of the block's contents so that only valid/invalid is revealed. */
	cbc_decrypt_block(&ctx, in, nblocks - 1, last);
	uint8_t seen = 0, bad = 0;
	size_t pad_at = 0;
	for (size_t j = b; j-- > 0;) {
		uint8_t is_zero = ct_eq_mask(last[j], 0);
		uint8_t is_mark = ct_eq_mask(last[j], ISO7816_PAD_MARK);
		uint8_t first_nonzero = (uint8_t)(~seen & ~is_zero);
		pad_at |= j & (size_t)(0u - (size_t)(first_nonzero & is_mark & 1));
		bad |= (uint8_t)(first_nonzero & ~is_mark);
		seen |= first_nonzero;
	}
	bad |= (uint8_t)~seen; /* an all-zero last block has no marker */

	/* Every block is decrypted whatever the padding said, so that a bad padding costs the same
	 * time as a good one; blocks that do not fit in out are decrypted and dropped. */
	size_t body = (nblocks - 1) * b, room = body < out_cap ? body : out_cap;
	for (size_t i = 0; i + 1 < nblocks; i++) {
		uint8_t blk[SIMON_MAX_BLOCK];
		cbc_decrypt_block(&ctx, in, i, blk);
		size_t n = i * b >= room ? 0 : (room - i * b < b ? room - i * b : b);
		if (n)
			memcpy(out + i * b, blk, n);
		secure_wipe(blk, sizeof(blk));
	}
	size_t pt_len = body + pad_at;
	/* Keep or zero what was written, touching the same bytes either way: a rejected ciphertext
	 * leaves no partial plaintext behind. */
	uint8_t keep = (uint8_t)(~bad & (0u - (uint8_t)(pt_len <= out_cap)));
	for (size_t i = 0; i < room; i++)
		out[i] &= keep;
	long ret = -1;
	if (keep) {
		memcpy(out + body, last, pad_at);
		ret = (long)pt_len;
	}
	secure_wipe(last, sizeof(last));
	simon_clear(&ctx);
	return ret;
}

/* CBC-MAC absorption: state = E(state ^ block) for every full block of the stream. */
struct cbc_mac {
	const struct simon_ctx *ctx;
	uint8_t state[SIMON_MAX_BLOCK];
	size_t fill;
};

static void cbc_mac_absorb(struct cbc_mac *m, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		m->state[m->fill++] ^= data[i];
		if (m->fill == m->ctx->block_len) {
			simon_encrypt_block(m->ctx, m->state, m->state);
			m->fill = 0;
		}
	}
}

void simon_prf_parts(enum simon_variant v, const uint8_t *key, const struct simon_prf_part *parts,
                     size_t nparts, uint8_t *out, size_t out_len)
{
	struct simon_ctx ctx;
	struct cbc_mac mac;
	uint8_t header[16];
	size_t in_len = 0;

	if (simon_init(&ctx, v, key) != 0) {
		/* Only a programming error (a variant outside the enum) gets here; fail closed. */
		if (out_len)
			memset(out, 0, out_len);
		return;
	}
	size_t b = ctx.block_len;
	for (size_t i = 0; i < nparts; i++)
		in_len += parts[i].len;
	store_le64(header, (uint64_t)in_len);
	mac.ctx = &ctx;
	for (uint64_t counter = 0; out_len > 0; counter++) {
		store_le64(header + 8, counter);
		memset(mac.state, 0, sizeof(mac.state));
		mac.fill = 0;
		cbc_mac_absorb(&mac, header, sizeof(header));
		for (size_t i = 0; i < nparts; i++)
			cbc_mac_absorb(&mac, parts[i].data, parts[i].len);
		if (mac.fill != 0) /* zero padding: the encoded length keeps it unambiguous */
			simon_encrypt_block(&ctx, mac.state, mac.state);
		size_t n = out_len < b ? out_len : b;
		memcpy(out, mac.state, n);
		out += n;
		out_len -= n;
	}
	secure_wipe(&mac, sizeof(mac));
	simon_clear(&ctx);
}

void simon_prf(enum simon_variant v, const uint8_t *key, const uint8_t *in, size_t in_len,
               uint8_t *out, size_t out_len)
{
	const struct simon_prf_part part = {in, in_len};
	simon_prf_parts(v, key, &part, 1, out, out_len);
}
