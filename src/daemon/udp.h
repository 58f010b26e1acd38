/* The daemon's UDP socket: one dual-stack IPv6 socket (IPV6_V6ONLY=0; plain IPv4 when the host has
 * no IPv6), with the local address of every datagram (IPV6_RECVPKTINFO / IP_PKTINFO) so that
 * replies leave from the address the peer contacted (sticky source), SO_MARK for wg-quick's fwmark
 * routing, and recvmmsg/sendmmsg batches. */
#ifndef HWG_DAEMON_UDP_H
#define HWG_DAEMON_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wg/wg.h"

#define UDP_BATCH 32
/* Largest datagram: a 65535-byte inner packet plus WireGuard's framing, rounded up. */
#define UDP_MAX_DATAGRAM 65600

struct udp_sock {
	int fd;
	int family; /* AF_INET6 (dual-stack) or AF_INET */
	uint16_t port;
	uint32_t fwmark;
};

/* Binds a new socket to port (0 = the kernel picks one); *sock->port receives the bound port.
 * Returns 0, -EADDRINUSE when the port is taken, or another negative errno. */
int udp_open(struct udp_sock *sock, uint16_t port, uint32_t fwmark);
void udp_close(struct udp_sock *sock);
/* Applies SO_MARK (0 clears it). Returns 0 or a negative errno. */
int udp_set_fwmark(struct udp_sock *sock, uint32_t fwmark);

struct udp_rx_batch {
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_in6 names[UDP_BATCH];
	uint64_t control[UDP_BATCH][8]; /* aligned room for one pktinfo cmsg */
	uint8_t bufs[UDP_BATCH][UDP_MAX_DATAGRAM];
};

/* Receives up to UDP_BATCH datagrams without blocking. Returns the count, 0 when none is waiting,
 * or a negative errno. */
int udp_recv_batch(struct udp_sock *sock, struct udp_rx_batch *b);
/* The sender and the local address of datagram i (IPv4-mapped addresses become plain IPv4). */
void udp_rx_endpoint(const struct udp_rx_batch *b, int i, struct wg_endpoint *from);

struct udp_tx_batch {
	unsigned n;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_in6 names[UDP_BATCH];
	uint64_t control[UDP_BATCH][8];
	struct wg_endpoint to[UDP_BATCH]; /* kept to retry without the sticky source */
	uint8_t bufs[UDP_BATCH][UDP_MAX_DATAGRAM];
	uint64_t send_errors;
};

/* Queues a copy of one datagram; flushes first when the batch is full. */
void udp_tx_add(struct udp_sock *sock, struct udp_tx_batch *b, const struct wg_endpoint *to,
                const uint8_t *data, size_t len);
/* Sends everything queued (sendmmsg); a datagram whose sticky source address is no longer valid is
 * retried once without it. */
void udp_tx_flush(struct udp_sock *sock, struct udp_tx_batch *b);

#endif
