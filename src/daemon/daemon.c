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

#include "crypto/random.h"
#include "daemon/load.h"
#include "daemon/log.h"
#include "daemon/netwatch.h"
#include "daemon/tai64n_mark.h"
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
	SRC_SIGNAL,
	SRC_UAPI_TIMER
};

struct source {
	enum source_kind kind;
};

struct conn_source {
	struct source src; /* first */
	struct uapi_conn conn;
	bool registered_out;
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
	uint8_t *seg_buf;    /* one TCP segment cut from a TSO packet */
	struct tun_gro *gro; /* decrypted TCP segments waiting to be merged into one write */
	uint64_t tun_dropped;
	struct wg_time now;
	uint64_t next_tick;
	uint64_t last_tick;
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

static void tun_write_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct daemon *d = ctx;
	while (write(d->p->tun_fd, frame, len) < 0 && errno == EINTR)
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
	random_bytes(buf, len);
}

static void io_flush(void *ctx)
{
	struct daemon *d = ctx;
	udp_tx_flush(&d->udp, d->tx);
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

static void handle_request(void *ctx, enum uapi_frame_kind kind, const char *body, size_t len,
                           struct strbuf *reply)
{
	struct daemon *d = ctx;
	clock_now(&d->now);
	if (kind == UAPI_FRAME_GET) {
		struct uapi_counters_view counters;
		daemon_counters(d, &counters);
		uapi_get(reply, d->dev, d->udp.port, d->udp.fwmark, &counters);
		return;
	}
	struct uapi_set set;
	size_t line = 0;
	const char *why = NULL;
	int err = uapi_parse_set(body, len, &set, &line, &why);
	if (err) {
		log_error("UAPI set: line %zu: %s (errno %d)", line, why ? why : "invalid", err);
		uapi_format_errno(reply, err);
		return;
	}
	struct uapi_target t = {
	        .dev = d->dev,
	        .key_config = &d->p->keys,
	        .ctx = d,
	        .set_listen_port = set_listen_port,
	        .set_fwmark = set_fwmark,
	        .key_bound = d->key_bound,
	};
	err = uapi_apply(&t, &set, &d->now, &why);
	uapi_set_free(&set);
	if (err)
		log_error("UAPI set: %s: %s", why ? why : "failed", strerror(-err));
	else
		log_verbose("UAPI set: applied");
	udp_tx_flush(&d->udp, d->tx);
	d->next_tick = 0; /* configuration may have started timers */
	uapi_format_errno(reply, err);
}

static void conn_update_events(struct daemon *d, struct conn_source *cs)
{
	bool out = uapi_conn_wants_write(&cs->conn);
	uint32_t want = (uapi_conn_wants_read(&cs->conn) ? EPOLLIN : 0) | (out ? EPOLLOUT : 0);
	struct epoll_event ev = {.events = want, .data.ptr = cs};
	epoll_ctl(d->epfd, EPOLL_CTL_MOD, cs->conn.fd, &ev);
	cs->registered_out = out;
}

/* ---- control connections: limits (uapi_server.h "Limits") ---- */

#define UAPI_ACCEPT_RETRY_NS 100000000ull /* after EMFILE/ENFILE */

static struct conn_source *conn_of(struct uapi_conn *c)
{
	return (struct conn_source *)((char *)c - offsetof(struct conn_source, conn));
}

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
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cs};
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
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
		else if (tun_offload_split(d->tun_buf, (size_t)n, d->seg_buf, tun_packet, d) != 0)
			d->tun_dropped++;
	}
	udp_tx_flush(&d->udp, d->tx);
}

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
		udp_tx_flush(&d->udp, d->tx);
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
	d->seg_buf = malloc(WG_MAX_PACKET);
	d->gro = malloc(sizeof(*d->gro));
	if (d->gro)
		tun_gro_init(d->gro);
	if (d->epfd < 0 || d->signal_fd < 0 || d->uapi_timer_fd < 0 || !d->rx || !d->tx ||
	    !d->tun_buf || !d->seg_buf || !d->gro) {
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
	struct wg_io io = {
	        .ctx = d,
	        .send = io_send,
	        .deliver = io_deliver,
	        .random = io_random,
	        .flush = io_flush,
	        .under_load = io_under_load,
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
	     add_source(d, d->uapi_timer_fd, &d->uapi_timer_src, SRC_UAPI_TIMER))) {
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
	/* Timers run at most once per millisecond; configuration and traffic may have scheduled new
	 * ones, so the core is asked again after every wakeup. */
	if (d->now.mono_ns - d->last_tick >= 1000000 || d->now.mono_ns >= d->next_tick) {
		d->next_tick = wg_device_tick(d->dev, &d->now);
		d->last_tick = d->now.mono_ns;
		udp_tx_flush(&d->udp, d->tx);
	}
	if (d->next_tick <= d->now.mono_ns)
		return 1;
	uint64_t ms = (d->next_tick - d->now.mono_ns + 999999) / 1000000;
	return ms > 1000 ? 1000 : (int)ms;
}

static void daemon_teardown(struct daemon *d)
{
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
	free(d->seg_buf);
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
		int n = epoll_wait(d.epfd, events, MAX_EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			log_error("epoll_wait: %s", strerror(errno));
			d.exit_status = 1;
			break;
		}
		clock_now(&d.now);
		for (int i = 0; i < n && !d.stop; i++)
			dispatch(&d, events[i].data.ptr, events[i].events);
		udp_tx_flush(&d.udp, d.tx);
		if (p->tun_vnet)
			tun_gro_flush(d.gro, tun_write_frame, &d);
	}
	log_verbose("device closing");
	daemon_teardown(&d);
	return d.exit_status;
}
