/* The outgoing side (kernel send.c): handshake messages, keepalives, staged packets, encryption. */
#ifndef HWG_WG_SEND_H
#define HWG_WG_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wg_device;
struct wg_peer;

/* Whether anything can go to peer: a private key and an endpoint. When not, counts the missing
 * one as the drop reason. */
bool send_possible(struct wg_device *dev, const struct wg_peer *peer);
/* Starts a handshake unless one was sent in the last REKEY_TIMEOUT. is_retry keeps the attempt
 * count (retransmission); anything else resets it. */
void send_handshake_initiation(struct wg_device *dev, struct wg_peer *peer, bool is_retry);
/* Builds and sends the initiation now (the peer's static-static value is known). */
bool send_initiation_now(struct wg_device *dev, struct wg_peer *peer);
/* Answers a consumed initiation and derives the (unconfirmed) session. */
void send_handshake_response(struct wg_device *dev, struct wg_peer *peer);
/* Sends the staged packets if a keypair allows, otherwise starts a handshake. */
void send_staged_packets(struct wg_device *dev, struct wg_peer *peer);
/* Sends an empty data packet, unless staged packets will go anyway. */
void send_keepalive(struct wg_device *dev, struct wg_peer *peer);
/* Sends one IP packet from the TUN side: at once when a keypair allows and nothing is staged,
 * otherwise staged behind the others. */
void send_packet(struct wg_device *dev, struct wg_peer *peer, const uint8_t *packet, size_t len);

#endif
