/* SE05x applet APDUs: the encoders for the commands hwguard sends and the strict, bounded parsers
 * of what comes back (TLVs then SW1 SW2), plus the command-side parser the emulator uses. Object
 * ids go on the wire as 4 bytes big-endian; X25519 values in the chip's big-endian order (the
 * caller reverses them, see se050.c). Pure: buffers in, buffers out. */
#ifndef HWG_SE050_APDU_H
#define HWG_SE050_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SE05X_MAX_APDU   900 /* SE050 accepts 892 bytes of command payload */
#define SE05X_MAX_RSP    900
#define SE05X_X25519_LEN 32

/* Status words. */
#define SE05X_SW_OK              0x9000
#define SE05X_SW_WRONG_LENGTH    0x6700
#define SE05X_SW_SECURITY_STATUS 0x6982
#define SE05X_SW_CONDITIONS      0x6985
#define SE05X_SW_NOT_ALLOWED     0x6986
#define SE05X_SW_DATA_INVALID    0x6984
#define SE05X_SW_WRONG_DATA      0x6A80
#define SE05X_SW_INS_UNKNOWN     0x6D00
#define SE05X_SW_CLA_UNKNOWN     0x6E00
#define SE05X_SW_NVM_FULL        0x6A84 /* not enough memory space */
#define SE05X_SW_EXISTS          0x6A89 /* the object (here: a curve) already exists */
#define SE05X_SW_MEMORY_FAILURE  0x6581

/* Applet constants. */
#define SE05X_CLA                 0x80
#define SE05X_INS_WRITE           0x01
#define SE05X_INS_READ            0x02
#define SE05X_INS_CRYPTO          0x03
#define SE05X_INS_MGMT            0x04
#define SE05X_INS_TRANSIENT       0x80
#define SE05X_P1_DEFAULT          0x00
#define SE05X_P1_EC               0x01
#define SE05X_P1_KEY_PAIR         0x60
#define SE05X_P2_DEFAULT          0x00
#define SE05X_P2_DH               0x0F
#define SE05X_P2_LIST             0x25
#define SE05X_P2_TYPE             0x26
#define SE05X_P2_EXIST            0x27
#define SE05X_P2_DELETE_OBJECT    0x28
#define SE05X_P2_ID               0x36
#define SE05X_P2_CREATE           0x04
#define SE05X_P2_VERSION          0x20
#define SE05X_P2_MEMORY           0x22
#define SE05X_P1_CURVE            0x0B
#define SE05X_TAG_POLICY          0x11
#define SE05X_TAG_1               0x41
#define SE05X_TAG_2               0x42
#define SE05X_TAG_3               0x43
#define SE05X_TAG_4               0x44
#define SE05X_CURVE_MONT_DH_25519 0x41
#define SE05X_TYPE_EC_KEY_PAIR    0x01
/* Applet 7.x reports a type per curve (se05x_enums.h SE05x_SecObjTyp_t,
 * SSS_HAVE_SE05X_VER_GTE_07_02): key pairs are 0x21 + 4k, up to 0x71 (MONT_DH_448); X25519 is 0x69.
 */
#define SE05X_TYPE_EC_KEY_PAIR_X25519 0x69
#define SE05X_MEMORY_PERSISTENT       0x01
#define SE05X_RESULT_SUCCESS          0x01
#define SE05X_RESULT_FAILURE          0x02
#define SE05X_MORE_NO                 0x01
#define SE05X_MORE_YES                0x02
#define SE05X_CONFIG_DH_MONT          0x0008

/* Object policy access rules (one policy entry per auth object). */
#define SE05X_POLICY_ALLOW_KA     0x04000000u
#define SE05X_POLICY_ALLOW_READ   0x00200000u
#define SE05X_POLICY_ALLOW_GEN    0x00080000u
#define SE05X_POLICY_ALLOW_DELETE 0x00040000u

extern const uint8_t se05x_applet_aid[16];

/* Applet version and configuration, from SELECT (plain bytes) or GetVersion (TAG_1): major minor
 * patch | config(2) [| secure box version(2)]. SE050 A/B/C/F run applet 3.x, SE050E and SE051 7.x.
 */
struct se05x_version {
	uint8_t major, minor, patch;
	uint16_t config;
	bool has_secure_box;
	uint16_t secure_box;
};

/* True for an EC key pair type of either applet generation. */
bool se05x_type_is_ec_key_pair(uint8_t type);
/* True when type (and, for applet 3.x's generic type, curve) name an X25519 key pair. */
bool se05x_is_x25519_key_pair(uint8_t type, uint8_t curve);

/* Encoders: each writes a complete command APDU into out (SE05X_MAX_APDU bytes) and returns its
 * length. */
