/* What the boot hands to the run (device_image.c): the state read from flash, the seeded generator
 * and the run's PUF readings (the next challenge y2, z' and z2). It lives in .handoff, at the top
 * of the working RAM, which the reset handler neither zeroes nor overwrites; the boot stack is
 * below it and the power-up regions below that (nrf51.ld). Both images link it, so that both see
 * the same regions. */
#ifndef HWG_FIRMWARE_HANDOFF_H
#define HWG_FIRMWARE_HANDOFF_H

#include <stdint.h>

#include "puf/proto/device.h"
#include "puf/trng.h"

struct handoff {
	uint32_t canary; /* sram_mcu's warm-reset canary */
	int32_t error;   /* the boot's verdict: 0, a puflink_error or a device error */
	uint32_t boot_stack_used;
	struct pufproto_device_nv nv; /* its case maps stay in flash (nv.helper) */
	struct sram_drbg rng;
	struct pufproto_readings readings;
};

extern struct handoff handoff;

#endif
