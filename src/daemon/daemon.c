#include "daemon/daemon.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "crypto/random.h"
#include "daemon/keyworker.h"
#include "daemon/load.h"
#include "daemon/log.h"
#include "daemon/netwatch.h"
#include "daemon/set_job.h"
#include "daemon/tai64n_mark.h"
#include "daemon/tun.h"
#include "daemon/tun_gro.h"
#include "daemon/tun_offload.h"
#include "daemon/uapi_format.h"
#include "daemon/udp.h"
#include "daemon/uapi_apply.h"
#include "daemon/uapi_get.h"
#include "daemon/uapi_keyjob.h"
#include "daemon/uapi_keyops.h"
#include "wg/wg.h"

#define TUN_READS_PER_WAKEUP 64
#define MAX_EVENTS           32
#define NSEC_PER_SEC         1000000000ull

enum source_kind {
	SRC_TUN,
	SRC_UDP,
	SRC_UAPI_LISTEN,
	SRC_UAPI_CONN,
	SRC_LINK,
	SRC_PATH,
	SRC_SIGNAL,
	SRC_UAPI_TIMER,
	SRC_KEYWORKER
};

struct source {
	enum source_kind kind;
};

struct conn_source {
	struct source src; /* first */
	struct uapi_conn conn;
	uint32_t registered; /* the epoll events it is registered for; 0: not in epoll */
	/* its request waits for its turn (the change in progress to end), in this queue */
	bool queued;
	struct conn_source *next_waiting;
};

struct daemon {
	struct wg_device *dev;
	struct daemon_params *p;
	int epfd;
	struct netwatch_link link; /* where the interface is (it may move to another namespace) */
	unsigned mtu;
	struct udp_sock udp;
	struct udp_rx_batch *rx;
	struct udp_tx_batch *tx;
	uint8_t *tun_buf;
	struct tun_gro *gro; /* decrypted TCP segments waiting to be merged into one write */
	/* Small random draws (timer jitter, indices) come from here, one getrandom per
	 * sizeof(random_pool) bytes instead of one per draw. */
	uint8_t random_pool[256];
	size_t random_left;
	uint64_t tun_dropped;
	struct wg_time now;
	uint64_t next_tick;
	struct load_monitor load;
	struct tai64n_mark_source stamps;      /* initiation timestamps that survive restarts */
	uint64_t uapi_evicted, uapi_timed_out; /* control connections closed by the limits */
	struct uapi_conn_set conns;            /* open control connections (their limits) */
	bool listen_paused;                    /* the listener is out of epoll: at the limit */
	bool listen_retry;                     /* ... because accept failed (EMFILE): retry soon */
	int uapi_timer_fd;
	struct source uapi_timer_src;
	bool key_bound;
	struct source tun_src, udp_src, listen_src, link_src, path_src, signal_src;
	int path_fd, signal_fd;
	/* Runs what waits on key hardware; NULL if it could not start (then the core calls a
	 * blocking provider inline, as before there was a worker). */
	struct keyworker *worker;
	struct source worker_src;
	bool stopping; /* teardown: answers from the worker are only freed */
	/* The UAPI change in progress ("UAPI changes" below), and the connections whose requests
	 * wait for their turn, in arrival order. */
	struct {
		enum { CHANGE_NONE, CHANGE_SET, CHANGE_KEY_OP } kind;
		struct conn_source *conn; /* who gets the reply; NULL once it has gone */
		struct set_job *set;      /* CHANGE_SET */
		bool set_waits_for_key;   /* ... while the key worker opens its new key */
	} change;
	struct conn_source *waiting_first, *waiting_last;
	struct conn_source *turn; /* the waiting connection being given its turn now */
	bool stop;
	int exit_status;
};

static void clock_now(struct wg_time *t)
{
	struct timespec m, r;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	t->mono_ns = (uint64_t)m.tv_sec * NSEC_PER_SEC + (uint64_t)m.tv_nsec;
	t->real_sec = (uint64_t)r.tv_sec;
	t->real_nsec = (uint32_t)r.tv_nsec;
}

/* ---- core callbacks ---- */

static void io_send(void *ctx, const struct wg_endpoint *to, const uint8_t *packet, size_t len)
{
	struct daemon *d = ctx;
	udp_tx_add(&d->udp, d->tx, to, packet, len);
}

static uint8_t *io_send_buffer(void *ctx, size_t len)
{
	struct daemon *d = ctx;
	return udp_tx_buffer(&d->udp, d->tx, len);
}

static void tun_write_frame(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct daemon *d = ctx;
	while (writev(d->p->tun_fd, iov, iovcnt) < 0 && errno == EINTR)
		;
}

static void io_deliver(void *ctx, const uint8_t *ip_packet, size_t len)
{
	struct daemon *d = ctx;
	/* A full TUN queue drops the packet, as a congested link would. */
	if (d->p->tun_vnet) {
		tun_gro_add(d->gro, ip_packet, len, tun_write_frame, d);
		return;
	}
	while (write(d->p->tun_fd, ip_packet, len) < 0 && errno == EINTR)
		;
}

