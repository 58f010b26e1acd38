/* An in-memory network of wg_device instances for the core's tests: a fake clock, a deterministic
 * (optionally scripted) random source, and a FIFO of datagrams that the test pumps, so no device
 * is ever re-entered from inside its own send callback. */
#ifndef HWG_TEST_CORE_HARNESS_H
#define HWG_TEST_CORE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "se050/budget.h"
#include "wg/wg.h"

#define H_MAX_NODES   3
#define H_MAX_QUEUE   512
#define H_MAX_PACKET  2048
#define H_MAX_CAPTURE 4096

struct h_datagram {
	int to; /* node index, or -1 for an address no node owns */
	struct wg_endpoint from;
	struct wg_endpoint dst;
	uint8_t data[H_MAX_PACKET];
	size_t len;
};

struct h_net;

/* A request handed to the node's simulated key worker (io->static_dh_submit). */
struct h_dh_job {
	uint64_t ticket;
	struct key_provider *kp; /* held */
	uint8_t input[32];
	uint64_t due_ns; /* when the worker finishes it (serial: one after the other) */
};

#define H_MAX_DH_JOBS 64

/* A blocking key provider standing in for an SE050 (the node's own private key in software, plus a
 * call count, an optional wear budget and a failure switch). The core never calls its dh(); the
 * harness's worker does. */
struct h_chip {
	struct key_provider base; /* first */
	struct key_provider *inner;
	struct h_net *net;
	unsigned calls;   /* dh() calls that reached the chip (token granted) */
	unsigned refused; /* dh() calls refused for lack of budget */
	bool fail;
	bool has_budget;
	struct nvm_budget budget;
	unsigned calls_for[256]; /* calls whose input's first byte was ... (tests tag inputs) */
};

struct h_node {
	struct h_net *net;
	int idx;
	struct wg_device *dev;
	struct wg_endpoint addr; /* where the others reach it; also its source address */
	uint8_t private_key[32];
	uint8_t public_key[32];
	uint64_t rng;
	const uint8_t *script;
	size_t script_len, script_pos;
	bool under_load;
	/* what reached its TUN side */
	unsigned delivered;
	uint8_t last_delivered[H_MAX_PACKET];
	size_t last_delivered_len;
	/* what it sent, by message type (1..4), and keepalives (32-byte data) separately */
	unsigned sent[5];
	unsigned keepalives;
	/* the simulated key worker: jobs complete dh_latency_ns apart, by themselves in h_advance
	 * unless dh_manual (then only h_dh_run finishes them) */
	struct h_dh_job dh_jobs[H_MAX_DH_JOBS];
	unsigned dh_count;
	unsigned dh_capacity; /* -EAGAIN beyond this (default H_MAX_DH_JOBS) */
	uint64_t dh_latency_ns;
	bool dh_manual;
	unsigned dh_submitted;
};

struct h_capture {
	int from_node;
	uint64_t at_ns;
	struct h_datagram d;
};

struct h_net {
	struct h_node node[H_MAX_NODES];
	int nodes;
	struct wg_time now;
	struct h_datagram queue[H_MAX_QUEUE];
	unsigned q_head, q_count;
	bool blackhole[H_MAX_NODES]; /* drop everything addressed to this node */
	/* every datagram sent, in order (for inspecting or replaying) */
	struct h_capture *capture;
	unsigned captured;
};

/* Nodes 0..n-1 with keys derived from seed; no peers yet. Node i is 10.0.0.(i+1):(51820+i), with
 * tunnel address 192.168.0.(i+1). */
void h_init(struct h_net *net, int n, uint8_t seed);
void h_free(struct h_net *net);

/* The per-test fixture of the core's test files, shaped for cmocka's setup and teardown (0 =
 * ready): a fresh network as h_init, with nodes 0 and 1 already peers when pairing says so. */
enum h_pairing { H_UNPAIRED, H_PAIR_0_1 };
int h_setup(struct h_net *net, int n, uint8_t seed, enum h_pairing pairing);
int h_teardown(struct h_net *net);
/* Declares a test file's network, `net`, and the cmocka fixtures `setup` and `teardown` that
 * rebuild it around each test: H_FIXTURE(3, 7, H_UNPAIRED) and then
 * cmocka_unit_test_setup_teardown(test_x, setup, teardown). */
#define H_FIXTURE(n, seed, pairing)                                                                \
	static struct h_net net;                                                                   \
	static int setup(void **state)                                                             \
	{                                                                                          \
		(void)state;                                                                       \
		return h_setup(&net, n, seed, pairing);                                            \
	}                                                                                          \
	static int teardown(void **state)                                                          \
	{                                                                                          \
		(void)state;                                                                       \
		return h_teardown(&net);                                                           \
	}
/* Replaces node i's interface key (before h_pair). */
void h_set_key(struct h_net *net, int i, const uint8_t private_key[32]);
/* Gives node i a blocking provider with its current private key; DH requests take latency_ns each
 * on its simulated worker. Returns the chip (owned by the device). */
struct h_chip *h_use_chip(struct h_net *net, int i, uint64_t latency_ns);
/* A wear budget on the chip: burst, refilled per minute (as src/se050/budget.h), on the
 * simulated clock. */
void h_chip_budget(struct h_chip *c, uint32_t burst, uint32_t per_minute);
/* Finishes up to max queued DH jobs of node i now, in order; returns how many. */
unsigned h_dh_run(struct h_net *net, int i, unsigned max);
/* Makes a and b peers of each other (endpoints, /32 tunnel allowed-IPs) and applies psks. */
void h_pair(struct h_net *net, int a, int b);
struct wg_peer *h_peer(struct h_net *net, int a, int b);
/* Delivers queued datagrams until none is left; returns how many. */
unsigned h_pump(struct h_net *net);
/* Advances the clock by ns, running every due timer exactly at its deadline (and pumping). */
void h_advance(struct h_net *net, uint64_t ns);
/* Builds an IPv4/UDP-like packet from tunnel address src to dst with n payload bytes. */
size_t h_ip4(uint8_t *buf, uint8_t src_host, uint8_t dst_host, size_t n);
/* Sends an IP packet into node a's TUN side toward node b's tunnel address. */
void h_send_ip(struct h_net *net, int a, int b, size_t payload);
/* Sends one packet from a to b and pumps (a handshake first if there is no session); true when b
 * delivered exactly that one packet. */
bool h_establish(struct h_net *net, int a, int b);
struct wg_device_stats h_stats(struct h_net *net, int a);
uint64_t h_dropped(struct h_net *net, int a, enum wg_drop_reason why);
/* The last captured datagram of the given type sent by node, or NULL. */
const struct h_capture *h_last_sent(struct h_net *net, int node, uint8_t type);

#endif
