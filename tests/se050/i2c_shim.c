/* LD_PRELOAD shim that turns a file into an I2C bus with an SE050 on it, so that the production
 * i2c-dev backend (src/se050/bus_i2c.c) runs unchanged in CI: open(2) of $HWG_I2C_SHIM_DEV, then
 * ioctl(I2C_FUNCS / I2C_SLAVE / I2C_PEC), read(2) and write(2) on that descriptor are served from
 * se050-emu at $HWG_I2C_SHIM_SOCKET, one emulator message per I2C transaction (se050/emu_wire.h).
 *   - the chip answers at $HWG_I2C_SHIM_ADDR (default 0x48); any other address is never ACKed;
 *   - an address NACK fails with errno $HWG_I2C_SHIM_NACK_ERRNO ("ENXIO" default, "EREMOTEIO" or
 *     "EIO"), the values real adapter drivers use;
 *   - a missing or dead emulator is a chip without power: every transaction is NACKed, and the
 *     next one connects again (so a restarted emulator is a power-cycled chip);
 *   - an emulator that does not answer in time is a stuck bus: ETIMEDOUT.
 * Every other descriptor and call passes straight through. Built without sanitizers, because it
 * is preloaded into programs that are not necessarily instrumented. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "se050/emu_wire.h"

#define SHIM_MAX_FD   1024
#define SHIM_MAX_XFER 512
#define SHIM_REPLY_MS 2000

struct shim_dev {
	bool open;
	int sock;
	unsigned addr;
	uint8_t seq;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct shim_dev devs[SHIM_MAX_FD];

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);

__attribute__((constructor)) static void shim_init(void)
{
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real_open64 = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
	real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	real_read = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
}

static bool is_dev_path(const char *path)
{
	const char *dev = getenv("HWG_I2C_SHIM_DEV");
	return dev && path && strcmp(path, dev) == 0;
}

static unsigned chip_addr(void)
{
	const char *s = getenv("HWG_I2C_SHIM_ADDR");
	return s ? (unsigned)strtoul(s, NULL, 0) : 0x48;
}

static int nack_errno(void)
{
	const char *s = getenv("HWG_I2C_SHIM_NACK_ERRNO");
	if (s && !strcmp(s, "EREMOTEIO"))
		return EREMOTEIO;
	if (s && !strcmp(s, "EIO"))
		return EIO;
	return ENXIO;
}

static struct shim_dev *lookup(int fd)
{
	return fd >= 0 && fd < SHIM_MAX_FD && __atomic_load_n(&devs[fd].open, __ATOMIC_ACQUIRE)
	               ? &devs[fd]
	               : NULL;
}

static int track(int fd, const char *path)
{
	if (fd >= 0 && fd < SHIM_MAX_FD && is_dev_path(path)) {
		pthread_mutex_lock(&mu);
		devs[fd] = (struct shim_dev){.sock = -1};
		__atomic_store_n(&devs[fd].open, true, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&mu);
	}
	return fd;
}

static void drop_sock(struct shim_dev *d)
{
	if (d->sock >= 0)
		real_close(d->sock);
	d->sock = -1;
}

static bool connect_emu(struct shim_dev *d)
{
	const char *path = getenv("HWG_I2C_SHIM_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		real_close(s);
		return false;
	}
	struct timeval tv = {.tv_sec = SHIM_REPLY_MS / 1000,
	                     .tv_usec = (SHIM_REPLY_MS % 1000) * 1000};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	d->sock = s;
	return true;
}

/* One I2C transaction through the emulator. Returns the bytes moved, or -1 with errno set. */
static ssize_t transaction(struct shim_dev *d, char type, const void *out, size_t out_len, void *in,
                           size_t in_len)
{
	uint8_t msg[EMU_HDR_LEN + SHIM_MAX_XFER], reply[EMU_HDR_LEN + SHIM_MAX_XFER];
	size_t len = EMU_HDR_LEN;
	if (d->addr != chip_addr() || (d->sock < 0 && !connect_emu(d))) {
		errno = nack_errno();
		return -1;
	}
	msg[0] = (uint8_t)type;
	msg[1] = ++d->seq;
	if (type == EMU_MSG_WRITE) {
		memcpy(msg + EMU_HDR_LEN, out, out_len);
		len += out_len;
	} else {
		msg[len++] = (uint8_t)(in_len >> 8);
		msg[len++] = (uint8_t)in_len;
	}
	if (send(d->sock, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
		drop_sock(d);
		errno = nack_errno();
		return -1;
	}
	for (int stale = 0; stale < 16; stale++) {
		ssize_t n = recv(d->sock, reply, sizeof(reply), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			drop_sock(d);
			errno = ETIMEDOUT;
			return -1;
		}
		if (n < EMU_HDR_LEN) {
			drop_sock(d);
			errno = nack_errno();
			return -1;
		}
		if (reply[1] != d->seq)
			continue;
		if (reply[0] == EMU_REPLY_NACK) {
			errno = nack_errno();
			return -1;
		}
		if (type == EMU_MSG_WRITE && reply[0] == EMU_REPLY_ACK && n == EMU_HDR_LEN)
			return (ssize_t)out_len;
		if (type == EMU_MSG_READ && reply[0] == EMU_REPLY_DATA &&
		    (size_t)n == EMU_HDR_LEN + in_len) {
			memcpy(in, reply + EMU_HDR_LEN, in_len);
			return (ssize_t)in_len;
		}
		break;
	}
	errno = EPROTO;
	return -1;
}

/* The mode argument of an open call, passed only with O_CREAT or O_TMPFILE. A macro: va_start
 * belongs in the variadic function itself. */
#define MODE_ARG(flags, mode)                                                                      \
	do {                                                                                       \
		if ((flags) & (O_CREAT | O_TMPFILE)) {                                             \
			va_list ap;                                                                \
			va_start(ap, flags);                                                       \
			(mode) = (mode_t)va_arg(ap, int);                                          \
			va_end(ap);                                                                \
		}                                                                                  \
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return track(real_open(path, flags, mode), path);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return track(real_open64(path, flags, mode), path);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return track(real_openat(dirfd, path, flags, mode), path);
}

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
	return track(real_open(path, flags, 0), path);
}

