/* What the boot hands to the run (device_image.c): the state read from flash, the next challenge,
 * the seeded generator and the two PUF readings. It lives in .handoff, which the reset handler
 * neither zeroes nor overwrites, at the bottom of RAM; the power-up regions start where it ends
 * (nrf51.ld). Both images link it, so that both see the same regions. */
#ifndef HWG_FIRMWARE_HANDOFF_H
#define HWG_FIRMWARE_HANDOFF_H

#include <stdint.h>

#include "puf/proto/device.h"
#include "puf/sram_mcu.h"
#include "puf/trng.h"

struct handoff {
	uint32_t canary; /* sram_mcu's warm-reset canary */
	int32_t error;   /* the boot's verdict: 0 or a puflink_error */
	uint32_t space;  /* PUF challenges in the region, for the stored suite */
	uint32_t y2;     /* the next challenge, drawn at boot */
	uint16_t boot_stack_used;
	struct pufproto_device_nv nv;
	struct sram_drbg rng;
	struct sram_mcu_capture puf;
	uint8_t z1[PUFPROTO_MAX_RESPONSE], z2[PUFPROTO_MAX_RESPONSE];
};

extern struct handoff handoff;

#endif
