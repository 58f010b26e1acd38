/* A token bucket that caps how often the chip may be asked to write its NVM. On the SE050 every
 * X25519 ECDH writes NVM, and an attacker who knows the public key can make the responder run one
 * per initiation, so the bucket bounds wear under a flood (policy: docs/se050.md). Pure: time comes
 * in. */
#ifndef HWG_SE050_BUDGET_H
#define HWG_SE050_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

/* Defaults: bursts of 32 operations, refilled at 30 per minute sustained. */
#define NVM_BUDGET_DEFAULT_BURST      32
#define NVM_BUDGET_DEFAULT_PER_MINUTE 30

struct nvm_budget {
	uint32_t burst;      /* bucket size, in operations */
	uint32_t per_minute; /* refill rate */
	/* Tokens in units of 1/60000 operation, so that refill per millisecond is an integer. */
	uint64_t milli_tokens;
	uint64_t last_ms;
	uint64_t granted, refused;
};

/* Starts full. per_minute 0 means "no refill"; burst 0 means "never". */
void nvm_budget_init(struct nvm_budget *b, uint32_t burst, uint32_t per_minute, uint64_t now_ms);

/* Takes one token if there is one. */
bool nvm_budget_take(struct nvm_budget *b, uint64_t now_ms);

/* Parses "PER_MINUTE[,BURST]" (e.g. "30,32"). Returns 0 or -EINVAL. */
int nvm_budget_parse(const char *s, uint32_t *per_minute, uint32_t *burst);

#endif
