/* Device state record: encoding, strict parsing, CRC-32. */
#include <string.h>

#include "crypto/portable/bytes.h"
#include "puf/proto/device_state.h"

const char *pufproto_state_strerror(int err)
{
	switch (err) {
	case PUFPROTO_STATE_OK:
		return "ok";
	case PUFPROTO_STATE_TRUNCATED:
		return "state is truncated";
	case PUFPROTO_STATE_BAD_MAGIC:
		return "not a pufauth device state (bad magic)";
	case PUFPROTO_STATE_BAD_VERSION:
		return "unsupported device state version";
	case PUFPROTO_STATE_BAD_SUITE:
		return "device state names an unknown security level";
	case PUFPROTO_STATE_BAD_LENGTH:
		return "device state has a bad length field or trailing bytes";
	case PUFPROTO_STATE_BAD_CHECKSUM:
		return "device state is corrupt (checksum mismatch)";
	case PUFPROTO_STATE_NO_SPACE:
		return "device state does not fit";
	default:
		return "unknown error";
	}
}

uint32_t pufproto_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* A u16 length and the bytes. */
static size_t put_field(uint8_t *out, const uint8_t *p, size_t len)
{
	store_be16(out, (uint16_t)len);
	if (len)
		memcpy(out + 2, p, len);
	return 2 + len;
}

long pufproto_state_encode(const struct pufproto_device_nv *nv, const uint8_t *source,
                           size_t source_len, uint8_t *out, size_t cap)
{
	size_t n = 0, helper_len = nv->helper ? nv->helper_len : 0;
	size_t extra = helper_len ? 2 + helper_len : 0;
	struct pufproto_suite s;

	if (pufproto_suite_get(nv->suite, &s))
		return PUFPROTO_STATE_BAD_SUITE;
	if (source_len > PUFPROTO_STATE_MAX_SOURCE || helper_len > PUFPROTO_STATE_MAX_HELPER ||
	    !s.map_len != !helper_len)
		return PUFPROTO_STATE_BAD_LENGTH;
	if (cap < PUFPROTO_STATE_FIXED_LEN + source_len + extra)
		return PUFPROTO_STATE_NO_SPACE;
	memcpy(out, "PFDS", 4);
	n = 4;
	out[n++] = helper_len ? PUFPROTO_STATE_VERSION_HELPER : PUFPROTO_STATE_VERSION;
	out[n++] = nv->suite;
	out[n++] = 0;
	out[n++] = 0;
	memcpy(out + n, nv->sk, PUFPROTO_KEY_LEN);
	n += PUFPROTO_KEY_LEN;
	store_be32(out + n, nv->challenge);
	n += 4;
	n += put_field(out + n, source, source_len);
	if (helper_len)
		n += put_field(out + n, nv->helper, helper_len);
	store_be32(out + n, pufproto_crc32(out, n));
	return (long)(n + 4);
}

int pufproto_state_parse(const uint8_t *buf, size_t len, struct pufproto_device_nv *nv,
                         const uint8_t **source, size_t *source_len)
{
	struct pufproto_suite s;
	size_t src_len, helper_len = 0, fixed = PUFPROTO_STATE_FIXED_LEN;

	if (len < 5)
		return PUFPROTO_STATE_TRUNCATED;
	if (memcmp(buf, "PFDS", 4) != 0)
		return PUFPROTO_STATE_BAD_MAGIC;
	if (buf[4] != PUFPROTO_STATE_VERSION && buf[4] != PUFPROTO_STATE_VERSION_HELPER)
		return PUFPROTO_STATE_BAD_VERSION;
	if (buf[4] == PUFPROTO_STATE_VERSION_HELPER)
		fixed += 2;
	if (len < fixed)
		return PUFPROTO_STATE_TRUNCATED;
	src_len = load_be16(buf + 28);
	if (src_len > PUFPROTO_STATE_MAX_SOURCE)
		return PUFPROTO_STATE_BAD_LENGTH;
	if (len < fixed + src_len)
		return PUFPROTO_STATE_TRUNCATED;
	if (buf[4] == PUFPROTO_STATE_VERSION_HELPER) {
		helper_len = load_be16(buf + 30 + src_len);
		if (helper_len == 0 || helper_len > PUFPROTO_STATE_MAX_HELPER)
			return PUFPROTO_STATE_BAD_LENGTH;
		if (len < fixed + src_len + helper_len)
			return PUFPROTO_STATE_TRUNCATED;
	}
	if (len > fixed + src_len + helper_len)
		return PUFPROTO_STATE_BAD_LENGTH;
	if (load_be32(buf + len - 4) != pufproto_crc32(buf, len - 4))
		return PUFPROTO_STATE_BAD_CHECKSUM;
	if (buf[6] != 0 || buf[7] != 0)
		return PUFPROTO_STATE_BAD_LENGTH;
	if (pufproto_suite_get(buf[5], &s))
		return PUFPROTO_STATE_BAD_SUITE;
	if (!s.map_len != !helper_len) /* helper data exactly for the debiased suites */
		return PUFPROTO_STATE_BAD_LENGTH;
	nv->suite = buf[5];
	memcpy(nv->sk, buf + 8, PUFPROTO_KEY_LEN);
	nv->challenge = load_be32(buf + 24);
	nv->helper = helper_len ? buf + 32 + src_len : NULL;
	nv->helper_len = helper_len;
	*source = buf + 30;
	*source_len = src_len;
	return PUFPROTO_STATE_OK;
}
