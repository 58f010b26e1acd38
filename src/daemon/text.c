#include "daemon/text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "crypto/codec.h"
#include "crypto/portable/secure.h"

int text_parse_key(const char *s, size_t len, uint8_t key[WG_KEY_LEN])
{
	uint8_t tmp[WG_KEY_LEN];
	/* decoded aside: a malformed key leaves the caller's untouched */
	int r = hex_decode(tmp, WG_KEY_LEN, s, len) == 0 ? 0 : -EINVAL;
	if (r == 0)
		memcpy(key, tmp, WG_KEY_LEN);
	secure_wipe(tmp, sizeof(tmp));
	return r;
}

void text_format_key(struct strbuf *sb, const uint8_t key[WG_KEY_LEN])
{
	char hex[TEXT_KEY_HEX_LEN + 1];
	hex_encode(hex, key, WG_KEY_LEN);
	strbuf_append(sb, hex, TEXT_KEY_HEX_LEN);
	secure_wipe(hex, sizeof(hex));
}

int text_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Copies an address token into a NUL-terminated buffer for inet_pton; rejects embedded NULs. */
static int copy_token(char *dst, size_t dst_size, const char *s, size_t len)
{
	if (len == 0 || len >= dst_size || memchr(s, '\0', len))
		return -EINVAL;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

static int parse_scope(const char *s, size_t len, uint32_t *scope)
{
	uint64_t v;
	char name[IF_NAMESIZE];
	if (text_parse_uint(s, len, UINT32_MAX, &v) == 0) {
		*scope = (uint32_t)v;
		return 0;
	}
	if (copy_token(name, sizeof(name), s, len) != 0)
		return -EINVAL;
	*scope = if_nametoindex(name);
	return *scope ? 0 : -EINVAL;
}

int text_parse_endpoint(const char *s, size_t len, struct wg_endpoint *out)
{
	char host[INET6_ADDRSTRLEN];
	uint64_t port;
	struct wg_endpoint ep;
	memset(&ep, 0, sizeof(ep));

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close || close + 1 >= s + len || close[1] != ':')
			return -EINVAL;
		const char *addr = s + 1;
		size_t addr_len = (size_t)(close - addr);
		const char *pct = memchr(addr, '%', addr_len);
		uint32_t scope = 0;
		if (pct) {
			if (parse_scope(pct + 1, (size_t)(close - pct - 1), &scope) != 0)
				return -EINVAL;
			addr_len = (size_t)(pct - addr);
		}
		if (copy_token(host, sizeof(host), addr, addr_len) != 0 ||
		    inet_pton(AF_INET6, host, &ep.addr.in6.sin6_addr) != 1)
			return -EINVAL;
		const char *p = close + 2;
		if (text_parse_uint(p, (size_t)(s + len - p), 65535, &port) != 0)
			return -EINVAL;
		if (IN6_IS_ADDR_V4MAPPED(&ep.addr.in6.sin6_addr) && !pct) {
			struct in_addr v4;
			memcpy(&v4, &ep.addr.in6.sin6_addr.s6_addr[12], 4);
			memset(&ep.addr, 0, sizeof(ep.addr));
			ep.addr.in4.sin_family = AF_INET;
			ep.addr.in4.sin_addr = v4;
			ep.addr.in4.sin_port = htons((uint16_t)port);
		} else {
			ep.addr.in6.sin6_family = AF_INET6;
			ep.addr.in6.sin6_port = htons((uint16_t)port);
			ep.addr.in6.sin6_scope_id = scope;
		}
		*out = ep;
		return 0;
	}

	const char *colon = NULL;
	for (size_t i = len; i > 0; i--) {
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	}
	if (!colon || copy_token(host, sizeof(host), s, (size_t)(colon - s)) != 0 ||
	    inet_pton(AF_INET, host, &ep.addr.in4.sin_addr) != 1)
		return -EINVAL;
	if (text_parse_uint(colon + 1, (size_t)(s + len - colon - 1), 65535, &port) != 0)
		return -EINVAL;
	ep.addr.in4.sin_family = AF_INET;
	ep.addr.in4.sin_port = htons((uint16_t)port);
	*out = ep;
	return 0;
}

void text_format_endpoint(struct strbuf *sb, const struct wg_endpoint *ep)
{
	char host[INET6_ADDRSTRLEN];
	if (ep->addr.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->addr.in4.sin_addr, host, sizeof(host));
		strbuf_printf(sb, "%s:%u", host, ntohs(ep->addr.in4.sin_port));
	} else if (ep->addr.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &ep->addr.in6.sin6_addr, host, sizeof(host));
		if (ep->addr.in6.sin6_scope_id)
			strbuf_printf(sb, "[%s%%%u]:%u", host, ep->addr.in6.sin6_scope_id,
			              ntohs(ep->addr.in6.sin6_port));
		else
			strbuf_printf(sb, "[%s]:%u", host, ntohs(ep->addr.in6.sin6_port));
	}
}

/* Clears the bits of addr beyond cidr. */
static void text_mask_prefix(int family, uint8_t *addr, uint8_t cidr)
{
	unsigned bytes = family == AF_INET ? 4 : 16;
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = cidr > 8 * i ? cidr - 8 * i : 0;
		if (keep >= 8)
			continue;
		addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int text_parse_prefix(const char *s, size_t len, struct text_prefix *out)
{
	char host[INET6_ADDRSTRLEN];
	uint64_t cidr;
	struct text_prefix p;
	memset(&p, 0, sizeof(p));
	const char *slash = memchr(s, '/', len);
	if (!slash || copy_token(host, sizeof(host), s, (size_t)(slash - s)) != 0)
		return -EINVAL;
	if (inet_pton(AF_INET, host, p.addr) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, host, p.addr) == 1)
		p.family = AF_INET6;
	else
		return -EINVAL;
	if (text_parse_uint(slash + 1, (size_t)(s + len - slash - 1),
	                    p.family == AF_INET ? 32 : 128, &cidr) != 0)
		return -EINVAL;
	p.cidr = (uint8_t)cidr;
	text_mask_prefix(p.family, p.addr, p.cidr);
	*out = p;
	return 0;
}

void text_format_prefix(struct strbuf *sb, int family, const uint8_t *addr, uint8_t cidr)
{
	char host[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, addr, host, sizeof(host)))
		return;
	strbuf_printf(sb, "%s/%u", host, cidr);
}
