#include "daemon/netwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* ---- parsing (pure) ---- */

/* NLMSG_OK/NLMSG_NEXT with a signed length: with an unsigned one, a last message whose length is
 * not a multiple of 4 would make the remaining length wrap around. */
static bool msg_ok(const struct nlmsghdr *h, int left)
{
	return left >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
	       h->nlmsg_len <= (unsigned)left;
}

static const struct nlmsghdr *msg_next(const struct nlmsghdr *h, int *left)
{
	*left -= (int)NLMSG_ALIGN(h->nlmsg_len);
	return (const struct nlmsghdr *)((const char *)h + NLMSG_ALIGN(h->nlmsg_len));
}

struct link_attrs {
	bool has_mtu, has_new_nsid, has_new_ifindex, has_if_nsid;
	uint32_t mtu;
	int32_t new_nsid, new_ifindex, if_nsid;
};

static void read_attrs(const struct nlmsghdr *h, struct link_attrs *out)
{
	memset(out, 0, sizeof(*out));
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (RTA_PAYLOAD(a) < sizeof(uint32_t))
			continue;
		uint32_t v;
		memcpy(&v, RTA_DATA(a), sizeof(v));
		switch (a->rta_type) {
		case IFLA_MTU:
			out->has_mtu = true;
			out->mtu = v;
			break;
		case IFLA_NEW_NETNSID:
			out->has_new_nsid = true;
			out->new_nsid = (int32_t)v;
			break;
		case IFLA_NEW_IFINDEX:
			out->has_new_ifindex = true;
			out->new_ifindex = (int32_t)v;
			break;
		case IFLA_IF_NETNSID: /* a reply to a request aimed at another namespace */
			out->has_if_nsid = true;
			out->if_nsid = (int32_t)v;
			break;
		}
	}
}

enum netwatch_link_change netwatch_parse_link_messages(const void *buf, size_t len, int from_nsid,
                                                       int nsid, int ifindex, unsigned *mtu,
                                                       int *new_nsid, int *new_ifindex)
{
	enum netwatch_link_change change = NETWATCH_LINK_NONE;
	*new_nsid = *new_ifindex = -1;
	int left = len > 1u << 30 ? 1 << 30 : (int)len;
	for (const struct nlmsghdr *h = buf; msg_ok(h, left); h = msg_next(h, &left)) {
		if ((h->nlmsg_type != RTM_DELLINK && h->nlmsg_type != RTM_NEWLINK) ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			continue;
		const struct ifinfomsg *ifi = NLMSG_DATA(h);
		struct link_attrs at;
		read_attrs(h, &at);
		int msg_nsid = at.has_if_nsid ? at.if_nsid : from_nsid;
		if (msg_nsid != nsid || ifi->ifi_index != ifindex)
			continue;
		if (h->nlmsg_type == RTM_NEWLINK) {
			if (at.has_mtu)
				*mtu = at.mtu;
		} else if (at.has_new_nsid) {
			if (change < NETWATCH_LINK_MOVED) {
				change = NETWATCH_LINK_MOVED;
				*new_nsid = at.new_nsid;
				*new_ifindex = at.has_new_ifindex ? at.new_ifindex : -1;
			}
		} else {
			/* deleted after (or without) a move: nowhere to follow it */
			change = NETWATCH_LINK_DELETED;
			*new_nsid = *new_ifindex = -1;
		}
	}
	return change;
}

/* ---- the watch ---- */

static int rtnl_socket(int flags, unsigned groups)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | flags, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = groups;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int netwatch_link_open(struct netwatch_link *w, int ifindex)
{
	w->nsid = -1;
	w->ifindex = ifindex;
	w->all_nsid = false;
	w->fd = rtnl_socket(SOCK_NONBLOCK, RTMGRP_LINK);
	if (w->fd < 0)
		return w->fd;
	int one = 1;
	w->all_nsid =
	        setsockopt(w->fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &one, sizeof(one)) == 0;
	return 0;
}

void netwatch_link_close(struct netwatch_link *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

static enum netwatch_link_change worse(enum netwatch_link_change a, enum netwatch_link_change b)
{
	return a > b ? a : b;
}

enum netwatch_link_change netwatch_link_events(struct netwatch_link *w, unsigned *mtu)
{
	uint64_t buf[8192 / sizeof(uint64_t)];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctrl;
	enum netwatch_link_change result = NETWATCH_LINK_NONE;
	for (int round = 0; round < 1024; round++) {
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr m = {.msg_iov = &iov,
		                   .msg_iovlen = 1,
		                   .msg_control = ctrl.buf,
		                   .msg_controllen = sizeof(ctrl.buf)};
		ssize_t n = recvmsg(w->fd, &m, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) { /* the queue overflowed: what was lost is unknown */
				result = worse(result, NETWATCH_LINK_LOST);
				continue;
			}
			break;
		}
		if (n == 0)
			break;
		if (m.msg_flags & MSG_TRUNC)
			result = worse(result, NETWATCH_LINK_LOST);
		/* No namespace id in the ancillary data: the event is from our own namespace. */
		int from = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_NETLINK &&
			    c->cmsg_type == NETLINK_LISTEN_ALL_NSID &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&from, CMSG_DATA(c), sizeof(int));
		int new_nsid, new_ifindex;
		enum netwatch_link_change c = netwatch_parse_link_messages(
		        buf, (size_t)n, from, w->nsid, w->ifindex, mtu, &new_nsid, &new_ifindex);
		if (c == NETWATCH_LINK_MOVED && from == -1 && new_ifindex > 0 && w->all_nsid) {
			/* Moved out of our namespace: the id is one of ours, and the new
			 * namespace's events reach this socket from now on. */
			w->nsid = new_nsid;
			w->ifindex = new_ifindex;
		} else if (c == NETWATCH_LINK_MOVED) {
			/* Moved on from another namespace: its id names the destination relative
			 * to that namespace, not to ours. */
			c = NETWATCH_LINK_LOST;
		}
		result = worse(result, c);
	}
	return result;
}

