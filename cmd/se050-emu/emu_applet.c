#include "emu_applet.h"

#include <string.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "crypto/x25519.h"
#include "se050/apdu.h"
#include "se050/se050.h"

#define EMU_CURVE_NIST_P256 0x03
/* GetFreeMemory reports a 16-bit figure; the SE050 saturates it. */
#define EMU_FREE_MEMORY_MAX 0x7FFF
#define EMU_TRANSIENT_FREE  0x0800

void emu_applet_init(struct emu_applet *a, struct emu_store *store)
{
	memset(a, 0, sizeof(*a));
	a->store = store;
	a->config = EMU_APPLET_CONFIG;
	a->max_objects = EMU_MAX_OBJECTS;
	emu_applet_set_version(a, 3, 1);
}

int emu_applet_set_version(struct emu_applet *a, unsigned major, unsigned minor)
{
	if (major > 255 || minor > 255)
		return -1;
	a->version[0] = (uint8_t)major;
	a->version[1] = (uint8_t)minor;
	a->version[2] = 0;
	return 0;
}

void emu_applet_reset(struct emu_applet *a)
{
	a->selected = false;
}

static bool applet_7x(const struct emu_applet *a)
{
	return a->version[0] == 7;
}

/* The object type ReadType reports for o under this personality. */
static uint8_t emu_applet_type(const struct emu_applet *a, const struct emu_object *o)
{
	if (!applet_7x(a) || o->type != SE05X_TYPE_EC_KEY_PAIR)
		return o->type;
	/* se05x_enums.h: key pairs 0x21 + 4 x (curve - 1) for the Weierstrass curves, then
	 * ED25519 0x65, MONT_DH_25519 0x69, MONT_DH_448 0x71. */
	if (o->curve >= 0x01 && o->curve <= 0x11)
		return (uint8_t)(0x21 + 4 * (o->curve - 1));
	if (o->curve == 0x40)
		return 0x65;
	if (o->curve == SE05X_CURVE_MONT_DH_25519)
		return SE05X_TYPE_EC_KEY_PAIR_X25519;
	if (o->curve == 0x43)
		return 0x71;
	return o->type;
}

static size_t sw(uint8_t *rsp, size_t n, uint16_t status)
{
	rsp[n++] = (uint8_t)(status >> 8);
	rsp[n++] = (uint8_t)status;
	return n;
}

static size_t tlv(uint8_t *rsp, size_t n, uint8_t tag, const uint8_t *val, size_t len)
{
	rsp[n++] = tag;
	if (len > 0xFF) {
		rsp[n++] = 0x82;
		rsp[n++] = (uint8_t)(len >> 8);
	} else if (len > 0x7F) {
		rsp[n++] = 0x81;
	}
	rsp[n++] = (uint8_t)len;
	if (len)
		memcpy(rsp + n, val, len);
	return n + len;
}

/* Without a policy the applet's default (everything allowed) applies. */
static bool allowed(const struct emu_object *o, uint32_t rule)
{
	return !o->has_policy || (o->rules & rule);
}

struct args {
	struct se05x_tlv t[SE05X_MAX_TLVS];
	unsigned n;
};

static const struct se05x_tlv *arg(const struct args *a, uint8_t tag, size_t len)
{
	for (unsigned i = 0; i < a->n; i++)
		if (a->t[i].tag == tag)
			return (len == 0 || a->t[i].len == len) ? &a->t[i] : NULL;
	return NULL;
}

/* Persists a change; a store that cannot be written is the chip's memory failure. */
static uint16_t commit(struct emu_applet *a)
{
	return emu_store_save(a->store) == 0 ? SE05X_SW_OK : SE05X_SW_MEMORY_FAILURE;
}

/* WriteECKey: generates a key pair (no key values) or imports one (TAG_3 private, TAG_4 public,
 * both big-endian). */
