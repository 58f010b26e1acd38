/* The running daemon: one thread, one epoll loop over the TUN fd, the UDP socket, the UAPI socket
 * and its connections, rtnetlink link events, an inotify watch on the socket path and a signalfd.
 * Timers come from wg_device_tick. */
#ifndef HWG_DAEMON_DAEMON_H
#define HWG_DAEMON_DAEMON_H

#include <net/if.h>
#include <stdbool.h>

#include "daemon/uapi_server.h"
#include "keys/select.h"

struct daemon_params {
	char ifname[IFNAMSIZ];
	int tun_fd;                /* from tun_open, non-blocking */
	bool tun_vnet;             /* packets on tun_fd carry a virtio_net_hdr */
	struct uapi_listener uapi; /* from uapi_listen */
	struct key_config keys;
	/* The interface key bound at startup (--key, HWGUARD_KEY), or NULL: UAPI cannot replace it
	 * (docs/daemon.md "Keys"). daemon_run takes ownership. */
	struct key_provider *bound_key;
	/* Where the TAI64N high-water mark is kept (NULL: TAI64N_MARK_DEFAULT_DIR); see
	 * daemon/tai64n_mark.h. */
	const char *state_dir;
};

/* Runs until SIGINT/SIGTERM, deletion of the interface or of the socket file. Takes ownership of
 * the fds; unlinks the socket on the way out. Returns a process exit status. */
int daemon_run(struct daemon_params *p);

#endif
