/* A parsed UAPI `set=1` request: the ordered list of operations it asks for. Parsing validates
 * every line before anything is applied, so a bad request changes nothing (wireguard-go applies
 * lines as it reads them and may leave half a configuration behind; a stricter order is
 * compatible). Pure. */
#ifndef HWG_DAEMON_UAPI_SET_H
#define HWG_DAEMON_UAPI_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/text.h"
#include "wg/wg.h"

enum uapi_op_kind {
	/* device section (before the first public_key) */
	UAPI_OP_PRIVATE_KEY,   /* key; all zeros removes the key */
	UAPI_OP_LISTEN_PORT,   /* num: 0..65535, 0 = random */
	UAPI_OP_FWMARK,        /* num: 0 removes the mark */
	UAPI_OP_REPLACE_PEERS, /* remove every peer */
	/* peer section */
	UAPI_OP_PEER,                /* key: starts (selects or creates) a peer */
	UAPI_OP_UPDATE_ONLY,         /* do not create the current peer if it did not exist */
	UAPI_OP_REMOVE,              /* remove the current peer */
	UAPI_OP_PRESHARED_KEY,       /* key; zeros = none */
	UAPI_OP_ENDPOINT,            /* endpoint */
	UAPI_OP_KEEPALIVE,           /* num: seconds, 0..65535 */
	UAPI_OP_REPLACE_ALLOWED_IPS, /* clear the current peer's prefixes */
	UAPI_OP_ALLOWED_IP_ADD,      /* prefix */
	UAPI_OP_ALLOWED_IP_REMOVE,   /* prefix ("allowed_ip=-CIDR") */
};

struct uapi_op {
	enum uapi_op_kind kind;
	union {
		uint8_t key[WG_KEY_LEN];
		uint64_t num;
		struct wg_endpoint endpoint;
		struct text_prefix prefix;
	} u;
};

struct uapi_set {
	struct uapi_op *ops;
	size_t n;
	size_t cap;
};

/* Parses the lines of a set request: `body` holds the lines after "set=1\n", each ending in '\n',
 * without the terminating empty line. Returns 0, -EPROTO for a line without '=', -EINVAL for an
 * unknown key or a bad value (wireguard-go's IpcErrorProtocol / IpcErrorInvalid), -ENOMEM. On
 * failure *bad_line (optional) gets the 1-based number of the offending line and *why a static
 * reason; out is left empty. */
int uapi_parse_set(const char *body, size_t len, struct uapi_set *out, size_t *bad_line,
                   const char **why);

/* The same, a slice at a time (the daemon parses a request of 100,000 peers between packet
 * batches). body must stay unchanged until the parse is over. */
struct uapi_parser {
	const char *body;
	size_t len;
	size_t pos;     /* the next line starts here */
	size_t line_no; /* lines parsed so far (on failure: the offending line, 1-based) */
	bool in_peer;
	struct uapi_set *out;
	const char *why; /* on failure: a static reason */
};

void uapi_parse_start(struct uapi_parser *p, const char *body, size_t len, struct uapi_set *out);
/* Parses up to max_lines more lines. Returns 1 while lines remain, 0 once the whole request is
 * parsed into out, or a negative errno as uapi_parse_set (out is then left empty). */
int uapi_parse_step(struct uapi_parser *p, size_t max_lines);

/* Wipes keys and frees the operations. */
void uapi_set_free(struct uapi_set *set);

#endif
