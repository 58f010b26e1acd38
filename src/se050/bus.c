#include "se050/bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SE050_DEFAULT_I2C_ADDR 0x48

static int parse_i2c_spec(const char *rest, char *dev, size_t dev_cap, unsigned *addr)
{
	const char *at = strrchr(rest, '@');
	size_t dev_len = at ? (size_t)(at - rest) : strlen(rest);
	if (dev_len == 0 || dev_len >= dev_cap)
		return -EINVAL;
	memcpy(dev, rest, dev_len);
	dev[dev_len] = '\0';
	*addr = SE050_DEFAULT_I2C_ADDR;
	if (at) {
		char *end;
		errno = 0;
		unsigned long a = strtoul(at + 1, &end, 0);
		/* 7-bit addresses only; 0x00-0x07 and 0x78-0x7f are reserved by the I2C spec. */
		if (errno || end == at + 1 || *end != '\0' || a < 0x08 || a > 0x77)
			return -EINVAL;
		*addr = (unsigned)a;
	}
	return 0;
}

int se050_bus_open(const char *spec, struct se050_bus **out, const char **err_msg)
{
	const char *dummy;
	if (!err_msg)
		err_msg = &dummy;
	*out = NULL;
	if (!spec) {
		*err_msg = "no SE050 bus given";
		return -EINVAL;
	}
	if (strncmp(spec, "i2c:", 4) == 0) {
		char dev[200];
		unsigned addr;
		if (parse_i2c_spec(spec + 4, dev, sizeof(dev), &addr) != 0) {
			*err_msg = "malformed SE050 bus: expected i2c:/dev/i2c-N[@0xADDR]";
			return -EINVAL;
		}
		return se050_bus_i2c_open(dev, addr, out, err_msg);
	}
	if (strncmp(spec, "emu:", 4) == 0) {
		if (spec[4] == '\0') {
			*err_msg = "malformed SE050 bus: expected emu:/path/to/socket";
			return -EINVAL;
		}
		return se050_bus_emu_open(spec + 4, out, err_msg);
	}
	*err_msg = "unknown SE050 bus: expected i2c:/dev/i2c-N[@0xADDR] or emu:/path/to/socket";
	return -EINVAL;
}