static void io_random(void *ctx, void *buf, size_t len)
{
	struct daemon *d = ctx;
	/* Keys and nonces (16 bytes and up) never wait in the pool: they come straight from the
	 * kernel. */
	if (len >= 16) {
		random_bytes(buf, len);
		return;
	}
	if (d->random_left < len) {
		random_bytes(d->random_pool, sizeof(d->random_pool));
		d->random_left = sizeof(d->random_pool);
	}
	uint8_t *from = d->random_pool + sizeof(d->random_pool) - d->random_left;
	memcpy(buf, from, len);
	secure_wipe(from, len);
	d->random_left -= len;
}

static bool io_under_load(void *ctx)
{
	struct daemon *d = ctx;
	uint64_t busy_since = d->worker ? keyworker_busy_since(d->worker) : 0;
	return load_under_load(&d->load, wg_device_key(d->dev), busy_since, d->now.mono_ns);
}

/* ---- key worker: static-key DH off the event loop ---- */

/* A DH that has not started within this is skipped (no chip operation, no wear): the core has
 * given up on it by then (SDH_WAIT_MAX_NS) and the peer retries. */
#define DH_JOB_DEADLINE_NS (2 * NSEC_PER_SEC)
/* A device operation this slow is worth a line in the log. */
#define KEY_OP_SLOW_NS NSEC_PER_SEC

static void note_slow_operation(const struct keyworker_job *job, const char *what)
{
	if (job->started_ns && job->finished_ns - job->started_ns >= KEY_OP_SLOW_NS)
		log_error("the key provider took %.1f s for %s (result %d)",
		          (double)(job->finished_ns - job->started_ns) / 1e9, what, job->result);
}

static void dh_done(struct keyworker_job *job)
{
	struct daemon *d = job->ctx;
	if (!d->stopping) {
		note_slow_operation(job, "a static-key Diffie-Hellman");
		clock_now(&d->now);
		wg_device_static_dh_done(d->dev, job->ticket, job->result, job->shared, &d->now);
	}
	secure_wipe(job->shared, sizeof(job->shared));
	key_provider_destroy(job->kp);
	free(job);
}

static int io_static_dh_submit(void *ctx, struct key_provider *kp, const uint8_t input[WG_KEY_LEN],
                               uint64_t ticket)
{
	struct daemon *d = ctx;
	struct keyworker_job *job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	job->kp = key_provider_hold(kp);
	memcpy(job->input, input, WG_KEY_LEN);
	job->deadline_ns = d->now.mono_ns + DH_JOB_DEADLINE_NS;
	job->done = dh_done;
	job->ctx = d;
	job->ticket = ticket;
	int err = keyworker_submit(d->worker, job);
	if (err) {
		key_provider_destroy(job->kp);
		free(job);
	}
	return err;
}

static void keyworker_attach(struct daemon *d)
{
	int err = keyworker_start(&d->worker);
	if (err) {
		d->worker = NULL;
		log_error(
		        "cannot start the key worker (%s): hardware key operations will run on the "
		        "event loop",
		        strerror(-err));
	}
}

/* ---- UAPI ---- */

static int set_listen_port(void *ctx, uint16_t port)
{
	struct daemon *d = ctx;
	if (port != 0 && port == d->udp.port)
		return 0;
	struct udp_sock n;
	int err = udp_open(&n, port, d->udp.fwmark);
	if (err)
		return err;
	udp_tx_flush(&d->udp, d->tx);
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->udp.fd, NULL);
	udp_close(&d->udp);
	d->udp = n;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &d->udp_src};
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->udp.fd, &ev) < 0)
		return -errno;
	log_verbose("UDP bind has been updated: port %u", d->udp.port);
	return 0;
}

static int set_fwmark(void *ctx, uint32_t mark)
{
	struct daemon *d = ctx;
	if (mark == d->udp.fwmark)
		return 0;
	return udp_set_fwmark(&d->udp, mark);
}

/* The daemon's part of the counters in `get` (docs/metrics.md). */
static void daemon_counters(const struct daemon *d, struct uapi_counters_view *c)
{
	memset(c, 0, sizeof(*c));
	c->tun_dropped = d->tun_dropped;
	c->uapi_connections_evicted = d->uapi_evicted;
	c->uapi_connections_timed_out = d->uapi_timed_out;
	c->timestamp_mark = d->stamps.mark.mark_ns / NSEC_PER_SEC;
	c->timestamp_mark_writes = d->stamps.mark.writes;
}

static struct conn_source *conn_of(struct uapi_conn *c)
{
	return (struct conn_source *)((char *)c - offsetof(struct conn_source, conn));
}

static enum uapi_answer handle_request(void *ctx, struct uapi_conn *c, enum uapi_frame_kind kind,
                                       const char *body, size_t len, struct strbuf *reply);
