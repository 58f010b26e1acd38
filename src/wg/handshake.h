/* The handshake flows of the core (kernel receive.c/send.c handshake parts), written once for
 * both kinds of key provider: each step that needs the static key gets its value from
 * static_dh.c and goes on here, at once (a fast provider) or when the key worker's answer comes
 * back (a pending handshake: the initiation or response waits in the device's queue). */
#ifndef HWG_WG_HANDSHAKE_H
#define HWG_WG_HANDSHAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "wg/messages.h"
#include "wg/static_dh.h"
#include "wg/wg.h"

/* An initiation that passed the mac1/cookie gate. */
void handshake_initiation_received(struct wg_device *dev, const struct msg_initiation *msg,
                                   const struct wg_endpoint *from);
/* A response that passed the mac1/cookie gate. */
void handshake_response_received(struct wg_device *dev, const struct msg_response *msg,
                                 const struct wg_endpoint *from);
/* Sends an initiation to peer (rate limit, key and endpoint already checked), or, while the
 * peer's static-static value is unknown, asks for it and sends when it is there. Returns false
 * when nothing is under way (the provider failed inline, or the request was refused). */
bool handshake_initiate(struct wg_device *dev, struct wg_peer *peer);
/* Continues the handshake of request r with the static DH answer (err 0 with shared, or an
 * error). Called by static_dh.c. */
void handshake_resume(struct wg_device *dev, const struct sdh_request *r, int err,
                      const uint8_t shared[NOISE_KEY_LEN]);

#endif