static size_t cmd_write_ec_key(struct emu_applet *a, const struct args *args, uint8_t *rsp)
{
	const struct se05x_tlv *id_t = arg(args, SE05X_TAG_1, 4);
	const struct se05x_tlv *curve_t = arg(args, SE05X_TAG_2, 1);
	const struct se05x_tlv *policy_t = arg(args, SE05X_TAG_POLICY, 0);
	const struct se05x_tlv *priv_t = arg(args, SE05X_TAG_3, 0);
	const struct se05x_tlv *pub_t = arg(args, SE05X_TAG_4, 0);
	if (!id_t || (pub_t && !priv_t))
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	if (priv_t && (priv_t->len != 32 || (pub_t && pub_t->len != 32)))
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	uint32_t id = load_be32(id_t->val);
	bool has_policy = false;
	uint32_t rules = 0;
	if (policy_t) {
		/* Entries: len(1)=8 | auth object id(4) | rules(4); only auth object 0 is emulated.
		 */
		if (policy_t->len == 0 || policy_t->len % 9)
			return sw(rsp, 0, SE05X_SW_WRONG_DATA);
		for (size_t off = 0; off < policy_t->len; off += 9) {
			const uint8_t *e = policy_t->val + off;
			if (e[0] != 8)
				return sw(rsp, 0, SE05X_SW_WRONG_DATA);
			if (load_be32(e + 1) == 0)
				rules = load_be32(e + 5);
		}
		has_policy = true;
	}
	uint8_t priv[32], pub[32];
	if (priv_t) {
		reverse_bytes(priv, priv_t->val, 32);
		if (x25519_public_key(pub, priv) != 0)
			return sw(rsp, 0, SE05X_SW_WRONG_DATA);
		uint8_t given[32];
		if (pub_t) {
			reverse_bytes(given, pub_t->val, 32);
			if (memcmp(given, pub, 32) != 0) {
				secure_wipe(priv, sizeof(priv));
				return sw(rsp, 0, SE05X_SW_WRONG_DATA);
			}
		}
	} else if (x25519_generate(priv, pub) != 0) {
		return sw(rsp, 0, SE05X_SW_CONDITIONS);
	}

	uint16_t status = SE05X_SW_OK;
	struct emu_object *o = emu_store_find(a->store, id);
	bool added = false;
	if (o) {
		/* Writing over a key destroys the old one: the object's policy must allow it. */
		if (!allowed(o, SE05X_POLICY_ALLOW_GEN))
			status = SE05X_SW_NOT_ALLOWED;
		else if (o->curve != SE05X_CURVE_MONT_DH_25519)
			status = SE05X_SW_CONDITIONS;
	} else if (!curve_t || curve_t->val[0] != SE05X_CURVE_MONT_DH_25519 || id == 0 ||
	           id > SE050_ID_MAX) {
		status = SE05X_SW_WRONG_DATA;
	} else if (applet_7x(a) && !emu_store_has_curve(a->store, SE05X_CURVE_MONT_DH_25519)) {
		status = SE05X_SW_CONDITIONS; /* 7.x: CreateECCurve first */
	} else if (a->store->n >= a->max_objects || !(o = emu_store_add(a->store, id))) {
		status = SE05X_SW_NVM_FULL;
	} else {
		added = true;
		o->type = SE05X_TYPE_EC_KEY_PAIR;
		o->curve = SE05X_CURVE_MONT_DH_25519;
		o->has_policy = has_policy;
		o->rules = rules;
	}
	if (status == SE05X_SW_OK) {
		memcpy(o->priv, priv, 32);
		memcpy(o->pub, pub, 32);
		a->store->nvm_writes++;
		status = commit(a);
		if (status != SE05X_SW_OK && added)
			emu_store_remove(a->store, id);
	}
	secure_wipe(priv, sizeof(priv));
	return sw(rsp, 0, status);
}