static void conn_resume(struct daemon *d, struct conn_source *cs);

/* ---- UAPI changes: one at a time, none holding up the data path ----
 *
 * A change is a set request or a key operation. One is in progress at a time, as wireguard-go's
 * IPC lock: a set or key request that arrives meanwhile waits (UAPI_NOT_NOW), in arrival order;
 * a get waits only while a set is being applied (it would see it half done), never while the
 * change waits for the key worker, so a slow or hung chip never holds up `wg show`. When the change
 * ends, the waiting requests are offered again in order until one starts the next change.
 *
 * A set is a set_job: parsed, applied and wiped in slices of at most SET_SLICE_NS between packet
 * batches (the loop polls without sleeping while one runs). The first slice runs at once and a
 * small set is answered with it; a larger one is answered when its last slice is done. A set that
 * installs a new hardware key has it opened on the key worker first (reading the public key from
 * the chip), then goes on. A key operation runs on the key worker. A connection whose request is
 * being worked out is not read, never idle and never timed out (uapi_server.h). */

/* The longest a set slice keeps the thread from the data path. */
#define SET_SLICE_NS 1000000

static bool set_running(const struct daemon *d)
{
	return d->change.kind == CHANGE_SET && !d->change.set_waits_for_key;
}

static bool must_wait(const struct daemon *d, const struct conn_source *cs,
                      enum uapi_frame_kind kind)
{
	if (kind == UAPI_FRAME_GET)
		return set_running(d);
	/* No overtaking: while others wait for their turn, a new change waits behind them. */
	return d->change.kind != CHANGE_NONE || (d->waiting_first && cs != d->turn);
}

static void wait_for_turn(struct daemon *d, struct conn_source *cs)
{
	cs->next_waiting = NULL;
	cs->queued = true;
	if (d->waiting_last)
		d->waiting_last->next_waiting = cs;
	else
		d->waiting_first = cs;
	d->waiting_last = cs;
}

static void unlink_waiting(struct daemon *d, struct conn_source *cs)
{
	if (!cs->queued)
		return;
	struct conn_source **link = &d->waiting_first, *prev = NULL;
	while (*link != cs) {
		prev = *link;
		link = &(*link)->next_waiting;
	}
	*link = cs->next_waiting;
	if (d->waiting_last == cs)
		d->waiting_last = prev;
	cs->next_waiting = NULL;
	cs->queued = false;
}

/* The change in progress ended (its reply, if its client is still there, is in its output): that
 * client's reply goes out (a next request of its own queues behind those already waiting), then
 * the waiting requests get their turn in order, until one starts the next change. */
static void change_end(struct daemon *d)
{
	struct conn_source *cs = d->change.conn;
	memset(&d->change, 0, sizeof(d->change));
	if (cs)
		conn_resume(d, cs);
	while (d->change.kind == CHANGE_NONE && d->waiting_first) {
		struct conn_source *next = d->waiting_first;
		unlink_waiting(d, next);
		d->turn = next;
		conn_resume(d, next);
		d->turn = NULL;
	}
}

static void submit_key_open(struct daemon *d);

/* Runs the set in progress for one slice. True once it is done: *err is its answer, and the job
 * is freed. */
static bool set_slice(struct daemon *d, int *err)
{
	clock_now(&d->now);
	switch (set_job_run(d->change.set, &d->now, d->now.mono_ns + SET_SLICE_NS, clock_now)) {
	case SET_JOB_MORE:
		return false;
	case SET_JOB_NEEDS_KEY:
		submit_key_open(d);
		return false;
	case SET_JOB_DONE:
		break;
	}
	*err = set_job_result(d->change.set, &d->now);
	set_job_free(d->change.set);
	d->change.set = NULL;
	return true;
}

/* The next slice of the set in progress, from the event loop; once done, its client (if still
 * there) gets the reply and the next change may start. */
static void continue_set(struct daemon *d)
{
	int err;
	if (!set_slice(d, &err))
		return;
	if (d->change.conn)
		uapi_format_errno(&d->change.conn->conn.out, err);
	change_end(d);
}

/* The key a set installs, opened on the key worker. */
struct key_open_job {
	struct uapi_prepare_job pj; /* first */
	struct daemon *d;
};

static void key_opened(struct keyworker_job *job)
{
	struct key_open_job *ko = (struct key_open_job *)job;
	struct daemon *d = ko->d;
	if (!d->stopping && d->change.kind == CHANGE_SET && d->change.set_waits_for_key) {
		note_slow_operation(job, "opening a key");
		set_job_key_opened(d->change.set, &ko->pj.prepared);
		d->change.set_waits_for_key = false; /* the loop runs its slices again */
	}
	key_provider_destroy(ko->pj.prepared.kp); /* NULL once handed over */
	secure_wipe(ko, sizeof(*ko));
	free(ko);
}

