/* UDP sockets for pufauth serve and auth. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "pufserver/udp.h"

uint64_t pufudp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int split_hostport(const char *hostport, char *host, size_t host_len, char *port,
                          size_t port_len, char *err, size_t err_len)
{
	const char *colon;
	size_t hl;

	if (hostport[0] == '[') {
		const char *close = strchr(hostport, ']');

		if (!close || close[1] != ':') {
			snprintf(err, err_len, "'%s': expected [ADDRESS]:PORT", hostport);
			return -1;
		}
		hostport++;
		colon = close + 1;
		hl = (size_t)(close - hostport);
	} else {
		colon = strrchr(hostport, ':');
		if (!colon) {
			snprintf(err, err_len, "'%s': expected HOST:PORT", hostport);
			return -1;
		}
		hl = (size_t)(colon - hostport);
	}
	if (hl == 0 || hl >= host_len || strlen(colon + 1) == 0 || strlen(colon + 1) >= port_len) {
		snprintf(err, err_len, "'%s': expected HOST:PORT", hostport);
		return -1;
	}
	memcpy(host, hostport, hl);
	host[hl] = 0;
	strcpy(port, colon + 1);
	for (const char *c = port; *c; c++) {
		if (*c < '0' || *c > '9') {
			snprintf(err, err_len, "'%s': port must be a number", port);
			return -1;
		}
	}
	/* getaddrinfo would take 72000 modulo 65536 */
	if (strtoul(port, NULL, 10) > 65535) {
		snprintf(err, err_len, "'%s': port must be 0..65535", port);
		return -1;
	}
	return 0;
}

static int open_socket(const char *hostport, int server, char *err, size_t err_len)
{
	char host[256], port[16];
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc;

	if (split_hostport(hostport, host, sizeof(host), port, sizeof(port), err, err_len))
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = server ? AI_PASSIVE : 0;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, err_len, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if ((server ? bind(fd, ai->ai_addr, ai->ai_addrlen)
		            : connect(fd, ai->ai_addr, ai->ai_addrlen)) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, err_len, "cannot %s %s: %s", server ? "listen on" : "reach", hostport,
		         strerror(errno));
	return fd;
}

int pufudp_listen(const char *hostport, char *err, size_t err_len)
{
	return open_socket(hostport, 1, err, err_len);
}

int pufudp_connect(const char *hostport, char *err, size_t err_len)
{
	return open_socket(hostport, 0, err, err_len);
}

uint16_t pufudp_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* The server's two threads: this one receives (HELLOs are answered at once, RESPONSEs queued), the
 * scanner searches whatever is queued whenever it is free, so RESPONSEs that arrive during a scan
 * join the next one. */
struct serve_ctx {
	struct pufservice *svc;
	int fd;
	pthread_mutex_t lock; /* the challenge table and the queue */
	pthread_cond_t work;
	int done;
};

static void send_reply(void *arg, const uint8_t *peer, size_t peer_len, const uint8_t *reply,
                       size_t len)
{
	struct serve_ctx *c = arg;

	sendto(c->fd, reply, len, 0, (const struct sockaddr *)peer, (socklen_t)peer_len);
}

static void *scanner(void *arg)
{
	struct serve_ctx *c = arg;

	pthread_mutex_lock(&c->lock);
	while (!c->done) {
		size_t n;

		if (pufservice_queued(c->svc) == 0) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			if (pthread_cond_timedwait(&c->work, &c->lock, &until) != 0 &&
			    pufservice_queued(c->svc) == 0) {
				/* idle: keep up with changes other servers make */
				pthread_mutex_unlock(&c->lock);
				pufservice_refresh(c->svc);
				pthread_mutex_lock(&c->lock);
			}
			continue;
		}
		n = pufservice_take(c->svc, pufudp_now_ms());
		pthread_mutex_unlock(&c->lock);
		if (n)
			pufservice_process(c->svc, send_reply, c);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int pufudp_serve(struct pufservice *svc, int fd, volatile sig_atomic_t *stop)
{
	uint8_t msg[PUFPROTO_MAX_MESSAGE + 1], reply[PUFPROTO_MAX_MESSAGE];
	struct serve_ctx c = {svc, fd, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
	pthread_t tid;
	int ret = 0;

	if (pthread_create(&tid, NULL, scanner, &c))
		return -1;
	while (!*stop) {
		struct pollfd pfd = {fd, POLLIN, 0};
		struct sockaddr_storage from;
		socklen_t from_len = sizeof(from);
		ssize_t n;
		long r;
		int rc = poll(&pfd, 1, 200);

		if (rc < 0 && errno != EINTR) {
			ret = -1;
			break;
		}
		if (rc <= 0)
			continue;
		n = recvfrom(fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&from,
		             &from_len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ECONNREFUSED)
				continue;
			ret = -1;
			break;
		}
		/* an oversized datagram fills msg and fails the exact-length check */
		pthread_mutex_lock(&c.lock);
		r = pufservice_accept(svc, msg, (size_t)n, pufudp_now_ms(), &from, from_len, reply,
		                      sizeof(reply));
		if (pufservice_queued(svc))
			pthread_cond_signal(&c.work);
		pthread_mutex_unlock(&c.lock);
		if (r > 0)
			sendto(fd, reply, (size_t)r, 0, (struct sockaddr *)&from, from_len);
		secure_wipe(reply, sizeof(reply));
	}
	pthread_mutex_lock(&c.lock);
	c.done = 1;
	pthread_cond_signal(&c.work);
	pthread_mutex_unlock(&c.lock);
	pthread_join(tid, NULL);
	return ret;
}

long pufudp_receive(int fd, uint8_t *reply, size_t cap, int timeout_ms, char *err, size_t err_len)
{
	uint64_t deadline = pufudp_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		uint64_t now = pufudp_now_ms();
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n;
		int rc;

		if (now >= deadline)
			return 0;
		rc = poll(&pfd, 1, (int)(deadline - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			snprintf(err, err_len, "poll: %s", strerror(errno));
			return -1;
		}
		if (rc == 0)
			return 0;
		n = recv(fd, reply, cap, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, err_len, "no answer from the server: %s", strerror(errno));
			return -1;
		}
		return n;
	}
}

long pufudp_exchange(int fd, const uint8_t *msg, size_t len, uint8_t *reply, size_t cap,
                     int timeout_ms, char *err, size_t err_len)
{
	if (send(fd, msg, len, 0) < 0) {
		snprintf(err, err_len, "cannot send: %s", strerror(errno));
		return -1;
	}
	return pufudp_receive(fd, reply, cap, timeout_ms, err, err_len);
}
