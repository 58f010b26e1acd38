/* The Linux TUN device: layer-3 packets without the packet-information header (IFF_TUN|IFF_NO_PI).
 */
#ifndef HWG_DAEMON_TUN_H
#define HWG_DAEMON_TUN_H

#include <net/if.h>

#define TUN_DEFAULT_MTU 1420

/* Creates (or attaches to) the TUN interface `name`, sets its MTU, and returns a non-blocking fd.
 * `actual` receives the name the kernel assigned. On failure returns a negative errno and *why a
 * human-readable reason (no /dev/net/tun, not permitted, busy). */
int tun_open(const char *name, int mtu, char actual[IFNAMSIZ], const char **why);

#endif
