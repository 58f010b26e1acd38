#include "test_core_harness.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/x25519.h"
#include "keys/soft.h"

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void h_random(void *ctx, void *buf, size_t len)
{
	struct h_node *n = ctx;
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++) {
		if (n->script_pos < n->script_len)
			p[i] = n->script[n->script_pos++];
		else
			p[i] = (uint8_t)splitmix(&n->rng);
	}
}

static bool same_endpoint(const struct wg_endpoint *a, const struct wg_endpoint *b)
{
	return a->addr.in4.sin_family == b->addr.in4.sin_family &&
	       a->addr.in4.sin_port == b->addr.in4.sin_port &&
	       a->addr.in4.sin_addr.s_addr == b->addr.in4.sin_addr.s_addr;
}

static void h_send(void *ctx, const struct wg_endpoint *to, const uint8_t *packet, size_t len)
{
	struct h_node *n = ctx;
	struct h_net *net = n->net;

	if (len >= 4 && packet[0] >= 1 && packet[0] <= 4)
		n->sent[packet[0]]++;
	if (len == 32 && packet[0] == 4)
		n->keepalives++;
	int target = -1;
	for (int i = 0; i < net->nodes; i++)
		if (same_endpoint(to, &net->node[i].addr))
			target = i;
	struct h_datagram d = {.to = target, .from = n->addr, .dst = *to, .len = len};
	if (len > sizeof(d.data))
		return;
	memcpy(d.data, packet, len);
	if (net->captured < H_MAX_CAPTURE) {
		struct h_capture *c = &net->capture[net->captured++];
		c->from_node = n->idx;
		c->at_ns = net->now.mono_ns;
		c->d = d;
	}
	if (target < 0 || net->blackhole[target] || net->q_count == H_MAX_QUEUE)
		return;
	net->queue[(net->q_head + net->q_count) % H_MAX_QUEUE] = d;
	net->q_count++;
}

static void h_deliver(void *ctx, const uint8_t *ip, size_t len)
{
	struct h_node *n = ctx;
	n->delivered++;
	n->last_delivered_len = len < H_MAX_PACKET ? len : H_MAX_PACKET;
	memcpy(n->last_delivered, ip, n->last_delivered_len);
}

static bool h_under_load(void *ctx)
{
	return ((struct h_node *)ctx)->under_load;
}

static int h_dh_submit(void *ctx, struct key_provider *kp, const uint8_t input[32], uint64_t ticket)
{
	struct h_node *n = ctx;
	unsigned cap = n->dh_capacity ? n->dh_capacity : H_MAX_DH_JOBS;
	if (n->dh_count >= cap)
		return -EAGAIN;
	uint64_t start = n->net->now.mono_ns;
	if (n->dh_count && n->dh_jobs[n->dh_count - 1].due_ns > start)
		start = n->dh_jobs[n->dh_count - 1].due_ns;
	struct h_dh_job *j = &n->dh_jobs[n->dh_count++];
	j->ticket = ticket;
	j->kp = key_provider_hold(kp);
	memcpy(j->input, input, 32);
	j->due_ns = start + n->dh_latency_ns;
	n->dh_submitted++;
	return 0;
}

/* The worker finishes the oldest job: the chip computes now, the device hears of it. */
static void finish_one(struct h_net *net, struct h_node *n)
{
	struct h_dh_job j = n->dh_jobs[0];
	memmove(n->dh_jobs, n->dh_jobs + 1, (n->dh_count - 1) * sizeof(n->dh_jobs[0]));
	n->dh_count--;
	uint8_t shared[32] = {0};
	int err = key_provider_dh(j.kp, shared, j.input);
	key_provider_destroy(j.kp);
	wg_device_static_dh_done(n->dev, j.ticket, err, shared, &net->now);
}

unsigned h_dh_run(struct h_net *net, int i, unsigned max)
{
	unsigned done = 0;
	while (done < max && net->node[i].dh_count) {
		finish_one(net, &net->node[i]);
		done++;
	}
	return done;
}

static int chip_dh(struct key_provider *kp, uint8_t shared[32], const uint8_t pub[32])
{
	struct h_chip *c = (struct h_chip *)kp;
	if (c->fail)
		return -EIO;
	if (c->has_budget && !nvm_budget_take(&c->budget, c->net->now.mono_ns / 1000000)) {
		c->refused++;
		return -EBUSY;
	}
	c->calls++;
	c->calls_for[pub[0]]++;
	return key_provider_dh(c->inner, shared, pub);
}

