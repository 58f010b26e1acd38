/* TSO splitting and checksum completion for TUN reads with a virtio_net_hdr: every segment must be
 * a valid packet on its own (IP and TCP checksums verify, lengths, sequence numbers and flags
 * right) and the segments' payloads must concatenate to the original. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/virtio_net.h>

#include "crypto/portable/bytes.h"
#include "daemon/tun_offload.h"
#include "support/test_main.h"
#include "tcp_packet.h"

#define MAX_SEGS 64

struct capture {
	unsigned n;
	uint8_t pkt[MAX_SEGS][2048];
	size_t len[MAX_SEGS];
};

static void collect(void *ctx, uint8_t *p, size_t len)
{
	struct capture *c = ctx;
	assert_true(c->n < MAX_SEGS);
	assert_true(len <= sizeof(c->pkt[0]));
	memcpy(c->pkt[c->n], p, len);
	c->len[c->n++] = len;
}

/* A TCP checksum verifies when the sum over pseudo-header and segment, field included, is 0xffff,
 * i.e. when the complemented checksum of it all is 0. Computed here without the code under test's
 * helpers beyond the RFC 1071 sum. */
static bool tcp_checksum_ok(const uint8_t *ip, size_t len, int version)
{
	uint8_t pseudo[40];
	size_t ip_len = version == 4 ? (size_t)(ip[0] & 15) * 4 : 40;
	size_t tcp_len = len - ip_len, plen;
	memset(pseudo, 0, sizeof(pseudo));
	if (version == 4) {
		memcpy(pseudo, ip + 12, 8);
		pseudo[9] = 6;
		pseudo[10] = (uint8_t)(tcp_len >> 8);
		pseudo[11] = (uint8_t)tcp_len;
		plen = 12;
	} else {
		memcpy(pseudo, ip + 8, 32);
		pseudo[34] = (uint8_t)(tcp_len >> 8);
		pseudo[35] = (uint8_t)tcp_len;
		pseudo[39] = 6;
		plen = 40;
	}
	uint32_t sum = 0;
	for (size_t i = 0; i < plen; i += 2)
		sum += load_be16(pseudo + i);
	for (size_t i = 0; i + 1 < tcp_len; i += 2)
		sum += load_be16(ip + ip_len + i);
	if (tcp_len & 1)
		sum += (uint32_t)ip[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Builds vnet header + IPv4/IPv6 + TCP (20-byte header + 12 bytes of options) + payload. */
static size_t build(uint8_t *buf, int version, size_t payload, uint16_t mss, uint8_t flags)
{
	struct virtio_net_hdr h;
	memset(&h, 0, sizeof(h));
	uint8_t *ip = buf + TUN_VNET_HDR_LEN;
	size_t ip_len = version == 4 ? 20 : 40, tcp_len = 32;
	size_t total = ip_len + tcp_len + payload;
	memset(ip, 0, total);
	h.gso_type = tcp_packet_ip_header(ip, version, total);
	if (version == 4) {
		ip[4] = 0x12;
		ip[5] = 0x34;
	}
	uint8_t *tcp = ip + ip_len;
	tcp[0] = 0xc0;
	tcp[2] = 0x14;
	tcp[3] = 0x51;                          /* port 5201 */
	memcpy(tcp + 4, "\xff\xff\xff\x00", 4); /* sequence numbers wrap inside the packet */
	tcp[12] = (uint8_t)(tcp_len / 4) << 4;
	tcp[13] = flags;
	tcp[14] = 0x01;
	memset(tcp + 20, 1, 12); /* NOP options */
	for (size_t i = 0; i < payload; i++)
		tcp[tcp_len + i] = (uint8_t)(i * 7 + 3);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.hdr_len = (uint16_t)(ip_len + tcp_len);
	h.gso_size = mss;
	h.csum_start = (uint16_t)ip_len;
	h.csum_offset = 16;
	memcpy(buf, &h, sizeof(h));
	return TUN_VNET_HDR_LEN + total;
}

/* Splits a TSO packet of `payload` bytes into segments of mss (cut in place, so the payload is
 * checked against a copy of the packet taken before). */
static void check_split_mss(int version, size_t payload, size_t mss)
{
	static uint8_t buf[70000], orig[70000], joined[70000];
	static struct capture cap;
	const size_t hdr = (version == 4 ? 20 : 40) + 32;
	size_t len = build(buf, version, payload, (uint16_t)mss,
	                   0x80 | 0x10 | 0x08 | 0x01); /* CWR ACK PSH FIN */
	memcpy(orig, buf, len);
	memset(&cap, 0, sizeof(cap));
	assert_int_equal(tun_offload_split(buf, len, collect, &cap), 0);
	assert_int_equal(cap.n, (payload + mss - 1) / mss);

	size_t off = 0;
	for (unsigned i = 0; i < cap.n; i++) {
		const uint8_t *p = cap.pkt[i];
		size_t seg = cap.len[i] - hdr;
		assert_int_equal(seg, i + 1 < cap.n ? mss : payload - (cap.n - 1) * mss);
		if (version == 4) {
			assert_int_equal(load_be16(p + 2), cap.len[i]);
			assert_int_equal(load_be16(p + 4), 0x1234 + i);
			assert_int_equal(tun_checksum(p, 20, 0), 0); /* header checksum verifies */
		} else {
			assert_int_equal(load_be16(p + 4), cap.len[i] - 40);
		}
		const uint8_t *tcp = p + (version == 4 ? 20 : 40);
		assert_int_equal(load_be32(tcp + 4), (uint32_t)(0xffffff00u + off));
		bool first = i == 0, last = i + 1 == cap.n;
		assert_int_equal(tcp[13] & 0x80, first ? 0x80 : 0);
		assert_int_equal(tcp[13] & 0x09, last ? 0x09 : 0);
		assert_int_equal(tcp[13] & 0x10, 0x10);
		assert_true(tcp_checksum_ok(p, cap.len[i], version));
		memcpy(joined + off, p + hdr, seg);
		off += seg;
	}
	assert_int_equal(off, payload);
	assert_memory_equal(joined, orig + TUN_VNET_HDR_LEN + hdr, payload);
}

static void tso_ipv4(void **state)
{
	check_split_mss(4, 10000, 1368);
}

static void tso_ipv6(void **state)
{
	check_split_mss(6, 10000, 1368);
}

/* Segments smaller than their headers: each segment's headers overwrite several earlier segments'
 * payloads, which must all have been handed out already. Odd sizes exercise the checksum's last
 * bytes. */
static void tso_tiny_segments(void **state)
{
	check_split_mss(4, 7 * 59 + 5, 7);
	check_split_mss(6, 16 * 39 + 3, 16);
	check_split_mss(4, 63, 1);
}

static void checksum_completed_for_plain_packets(void **state)
{
	static uint8_t buf[4096];
	static struct capture cap;
	size_t len = build(buf, 4, 999, 0, 0x18);
	struct virtio_net_hdr h;
	memcpy(&h, buf, sizeof(h));
	h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	h.gso_size = 0;
	memcpy(buf, &h, sizeof(h));
	/* as the kernel leaves it: the pseudo-header sum, uncomplemented, in the field */
	uint8_t *ip = buf + TUN_VNET_HDR_LEN;
	size_t tcp_len = len - TUN_VNET_HDR_LEN - 20;
	uint32_t ps = load_be16(ip + 12) + load_be16(ip + 14) + load_be16(ip + 16) +
	              load_be16(ip + 18) + 6 + tcp_len;
	while (ps >> 16)
		ps = (ps & 0xffff) + (ps >> 16);
	ip[20 + 16] = (uint8_t)(ps >> 8);
	ip[20 + 17] = (uint8_t)ps;
	memset(&cap, 0, sizeof(cap));
	assert_int_equal(tun_offload_split(buf, len, collect, &cap), 0);
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.len[0], len - TUN_VNET_HDR_LEN);
	assert_true(tcp_checksum_ok(cap.pkt[0], cap.len[0], 4));

	/* no NEEDS_CSUM: passed through untouched */
	h.flags = 0;
	memcpy(buf, &h, sizeof(h));
	memset(&cap, 0, sizeof(cap));
	assert_int_equal(tun_offload_split(buf, len, collect, &cap), 0);
	assert_memory_equal(cap.pkt[0], buf + TUN_VNET_HDR_LEN, cap.len[0]);
}

static void malformed_packets_are_refused(void **state)
{
	static uint8_t buf[70000];
	static struct capture cap;
	struct virtio_net_hdr h;
	memset(&cap, 0, sizeof(cap));
	assert_int_equal(tun_offload_split(buf, 5, collect, &cap), -EINVAL);

	size_t len = build(buf, 4, 3000, 1000, 0x10);
	memcpy(&h, buf, sizeof(h));
	h.gso_size = 0;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(tun_offload_split(buf, len, collect, &cap), -EINVAL);

	len = build(buf, 4, 3000, 1000, 0x10);
	memcpy(&h, buf, sizeof(h));
	h.csum_start = 60000; /* beyond the packet */
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(tun_offload_split(buf, len, collect, &cap), -EINVAL);

	len = build(buf, 4, 3000, 1000, 0x10);
	memcpy(&h, buf, sizeof(h));
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(tun_offload_split(buf, len, collect, &cap), -EINVAL);

	len = build(buf, 4, 3000, 1000, 0x10);
	buf[TUN_VNET_HDR_LEN + 20 + 12] = 0x20; /* TCP data offset 8 bytes */
	assert_int_equal(tun_offload_split(buf, len, collect, &cap), -EINVAL);

	len = build(buf, 6, 3000, 1000, 0x10);
	buf[TUN_VNET_HDR_LEN] = 0x45; /* says IPv4 in a TCPv6 GSO packet with csum_start 40 */
	assert_int_equal(tun_offload_split(buf, len, collect, &cap), -EINVAL);
	assert_int_equal(cap.n, 0);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(tso_ipv4),
        cmocka_unit_test(tso_ipv6),
        cmocka_unit_test(tso_tiny_segments),
        cmocka_unit_test(checksum_completed_for_plain_packets),
        cmocka_unit_test(malformed_packets_are_refused),
};

HWG_TEST_MAIN(tests, NULL, NULL)
