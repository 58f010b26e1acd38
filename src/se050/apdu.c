#include "se050/apdu.h"

#include <errno.h>
#include <string.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"

const uint8_t se05x_applet_aid[16] = {0xA0, 0x00, 0x00, 0x03, 0x96, 0x54, 0x53, 0x00,
                                      0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00};

/* Command bodies are small here (at most ~60 bytes), so fixed buffers need no overflow plumbing. */
struct body {
	uint8_t b[128];
	size_t n;
};

bool se05x_type_is_ec_key_pair(uint8_t type)
{
	return type == SE05X_TYPE_EC_KEY_PAIR ||
	       (type >= 0x21 && type <= 0x71 && (type - 0x21) % 4 == 0);
}

bool se05x_is_x25519_key_pair(uint8_t type, uint8_t curve)
{
	if (type == SE05X_TYPE_EC_KEY_PAIR_X25519)
		return true;
	return type == SE05X_TYPE_EC_KEY_PAIR && curve == SE05X_CURVE_MONT_DH_25519;
}

static void put_tlv(struct body *b, uint8_t tag, const uint8_t *val, size_t len)
{
	b->b[b->n++] = tag;
	b->b[b->n++] = (uint8_t)len; /* all values here are < 0x80 bytes */
	memcpy(b->b + b->n, val, len);
	b->n += len;
}

static void put_u32(struct body *b, uint8_t tag, uint32_t v)
{
	uint8_t be[4];
	store_be32(be, v);
	put_tlv(b, tag, be, 4);
}

/* Lc is one byte when the body is < 255 bytes and no Le follows, otherwise extended (00 HH LL);
 * "ext" commands (those answering with data) end with Le 00 00; no body means a single Le 00. */
static size_t build(uint8_t *out, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                    const struct body *b, bool ext)
{
	size_t n = 0;
	out[n++] = cla;
	out[n++] = ins;
	out[n++] = p1;
	out[n++] = p2;
	if (!b || b->n == 0) {
		out[n++] = 0x00;
		return n;
	}
	if (!ext && b->n < 255) {
		out[n++] = (uint8_t)b->n;
	} else {
		out[n++] = 0x00;
		store_be16(out + n, (uint16_t)b->n);
		n += 2;
	}
	memcpy(out + n, b->b, b->n);
	n += b->n;
	if (ext) {
		out[n++] = 0x00;
		out[n++] = 0x00;
	}
	return n;
}

size_t se05x_cmd_select(uint8_t *out)
{
	size_t n = 0;
	out[n++] = 0x00;
	out[n++] = 0xA4;
	out[n++] = 0x04;
	out[n++] = 0x00;
	out[n++] = sizeof(se05x_applet_aid);
	memcpy(out + n, se05x_applet_aid, sizeof(se05x_applet_aid));
	n += sizeof(se05x_applet_aid);
	out[n++] = 0x00;
	return n;
}

/* The head of WriteECKey: policy, id and (for a new object) the curve. */
static void write_ec_key_head(struct body *b, uint32_t id, uint32_t policy_rules, bool with_curve)
{
	/* One policy entry: length 8 | auth object id 0 (any session) | access rules. */
	uint8_t policy[9] = {8, 0, 0, 0, 0};
	store_be32(policy + 5, policy_rules);
	uint8_t curve = SE05X_CURVE_MONT_DH_25519;
	put_tlv(b, SE05X_TAG_POLICY, policy, sizeof(policy));
	put_u32(b, SE05X_TAG_1, id);
	if (with_curve)
		put_tlv(b, SE05X_TAG_2, &curve, 1);
}

size_t se05x_cmd_generate_x25519(uint8_t *out, uint32_t id, uint32_t policy_rules, bool with_curve)
{
	struct body b = {.n = 0};
	write_ec_key_head(&b, id, policy_rules, with_curve);
	return build(out, SE05X_CLA, SE05X_INS_WRITE, SE05X_P1_KEY_PAIR | SE05X_P1_EC,
	             SE05X_P2_DEFAULT, &b, false);
}

size_t se05x_cmd_import_x25519(uint8_t *out, uint32_t id, uint32_t policy_rules, bool with_curve,
                               const uint8_t priv_be[SE05X_X25519_LEN],
                               const uint8_t pub_be[SE05X_X25519_LEN])
{
	struct body b = {.n = 0};
	write_ec_key_head(&b, id, policy_rules, with_curve);
	put_tlv(&b, SE05X_TAG_3, priv_be, SE05X_X25519_LEN);
	put_tlv(&b, SE05X_TAG_4, pub_be, SE05X_X25519_LEN);
	size_t n = build(out, SE05X_CLA, SE05X_INS_WRITE, SE05X_P1_KEY_PAIR | SE05X_P1_EC,
	                 SE05X_P2_DEFAULT, &b, false);
	secure_wipe(&b, sizeof(b));
	return n;
}

