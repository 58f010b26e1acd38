#include "daemon/set_job.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "daemon/log.h"
#include "daemon/uapi_set.h"

/* How much of each phase one step does: a step then takes tens of microseconds to a few
 * hundred (an operation may be a DH), and the clock is read between steps. */
#define STEP_OPS   8         /* operations applied */
#define STEP_LINES 256       /* lines parsed */
#define STEP_WIPE  (1 << 20) /* bytes of request text wiped */

enum set_phase { SET_PARSE, SET_APPLY, SET_WIPE, SET_DONE };

struct set_job {
	enum set_phase phase;
	char *text; /* the request's lines (it may hold keys: wiped before it is freed) */
	size_t len;
	size_t wiped;
	struct uapi_parser parser;
	struct uapi_set set;
	struct uapi_target target;
	struct uapi_apply_job apply;
	int err;
	const char *why;
	bool refused; /* the parser refused it: nothing was applied */
	uint64_t started_ns;
};

struct set_job *set_job_new(const char *body, size_t len, const struct uapi_target *target,
                            uint64_t now_ns)
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
	job->started_ns = now_ns;
	uapi_parse_start(&job->parser, job->text, len, &job->set);
	return job;
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
		uapi_apply_start(&job->apply, &job->target, &job->set);
		job->phase = SET_APPLY;
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
	case SET_DONE:
		return;
	}
}

bool set_job_run(struct set_job *job, struct wg_time *now, uint64_t until_ns,
                 void (*clock)(struct wg_time *now))
{
	while (job->phase != SET_DONE) {
		step(job, now);
		clock(now);
		if (now->mono_ns >= until_ns)
			break;
	}
	return job->phase == SET_DONE;
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
	secure_wipe(job->text + job->wiped, job->len - job->wiped);
	free(job->text);
	uapi_set_free(&job->set);
	free(job);
}