static void submit_key_open(struct daemon *d)
{
	struct key_open_job *ko = calloc(1, sizeof(*ko));
	if (ko) {
		ko->pj.job.run = uapi_prepare_job_run;
		ko->pj.job.done = key_opened;
		ko->pj.cfg = d->p->keys;
		ko->d = d;
		memcpy(ko->pj.prepared.key, set_job_key_to_open(d->change.set), WG_KEY_LEN);
		if (keyworker_submit(d->worker, &ko->pj.job) == 0) {
			d->change.set_waits_for_key = true;
			return;
		}
	}
	/* The worker's queue is full (or no memory): the set fails before anything is applied. */
	struct uapi_prepared_key failed = {.err = ko ? -EAGAIN : -ENOMEM,
	                                   .why = "cannot open the key now"};
	if (ko) {
		secure_wipe(ko, sizeof(*ko));
		free(ko);
	}
	set_job_key_opened(d->change.set, &failed);
}

static enum uapi_answer set_request(struct daemon *d, struct conn_source *cs, const char *body,
                                    size_t len, struct strbuf *reply)
{
	struct uapi_target target = {
	        .dev = d->dev,
	        .key_config = &d->p->keys,
	        .ctx = d,
	        .set_listen_port = set_listen_port,
	        .set_fwmark = set_fwmark,
	        .key_bound = d->key_bound,
	};
	struct set_job *job = set_job_new(body, len, &target, d->worker != NULL, d->now.mono_ns);
	if (!job) {
		uapi_format_errno(reply, -ENOMEM);
		return UAPI_ANSWERED;
	}
	d->change.kind = CHANGE_SET;
	d->change.set = job;
	int err;
	if (!set_slice(d, &err)) {
		d->change.conn = cs;
		return UAPI_LATER;
	}
	/* Done within its first slice: answered with this request, no wait. */
	memset(&d->change, 0, sizeof(d->change));
	uapi_format_errno(reply, err);
	return UAPI_ANSWERED;
}

/* ---- key operations (hwguard_key=1, uapi_keyops.h) on the key worker ---- */

struct key_task {
	struct uapi_key_job kj; /* first */
	struct daemon *d;
};

static const char *key_op_name(enum uapi_key_op_kind kind)
{
	switch (kind) {
	case UAPI_KEY_GENKEY:
		return "genkey";
	case UAPI_KEY_PUBKEY:
		return "pubkey";
	case UAPI_KEY_LIST:
		return "list";
	case UAPI_KEY_DELETE:
		return "delete";
	}
	return "?";
}

static void key_op_done(struct keyworker_job *job)
{
	struct key_task *kt = (struct key_task *)job;
	struct daemon *d = kt->d;
	if (!d->stopping && d->change.kind == CHANGE_KEY_OP) {
		const struct uapi_key_op *op = &kt->kj.op;
		note_slow_operation(job, "a key operation");
		if (kt->kj.err)
			log_error("UAPI key operation %s 0x%08X: %s", key_op_name(op->kind),
			          op->object_id, strerror(-kt->kj.err));
		else
			log_verbose("UAPI key operation %s 0x%08X: done", key_op_name(op->kind),
			            op->object_id);
		if (d->change.conn) {
			struct strbuf *reply = &d->change.conn->conn.out;
			if (!kt->kj.err)
				strbuf_append(reply, kt->kj.lines.data, kt->kj.lines.len);
			uapi_format_errno(reply, kt->kj.err);
		}
		change_end(d);
	}
	uapi_key_job_clear(&kt->kj);
	free(kt);
}

/* Replacing or deleting the object that holds the interface key would cut the tunnel and destroy
 * the key for good: refused. */
static bool touches_installed_key(struct daemon *d, const struct uapi_key_op *op)
{
	uint32_t id;
	struct key_provider *cur = wg_device_key(d->dev);
	if (!cur || !key_is_se050_handle(cur->config_key, &id) || id != op->object_id)
		return false;
	return op->kind == UAPI_KEY_DELETE || (op->kind == UAPI_KEY_GENKEY && op->force);
}

static enum uapi_answer key_op_request(struct daemon *d, struct conn_source *cs, const char *body,
                                       size_t len, struct strbuf *reply)
{
	struct uapi_key_op op;
	size_t line = 0;
	const char *why = NULL;
	int err = uapi_parse_key_op(body, len, &op, &line, &why);
	if (!err && touches_installed_key(d, &op)) {
		err = -EBUSY;
		why = "the object holds the interface key";
	}
	if (!err && !d->worker) {
		err = -ENOTSUP;
		why = "no key worker";
	}
	if (err) {
		log_error("UAPI key operation: line %zu: %s (errno %d)", line,
		          why ? why : "invalid", err);
		uapi_format_errno(reply, err);
		return UAPI_ANSWERED;
	}
	struct key_task *kt = calloc(1, sizeof(*kt));
	if (kt) {
		uapi_key_job_init(&kt->kj, &op, d->p->keys.se050_bus);
		kt->kj.job.done = key_op_done;
		kt->d = d;
		if (keyworker_submit(d->worker, &kt->kj.job) == 0) {
			d->change.kind = CHANGE_KEY_OP;
			d->change.conn = cs;
			return UAPI_LATER;
		}
		uapi_key_job_clear(&kt->kj);
		free(kt);
	}
	uapi_format_errno(reply, kt ? -EAGAIN : -ENOMEM);
	return UAPI_ANSWERED;
}