size_t se05x_cmd_create_curve(uint8_t *out, uint8_t curve)
{
	struct body b = {.n = 0};
	put_tlv(&b, SE05X_TAG_1, &curve, 1);
	return build(out, SE05X_CLA, SE05X_INS_WRITE, SE05X_P1_CURVE, SE05X_P2_CREATE, &b, false);
}

size_t se05x_cmd_get_version(uint8_t *out)
{
	return build(out, SE05X_CLA, SE05X_INS_MGMT, SE05X_P1_DEFAULT, SE05X_P2_VERSION, NULL,
	             false);
}

size_t se05x_cmd_free_memory(uint8_t *out, uint8_t memory_type)
{
	struct body b = {.n = 0};
	put_tlv(&b, SE05X_TAG_1, &memory_type, 1);
	return build(out, SE05X_CLA, SE05X_INS_MGMT, SE05X_P1_DEFAULT, SE05X_P2_MEMORY, &b, true);
}

static size_t id_only(uint8_t *out, uint8_t ins, uint8_t p1, uint8_t p2, uint32_t id, bool ext)
{
	struct body b = {.n = 0};
	put_u32(&b, SE05X_TAG_1, id);
	return build(out, SE05X_CLA, ins, p1, p2, &b, ext);
}

size_t se05x_cmd_read_object(uint8_t *out, uint32_t id)
{
	return id_only(out, SE05X_INS_READ, SE05X_P1_DEFAULT, SE05X_P2_DEFAULT, id, true);
}

size_t se05x_cmd_read_type(uint8_t *out, uint32_t id)
{
	return id_only(out, SE05X_INS_READ, SE05X_P1_DEFAULT, SE05X_P2_TYPE, id, false);
}

size_t se05x_cmd_curve_id(uint8_t *out, uint32_t id)
{
	return id_only(out, SE05X_INS_READ, SE05X_P1_CURVE, SE05X_P2_ID, id, false);
}

size_t se05x_cmd_exists(uint8_t *out, uint32_t id)
{
	return id_only(out, SE05X_INS_MGMT, SE05X_P1_DEFAULT, SE05X_P2_EXIST, id, false);
}

size_t se05x_cmd_delete(uint8_t *out, uint32_t id)
{
	return id_only(out, SE05X_INS_MGMT, SE05X_P1_DEFAULT, SE05X_P2_DELETE_OBJECT, id, false);
}

size_t se05x_cmd_list(uint8_t *out, uint16_t offset)
{
	struct body b = {.n = 0};
	uint8_t off[2];
	store_be16(off, offset);
	uint8_t filter = 0xFF; /* every object type */
	put_tlv(&b, SE05X_TAG_1, off, 2);
	put_tlv(&b, SE05X_TAG_2, &filter, 1);
	return build(out, SE05X_CLA, SE05X_INS_READ, SE05X_P1_DEFAULT, SE05X_P2_LIST, &b, true);
}

size_t se05x_cmd_ecdh(uint8_t *out, uint32_t id, const uint8_t peer_be[SE05X_X25519_LEN])
{
	struct body b = {.n = 0};
	put_u32(&b, SE05X_TAG_1, id);
	put_tlv(&b, SE05X_TAG_2, peer_be, SE05X_X25519_LEN);
	return build(out, SE05X_CLA, SE05X_INS_CRYPTO, SE05X_P1_EC, SE05X_P2_DH, &b, true);
}

int se05x_tlv_split(const uint8_t *body, size_t n, struct se05x_tlv *tlv, unsigned max,
                    unsigned *count)
{
	size_t off = 0;
	unsigned k = 0;
	while (off < n) {
		if (k == max || n - off < 2)
			return -EBADMSG;
		uint8_t tag = body[off++];
		size_t len = body[off++];
		if (len == 0x81) {
			if (n - off < 1)
				return -EBADMSG;
			len = body[off++];
		} else if (len == 0x82) {
			if (n - off < 2)
				return -EBADMSG;
			len = load_be16(body + off);
			off += 2;
		} else if (len > 0x7F) {
			return -EBADMSG;
		}
		if (len > n - off)
			return -EBADMSG;
		for (unsigned i = 0; i < k; i++)
			if (tlv[i].tag == tag)
				return -EBADMSG;
		tlv[k].tag = tag;
		tlv[k].len = (uint16_t)len;
		tlv[k].val = body + off;
		k++;
		off += len;
	}
	*count = k;
	return 0;
}

