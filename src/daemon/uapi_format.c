#include "daemon/uapi_format.h"

#include <inttypes.h>

#include "daemon/text.h"

void uapi_format_device(struct strbuf *sb, const struct uapi_device_view *dev)
{
	if (dev->key) {
		strbuf_append(sb, "private_key=", 12);
		text_format_key(sb, dev->key->config_key);
		strbuf_append(sb, "\n", 1);
	}
	if (dev->listen_port)
		strbuf_printf(sb, "listen_port=%u\n", dev->listen_port);
	if (dev->fwmark)
		strbuf_printf(sb, "fwmark=%" PRIu32 "\n", dev->fwmark);
	if (dev->key) {
		strbuf_append(sb, "hwguard_public_key=", 19);
		text_format_key(sb, dev->key->public_key);
		strbuf_printf(sb, "\nhwguard_key_provider=%s\n", dev->key->ops->name);
	}
}

void uapi_format_peer(struct strbuf *sb, const struct wg_peer_info *peer)
{
	strbuf_append(sb, "public_key=", 11);
	text_format_key(sb, peer->public_key);
	strbuf_append(sb, "\npreshared_key=", 15);
	text_format_key(sb, peer->preshared_key);
	strbuf_append(sb, "\nprotocol_version=1\n", 20);
	if (peer->has_endpoint) {
		strbuf_append(sb, "endpoint=", 9);
		text_format_endpoint(sb, &peer->endpoint);
		strbuf_append(sb, "\n", 1);
	}
	strbuf_printf(sb,
	              "last_handshake_time_sec=%" PRIu64 "\nlast_handshake_time_nsec=%" PRIu32
	              "\ntx_bytes=%" PRIu64 "\nrx_bytes=%" PRIu64
	              "\npersistent_keepalive_interval=%u\n",
	              peer->last_handshake_sec, peer->last_handshake_nsec, peer->tx_bytes,
	              peer->rx_bytes, peer->persistent_keepalive);
}

void uapi_format_allowed_ip(struct strbuf *sb, int family, const uint8_t *addr, uint8_t cidr)
{
	strbuf_append(sb, "allowed_ip=", 11);
	text_format_prefix(sb, family, addr, cidr);
	strbuf_append(sb, "\n", 1);
}

void uapi_format_errno(struct strbuf *sb, int err)
{
	strbuf_printf(sb, "errno=%d\n\n", err);
}
