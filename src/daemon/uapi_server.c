#include "daemon/uapi_server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool uapi_conn_wants_write(const struct uapi_conn *c)
{
	return c->out.len > 0;
}

bool uapi_conn_on_writable(struct uapi_conn *c)
{
	while (c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		strbuf_consume(&c->out, (size_t)n);
	}
	return !c->close_after_write;
}

/* Answers every complete request in the input buffer. Returns false to close at once. */
static bool serve_requests(struct uapi_conn *c, uapi_request_fn fn, void *ctx)
{
	while (!c->waiting && !c->close_after_write && c->in.len > 0) {
		struct uapi_frame f;
		uapi_frame_next(c->in.data, c->in.len, &f);
		switch (f.kind) {
		case UAPI_FRAME_INCOMPLETE:
			return true;
		case UAPI_FRAME_UNKNOWN:
			return false;
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
			switch (fn(ctx, f.kind, c->in.data + f.body_off, f.body_len, &c->out)) {
			case UAPI_ANSWERED:
				break;
			case UAPI_LATER:
				c->waiting = true;
				break;
			case UAPI_BUSY:
				c->waiting = true;
				return true; /* offered again on resume */
			}
			break;
		}
		strbuf_consume(&c->in, f.consumed ? f.consumed : c->in.len);
		if (c->out.failed)
			return false;
	}
	return true;
}

/* Bytes read per call: a 10 MB request is taken in pieces between the daemon's packet batches
 * (the event loop calls again while more is waiting), not in one long loop. */
#define UAPI_READ_BUDGET (256u << 10)

bool uapi_conn_on_readable(struct uapi_conn *c, uapi_request_fn fn, void *ctx)
{
	char buf[16384];
	bool eof = false;
	for (size_t got = 0; got < UAPI_READ_BUDGET;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			strbuf_append(&c->in, buf, (size_t)n);
			if (c->in.failed)
				return false;
			if (c->in.len > UAPI_MAX_REQUEST + 64)
				break;
			got += (size_t)n;
			continue;
		}
		if (n == 0) {
			eof = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		return false;
	}
	memset(buf, 0, sizeof(buf)); /* may have held key lines */
	if (!serve_requests(c, fn, ctx))
		return false;
	if (!uapi_conn_on_writable(c))
		return false;
	/* A peer that closed its side gets what could be written; anything left is dropped. */
	return !eof;
}

bool uapi_conn_resume(struct uapi_conn *c, uapi_request_fn fn, void *ctx)
{
	c->waiting = false;
	if (c->out.failed || !serve_requests(c, fn, ctx))
		return false;
	return uapi_conn_on_writable(c);
}
