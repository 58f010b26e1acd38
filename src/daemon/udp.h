/* The daemon's UDP socket: one dual-stack IPv6 socket (IPV6_V6ONLY=0; plain IPv4 when the host has
 * no IPv6), with the local address of every datagram (IPV6_RECVPKTINFO / IP_PKTINFO) so that
 * replies leave from the address the peer contacted (sticky source), SO_MARK for wg-quick's fwmark
 * routing, recvmmsg/sendmmsg batches, and UDP GSO/GRO where the kernel has them: datagrams queued
 * for one endpoint join that endpoint's pending message while they have the run's size, so a
 * batch that interleaves peers still leaves as one UDP_SEGMENT send per peer and size run
 * (wireguard-go's peer.SendBuffers), and coalesced receives (UDP_GRO) are split again here
 * (wireguard-reference.md §3.2). */
#ifndef HWG_DAEMON_UDP_H
#define HWG_DAEMON_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wg/wg.h"

#define UDP_BATCH 32
/* Largest datagram, or coalesced run of datagrams: the UDP payload limit, rounded up. */
#define UDP_MAX_DATAGRAM 65600
/* One GSO send carries at most this many segments and bytes (kernel UDP_MAX_SEGMENTS is 64 on
 * older kernels; an IPv4 UDP payload is at most 65507 bytes). */
#define UDP_GSO_MAX_SEGMENTS 64
#define UDP_GSO_MAX_BYTES    65000

struct udp_sock {
	int fd;
	int family; /* AF_INET6 (dual-stack) or AF_INET */
	uint16_t port;
	uint32_t fwmark;
	bool gso; /* UDP_SEGMENT sends (turned off for good if the kernel answers EIO) */
	bool gro; /* UDP_GRO receives */
};

/* Binds a new socket to port (0 = the kernel picks one); sock->port receives the bound port.
 * Returns 0, -EADDRINUSE when the port is taken, or another negative errno. HWGUARD_NO_UDP_GSO=1
 * in the environment turns GSO and GRO off. */
int udp_open(struct udp_sock *sock, uint16_t port, uint32_t fwmark);
void udp_close(struct udp_sock *sock);
/* Applies SO_MARK (0 clears it). Returns 0 or a negative errno. */
int udp_set_fwmark(struct udp_sock *sock, uint32_t fwmark);

struct udp_rx_batch {
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_in6 names[UDP_BATCH];
	uint64_t control[UDP_BATCH][12]; /* aligned room for pktinfo and UDP_GRO cmsgs */
	uint8_t bufs[UDP_BATCH][UDP_MAX_DATAGRAM];
};

/* Receives up to UDP_BATCH messages without blocking. Returns the count, 0 when none is waiting, or
 * a negative errno. */
int udp_recv_batch(struct udp_sock *sock, struct udp_rx_batch *b);
/* The sender and local address of message i (IPv4-mapped addresses become plain IPv4), and the size
 * of the datagrams it holds: a GRO message is several datagrams of *segment bytes back to back (the
 * last may be shorter); otherwise *segment is the message length. */
void udp_rx_info(const struct udp_rx_batch *b, int i, struct wg_endpoint *from, size_t *segment);

/* Messages per sendmmsg, and bytes of datagrams queued before the batch is sent: 32 GSO runs of
 * 64 KB, what the TUN side reads in half a busy wake-up, so that a wake-up costs one or two
 * sendmmsg calls. */
#define UDP_TX_MESSAGES 64
#define UDP_TX_ARENA    (2 << 20)

/* One message of a batch: datagrams to one endpoint, all of `segment` bytes but the last. */
struct udp_tx_msg {
	struct wg_endpoint to;
	size_t len;     /* bytes queued in it */
	size_t segment; /* size of each datagram in it (all but the last are exactly this) */
	unsigned count; /* datagrams in it */
	unsigned iovs;  /* pieces of the arena it spans (adjacent datagrams share one) */
};

/* Datagrams live in one arena, in the order they were queued; a message gathers its datagrams
 * from it with an iovec per run of adjacent ones, so joining an earlier message never moves
 * bytes. */
struct udp_tx_batch {
	unsigned n;    /* messages */
	size_t used;   /* arena bytes */
	unsigned last; /* message that took the last datagram (tried first) */
	struct udp_tx_msg msg[UDP_TX_MESSAGES];
	struct iovec iov[UDP_TX_MESSAGES][UDP_GSO_MAX_SEGMENTS];
	struct mmsghdr hdrs[UDP_TX_MESSAGES];
	struct sockaddr_in6 names[UDP_TX_MESSAGES];
	uint64_t control[UDP_TX_MESSAGES][12];
	uint8_t arena[UDP_TX_ARENA];
	uint64_t send_errors;
};

/* Room for a datagram of len bytes at the end of the arena (the batch is sent first when it is
 * full): the caller may build the datagram there and queue it with udp_tx_add, which then copies
 * nothing. NULL when len can never fit. */
uint8_t *udp_tx_buffer(struct udp_sock *sock, struct udp_tx_batch *b, size_t len);
/* Queues one datagram: a copy of data, or data itself when it is the buffer udp_tx_buffer just
 * returned. It joins the newest message to the same endpoint while that message's run allows (GSO
 * on, a datagram no larger than the run's, at most UDP_GSO_MAX_SEGMENTS and UDP_GSO_MAX_BYTES);
 * otherwise it starts a message. The batch is sent first when it is full. */
void udp_tx_add(struct udp_sock *sock, struct udp_tx_batch *b, const struct wg_endpoint *to,
                const uint8_t *data, size_t len);
/* Sends everything queued (sendmmsg). A message whose sticky source address is no longer valid is
 * retried once without it; a GSO message the kernel refuses with EIO is sent datagram by datagram
 * and GSO is turned off. */
void udp_tx_flush(struct udp_sock *sock, struct udp_tx_batch *b);

#endif