static void chip_budget_op(struct key_provider *kp, unsigned *left, unsigned *capacity)
{
	struct h_chip *c = (struct h_chip *)kp;
	*left = *capacity = UINT_MAX;
	if (!c->has_budget)
		return;
	struct nvm_budget probe = c->budget;
	*capacity = probe.burst;
	*left = 0;
	while (*left < probe.burst && nvm_budget_take(&probe, c->net->now.mono_ns / 1000000))
		++*left;
}

static void chip_destroy(struct key_provider *kp)
{
	struct h_chip *c = (struct h_chip *)kp;
	key_provider_destroy(c->inner);
	free(c);
}

static const struct key_provider_ops chip_ops = {
        .name = "chip",
        .dh = chip_dh,
        .destroy = chip_destroy,
        .budget = chip_budget_op,
        .blocking = true,
};

struct h_chip *h_use_chip(struct h_net *net, int i, uint64_t latency_ns)
{
	struct h_node *node = &net->node[i];
	struct h_chip *c = calloc(1, sizeof(*c));
	c->inner = soft_key_provider_new(node->private_key);
	c->net = net;
	c->base = *c->inner;
	c->base.refs = 0;
	c->base.ops = &chip_ops;
	node->dh_latency_ns = latency_ns;
	wg_device_set_key(node->dev, &c->base, &net->now);
	return c;
}

void h_chip_budget(struct h_chip *c, uint32_t burst, uint32_t per_minute)
{
	c->has_budget = true;
	nvm_budget_init(&c->budget, burst, per_minute, c->net->now.mono_ns / 1000000);
}

static void make_endpoint(struct wg_endpoint *ep, int i)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.in4.sin_family = AF_INET;
	ep->addr.in4.sin_port = htons((uint16_t)(51820 + i));
	ep->addr.in4.sin_addr.s_addr = htonl(0x0a000001u + (uint32_t)i);
}

void h_init(struct h_net *net, int n, uint8_t seed)
{
	memset(net, 0, sizeof(*net));
	net->nodes = n;
	net->now.mono_ns = 1000 * 1000000000ull;
	net->now.real_sec = 1700000000;
	net->capture = calloc(H_MAX_CAPTURE, sizeof(*net->capture));
	for (int i = 0; i < n; i++) {
		struct h_node *node = &net->node[i];
		node->net = net;
		node->idx = i;
		node->rng = (uint64_t)seed << 8 | (uint64_t)i;
		make_endpoint(&node->addr, i);
		for (int j = 0; j < 32; j++)
			node->private_key[j] = (uint8_t)(seed * 31 + i * 17 + j * 3 + 1);
		x25519_clamp(node->private_key);
		x25519_public_key(node->public_key, node->private_key);
		struct wg_io io = {
		        .ctx = node,
		        .send = h_send,
		        .deliver = h_deliver,
		        .random = h_random,
		        .under_load = h_under_load,
		        .static_dh_submit = h_dh_submit,
		};
		node->dev = wg_device_new(&io);
		wg_device_set_key(node->dev, soft_key_provider_new(node->private_key), &net->now);
	}
}

void h_set_key(struct h_net *net, int i, const uint8_t private_key[32])
{
	struct h_node *node = &net->node[i];
	memcpy(node->private_key, private_key, 32);
	x25519_clamp(node->private_key);
	x25519_public_key(node->public_key, node->private_key);
	wg_device_set_key(node->dev, soft_key_provider_new(node->private_key), &net->now);
}

void h_free(struct h_net *net)
{
	for (int i = 0; i < net->nodes; i++) {
		for (unsigned k = 0; k < net->node[i].dh_count; k++)
			key_provider_destroy(net->node[i].dh_jobs[k].kp);
		wg_device_free(net->node[i].dev);
	}
	free(net->capture);
}

int h_setup(struct h_net *net, int n, uint8_t seed, enum h_pairing pairing)
{
	h_init(net, n, seed);
	if (pairing == H_PAIR_0_1)
		h_pair(net, 0, 1);
	return 0;
}

int h_teardown(struct h_net *net)
{
	h_free(net);
	return 0;
}

