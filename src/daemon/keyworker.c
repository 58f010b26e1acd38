#include "daemon/keyworker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct keyworker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;   /* a job was queued, or stop */
	pthread_cond_t exited; /* the thread is about to return */
	struct keyworker_job *waiting, *waiting_tail;
	struct keyworker_job *finished, *finished_tail;
	unsigned depth;
	uint64_t busy_since_ns;
	bool stop, has_exited, abandoned;
	int efd;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void append(struct keyworker_job **head, struct keyworker_job **tail,
                   struct keyworker_job *job)
{
	job->next = NULL;
	if (*tail)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

static void run_job(struct keyworker_job *job)
{
	job->started_ns = mono_ns();
	if (job->deadline_ns && job->started_ns > job->deadline_ns)
		job->result = -ETIMEDOUT;
	else if (job->run)
		job->run(job);
	else
		job->result = key_provider_dh(job->kp, job->shared, job->input);
	job->finished_ns = mono_ns();
}

static void free_worker(struct keyworker *w)
{
	close(w->efd);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->exited);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static void *worker_main(void *arg)
{
	struct keyworker *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct keyworker_job *job = w->waiting;
		if (!job) {
			pthread_cond_wait(&w->wake, &w->mu);
			continue;
		}
		w->waiting = job->next;
		if (!w->waiting)
			w->waiting_tail = NULL;
		__atomic_store_n(&w->busy_since_ns, mono_ns(), __ATOMIC_RELAXED);
		pthread_mutex_unlock(&w->mu);

		run_job(job);

		pthread_mutex_lock(&w->mu);
		__atomic_store_n(&w->busy_since_ns, 0, __ATOMIC_RELAXED);
		if (w->abandoned)
			break; /* the loop is gone: nobody will take the job */
		w->depth--;
		append(&w->finished, &w->finished_tail, job);
		uint64_t one = 1;
		while (write(w->efd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
	w->has_exited = true;
	pthread_cond_broadcast(&w->exited);
	bool abandoned = w->abandoned;
	pthread_mutex_unlock(&w->mu);
	if (abandoned)
		free_worker(w);
	return NULL;
}

int keyworker_start(struct keyworker **out)
{
	struct keyworker *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		int err = -errno;
		free(w);
		return err;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->exited, &ca);
	pthread_condattr_destroy(&ca);
	int err = pthread_create(&w->thread, NULL, worker_main, w);
	if (err) {
		free_worker(w);
		return -err;
	}
	*out = w;
	return 0;
}

int keyworker_fd(const struct keyworker *w)
{
	return w->efd;
}

int keyworker_submit(struct keyworker *w, struct keyworker_job *job)
{
	pthread_mutex_lock(&w->mu);
	if (w->stop || w->depth >= KEYWORKER_CAPACITY) {
		pthread_mutex_unlock(&w->mu);
		return -EAGAIN;
	}
	w->depth++;
	append(&w->waiting, &w->waiting_tail, job);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void keyworker_drain(struct keyworker *w)
{
	uint64_t count;
	while (read(w->efd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&w->mu);
	struct keyworker_job *job = w->finished;
	w->finished = w->finished_tail = NULL;
	pthread_mutex_unlock(&w->mu);
	while (job) {
		struct keyworker_job *next = job->next;
		job->done(job);
		job = next;
	}
}

unsigned keyworker_depth(struct keyworker *w)
{
	pthread_mutex_lock(&w->mu);
	unsigned depth = w->depth;
	pthread_mutex_unlock(&w->mu);
	return depth;
}

uint64_t keyworker_busy_since(struct keyworker *w)
{
	return __atomic_load_n(&w->busy_since_ns, __ATOMIC_RELAXED);
}

bool keyworker_stop(struct keyworker *w, unsigned wait_ms)
{
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	struct keyworker_job *cancelled = w->waiting;
	for (struct keyworker_job *j = cancelled; j; j = j->next)
		w->depth--;
	w->waiting = w->waiting_tail = NULL;
	pthread_cond_signal(&w->wake);
	uint64_t until = mono_ns() + (uint64_t)wait_ms * 1000000ull;
	struct timespec ts = {.tv_sec = (time_t)(until / 1000000000ull),
	                      .tv_nsec = (long)(until % 1000000000ull)};
	while (!w->has_exited)
		if (pthread_cond_timedwait(&w->exited, &w->mu, &ts) == ETIMEDOUT)
			break;
	bool joined = w->has_exited;
	pthread_t thread = w->thread; /* once abandoned, the thread frees w */
	if (!joined)
		w->abandoned = true;
	struct keyworker_job *finished = w->finished;
	w->finished = w->finished_tail = NULL;
	pthread_mutex_unlock(&w->mu);

	while (cancelled) {
		struct keyworker_job *next = cancelled->next;
		cancelled->result = -ECANCELED;
		cancelled->done(cancelled);
		cancelled = next;
	}
	while (finished) {
		struct keyworker_job *next = finished->next;
		finished->done(finished);
		finished = next;
	}
	if (!joined) {
		pthread_detach(thread);
		return false;
	}
	pthread_join(w->thread, NULL);
	free_worker(w);
	return true;
}