static enum uapi_answer handle_request(void *ctx, struct uapi_conn *c, enum uapi_frame_kind kind,
                                       const char *body, size_t len, struct strbuf *reply)
{
	struct daemon *d = ctx;
	struct conn_source *cs = conn_of(c);
	clock_now(&d->now);
	if (must_wait(d, cs, kind)) {
		wait_for_turn(d, cs);
		return UAPI_NOT_NOW;
	}
	if (kind == UAPI_FRAME_GET) {
		struct uapi_counters_view counters;
		daemon_counters(d, &counters);
		uapi_get(reply, d->dev, d->udp.port, d->udp.fwmark, &counters);
		return UAPI_ANSWERED;
	}
	if (kind == UAPI_FRAME_KEY_OP)
		return key_op_request(d, cs, body, len, reply);
	return set_request(d, cs, body, len, reply);
}

static void conn_update_events(struct daemon *d, struct conn_source *cs)
{
	uint32_t want = (uapi_conn_wants_read(&cs->conn) ? EPOLLIN : 0) |
	                (uapi_conn_wants_write(&cs->conn) ? EPOLLOUT : 0);
	if (want == cs->registered)
		return;
	struct epoll_event ev = {.events = want, .data.ptr = cs};
	int op = !want ? EPOLL_CTL_DEL : cs->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(d->epfd, op, cs->conn.fd, &ev) == 0)
		cs->registered = want;
}

/* ---- control connections: limits (uapi_server.h "Limits") ---- */

#define UAPI_ACCEPT_RETRY_NS 100000000ull /* after EMFILE/ENFILE */

static void listener_enable(struct daemon *d, bool on)
{
	if (on == !d->listen_paused)
		return;
	struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.ptr = &d->listen_src};
	epoll_ctl(d->epfd, EPOLL_CTL_MOD, d->p->uapi.fd, &ev);
	d->listen_paused = !on;
	if (on)
		d->listen_retry = false;
}