void h_pair(struct h_net *net, int a, int b)
{
	int err = 0;
	for (int k = 0; k < 2; k++) {
		struct h_node *self = &net->node[k ? b : a], *other = &net->node[k ? a : b];
		struct wg_peer *p = wg_device_peer_add(self->dev, other->public_key, &err);
		wg_peer_set_endpoint(p, &other->addr);
		uint8_t tun[4] = {192, 168, 0, (uint8_t)(other->idx + 1)};
		wg_peer_allowed_ip_add(self->dev, p, AF_INET, tun, 32);
		wg_peer_config_done(self->dev, p, &net->now);
	}
}

struct wg_peer *h_peer(struct h_net *net, int a, int b)
{
	return wg_device_peer_find(net->node[a].dev, net->node[b].public_key);
}

unsigned h_pump(struct h_net *net)
{
	unsigned n = 0;
	while (net->q_count) {
		struct h_datagram d = net->queue[net->q_head];
		net->q_head = (net->q_head + 1) % H_MAX_QUEUE;
		net->q_count--;
		wg_device_udp_input(net->node[d.to].dev, d.data, d.len, &d.from, &net->now);
		n++;
	}
	return n;
}

void h_advance(struct h_net *net, uint64_t ns)
{
	uint64_t end = net->now.mono_ns + ns;
	for (;;) {
		uint64_t next = end;
		/* Everything due now, until nothing moves: finished key-worker jobs, datagrams,
		 * timers (each may cause the others). */
		for (bool busy = true; busy;) {
			busy = false;
			for (int i = 0; i < net->nodes; i++) {
				struct h_node *n = &net->node[i];
				while (!n->dh_manual && n->dh_count &&
				       n->dh_jobs[0].due_ns <= net->now.mono_ns) {
					finish_one(net, n);
					busy = true;
				}
			}
			busy |= h_pump(net) > 0;
			for (int i = 0; i < net->nodes; i++) {
				uint64_t t = wg_device_tick(net->node[i].dev, &net->now);
				if (t < next)
					next = t;
			}
			busy |= h_pump(net) > 0;
		}
		for (int i = 0; i < net->nodes; i++) {
			struct h_node *n = &net->node[i];
			if (!n->dh_manual && n->dh_count && n->dh_jobs[0].due_ns < next)
				next = n->dh_jobs[0].due_ns;
		}
		if (net->now.mono_ns >= end)
			break;
		if (next <= net->now.mono_ns)
			next = net->now.mono_ns + 1;
		if (next > end)
			next = end;
		uint64_t step = next - net->now.mono_ns;
		net->now.mono_ns += step;
		net->now.real_nsec += (uint32_t)(step % 1000000000ull);
		net->now.real_sec += step / 1000000000ull + net->now.real_nsec / 1000000000u;
		net->now.real_nsec %= 1000000000u;
	}
}

size_t h_ip4(uint8_t *buf, uint8_t src_host, uint8_t dst_host, size_t n)
{
	size_t len = 20 + n;
	memset(buf, 0, len);
	buf[0] = 0x45;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	buf[8] = 64;
	buf[9] = 17;
	buf[12] = 192, buf[13] = 168, buf[15] = src_host;
	buf[16] = 192, buf[17] = 168, buf[19] = dst_host;
	for (size_t i = 0; i < n; i++)
		buf[20 + i] = (uint8_t)(i * 7 + dst_host);
	return len;
}

void h_send_ip(struct h_net *net, int a, int b, size_t payload)
{
	uint8_t buf[H_MAX_PACKET];
	size_t len = h_ip4(buf, (uint8_t)(a + 1), (uint8_t)(b + 1), payload);
	wg_device_tun_input(net->node[a].dev, buf, len, &net->now);
}

bool h_establish(struct h_net *net, int a, int b)
{
	unsigned before = net->node[b].delivered;
	h_send_ip(net, a, b, 1);
	h_pump(net);
	return net->node[b].delivered == before + 1;
}

struct wg_device_stats h_stats(struct h_net *net, int a)
{
	struct wg_device_stats st;
	wg_device_stats(net->node[a].dev, &st);
	return st;
}

uint64_t h_dropped(struct h_net *net, int a, enum wg_drop_reason why)
{
	return h_stats(net, a).dropped[why];
}

const struct h_capture *h_last_sent(struct h_net *net, int node, uint8_t type)
{
	for (unsigned i = net->captured; i-- > 0;)
		if (net->capture[i].from_node == node && net->capture[i].d.data[0] == type)
			return &net->capture[i];
	return NULL;
}
