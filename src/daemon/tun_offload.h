/* TUN offloads (IFF_VNET_HDR + TUNSETOFFLOAD TSO4/TSO6/CSUM): the kernel hands the daemon TCP
 * "super-packets" of up to 64 KiB with a virtio_net_hdr in front, and packets whose checksum is
 * left for the device to finish. This file turns them back into the MTU-size IP packets WireGuard
 * encrypts: one read() per 64 KiB of TCP instead of one per segment (wireguard-reference.md §3.2,
 * wireguard-go tun/offload_linux.go gsoSplit). Pure. */
#ifndef HWG_DAEMON_TUN_OFFLOAD_H
#define HWG_DAEMON_TUN_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

/* sizeof(struct virtio_net_hdr): the prefix of every read and write on a vnet-header TUN fd. */
#define TUN_VNET_HDR_LEN 10

typedef void (*tun_packet_fn)(void *ctx, uint8_t *ip_packet, size_t len);

/* Largest IP + TCP header of a TSO packet that tun_offload_split accepts. */
#define TUN_OFFLOAD_MAX_HEADERS 512

/* buf holds a virtio_net_hdr and the packet after it (len bytes in all). Calls fn for each IP
 * packet: the packet itself with its checksum completed, or each TCP segment of a TSO packet with
 * its IP length, IPv4 id and header checksum, TCP sequence number, flags and checksum set.
 * Segments are cut in place, without copying payload: each segment's headers are written over the
 * end of the previous segment's payload once fn has returned for it, so fn must be done with a
 * segment (or have copied it) when it returns. Returns 0, or -EINVAL for a malformed or
 * unsupported packet (dropped). */
int tun_offload_split(uint8_t *buf, size_t len, tun_packet_fn fn, void *ctx);

/* The Internet checksum (RFC 1071) of data, folded and complemented, seeded with sum. */
uint16_t tun_checksum(const uint8_t *data, size_t len, uint32_t sum);

#endif
