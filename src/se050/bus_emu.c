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
 * this bounds how long a stopped emulator can hang the caller per transaction. */
#define EMU_REPLY_TIMEOUT_MS 2000
/* Stale replies dropped while waiting for the current one. */
#define EMU_MAX_STALE 16

struct emu_bus {
	struct se050_bus base;
	int fd;
	uint8_t seq;
	struct sockaddr_un sa;
};

static int emu_connect(struct emu_bus *b)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&b->sa, sizeof(b->sa)) < 0) {
		int e = errno;
		close(fd);
		return e == ENOENT || e == ECONNREFUSED ? -ENODEV : -e;
	}
	struct timeval tv = {.tv_sec = EMU_REPLY_TIMEOUT_MS / 1000,
	                     .tv_usec = (EMU_REPLY_TIMEOUT_MS % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	b->fd = fd;
	return 0;
}

static int hang_up(struct emu_bus *b, int err)
{
	close(b->fd);
	b->fd = -1;
	return err;
}

/* Sends msg (its sequence byte is filled in here) and receives the reply that carries the same
 * sequence byte. -ENODEV when the emulator is gone, -EIO when it does not answer in time. A
 * transaction that failed leaves no trace: the connection is dropped, so the emulator discards
 * what it had not read yet (a write a silent chip never acknowledged must not run later), and the
 * next transaction connects again. */
static int emu_roundtrip(struct emu_bus *b, uint8_t *msg, size_t len, uint8_t *reply, size_t cap,
                         size_t *reply_len)
{
	if (b->fd < 0 && emu_connect(b) != 0)
		return -ENODEV;
	msg[1] = ++b->seq;
	if (send(b->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return hang_up(b, errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN
		                          ? -ENODEV
		                          : -EIO);
	for (int stale = 0; stale <= EMU_MAX_STALE; stale++) {
		ssize_t n = recv(b->fd, reply, cap, MSG_TRUNC);
		if (n < 0)
			return hang_up(b, errno == ECONNRESET ? -ENODEV : -EIO);
		if (n == 0)
			return hang_up(b, -ENODEV); /* emulator went away: a chip without power */
		if ((size_t)n > cap || n < EMU_HDR_LEN)
			return -EPROTO;
		if (reply[1] != b->seq)
			continue; /* the answer to a transaction we gave up on */
		*reply_len = (size_t)n;
		return 0;
	}
	return -EPROTO;
}

static int emu_write(struct se050_bus *bus, const uint8_t *buf, size_t len)
{
	struct emu_bus *b = (struct emu_bus *)bus;
	uint8_t msg[EMU_HDR_LEN + SE050_BUS_MAX_XFER];
	uint8_t reply[8];
	size_t rlen;
	if (len > SE050_BUS_MAX_XFER)
		return -EMSGSIZE;
	msg[0] = EMU_MSG_WRITE;
	memcpy(msg + EMU_HDR_LEN, buf, len);
	int r = emu_roundtrip(b, msg, EMU_HDR_LEN + len, reply, sizeof(reply), &rlen);
	if (r)
		return r;
	if (rlen == EMU_HDR_LEN && reply[0] == EMU_REPLY_ACK)
		return 0;
	if (rlen == EMU_HDR_LEN && reply[0] == EMU_REPLY_NACK)
		return -ENXIO;
	return -EPROTO;
}

static int emu_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	struct emu_bus *b = (struct emu_bus *)bus;
	uint8_t msg[EMU_HDR_LEN + 2] = {EMU_MSG_READ, 0, (uint8_t)(len >> 8), (uint8_t)len};
	uint8_t reply[EMU_HDR_LEN + SE050_BUS_MAX_XFER];
	size_t rlen;
	if (len == 0 || len > SE050_BUS_MAX_XFER)
		return -EMSGSIZE;
	int r = emu_roundtrip(b, msg, sizeof(msg), reply, sizeof(reply), &rlen);
	if (r)
		return r;
	if (rlen == EMU_HDR_LEN && reply[0] == EMU_REPLY_NACK)
		return -ENXIO;
	if (rlen != EMU_HDR_LEN + len || reply[0] != EMU_REPLY_DATA)
		return -EPROTO;
	memcpy(buf, reply + EMU_HDR_LEN, len);
	return 0;
}

static int emu_reopen(struct se050_bus *bus)
{
	struct emu_bus *b = (struct emu_bus *)bus;
	if (b->fd >= 0)
		hang_up(b, 0);
	return emu_connect(b) == 0 ? 0 : -ENODEV;
}

static void emu_close(struct se050_bus *bus)
{
	struct emu_bus *b = (struct emu_bus *)bus;
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

static const struct se050_bus_ops emu_ops = {
        .write = emu_write,
        .read = emu_read,
        .close = emu_close,
        .reopen = emu_reopen,
};

int se050_bus_emu_open(const char *socket_path, struct se050_bus **out, const char **err_msg)
{
	const char *dummy;
	if (!err_msg)
		err_msg = &dummy;
	struct emu_bus *b = calloc(1, sizeof(*b));
	if (!b) {
		*err_msg = "out of memory";
		return -ENOMEM;
	}
	b->sa.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof(b->sa.sun_path)) {
		free(b);
		*err_msg = "emulator socket path is too long";
		return -EINVAL;
	}
	strcpy(b->sa.sun_path, socket_path);
	int r = emu_connect(b);
	if (r) {
		free(b);
		*err_msg = r == -ENODEV ? "no SE050 emulator listening at that socket"
		                        : "cannot connect to the emulator socket";
		return r;
	}
	b->base.ops = &emu_ops;
	snprintf(b->base.lock_path, sizeof(b->base.lock_path), "%s.lock", socket_path);
	*out = &b->base;
	return 0;
}
