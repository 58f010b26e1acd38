/* Coalescing decrypted TCP segments into TUN writes: segments cut by tun_offload_split merge back
 * into one GSO frame that carries the same bytes (and splits again into valid segments); flows
 * interleaved in one batch each leave as one frame; anything that must not merge (other
 * protocols, a gap in the sequence, a changed ACK number, SYN/FIN) is written alone, after what
 * its own connection had pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/virtio_net.h>

#include "daemon/tun_gro.h"
#include "daemon/tun_offload.h"
#include "support/test_main.h"
#include "tcp_packet.h"

#define MAX_FRAMES 80

struct frames {
	unsigned n;
	size_t len[MAX_FRAMES];
	uint8_t data[MAX_FRAMES][TUN_VNET_HDR_LEN + 65535];
};

struct segments {
	unsigned n;
	size_t len[MAX_FRAMES];
	uint8_t data[MAX_FRAMES][2048];
};

static struct frames out;
static struct segments segs, resplit;
static struct tun_gro gro;
static uint8_t tso[70000], tso_orig[70000];

static void write_frame(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct frames *f = ctx;
	assert_true(f->n < MAX_FRAMES);
	size_t len = 0;
	for (int i = 0; i < iovcnt; i++) {
		assert_true(len + iov[i].iov_len <= sizeof(f->data[0]));
		memcpy(f->data[f->n] + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	f->len[f->n++] = len;
}

static void collect(void *ctx, uint8_t *p, size_t len)
{
	struct segments *s = ctx;
	assert_true(s->n < MAX_FRAMES && len <= sizeof(s->data[0]));
	memcpy(s->data[s->n], p, len);
	s->len[s->n++] = len;
}

/* A TSO packet: vnet header, IPv4 or IPv6, TCP with 12 bytes of options, payload. */
static size_t build_tso(int version, size_t payload, uint16_t mss, uint8_t flags)
{
	struct virtio_net_hdr h;
	memset(&h, 0, sizeof(h));
	uint8_t *ip = tso + TUN_VNET_HDR_LEN;
	size_t ip_len = version == 4 ? 20 : 40, total = ip_len + 32 + payload;
	memset(ip, 0, total);
	h.gso_type = tcp_packet_ip_header(ip, version, total);
	if (version == 4) {
		ip[6] = 0x40; /* DF */
	}
	uint8_t *tcp = ip + ip_len;
	tcp[1] = 80;
	tcp[3] = 81;
	tcp[4] = 0x10;
	tcp[9] = 0x42; /* ack */
	tcp[12] = 8 << 4;
	tcp[13] = flags;
	tcp[14] = 0x02;
	memset(tcp + 20, 1, 12);
	for (size_t i = 0; i < payload; i++)
		tcp[32 + i] = (uint8_t)(i * 13 + 5);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.gso_size = mss;
	h.csum_start = (uint16_t)ip_len;
	h.csum_offset = 16;
	memcpy(tso, &h, sizeof(h));
	return TUN_VNET_HDR_LEN + total;
}

static void split_into_segments(int version, size_t payload, uint16_t mss, uint8_t flags)
{
	memset(&segs, 0, sizeof(segs));
	size_t len = build_tso(version, payload, mss, flags);
	memcpy(tso_orig, tso, len); /* the split cuts tso in place */
	assert_int_equal(tun_offload_split(tso, len, collect, &segs), 0);
}

static void merge_all(void)
{
	memset(&out, 0, sizeof(out));
	tun_gro_init(&gro);
	for (unsigned i = 0; i < segs.n; i++)
		tun_gro_add(&gro, segs.data[i], segs.len[i], write_frame, &out);
	tun_gro_flush(&gro, write_frame, &out);
}

