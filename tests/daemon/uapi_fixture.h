/* The fixture of the tests that apply UAPI sets to the real WireGuard core (test_uapi_apply.c,
 * test_set_job.c): a device behind a uapi_target whose listen-port and fwmark hooks record what
 * they are given instead of touching sockets. */
#ifndef HWG_TEST_UAPI_FIXTURE_H
#define HWG_TEST_UAPI_FIXTURE_H

#include <stdint.h>

#include "daemon/uapi_apply.h"

struct uapi_fixture {
	struct wg_device *dev;
	struct key_config keys;
	struct uapi_target target;
	int port_result;     /* what the listen-port hook returns (0: it binds) */
	unsigned port_calls; /* listen-port hook calls */
	uint16_t port;       /* the port bound (0 never, a random port 40000 for 0) */
	uint32_t mark;
	unsigned sent; /* datagrams the device sent */
	struct wg_time now;
};

/* A fresh fixture (a device with no key and no peer; the clock at 1 s, 2025-11-22); NULL when
 * out of memory. */
struct uapi_fixture *uapi_fixture_new(void);
void uapi_fixture_free(struct uapi_fixture *f);
/* How many peers the device has. */
unsigned uapi_fixture_peers(struct uapi_fixture *f);

#endif
