#include "daemon/tun_gro.h"

#include <linux/virtio_net.h>
#include <string.h>

#include "crypto/portable/bytes.h"

#define TCP_FLAG_PSH    0x08
#define TCP_FLAG_ACK    0x10
#define IPPROTO_TCP_NUM 6

void tun_gro_init(struct tun_gro *g)
{
	memset(g, 0, sizeof(*g));
}

/* The IP header length of a TCP packet whose ports can be read (0 for anything else): what
 * identifies its connection. */
static size_t tcp_ip_len(const uint8_t *p, size_t len)
{
	size_t ip_len;
	if (len >= 20 && p[0] >> 4 == 4) {
		ip_len = (size_t)(p[0] & 15) * 4;
		if (p[9] != IPPROTO_TCP_NUM || ip_len < 20 || (load_be16(p + 6) & 0x1fff) != 0)
			return 0;
	} else if (len >= 40 && p[0] >> 4 == 6) {
		if (p[6] != IPPROTO_TCP_NUM)
			return 0;
		ip_len = 40;
	} else {
		return 0;
	}
	return len >= ip_len + 4 ? ip_len : 0;
}

/* IP and TCP header lengths of a plain TCP data segment that may be merged (no IPv4 options or
 * fragments, no IPv6 extension headers, ACK with or without PSH only, some payload); 0 otherwise.
 */
