/* Watches for the two events that end the daemon besides a signal (wireguard-reference.md §2.1):
 * the TUN interface disappearing (rtnetlink RTM_DELLINK for our ifindex, e.g. `ip link del`,
 * wg-quick down) and the UAPI socket file being deleted or replaced (inotify on the path). */
#ifndef HWG_DAEMON_NETWATCH_H
#define HWG_DAEMON_NETWATCH_H

#include <stdbool.h>

/* A netlink socket subscribed to link events. Returns the fd or a negative errno. */
int netwatch_link_open(void);
/* Drains the socket. Returns true when our interface was deleted; *mtu receives the interface's
 * MTU when an event reported it (left alone otherwise). */
bool netwatch_link_events(int fd, int ifindex, unsigned *mtu);

/* An inotify fd watching path (its attributes change on unlink; delete_self once it is freed).
 * Returns the fd or a negative errno. */
int netwatch_path_open(const char *path);
/* Drains pending events (the caller then checks whether the path is still its own). */
void netwatch_path_drain(int fd);

#endif
