/* The UAPI control socket: /var/run/wireguard/IFNAME.sock, a Unix stream socket created under umask
 * 077 (srwx------) in a 0755 directory, as wireguard-go does. A live daemon answering on the path
 * makes us refuse to start; a stale socket file is replaced. Connections are non-blocking and
 * served from the daemon's event loop. */
#ifndef HWG_DAEMON_UAPI_SERVER_H
#define HWG_DAEMON_UAPI_SERVER_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/un.h>

#include "daemon/strbuf.h"
#include "daemon/uapi_frame.h"

#define UAPI_SOCKET_DIR "/var/run/wireguard"

struct uapi_listener {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
};

/* Creates and listens on the socket for ifname. Returns 0, or a negative errno with *why set:
 * -EADDRINUSE when a live daemon already answers there. */
int uapi_listen(const char *ifname, struct uapi_listener *l, const char **why);
/* Closes the listener; unlinks the path when it is still ours. */
void uapi_listener_close(struct uapi_listener *l);
/* True while the path still names our socket (not deleted, not replaced). */
bool uapi_listener_path_is_ours(const struct uapi_listener *l);

/* What a request handler did with a request. */
enum uapi_answer {
	UAPI_ANSWERED, /* the full reply, including the closing errno line, is in `reply` */
	UAPI_LATER,    /* taken; its reply goes to the connection's `out` later, then
	                  uapi_conn_resume() */
	UAPI_BUSY,     /* not taken (another request is being applied): offered again by
	                  uapi_conn_resume() */
};

/* Handles one request: GET (body empty) or SET (body = the key=value lines). */
typedef enum uapi_answer (*uapi_request_fn)(void *ctx, enum uapi_frame_kind kind, const char *body,
                                            size_t len, struct strbuf *reply);

struct uapi_conn {
	int fd;
	struct strbuf in;
	struct strbuf out;
	bool close_after_write;
	bool waiting; /* a request is LATER or BUSY: nothing more is served until resumed */
};

void uapi_conn_init(struct uapi_conn *c, int fd);
/* Closes the fd and wipes the buffers (a set request carries keys). */
void uapi_conn_close(struct uapi_conn *c);
/* Reads what is available, answers every complete request and starts writing the replies. Returns
 * false when the connection is finished and must be closed. */
bool uapi_conn_on_readable(struct uapi_conn *c, uapi_request_fn fn, void *ctx);
/* Ends a wait (UAPI_LATER: once the reply is in c->out; UAPI_BUSY: when the handler may take
 * requests again): serves what the input holds and writes. Returns false when the connection must
 * be closed. */
bool uapi_conn_resume(struct uapi_conn *c, uapi_request_fn fn, void *ctx);
/* Writes pending reply bytes. Returns false when the connection must be closed. */
bool uapi_conn_on_writable(struct uapi_conn *c);
bool uapi_conn_wants_write(const struct uapi_conn *c);

#endif
