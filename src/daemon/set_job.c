#include "daemon/set_job.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "daemon/log.h"
#include "daemon/uapi_keyjob.h"
#include "daemon/uapi_set.h"

/* How much of each phase one step does: a step then takes tens of microseconds (a few hundred
 * when an operation derives a software key's public key), and the clock is read between steps. */
#define STEP_OPS   8         /* operations applied, or unlisted peers removed */
#define STEP_LINES 256       /* lines parsed */
#define STEP_WIPE  (1 << 20) /* bytes of request text wiped */

enum set_phase { SET_PARSE, SET_KEY, SET_APPLY, SET_WIPE, SET_DONE };

struct set_job {
	enum set_phase phase;
	char *text; /* the request's lines (it may hold keys: wiped before it is freed) */
	size_t len;
	size_t wiped;
	struct uapi_parser parser;
	struct uapi_set set;
	struct uapi_target target;
	bool open_keys_elsewhere;
	struct uapi_prepared_key prepared; /* SET_KEY: key in; then what opening it gave */
	struct uapi_apply_job apply;
	int err;
	const char *why;
	bool refused; /* the parser refused it: nothing was applied */
	uint64_t started_ns;
};

struct set_job *set_job_new(const char *body, size_t len, const struct uapi_target *target,
                            bool open_keys_elsewhere, uint64_t now_ns)
{
	struct set_job *job = calloc(1, sizeof(*job));
	char *text = malloc(len ? len : 1);
	if (!job || !text) {
		free(job);
		free(text);
		return NULL;
	}
	memcpy(text, body, len);
	job->text = text;
	job->len = len;
	job->target = *target;
	job->open_keys_elsewhere = open_keys_elsewhere;
	job->started_ns = now_ns;
	uapi_parse_start(&job->parser, job->text, len, &job->set);
	return job;
}

/* The request is parsed: apply it, after its new hardware key is opened elsewhere if need be. */
static void parsed(struct set_job *job)
{
	if (job->open_keys_elsewhere &&
	    uapi_set_needs_hardware_key(&job->set, wg_device_key(job->target.dev),
	                                job->target.key_bound, job->prepared.key)) {
		job->phase = SET_KEY;
		return;
	}
	uapi_apply_start(&job->apply, &job->target, &job->set);
	job->phase = SET_APPLY;
}

/* One step of the current phase. */
static void step(struct set_job *job, const struct wg_time *now)
{
	switch (job->phase) {
	case SET_PARSE: {
		int r = uapi_parse_step(&job->parser, STEP_LINES);
		if (r > 0)
			return;
		if (r < 0) {
			/* Nothing was applied: a request is checked whole first. */
			job->refused = true;
			job->err = r;
			job->why = job->parser.why;
			job->phase = SET_WIPE;
			return;
		}
		parsed(job);
		return;
	}
	case SET_APPLY:
		if (!uapi_apply_step(&job->apply, STEP_OPS, now))
			return;
		job->err = job->apply.err;
		job->why = job->apply.why;
		job->phase = SET_WIPE;
		return;
	case SET_WIPE: {
		size_t n = job->len - job->wiped < STEP_WIPE ? job->len - job->wiped : STEP_WIPE;
		secure_wipe(job->text + job->wiped, n);
		job->wiped += n;
		if (job->wiped == job->len)
			job->phase = SET_DONE;
		return;
	}
	case SET_KEY:
	case SET_DONE:
		return;
	}
}

enum set_job_state set_job_run(struct set_job *job, struct wg_time *now, uint64_t until_ns,
                               void (*clock)(struct wg_time *now))
{
	while (job->phase != SET_DONE && job->phase != SET_KEY) {
		step(job, now);
		clock(now);
		if (now->mono_ns >= until_ns)
			break;
	}
	return job->phase == SET_DONE  ? SET_JOB_DONE
	       : job->phase == SET_KEY ? SET_JOB_NEEDS_KEY
	                               : SET_JOB_MORE;
}

const uint8_t *set_job_key_to_open(const struct set_job *job)
{
	return job->prepared.key;
}

void set_job_key_opened(struct set_job *job, struct uapi_prepared_key *opened)
{
	key_provider_destroy(job->prepared.kp);
	job->prepared.kp = opened->kp;
	job->prepared.err = opened->err;
	job->prepared.why = opened->why;
	/* The apply takes it for the private_key it was opened for (set_private_key). */
	if (!job->prepared.kp && !job->prepared.err)
		job->prepared.err = -EIO;
	secure_wipe(opened, sizeof(*opened));
	job->target.prepared = &job->prepared;
	uapi_apply_start(&job->apply, &job->target, &job->set);
	job->phase = SET_APPLY;
}

int set_job_result(const struct set_job *job, const struct wg_time *now)
{
	if (job->refused)
		log_error("UAPI set: line %zu: %s (errno %d)", job->parser.line_no,
		          job->why ? job->why : "invalid", job->err);
	else if (job->err)
		log_error("UAPI set: %s: %s", job->why ? job->why : "failed", strerror(-job->err));
	else
		log_verbose("UAPI set: applied (%zu operations, %.3f s)", job->set.n,
		            (double)(now->mono_ns - job->started_ns) / 1e9);
	return job->err;
}

void set_job_free(struct set_job *job)
{
	if (!job)
		return;
	key_provider_destroy(job->prepared.kp); /* opened, but the request failed before it */
	secure_wipe(&job->prepared, sizeof(job->prepared));
	secure_wipe(job->text + job->wiped, job->len - job->wiped);
	free(job->text);
	uapi_set_free(&job->set);
	free(job);
}
