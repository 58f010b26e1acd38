/* Continuous health tests of NIST SP 800-90B §4.4 for a binary noise source: the repetition count
 * test and the adaptive proportion test (window 1024). A failure is latched: the source stays
 * failed until re-initialised, so no output is ever produced after a failure.
 * Portable C, no malloc, no OS. */
#ifndef HWG_PUF_HEALTH_H
#define HWG_PUF_HEALTH_H

#include <stdint.h>

struct health_config {
	uint16_t rct_cutoff;      /* C = 1 + ceil(20 / H): alpha = 2^-20 */
	uint16_t apt_window;      /* W = 1024 for binary samples */
	uint16_t apt_cutoff;      /* 1 + CRITBINOM(W, 2^-H, 1 - 2^-20) */
	uint16_t startup_samples; /* samples tested and discarded before the first output */
};

/* Cutoffs for a claimed min-entropy of 0.25 bit per sample (XOR-of-8 SRAM bits; docs/puf.md). */
extern const struct health_config HEALTH_CONFIG_H025;
/* For H = 1 (SP 800-90B Table 2: APT cutoff 589 at W = 1024). */
extern const struct health_config HEALTH_CONFIG_H1;

struct health {
	struct health_config cfg;
	uint16_t rct_run;
	uint16_t apt_seen;
	uint16_t apt_count;
	uint8_t rct_last;
	uint8_t apt_ref;
	uint8_t started;
	uint8_t failed;
};

void health_init(struct health *h, const struct health_config *cfg);
/* Feeds one sample (0 or 1). Returns 0, or -1 once either test has failed. */
int health_feed(struct health *h, unsigned bit);

#endif
