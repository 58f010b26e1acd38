/* A UAPI `set` parsed and applied a slice at a time, the daemon's one mechanism for a change that
 * takes longer than a turn of its event loop. A 100,000-peer request is 10 MB of text and a second
 * or more of work (parsing, peers, prefixes; no key-provider work: static-static is computed at
 * each peer's first handshake), and the daemon serves packets between slices instead of stalling
 * for all of it. The request is checked whole before anything is applied (uapi_parse_step), applied
 * in order (uapi_apply_step), and its text wiped (it may hold keys), each phase a bounded amount
 * of work at a time; the caller bounds each slice by time.
 *
 * A request that installs a new hardware key (an SE050 handle) stops after parsing, before
 * anything is applied, while the caller opens that key where waiting on the chip costs nothing (the
 * daemon's key worker: opening reads the public key from the chip); set_job_key_opened hands it
 * over and the job goes on. */
#ifndef HWG_DAEMON_SET_JOB_H
#define HWG_DAEMON_SET_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/uapi_apply.h"
#include "wg/wg.h"

struct set_job;

enum set_job_state {
	SET_JOB_MORE,      /* call set_job_run again */
	SET_JOB_NEEDS_KEY, /* open set_job_key_to_open() elsewhere, then set_job_key_opened() */
	SET_JOB_DONE,      /* set_job_result() */
};

/* Copies the request's lines (the connection's buffer moves on) and the target.
 * open_keys_elsewhere: a new hardware key is opened by the caller (SET_JOB_NEEDS_KEY) instead of
 * inline by the apply. NULL when out of memory. */
struct set_job *set_job_new(const char *body, size_t len, const struct uapi_target *target,
                            bool open_keys_elsewhere, uint64_t now_ns);
/* Works on the job until it is done, needs a key opened, or clock() says `until_ns` has passed;
 * clock() refreshes *now between steps, so what the job applies carries the current time. */
enum set_job_state set_job_run(struct set_job *job, struct wg_time *now, uint64_t until_ns,
                               void (*clock)(struct wg_time *now));
/* While SET_JOB_NEEDS_KEY: the private_key value (an SE050 handle) to open. */
const uint8_t *set_job_key_to_open(const struct set_job *job);
/* Hands over the opened key (or the error that opening gave): the job owns opened->kp from now
 * on, and *opened is wiped. */
void set_job_key_opened(struct set_job *job, struct uapi_prepared_key *opened);
/* For a finished job: logs the outcome and returns 0 or the negative errno to answer. */
int set_job_result(const struct set_job *job, const struct wg_time *now);
/* Wipes what is left of the request and frees the job, finished or not (a key handed over and not
 * used is released). NULL is a no-op. */
void set_job_free(struct set_job *job);

#endif
