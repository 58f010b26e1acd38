/* "emu:" backend: I2C transactions carried to se050-emu over a Unix SOCK_SEQPACKET socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "se050/bus.h"
#include "se050/emu_wire.h"

/* A live emulator answers every message at once (the chip's latency shows as NACKs, not silence);
 * this bounds how long a wedged emulator can hang the caller. */
#define EMU_REPLY_TIMEOUT_S 5

struct emu_bus {
	struct se050_bus base;
	int fd;
};

static int emu_roundtrip(struct emu_bus *b, const uint8_t *msg, size_t len, uint8_t *reply,
                         size_t cap, size_t *reply_len)
{
	if (send(b->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return errno == EPIPE || errno == ECONNRESET ? -ENODEV : -EIO;
	ssize_t n = recv(b->fd, reply, cap, MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -EIO;
	if (n == 0)
		return -ENODEV; /* emulator went away: like a chip that lost power */
	if ((size_t)n > cap)
		return -EPROTO;
	*reply_len = (size_t)n;
	return 0;
}

static int emu_write(struct se050_bus *bus, const uint8_t *buf, size_t len)
{
	struct emu_bus *b = (struct emu_bus *)bus;
	uint8_t msg[1 + SE050_BUS_MAX_XFER];
	uint8_t reply[4];
	size_t rlen;
	if (len > SE050_BUS_MAX_XFER)
		return -EMSGSIZE;
	msg[0] = EMU_MSG_WRITE;
	memcpy(msg + 1, buf, len);
	int r = emu_roundtrip(b, msg, 1 + len, reply, sizeof(reply), &rlen);
	if (r)
		return r;
	if (rlen == 1 && reply[0] == EMU_REPLY_ACK)
		return 0;
	if (rlen == 1 && reply[0] == EMU_REPLY_NACK)
		return -ENXIO;
	return -EPROTO;
}

static int emu_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	struct emu_bus *b = (struct emu_bus *)bus;
	uint8_t msg[3] = {EMU_MSG_READ, (uint8_t)(len >> 8), (uint8_t)len};
	uint8_t reply[1 + SE050_BUS_MAX_XFER];
	size_t rlen;
	if (len == 0 || len > SE050_BUS_MAX_XFER)
		return -EMSGSIZE;
	int r = emu_roundtrip(b, msg, sizeof(msg), reply, sizeof(reply), &rlen);
	if (r)
		return r;
	if (rlen == 1 && reply[0] == EMU_REPLY_NACK)
		return -ENXIO;
	if (rlen != 1 + len || reply[0] != EMU_REPLY_DATA)
		return -EPROTO;
	memcpy(buf, reply + 1, len);
	return 0;
}

static void emu_close(struct se050_bus *bus)
{
	struct emu_bus *b = (struct emu_bus *)bus;
	close(b->fd);
	free(b);
}

static const struct se050_bus_ops emu_ops = {
        .write = emu_write,
        .read = emu_read,
        .close = emu_close,
};

int se050_bus_emu_open(const char *socket_path, struct se050_bus **out, const char **err_msg)
{
	const char *dummy;
	if (!err_msg)
		err_msg = &dummy;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		*err_msg = "emulator socket path is too long";
		return -EINVAL;
	}
	strcpy(sa.sun_path, socket_path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err_msg = "cannot create a Unix socket";
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		*err_msg = "no SE050 emulator listening at that socket";
		return e == ENOENT || e == ECONNREFUSED ? -ENODEV : -e;
	}
	struct timeval tv = {.tv_sec = EMU_REPLY_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct emu_bus *b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		*err_msg = "out of memory";
		return -ENOMEM;
	}
	b->base.ops = &emu_ops;
	b->fd = fd;
	snprintf(b->base.lock_path, sizeof(b->base.lock_path), "%s.lock", socket_path);
	*out = &b->base;
	return 0;
}
