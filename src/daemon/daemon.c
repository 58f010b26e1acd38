#include "daemon/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "crypto/random.h"
#include "daemon/load.h"
#include "daemon/log.h"
#include "daemon/netwatch.h"
#include "daemon/set_job.h"
#include "daemon/tun.h"
#include "daemon/tun_gro.h"
#include "daemon/tun_offload.h"
#include "daemon/uapi_format.h"
#include "daemon/udp.h"
#include "daemon/uapi_apply.h"
#include "daemon/uapi_get.h"
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
	SRC_SIGNAL
};

struct source {
	enum source_kind kind;
};

struct daemon;

struct conn_source {
	struct source src; /* first */
	struct daemon *d;
	struct uapi_conn conn;
	uint32_t registered;              /* epoll events it is registered for; 0: not in epoll */
	struct conn_source *next_waiting; /* in the queue of connections a set job holds up */
};

struct daemon {
	struct wg_device *dev;
	struct daemon_params *p;
	int epfd;
	int ifindex;
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
	bool key_bound;
	/* A large set being applied between packet batches (set_job.h), the connection that gets
	 * its reply (NULL once the client has gone), and the connections whose requests wait for
	 * it, in order, as wireguard-go's IPC lock makes them wait. */
	struct set_job *job;
	struct conn_source *job_conn;
	struct conn_source *waiting_first, *waiting_last;
	struct source tun_src, udp_src, listen_src, link_src, path_src, signal_src;
	int link_fd, path_fd, signal_fd;
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
	return load_under_load(&d->load, wg_device_key(d->dev), d->now.mono_ns);
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

/* The longest a set slice keeps the thread from the data path. */
#define SET_SLICE_NS 1000000

static enum uapi_answer handle_request(void *ctx, enum uapi_frame_kind kind, const char *body,
                                       size_t len, struct strbuf *reply);
static void conn_update_events(struct daemon *d, struct conn_source *cs);
static void conn_close(struct daemon *d, struct conn_source *cs);

/* Answers a finished set job (when its client is still there) and frees it. */
static void finish_set(struct daemon *d, struct set_job *job, struct strbuf *reply)
{
	int err = set_job_result(job, &d->now);
	udp_tx_flush(&d->udp, d->tx);
	if (reply)
		uapi_format_errno(reply, err);
	set_job_free(job);
}

/* Parses and applies a set: at once when that fits in one slice (the reply goes out with this
 * request, as before), else as the daemon's set job, answered when its last slice is done. */
static enum uapi_answer start_set(struct conn_source *cs, const char *body, size_t len,
                                  struct strbuf *reply)
{
	struct daemon *d = cs->d;
	struct uapi_target target = {
	        .dev = d->dev,
	        .key_config = &d->p->keys,
	        .ctx = d,
	        .set_listen_port = set_listen_port,
	        .set_fwmark = set_fwmark,
	        .key_bound = d->key_bound,
	};
	struct set_job *job = set_job_new(body, len, &target, d->now.mono_ns);
	if (!job) {
		uapi_format_errno(reply, -ENOMEM);
		return UAPI_ANSWERED;
	}
	if (set_job_run(job, &d->now, d->now.mono_ns + SET_SLICE_NS, clock_now)) {
		finish_set(d, job, reply);
		return UAPI_ANSWERED;
	}
	d->job = job;
	d->job_conn = cs;
	return UAPI_LATER;
}

static enum uapi_answer handle_request(void *ctx, enum uapi_frame_kind kind, const char *body,
                                       size_t len, struct strbuf *reply)
{
	struct conn_source *cs = ctx;
	struct daemon *d = cs->d;
	if (d->job) {
		/* Behind the set being applied, in arrival order. */
		cs->next_waiting = NULL;
		if (d->waiting_last)
			d->waiting_last->next_waiting = cs;
		else
			d->waiting_first = cs;
		d->waiting_last = cs;
		return UAPI_BUSY;
	}
	clock_now(&d->now);
	if (kind == UAPI_FRAME_GET) {
		uapi_get(reply, d->dev, d->udp.port, d->udp.fwmark);
		return UAPI_ANSWERED;
	}
	return start_set(cs, body, len, reply);
}

static void unlink_waiting(struct daemon *d, struct conn_source *cs)
{
	struct conn_source **link = &d->waiting_first, *prev = NULL;
	while (*link && *link != cs) {
		prev = *link;
		link = &(*link)->next_waiting;
	}
	if (!*link)
		return;
	*link = cs->next_waiting;
	if (d->waiting_last == cs)
		d->waiting_last = prev;
	cs->next_waiting = NULL;
}

/* Gives a connection back its turn; it may start the next set job itself. */
static void resume_conn(struct daemon *d, struct conn_source *cs)
{
	if (!uapi_conn_resume(&cs->conn, handle_request, cs))
		conn_close(d, cs);
	else
		conn_update_events(d, cs);
}

/* One slice of the pending set; once it is done, its client gets the reply and the waiting
 * requests are served in order (until one of them starts another long set). */
static void continue_set(struct daemon *d)
{
	struct set_job *job = d->job;
	if (!set_job_run(job, &d->now, d->now.mono_ns + SET_SLICE_NS, clock_now))
		return;
	struct conn_source *cs = d->job_conn;
	d->job = NULL;
	d->job_conn = NULL;
	finish_set(d, job, cs ? &cs->conn.out : NULL);
	if (cs)
		resume_conn(d, cs);
	while (!d->job && d->waiting_first) {
		struct conn_source *next = d->waiting_first;
		unlink_waiting(d, next);
		resume_conn(d, next);
	}
}

/* A connection is watched for input unless it waits for a set; for output while it has some. */
static void conn_update_events(struct daemon *d, struct conn_source *cs)
{
	uint32_t want = (cs->conn.waiting ? 0 : EPOLLIN) |
	                (uapi_conn_wants_write(&cs->conn) ? EPOLLOUT : 0);
	if (want == cs->registered)
		return;
	struct epoll_event ev = {.events = want, .data.ptr = cs};
	int op = !want ? EPOLL_CTL_DEL : cs->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(d->epfd, op, cs->conn.fd, &ev) == 0)
		cs->registered = want;
}

