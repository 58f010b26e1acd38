/* Coalescing of decrypted TCP segments into TUN writes (the receive half of TUN offloads): the
 * in-order segments of one flow with identical headers become a single super-packet of up to
 * 64 KiB written with a virtio_net_hdr (GSO TCPV4/TCPV6, checksum left partial), so the kernel's
 * TCP receive path runs once per super-packet instead of once per segment (wireguard-reference.md
 * §3.2, wireguard-go tun/offload_linux.go tcpGRO). Several flows are merged side by side, so a
 * batch of datagrams that interleaves connections still leaves as one write per flow.
 *
 * Nothing is copied: a merged frame is written with writev from a small header block and the
 * segments' payloads where they lie, so every packet given to tun_gro_add must stay unchanged
 * until the next tun_gro_flush. Packets of one TCP connection keep their order; packets of
 * different flows may be written in another order than they came (as after any router). Anything
 * that cannot merge is written alone, after what its own connection had pending. Pure. */
#ifndef HWG_DAEMON_TUN_GRO_H
#define HWG_DAEMON_TUN_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "daemon/tun_offload.h"

#define TUN_GRO_MAX_SEGMENTS 64
/* Flows merged at once; one more evicts (writes) the oldest. */
#define TUN_GRO_FLOWS 8
/* IPv4 without options or IPv6 without extension headers, and TCP with options. */
#define TUN_GRO_MAX_HEADERS (40 + 60)

/* Writes one TUN frame: a virtio_net_hdr followed by an IP packet, gathered from iovcnt pieces. */
typedef void (*tun_write_fn)(void *ctx, const struct iovec *iov, int iovcnt);

struct tun_gro_flow {
	size_t len;     /* bytes of the merged IP packet (0: the slot is free) */
	unsigned segs;  /* segments merged into it */
	size_t ip_len;  /* IP header length */
	size_t tcp_len; /* TCP header length */
	size_t mss;     /* payload of the first segment: every merged one but the last has it */
	uint32_t next_seq;
	bool closed;    /* a short or PSH segment ended the run */
	uint64_t since; /* when the flow took its slot (for eviction) */
	/* virtio_net_hdr, then the first segment's IP and TCP headers */
	uint8_t head[TUN_VNET_HDR_LEN + TUN_GRO_MAX_HEADERS];
	/* iov[0]: head; iov[1..segs]: each segment's payload, in the caller's buffers */
	struct iovec iov[1 + TUN_GRO_MAX_SEGMENTS];
};

struct tun_gro {
	struct tun_gro_flow flow[TUN_GRO_FLOWS];
	uint64_t started; /* flows started so far (ages for eviction) */
};

void tun_gro_init(struct tun_gro *g);
/* Queues one decrypted IP packet (by reference); writes whatever can no longer be merged. */
void tun_gro_add(struct tun_gro *g, const uint8_t *pkt, size_t len, tun_write_fn w, void *ctx);
/* Writes every pending flow; afterwards no queued packet is referenced any more. */
void tun_gro_flush(struct tun_gro *g, tun_write_fn w, void *ctx);

#endif
