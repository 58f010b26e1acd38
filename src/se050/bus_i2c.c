/* Linux i2c-dev backend: plain read(2)/write(2) on /dev/i2c-N after I2C_SLAVE, each one a complete
 * I2C transaction, as NXP's Linux HAL does. CI runs this file unchanged through an LD_PRELOAD shim
 * that serves the device node from se050-emu (tests/se050/i2c_shim.c, docs/se050.md). */
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "se050/bus.h"

struct i2c_bus {
	struct se050_bus base;
	int fd;
	unsigned addr;
	char dev[200];
};

/* The chip NACKs its address while it computes; the errno for that depends on the bus driver
 * (ENXIO on newer i.MX kernels, EIO on older ones, EREMOTEIO on some others). A stuck bus
 * (ETIMEDOUT from the adapter) is a bus error, not the link layer's timeout. */
static int map_errno(int err)
{
	if (err == ENXIO || err == EIO || err == EREMOTEIO || err == EAGAIN)
		return -ENXIO;
	if (err == ENODEV || err == ENOENT)
		return -ENODEV;
	return err == ETIMEDOUT ? -EIO : -err;
}

/* One transaction of len bytes (i2c-dev makes each read(2) or write(2) one): n is what the call
 * returned. */
static int transfer_result(ssize_t n, size_t len)
{
	if (n < 0)
		return map_errno(errno);
	return (size_t)n == len ? 0 : -EIO;
}

static int i2c_write(struct se050_bus *bus, const uint8_t *buf, size_t len)
{
	struct i2c_bus *b = (struct i2c_bus *)bus;
	return b->fd < 0 ? -ENODEV : transfer_result(write(b->fd, buf, len), len);
}

static int i2c_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	struct i2c_bus *b = (struct i2c_bus *)bus;
	return b->fd < 0 ? -ENODEV : transfer_result(read(b->fd, buf, len), len);
}

/* Opens and configures the device node. Returns the fd or a negative errno with *err_msg set. */
static int i2c_configure(const char *dev, unsigned addr, const char **err_msg)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		*err_msg =
		        e == ENOENT
		                ? "no such I2C bus device (is i2c-dev loaded and the bus enabled?)"
		                : "cannot open the I2C bus device";
		return e == ENOENT ? -ENODEV : -e;
	}
	unsigned long funcs = 0;
	if (ioctl(fd, I2C_FUNCS, &funcs) < 0 || !(funcs & I2C_FUNC_I2C)) {
		close(fd);
		*err_msg = "the I2C adapter cannot do plain I2C transfers (SMBus-only adapter?)";
		return -ENODEV;
	}
	if (ioctl(fd, I2C_SLAVE, (unsigned long)addr) < 0) {
		int e = errno;
		close(fd);
		*err_msg = e == EBUSY ? "the I2C address is claimed by a kernel driver"
		                      : "cannot select the SE050 I2C address";
		return -e;
	}
	/* The SE050 does not use SMBus packet error checking. */
	(void)ioctl(fd, I2C_PEC, 0UL);
	return fd;
}

static int i2c_reopen(struct se050_bus *bus)
{
	struct i2c_bus *b = (struct i2c_bus *)bus;
	const char *why;
	if (b->fd >= 0)
		close(b->fd);
	b->fd = i2c_configure(b->dev, b->addr, &why);
	return b->fd >= 0 ? 0 : -ENODEV;
}

static void i2c_close(struct se050_bus *bus)
{
	struct i2c_bus *b = (struct i2c_bus *)bus;
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

static const struct se050_bus_ops i2c_ops = {
        .write = i2c_write,
        .read = i2c_read,
        .close = i2c_close,
        .reopen = i2c_reopen,
};

int se050_bus_i2c_open(const char *dev, unsigned addr, struct se050_bus **out, const char **err_msg)
{
	const char *dummy;
	if (!err_msg)
		err_msg = &dummy;
	struct i2c_bus *b = calloc(1, sizeof(*b));
	if (!b) {
		*err_msg = "out of memory";
		return -ENOMEM;
	}
	if (strlen(dev) >= sizeof(b->dev)) {
		free(b);
		*err_msg = "I2C device path too long";
		return -EINVAL;
	}
	strcpy(b->dev, dev);
	b->addr = addr;
	b->fd = i2c_configure(dev, addr, err_msg);
	if (b->fd < 0) {
		int r = b->fd;
		free(b);
		return r;
	}
	b->base.ops = &i2c_ops;
	/* Locking the device node itself serialises every hwguard process that talks to this bus.
	 */
	snprintf(b->base.lock_path, sizeof(b->base.lock_path), "%s", dev);
	*out = &b->base;
	return 0;
}
