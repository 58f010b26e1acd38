/* The raw byte pipe to the chip: one call = one I2C transaction (START, address, bytes, STOP). The
 * T=1 layer above knows nothing about how the bytes travel, so the production driver runs unchanged
 * over /dev/i2c-N and over the emulator's socket. */
#ifndef HWG_SE050_BUS_H
#define HWG_SE050_BUS_H

#include <stddef.h>
#include <stdint.h>

/* Longest single transfer either backend accepts: a full T=1 frame (3 + 254 + 2) with headroom. */
#define SE050_BUS_MAX_XFER 512

struct se050_bus;

struct se050_bus_ops {
	/* Return 0, -ENXIO when the chip NACKed its address (busy, or nothing to send), -ENODEV
	 * when the chip or emulator is gone, or another negative errno (never -ETIMEDOUT, which the
	 * link layer keeps for its own waits) when the bus itself failed. */
	int (*write)(struct se050_bus *bus, const uint8_t *buf, size_t len);
	int (*read)(struct se050_bus *bus, uint8_t *buf, size_t len);
	void (*close)(struct se050_bus *bus);
	/* Optional: reconnects after -ENODEV (a restarted emulator, a re-plugged adapter). Returns
	 * 0 or -ENODEV. */
	int (*reopen)(struct se050_bus *bus);
};

struct se050_bus {
	const struct se050_bus_ops *ops;
	/* File whose flock(2) makes this process the chip's only owner. */
	char lock_path[256];
};

/* Opens "i2c:/dev/i2c-N[@ADDR]" (ADDR defaults to 0x48) or "emu:/path/to/socket". Returns 0,
 * -EINVAL for a malformed spec, -ENODEV when the device or emulator is absent, or another negative
 * errno. *err_msg (optional) receives a static reason. */
int se050_bus_open(const char *spec, struct se050_bus **out, const char **err_msg);

/* Backends, for se050_bus_open and tests. */
int se050_bus_i2c_open(const char *dev, unsigned addr, struct se050_bus **out,
                       const char **err_msg);
int se050_bus_emu_open(const char *socket_path, struct se050_bus **out, const char **err_msg);

static inline int se050_bus_write(struct se050_bus *bus, const uint8_t *buf, size_t len)
{
	return bus->ops->write(bus, buf, len);
}

static inline int se050_bus_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	return bus->ops->read(bus, buf, len);
}

static inline int se050_bus_reopen(struct se050_bus *bus)
{
	return bus->ops->reopen ? bus->ops->reopen(bus) : 0;
}

static inline void se050_bus_close(struct se050_bus *bus)
{
	if (bus)
		bus->ops->close(bus);
}

#endif