static size_t mergeable(const uint8_t *p, size_t len, size_t *tcp_len)
{
	size_t ip_len;
	if (len < 20 || len > 65535)
		return 0;
	if (p[0] == 0x45) {
		if (p[9] != IPPROTO_TCP_NUM || load_be16(p + 2) != len ||
		    (load_be16(p + 6) & 0x3fff) != 0)
			return 0;
		ip_len = 20;
	} else if ((p[0] >> 4) == 6) {
		if (len < 40 || p[6] != IPPROTO_TCP_NUM || load_be16(p + 4) != len - 40)
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

/* Same connection (addresses and ports), in the same direction. */
static bool same_connection(const uint8_t *a, size_t a_ip_len, const uint8_t *b, size_t b_ip_len)
{
	if (a[0] >> 4 != b[0] >> 4)
		return false;
	bool v4 = a[0] >> 4 == 4;
	if (v4 ? memcmp(a + 12, b + 12, 8) != 0 : memcmp(a + 8, b + 8, 32) != 0)
		return false;
	return memcmp(a + a_ip_len, b + b_ip_len, 4) == 0;
}

/* Same headers apart from lengths, IPv4 id, checksums, sequence number and PSH. */
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

static uint8_t *flow_ip(struct tun_gro_flow *f)
{
	return f->head + TUN_VNET_HDR_LEN;
}

static void write_flow(struct tun_gro_flow *f, tun_write_fn w, void *ctx)
{
	if (f->len == 0)
		return;
	uint8_t *ip = flow_ip(f);
	struct virtio_net_hdr h;
	memset(&h, 0, sizeof(h));
	if (f->segs > 1) {
		size_t tcp_total = f->len - f->ip_len;
		uint32_t sum;
		if (f->ip_len == 20) {
			store_be16(ip + 2, (uint16_t)f->len);
			store_be16(ip + 10, 0);
			store_be16(ip + 10, tun_checksum(ip, 20, 0));
			sum = (uint32_t)load_be16(ip + 12) + load_be16(ip + 14) +
			      load_be16(ip + 16) + load_be16(ip + 18);
			h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		} else {
			store_be16(ip + 4, (uint16_t)(f->len - 40));
			sum = 0;
			for (int i = 8; i < 40; i += 2)
				sum += load_be16(ip + i);
			h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
		}
		sum += IPPROTO_TCP_NUM + (uint32_t)tcp_total;
		/* A partial checksum holds the folded pseudo-header sum, not complemented: the
		 * kernel (or the device it forwards to) finishes it over the segment. */
		store_be16(ip + f->ip_len + 16, (uint16_t)~tun_checksum(NULL, 0, sum));
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.hdr_len = (uint16_t)(f->ip_len + f->tcp_len);
		h.gso_size = (uint16_t)f->mss;
		h.csum_start = (uint16_t)f->ip_len;
		h.csum_offset = 16;
	}
	memcpy(f->head, &h, sizeof(h));
	w(ctx, f->iov, (int)(1 + f->segs));
	f->len = 0;
	f->segs = 0;
}

static void start(struct tun_gro *g, struct tun_gro_flow *f, const uint8_t *pkt, size_t len,
                  size_t ip_len, size_t tcp_len)
{
	size_t hdr = ip_len + tcp_len;
	memcpy(flow_ip(f), pkt, hdr);
	f->iov[0].iov_base = f->head;
	f->iov[0].iov_len = TUN_VNET_HDR_LEN + hdr;
	f->iov[1].iov_base = (void *)(pkt + hdr);
	f->iov[1].iov_len = len - hdr;
	f->len = len;
	f->segs = 1;
	f->ip_len = ip_len;
	f->tcp_len = tcp_len;
	f->mss = len - hdr;
	f->next_seq = load_be32(pkt + ip_len + 4) + (uint32_t)f->mss;
	f->closed = (pkt[ip_len + 13] & TCP_FLAG_PSH) != 0;
	f->since = g->started++;
}

/* The pending flow of pkt's connection, or NULL. */
static struct tun_gro_flow *find(struct tun_gro *g, const uint8_t *pkt, size_t ip_len)
{
	for (unsigned i = 0; i < TUN_GRO_FLOWS; i++) {
		struct tun_gro_flow *f = &g->flow[i];
		if (f->len && same_connection(flow_ip(f), f->ip_len, pkt, ip_len))
			return f;
	}
	return NULL;
}

/* A free slot, or the oldest flow's once it is written. */
static struct tun_gro_flow *take_slot(struct tun_gro *g, tun_write_fn w, void *ctx)
{
	struct tun_gro_flow *oldest = &g->flow[0];
	for (unsigned i = 0; i < TUN_GRO_FLOWS; i++) {
		struct tun_gro_flow *f = &g->flow[i];
		if (!f->len)
			return f;
		if (f->since < oldest->since)
			oldest = f;
	}
	write_flow(oldest, w, ctx);
	return oldest;
}

void tun_gro_flush(struct tun_gro *g, tun_write_fn w, void *ctx)
{
	for (unsigned i = 0; i < TUN_GRO_FLOWS; i++)
		write_flow(&g->flow[i], w, ctx);
}

static void write_alone(const uint8_t *pkt, size_t len, tun_write_fn w, void *ctx)
{
	static const uint8_t no_offload[TUN_VNET_HDR_LEN];
	struct iovec iov[2] = {
	        {.iov_base = (void *)no_offload, .iov_len = sizeof(no_offload)},
	        {.iov_base = (void *)pkt, .iov_len = len},
	};
	w(ctx, iov, 2);
}

void tun_gro_add(struct tun_gro *g, const uint8_t *pkt, size_t len, tun_write_fn w, void *ctx)
{
	size_t tcp_len = 0;
	size_t ip_len = mergeable(pkt, len, &tcp_len);
	if (ip_len == 0) {
		if (len > 65535)
			return;
		/* written alone, after what its connection had pending (order is kept) */
		size_t conn_ip_len = tcp_ip_len(pkt, len);
		struct tun_gro_flow *f = conn_ip_len ? find(g, pkt, conn_ip_len) : NULL;
		if (f)
			write_flow(f, w, ctx);
		write_alone(pkt, len, w, ctx);
		return;
	}
	size_t payload = len - ip_len - tcp_len;
	struct tun_gro_flow *f = find(g, pkt, ip_len);
	if (f) {
		if (!f->closed && f->ip_len == ip_len && f->tcp_len == tcp_len &&
		    payload <= f->mss && f->segs < TUN_GRO_MAX_SEGMENTS &&
		    f->len + payload <= 65535 && load_be32(pkt + ip_len + 4) == f->next_seq &&
		    same_headers(flow_ip(f), pkt, ip_len, tcp_len)) {
			struct iovec *v = &f->iov[1 + f->segs];
			v->iov_base = (void *)(pkt + ip_len + tcp_len);
			v->iov_len = payload;
			f->len += payload;
			f->segs++;
			f->next_seq += (uint32_t)payload;
			if (pkt[ip_len + 13] & TCP_FLAG_PSH) {
				flow_ip(f)[ip_len + 13] |= TCP_FLAG_PSH;
				f->closed = true;
			}
			if (payload < f->mss)
				f->closed = true;
			return;
		}
		write_flow(f, w, ctx);
	} else {
		f = take_slot(g, w, ctx);
	}
	start(g, f, pkt, len, ip_len, tcp_len);
}
