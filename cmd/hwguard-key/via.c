/* Talking to a running hwguard over its control socket: `show IFNAME` (a get request) and the key
 * operations of `--via IFNAME` (hwguard's hwguard_key=1 extension, src/daemon/uapi_keyops.h),
 * which reach an SE050 that the daemon owns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "commands.h"
#include "daemon/strbuf.h"

#define DEFAULT_RUN_DIR "/var/run/wireguard"
#define LINE_MAX_LEN    4096

int via_check_ifname(const char *ifname)
{
	if (!ifname[0] || strlen(ifname) >= 16 || strchr(ifname, '/') || !strcmp(ifname, ".") ||
	    !strcmp(ifname, "..")) {
		fprintf(stderr, "hwguard-key: '%s' is not an interface name\n", ifname);
		return -1;
	}
	return 0;
}

static int connect_daemon(const char *ifname, char path[108])
{
	const char *dir = getenv(VIA_RUN_DIR_ENV);
	if (!dir || !dir[0])
		dir = DEFAULT_RUN_DIR;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, ifname) >=
	    (int)sizeof(sa.sun_path)) {
		fprintf(stderr, "hwguard-key: control socket path too long\n");
		return -1;
	}
	snprintf(path, 108, "%s", sa.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "hwguard-key: no interface %s: cannot connect to %s: %s\n", ifname,
		        sa.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int via_exchange(const char *ifname, const char *request, size_t len, unsigned timeout_s,
                 via_line_fn on_line, void *ctx, long *err)
{
	char path[108];
	int fd = connect_daemon(ifname, path);
	if (fd < 0)
		return -1;
	struct timeval tv = {.tv_sec = timeout_s};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, request, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "hwguard-key: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* Line by line until the blank line that ends the reply; a line too long for any key we
	 * read is skipped, so the reply size is unbounded but memory is not. */
	char line[LINE_MAX_LEN], buf[4096];
	size_t n_line = 0;
	bool overlong = false, done = false, have_errno = false;
	int recv_errno = 0;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			recv_errno = n < 0 ? errno : 0;
			break;
		}
		for (ssize_t i = 0; i < n && !done; i++) {
			if (buf[i] != '\n') {
				if (n_line < sizeof(line) - 1)
					line[n_line++] = buf[i];
				else
					overlong = true;
				continue;
			}
			line[n_line] = '\0';
			if (n_line == 0) {
				done = true;
			} else if (!overlong) {
				if (!strncmp(line, "errno=", 6)) {
					have_errno = true;
					*err = strtol(line + 6, NULL, 10);
				} else if (on_line) {
					on_line(ctx, line);
				}
			}
			n_line = 0;
			overlong = false;
		}
	}
	close(fd);
	if (!done || !have_errno) {
		if (recv_errno == EAGAIN || recv_errno == EWOULDBLOCK)
			fprintf(stderr, "hwguard-key: %s: no answer within %u s\n", ifname,
			        timeout_s);
		else
			fprintf(stderr, "hwguard-key: %s: %s\n", ifname,
			        n_line || have_errno
			                ? "incomplete reply from the daemon"
			                : "the daemon closed the connection without an "
			                  "answer (not hwguard, or a version without key "
			                  "operations)");
		return -1;
	}
	return 0;
}

int via_key_op(const char *ifname, const struct uapi_key_op *op, via_line_fn on_line, void *ctx,
               long *err)
{
	struct strbuf req;
	strbuf_init(&req);
	uapi_format_key_op(&req, op);
	int r = req.failed ? -1
	                   : via_exchange(ifname, req.data, req.len, VIA_KEY_OP_TIMEOUT_S, on_line,
	                                  ctx, err);
	if (req.failed)
		fprintf(stderr, "hwguard-key: out of memory\n");
	strbuf_free(&req);
	return r;
}
