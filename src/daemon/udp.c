#include "daemon/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 7 MB as wireguard-go; the kernel caps it at rmem_max/wmem_max unless SO_*BUFFORCE is allowed. */
#define UDP_SOCKET_BUFFER (7 << 20)

static void set_buffers(int fd)
{
	int size = UDP_SOCKET_BUFFER;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* UDP_SEGMENT is usable when getsockopt knows it; UDP_GRO when setsockopt accepts it. */
static void probe_offloads(struct udp_sock *sock, int fd)
{
	const char *off = getenv("HWGUARD_NO_UDP_GSO");
	int value = 0, one = 1;
	socklen_t len = sizeof(value);
	sock->gso = sock->gro = false;
	if (off && !strcmp(off, "1"))
		return;
	sock->gso = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &value, &len) == 0;
	sock->gro = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
}

static int open_family(struct udp_sock *sock, int family, uint16_t port)
{
	int one = 1, zero = 0;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr;
	socklen_t alen;
	memset(&addr, 0, sizeof(addr));
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		addr.in6.sin6_family = AF_INET6;
		addr.in6.sin6_port = htons(port);
		alen = sizeof(addr.in6);
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		addr.in4.sin_family = AF_INET;
		addr.in4.sin_port = htons(port);
		alen = sizeof(addr.in4);
	}
	if (bind(fd, &addr.sa, alen) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (getsockname(fd, &addr.sa, &alen) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	set_buffers(fd);
	probe_offloads(sock, fd);
	sock->fd = fd;
	sock->family = family;
	sock->port = ntohs(family == AF_INET6 ? addr.in6.sin6_port : addr.in4.sin_port);
	return 0;
}

int udp_open(struct udp_sock *sock, uint16_t port, uint32_t fwmark)
{
	int err = open_family(sock, AF_INET6, port);
	if (err == -EAFNOSUPPORT || err == -EADDRNOTAVAIL)
		err = open_family(sock, AF_INET, port);
	if (err)
		return err;
	sock->fwmark = 0;
	if (fwmark && (err = udp_set_fwmark(sock, fwmark)) != 0) {
		udp_close(sock);
		return err;
	}
	return 0;
}

void udp_close(struct udp_sock *sock)
{
	if (sock->fd >= 0)
		close(sock->fd);
	sock->fd = -1;
}

int udp_set_fwmark(struct udp_sock *sock, uint32_t fwmark)
{
	if (setsockopt(sock->fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		return -errno;
	sock->fwmark = fwmark;
	return 0;
}

int udp_recv_batch(struct udp_sock *sock, struct udp_rx_batch *b)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		b->iov[i].iov_base = b->bufs[i];
		b->iov[i].iov_len = sizeof(b->bufs[i]);
		memset(&b->msgs[i].msg_hdr, 0, sizeof(b->msgs[i].msg_hdr));
		b->msgs[i].msg_hdr.msg_name = &b->names[i];
		b->msgs[i].msg_hdr.msg_namelen = sizeof(b->names[i]);
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		b->msgs[i].msg_hdr.msg_control = b->control[i];
		b->msgs[i].msg_hdr.msg_controllen = sizeof(b->control[i]);
	}
	int n = recvmmsg(sock->fd, b->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	return n;
}

void udp_rx_info(const struct udp_rx_batch *b, int i, struct wg_endpoint *from, size_t *segment)
{
	const struct msghdr *h = &b->msgs[i].msg_hdr;
	const struct sockaddr_in6 *name = &b->names[i];
	memset(from, 0, sizeof(*from));
	*segment = b->msgs[i].msg_len;

	if (name->sin6_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&name->sin6_addr)) {
		from->addr.in6 = *name;
	} else if (name->sin6_family == AF_INET6) {
		from->addr.in4.sin_family = AF_INET;
		from->addr.in4.sin_port = name->sin6_port;
		memcpy(&from->addr.in4.sin_addr, &name->sin6_addr.s6_addr[12], 4);
	} else {
		memcpy(&from->addr.in4, name, sizeof(from->addr.in4));
	}

	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)h); c;
	     c = CMSG_NXTHDR((struct msghdr *)h, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if (from->addr.sa.sa_family == AF_INET)
				memcpy(&from->local.in4, &pi.ipi6_addr.s6_addr[12], 4);
			else
				from->local.in6 = pi.ipi6_addr;
			from->local_ifindex = (int)pi.ipi6_ifindex;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			from->local.in4 = pi.ipi_addr;
			from->local_ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			int gso_size;
			memcpy(&gso_size, CMSG_DATA(c), sizeof(gso_size));
			if (gso_size > 0)
				*segment = (size_t)gso_size;
		}
	}
}

static bool local_is_set(const struct wg_endpoint *ep)
{
	static const struct in6_addr any6;
	if (ep->addr.sa.sa_family == AF_INET)
		return ep->local.in4.s_addr != 0;
	return memcmp(&ep->local.in6, &any6, sizeof(any6)) != 0;
}

