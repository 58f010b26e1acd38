#include "daemon/uapi_get.h"

#include <string.h>

#include "crypto/portable/secure.h"
#include "daemon/uapi_format.h"

struct get_ctx {
	struct strbuf *sb;
	struct wg_device *dev;
};

static int format_allowed_ip(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	uapi_format_allowed_ip(ctx, family, addr, cidr);
	return 0;
}

static int format_peer(void *ctx, struct wg_peer *peer)
{
	struct get_ctx *g = ctx;
	struct wg_peer_info info;
	wg_peer_info(peer, &info);
	uapi_format_peer(g->sb, &info);
	secure_wipe(&info, sizeof(info)); /* holds the preshared key */
	wg_peer_foreach_allowed_ip(g->dev, peer, format_allowed_ip, g->sb);
	return 0;
}

static void format_counters(struct strbuf *sb, struct wg_device *dev,
                            const struct uapi_counters_view *daemon_counters)
{
	struct uapi_counters_view c;
	memset(&c, 0, sizeof(c));
	if (daemon_counters)
		c = *daemon_counters;
	wg_device_stats(dev, &c.core);
	struct key_provider *key = wg_device_key(dev);
	c.has_key = key != NULL;
	if (key)
		key_provider_stats_read(key, &c.key);
	uapi_format_counters(sb, &c);
}

void uapi_get(struct strbuf *sb, struct wg_device *dev, uint16_t listen_port, uint32_t fwmark,
              const struct uapi_counters_view *daemon_counters)
{
	struct uapi_device_view view = {
	        .key = wg_device_key(dev),
	        .listen_port = listen_port,
	        .fwmark = fwmark,
	};
	struct get_ctx g = {sb, dev};
	uapi_format_device(sb, &view);
	format_counters(sb, dev, daemon_counters);
	wg_device_foreach_peer(dev, format_peer, &g);
	uapi_format_errno(sb, 0);
}
