/* The textual forms UAPI uses for keys, numbers, endpoints and prefixes, parsed as strictly as
 * wireguard-go does (Go's hex, strconv.ParseUint and netip parsers). Every parser takes an explicit
 * length (values are not NUL-terminated inside a request) and returns 0 or -EINVAL. Pure. */
#ifndef HWG_DAEMON_TEXT_H
#define HWG_DAEMON_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/strbuf.h"
#include "wg/wg.h"

#define TEXT_KEY_HEX_LEN (2 * WG_KEY_LEN)

/* An address prefix; addr holds 4 (AF_INET) or 16 (AF_INET6) bytes, masked to cidr bits. */
struct text_prefix {
	int family;
	uint8_t addr[16];
	uint8_t cidr;
};

/* 64 hex digits, either case. */
int text_parse_key(const char *s, size_t len, uint8_t key[WG_KEY_LEN]);
/* Lowercase hex, as wireguard-go prints keys. */
void text_format_key(struct strbuf *sb, const uint8_t key[WG_KEY_LEN]);

/* Decimal digits only, no sign, no spaces, value <= max. */
int text_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

/* "a.b.c.d:port" or "[v6]:port" ("[v6%scope]:port" with a numeric scope or an interface name). An
 * IPv4-mapped IPv6 address is stored as plain IPv4, which is how the daemon keeps every endpoint.
 */
int text_parse_endpoint(const char *s, size_t len, struct wg_endpoint *out);
void text_format_endpoint(struct strbuf *sb, const struct wg_endpoint *ep);

/* "addr/cidr"; the host bits are cleared, so 10.1.2.3/8 becomes 10.0.0.0/8. */
int text_parse_prefix(const char *s, size_t len, struct text_prefix *out);
void text_format_prefix(struct strbuf *sb, int family, const uint8_t *addr, uint8_t cidr);

#endif