int se05x_rsp_parse(struct se05x_rsp *rsp, const uint8_t *buf, size_t n)
{
	memset(rsp, 0, sizeof(*rsp));
	if (n < 2 || n > SE05X_MAX_RSP)
		return -EBADMSG;
	rsp->sw = load_be16(buf + n - 2);
	if (rsp->sw != SE05X_SW_OK)
		return n == 2 ? 0 : -EBADMSG;
	return se05x_tlv_split(buf, n - 2, rsp->tlv, SE05X_MAX_TLVS, &rsp->n);
}

/* Returns the value of tag when present with exactly len bytes (len 0 = any), else NULL. */
static const uint8_t *se05x_rsp_get(const struct se05x_rsp *rsp, uint8_t tag, size_t len,
                                    uint16_t *out_len)
{
	for (unsigned i = 0; i < rsp->n; i++) {
		if (rsp->tlv[i].tag != tag)
			continue;
		if (len && rsp->tlv[i].len != len)
			return NULL;
		if (out_len)
			*out_len = rsp->tlv[i].len;
		return rsp->tlv[i].val;
	}
	return NULL;
}

int se05x_sw_errno(uint16_t sw)
{
	switch (sw) {
	case SE05X_SW_OK:
		return 0;
	case SE05X_SW_NOT_ALLOWED:
	case SE05X_SW_SECURITY_STATUS:
		return -EACCES;
	case SE05X_SW_WRONG_DATA:
	case SE05X_SW_DATA_INVALID:
	case SE05X_SW_WRONG_LENGTH:
		return -EINVAL;
	case SE05X_SW_CONDITIONS:
		return -EPERM;
	case SE05X_SW_INS_UNKNOWN:
	case SE05X_SW_CLA_UNKNOWN:
		return -ENOTSUP;
	case SE05X_SW_NVM_FULL:
		return -ENOSPC;
	case SE05X_SW_EXISTS:
		return -EEXIST;
	default:
		return -EREMOTEIO;
	}
}

/* Parses and checks the SW; on success the TLVs are in rsp. */
static int parse_ok(struct se05x_rsp *rsp, const uint8_t *buf, size_t n)
{
	int r = se05x_rsp_parse(rsp, buf, n);
	if (r)
		return r;
	return se05x_sw_errno(rsp->sw);
}

/* A successful response that holds one TLV alone, tag 1 with len bytes (len 0 = any): its value
 * (inside buf) and length. 0, or a negative errno. */
static int parse_single(const uint8_t *buf, size_t n, size_t len, const uint8_t **value,
                        uint16_t *value_len)
{
	struct se05x_rsp rsp;
	int r = parse_ok(&rsp, buf, n);
	if (r)
		return r;
	*value = se05x_rsp_get(&rsp, SE05X_TAG_1, len, value_len);
	return *value && rsp.n == 1 ? 0 : -EBADMSG;
}

/* major minor patch | config(2) [| secure box version(2)]. */
static int version_bytes(const uint8_t *p, size_t len, struct se05x_version *v)
{
	if (len != 7 && len != 5)
		return -EBADMSG;
	memset(v, 0, sizeof(*v));
	v->major = p[0];
	v->minor = p[1];
	v->patch = p[2];
	v->config = load_be16(p + 3);
	if (len == 7) {
		v->has_secure_box = true;
		v->secure_box = load_be16(p + 5);
	}
	return 0;
}

int se05x_parse_select(const uint8_t *buf, size_t n, struct se05x_version *version)
{
	/* Plain bytes, not TLVs. */
	if (n < 2)
		return -EBADMSG;
	uint16_t sw = load_be16(buf + n - 2);
	if (sw != SE05X_SW_OK)
		return n == 2 ? se05x_sw_errno(sw) : -EBADMSG;
	return version_bytes(buf, n - 2, version);
}

int se05x_parse_version(const uint8_t *buf, size_t n, struct se05x_version *version)
{
	const uint8_t *v;
	uint16_t len;
	int r = parse_single(buf, n, 0, &v, &len);
	return r ? r : version_bytes(v, len, version);
}

