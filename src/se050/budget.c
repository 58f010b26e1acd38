#include "se050/budget.h"

#include <errno.h>
#include <stdlib.h>

#define TOKEN    60000u /* one operation, in units that a per-minute rate refills per millisecond */
#define MAX_RATE 600000u

void nvm_budget_init(struct nvm_budget *b, uint32_t burst, uint32_t per_minute, uint64_t now_ms)
{
	b->burst = burst;
	b->per_minute = per_minute > MAX_RATE ? MAX_RATE : per_minute;
	b->milli_tokens = (uint64_t)burst * TOKEN;
	b->last_ms = now_ms;
	b->granted = 0;
	b->refused = 0;
}

bool nvm_budget_take(struct nvm_budget *b, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)b->burst * TOKEN;
	if (now_ms > b->last_ms) {
		uint64_t elapsed = now_ms - b->last_ms;
		/* per_minute tokens per 60000 ms = per_minute units of 1/60000 per ms */
		uint64_t add = elapsed >= cap ? (b->per_minute ? cap : 0) : elapsed * b->per_minute;
		b->milli_tokens = b->milli_tokens + add > cap ? cap : b->milli_tokens + add;
		b->last_ms = now_ms;
	}
	if (b->milli_tokens >= TOKEN) {
		b->milli_tokens -= TOKEN;
		b->granted++;
		return true;
	}
	b->refused++;
	return false;
}

int nvm_budget_parse(const char *s, uint32_t *per_minute, uint32_t *burst)
{
	char *end;
	errno = 0;
	unsigned long rate = strtoul(s, &end, 10);
	if (errno || end == s || rate > MAX_RATE)
		return -EINVAL;
	unsigned long b = rate ? rate : 1;
	if (*end == ',') {
		const char *bs = end + 1;
		errno = 0;
		b = strtoul(bs, &end, 10);
		if (errno || end == bs || b == 0 || b > 100000)
			return -EINVAL;
	}
	if (*end != '\0')
		return -EINVAL;
	*per_minute = (uint32_t)rate;
	*burst = (uint32_t)b;
	return 0;
}
