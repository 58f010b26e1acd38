/* The Linux TUN device: layer-3 packets without the packet-information header (IFF_TUN|IFF_NO_PI).
 */
#ifndef HWG_DAEMON_TUN_H
#define HWG_DAEMON_TUN_H

#include <net/if.h>
#include <stdbool.h>

#define TUN_DEFAULT_MTU 1420

/* Creates (or attaches to) the TUN interface `name`, sets its MTU, and returns a non-blocking fd.
 * `actual` receives the name the kernel assigned. With `offload`, the fd carries a virtio_net_hdr
 * before every packet (IFF_VNET_HDR) and TSO/checksum offloads are requested (tun_offload.h);
 * *vnet tells whether that worked. On failure returns a negative errno and *why a human-readable
 * reason (no /dev/net/tun, not permitted, busy). */
int tun_open(const char *name, int mtu, bool offload, char actual[IFNAMSIZ], bool *vnet,
             const char **why);

#endif
