#include "daemon/tun_offload.h"

#include <errno.h>
#include <stdbool.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "crypto/portable/bytes.h"

#define IPPROTO_TCP_NUM 6
#define TCP_FLAG_FIN    0x01
#define TCP_FLAG_PSH    0x08
#define TCP_FLAG_CWR    0x80

static uint16_t fold(uint64_t acc);

/* The one's-complement sum of data taken as native-order 64-bit words, with the carries counted
 * apart: the checksum runs over every byte of every TCP segment we send, so it must go at memory
 * speed, not 16 bits at a time. Unfolded. */
static uint64_t sum_native(const uint8_t *p, size_t n)
{
	uint64_t s = 0, c = 0, s2 = 0, c2 = 0, w, v;
	while (n >= 16) {
		memcpy(&w, p, 8);
		memcpy(&v, p + 8, 8);
		s += w;
		c += s < w;
		s2 += v;
		c2 += s2 < v;
		p += 16;
		n -= 16;
	}
	s += s2;
	c += c2 + (s < s2);
	if (n >= 8) {
		memcpy(&w, p, 8);
		s += w;
		c += s < w;
		p += 8;
		n -= 8;
	}
	uint64_t acc = (s & 0xffffffff) + (s >> 32) + c;
	if (n >= 4) {
		uint32_t x;
		memcpy(&x, p, 4);
		acc += x;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		uint16_t x;
		memcpy(&x, p, 2);
		acc += x;
		p += 2;
		n -= 2;
	}
	if (n) {
		/* A last odd byte is the first byte of a 16-bit word: its low byte in memory order.
		 */
		uint16_t x = 0;
		memcpy(&x, p, 1);
		acc += x;
	}
	return acc;
}

/* One's-complement sum of data as big-endian 16-bit words, added to acc (unfolded). The sum does
 * not depend on byte order except for a swap of its two bytes (RFC 1071 §2(B)), so the data is
 * summed natively and swapped once, when the host is little-endian. */
static uint64_t sum_words(const uint8_t *p, size_t n, uint64_t acc)
{
	uint16_t s = fold(sum_native(p, n));
	const uint16_t one = 1;
	uint8_t first;
	memcpy(&first, &one, 1);
	if (first) /* little-endian */
		s = (uint16_t)(s >> 8 | s << 8);
	return acc + s;
}

static uint16_t fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

uint16_t tun_checksum(const uint8_t *data, size_t len, uint32_t sum)
{
	return (uint16_t)~fold(sum_words(data, len, sum));
}

/* The TCP pseudo-header sum for a segment of tcp_len bytes. */
static uint64_t pseudo_header(const uint8_t *ip, int version, size_t tcp_len)
{
	if (version == 4)
		return sum_words(ip + 12, 8, 0) + IPPROTO_TCP_NUM + tcp_len;
	return sum_words(ip + 8, 32, 0) + IPPROTO_TCP_NUM + tcp_len;
}

/* Cuts a TSO packet into segments in place: segment i's headers are written just before its
 * payload, over the end of segment i-1's payload, which fn has finished with by then. */
static int split_tcp(uint8_t *pkt, size_t plen, const struct virtio_net_hdr *h, tun_packet_fn fn,
                     void *ctx)
{
	int version = pkt[0] >> 4;
	size_t ip_len = h->csum_start;
	size_t mss = h->gso_size;
	if ((version != 4 && version != 6) || mss == 0 || ip_len < (version == 4 ? 20u : 40u) ||
	    ip_len + 20 > plen)
		return -EINVAL;
	if (version == 4 && ((size_t)(pkt[0] & 15) * 4 != ip_len || pkt[9] != IPPROTO_TCP_NUM))
		return -EINVAL;
	uint8_t *tcp = pkt + ip_len;
	size_t tcp_hdr = (size_t)(tcp[12] >> 4) * 4;
	size_t hdr = ip_len + tcp_hdr;
	uint8_t tmpl[TUN_OFFLOAD_MAX_HEADERS];
	if (tcp_hdr < 20 || hdr > plen || hdr > sizeof(tmpl) || hdr + mss > 65535)
		return -EINVAL;
	memcpy(tmpl, pkt, hdr);
	size_t payload = plen - hdr;
	uint32_t seq = load_be32(tcp + 4);
	uint16_t id = version == 4 ? load_be16(pkt + 4) : 0;
	uint8_t flags = tcp[13];

	size_t off = 0;
	for (unsigned i = 0;; i++) {
		size_t seg = payload - off < mss ? payload - off : mss;
		bool last = off + seg >= payload;
		size_t total = hdr + seg;
		uint8_t *s = pkt + off;
		if (i > 0)
			memcpy(s, tmpl, hdr);
		if (version == 4) {
			store_be16(s + 2, (uint16_t)total);
			store_be16(s + 4, (uint16_t)(id + i));
			store_be16(s + 10, 0);
			store_be16(s + 10, tun_checksum(s, ip_len, 0));
		} else {
			store_be16(s + 4, (uint16_t)(total - 40));
		}
		uint8_t *t = s + ip_len;
		store_be32(t + 4, seq + (uint32_t)off);
		uint8_t f = flags;
		if (!last)
			f &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
		if (i > 0)
			f &= (uint8_t)~TCP_FLAG_CWR;
		t[13] = f;
		store_be16(t + 16, 0);
		uint64_t sum = pseudo_header(s, version, tcp_hdr + seg);
		store_be16(t + 16, (uint16_t)~fold(sum_words(t, tcp_hdr + seg, sum)));
		fn(ctx, s, total);
		off += seg;
		if (last)
			break;
	}
	return 0;
}

int tun_offload_split(uint8_t *buf, size_t len, tun_packet_fn fn, void *ctx)
{
	struct virtio_net_hdr h;
	if (len <= TUN_VNET_HDR_LEN)
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	uint8_t *pkt = buf + TUN_VNET_HDR_LEN;
	size_t plen = len - TUN_VNET_HDR_LEN;
	switch (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
			/* The field already holds the pseudo-header sum; finish it over the rest.
			 */
			size_t start = h.csum_start, field = (size_t)h.csum_start + h.csum_offset;
			if (field + 2 > plen || start >= plen)
				return -EINVAL;
			store_be16(pkt + field, tun_checksum(pkt + start, plen - start, 0));
		}
		fn(ctx, pkt, plen);
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return split_tcp(pkt, plen, &h, fn, ctx);
	default:
		return -EINVAL; /* UDP segmentation offload is never enabled */
	}
}
