#include "daemon/uapi_server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "daemon/uapi_format.h"

static int make_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* 1 when a daemon accepts connections on path, 0 when nothing answers (stale or absent). */
static int someone_listens(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return r == 0;
}

int uapi_listen(const char *ifname, struct uapi_listener *l, const char **why)
{
	struct sockaddr_un sun;
	struct stat st;
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (snprintf(l->path, sizeof(l->path), "%s/%s.sock", UAPI_SOCKET_DIR, ifname) >=
	    (int)sizeof(l->path)) {
		*why = "socket path too long";
		return -ENAMETOOLONG;
	}
	if (mkdir(UAPI_SOCKET_DIR, 0755) < 0 && errno != EEXIST) {
		int err = -errno;
		*why = "cannot create " UAPI_SOCKET_DIR;
		return err;
	}
	make_addr(&sun, l->path);
	if (someone_listens(&sun)) {
		*why = "a daemon is already serving this interface (its UAPI socket answers)";
		return -EADDRINUSE;
	}
	if (unlink(l->path) < 0 && errno != ENOENT) {
		int err = -errno;
		*why = "cannot remove the stale UAPI socket";
		return err;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = "cannot create the UAPI socket";
		return -errno;
	}
	mode_t old = umask(077);
	int r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	int bind_errno = errno;
	umask(old);
	if (r < 0 || listen(fd, 16) < 0 || stat(l->path, &st) < 0) {
		int err = r < 0 ? -bind_errno : -errno;
		*why = "cannot bind the UAPI socket";
		close(fd);
		return err;
	}
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

bool uapi_listener_path_is_ours(const struct uapi_listener *l)
{
	struct stat st;
	return stat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino;
}

void uapi_listener_close(struct uapi_listener *l)
{
	if (l->fd < 0)
		return;
	if (uapi_listener_path_is_ours(l))
		unlink(l->path);
	close(l->fd);
	l->fd = -1;
}

void uapi_conn_init(struct uapi_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	strbuf_init(&c->in);
	strbuf_init(&c->out);
}

void uapi_conn_close(struct uapi_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	strbuf_free(&c->in);
	strbuf_free(&c->out);
}

static bool output_full(const struct uapi_conn *c)
{
	return c->out.len >= UAPI_OUTPUT_LIMIT;
}

bool uapi_conn_wants_write(const struct uapi_conn *c)
{
	return c->out.len > 0;
}

bool uapi_conn_wants_read(const struct uapi_conn *c)
{
	return !c->eof && !c->close_after_write && !c->waiting && !output_full(c);
}

/* Writes what the socket takes. Returns 0, or -1 when the client is gone. */
static int write_pending(struct uapi_conn *c)
{
	while (c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		strbuf_consume(&c->out, (size_t)n);
		c->written += (size_t)n;
	}
	return 0;
}

bool uapi_conn_on_writable(struct uapi_conn *c)
{
	if (write_pending(c) < 0)
		return false;
	return c->out.len > 0 || !c->close_after_write;
}

/* At EOF, a set request may lack its closing blank line. wireguard-go applies it anyway (its line
 * scanner simply ends) and answers; so does this, by supplying the missing newlines. Anything
 * else cut by EOF (a partial operation line, "get=1\n" alone) is not answered, as there. */
static bool finish_set_at_eof(struct uapi_conn *c, const char *req, size_t len)
{
	if (!c->eof || c->eof_finished || len < 6 || memcmp(req, "set=1\n", 6) != 0)
		return false;
	c->eof_finished = true;
	/* (req may move: the buffer can grow) */
	if (req[len - 1] != '\n')
		strbuf_append(&c->in, "\n", 1);
	strbuf_append(&c->in, "\n", 1);
	return !c->in.failed;
}

/* Answers the complete requests in the input buffer, in order, while the replies waiting to be
 * read stay under UAPI_OUTPUT_LIMIT and no request waits. Returns false to close at once. */
static bool serve_requests(struct uapi_conn *c, uapi_request_fn fn, void *ctx)
{
	size_t off = 0;
	bool ok = true, incomplete = false;
	while (!c->close_after_write && !c->waiting && off < c->in.len && !output_full(c)) {
		struct uapi_frame f;
		size_t scanned = off ? 0 : c->scanned;
		uapi_frame_next_from(c->in.data + off, c->in.len - off, scanned, &f);
		if (f.kind == UAPI_FRAME_INCOMPLETE &&
		    finish_set_at_eof(c, c->in.data + off, c->in.len - off))
			uapi_frame_next_from(c->in.data + off, c->in.len - off, scanned, &f);
		if (f.kind == UAPI_FRAME_INCOMPLETE) {
			incomplete = true;
			break;
		}
		if (f.kind == UAPI_FRAME_UNKNOWN) {
			/* No answer, as wireguard-go; the replies before it are still written. */
			c->close_after_write = true;
			break;
		}
		switch (f.kind) {
		case UAPI_FRAME_BAD_GET:
			uapi_format_errno(&c->out, -EINVAL);
			c->close_after_write = true;
			break;
		case UAPI_FRAME_TOO_LARGE:
			uapi_format_errno(&c->out, -ENOMEM);
			c->close_after_write = true;
			break;
		case UAPI_FRAME_GET:
		case UAPI_FRAME_SET:
		case UAPI_FRAME_KEY_OP:
			switch (fn(ctx, c, f.kind, c->in.data + off + f.body_off, f.body_len,
			           &c->out)) {
			case UAPI_ANSWERED:
				c->served++;
				break;
			case UAPI_LATER:
				c->waiting = c->owed = true;
				break;
			case UAPI_NOT_NOW:
				c->waiting = true; /* stays buffered: offered again on resume */
				break;
			}
			break;
		default:
			break;
		}
		if (c->waiting && !c->owed)
			break;
		off += f.consumed ? f.consumed : c->in.len - off;
		if (c->out.failed) {
			ok = false;
			break;
		}
	}
	strbuf_consume(&c->in, off); /* wipes what it drops: set requests carry keys */
	c->scanned = incomplete ? c->in.len : 0;
	return ok;
}

/* Bytes read per event: a 10 MB request is taken in pieces between the daemon's packet batches
 * (epoll reports the connection again while more is waiting), not in one long loop. */
#define UAPI_READ_BUDGET (256u << 10)

/* Reads and answers in turns, so that a client pipelining requests meets backpressure instead of
 * filling the daemon's memory: reading stops while UAPI_OUTPUT_LIMIT bytes of replies wait. */
static bool read_and_serve(struct uapi_conn *c, uapi_request_fn fn, void *ctx)
{
	char buf[16384];
	bool ok = true;
	for (size_t got = 0; got < UAPI_READ_BUDGET && uapi_conn_wants_read(c);) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			got += (size_t)n;
			strbuf_append(&c->in, buf, (size_t)n);
			if (c->in.failed) {
				ok = false;
				break;
			}
		} else if (n == 0) {
			c->eof = true;
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else {
			ok = false;
			break;
		}
		if (!serve_requests(c, fn, ctx)) {
			ok = false;
			break;
		}
	}
	secure_wipe(buf, sizeof(buf)); /* may have held key lines */
	return ok;
}

