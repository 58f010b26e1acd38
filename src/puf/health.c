#include "puf/health.h"

#include <string.h>

const struct health_config HEALTH_CONFIG_H025 = {
        .rct_cutoff = 81, .apt_window = 1024, .apt_cutoff = 915, .startup_samples = 1024};
const struct health_config HEALTH_CONFIG_H1 = {
        .rct_cutoff = 21, .apt_window = 1024, .apt_cutoff = 589, .startup_samples = 1024};

void health_init(struct health *h, const struct health_config *cfg)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
}

int health_feed(struct health *h, unsigned bit)
{
	bit &= 1;
	if (h->failed)
		return -1;
	if (!h->started || bit != h->rct_last) {
		h->rct_last = (uint8_t)bit;
		h->rct_run = 1;
	} else if (++h->rct_run >= h->cfg.rct_cutoff) {
		h->failed = 1;
	}
	if (!h->started || h->apt_seen == h->cfg.apt_window) {
		h->apt_ref = (uint8_t)bit;
		h->apt_seen = 1;
		h->apt_count = 1;
	} else {
		h->apt_seen++;
		if (bit == h->apt_ref && ++h->apt_count >= h->cfg.apt_cutoff)
			h->failed = 1;
	}
	h->started = 1;
	return h->failed ? -1 : 0;
}
