/* Builds the full `get=1` reply from the core's state. */
#ifndef HWG_DAEMON_UAPI_GET_H
#define HWG_DAEMON_UAPI_GET_H

#include <stdint.h>

#include "daemon/strbuf.h"
#include "wg/wg.h"

void uapi_get(struct strbuf *sb, struct wg_device *dev, uint16_t listen_port, uint32_t fwmark);

#endif
