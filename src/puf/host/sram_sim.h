/* Simulated SRAM PUF (host side; uses libm): Maes' two-parameter cell model with a structured
 * mismatch mean, one deterministic device per seed and one deterministic power-up per index
 * (shared/specs/puf-building-blocks.md §3.6, calibration in docs/puf.md).
 *
 * Cell i of a device has mismatch M_i = N(0,1) + mu_i and powers up as 1 with probability
 * p_i = Phi((M_i - lambda2) / lambda1). mu_i is what the calibrations add:
 *  - prototype: in every 32-bit word one 16-bit half (chosen per device and word) is pulled
 *    towards the 0xAA byte pattern (mu = +-pattern_shift); the other half is pulled as a whole
 *    towards all-zeros or all-ones (mu = +-word_bias, sign per half-word, magnitude per device);
 *  - typical MCU: mu = 0 and a negative threshold (fractional Hamming weight 0.69).
 * The cell's M_i comes from mix64(device seed, cell), the power-up noise from
 * mix64(power-up seed, cell): reading any region never depends on what else was read. */
#ifndef HWG_PUF_SRAM_SIM_H
#define HWG_PUF_SRAM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "puf/puf.h"

struct sram_sim_params {
	const char *name;
	double lambda1;       /* thermal noise relative to the mismatch spread */
	double lambda2;       /* threshold */
	double pattern_shift; /* mismatch mean of 0xAA-patterned half-words; 0: none */
	double word_bias_min; /* per-device range of the ordinary half-words' mismatch mean */
	double word_bias_max;
};

extern const struct sram_sim_params SRAM_SIM_PROTOTYPE; /* the report's SASEBO-GII SRAM */
extern const struct sram_sim_params SRAM_SIM_MCU;       /* ATmega2560-like: HW 0.69, BER ~3 % */

/* Looks a calibration up by name ("prototype", "mcu"); NULL if unknown. */
const struct sram_sim_params *sram_sim_params_by_name(const char *name);

/* Largest raw block read_raw() serves (the default suite reads 6,400 bytes per challenge). */
#define SRAM_SIM_RAW_MAX 8192

struct sram_sim {
	struct puf_source base; /* read(): one fresh power-up per call, XOR-of-halves processing;
	                         * read_raw(): one fresh power-up per call, raw bytes */
	const struct sram_sim_params *params;
	uint64_t device_seed;
	uint64_t next_powerup; /* index of the power-up the next read() uses */
	uint32_t size_bytes;   /* simulated SRAM size; challenges address blocks inside it */
	double word_bias;      /* this device's ordinary half-word mismatch mean */
	uint8_t raw[SRAM_SIM_RAW_MAX]; /* what read_raw() hands out */
};

/* size_bytes must be a multiple of 4. */
void sram_sim_init(struct sram_sim *sim, const struct sram_sim_params *params, uint64_t device_seed,
                   uint32_t size_bytes);

/* The probability that cell (bit index in SRAM) powers up as 1. */
double sram_sim_cell_p1(const struct sram_sim *sim, uint32_t cell);

/* Raw content of len bytes at offset after power-up number powerup. Returns 0, or -1 when the range
 * leaves the SRAM. */
int sram_sim_powerup(const struct sram_sim *sim, uint64_t powerup, uint32_t offset, uint8_t *out,
                     size_t len);

/* As powerup, with the cells' one-probabilities already computed (p1[i] for cell offset*8 + i):
 * the fast path for statistics over many readings. */
void sram_sim_powerup_cached(const struct sram_sim *sim, uint64_t powerup, uint32_t offset,
                             const double *p1, uint8_t *out, size_t len);

#endif