size_t se05x_cmd_select(uint8_t *out);
/* WriteECKey without key values: the chip generates a persistent X25519 key pair. with_curve must
 * be false when the object already exists. policy_rules applies to every auth object (id 0). */
size_t se05x_cmd_generate_x25519(uint8_t *out, uint32_t id, uint32_t policy_rules, bool with_curve);
size_t se05x_cmd_read_object(uint8_t *out, uint32_t id);
size_t se05x_cmd_read_type(uint8_t *out, uint32_t id);
size_t se05x_cmd_curve_id(uint8_t *out, uint32_t id);
size_t se05x_cmd_exists(uint8_t *out, uint32_t id);
size_t se05x_cmd_delete(uint8_t *out, uint32_t id);
size_t se05x_cmd_list(uint8_t *out, uint16_t offset);
/* peer_be: the peer's public key already in the chip's (big-endian) order. */
size_t se05x_cmd_ecdh(uint8_t *out, uint32_t id, const uint8_t peer_be[SE05X_X25519_LEN]);
/* WriteECKey with the key values: imports an X25519 key pair (both values big-endian). */
size_t se05x_cmd_import_x25519(uint8_t *out, uint32_t id, uint32_t policy_rules, bool with_curve,
                               const uint8_t priv_be[SE05X_X25519_LEN],
                               const uint8_t pub_be[SE05X_X25519_LEN]);
/* CreateECCurve: applet 7.x wants the curve created before a key on it (3.x has it built in). */
size_t se05x_cmd_create_curve(uint8_t *out, uint8_t curve);
size_t se05x_cmd_get_version(uint8_t *out);
size_t se05x_cmd_free_memory(uint8_t *out, uint8_t memory_type);

/* A response split into its TLVs and status word. Pointers point into the parsed buffer. */
#define SE05X_MAX_TLVS 8
struct se05x_tlv {
	uint8_t tag;
	uint16_t len;
	const uint8_t *val;
};
struct se05x_rsp {
	uint16_t sw;
	unsigned n;
	struct se05x_tlv tlv[SE05X_MAX_TLVS];
};

/* Splits body into TLVs (1-byte tag; length 1 byte <= 0x7F, or 81 LL, or 82 HH LL). Each length
 * must fit, no tag may repeat, at most SE05X_MAX_TLVS. Returns 0 or -EBADMSG. */
int se05x_tlv_split(const uint8_t *body, size_t n, struct se05x_tlv *tlv, unsigned max,
                    unsigned *count);

/* Parses TLVs then SW1 SW2. Returns 0 (check rsp->sw) or -EBADMSG. On an SW other than 9000 the
 * body must be empty. */
int se05x_rsp_parse(struct se05x_rsp *rsp, const uint8_t *buf, size_t n);

/* Typed parsers: each returns 0 and its result, -EBADMSG for a malformed response, or the negative
 * errno that se05x_sw_errno gives for an error status word. */
int se05x_parse_select(const uint8_t *buf, size_t n, struct se05x_version *version);
int se05x_parse_version(const uint8_t *buf, size_t n, struct se05x_version *version);
/* Free memory: TAG_1 of 2 bytes (4 accepted), big-endian. */
int se05x_parse_free_memory(const uint8_t *buf, size_t n, uint32_t *bytes);
int se05x_parse_status(const uint8_t *buf, size_t n);
int se05x_parse_x25519(const uint8_t *buf, size_t n, uint8_t out_be[SE05X_X25519_LEN]);
int se05x_parse_u8(const uint8_t *buf, size_t n, uint8_t *value);
int se05x_parse_type(const uint8_t *buf, size_t n, uint8_t *type);
/* ids: cap entries; *count = ids in this page; *more = another page follows. */
int se05x_parse_list(const uint8_t *buf, size_t n, uint32_t *ids, size_t cap, size_t *count,
                     bool *more);

/* -EACCES (policy/security), -EINVAL (wrong data), -EPERM (conditions), -ENOTSUP (instruction or
 * class unknown: no applet selected), -ENOSPC (6A84: the chip's memory is full), -EEXIST (6A89),
 * -EREMOTEIO (a memory failure, 6581, or any other status: the chip refused). -EIO is kept for the
 * link, so an error from the chip is never reported as a bus error. */
int se05x_sw_errno(uint16_t sw);

/* Command side (emulator): a command APDU in short or extended form. */
struct se05x_cmd {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;
	bool has_le;
};
/* Parses one command APDU; every length must match exactly. 0 or -EBADMSG. */
int se05x_cmd_parse(struct se05x_cmd *cmd, const uint8_t *buf, size_t n);

#endif
