/* libFuzzer target for wg_device_udp_input: arbitrary datagrams into a configured device that has
 * a peer with a live session. The first input byte picks a mode, so the fuzzer also reaches past
 * the cheap checks:
 *   bits 0-2: 0 = bytes as given; 1..4 = force that message type with its exact length;
 *   bit 3:    give the message a valid mac1 (so Noise processing and the key provider run);
 *   bit 4:    report "under load" (cookie replies, mac2, rate limiter);
 *   bit 5:    for data, use the live keypair's receiver index;
 *   bits 6-7: advance the clock (0 s, 1 s, 30 s, 200 s) first, running the timers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/x25519.h"
#include "keys/soft.h"
#include "wg/cookie.h"
#include "wg/messages.h"
#include "wg/peer.h"
#include "wg/wg.h"

struct node {
	struct wg_device *dev;
	struct wg_endpoint addr;
	uint8_t public_key[32];
	uint64_t rng;
	int idx;
};

static struct node nodes[2];
static struct wg_time now;
static bool under_load;
static bool setup_phase;
/* During setup the two devices talk through this one-slot-per-message queue. */
static uint8_t pending[8][256];
static size_t pending_len[8];
static int pending_to[8];
static int pending_count;

static void fz_send(void *ctx, const struct wg_endpoint *to, const uint8_t *p, size_t len)
{
	struct node *n = ctx;
	if (!setup_phase || pending_count == 8 || len > sizeof(pending[0]))
		return;
	memcpy(pending[pending_count], p, len);
	pending_len[pending_count] = len;
	pending_to[pending_count] = 1 - n->idx;
	pending_count++;
}

static void fz_deliver(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	(void)p;
	(void)len;
}

static void fz_random(void *ctx, void *buf, size_t len)
{
	struct node *n = ctx;
	uint8_t *b = buf;
	for (size_t i = 0; i < len; i++) {
		n->rng = n->rng * 6364136223846793005ull + 1442695040888963407ull;
		b[i] = (uint8_t)(n->rng >> 33);
	}
}

static bool fz_under_load(void *ctx)
{
	(void)ctx;
	return under_load;
}

static void pump(void)
{
	for (int round = 0; round < 8 && pending_count; round++) {
		int n = pending_count;
		uint8_t copy[8][256];
		size_t len[8];
		int to[8];
		memcpy(copy, pending, sizeof(copy));
		memcpy(len, pending_len, sizeof(len));
		memcpy(to, pending_to, sizeof(to));
		pending_count = 0;
		for (int i = 0; i < n; i++)
			wg_device_udp_input(nodes[to[i]].dev, copy[i], len[i],
			                    &nodes[1 - to[i]].addr, &now);
	}
}

/* Timers eventually destroy the session (540 s); build a new one so data inputs can reach it. */
static void reconnect(void)
{
	now.mono_ns += 6000000000ull;
	now.real_sec += 6;
	setup_phase = true;
	wg_peer_initiate_handshake(nodes[1].dev,
	                           wg_device_peer_find(nodes[1].dev, nodes[0].public_key), &now);
	pump();
	setup_phase = false;
}

static void setup(void)
{
	now.mono_ns = 1000000000000ull;
	now.real_sec = 1700000000;
	for (int i = 0; i < 2; i++) {
		struct node *n = &nodes[i];
		uint8_t priv[32];
		for (int j = 0; j < 32; j++)
			priv[j] = (uint8_t)(i * 101 + j + 1);
		n->idx = i;
		n->rng = (uint64_t)i + 1;
		n->addr.addr.in4.sin_family = AF_INET;
		n->addr.addr.in4.sin_port = htons((uint16_t)(51820 + i));
		n->addr.addr.in4.sin_addr.s_addr = htonl(0x0a000001u + (uint32_t)i);
		struct wg_io io = {.ctx = n,
		                   .send = fz_send,
		                   .deliver = fz_deliver,
		                   .random = fz_random,
		                   .under_load = fz_under_load};
		n->dev = wg_device_new(&io);
		struct key_provider *kp = soft_key_provider_new(priv);
		memcpy(n->public_key, kp->public_key, 32);
		wg_device_set_key(n->dev, kp, &now);
	}
	for (int i = 0; i < 2; i++) {
		int err;
		struct wg_peer *p = wg_device_peer_add(nodes[i].dev, nodes[1 - i].public_key, &err);
		wg_peer_set_endpoint(p, &nodes[1 - i].addr);
		uint8_t tun[4] = {192, 168, 0, (uint8_t)(2 - i)};
		wg_peer_allowed_ip_add(nodes[i].dev, p, AF_INET, tun, 32);
	}
	reconnect();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static uint8_t buf[2048];
	static const uint64_t advance[4] = {0, 1000000000ull, 30000000000ull, 200000000000ull};

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);

	size_t len = size;
	unsigned type = mode & 7;
	static const size_t exact[5] = {0, MSG_INITIATION_LEN, MSG_RESPONSE_LEN,
	                                MSG_COOKIE_REPLY_LEN, MSG_DATA_MIN_LEN};
	if (type >= 1 && type <= 4) {
		if (type <= 3 || len < exact[type]) {
			if (len < exact[type])
				memset(buf + len, 0, exact[type] - len);
			len = type <= 3 ? exact[type] : (len < exact[type] ? exact[type] : len);
		}
		store_le32(buf, type);
		struct wg_peer *p = wg_device_peer_find(nodes[0].dev, nodes[1].public_key);
		if (type == 4 && (mode & 0x20) && p && !p->keypairs.current)
			reconnect();
		if (type == 4 && (mode & 0x20) && p && p->keypairs.current)
			store_le32(buf + 4, p->keypairs.current->entry.index);
		if ((type == 1 || type == 2) && (mode & 0x08)) {
			struct peer_cookie pc;
			peer_cookie_init(&pc, nodes[0].public_key);
			cookie_add_macs(&pc, buf, len, now.mono_ns);
		}
	}
	under_load = mode & 0x10;
	if (mode >> 6) {
		now.mono_ns += advance[mode >> 6];
		now.real_sec += advance[mode >> 6] / 1000000000ull;
		wg_device_tick(nodes[0].dev, &now);
	}
	wg_device_udp_input(nodes[0].dev, buf, len, &nodes[1].addr, &now);
	return 0;
}
