#include "puf/host/sram_sim.h"

#include <math.h>
#include <string.h>

#include "puf/debias.h"
#include "puf/xoshiro.h"

/* Calibrated with `pufauth analyze --sim NAME` (docs/puf.md, docs/benchmarks.md). For the
 * prototype, a power-up puts a patterned cell on the 0xAA pattern with probability
 * Phi(pattern_shift / sqrt(1 + lambda1^2)) = 0.995 and an ordinary cell on its half-word's polarity
 * with probability 0.89..0.91 (per device): per-board byte Shannon 42-46 % and min-entropy 13 %
 * raw,
 * >= 26 % after XOR of halves; lambda1 = 0.6 then gives 6.6 of 64 bits (10 %) between two processed
 * readings, the report's noise figure. */
const struct sram_sim_params SRAM_SIM_PROTOTYPE = {
        .name = "prototype",
        .lambda1 = 0.60,
        .lambda2 = 0.0,
        .pattern_shift = 3.004,
        .word_bias_min = 1.430,
        .word_bias_max = 1.564,
};

/* spec §3.6: lambda1 = 0.10, lambda2 = -0.5 gives HW 0.69, BER 2.8 % (ATmega2560: 69.16 %). */
const struct sram_sim_params SRAM_SIM_MCU = {
        .name = "mcu",
        .lambda1 = 0.10,
        .lambda2 = -0.5,
        .pattern_shift = 0.0,
        .word_bias_min = 0.0,
        .word_bias_max = 0.0,
};

const struct sram_sim_params *sram_sim_params_by_name(const char *name)
{
	if (!strcmp(name, SRAM_SIM_PROTOTYPE.name))
		return &SRAM_SIM_PROTOTYPE;
	if (!strcmp(name, SRAM_SIM_MCU.name))
		return &SRAM_SIM_MCU;
	return NULL;
}

/* Domain separators so that the device's hashes never coincide. */
#define DOM_MISMATCH 0x6d69736d61746368ULL
#define DOM_LANE     0x6c616e656c616e65ULL
#define DOM_SIGN     0x7369676e7369676eULL
#define DOM_DEVICE   0x6465766963656465ULL
#define DOM_POWERUP  0x706f776572757021ULL
#define ODD          0xd1b54a32d192ed03ULL

static double unit_open(uint32_t v)
{
	return ((double)v + 0.5) * 0x1.0p-32;
}

static double normal_from_hash(uint64_t h)
{
	double u1 = unit_open((uint32_t)(h >> 32)), u2 = unit_open((uint32_t)h);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static uint64_t hash2(uint64_t seed, uint64_t domain, uint64_t index)
{
	return mix64(mix64(seed ^ domain) ^ (index * ODD));
}

static int sim_read(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len)
{
	struct sram_sim *sim = (struct sram_sim *)src;
	uint8_t raw[1024];

	if (len == 0 || len > sizeof(raw) / 2 || len % 2)
		return -1;
	uint64_t offset = (uint64_t)challenge * 2 * len;
	if (offset + 2 * len > sim->size_bytes)
		return -1;
	if (sram_sim_powerup(sim, sim->next_powerup++, (uint32_t)offset, raw, 2 * len))
		return -1;
	debias_xor_halves(raw, 2 * len, out);
	return 0;
}

static const uint8_t *sim_read_raw(struct puf_source *src, size_t offset, size_t len)
{
	struct sram_sim *sim = (struct sram_sim *)src;

	if (len == 0 || len > sizeof(sim->raw) || offset > UINT32_MAX ||
	    sram_sim_powerup(sim, sim->next_powerup++, (uint32_t)offset, sim->raw, len))
		return NULL;
	return sim->raw;
}

void sram_sim_init(struct sram_sim *sim, const struct sram_sim_params *params, uint64_t device_seed,
                   uint32_t size_bytes)
{
	memset(sim, 0, sizeof(*sim));
	sim->base.read = sim_read;
	sim->base.read_raw = sim_read_raw;
	sim->params = params;
	sim->device_seed = device_seed;
	sim->size_bytes = size_bytes & ~3u;
	double u = unit_open((uint32_t)hash2(device_seed, DOM_DEVICE, 0));
	sim->word_bias =
	        params->word_bias_min + (params->word_bias_max - params->word_bias_min) * u;
}

static double cell_mean(const struct sram_sim *sim, uint32_t cell)
{
	const struct sram_sim_params *p = sim->params;
	if (p->pattern_shift == 0.0 && sim->word_bias == 0.0)
		return 0.0;
	uint32_t word = cell / 32, half = (cell / 16) & 1;
	uint32_t patterned_half = (uint32_t)hash2(sim->device_seed, DOM_LANE, word) & 1;
	if (p->pattern_shift != 0.0 && half == patterned_half) /* 0xAA: odd bits of a byte are 1 */
		return (cell & 1) ? p->pattern_shift : -p->pattern_shift;
	return (hash2(sim->device_seed, DOM_SIGN, cell / 16) & 1) ? sim->word_bias
	                                                          : -sim->word_bias;
}

double sram_sim_cell_p1(const struct sram_sim *sim, uint32_t cell)
{
	const struct sram_sim_params *p = sim->params;
	double m = normal_from_hash(hash2(sim->device_seed, DOM_MISMATCH, cell)) +
	           cell_mean(sim, cell);
	return 0.5 * erfc(-(m - p->lambda2) / (p->lambda1 * 1.4142135623730951));
}

static int cell_value(const struct sram_sim *sim, uint64_t powerup_seed, uint32_t cell, double p1)
{
	double u = (double)(mix64(powerup_seed ^ ((uint64_t)cell * ODD)) >> 11) * 0x1.0p-53;
	return u < p1;
}

static uint64_t powerup_seed(const struct sram_sim *sim, uint64_t powerup)
{
	return hash2(sim->device_seed, DOM_POWERUP, powerup);
}

int sram_sim_powerup(const struct sram_sim *sim, uint64_t powerup, uint32_t offset, uint8_t *out,
                     size_t len)
{
	if ((uint64_t)offset + len > sim->size_bytes)
		return -1;
	uint64_t ps = powerup_seed(sim, powerup);
	for (size_t i = 0; i < len; i++) {
		uint8_t v = 0;
		for (int b = 0; b < 8; b++) {
			uint32_t cell = (uint32_t)((offset + i) * 8 + b);
			v |= (uint8_t)(cell_value(sim, ps, cell, sram_sim_cell_p1(sim, cell)) << b);
		}
		out[i] = v;
	}
	return 0;
}

void sram_sim_powerup_cached(const struct sram_sim *sim, uint64_t powerup, uint32_t offset,
                             const double *p1, uint8_t *out, size_t len)
{
	uint64_t ps = powerup_seed(sim, powerup);
	for (size_t i = 0; i < len; i++) {
		uint8_t v = 0;
		for (int b = 0; b < 8; b++) {
			uint32_t cell = (uint32_t)((offset + i) * 8 + b);
			v |= (uint8_t)(cell_value(sim, ps, cell, p1[i * 8 + b]) << b);
		}
		out[i] = v;
	}
}
