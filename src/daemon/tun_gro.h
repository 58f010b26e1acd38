/* Coalescing of decrypted TCP segments into one TUN write (the receive half of TUN offloads):
 * in-order segments of one flow with identical headers become a single 64 KiB super-packet written
 * with a virtio_net_hdr (GSO TCPV4/TCPV6, checksum left partial), so the kernel's TCP receive path
 * runs once per super-packet instead of once per segment (wireguard-reference.md §3.2, wireguard-go
 * tun/offload_linux.go tcpGRO). Anything else is written as it is, in order. Pure. */
#ifndef HWG_DAEMON_TUN_GRO_H
#define HWG_DAEMON_TUN_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/tun_offload.h"

#define TUN_GRO_MAX_SEGMENTS 64

/* Writes one TUN frame: a virtio_net_hdr followed by an IP packet (len bytes in all). */
typedef void (*tun_write_fn)(void *ctx, const uint8_t *frame, size_t len);

struct tun_gro {
	size_t len;     /* bytes of the pending IP packet (0: nothing pending) */
	unsigned segs;  /* segments merged into it */
	size_t ip_len;  /* IP header length */
	size_t tcp_len; /* TCP header length */
	size_t mss;     /* payload of the first segment: every merged one but the last has it */
	uint32_t next_seq;
	bool closed; /* a short or PSH segment ended the run */
	uint8_t frame[TUN_VNET_HDR_LEN + 65535];
};

void tun_gro_init(struct tun_gro *g);
/* Queues one decrypted IP packet; writes whatever can no longer be merged. */
void tun_gro_add(struct tun_gro *g, const uint8_t *pkt, size_t len, tun_write_fn w, void *ctx);
/* Writes the pending packet, if any. */
void tun_gro_flush(struct tun_gro *g, tun_write_fn w, void *ctx);

#endif