static bool same_endpoint(const struct wg_endpoint *a, const struct wg_endpoint *b)
{
	if (a->addr.sa.sa_family != b->addr.sa.sa_family)
		return false;
	if (a->addr.sa.sa_family == AF_INET)
		return a->addr.in4.sin_port == b->addr.in4.sin_port &&
		       a->addr.in4.sin_addr.s_addr == b->addr.in4.sin_addr.s_addr &&
		       a->local.in4.s_addr == b->local.in4.s_addr;
	return a->addr.in6.sin6_port == b->addr.in6.sin6_port &&
	       a->addr.in6.sin6_scope_id == b->addr.in6.sin6_scope_id &&
	       !memcmp(&a->addr.in6.sin6_addr, &b->addr.in6.sin6_addr, sizeof(struct in6_addr)) &&
	       !memcmp(&a->local.in6, &b->local.in6, sizeof(struct in6_addr)) &&
	       a->local_ifindex == b->local_ifindex;
}

static struct cmsghdr *add_cmsg(struct msghdr *h, int level, int type, const void *data, size_t len)
{
	size_t used = h->msg_controllen;
	struct cmsghdr *c = (struct cmsghdr *)((uint8_t *)h->msg_control + used);
	memset(c, 0, CMSG_SPACE(len));
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	h->msg_controllen = used + CMSG_SPACE(len);
	return c;
}

