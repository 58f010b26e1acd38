/* A bus whose other end is the emulator's chip model in the same process: the production T=1 code
 * runs against it exactly as over /dev/i2c-N. */
#ifndef HWG_TEST_SE050_MEM_BUS_H
#define HWG_TEST_SE050_MEM_BUS_H

#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "emu_link.h"
#include "se050/bus.h"

struct mem_bus {
	struct se050_bus base;
	struct emu_link *chip;
	bool dead; /* no chip: every transaction is NACKed */
};

/* Microseconds, the chip model's clock (it checks guard times of 100 us). */
static inline uint64_t mem_bus_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static inline int mem_bus_write(struct se050_bus *bus, const uint8_t *buf, size_t len)
{
	struct mem_bus *b = (struct mem_bus *)bus;
	if (b->dead)
		return -ENXIO;
	return emu_link_write(b->chip, buf, len, mem_bus_now()) == 0 ? 0 : -ENXIO;
}

static inline int mem_bus_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	struct mem_bus *b = (struct mem_bus *)bus;
	if (b->dead)
		return -ENXIO;
	return emu_link_read(b->chip, buf, len, mem_bus_now()) == 0 ? 0 : -ENXIO;
}

static inline void mem_bus_close(struct se050_bus *bus)
{
	(void)bus;
}

static const struct se050_bus_ops mem_bus_ops = {
        .write = mem_bus_write,
        .read = mem_bus_read,
        .close = mem_bus_close,
};

#endif