/* The timer wakes the loop for the next idle timeout, eviction or accept retry. */
static void uapi_timer_arm(struct daemon *d)
{
	if (d->uapi_timer_fd < 0)
		return;
	/* The listener is paused only while a connection waits for a place (or an fd). */
	uint64_t next = uapi_conn_set_next_event(&d->conns, d->listen_paused);
	if (d->listen_retry && (!next || next > d->now.mono_ns + UAPI_ACCEPT_RETRY_NS))
		next = d->now.mono_ns + UAPI_ACCEPT_RETRY_NS;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (next) {
		if (next <= d->now.mono_ns)
			next = d->now.mono_ns + 1;
		its.it_value.tv_sec = (time_t)(next / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(next % NSEC_PER_SEC);
	}
	timerfd_settime(d->uapi_timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void conn_close(struct daemon *d, struct conn_source *cs)
{
	if (d->change.conn == cs)
		d->change.conn = NULL; /* the change goes on; nobody is left to answer */
	if (d->turn == cs)
		d->turn = NULL;
	unlink_waiting(d, cs);
	if (cs->registered)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, cs->conn.fd, NULL);
	uapi_conn_set_remove(&d->conns, &cs->conn);
	uapi_conn_close(&cs->conn);
	free(cs);
	listener_enable(d, true); /* a place is free */
}

/* At the limit: closes the connection idle longest, if one has been idle long enough. */
static bool uapi_evict_one(struct daemon *d)
{
	struct uapi_conn *c = uapi_conn_set_evictable(&d->conns, d->now.mono_ns);
	if (!c)
		return false;
	d->uapi_evicted++;
	log_verbose("UAPI: %u connections open: closing the one idle longest", d->conns.count);
	conn_close(d, conn_of(c));
	return true;
}

static void on_uapi_timer(struct daemon *d)
{
	uint64_t expirations;
	while (read(d->uapi_timer_fd, &expirations, sizeof(expirations)) > 0)
		;
	struct uapi_conn *c;
	unsigned closed = 0;
	while ((c = uapi_conn_set_expired(&d->conns, d->now.mono_ns))) {
		d->uapi_timed_out++;
		closed++;
		conn_close(d, conn_of(c));
	}
	if (closed)
		log_verbose("UAPI: closed %u connections that sent no complete request in %llu s",
		            closed, (unsigned long long)(UAPI_IDLE_TIMEOUT_NS / NSEC_PER_SEC));
	listener_enable(d, true); /* accepting again evicts what has become evictable */
	uapi_timer_arm(d);
}

static void on_uapi_accept(struct daemon *d)
{
	for (int i = 0; i < 16; i++) {
		if (uapi_conn_set_full(&d->conns) && !uapi_evict_one(d)) {
			/* Nothing to let go yet: stop polling the listener (no busy loop) until a
			 * connection closes or becomes evictable. */
			listener_enable(d, false);
			break;
		}
		int fd = accept4(d->p->uapi.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				if (uapi_evict_one(d))
					continue;
				listener_enable(d, false);
				d->listen_retry = true;
			}
			break;
		}
		struct conn_source *cs = calloc(1, sizeof(*cs));
		if (!cs) {
			close(fd);
			continue;
		}
		cs->src.kind = SRC_UAPI_CONN;
		uapi_conn_init(&cs->conn, fd);
		conn_update_events(d, cs);
		if (!cs->registered) {
			uapi_conn_close(&cs->conn);
			free(cs);
			continue;
		}
		uapi_conn_set_add(&d->conns, &cs->conn, d->now.mono_ns);
	}
	uapi_timer_arm(d);
}

static void on_uapi_conn(struct daemon *d, struct conn_source *cs, uint32_t events)
{
	if (!uapi_conn_on_event(&cs->conn, events, handle_request, d)) {
		conn_close(d, cs);
	} else {
		uapi_conn_set_touch(&cs->conn, d->now.mono_ns);
		conn_update_events(d, cs);
	}
	uapi_timer_arm(d);
}

/* A request of cs waited (its reply is ready, or its turn has come). */
static void conn_resume(struct daemon *d, struct conn_source *cs)
{
	if (!uapi_conn_resume(&cs->conn, handle_request, d)) {
		conn_close(d, cs);
	} else {
		uapi_conn_set_touch(&cs->conn, d->now.mono_ns);
		conn_update_events(d, cs);
	}
	uapi_timer_arm(d);
}

static void uapi_close_all(struct daemon *d)
{
	while (d->conns.first) {
		struct conn_source *cs = conn_of(d->conns.first);
		uapi_conn_set_remove(&d->conns, &cs->conn);
		uapi_conn_close(&cs->conn);
		free(cs);
	}
}

/* ---- data path ---- */

static void tun_packet(void *ctx, uint8_t *ip_packet, size_t len)
{
	struct daemon *d = ctx;
	wg_device_tun_input(d->dev, ip_packet, len, &d->now);
}

/* Reads up to TUN_READS_PER_WAKEUP frames; what they produce is sent when the wake-up ends. */
static void on_tun(struct daemon *d)
{
	for (int i = 0; i < TUN_READS_PER_WAKEUP; i++) {
		ssize_t n = read(d->p->tun_fd, d->tun_buf, TUN_VNET_HDR_LEN + WG_MAX_PACKET);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EBADFD: the interface is gone (netlink says so too); anything else is
			 * transient, and the loop must not spin on it. */
			if (errno == EBADFD) {
				log_verbose(
				        "interface deleted (TUN device detached): shutting down");
				d->stop = true;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_error("TUN read failed: %s", strerror(errno));
			}
			break;
		}
		if (n == 0)
			break;
		if (!d->p->tun_vnet)
			wg_device_tun_input(d->dev, d->tun_buf, (size_t)n, &d->now);
		else if (tun_offload_split(d->tun_buf, (size_t)n, tun_packet, d) != 0)
			d->tun_dropped++;
	}
}

/* Decrypts whole recvmmsg batches; each batch's TUN writes (one per flow) go out before the next
 * batch overwrites the buffers they point into. Datagrams to send wait for the end of the
 * wake-up. */
static void on_udp(struct daemon *d)
{
	for (int round = 0; round < 4; round++) {
		int n = udp_recv_batch(&d->udp, d->rx);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			struct wg_endpoint from;
			size_t len = d->rx->msgs[i].msg_len, segment;
			if (d->rx->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			udp_rx_info(d->rx, i, &from, &segment);
			/* A GRO message holds several datagrams of `segment` bytes back to back. */
			for (size_t off = 0; off < len; off += segment) {
				uint8_t *pkt = d->rx->bufs[i] + off;
				size_t plen = len - off < segment ? len - off : segment;
				load_note_datagram(&d->load, pkt, plen, d->now.mono_ns);
				wg_device_udp_input(d->dev, pkt, plen, &from, &d->now);
			}
		}
		if (d->p->tun_vnet)
			tun_gro_flush(d->gro, tun_write_frame, d);
		if (n < UDP_BATCH)
			break;
	}
}

/* ---- lifecycle ---- */

