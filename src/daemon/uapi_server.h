/* The UAPI control socket: /var/run/wireguard/IFNAME.sock, a Unix stream socket created under umask
 * 077 (srwx------) in a 0755 directory, as wireguard-go does. A live daemon answering on the path
 * makes us refuse to start; a stale socket file is replaced. Connections are non-blocking and
 * served from the daemon's event loop. */
#ifndef HWG_DAEMON_UAPI_SERVER_H
#define HWG_DAEMON_UAPI_SERVER_H

#include <stdbool.h>
#include <stdint.h>
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

/* What a request handler did with a request. A connection serves its requests one after the
 * other: while one waits (LATER or NOT_NOW) nothing behind it is served, the connection is not read
 * (uapi_conn_wants_read), and it is neither idle nor evictable nor timed out (a large set or a slow
 * chip may take longer than UAPI_IDLE_TIMEOUT_NS). */
enum uapi_answer {
	UAPI_ANSWERED, /* the full reply, with its errno line, is in reply */
	UAPI_LATER,    /* taken (the handler copied what it needs of the body): the owner appends
	                  the reply to c->out later and calls uapi_conn_resume */
	UAPI_NOT_NOW,  /* not taken (another change is in progress): the request stays buffered
	                  and uapi_conn_resume offers it again */
};

/* Handles one request of connection c: GET (body empty), SET or KEY_OP (body = the key=value
 * lines). */
struct uapi_conn;
typedef enum uapi_answer (*uapi_request_fn)(void *ctx, struct uapi_conn *c,
                                            enum uapi_frame_kind kind, const char *body, size_t len,
                                            struct strbuf *reply);

/* Limits that keep a leaking or hostile client (root-only, but management agents leak) from
 * starving `wg` or the daemon (docs/daemon.md "Control socket limits"):
 *   - at most UAPI_MAX_CONNECTIONS at once; at the limit a new connection replaces the one idle
 *     longest (nothing pending, idle for UAPI_EVICT_IDLE_NS), and when none is idle the listener
 *     is not polled until one is (no busy loop on a listener that cannot be served, nor on
 *     accept failing with EMFILE);
 *   - a connection that sends no complete request within UAPI_IDLE_TIMEOUT_NS of opening or of
 *     its previous answer, and meanwhile takes none of the answers still to be written, is closed
 *     (one whose request is being worked out is not idle; a client reading the 30 MB `get` of
 *     100,000 peers slowly is not either);
 *   - pipelined requests are answered while less than UAPI_OUTPUT_LIMIT bytes of replies wait to
 *     be read; then the connection is not read until the client takes them (backpressure, as
 *     wireguard-go's blocking writes give);
 *   - a client that closes its sending side still gets every answer (wireguard-go does the same),
 *     and a set request ended by that EOF instead of a blank line is applied and answered, as
 *     wireguard-go's line scanner does. */
#define UAPI_MAX_CONNECTIONS 64
#define UAPI_IDLE_TIMEOUT_NS (10 * 1000000000ull)
#define UAPI_EVICT_IDLE_NS   (1000000000ull)
#define UAPI_OUTPUT_LIMIT    (256u << 10)

struct uapi_conn {
	int fd;
	struct strbuf in;
	struct strbuf out;
	bool close_after_write;
	bool eof;          /* the client closed its sending side */
	bool eof_finished; /* a set request cut by that EOF got its blank line */
	bool waiting;      /* a request is LATER or NOT_NOW: see enum uapi_answer */
	bool owed;         /* ... LATER: its reply is owed (counted as served on resume) */
	size_t scanned;    /* in holds an incomplete request whose first `scanned` bytes were
	                      searched for its end already (uapi_frame_next_from) */
	uint64_t served;   /* requests answered */
	uint64_t written;  /* bytes of answers the client took */
	/* bookkeeping of struct uapi_conn_set */
	uint64_t last_progress_ns; /* opened, last request answered, or last answer bytes taken */
	uint64_t served_seen, written_seen;
	struct uapi_conn *prev, *next;
};

void uapi_conn_init(struct uapi_conn *c, int fd);
/* Closes the fd and wipes the buffers (a set request carries keys). */
void uapi_conn_close(struct uapi_conn *c);
/* Handles epoll events: reads while the client may send more (not after EOF, not while replies
 * wait beyond UAPI_OUTPUT_LIMIT), answers complete requests, writes replies. Returns false when
 * the connection is finished (everything answered and written after EOF, a fatal error, a
 * request that closes it) and must be closed. */
bool uapi_conn_on_event(struct uapi_conn *c, uint32_t events, uapi_request_fn fn, void *ctx);
/* The wait is over (the reply of a LATER request is in c->out, or a NOT_NOW request may be
 * offered again): serves what is buffered and writes, as uapi_conn_on_event. Returns false when
 * the connection is finished and must be closed. */
bool uapi_conn_resume(struct uapi_conn *c, uapi_request_fn fn, void *ctx);
/* Writes pending reply bytes. Returns false when the connection must be closed. */
bool uapi_conn_on_writable(struct uapi_conn *c);
bool uapi_conn_wants_write(const struct uapi_conn *c);
/* False after EOF, after a request that closes the connection, while replies wait, and while a
 * request waits (its client is not read meanwhile: backpressure, and no wake-ups for it). */
bool uapi_conn_wants_read(const struct uapi_conn *c);

/* The open connections, for the limits above. */
struct uapi_conn_set {
	struct uapi_conn *first;
	unsigned count;
};
void uapi_conn_set_add(struct uapi_conn_set *s, struct uapi_conn *c, uint64_t now_ns);
void uapi_conn_set_remove(struct uapi_conn_set *s, struct uapi_conn *c);
bool uapi_conn_set_full(const struct uapi_conn_set *s);
/* After events on c: a request answered restarts its idle time. */
void uapi_conn_set_touch(struct uapi_conn *c, uint64_t now_ns);
/* The connection to close to admit a new one at the limit (idle longest, nothing pending, idle
 * for UAPI_EVICT_IDLE_NS at least), or NULL. */
struct uapi_conn *uapi_conn_set_evictable(const struct uapi_conn_set *s, uint64_t now_ns);
/* A connection past its idle timeout, or NULL. */
struct uapi_conn *uapi_conn_set_expired(const struct uapi_conn_set *s, uint64_t now_ns);
/* When the set next needs attention: the earliest idle timeout and, when a new connection waits
 * for a place (waiting), the earliest time a connection becomes evictable. 0 when empty. */
uint64_t uapi_conn_set_next_event(const struct uapi_conn_set *s, bool waiting);

#endif
