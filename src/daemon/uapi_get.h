/* Builds the full `get=1` reply from the core's state. */
#ifndef HWG_DAEMON_UAPI_GET_H
#define HWG_DAEMON_UAPI_GET_H

#include <stdint.h>

#include "daemon/strbuf.h"
#include "daemon/uapi_counters.h"
#include "wg/wg.h"

/* daemon_counters (optional) carries the daemon's own counters; the core's and the key
 * provider's are read here and printed with them (uapi_format_counters). */
void uapi_get(struct strbuf *sb, struct wg_device *dev, uint16_t listen_port, uint32_t fwmark,
              const struct uapi_counters_view *daemon_counters);

#endif
