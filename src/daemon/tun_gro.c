#include "daemon/tun_gro.h"

#include <linux/virtio_net.h>
#include <string.h>

#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

void tun_gro_init(struct tun_gro *g)
{
	g->len = 0;
	g->segs = 0;
}

/* IP and TCP header lengths of a plain TCP data segment that may be merged (no IPv4 options or
 * fragments, no IPv6 extension headers, ACK with or without PSH only, some payload); 0 otherwise.
 */
static size_t mergeable(const uint8_t *p, size_t len, size_t *tcp_len)
{
	size_t ip_len;
	if (len < 20)
		return 0;
	if (p[0] == 0x45) {
		if (p[9] != 6 || get16(p + 2) != len || (get16(p + 6) & 0x3fff) != 0)
			return 0;
		ip_len = 20;
	} else if ((p[0] >> 4) == 6) {
		if (len < 40 || p[6] != 6 || get16(p + 4) != len - 40)
			return 0;
		ip_len = 40;
	} else {
		return 0;
	}
	if (len < ip_len + 20)
		return 0;
	const uint8_t *t = p + ip_len;
	*tcp_len = (size_t)(t[12] >> 4) * 4;
	uint8_t flags = t[13];
	if (*tcp_len < 20 || ip_len + *tcp_len >= len ||
	    (flags != TCP_FLAG_ACK && flags != (TCP_FLAG_ACK | TCP_FLAG_PSH)))
		return 0;
	return ip_len;
}

/* Same flow and same headers apart from lengths, IPv4 id, checksums, sequence number and PSH. */
static bool same_headers(const uint8_t *a, const uint8_t *b, size_t ip_len, size_t tcp_len)
{
	if (ip_len == 20) {
		if (a[1] != b[1] || a[8] != b[8] || memcmp(a + 12, b + 12, 8) != 0)
			return false;
	} else if (memcmp(a, b, 4) != 0 || a[7] != b[7] || memcmp(a + 8, b + 8, 32) != 0) {
		return false;
	}
	const uint8_t *ta = a + ip_len, *tb = b + ip_len;
	return memcmp(ta, tb, 4) == 0 &&           /* ports */
	       memcmp(ta + 8, tb + 8, 4) == 0 &&   /* acknowledgment number */
	       ta[12] == tb[12] &&                 /* header length */
	       memcmp(ta + 14, tb + 14, 2) == 0 && /* window */
	       memcmp(ta + 20, tb + 20, tcp_len - 20) == 0;
}

static void start(struct tun_gro *g, const uint8_t *pkt, size_t len, size_t ip_len, size_t tcp_len)
{
	memcpy(g->frame + TUN_VNET_HDR_LEN, pkt, len);
	g->len = len;
	g->segs = 1;
	g->ip_len = ip_len;
	g->tcp_len = tcp_len;
	g->mss = len - ip_len - tcp_len;
	g->next_seq = get32(pkt + ip_len + 4) + (uint32_t)g->mss;
	g->closed = (pkt[ip_len + 13] & TCP_FLAG_PSH) != 0;
}

void tun_gro_flush(struct tun_gro *g, tun_write_fn w, void *ctx)
{
	if (g->len == 0)
		return;
	uint8_t *frame = g->frame;
	uint8_t *ip = frame + TUN_VNET_HDR_LEN;
	struct virtio_net_hdr h;
	memset(&h, 0, sizeof(h));
	if (g->segs > 1) {
		size_t tcp_total = g->len - g->ip_len;
		uint32_t sum;
		if (g->ip_len == 20) {
			put16(ip + 2, (uint16_t)g->len);
			put16(ip + 10, 0);
			put16(ip + 10, tun_checksum(ip, 20, 0));
			sum = (uint32_t)get16(ip + 12) + get16(ip + 14) + get16(ip + 16) +
			      get16(ip + 18);
			h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		} else {
			put16(ip + 4, (uint16_t)(g->len - 40));
			sum = 0;
			for (int i = 8; i < 40; i += 2)
				sum += get16(ip + i);
			h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
		}
		sum += 6 + (uint32_t)tcp_total;
		/* A partial checksum holds the folded pseudo-header sum, not complemented: the
		 * kernel (or the device it forwards to) finishes it over the segment. */
		put16(ip + g->ip_len + 16, (uint16_t)~tun_checksum(NULL, 0, sum));
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.hdr_len = (uint16_t)(g->ip_len + g->tcp_len);
		h.gso_size = (uint16_t)g->mss;
		h.csum_start = (uint16_t)g->ip_len;
		h.csum_offset = 16;
	}
	memcpy(frame, &h, sizeof(h));
	w(ctx, frame, TUN_VNET_HDR_LEN + g->len);
	g->len = 0;
	g->segs = 0;
}

void tun_gro_add(struct tun_gro *g, const uint8_t *pkt, size_t len, tun_write_fn w, void *ctx)
{
	size_t tcp_len = 0;
	size_t ip_len = len <= 65535 ? mergeable(pkt, len, &tcp_len) : 0;
	if (ip_len == 0) {
		/* written alone, as it is, after what was pending (order is kept) */
		tun_gro_flush(g, w, ctx);
		if (len > 65535)
			return;
		memset(g->frame, 0, TUN_VNET_HDR_LEN);
		memcpy(g->frame + TUN_VNET_HDR_LEN, pkt, len);
		w(ctx, g->frame, TUN_VNET_HDR_LEN + len);
		return;
	}
	size_t payload = len - ip_len - tcp_len;
	const uint8_t *held = g->frame + TUN_VNET_HDR_LEN;
	if (g->len && !g->closed && g->ip_len == ip_len && g->tcp_len == tcp_len &&
	    payload <= g->mss && g->segs < TUN_GRO_MAX_SEGMENTS && g->len + payload <= 65535 &&
	    get32(pkt + ip_len + 4) == g->next_seq && same_headers(held, pkt, ip_len, tcp_len)) {
		memcpy(g->frame + TUN_VNET_HDR_LEN + g->len, pkt + ip_len + tcp_len, payload);
		g->len += payload;
		g->segs++;
		g->next_seq += (uint32_t)payload;
		uint8_t flags = pkt[ip_len + 13];
		if (flags & TCP_FLAG_PSH) {
			g->frame[TUN_VNET_HDR_LEN + ip_len + 13] |= TCP_FLAG_PSH;
			g->closed = true;
		}
		if (payload < g->mss)
			g->closed = true;
		return;
	}
	tun_gro_flush(g, w, ctx);
	start(g, pkt, len, ip_len, tcp_len);
}
