#include "uapi_fixture.h"

#include <stdlib.h>

#include "crypto/random.h"

static void io_send(void *ctx, const struct wg_endpoint *to, const uint8_t *p, size_t len)
{
	((struct uapi_fixture *)ctx)->sent++;
}

static void io_deliver(void *ctx, const uint8_t *p, size_t len)
{
}

static void io_random(void *ctx, void *buf, size_t len)
{
	random_bytes(buf, len);
}

static int hook_port(void *ctx, uint16_t port)
{
	struct uapi_fixture *f = ctx;
	f->port_calls++;
	if (f->port_result)
		return f->port_result;
	f->port = port ? port : 40000;
	return 0;
}

static int hook_mark(void *ctx, uint32_t mark)
{
	((struct uapi_fixture *)ctx)->mark = mark;
	return 0;
}

struct uapi_fixture *uapi_fixture_new(void)
{
	struct uapi_fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	struct wg_io io = {.ctx = f, .send = io_send, .deliver = io_deliver, .random = io_random};
	f->dev = wg_device_new(&io);
	if (!f->dev) {
		free(f);
		return NULL;
	}
	f->target = (struct uapi_target){
	        .dev = f->dev,
	        .key_config = &f->keys,
	        .ctx = f,
	        .set_listen_port = hook_port,
	        .set_fwmark = hook_mark,
	};
	f->now = (struct wg_time){.mono_ns = 1000000000ull, .real_sec = 1763780000};
	return f;
}

void uapi_fixture_free(struct uapi_fixture *f)
{
	wg_device_free(f->dev);
	free(f);
}

static int count_one(void *ctx, struct wg_peer *peer)
{
	(void)peer;
	++*(unsigned *)ctx;
	return 0;
}

unsigned uapi_fixture_peers(struct uapi_fixture *f)
{
	unsigned n = 0;
	wg_device_foreach_peer(f->dev, count_one, &n);
	return n;
}
