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

/* How many challenges of len processed bytes raw_bytes of power-up RAM hold (read() takes 2 * len
 * raw bytes per challenge: XOR of halves). */
uint32_t sram_mcu_challenges(size_t raw_bytes, size_t len);

/* Readings taken at power-up and served later, for an MCU that reuses its power-up RAM (as stack
 * and buffers) before the protocol asks for them (firmware/README.md "RAM plan"). read() answers
 * only a captured challenge, with the captured bytes: on an MCU a power-up gives one reading, so
 * reading a challenge twice returns the same bytes either way. */
#define SRAM_MCU_CAPTURES 2

struct sram_mcu_capture {
	struct puf_source base;
	uint32_t challenge[SRAM_MCU_CAPTURES];
	uint8_t *reading[SRAM_MCU_CAPTURES]; /* caller's buffers, len bytes each */
	size_t len;
	unsigned count;
};

void sram_mcu_capture_init(struct sram_mcu_capture *c, size_t len);
/* Reads challenge from src into buf (c->len bytes), which c keeps serving; a challenge already
 * captured is not read again. Returns 0, or -1 when the reading failed or c is full. */
int sram_mcu_capture(struct sram_mcu_capture *c, struct puf_source *src, uint32_t challenge,
                     uint8_t *buf);
/* Wipes the captured readings; read() fails from then on. */
void sram_mcu_capture_wipe(struct sram_mcu_capture *c);

#endif