/* Everything is answered and written, and nothing more can come. */
static bool finished(const struct uapi_conn *c)
{
	if (c->out.len > 0 || c->waiting)
		return false;
	if (c->close_after_write)
		return true;
	if (!c->eof)
		return false;
	/* After EOF only a complete request (waiting for room in the output) keeps it open. */
	struct uapi_frame f;
	if (c->in.len == 0)
		return true;
	uapi_frame_next(c->in.data, c->in.len, &f);
	return f.kind == UAPI_FRAME_INCOMPLETE || f.kind == UAPI_FRAME_UNKNOWN;
}

bool uapi_conn_on_event(struct uapi_conn *c, uint32_t events, uapi_request_fn fn, void *ctx)
{
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && uapi_conn_wants_read(c) &&
	    !read_and_serve(c, fn, ctx))
		return false;
	/* Each write makes room for answers to requests already read, which may fill it again. */
	for (int round = 0; round < 64; round++) {
		if (write_pending(c) < 0)
			return false; /* the client is gone: nobody will read the rest */
		if (c->out.len > 0)
			break; /* the socket is full: EPOLLOUT resumes */
		uint64_t before = c->served;
		bool closing = c->close_after_write;
		if (!serve_requests(c, fn, ctx))
			return false;
		if (c->served == before && c->close_after_write == closing)
			break;
	}
	return !finished(c);
}

bool uapi_conn_resume(struct uapi_conn *c, uapi_request_fn fn, void *ctx)
{
	if (c->owed)
		c->served++;
	c->waiting = c->owed = false;
	if (c->out.failed)
		return false;
	return uapi_conn_on_event(c, 0, fn, ctx);
}

/* ---- the set of connections and its limits ---- */

void uapi_conn_set_add(struct uapi_conn_set *s, struct uapi_conn *c, uint64_t now_ns)
{
	c->last_progress_ns = now_ns;
	c->served_seen = c->served;
	c->prev = NULL;
	c->next = s->first;
	if (s->first)
		s->first->prev = c;
	s->first = c;
	s->count++;
}

void uapi_conn_set_remove(struct uapi_conn_set *s, struct uapi_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->first = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	s->count--;
}

bool uapi_conn_set_full(const struct uapi_conn_set *s)
{
	return s->count >= UAPI_MAX_CONNECTIONS;
}

void uapi_conn_set_touch(struct uapi_conn *c, uint64_t now_ns)
{
	if (c->served != c->served_seen || c->written != c->written_seen) {
		c->served_seen = c->served;
		c->written_seen = c->written;
		c->last_progress_ns = now_ns;
	}
}

static bool is_idle(const struct uapi_conn *c)
{
	return c->in.len == 0 && c->out.len == 0 && !c->eof && !c->waiting;
}

struct uapi_conn *uapi_conn_set_evictable(const struct uapi_conn_set *s, uint64_t now_ns)
{
	struct uapi_conn *best = NULL;
	for (struct uapi_conn *c = s->first; c; c = c->next)
		if (is_idle(c) && c->last_progress_ns + UAPI_EVICT_IDLE_NS <= now_ns &&
		    (!best || c->last_progress_ns < best->last_progress_ns))
			best = c;
	return best;
}

struct uapi_conn *uapi_conn_set_expired(const struct uapi_conn_set *s, uint64_t now_ns)
{
	for (struct uapi_conn *c = s->first; c; c = c->next)
		if (!c->waiting && c->last_progress_ns + UAPI_IDLE_TIMEOUT_NS <= now_ns)
			return c;
	return NULL;
}

uint64_t uapi_conn_set_next_event(const struct uapi_conn_set *s, bool waiting)
{
	uint64_t next = 0;
	/* (Only while someone waits: an evictable time already past would otherwise fire at once,
	 * again and again, with nobody to admit.) */
	for (struct uapi_conn *c = s->first; c; c = c->next) {
		if (c->waiting)
			continue; /* its timeout starts again when its answer is written */
		uint64_t t = c->last_progress_ns + UAPI_IDLE_TIMEOUT_NS;
		if (waiting && is_idle(c))
			t = c->last_progress_ns + UAPI_EVICT_IDLE_NS;
		if (!next || t < next)
			next = t;
	}
	return next;
}