static size_t cmd_create_curve(struct emu_applet *a, const struct args *args, uint8_t *rsp)
{
	const struct se05x_tlv *curve_t = arg(args, SE05X_TAG_1, 1);
	if (!curve_t)
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	if (!applet_7x(a))
		return sw(rsp, 0, SE05X_SW_CONDITIONS); /* 3.x: X25519 is built in */
	if (emu_store_has_curve(a->store, curve_t->val[0]))
		return sw(rsp, 0, SE05X_SW_EXISTS);
	emu_store_add_curve(a->store, curve_t->val[0]);
	a->store->nvm_writes++;
	return sw(rsp, 0, commit(a));
}

/* Counts an ECDH whose peer key was seen recently: a request that ran twice. */
static void note_peer(struct emu_applet *a, const uint8_t *peer)
{
	unsigned n = a->recent_n < EMU_RECENT_PEERS ? a->recent_n : EMU_RECENT_PEERS;
	for (unsigned i = 0; i < n; i++) {
		if (memcmp(a->recent[i], peer, 32) == 0) {
			a->ecdh_repeats++;
			break;
		}
	}
	memcpy(a->recent[a->recent_n % EMU_RECENT_PEERS], peer, 32);
	a->recent_n++;
}

static size_t cmd_ecdh(struct emu_applet *a, const struct args *args, uint8_t *rsp)
{
	const struct se05x_tlv *id_t = arg(args, SE05X_TAG_1, 4);
	const struct se05x_tlv *peer_t = arg(args, SE05X_TAG_2, SE05X_X25519_LEN);
	if (!id_t || !peer_t)
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	struct emu_object *o = emu_store_find(a->store, load_be32(id_t->val));
	if (!o)
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	if (!allowed(o, SE05X_POLICY_ALLOW_KA))
		return sw(rsp, 0, SE05X_SW_NOT_ALLOWED);
	if (o->curve != SE05X_CURVE_MONT_DH_25519)
		return sw(rsp, 0, SE05X_SW_CONDITIONS);
	uint8_t peer[32], shared[32], be[32];
	reverse_bytes(peer, peer_t->val, 32);
	/* A real chip is not known to refuse low-order points: answer the all-zero value and let
	 * the host reject it, which is what the host must be tested for. */
	if (x25519(shared, o->priv, peer) != 0)
		memset(shared, 0, sizeof(shared));
	reverse_bytes(be, shared, 32);
	a->store->nvm_writes++; /* ECDH on Montgomery curves writes NVM on the SE050 */
	a->ecdh_count++;
	note_peer(a, peer_t->val);
	size_t n = tlv(rsp, 0, SE05X_TAG_1, be, sizeof(be));
	secure_wipe(shared, sizeof(shared));
	secure_wipe(be, sizeof(be));
	return sw(rsp, n, SE05X_SW_OK);
}

static size_t cmd_list(struct emu_applet *a, const struct args *args, uint8_t *rsp)
{
	const struct se05x_tlv *off_t = arg(args, SE05X_TAG_1, 2);
	const struct se05x_tlv *filter_t = arg(args, SE05X_TAG_2, 1);
	if (!off_t || !filter_t)
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	size_t off = (size_t)off_t->val[0] << 8 | off_t->val[1];
	uint8_t filter = filter_t->val[0];
	uint8_t ids[EMU_LIST_PAGE * 4];
	size_t count = 0, seen = 0;
	bool more = false;
	for (size_t i = 0; i < a->store->n; i++) {
		const struct emu_object *o = &a->store->obj[i];
		if (filter != 0xFF && emu_applet_type(a, o) != filter)
			continue;
		if (seen++ < off)
			continue;
		if (count == EMU_LIST_PAGE) {
			more = true;
			break;
		}
		store_be32(ids + 4 * count, o->id);
		count++;
	}
	uint8_t m = more ? SE05X_MORE_YES : SE05X_MORE_NO;
	size_t n = tlv(rsp, 0, SE05X_TAG_1, &m, 1);
	n = tlv(rsp, n, SE05X_TAG_2, ids, count * 4); /* present even when empty: 42 00 */
	return sw(rsp, n, SE05X_SW_OK);
}

