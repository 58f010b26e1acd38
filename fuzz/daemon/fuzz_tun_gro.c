/* libFuzzer target for TUN write coalescing: the decrypted packets a peer sends (attacker-chosen
 * bytes once a session exists) go through tun_gro_add. The input is a sequence of packets, each
 * preceded by a 2-byte big-endian length. Invariants: no out-of-bounds access (ASan); every frame
 * written is at most a vnet header plus 65535 bytes; every coalesced (GSO) frame is one that
 * tun_offload_split accepts, i.e. self-consistent; the payload bytes written equal the payload
 * bytes given (nothing lost or duplicated). Packets are queued by reference, so they stay allocated
 * until the flush, as the daemon's receive buffers do. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_net.h>

#include "daemon/tun_gro.h"
#include "daemon/tun_offload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	size_t bytes_in;  /* IP bytes handed to the coalescer */
	size_t bytes_out; /* IP bytes written, counting the repeated headers a split would add */
	uint8_t frame[TUN_VNET_HDR_LEN + 65535];
};

static void count_segment(void *ctx, uint8_t *pkt, size_t len)
{
	(void)pkt;
	((struct sink *)ctx)->bytes_out += len;
}

static void write_frame(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct sink *s = ctx;
	struct virtio_net_hdr h;
	size_t len = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > sizeof(s->frame) - len)
			abort();
		memcpy(s->frame + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	if (len < TUN_VNET_HDR_LEN)
		abort();
	memcpy(&h, s->frame, sizeof(h));
	if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		s->bytes_out += len - TUN_VNET_HDR_LEN;
		return;
	}
	if (tun_offload_split(s->frame, len, count_segment, s) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tun_gro gro;
	static struct sink sink;
	static uint8_t *held[1 + 65536 / 2];
	size_t count = 0;
	sink.bytes_in = sink.bytes_out = 0;
	tun_gro_init(&gro);
	size_t pos = 0;
	while (pos + 2 <= size && count < sizeof(held) / sizeof(held[0])) {
		size_t n = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (n > size - pos)
			n = size - pos;
		uint8_t *pkt = malloc(n ? n : 1);
		if (!pkt)
			abort();
		memcpy(pkt, data + pos, n);
		held[count++] = pkt;
		tun_gro_add(&gro, pkt, n, write_frame, &sink);
		sink.bytes_in += n;
		pos += n;
	}
	tun_gro_flush(&gro, write_frame, &sink);
	for (size_t i = 0; i < count; i++)
		free(held[i]);
	if (sink.bytes_in != sink.bytes_out)
		abort();
	return 0;
}