bool netwatch_tun_attached(int tun_fd)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	return ioctl(tun_fd, TUNGETIFF, &ifr) == 0 || errno != EBADFD;
}

/* ---- locating the interface again (synchronous requests) ---- */

struct rtnl_request {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct rtgenmsg gen;
	} body;
	char attrs[64];
};

/* A request of type with flags, its header body (body_len bytes) zeroed: family AF_UNSPEC. */
static void rtnl_request_init(struct rtnl_request *r, unsigned short type, unsigned short flags,
                              size_t body_len)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(body_len);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = flags;
}

static void add_attr(struct rtnl_request *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Sends the request and reads the answer into buf. Returns its length, or a negative errno (the
 * kernel's NLMSG_ERROR answer included). */
static int rtnl_transact(int fd, struct rtnl_request *r, void *buf, size_t cap)
{
	static unsigned seq;
	r->h.nlmsg_seq = ++seq;
	if (send(fd, r, r->h.nlmsg_len, 0) < 0)
		return -errno;
	for (int tries = 0; tries < 16; tries++) {
		ssize_t n = recv(fd, buf, cap, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int left = (int)n;
		for (const struct nlmsghdr *h = buf; msg_ok(h, left); h = msg_next(h, &left)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA((struct nlmsghdr *)h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error ? e->error : -ENODATA;
			}
			memmove(buf, h, h->nlmsg_len);
			return (int)h->nlmsg_len;
		}
	}
	return -ETIMEDOUT;
}

/* The id of the namespace behind ns_fd in ours, given one when it has none. */
static int namespace_id(int fd, int ns_fd)
{
	uint64_t buf[1024];
	for (int attempt = 0; attempt < 2; attempt++) {
		struct rtnl_request r;
		rtnl_request_init(&r, RTM_GETNSID, NLM_F_REQUEST, sizeof(struct rtgenmsg));
		uint32_t fdv = (uint32_t)ns_fd;
		add_attr(&r, NETNSA_FD, &fdv, sizeof(fdv));
		int n = rtnl_transact(fd, &r, buf, sizeof(buf));
		if (n < 0)
			return n;
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		struct rtgenmsg *g = NLMSG_DATA(h);
		int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*g)));
		int32_t id = -1;
		for (struct rtattr *a = (struct rtattr *)((char *)g + NLMSG_ALIGN(sizeof(*g)));
		     RTA_OK(a, len); a = RTA_NEXT(a, len))
			if (a->rta_type == NETNSA_NSID && RTA_PAYLOAD(a) >= sizeof(id))
				memcpy(&id, RTA_DATA(a), sizeof(id));
		if (id >= 0)
			return id;
		if (attempt)
			break;
		/* None yet: ask the kernel to allocate one (NETNSA_NSID -1 = any free id). */
		rtnl_request_init(&r, RTM_NEWNSID, NLM_F_REQUEST | NLM_F_ACK,
		                  sizeof(struct rtgenmsg));
		add_attr(&r, NETNSA_FD, &fdv, sizeof(fdv));
		int32_t any = -1;
		add_attr(&r, NETNSA_NSID, &any, sizeof(any));
		n = rtnl_transact(fd, &r, buf, sizeof(buf));
		if (n < 0 && n != -ENODATA && n != -EEXIST)
			return n;
	}
	return -ENOENT;
}

