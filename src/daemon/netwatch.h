/* Watches for the two events that end the daemon besides a signal (wireguard-reference.md §2.1):
 * the TUN interface disappearing (rtnetlink RTM_DELLINK for our ifindex, e.g. `ip link del`,
 * wg-quick down) and the UAPI socket file being deleted or replaced (inotify on the path).
 *
 * An interface moved to another network namespace (`ip link set IF netns NS`, the pattern of
 * wireguard.com/netns) is not deleted: its RTM_DELLINK carries IFLA_NEW_NETNSID, and the TUN fd
 * stays attached. The watch then follows the interface into its new namespace without entering it:
 * the rtnetlink socket listens to every namespace that has an id here (NETLINK_LISTEN_ALL_NSID),
 * and keeps the events of (namespace id, ifindex). A socket opened inside the other namespace would
 * hold a reference to it and keep a container's namespace, and the interface in it, alive after
 * `ip netns del`; this way the namespace dies as usual, the kernel deletes the interface, and the
 * TUN fd reports it (EBADFD). The daemon's UDP and UAPI sockets stay where they were created, as
 * wireguard-go's do. */
#ifndef HWG_DAEMON_NETWATCH_H
#define HWG_DAEMON_NETWATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Where the watched interface is: its namespace as an id in the daemon's own namespace (-1: the
 * daemon's own namespace) and its index there. */
struct netwatch_link {
	int fd; /* rtnetlink socket in the daemon's namespace, or -1 */
	int nsid;
	int ifindex;
	bool all_nsid; /* the kernel delivers other namespaces' events (Linux 4.2+) */
};

/* Opens the watch on ifindex in the calling thread's namespace. Returns 0 or a negative errno. */
int netwatch_link_open(struct netwatch_link *w, int ifindex);
void netwatch_link_close(struct netwatch_link *w);

enum netwatch_link_change {
	NETWATCH_LINK_NONE,  /* nothing about our interface (an MTU may have been read) */
	NETWATCH_LINK_LOST,  /* the socket overflowed (ENOBUFS): events were lost, re-locate */
	NETWATCH_LINK_MOVED, /* RTM_DELLINK with IFLA_NEW_NETNSID: it lives in another namespace */
	NETWATCH_LINK_DELETED, /* RTM_DELLINK without a new namespace: the interface is gone */
};

/* What one batch of rtnetlink messages says about the interface (nsid, ifindex). Pure (fuzzed):
 * `from_nsid` is the namespace the batch came from (-1: ours). On MOVED, *new_nsid and
 * *new_ifindex receive the IFLA_NEW_NETNSID / IFLA_NEW_IFINDEX values (-1 when absent); the
 * namespace id is relative to from_nsid. *mtu receives an MTU that an RTM_NEWLINK reported. */
enum netwatch_link_change netwatch_parse_link_messages(const void *buf, size_t len, int from_nsid,
                                                       int nsid, int ifindex, unsigned *mtu,
                                                       int *new_nsid, int *new_ifindex);

/* Drains the socket. Reports the most significant change (deleted > moved > lost). On MOVED from
 * the daemon's own namespace, the watch already follows the interface; otherwise the caller calls
 * netwatch_link_locate. *mtu receives the interface's MTU when an event reported it. */
enum netwatch_link_change netwatch_link_events(struct netwatch_link *w, unsigned *mtu);

/* Finds the TUN device of tun_fd again (after a move between two other namespaces, or lost
 * events): its namespace (TUNGETDEVNETNS, given an id here when it has none), its index and *mtu.
 * Returns 0 or a negative errno (-EBADFD: the interface is gone; -ENOTTY: a kernel before 5.2). */
int netwatch_link_locate(struct netwatch_link *w, int tun_fd, unsigned *mtu);

/* True while the TUN fd is attached to an interface (in whatever namespace); false once the
 * interface was deleted (the kernel answers EBADFD). */
bool netwatch_tun_attached(int tun_fd);

/* An inotify fd watching path (its attributes change on unlink; delete_self once it is freed).
 * Returns the fd or a negative errno. */
int netwatch_path_open(const char *path);
/* Drains pending events (the caller then checks whether the path is still its own). */
void netwatch_path_drain(int fd);

#endif