static void conn_close(struct daemon *d, struct conn_source *cs)
{
	if (cs->registered)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, cs->conn.fd, NULL);
	if (d->job_conn == cs)
		d->job_conn = NULL; /* the set goes on; nobody is left to answer */
	unlink_waiting(d, cs);
	uapi_conn_close(&cs->conn);
	free(cs);
}

static void on_uapi_accept(struct daemon *d)
{
	for (;;) {
		int fd = accept4(d->p->uapi.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct conn_source *cs = calloc(1, sizeof(*cs));
		if (!cs) {
			close(fd);
			continue;
		}
		cs->src.kind = SRC_UAPI_CONN;
		cs->d = d;
		uapi_conn_init(&cs->conn, fd);
		conn_update_events(d, cs);
		if (!cs->registered) {
			uapi_conn_close(&cs->conn);
			free(cs);
		}
	}
}

static void on_uapi_conn(struct daemon *d, struct conn_source *cs, uint32_t events)
{
	bool keep = true;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		keep = uapi_conn_on_readable(&cs->conn, handle_request, cs);
	if (keep && (events & EPOLLOUT))
		keep = uapi_conn_on_writable(&cs->conn);
	if (!keep) {
		conn_close(d, cs);
		return;
	}
	conn_update_events(d, cs);
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
				log_error("TUN device detached: shutting down");
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

static int daemon_setup(struct daemon *d)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	d->ifindex = (int)if_nametoindex(d->p->ifname);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->link_fd = netwatch_link_open();
	d->path_fd = netwatch_path_open(d->p->uapi.path);
	d->rx = malloc(sizeof(*d->rx));
	d->tx = calloc(1, sizeof(*d->tx));
	d->tun_buf = malloc(TUN_VNET_HDR_LEN + WG_MAX_PACKET);
	d->gro = malloc(sizeof(*d->gro));
	if (d->gro)
		tun_gro_init(d->gro);
	if (d->epfd < 0 || d->signal_fd < 0 || !d->rx || !d->tx || !d->tun_buf || !d->gro) {
		log_error("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	if (d->link_fd < 0)
		log_error("cannot watch link events (%s): deleting the interface will not stop the "
		          "daemon",
		          strerror(-d->link_fd));
	if (d->path_fd < 0)
		log_error("cannot watch %s (%s)", d->p->uapi.path, strerror(-d->path_fd));

	int err = udp_open(&d->udp, 0, 0);
	if (err) {
		log_error("cannot open the UDP socket: %s", strerror(-err));
		return -1;
	}
	struct wg_io io = {
	        .ctx = d,
	        .send = io_send,
	        .send_buffer = io_send_buffer,
	        .deliver = io_deliver,
	        .random = io_random,
	        .under_load = io_under_load,
	};
	d->dev = wg_device_new(&io);
	if (!d->dev) {
		log_error("out of memory");
		return -1;
	}
	d->mtu = TUN_DEFAULT_MTU;
	wg_device_set_mtu(d->dev, d->mtu);
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
	    (d->link_fd >= 0 && add_source(d, d->link_fd, &d->link_src, SRC_LINK)) ||
	    (d->path_fd >= 0 && add_source(d, d->path_fd, &d->path_src, SRC_PATH))) {
		log_error("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
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
	case SRC_LINK: {
		unsigned mtu = d->mtu;
		if (netwatch_link_events(d->link_fd, d->ifindex, &mtu) ||
		    !if_indextoname((unsigned)d->ifindex, (char[IFNAMSIZ]){0})) {
			log_verbose("interface deleted: shutting down");
			d->stop = true;
		} else if (mtu != d->mtu) {
			/* padding must not push a full-size packet past the MTU (wg-quick sets it)
			 */
			d->mtu = mtu;
			wg_device_set_mtu(d->dev, mtu);
			log_verbose("MTU updated: %u", mtu);
		}
		break;
	}
	case SRC_PATH:
		netwatch_path_drain(d->path_fd);
		if (!uapi_listener_path_is_ours(&d->p->uapi)) {
			log_verbose("UAPI socket deleted: shutting down");
			d->stop = true;
		}
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
	/* Configuration and traffic may have armed timers, so the core is asked after every
	 * wake-up; a tick visits only the peers whose timers are due, so it costs next to nothing
	 * otherwise, however many peers are configured. */
	d->next_tick = wg_device_tick(d->dev, &d->now);
	udp_tx_flush(&d->udp, d->tx);
	if (d->next_tick <= d->now.mono_ns)
		return 1;
	uint64_t ms = (d->next_tick - d->now.mono_ns + 999999) / 1000000;
	return ms > 1000 ? 1000 : (int)ms;
}

static void daemon_teardown(struct daemon *d)
{
	set_job_free(d->job);
	d->job = NULL;
	if (d->dev)
		wg_device_free(d->dev);
	if (d->udp.fd >= 0)
		udp_close(&d->udp);
	uapi_listener_close(&d->p->uapi);
	if (d->p->tun_fd >= 0)
		close(d->p->tun_fd);
	int fds[] = {d->epfd, d->signal_fd, d->link_fd, d->path_fd};
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
	d.udp.fd = d.epfd = d.signal_fd = d.link_fd = d.path_fd = -1;
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
		if (d.job)
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
		/* One flush per wake-up: whatever every event produced leaves together. */
		udp_tx_flush(&d.udp, d.tx);
		if (p->tun_vnet)
			tun_gro_flush(d.gro, tun_write_frame, &d);
		if (d.job && !d.stop)
			continue_set(&d);
	}
	log_verbose("device closing");
	daemon_teardown(&d);
	return d.exit_status;
}