static int add_source(struct daemon *d, int fd, struct source *src, enum source_kind kind)
{
	src->kind = kind;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = src};
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void setup_timestamps(struct daemon *d)
{
	const char *why = "";
	clock_now(&d->now);
	d->stamps.now = &d->now;
	int err = tai64n_mark_open(&d->stamps.mark, d->p->state_dir, d->p->ifname, d->now.mono_ns,
	                           &why);
	if (err)
		log_error("%s (%s): after a restart with the clock behind, peers may reject our "
		          "handshakes until it is set",
		          why, strerror(-err));
	uint64_t mark_sec = d->stamps.mark.mark_ns / NSEC_PER_SEC;
	if (mark_sec > d->now.real_sec)
		log_verbose("the wall clock is %llu s behind the timestamp mark: handshake "
		            "timestamps continue from the mark",
		            (unsigned long long)(mark_sec - d->now.real_sec));
	wg_device_set_timestamp_source(d->dev, tai64n_mark_source_fn, &d->stamps);
}

static int daemon_setup(struct daemon *d)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	int link_err = netwatch_link_open(&d->link, (int)if_nametoindex(d->p->ifname));
	d->path_fd = netwatch_path_open(d->p->uapi.path);
	d->uapi_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->rx = malloc(sizeof(*d->rx));
	d->tx = calloc(1, sizeof(*d->tx));
	d->tun_buf = malloc(TUN_VNET_HDR_LEN + WG_MAX_PACKET);
	d->gro = malloc(sizeof(*d->gro));
	if (d->gro)
		tun_gro_init(d->gro);
	if (d->epfd < 0 || d->signal_fd < 0 || d->uapi_timer_fd < 0 || !d->rx || !d->tx ||
	    !d->tun_buf || !d->gro) {
		log_error("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	if (link_err)
		log_error("cannot watch link events (%s): MTU changes will not be seen",
		          strerror(-link_err));
	if (d->path_fd < 0)
		log_error("cannot watch %s (%s)", d->p->uapi.path, strerror(-d->path_fd));

	int err = udp_open(&d->udp, 0, 0);
	if (err) {
		log_error("cannot open the UDP socket: %s", strerror(-err));
		return -1;
	}
	keyworker_attach(d);
	struct wg_io io = {
	        .ctx = d,
	        .send = io_send,
	        .send_buffer = io_send_buffer,
	        .deliver = io_deliver,
	        .random = io_random,
	        .under_load = io_under_load,
	        .static_dh_submit = d->worker ? io_static_dh_submit : NULL,
	};
	d->dev = wg_device_new(&io);
	if (!d->dev) {
		log_error("out of memory");
		return -1;
	}
	d->mtu = TUN_DEFAULT_MTU;
	wg_device_set_mtu(d->dev, d->mtu);
	setup_timestamps(d);
	if (d->p->bound_key) {
		clock_now(&d->now);
		err = wg_device_set_key(d->dev, d->p->bound_key, &d->now);
		d->p->bound_key = NULL; /* the device owns it now, as after a UAPI set */
		if (err) {
			log_error("the WireGuard core refused the bound key: %s", strerror(-err));
			return -1;
		}
	}
	if (add_source(d, d->p->tun_fd, &d->tun_src, SRC_TUN) ||
	    add_source(d, d->udp.fd, &d->udp_src, SRC_UDP) ||
	    add_source(d, d->p->uapi.fd, &d->listen_src, SRC_UAPI_LISTEN) ||
	    add_source(d, d->signal_fd, &d->signal_src, SRC_SIGNAL) ||
	    (d->link.fd >= 0 && add_source(d, d->link.fd, &d->link_src, SRC_LINK)) ||
	    (d->path_fd >= 0 && add_source(d, d->path_fd, &d->path_src, SRC_PATH)) ||
	    (d->uapi_timer_fd >= 0 &&
	     add_source(d, d->uapi_timer_fd, &d->uapi_timer_src, SRC_UAPI_TIMER)) ||
	    (d->worker && add_source(d, keyworker_fd(d->worker), &d->worker_src, SRC_KEYWORKER))) {
		log_error("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the interface: MTU, deletion, moves to another network namespace ---- */

static void on_link(struct daemon *d)
{
	unsigned mtu = d->mtu;
	enum netwatch_link_change change = netwatch_link_events(&d->link, &mtu);
	if (change == NETWATCH_LINK_DELETED) {
		log_verbose("interface deleted: shutting down");
		d->stop = true;
		return;
	}
	if (change == NETWATCH_LINK_MOVED)
		log_verbose("interface moved to network namespace id %d (index %d); UDP and UAPI "
		            "sockets stay here",
		            d->link.nsid, d->link.ifindex);
	if (change == NETWATCH_LINK_LOST) {
		/* Moved on from another namespace, or events were lost: ask the TUN device. */
		int err = netwatch_link_locate(&d->link, d->p->tun_fd, &mtu);
		if (err == -EBADFD || !netwatch_tun_attached(d->p->tun_fd)) {
			log_verbose("interface deleted: shutting down");
			d->stop = true;
			return;
		}
		if (err)
			log_error("cannot find the interface's network namespace (%s): its MTU "
			          "changes will not be seen; its deletion still stops the daemon",
			          strerror(-err));
		else if (d->link.nsid < 0)
			log_verbose(
			        "interface is back in the daemon's network namespace (index %d)",
			        d->link.ifindex);
		else
			log_verbose("interface is in network namespace id %d (index %d)%s",
			            d->link.nsid, d->link.ifindex,
			            d->link.all_nsid
			                    ? ""
			                    : "; this kernel does not report its changes there");
	}
	if (mtu != d->mtu) {
		/* padding must not push a full-size packet past the MTU (wg-quick sets it) */
		d->mtu = mtu;
		wg_device_set_mtu(d->dev, mtu);
		log_verbose("MTU updated: %u", mtu);
	}
}

static void dispatch(struct daemon *d, struct source *src, uint32_t events)
{
	switch (src->kind) {
	case SRC_TUN:
		on_tun(d);
		break;
	case SRC_UDP:
		on_udp(d);
		break;
	case SRC_UAPI_LISTEN:
		on_uapi_accept(d);
		break;
	case SRC_UAPI_CONN:
		on_uapi_conn(d, (struct conn_source *)src, events);
		break;
	case SRC_LINK:
		on_link(d);
		break;
	case SRC_PATH:
		netwatch_path_drain(d->path_fd);
		if (!uapi_listener_path_is_ours(&d->p->uapi)) {
			log_verbose("UAPI socket deleted: shutting down");
			d->stop = true;
		}
		break;
	case SRC_UAPI_TIMER:
		on_uapi_timer(d);
		break;
	case SRC_KEYWORKER:
		keyworker_drain(d->worker);
		break;
	case SRC_SIGNAL: {
		struct signalfd_siginfo si;
		if (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			log_verbose("received signal %u: shutting down", si.ssi_signo);
			d->stop = true;
		}
		break;
	}
	}
}

static int tick_timeout_ms(struct daemon *d)
{
	/* Configuration, traffic and answers of the key worker may have armed timers, so the core
	 * is asked after every wake-up; a tick visits only the peers whose timers are due (and the
	 * pending handshakes, when there are any), so it costs next to nothing otherwise, however
	 * many peers are configured. */
	d->next_tick = wg_device_tick(d->dev, &d->now);
	udp_tx_flush(&d->udp, d->tx);
	if (d->next_tick <= d->now.mono_ns)
		return 1;
	uint64_t ms = (d->next_tick - d->now.mono_ns + 999999) / 1000000;
	return ms > 1000 ? 1000 : (int)ms;
}

static void daemon_teardown(struct daemon *d)
{
	d->stopping = true;
	/* Before the device goes: no answer may reach it afterwards. A chip stuck in an operation
	 * is not waited for longer than a second; the process is ending anyway. */
	if (d->worker && !keyworker_stop(d->worker, 1000))
		log_error("the key provider is still busy: not waiting for it");
	d->worker = NULL;
	/* A set half applied stays as it is. */
	set_job_free(d->change.set);
	d->change.set = NULL;
	if (d->dev)
		wg_device_free(d->dev);
	if (d->udp.fd >= 0)
		udp_close(&d->udp);
	uapi_listener_close(&d->p->uapi);
	if (d->p->tun_fd >= 0)
		close(d->p->tun_fd);
	uapi_close_all(d);
	netwatch_link_close(&d->link);
	int fds[] = {d->epfd, d->signal_fd, d->path_fd, d->uapi_timer_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(d->rx);
	free(d->tx);
	free(d->tun_buf);
	free(d->gro);
	key_provider_destroy(d->p->bound_key); /* only when setup failed before handing it over */
	d->p->bound_key = NULL;
}

int daemon_run(struct daemon_params *p)
{
	struct daemon d;
	memset(&d, 0, sizeof(d));
	d.p = p;
	d.udp.fd = d.epfd = d.signal_fd = d.link.fd = d.path_fd = d.uapi_timer_fd = -1;
	d.exit_status = 0;
	d.key_bound = p->bound_key != NULL;
	if (daemon_setup(&d) != 0) {
		daemon_teardown(&d);
		return 1;
	}
	log_verbose("device started: UDP port %u", d.udp.port);
	struct epoll_event events[MAX_EVENTS];
	clock_now(&d.now);
	while (!d.stop) {
		int timeout = tick_timeout_ms(&d);
		if (set_running(&d))
			timeout = 0; /* a set is being applied: only look for packets in between */
		int n = epoll_wait(d.epfd, events, MAX_EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			log_error("epoll_wait: %s", strerror(errno));
			d.exit_status = 1;
			break;
		}
		clock_now(&d.now);
		for (int i = 0; i < n && !d.stop; i++)
			dispatch(&d, events[i].data.ptr, events[i].events);
		if (set_running(&d) && !d.stop)
			continue_set(&d);
		/* One flush per wake-up: whatever every event (and the set's slice) produced leaves
		 * together. */
		udp_tx_flush(&d.udp, d.tx);
		if (p->tun_vnet)
			tun_gro_flush(d.gro, tun_write_frame, &d);
	}
	log_verbose("device closing");
	daemon_teardown(&d);
	return d.exit_status;
}
