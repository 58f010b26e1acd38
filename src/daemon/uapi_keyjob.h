/* The work behind a UAPI request that must talk to key hardware, done on the key worker thread
 * (keyworker.h) while the control connection waits for its reply and the loop goes on:
 *  - a key operation (uapi_keyops.h) on the SE050 session the daemon already holds;
 *  - opening the provider for a new hardware key that a `set` installs (reading its public key
 *    from the chip), before the request is applied. */
#ifndef HWG_DAEMON_UAPI_KEYJOB_H
#define HWG_DAEMON_UAPI_KEYJOB_H

#include <stdbool.h>

#include "daemon/keyworker.h"
#include "daemon/strbuf.h"
#include "daemon/uapi_apply.h"
#include "daemon/uapi_keyops.h"
#include "keys/select.h"

struct uapi_key_job {
	struct keyworker_job job; /* first: job.run = uapi_key_job_run */
	struct uapi_key_op op;
	const char *bus;     /* NULL = $HWGUARD_SE050_BUS or the default */
	struct strbuf lines; /* the reply's lines before errno, filled on the worker */
	int err;
};

/* Initialises the job for op (the caller sets job.done/ctx). */
void uapi_key_job_init(struct uapi_key_job *j, const struct uapi_key_op *op, const char *bus);
/* Worker thread: runs the operation. */
void uapi_key_job_run(struct keyworker_job *job);
/* Wipes and frees the reply buffer (not the job itself). */
void uapi_key_job_clear(struct uapi_key_job *j);

struct uapi_prepare_job {
	struct keyworker_job job; /* first: job.run = uapi_prepare_job_run */
	struct key_config cfg;
	struct uapi_prepared_key prepared; /* key in; kp or err/why out */
};

/* Worker thread: key_provider_from_config for j->prepared.key. */
void uapi_prepare_job_run(struct keyworker_job *job);

/* True when applying set would create a provider that talks to hardware (an SE050 handle other
 * than the installed key, on an unbound interface): *key gets the first such key. Such a request
 * is applied only after uapi_prepare_job_run opened it on the worker. */
struct uapi_set;
bool uapi_set_needs_hardware_key(const struct uapi_set *set, const struct key_provider *current,
                                 bool key_bound, uint8_t key[KEY_LEN]);

#endif
