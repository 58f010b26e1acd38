#include "daemon/netwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

int netwatch_link_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void read_mtu(const struct nlmsghdr *h, unsigned *mtu)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_MTU && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			uint32_t v;
			memcpy(&v, RTA_DATA(a), sizeof(v));
			*mtu = v;
		}
}

bool netwatch_link_events(int fd, int ifindex, unsigned *mtu)
{
	uint64_t buf[8192 / sizeof(uint64_t)];
	bool gone = false;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			/* ENOBUFS: events were lost; the caller re-checks the interface itself. */
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		size_t len = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if ((h->nlmsg_type != RTM_DELLINK && h->nlmsg_type != RTM_NEWLINK) ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				continue;
			const struct ifinfomsg *ifi = NLMSG_DATA(h);
			if (ifi->ifi_index != ifindex)
				continue;
			if (h->nlmsg_type == RTM_DELLINK)
				gone = true;
			else
				read_mtu(h, mtu);
		}
	}
	return gone;
}

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
