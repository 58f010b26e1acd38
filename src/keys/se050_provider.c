#include "keys/se050_provider.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "keys/log.h"
#include "se050/budget.h"
#include "se050/se050.h"

/* Within one failure episode: a failure with another cause is logged again after this long, and
 * one that goes on is recalled this often. */
#define EPISODE_NEW_CAUSE_MS 60000
#define EPISODE_REMIND_MS    600000
#define BLOCK_WAIT_MAX_MS    60000

/* A run of failed operations, from the first failure to the next success. */
struct episode {
	bool failing;
	int cause;          /* errno last logged */
	uint64_t since_ms;  /* first failure */
	uint64_t logged_ms; /* last line */
	unsigned failures;  /* in this episode */
};

/* One open chip per bus, shared by every provider of this process: the flock makes a second
 * session on the same bus impossible, and the wear budget and the health belong to the chip, not
 * to a key.
 *
 * The locks are contended in the daemon: dh() and opening a key run on the key worker thread
 * (src/daemon/keyworker.c) while the event loop asks busy() and budget() (chip->mu) and drops
 * a replaced provider, whose last reference closes the chip (registry_mu). The commands themselves
 * all run on the worker; the session's own mutex (src/se050/se050.c) keeps the driver safe for
 * any other caller. */
struct chip_ref {
	struct chip_ref *next;
	char bus[256];
	struct se050 *se;
	unsigned refs;
	pthread_mutex_t mu; /* budget and episode */
	struct nvm_budget budget;
	struct episode health;
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct chip_ref *registry;

struct se050_key_provider {
	struct key_provider base; /* first: the core sees only the base */
	struct chip_ref *chip;
	uint32_t object_id;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *se050_default_bus(void)
{
	const char *env = getenv(SE050_BUS_ENV);
	return env && env[0] ? env : SE050_DEFAULT_BUS;
}

void se050_handle_encode(uint32_t object_id, uint8_t handle[KEY_LEN])
{
	memset(handle, 0, KEY_LEN);
	store_le32(handle, object_id);
}

int se050_options_from_env(struct se050_options *opt, const char **why)
{
	se050_options_default(opt);
	const char *s = getenv(SE050_BLOCK_WAIT_ENV);
	if (!s || !s[0])
		return 0;
	char *end;
	errno = 0;
	unsigned long ms = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || s[0] == '-' || ms > BLOCK_WAIT_MAX_MS) {
		*why = "bad " SE050_BLOCK_WAIT_ENV ": expected milliseconds, 0 to 60000";
		return -EINVAL;
	}
	opt->min_block_wait_ms = (unsigned)ms;
	return 0;
}

static int chip_get(const char *bus, struct chip_ref **out, const char **err_msg)
{
	uint32_t per_minute = NVM_BUDGET_DEFAULT_PER_MINUTE, burst = NVM_BUDGET_DEFAULT_BURST;
	struct se050_options opt;
	const char *rate = getenv(SE050_RATE_ENV);
	if (rate && rate[0] && nvm_budget_parse(rate, &per_minute, &burst) != 0) {
		*err_msg = "bad " SE050_RATE_ENV ": expected PER_MINUTE[,BURST], e.g. 30,32";
		return -EINVAL;
	}
	if (se050_options_from_env(&opt, err_msg) != 0)
		return -EINVAL;
	if (strlen(bus) >= sizeof(registry->bus)) {
		*err_msg = "SE050 bus name too long";
		return -EINVAL;
	}
	pthread_mutex_lock(&registry_mu);
	for (struct chip_ref *c = registry; c; c = c->next) {
		if (strcmp(c->bus, bus) == 0) {
			c->refs++;
			*out = c;
			pthread_mutex_unlock(&registry_mu);
			return 0;
		}
	}
	int r = -ENOMEM;
	struct chip_ref *c = calloc(1, sizeof(*c));
	if (!c) {
		*err_msg = "out of memory";
		goto out;
	}
	r = se050_open_with(bus, &opt, &c->se, err_msg);
	if (r) {
		free(c);
		goto out;
	}
	strcpy(c->bus, bus);
	c->refs = 1;
	pthread_mutex_init(&c->mu, NULL);
	nvm_budget_init(&c->budget, burst, per_minute, now_ms());
	c->next = registry;
	registry = c;
	*out = c;
out:
	pthread_mutex_unlock(&registry_mu);
	return r;
}

static void chip_put(struct chip_ref *chip)
{
	pthread_mutex_lock(&registry_mu);
	if (--chip->refs == 0) {
		for (struct chip_ref **p = &registry; *p; p = &(*p)->next) {
			if (*p == chip) {
				*p = chip->next;
				break;
			}
		}
		se050_close(chip->se);
		pthread_mutex_destroy(&chip->mu);
		free(chip);
	}
	pthread_mutex_unlock(&registry_mu);
}

static const char *dh_cause(int err)
{
	if (err == -EBUSY)
		return "busy: the NVM-write budget is spent (" SE050_RATE_ENV ")";
	return se050_strerror(err);
}

/* Logs the start of a failure episode and its end; in between only a new cause (at most once per
 * EPISODE_NEW_CAUSE_MS) and a reminder every EPISODE_REMIND_MS, so that a dead chip under a
 * handshake flood costs a few lines, not one per packet. */
static void note_result(struct se050_key_provider *p, int r)
{
	struct chip_ref *c = p->chip;
	struct episode *e = &c->health;
	if (r == -EINVAL)
		return; /* a low-order peer point: the peer's doing, not a provider failure */
	uint64_t now = now_ms();
	enum { QUIET, FAILED, STILL, RECOVERED } say = QUIET;
	unsigned failures;
	uint64_t since;
	pthread_mutex_lock(&c->mu);
	if (r == 0) {
		if (e->failing)
			say = RECOVERED;
		e->failing = false;
	} else if (!e->failing) {
		*e = (struct episode){
		        .failing = true, .cause = r, .since_ms = now, .logged_ms = now};
		say = FAILED;
	} else if (r != e->cause && now - e->logged_ms >= EPISODE_NEW_CAUSE_MS) {
		e->cause = r;
		e->logged_ms = now;
		say = FAILED;
	} else if (now - e->logged_ms >= EPISODE_REMIND_MS) {
		e->logged_ms = now;
		say = STILL;
	}
	if (r != 0)
		e->failures++;
	failures = e->failures;
	since = e->since_ms;
	pthread_mutex_unlock(&c->mu);

	double secs = (double)(now - since) / 1000.0;
	switch (say) {
	case FAILED:
		key_log(KEY_LOG_ERROR,
		        "se050 key 0x%08X on %s: ECDH failed: %s (%s); handshakes that need it are "
		        "dropped until it works again",
		        p->object_id, c->bus, dh_cause(r), strerror(-r));
		break;
	case STILL:
		key_log(KEY_LOG_ERROR,
		        "se050 key 0x%08X on %s: still failing: %s (%u failures in %.0f s)",
		        p->object_id, c->bus, dh_cause(r), failures, secs);
		break;
	case RECOVERED:
		key_log(KEY_LOG_NOTICE,
		        "se050 key 0x%08X on %s: ECDH works again after %u failure%s over %.1f s",
		        p->object_id, c->bus, failures, failures == 1 ? "" : "s", secs);
		break;
	case QUIET:
		break;
	}
}

int se050_session_acquire(const char *bus, struct se050 **se, const char **err_msg)
{
	const char *dummy;
	struct chip_ref *chip;
	int r = chip_get(bus ? bus : se050_default_bus(), &chip, err_msg ? err_msg : &dummy);
	if (r == 0)
		*se = chip->se;
	return r;
}

void se050_session_release(struct se050 *se)
{
	struct chip_ref *chip = NULL;
	pthread_mutex_lock(&registry_mu);
	for (struct chip_ref *c = registry; c; c = c->next)
		if (c->se == se)
			chip = c;
	pthread_mutex_unlock(&registry_mu);
	if (chip)
		chip_put(chip);
}

static int se050_dh(struct key_provider *kp, uint8_t shared[KEY_LEN],
                    const uint8_t peer_public[KEY_LEN])
{
	struct se050_key_provider *p = (struct se050_key_provider *)kp;
	pthread_mutex_lock(&p->chip->mu);
	bool allowed = nvm_budget_take(&p->chip->budget, now_ms());
	pthread_mutex_unlock(&p->chip->mu);
	int r = allowed ? se050_x25519(p->chip->se, p->object_id, peer_public, shared) : -EBUSY;
	note_result(p, r);
	return r; /* on failure the handshake is dropped; the errno names the cause */
}

/* Asks a copy of the bucket, so that the question costs no token. */
static bool se050_busy(struct key_provider *kp)
{
	struct se050_key_provider *p = (struct se050_key_provider *)kp;
	pthread_mutex_lock(&p->chip->mu);
	struct nvm_budget probe = p->chip->budget;
	pthread_mutex_unlock(&p->chip->mu);
	return !nvm_budget_take(&probe, now_ms());
}

/* Counts on a copy of the bucket too. One take applies the refill; what is left after it is in
 * nvm_budget's documented unit of 1/60000 operation. */
static void se050_budget(struct key_provider *kp, unsigned *left, unsigned *capacity)
{
	struct se050_key_provider *p = (struct se050_key_provider *)kp;
	pthread_mutex_lock(&p->chip->mu);
	struct nvm_budget probe = p->chip->budget;
	pthread_mutex_unlock(&p->chip->mu);
	*capacity = probe.burst;
	*left = nvm_budget_take(&probe, now_ms()) ? 1 + (unsigned)(probe.milli_tokens / 60000) : 0;
}

static void se050_destroy(struct key_provider *kp)
{
	struct se050_key_provider *p = (struct se050_key_provider *)kp;
	chip_put(p->chip);
	secure_wipe(p, sizeof(*p));
	free(p);
}

static const struct key_provider_ops se050_ops = {
        .name = "se050",
        .dh = se050_dh,
        .destroy = se050_destroy,
        .busy = se050_busy,
        .budget = se050_budget,
        .blocking = true, /* tens of milliseconds per ECDH over I2C */
};

int se050_key_provider_new(uint32_t object_id, const char *bus, struct key_provider **out,
                           const char **err_msg)
{
	const char *dummy;
	if (!err_msg)
		err_msg = &dummy;
	*out = NULL;
	if (!bus)
		bus = se050_default_bus();
	struct se050_key_provider *p = calloc(1, sizeof(*p));
	if (!p) {
		*err_msg = "out of memory";
		return -ENOMEM;
	}
	int r = chip_get(bus, &p->chip, err_msg);
	if (r) {
		free(p);
		return r;
	}
	r = se050_x25519_public(p->chip->se, object_id, p->base.public_key);
	if (r) {
		*err_msg = r == -ENOENT   ? "no object with this id in the SE050"
		           : r == -EINVAL ? "the SE050 object is not an X25519 key pair"
		           : r == -EACCES
		                   ? "the SE050 object's policy forbids reading its public key"
		           : r == -ENODEV ? "the SE050 stopped answering"
		           : r == -EIO    ? "bus error while reading the public key from the SE050"
		                          : "reading the public key from the SE050 failed";
		chip_put(p->chip);
		free(p);
		return r;
	}
	p->object_id = object_id;
	p->base.ops = &se050_ops;
	se050_handle_encode(object_id, p->base.config_key);
	p->base.config_key_is_private = false;
	*out = &p->base;
	return 0;
}
