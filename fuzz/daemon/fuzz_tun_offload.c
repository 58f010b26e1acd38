/* libFuzzer target for the TUN read path: a virtio_net_hdr and a packet, as the kernel hands them
 * to the daemon, through tun_offload_split. Invariants: no out-of-bounds access (ASan), every
 * emitted packet fits in 65535 bytes and the TSO segments never carry more payload than the input
 * had. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/tun_offload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	size_t in_len;
	size_t out_bytes;
	unsigned count;
};

static void count_packet(void *ctx, uint8_t *pkt, size_t len)
{
	struct tally *t = ctx;
	if (len == 0 || len > 65535)
		abort();
	volatile uint8_t first = pkt[0], last = pkt[len - 1]; /* touch both ends */
	(void)first;
	(void)last;
	t->out_bytes += len;
	if (++t->count > t->in_len + 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > TUN_VNET_HDR_LEN + 65535)
		return 0;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct tally t = {.in_len = size};
	tun_offload_split(buf, size, count_packet, &t);
	free(buf);
	return 0;
}
