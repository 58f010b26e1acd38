/* Shared by the TUN offload tests: the IPv4/IPv6 header of a TCP packet between 10.77.0.1 and
 * 10.77.0.2 (or fd00::1 and fd00::2), for a packet of `total` bytes whose memory is already zeroed.
 * Returns the matching virtio GSO type. Each test sets its own distinguishing fields afterwards. */
#ifndef HWG_TESTS_DAEMON_TCP_PACKET_H
#define HWG_TESTS_DAEMON_TCP_PACKET_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint8_t tcp_packet_ip_header(uint8_t *ip, int version, size_t total)
{
	if (version == 4) {
		ip[0] = 0x45;
		ip[2] = (uint8_t)(total >> 8);
		ip[3] = (uint8_t)total;
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\x0a\x4d\x00\x01\x0a\x4d\x00\x02", 8);
		return VIRTIO_NET_HDR_GSO_TCPV4;
	}
	ip[0] = 0x60;
	ip[4] = (uint8_t)((total - 40) >> 8);
	ip[5] = (uint8_t)(total - 40);
	ip[6] = 6;
	ip[7] = 64;
	ip[8] = 0xfd;
	ip[23] = 1;
	ip[24] = 0xfd;
	ip[39] = 2;
	return VIRTIO_NET_HDR_GSO_TCPV6;
}

#endif