/* Builds message i: destination, the sticky source when asked and known, the GSO segment size. */
static void prepare(struct udp_sock *sock, struct udp_tx_batch *b, unsigned i, bool with_source,
                    bool with_gso)
{
	const struct udp_tx_msg *m = &b->msg[i];
	const struct wg_endpoint *to = &m->to;
	struct msghdr *h = &b->hdrs[i].msg_hdr;
	struct sockaddr_in6 *name = &b->names[i];
	memset(h, 0, sizeof(*h));
	memset(name, 0, sizeof(*name));
	if (sock->family == AF_INET6) {
		if (to->addr.sa.sa_family == AF_INET) {
			name->sin6_family = AF_INET6;
			name->sin6_port = to->addr.in4.sin_port;
			name->sin6_addr.s6_addr[10] = 0xff;
			name->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&name->sin6_addr.s6_addr[12], &to->addr.in4.sin_addr, 4);
		} else {
			*name = to->addr.in6;
		}
		h->msg_namelen = sizeof(struct sockaddr_in6);
	} else {
		memcpy(name, &to->addr.in4, sizeof(to->addr.in4));
		h->msg_namelen = sizeof(struct sockaddr_in);
	}
	h->msg_name = name;
	h->msg_iov = b->iov[i];
	h->msg_iovlen = m->iovs;
	h->msg_control = b->control[i];
	h->msg_controllen = 0;

	if (with_source && local_is_set(to)) {
		if (sock->family == AF_INET6) {
			struct in6_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			if (to->addr.sa.sa_family == AF_INET) {
				pi.ipi6_addr.s6_addr[10] = 0xff;
				pi.ipi6_addr.s6_addr[11] = 0xff;
				memcpy(&pi.ipi6_addr.s6_addr[12], &to->local.in4, 4);
			} else {
				pi.ipi6_addr = to->local.in6;
				pi.ipi6_ifindex = (unsigned)to->local_ifindex;
			}
			add_cmsg(h, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
		} else {
			struct in_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = to->local.in4;
			add_cmsg(h, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
		}
	}
	if (with_gso && m->count > 1) {
		uint16_t seg = (uint16_t)m->segment;
		add_cmsg(h, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
	}
	if (h->msg_controllen == 0)
		h->msg_control = NULL;
}

uint8_t *udp_tx_buffer(struct udp_sock *sock, struct udp_tx_batch *b, size_t len)
{
	if (len > UDP_MAX_DATAGRAM)
		return NULL;
	if (b->used + len > sizeof(b->arena))
		udp_tx_flush(sock, b);
	return b->arena + b->used;
}

/* May message m take one more datagram of len bytes for `to`? Only while every datagram so far
 * has the run's size: only the last one of a GSO send may be shorter. */
static bool joins(const struct udp_sock *sock, const struct udp_tx_msg *m,
                  const struct wg_endpoint *to, size_t len)
{
	return sock->gso && m->len == (size_t)m->count * m->segment && len <= m->segment &&
	       m->count < UDP_GSO_MAX_SEGMENTS && m->len + len <= UDP_GSO_MAX_BYTES &&
	       same_endpoint(&m->to, to);
}

/* The message a datagram for `to` joins, or UDP_TX_MESSAGES to start one. Only the newest message
 * to that endpoint may take it: joining an older one would overtake the newer one's datagrams. */
static unsigned find_message(const struct udp_sock *sock, const struct udp_tx_batch *b,
                             const struct wg_endpoint *to, size_t len)
{
	if (b->last < b->n && same_endpoint(&b->msg[b->last].to, to)) {
		/* The common case (one busy peer): its message took the previous datagram. Any
		 * newer message is another endpoint's. */
		return joins(sock, &b->msg[b->last], to, len) ? b->last : UDP_TX_MESSAGES;
	}
	for (unsigned i = b->n; i-- > 0;)
		if (same_endpoint(&b->msg[i].to, to))
			return joins(sock, &b->msg[i], to, len) ? i : UDP_TX_MESSAGES;
	return UDP_TX_MESSAGES;
}

void udp_tx_add(struct udp_sock *sock, struct udp_tx_batch *b, const struct wg_endpoint *to,
                const uint8_t *data, size_t len)
{
	if (len == 0 || len > UDP_MAX_DATAGRAM)
		return;
	bool in_place = data == b->arena + b->used && b->used + len <= sizeof(b->arena);
	unsigned i = find_message(sock, b, to, len);
	if (i == UDP_TX_MESSAGES && b->n == UDP_TX_MESSAGES) {
		/* No message left: send the batch. A datagram built in place moves to the front. */
		udp_tx_flush(sock, b);
		if (in_place)
			memmove(b->arena, data, len);
	} else if (!in_place && b->used + len > sizeof(b->arena)) {
		udp_tx_flush(sock, b);
		i = UDP_TX_MESSAGES;
	}
	uint8_t *p = b->arena + b->used;
	if (p != data)
		memcpy(p, data, len);
	b->used += len;

	if (i == UDP_TX_MESSAGES) {
		i = b->n++;
		struct udp_tx_msg *m = &b->msg[i];
		m->to = *to;
		m->len = len;
		m->segment = len;
		m->count = 1;
		m->iovs = 1;
		b->iov[i][0].iov_base = p;
		b->iov[i][0].iov_len = len;
	} else {
		struct udp_tx_msg *m = &b->msg[i];
		struct iovec *v = &b->iov[i][m->iovs - 1];
		if ((uint8_t *)v->iov_base + v->iov_len == p) {
			v->iov_len += len;
		} else {
			v = &b->iov[i][m->iovs++];
			v->iov_base = p;
			v->iov_len = len;
		}
		m->len += len;
		m->count++;
	}
	b->last = i;
}

/* Sends message i's datagrams one by one (after the kernel refused GSO for it). Datagrams never
 * straddle two pieces, and all but the message's last have `segment` bytes. */
static void send_unsegmented(struct udp_sock *sock, struct udp_tx_batch *b, unsigned i)
{
	const struct udp_tx_msg *m = &b->msg[i];
	struct iovec pieces[UDP_GSO_MAX_SEGMENTS];
	unsigned iovs = m->iovs;
	memcpy(pieces, b->iov[i], iovs * sizeof(pieces[0]));
	for (unsigned k = 0; k < iovs; k++) {
		uint8_t *base = pieces[k].iov_base;
		for (size_t off = 0; off < pieces[k].iov_len; off += m->segment) {
			size_t n = pieces[k].iov_len - off < m->segment ? pieces[k].iov_len - off
			                                                : m->segment;
			bool sent = false;
			for (int with_source = 1; with_source >= 0 && !sent; with_source--) {
				prepare(sock, b, i, with_source, false);
				b->iov[i][0].iov_base = base + off;
				b->iov[i][0].iov_len = n;
				b->hdrs[i].msg_hdr.msg_iovlen = 1;
				sent = sendmsg(sock->fd, &b->hdrs[i].msg_hdr, MSG_DONTWAIT) >= 0;
			}
			if (!sent)
				b->send_errors++;
		}
	}
}

void udp_tx_flush(struct udp_sock *sock, struct udp_tx_batch *b)
{
	if (b->n == 0) {
		b->used = 0;
		return;
	}
	for (unsigned i = 0; i < b->n; i++)
		prepare(sock, b, i, true, sock->gso);
	unsigned done = 0;
	while (done < b->n) {
		int r = sendmmsg(sock->fd, b->hdrs + done, b->n - done, MSG_DONTWAIT);
		if (r > 0) {
			done += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		int err = r < 0 ? errno : EIO;
		struct udp_tx_msg *m = &b->msg[done];
		if (err == EIO && m->count > 1) {
			/* The egress device cannot checksum GSO segments: as wireguard-go, stop
			 * using GSO and send this run datagram by datagram. */
			sock->gso = false;
			send_unsegmented(sock, b, done);
			done++;
			continue;
		}
		/* A vanished sticky source (EINVAL, EADDRNOTAVAIL, ENETUNREACH) gets one retry from
		 * a kernel-chosen address; anything else (a full queue, an unreachable peer) drops
		 * just this message, as a lossy link would. */
		if (b->hdrs[done].msg_hdr.msg_control && local_is_set(&m->to)) {
			prepare(sock, b, done, false, sock->gso);
			if (sendmsg(sock->fd, &b->hdrs[done].msg_hdr, MSG_DONTWAIT) >= 0) {
				done++;
				continue;
			}
		}
		b->send_errors++;
		done++;
	}
	b->n = 0;
	b->used = 0;
	b->last = 0;
}
