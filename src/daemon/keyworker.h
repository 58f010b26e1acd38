/* The key worker: one thread that runs the operations that wait on key hardware (an SE050 ECDH,
 * key generation, reading a public key), so that the epoll loop never does. The loop submits jobs
 * to a bounded queue; the thread runs them one at a time, in order; finished jobs come back
 * through an eventfd that the loop polls, and their `done` callbacks run on the loop's thread.
 *
 * A chip that stops answering stalls only this thread: the loop keeps moving packets, answers
 * `wg show`, and sees the stall (keyworker_busy_since) to count itself under load. Jobs that waited
 * past their deadline are skipped without touching the device (a handshake that old is retried by
 * the peer anyway, and a skipped ECDH costs no wear). Recovery of the chip itself is the driver's
 * job: its operations end with an error after their timeouts, and the next job proceeds. */
#ifndef HWG_DAEMON_KEYWORKER_H
#define HWG_DAEMON_KEYWORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "keys/provider.h"

/* Jobs waiting or running. The core keeps at most two DH requests here (it schedules the rest
 * itself, src/wg/static_dh.h); the room is for key management requests. */
#define KEYWORKER_CAPACITY 32

struct keyworker;

struct keyworker_job {
	/* Runs on the worker thread. For a DH job leave it NULL and fill kp (a held reference,
	 * released by the submitter in done) and input: the worker runs key_provider_dh into
	 * shared/result. */
	void (*run)(struct keyworker_job *job);
	struct key_provider *kp;
	uint8_t input[KEY_LEN];
	uint8_t shared[KEY_LEN];
	int result;
	/* Skip the job (result -ETIMEDOUT, run never called) when it has not started by then
	 * (CLOCK_MONOTONIC ns; 0 = no deadline). */
	uint64_t deadline_ns;
	/* Runs on the loop thread (keyworker_drain) once the job finished or was skipped; owns the
	 * job from then on. */
	void (*done)(struct keyworker_job *job);
	void *ctx;
	uint64_t ticket;
	/* Set by the worker (CLOCK_MONOTONIC ns): for logs about a slow device. */
	uint64_t started_ns, finished_ns;
	struct keyworker_job *next;
};

/* Starts the thread. Returns 0 or a negative errno. */
int keyworker_start(struct keyworker **out);
/* Readable (level-triggered) while finished jobs wait for keyworker_drain. */
int keyworker_fd(const struct keyworker *w);
/* Queues a job. Returns 0, or -EAGAIN when KEYWORKER_CAPACITY jobs are waiting or running (the
 * job stays the caller's). */
int keyworker_submit(struct keyworker *w, struct keyworker_job *job);
/* Calls done for every finished job, in completion order. Loop thread only. */
void keyworker_drain(struct keyworker *w);
/* Jobs queued or running. */
unsigned keyworker_depth(struct keyworker *w);
/* When the running job started (CLOCK_MONOTONIC ns), or 0 when the thread is idle. */
uint64_t keyworker_busy_since(struct keyworker *w);
/* Stops the thread: jobs not started are finished as -ECANCELED (their done runs here), the
 * running one is waited for up to wait_ms. A thread still stuck in the device after that is left
 * to finish alone (it owns its job and the worker's memory then; the process is ending); done is
 * then never called for that job. Returns true when the thread was joined. */
bool keyworker_stop(struct keyworker *w, unsigned wait_ms);

#endif
