/*
 * udp.c — kernel UDP sockets on 127.0.0.1, each bound to port 0 and
 * connected to the other, with batched sendmmsg/recvmmsg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "base/error.h"
#include "net/transport.h"

#define UDP_BATCH 64

struct udp_end {
	int fd;
	const struct cb_clock *clock;
	struct sockaddr_in local, peer;
};

static int udp_socket(struct udp_end *e, const struct cb_transport_cfg *cfg)
{
	socklen_t alen = sizeof(e->local);
	int sz;

	e->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (e->fd < 0)
		return -errno;
	/* Large buffers so a key frame's burst of packets is never dropped by
	 * the socket itself: loss is for the impairment emulator to decide. */
	sz = cfg->rcvbuf ? cfg->rcvbuf : 4 << 20;
	setsockopt(e->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	sz = cfg->sndbuf ? cfg->sndbuf : 4 << 20;
	setsockopt(e->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	memset(&e->local, 0, sizeof(e->local));
	e->local.sin_family = AF_INET;
	e->local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e->local.sin_port = 0;
	if (bind(e->fd, (struct sockaddr *)&e->local, sizeof(e->local)) < 0 ||
	    getsockname(e->fd, (struct sockaddr *)&e->local, &alen) < 0) {
		int err = -errno;
		close(e->fd);
		e->fd = -1;
		return err;
	}
	e->clock = cfg->clock;
	return 0;
}

static int udp_open_pair(void *pa, void *pb, const struct cb_transport_cfg *cfg)
{
	struct udp_end *a = pa, *b = pb;
	int rc;

	a->fd = b->fd = -1;
	rc = udp_socket(a, cfg);
	if (rc < 0)
		return rc;
	rc = udp_socket(b, cfg);
	if (rc < 0)
		goto out_close_a;
	a->peer = b->local;
	b->peer = a->local;
	if (connect(a->fd, (struct sockaddr *)&a->peer, sizeof(a->peer)) < 0 ||
	    connect(b->fd, (struct sockaddr *)&b->peer, sizeof(b->peer)) < 0) {
		rc = -errno;
		goto out_close_b;
	}
	return 0;

out_close_b:
	close(b->fd);
	b->fd = -1;
out_close_a:
	close(a->fd);
	a->fd = -1;
	return rc;
}

static int udp_send(void *self, const struct cb_net_pkt *pkts, size_t n)
{
	struct udp_end *e = self;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < UDP_BATCH ? n - done : UDP_BATCH;
		int rc;

		memset(msgs, 0, sizeof(msgs[0]) * k);
		for (size_t i = 0; i < k; i++) {
			iov[i].iov_base = pkts[done + i].data;
			iov[i].iov_len = pkts[done + i].len;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		rc = sendmmsg(e->fd, msgs, (unsigned)k, 0);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* The socket buffer is full: wait for room rather
				 * than drop, since the kernel path is not meant to
				 * lose packets on its own. */
				struct pollfd pfd = {.fd = e->fd, .events = POLLOUT};
				poll(&pfd, 1, 10);
				continue;
			}
			return done ? (int)done : -errno;
		}
		done += (size_t)rc;
	}
	return (int)done;
}

static int udp_recv(void *self, struct cb_net_pkt *pkts, size_t n, int timeout_ms)
{
	struct udp_end *e = self;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct pollfd pfd = {.fd = e->fd, .events = POLLIN};
	cb_ns t;
	int rc;

	if (n > UDP_BATCH)
		n = UDP_BATCH;
	if (timeout_ms > 0) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0)
			return errno == EINTR ? 0 : -errno;
		if (rc == 0)
			return 0;
	}
	memset(msgs, 0, sizeof(msgs[0]) * n);
	for (size_t i = 0; i < n; i++) {
		iov[i].iov_base = pkts[i].data;
		iov[i].iov_len = pkts[i].cap;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	rc = recvmmsg(e->fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
	if (rc < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
	t = cb_clock_now(e->clock);
	for (int i = 0; i < rc; i++) {
		pkts[i].len = msgs[i].msg_len;
		pkts[i].t_recv = t;
		pkts[i].t_kernel = CB_NS_NONE;
		/* A datagram larger than the buffer was cut: report it as empty
		 * so the receiver counts it as malformed. */
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			pkts[i].len = 0;
	}
	return rc;
}

static void udp_describe(void *self, char *buf, size_t len)
{
	struct udp_end *e = self;
	char l[INET_ADDRSTRLEN], p[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &e->local.sin_addr, l, sizeof(l));
	inet_ntop(AF_INET, &e->peer.sin_addr, p, sizeof(p));
	snprintf(buf, len, "udp %s:%u -> %s:%u", l, ntohs(e->local.sin_port), p,
		 ntohs(e->peer.sin_port));
}

static void udp_close(void *self)
{
	struct udp_end *e = self;

	if (e && e->fd >= 0) {
		close(e->fd);
		e->fd = -1;
	}
}

const struct cb_transport_ops cb_transport_udp = {
    .name = "udp",
    .description = "kernel UDP sockets on 127.0.0.1 (sendmmsg/recvmmsg)",
    .priv_size = sizeof(struct udp_end),
    .caps = 0,
    .open_pair = udp_open_pair,
    .send = udp_send,
    .recv = udp_recv,
    .describe = udp_describe,
    .close = udp_close,
};