int se05x_parse_free_memory(const uint8_t *buf, size_t n, uint32_t *bytes)
{
	const uint8_t *v;
	uint16_t len;
	int r = parse_single(buf, n, 0, &v, &len);
	if (r)
		return r;
	if (len != 2 && len != 4)
		return -EBADMSG;
	*bytes = len == 2 ? load_be16(v) : load_be32(v);
	return 0;
}

int se05x_parse_status(const uint8_t *buf, size_t n)
{
	struct se05x_rsp rsp;
	int r = parse_ok(&rsp, buf, n);
	if (r)
		return r;
	return rsp.n == 0 ? 0 : -EBADMSG;
}

int se05x_parse_x25519(const uint8_t *buf, size_t n, uint8_t out_be[SE05X_X25519_LEN])
{
	const uint8_t *v;
	int r = parse_single(buf, n, SE05X_X25519_LEN, &v, NULL);
	if (r)
		return r;
	memcpy(out_be, v, SE05X_X25519_LEN);
	return 0;
}

int se05x_parse_u8(const uint8_t *buf, size_t n, uint8_t *value)
{
	const uint8_t *v;
	int r = parse_single(buf, n, 1, &v, NULL);
	if (r)
		return r;
	*value = v[0];
	return 0;
}

int se05x_parse_type(const uint8_t *buf, size_t n, uint8_t *type)
{
	struct se05x_rsp rsp;
	int r = parse_ok(&rsp, buf, n);
	if (r)
		return r;
	const uint8_t *t = se05x_rsp_get(&rsp, SE05X_TAG_1, 1, NULL);
	const uint8_t *transient = se05x_rsp_get(&rsp, SE05X_TAG_2, 1, NULL);
	if (!t || !transient || rsp.n != 2)
		return -EBADMSG;
	*type = t[0];
	return 0;
}

int se05x_parse_list(const uint8_t *buf, size_t n, uint32_t *ids, size_t cap, size_t *count,
                     bool *more)
{
	struct se05x_rsp rsp;
	uint16_t len;
	int r = parse_ok(&rsp, buf, n);
	if (r)
		return r;
	const uint8_t *m = se05x_rsp_get(&rsp, SE05X_TAG_1, 1, NULL);
	const uint8_t *list = se05x_rsp_get(&rsp, SE05X_TAG_2, 0, &len);
	if (!m || (m[0] != SE05X_MORE_NO && m[0] != SE05X_MORE_YES))
		return -EBADMSG;
	if (rsp.n != (list ? 2u : 1u))
		return -EBADMSG;
	if (!list)
		len = 0;
	if (len % 4 || len / 4 > cap)
		return -EBADMSG;
	for (size_t i = 0; i < len / 4u; i++)
		ids[i] = load_be32(list + 4 * i);
	*count = len / 4u;
	*more = m[0] == SE05X_MORE_YES;
	return 0;
}

/* Cases 3 and 4: after the header, an Lc field of lc_len bytes (holding lc), lc bytes of data,
 * then optionally an Le field of le_len bytes; p points at the Lc field and rest counts from it. */
static int take_data(struct se05x_cmd *cmd, const uint8_t *p, size_t rest, size_t lc_len, size_t lc,
                     size_t le_len)
{
	if (rest != lc_len + lc && rest != lc_len + lc + le_len)
		return -EBADMSG;
	cmd->lc = lc;
	cmd->has_le = rest != lc_len + lc;
	cmd->data = p + lc_len;
	return 0;
}

int se05x_cmd_parse(struct se05x_cmd *cmd, const uint8_t *buf, size_t n)
{
	memset(cmd, 0, sizeof(*cmd));
	if (n < 4 || n > SE05X_MAX_APDU)
		return -EBADMSG;
	cmd->cla = buf[0];
	cmd->ins = buf[1];
	cmd->p1 = buf[2];
	cmd->p2 = buf[3];
	size_t rest = n - 4;
	const uint8_t *p = buf + 4;
	if (rest == 0)
		return 0; /* case 1 */
	if (rest == 1) {
		cmd->has_le = true; /* case 2, short Le */
		return 0;
	}
	if (p[0] != 0) /* short Lc */
		return take_data(cmd, p, rest, 1, p[0], 1);
	if (rest < 3)
		return -EBADMSG;
	if (rest == 3) { /* case 2 extended: 00 Le Le */
		cmd->has_le = true;
		return 0;
	}
	size_t lc = load_be16(p + 1);
	if (lc == 0)
		return -EBADMSG;
	return take_data(cmd, p, rest, 3, lc, 2);
}
