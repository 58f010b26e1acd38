/* hwguard's UAPI extension for key management through a running daemon, so that `hwguard-key
 * genkey/pubkey/list/delete --via IFNAME` reach an SE050 while the daemon owns it (only one
 * process can hold the chip). Served on the interface's control socket beside get and set:
 *
 *   hwguard_key=1
 *   op=genkey|pubkey|list|delete
 *   object_id=N        genkey, pubkey, delete: decimal
 *   force=true         genkey only: replace an existing object
 *   (empty line)
 *
 * The reply, like set's, is key=value lines, then errno=N (0, or a negative errno) and an empty
 * line:
 *   genkey, pubkey   public_key=HEX
 *   list             per object: object_id=N, then object_type=N and object_curve=N, then
 *                    public_key=HEX for an X25519 key pair; object_error=-N (negative errno) when
 *                    it could not be read
 *   delete           nothing
 * Stock wg never sends it; wireguard-go closes the connection on an unknown operation. Pure. */
#ifndef HWG_DAEMON_UAPI_KEYOPS_H
#define HWG_DAEMON_UAPI_KEYOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/strbuf.h"

enum uapi_key_op_kind {
	UAPI_KEY_GENKEY,
	UAPI_KEY_PUBKEY,
	UAPI_KEY_LIST,
	UAPI_KEY_DELETE,
};

struct uapi_key_op {
	enum uapi_key_op_kind kind;
	uint32_t object_id; /* non-zero for genkey, pubkey, delete; 0 for list */
	bool force;
};

/* Parses the body (the lines after "hwguard_key=1\n"). Returns 0, -EPROTO (a line without '='),
 * or -EINVAL (unknown key, bad value, a key repeated, op missing, object_id missing or given to
 * list, force given to anything but genkey); on failure *bad_line (optional; 0 when the request
 * as a whole is wrong) and *why say what. */
int uapi_parse_key_op(const char *body, size_t len, struct uapi_key_op *op, size_t *bad_line,
                      const char **why);

/* Appends the request for op (including the closing empty line): what hwguard-key sends. */
void uapi_format_key_op(struct strbuf *sb, const struct uapi_key_op *op);

#endif
