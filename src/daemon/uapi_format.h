/* The text of a UAPI `get=1` reply, in wireguard-go's order and format (wireguard-reference.md
 * §2.3): device keys, then for each peer public_key, preshared_key, protocol_version, endpoint,
 * last_handshake_time_sec/nsec, tx_bytes, rx_bytes, persistent_keepalive_interval, allowed_ip...
 * Pure: the caller gathers the values from the core. */
#ifndef HWG_DAEMON_UAPI_FORMAT_H
#define HWG_DAEMON_UAPI_FORMAT_H

#include <stdint.h>

#include "daemon/strbuf.h"
#include "keys/provider.h"
#include "wg/wg.h"

struct uapi_device_view {
	const struct key_provider *key; /* NULL when the interface has no key */
	uint16_t listen_port;
	uint32_t fwmark;
};

/* private_key (the provider's config_key: the clamped private key of a software key, the object
 * handle of a hardware key), listen_port and fwmark, each omitted when zero; then the extension
 * lines hwguard_public_key and hwguard_key_provider, which `wg` ignores. */
void uapi_format_device(struct strbuf *sb, const struct uapi_device_view *dev);
/* A peer's lines up to persistent_keepalive_interval; its allowed_ip lines follow. */
void uapi_format_peer(struct strbuf *sb, const struct wg_peer_info *peer);
void uapi_format_allowed_ip(struct strbuf *sb, int family, const uint8_t *addr, uint8_t cidr);
/* The closing "errno=N" line and the empty line. N is 0 or a negative errno. */
void uapi_format_errno(struct strbuf *sb, int err);

#endif
