/* A UAPI `set` parsed and applied a slice at a time: a 100,000-peer request is 10 MB of text and
 * seconds of key-provider work (a static-static DH per new peer), and the daemon serves packets
 * between slices instead of stalling for all of it. The request is checked whole before anything
 * is applied (uapi_parse_step), applied in order (uapi_apply_step), and its text wiped (it may
 * hold keys), each phase a bounded amount of work at a time. */
#ifndef HWG_DAEMON_SET_JOB_H
#define HWG_DAEMON_SET_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/uapi_apply.h"
#include "wg/wg.h"

struct set_job;

/* Copies the request's lines (the connection's buffer moves on) and the target. NULL when out of
 * memory. */
struct set_job *set_job_new(const char *body, size_t len, const struct uapi_target *target,
                            uint64_t now_ns);
/* Works on the job until it is done or clock() says `until_ns` has passed; clock() refreshes
 * *now between steps, so what the job applies carries the current time. True once done. */
bool set_job_run(struct set_job *job, struct wg_time *now, uint64_t until_ns,
                 void (*clock)(struct wg_time *now));
/* For a finished job: logs the outcome and returns 0 or the negative errno to answer. */
int set_job_result(const struct set_job *job, const struct wg_time *now);
/* Wipes what is left of the request and frees the job, finished or not. */
void set_job_free(struct set_job *job);

#endif
