#include "daemon/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int set_mtu(const char *name, int mtu)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_mtu = mtu;
	int err = ioctl(s, SIOCSIFMTU, &ifr) < 0 ? -errno : 0;
	close(s);
	return err;
}

/* TUNSETIFF answers EINVAL both for a name taken by an interface of another type and for a name
 * the kernel refuses (a bad "%d" pattern, a character it does not allow). */
static const char *invalid_name_reason(const char *name)
{
	return if_nametoindex(name) ? "an interface of another type already has this name"
	                            : "the kernel refused the interface name";
}

int tun_open(const char *name, int mtu, bool offload, char actual[IFNAMSIZ], bool *vnet,
             const char **why)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int err = -errno;
		*why = err == -ENOENT ? "/dev/net/tun does not exist (is the tun module loaded?)"
		       : err == -EACCES || err == -EPERM
		               ? "cannot open /dev/net/tun: permission denied (run as root)"
		               : "cannot open /dev/net/tun";
		return err;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	int r = ioctl(fd, TUNSETIFF, &ifr);
	if (r < 0 && offload && errno == EINVAL) {
		/* an existing persistent interface without vnet headers: attach as it is */
		offload = false;
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
		r = ioctl(fd, TUNSETIFF, &ifr);
	}
	if (r < 0) {
		int err = -errno;
		*why = err == -EPERM    ? "creating a TUN interface needs root (CAP_NET_ADMIN)"
		       : err == -EBUSY  ? "the interface exists and is in use by another program"
		       : err == -EINVAL ? invalid_name_reason(name)
		                        : "TUNSETIFF failed";
		close(fd);
		return err;
	}
	*vnet = offload;
	if (offload) {
		/* Without these the kernel simply sends no GSO packets; the header stays either
		 * way. */
		unsigned long features = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
		if (ioctl(fd, TUNSETOFFLOAD, features) < 0)
			ioctl(fd, TUNSETOFFLOAD, 0ul);
	}
	memcpy(actual, ifr.ifr_name, IFNAMSIZ);
	actual[IFNAMSIZ - 1] = '\0';
	int err = set_mtu(actual, mtu);
	if (err) {
		*why = "cannot set the interface MTU";
		close(fd);
		return err;
	}
	return fd;
}