int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags)
{
	return track(real_open64(path, flags, 0), path);
}

/* read() or write() on the bus device: one transaction of 1 to SHIM_MAX_XFER bytes (what i2c-dev
 * takes) under the shim's lock; errno is the transaction's. */
static ssize_t transfer(struct shim_dev *d, char type, const void *out, size_t out_len, void *in,
                        size_t in_len)
{
	size_t n = out_len + in_len;
	if (n == 0 || n > SHIM_MAX_XFER) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&mu);
	ssize_t r = transaction(d, type, out, out_len, in, in_len);
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
	struct shim_dev *d = lookup(fd);
	if (!d)
		return real_read(fd, buf, n);
	return transfer(d, EMU_MSG_READ, NULL, 0, buf, n);
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		abort();
	return read(fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	struct shim_dev *d = lookup(fd);
	if (!d)
		return real_write(fd, buf, n);
	return transfer(d, EMU_MSG_WRITE, buf, n, NULL, 0);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	struct shim_dev *d = lookup(fd);
	if (!d)
		return real_ioctl(fd, req, arg);
	switch (req) {
	case I2C_FUNCS:
		*(unsigned long *)arg = I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL;
		return 0;
	case I2C_SLAVE:
	case I2C_SLAVE_FORCE:
		pthread_mutex_lock(&mu);
		d->addr = (unsigned)(unsigned long)arg;
		pthread_mutex_unlock(&mu);
		return 0;
	case I2C_PEC:
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

int close(int fd)
{
	struct shim_dev *d = lookup(fd);
	if (d) {
		pthread_mutex_lock(&mu);
		__atomic_store_n(&d->open, false, __ATOMIC_RELEASE);
		drop_sock(d);
		pthread_mutex_unlock(&mu);
	}
	return real_close(fd);
}