/* Index and MTU of the interface called name in namespace nsid (-1: ours). */
static int query_link(int fd, int nsid, const char *name, int *ifindex, unsigned *mtu)
{
	uint64_t buf[2048];
	struct rtnl_request r;
	rtnl_request_init(&r, RTM_GETLINK, NLM_F_REQUEST, sizeof(struct ifinfomsg));
	add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	if (nsid >= 0) {
		int32_t id = nsid;
		add_attr(&r, IFLA_TARGET_NETNSID, &id, sizeof(id));
	}
	int n = rtnl_transact(fd, &r, buf, sizeof(buf));
	if (n < 0)
		return n;
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -EPROTO;
	struct link_attrs at;
	read_attrs(h, &at);
	*ifindex = ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
	if (at.has_mtu)
		*mtu = at.mtu;
	return 0;
}

static bool same_namespace(int a_fd, const char *b_path)
{
	struct stat a, b;
	return fstat(a_fd, &a) == 0 && stat(b_path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int netwatch_link_locate(struct netwatch_link *w, int tun_fd, unsigned *mtu)
{
	int fd = rtnl_socket(0, 0);
	if (fd < 0)
		return fd;
	struct timeval tv = {.tv_sec = 1};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* A move sends its RTM_DELLINK while it holds the RTNL lock and finishes after; a request
	 * that takes the lock (any RTM_GETLINK) returns only once the move is complete, so the
	 * TUN device's namespace read after it is the new one. */
	int ignored_index;
	unsigned ignored_mtu;
	query_link(fd, -1, "lo", &ignored_index, &ignored_mtu);

	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	int err = 0;
	int ns_fd = -1;
	if (ioctl(tun_fd, TUNGETIFF, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	ns_fd = ioctl(tun_fd, TUNGETDEVNETNS);
	if (ns_fd < 0) {
		err = -errno;
		goto out;
	}
	int nsid = -1;
	if (!same_namespace(ns_fd, "/proc/thread-self/ns/net")) {
		nsid = namespace_id(fd, ns_fd);
		if (nsid < 0) {
			err = nsid;
			goto out;
		}
	}
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	int ifindex;
	err = query_link(fd, nsid, ifr.ifr_name, &ifindex, mtu);
	if (!err) {
		w->nsid = nsid;
		w->ifindex = ifindex;
	}
out:
	if (ns_fd >= 0)
		close(ns_fd); /* held only for the query: the daemon must not keep it alive */
	close(fd);
	return err;
}

/* ---- the socket path ---- */

int netwatch_path_open(const char *path)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, path, IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void netwatch_path_drain(int fd)
{
	uint64_t buf[4096 / sizeof(uint64_t)];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}