static size_t version_bytes(const struct emu_applet *a, uint8_t *out)
{
	uint8_t v[7] = {a->version[0],      a->version[1], a->version[2], (uint8_t)(a->config >> 8),
	                (uint8_t)a->config, 0x01,          0x0B};
	memcpy(out, v, sizeof(v));
	return sizeof(v);
}

static size_t cmd_mgmt(struct emu_applet *a, const struct se05x_cmd *c, const struct args *args,
                       uint8_t *rsp)
{
	if (c->p2 == SE05X_P2_VERSION) {
		uint8_t v[7];
		return sw(rsp, tlv(rsp, 0, SE05X_TAG_1, v, version_bytes(a, v)), SE05X_SW_OK);
	}
	if (c->p2 == SE05X_P2_MEMORY) {
		const struct se05x_tlv *type_t = arg(args, SE05X_TAG_1, 1);
		if (!type_t || type_t->val[0] < 1 || type_t->val[0] > 3)
			return sw(rsp, 0, SE05X_SW_WRONG_DATA);
		size_t room = a->max_objects > a->store->n ? a->max_objects - a->store->n : 0;
		size_t bytes = type_t->val[0] == SE05X_MEMORY_PERSISTENT
		                       ? room * EMU_OBJECT_NVM_BYTES
		                       : EMU_TRANSIENT_FREE;
		if (bytes > EMU_FREE_MEMORY_MAX)
			bytes = EMU_FREE_MEMORY_MAX;
		uint8_t v[2] = {(uint8_t)(bytes >> 8), (uint8_t)bytes};
		return sw(rsp, tlv(rsp, 0, SE05X_TAG_1, v, 2), SE05X_SW_OK);
	}
	return sw(rsp, 0, SE05X_SW_INS_UNKNOWN);
}

static size_t cmd_object(struct emu_applet *a, const struct se05x_cmd *c, const struct args *args,
                         uint8_t *rsp)
{
	const struct se05x_tlv *id_t = arg(args, SE05X_TAG_1, 4);
	if (!id_t)
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	uint32_t id = load_be32(id_t->val);
	struct emu_object *o = emu_store_find(a->store, id);
	if (c->ins == SE05X_INS_MGMT && c->p2 == SE05X_P2_EXIST) {
		uint8_t v = o ? SE05X_RESULT_SUCCESS : SE05X_RESULT_FAILURE;
		return sw(rsp, tlv(rsp, 0, SE05X_TAG_1, &v, 1), SE05X_SW_OK);
	}
	if (!o)
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	if (c->ins == SE05X_INS_MGMT && c->p2 == SE05X_P2_DELETE_OBJECT) {
		if (!allowed(o, SE05X_POLICY_ALLOW_DELETE))
			return sw(rsp, 0, SE05X_SW_NOT_ALLOWED);
		struct emu_object keep = *o;
		emu_store_remove(a->store, id);
		a->store->nvm_writes++;
		uint16_t status = commit(a);
		if (status != SE05X_SW_OK) {
			struct emu_object *back = emu_store_add(a->store, id);
			if (back)
				*back = keep;
		}
		secure_wipe(&keep, sizeof(keep));
		return sw(rsp, 0, status);
	}
	if (c->ins == SE05X_INS_READ && c->p1 == SE05X_P1_DEFAULT && c->p2 == SE05X_P2_TYPE) {
		uint8_t transient = 0, type = emu_applet_type(a, o);
		size_t n = tlv(rsp, 0, SE05X_TAG_1, &type, 1);
		n = tlv(rsp, n, SE05X_TAG_2, &transient, 1);
		return sw(rsp, n, SE05X_SW_OK);
	}
	if (c->ins == SE05X_INS_READ && c->p1 == SE05X_P1_CURVE && c->p2 == SE05X_P2_ID)
		return sw(rsp, tlv(rsp, 0, SE05X_TAG_1, &o->curve, 1), SE05X_SW_OK);
	if (c->ins == SE05X_INS_READ && c->p1 == SE05X_P1_DEFAULT && c->p2 == SE05X_P2_DEFAULT) {
		/* ReadObject on a key pair gives the public key only. */
		if (!allowed(o, SE05X_POLICY_ALLOW_READ))
			return sw(rsp, 0, SE05X_SW_NOT_ALLOWED);
		uint8_t be[32];
		if (o->curve == SE05X_CURVE_MONT_DH_25519)
			reverse_bytes(be, o->pub, 32);
		else
			memcpy(be, o->pub, sizeof(be));
		return sw(rsp, tlv(rsp, 0, SE05X_TAG_1, be, sizeof(be)), SE05X_SW_OK);
	}
	return sw(rsp, 0, SE05X_SW_INS_UNKNOWN);
}

