/* Interop helper for test_interop_wggo.sh: runs the protocol core against a real wireguard-go over
 * UDP on 127.0.0.1, with ICMP echo as the tunnelled traffic (the peer's Linux stack answers it).
 *   init MODE: we start the handshake and send 5 pings of varied sizes; success = 5 replies.
 *   resp MODE: wireguard-go starts it (the script pings us); success = 3 requests answered.
 * Prints "pub <base64>" first so the script can configure wireguard-go with our key. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/codec.h"
#include "crypto/random.h"
#include "keys/soft.h"
#include "wg/wg.h"

#define OUR_PORT  52000
#define PEER_PORT 51999

static int sock;
static struct wg_device *dev;
static int replies, requests;

static struct wg_time now(void)
{
	struct timespec m, r;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	struct wg_time t = {(uint64_t)m.tv_sec * 1000000000ull + (uint64_t)m.tv_nsec,
	                    (uint64_t)r.tv_sec, (uint32_t)r.tv_nsec};
	return t;
}

static uint16_t checksum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t icmp_echo(uint8_t *b, const uint8_t src[4], const uint8_t dst[4], uint8_t type,
                        const uint8_t id_seq[4], const uint8_t *payload, size_t n)
{
	size_t len = 28 + n;
	memset(b, 0, 28);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[8] = 64;
	b[9] = 1; /* ICMP */
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	uint16_t c = checksum(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	b[20] = type;
	memcpy(b + 24, id_seq, 4);
	memmove(b + 28, payload, n);
	c = checksum(b + 20, 8 + n);
	b[22] = (uint8_t)(c >> 8);
	b[23] = (uint8_t)c;
	return len;
}

static void io_send(void *ctx, const struct wg_endpoint *to, const uint8_t *p, size_t len)
{
	sendto(sock, p, len, 0, &to->addr.sa, sizeof(to->addr.in4));
}

static void io_deliver(void *ctx, const uint8_t *p, size_t len)
{
	if (len < 28 || p[9] != 1)
		return;
	if (p[20] == 0) {
		replies++;
		printf("echo reply, %zu bytes\n", len);
	} else if (p[20] == 8) {
		uint8_t b[2048];
		struct wg_time t = now();
		requests++;
		printf("echo request, %zu bytes\n", len);
		size_t n = icmp_echo(b, p + 16, p + 12, 0, p + 24, p + 28, len - 28);
		wg_device_tun_input(dev, b, n, &t);
	}
}

static void io_random(void *ctx, void *buf, size_t len)
{
	random_bytes(buf, len);
}

int main(int argc, char **argv)
{
	uint8_t peer_key[32], priv[32];

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("wg_interop_peer %s\n", HWGUARD_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: %s init|resp WIREGUARD_GO_PUBLIC_KEY_HEX\n"
		       "Runs the WireGuard core against wireguard-go on 127.0.0.1:%d (see "
		       "test_interop_wggo.sh).\n",
		       argv[0], PEER_PORT);
		return 0;
	}
	if (argc != 3 || (strcmp(argv[1], "init") && strcmp(argv[1], "resp")) ||
	    hex_decode(peer_key, sizeof(peer_key), argv[2], strlen(argv[2]))) {
		fprintf(stderr, "usage: %s init|resp WIREGUARD_GO_PUBLIC_KEY_HEX\n", argv[0]);
		return 2;
	}
	bool initiator = strcmp(argv[1], "init") == 0;
	random_bytes(priv, sizeof(priv));
	struct key_provider *kp = soft_key_provider_new(priv);
	char pub64[BASE64_LEN(32) + 1];
	base64_encode(pub64, kp->public_key, 32);
	printf("pub %s\n", pub64);
	fflush(stdout);

	sock = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(OUR_PORT)};
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sock < 0 || bind(sock, (struct sockaddr *)&me, sizeof(me)) != 0) {
		perror("udp socket");
		return 1;
	}
	struct wg_io io = {.send = io_send, .deliver = io_deliver, .random = io_random};
	struct wg_time t = now();
	dev = wg_device_new(&io);
	wg_device_set_key(dev, kp, &t);
	wg_device_set_mtu(dev, 1420);
	int err;
	struct wg_peer *peer = wg_device_peer_add(dev, peer_key, &err);
	struct wg_endpoint ep;
	memset(&ep, 0, sizeof(ep));
	ep.addr.in4.sin_family = AF_INET;
	ep.addr.in4.sin_port = htons(PEER_PORT);
	ep.addr.in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	wg_peer_set_endpoint(peer, &ep);
	static const uint8_t us[4] = {10, 99, 0, 2}, them[4] = {10, 99, 0, 1};
	wg_peer_allowed_ip_add(dev, peer, AF_INET, them, 32);
	wg_peer_config_done(dev, peer, &t);
	sleep(2); /* the script configures wireguard-go meanwhile */

	static uint8_t payload[1200];
	memset(payload, 0xab, sizeof(payload));
	int pings = 0;
	uint64_t deadline = now().mono_ns + 20000000000ull, next_ping = 0;
	while (now().mono_ns < deadline) {
		t = now();
		if (initiator && pings < 5 && t.mono_ns >= next_ping) {
			uint8_t b[2048], id_seq[4] = {0, 77, 0, (uint8_t)pings};
			/* 28, 41, 54, 67 bytes, then 1228 (padding to 16 and up to the MTU) */
			size_t n = pings == 4 ? sizeof(payload) : (size_t)pings * 13;
			n = icmp_echo(b, us, them, 8, id_seq, payload, n);
			wg_device_tun_input(dev, b, n, &t);
			pings++;
			next_ping = t.mono_ns + 300000000ull;
		}
		uint64_t next = wg_device_tick(dev, &t);
		int ms = (int)((next > t.mono_ns ? next - t.mono_ns : 0) / 1000000) + 1;
		struct pollfd pfd = {.fd = sock, .events = POLLIN};
		if (poll(&pfd, 1, ms > 100 ? 100 : ms) > 0) {
			uint8_t buf[2048];
			struct wg_endpoint from;
			socklen_t flen = sizeof(from.addr.in4);
			memset(&from, 0, sizeof(from));
			ssize_t n = recvfrom(sock, buf, sizeof(buf), 0, &from.addr.sa, &flen);
			t = now();
			if (n > 0)
				wg_device_udp_input(dev, buf, (size_t)n, &from, &t);
		}
		if ((initiator && replies >= 5) || (!initiator && requests >= 3))
			break;
	}
	if (!initiator)
		usleep(300000); /* let the last reply leave */

	struct wg_device_stats st;
	wg_device_stats(dev, &st);
	printf("replies=%d requests=%d handshakes_completed=%llu drops:", replies, requests,
	       (unsigned long long)st.handshakes_completed);
	for (int i = 0; i < WG_DROP_REASONS; i++)
		if (st.dropped[i])
			printf(" %s=%llu", wg_drop_reason_name((enum wg_drop_reason)i),
			       (unsigned long long)st.dropped[i]);
	printf("\n");
	wg_device_free(dev);
	close(sock);
	return (initiator ? replies >= 5 : requests >= 3) ? 0 : 1;
}
