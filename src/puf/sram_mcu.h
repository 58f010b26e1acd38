/* The SRAM PUF and TRNG on a real MCU: a puf_source over a RAM region that the startup code leaves
 * untouched, with warm-reset detection. Portable C, no malloc, no OS (docs/puf.md "On an MCU").
 *
 * Capture before RAM is initialised: place the region in its own NOLOAD output section, outside
 * .data/.bss (which the reset handler overwrites) and outside the stack, e.g. in the linker script
 *     .puf_sram (NOLOAD) : { KEEP(*(.puf_sram)) } > RAM
 *     .noinit   (NOLOAD) : { KEEP(*(.noinit)) } > RAM
 * and in C
 *     __attribute__((section(".puf_sram"))) static uint8_t puf_ram[4096];
 *     __attribute__((section(".noinit"))) static uint32_t puf_canary;
 * (firmware/puf_sram.ld). Nothing may read or write puf_ram before sram_mcu_open().
 *
 * Warm resets: a reset without power loss keeps the old RAM contents, which are then neither a
 * fresh PUF response nor noise. sram_mcu_close() wipes the region and writes SRAM_MCU_CANARY; a
 * later sram_mcu_open() that finds the canary knows the RAM was not power-cycled and refuses all
 * reads. After a real power-up the canary word is random: it equals the constant with probability
 * 2^-32, which costs one refused boot, never a wrong key. */
#ifndef HWG_PUF_SRAM_MCU_H
#define HWG_PUF_SRAM_MCU_H

#include <stddef.h>
#include <stdint.h>

#include "puf/puf.h"

#define SRAM_MCU_CANARY 0x5afe0b07u

struct sram_mcu {
	struct puf_source base; /* read(challenge): XOR-of-halves of raw block `challenge`;
	                         * read_raw(): the region itself, no copy */
	uint8_t *region;
	size_t region_len;
	volatile uint32_t *canary;
	int warm; /* 1: RAM not power-cycled, every read fails */
};

/* Call first thing after reset. region_len must be a multiple of 4. */
void sram_mcu_open(struct sram_mcu *m, uint8_t *region, size_t region_len,
                   volatile uint32_t *canary);
/* Raw power-up bytes at offset (for the TRNG), or NULL after a warm reset or out of range. */
const uint8_t *sram_mcu_raw(const struct sram_mcu *m, size_t offset, size_t len);
/* Wipes the region (no PUF response lingers in RAM) and arms the warm-reset canary. */
void sram_mcu_close(struct sram_mcu *m);

#endif