static size_t process(struct emu_applet *a, const uint8_t *cmd, size_t n, uint8_t *rsp,
                      unsigned *latency_ms)
{
	struct se05x_cmd c;
	struct args args;
	if (se05x_cmd_parse(&c, cmd, n) != 0)
		return sw(rsp, 0, SE05X_SW_WRONG_LENGTH);
	if (c.cla == 0x00 && c.ins == 0xA4) {
		if (c.p1 != 0x04 || c.p2 != 0x00 || c.lc != sizeof(se05x_applet_aid) ||
		    memcmp(c.data, se05x_applet_aid, c.lc) != 0) {
			a->selected = false;
			return sw(rsp, 0, 0x6A82); /* file (applet) not found */
		}
		a->selected = true;
		return sw(rsp, version_bytes(a, rsp), SE05X_SW_OK);
	}
	/* Without the applet selected the card manager answers, and it knows no CLA 0x80. */
	if (!a->selected || c.cla != SE05X_CLA)
		return sw(rsp, 0, SE05X_SW_CLA_UNKNOWN);
	if (se05x_tlv_split(c.data, c.lc, args.t, SE05X_MAX_TLVS, &args.n) != 0)
		return sw(rsp, 0, SE05X_SW_WRONG_DATA);
	switch (c.ins & ~SE05X_INS_TRANSIENT) {
	case SE05X_INS_WRITE:
		if (c.ins & SE05X_INS_TRANSIENT)
			return sw(rsp, 0, SE05X_SW_CONDITIONS);
		if (c.p1 == SE05X_P1_CURVE && c.p2 == SE05X_P2_CREATE)
			return cmd_create_curve(a, &args, rsp);
		if (c.p1 != (SE05X_P1_KEY_PAIR | SE05X_P1_EC))
			return sw(rsp, 0, SE05X_SW_CONDITIONS);
		*latency_ms += a->latency.generate_ms;
		return cmd_write_ec_key(a, &args, rsp);
	case SE05X_INS_CRYPTO:
		if (c.p1 != SE05X_P1_EC || c.p2 != SE05X_P2_DH)
			return sw(rsp, 0, SE05X_SW_INS_UNKNOWN);
		*latency_ms += a->latency.ecdh_ms;
		return cmd_ecdh(a, &args, rsp);
	case SE05X_INS_READ:
		if (c.p1 == SE05X_P1_DEFAULT && c.p2 == SE05X_P2_LIST)
			return cmd_list(a, &args, rsp);
		return cmd_object(a, &c, &args, rsp);
	case SE05X_INS_MGMT:
		if (c.p2 == SE05X_P2_VERSION || c.p2 == SE05X_P2_MEMORY)
			return cmd_mgmt(a, &c, &args, rsp);
		return cmd_object(a, &c, &args, rsp);
	default:
		return sw(rsp, 0, SE05X_SW_INS_UNKNOWN);
	}
}

size_t emu_applet_process(struct emu_applet *a, const uint8_t *cmd, size_t n, uint8_t *rsp,
                          unsigned *latency_ms)
{
	*latency_ms = a->latency.base_ms;
	return process(a, cmd, n, rsp, latency_ms);
}