static void round_trip(int version)
{
	const size_t payload = 20000, mss = 1360, hdr = (version == 4 ? 20 : 40) + 32;
	split_into_segments(version, payload, mss,
	                    0x18); /* ACK PSH: PSH lands on the last segment */
	assert_true(segs.n > 10);
	merge_all();
	assert_int_equal(out.n, 1);
	struct virtio_net_hdr h;
	memcpy(&h, out.data[0], sizeof(h));
	assert_int_equal(h.gso_type,
	                 version == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
	assert_int_equal(h.gso_size, mss);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.hdr_len, hdr);
	assert_int_equal(out.len[0], TUN_VNET_HDR_LEN + hdr + payload);
	const uint8_t *ip = out.data[0] + TUN_VNET_HDR_LEN;
	assert_memory_equal(ip + hdr, tso_orig + TUN_VNET_HDR_LEN + hdr, payload);
	if (version == 4)
		assert_int_equal(tun_checksum(ip, 20, 0), 0);
	assert_int_equal(ip[hdr - 32 + 13], 0x18);

	/* The merged frame is a valid TSO frame: it splits into the same segments again. */
	memset(&resplit, 0, sizeof(resplit));
	assert_int_equal(tun_offload_split(out.data[0], out.len[0], collect, &resplit), 0);
	assert_int_equal(resplit.n, segs.n);
	for (unsigned i = 0; i < segs.n; i++) {
		assert_int_equal(resplit.len[i], segs.len[i]);
		assert_memory_equal(resplit.data[i], segs.data[i], segs.len[i]);
	}
}

static void merges_ipv4(void **state)
{
	round_trip(4);
}

static void merges_ipv6(void **state)
{
	round_trip(6);
}

static void order_and_boundaries(void **state)
{
	split_into_segments(4, 1360 * 6, 1360, 0x10);
	assert_int_equal(segs.n, 6);
	memset(&out, 0, sizeof(out));
	tun_gro_init(&gro);
	tun_gro_add(&gro, segs.data[0], segs.len[0], write_frame, &out);
	tun_gro_add(&gro, segs.data[1], segs.len[1], write_frame, &out);
	/* a UDP packet: another flow, written at once; the TCP run stays pending */
	uint8_t udp[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17};
	tun_gro_add(&gro, udp, sizeof(udp), write_frame, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.len[0], TUN_VNET_HDR_LEN + sizeof(udp));
	assert_memory_equal(out.data[0] + TUN_VNET_HDR_LEN, udp, sizeof(udp));
	static const uint8_t zero[TUN_VNET_HDR_LEN];
	assert_memory_equal(out.data[0], zero, TUN_VNET_HDR_LEN); /* no offload for it */
	/* segment 2 continues the run; a gap (segment 3 missing) ends it */
	tun_gro_add(&gro, segs.data[2], segs.len[2], write_frame, &out);
	tun_gro_add(&gro, segs.data[4], segs.len[4], write_frame, &out);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.len[1], TUN_VNET_HDR_LEN + segs.len[0] + 2 * 1360);
	/* another ACK number: the same connection's run is written, a new one starts */
	segs.data[5][20 + 11] ^= 1;
	tun_gro_add(&gro, segs.data[5], segs.len[5], write_frame, &out);
	assert_int_equal(out.n, 3);
	assert_int_equal(out.len[2], TUN_VNET_HDR_LEN + segs.len[4]);
	tun_gro_flush(&gro, write_frame, &out);
	assert_int_equal(out.n, 4);
	tun_gro_flush(&gro, write_frame, &out);
	assert_int_equal(out.n, 4); /* nothing pending */
}

/* Connection k's copy of segment i: another source port (GRO does not check TCP checksums). */
static uint8_t conn_segs[TUN_GRO_FLOWS + 2][8][2048];

static const uint8_t *conn_segment(unsigned k, unsigned i)
{
	memcpy(conn_segs[k][i], segs.data[i], segs.len[i]);
	conn_segs[k][i][20 + 1] = (uint8_t)(100 + k);
	return conn_segs[k][i];
}

static void interleaved_flows_each_merge(void **state)
{
	split_into_segments(4, 1360 * 5, 1360, 0x10);
	memset(&out, 0, sizeof(out));
	tun_gro_init(&gro);
	for (unsigned i = 0; i < 5; i++)
		for (unsigned k = 0; k < 3; k++)
			tun_gro_add(&gro, conn_segment(k, i), segs.len[i], write_frame, &out);
	assert_int_equal(out.n, 0);
	tun_gro_flush(&gro, write_frame, &out);
	assert_int_equal(out.n, 3);
	for (unsigned f = 0; f < 3; f++) {
		struct virtio_net_hdr h;
		memcpy(&h, out.data[f], sizeof(h));
		assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
		assert_int_equal(out.len[f], TUN_VNET_HDR_LEN + 20 + 32 + 5 * 1360);
		const uint8_t *ip = out.data[f] + TUN_VNET_HDR_LEN;
		assert_int_equal(ip[20 + 1], 100 + f); /* flows keep their first-come order */
		assert_memory_equal(ip + 52, tso_orig + TUN_VNET_HDR_LEN + 52, 5 * 1360);
	}
}

static void unmergeable_packet_writes_its_own_connection_first(void **state)
{
	split_into_segments(4, 1360 * 3, 1360, 0x10);
	memset(&out, 0, sizeof(out));
	tun_gro_init(&gro);
	tun_gro_add(&gro, conn_segment(0, 0), segs.len[0], write_frame, &out);
	tun_gro_add(&gro, conn_segment(1, 0), segs.len[0], write_frame, &out);
	tun_gro_add(&gro, conn_segment(0, 1), segs.len[1], write_frame, &out);
	/* connection 0 sends FIN: its pending run goes first, connection 1's stays */
	uint8_t *fin = (uint8_t *)conn_segment(0, 2);
	fin[20 + 13] = 0x11;
	tun_gro_add(&gro, fin, segs.len[2], write_frame, &out);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.data[0][TUN_VNET_HDR_LEN + 20 + 1], 100);
	assert_int_equal(out.len[0], TUN_VNET_HDR_LEN + 52 + 2 * 1360);
	assert_int_equal(out.data[1][TUN_VNET_HDR_LEN + 20 + 13], 0x11);
	tun_gro_flush(&gro, write_frame, &out);
	assert_int_equal(out.n, 3);
	assert_int_equal(out.data[2][TUN_VNET_HDR_LEN + 20 + 1], 101);
}

static void more_flows_than_slots_evict_the_oldest(void **state)
{
	split_into_segments(4, 1360 * 2, 1360, 0x10);
	memset(&out, 0, sizeof(out));
	tun_gro_init(&gro);
	for (unsigned k = 0; k < TUN_GRO_FLOWS + 2; k++)
		tun_gro_add(&gro, conn_segment(k, 0), segs.len[0], write_frame, &out);
	assert_int_equal(out.n, 2); /* connections 0 and 1 made room */
	assert_int_equal(out.data[0][TUN_VNET_HDR_LEN + 20 + 1], 100);
	assert_int_equal(out.data[1][TUN_VNET_HDR_LEN + 20 + 1], 101);
	for (unsigned k = 0; k < TUN_GRO_FLOWS + 2; k++)
		tun_gro_add(&gro, conn_segment(k, 1), segs.len[1], write_frame, &out);
	tun_gro_flush(&gro, write_frame, &out);
	size_t bytes = 0;
	for (unsigned f = 0; f < out.n; f++)
		bytes += out.len[f] - TUN_VNET_HDR_LEN - 52;
	assert_int_equal(bytes, (TUN_GRO_FLOWS + 2) * 2 * 1360); /* nothing lost or doubled */
}

static void control_segments_are_not_merged(void **state)
{
	split_into_segments(4, 1360 * 3, 1360, 0x11); /* ACK FIN: only the last segment keeps FIN */
	merge_all();
	assert_int_equal(out.n, 2); /* two plain ACK segments merged, the FIN one alone */
	assert_int_equal(out.data[1][TUN_VNET_HDR_LEN + 20 + 13], 0x11);
	struct virtio_net_hdr h;
	memcpy(&h, out.data[1], sizeof(h));
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(merges_ipv4),
        cmocka_unit_test(merges_ipv6),
        cmocka_unit_test(order_and_boundaries),
        cmocka_unit_test(interleaved_flows_each_merge),
        cmocka_unit_test(unmergeable_packet_writes_its_own_connection_first),
        cmocka_unit_test(more_flows_than_slots_evict_the_oldest),
        cmocka_unit_test(control_segments_are_not_merged),
};

HWG_TEST_MAIN(tests, NULL, NULL)
