/*
 * udp.c — kernel UDP sockets, IPv4 or IPv6: a pair on 127.0.0.1, each bound
 * to port 0 and connected to the other, or one end bound to its own address
 * and connected to the peer it learns of later; batched sendmmsg/recvmmsg.
 * A connected socket takes datagrams from its peer's address only.
 *
 * Each received packet also carries the kernel's receive time
 * (SO_TIMESTAMPNS: when the packet entered the receive stack, on
 * CLOCK_REALTIME), moved onto the run clock's timeline, so a report can
 * split time in the kernel stack (sent -> t_kernel) from time waiting for
 * and inside the application (t_kernel -> t_recv).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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
	struct cb_net_addr local, peer;
	/* Kernel stamps are only moved onto a clock that runs in real time. */
	int kernel_ts;
};

/* Room for one SCM_TIMESTAMPNS control message per datagram. */
#define UDP_CMSG_ROOM CMSG_SPACE(sizeof(struct timespec))

static int udp_socket(struct udp_end *e, const struct cb_transport_cfg *cfg,
		      const struct cb_net_addr *local)
{
	int sz, family = cb_net_addr_family(local);

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	e->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (e->fd < 0)
		return -errno;
	/* Large buffers so a key frame's burst of packets is never dropped by
	 * the socket itself: loss is for the impairment emulator to decide. */
	sz = cfg->rcvbuf ? cfg->rcvbuf : 4 << 20;
	setsockopt(e->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	sz = cfg->sndbuf ? cfg->sndbuf : 4 << 20;
	setsockopt(e->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	e->clock = cfg->clock;
	e->kernel_ts = strcmp(cfg->clock->ops->name, "real") == 0;
	sz = 1;
	if (family == AF_INET6)
		setsockopt(e->fd, IPPROTO_IPV6, IPV6_V6ONLY, &sz, sizeof(sz));
	if (e->kernel_ts && setsockopt(e->fd, SOL_SOCKET, SO_TIMESTAMPNS, &sz, sizeof(sz)) < 0) {
		int err = -errno;
		close(e->fd);
		e->fd = -1;
		return err;
	}
	e->local = *local;
	e->local.len = sizeof(e->local.ss);
	if (bind(e->fd, (struct sockaddr *)&local->ss, local->len) < 0 ||
	    getsockname(e->fd, (struct sockaddr *)&e->local.ss, &e->local.len) < 0) {
		int err = -errno;
		close(e->fd);
		e->fd = -1;
		return err;
	}
	return 0;
}

static int udp_open_end(void *self, const struct cb_transport_cfg *cfg,
			const struct cb_net_addr *local)
{
	struct udp_end *e = self;
	char a[CB_NET_ADDR_STRLEN];
	int rc;

	e->fd = -1;
	rc = udp_socket(e, cfg, local);
	if (rc < 0 && cfg->why && cfg->why_len) {
		cb_net_addr_format(local, a, sizeof(a));
		snprintf(cfg->why, cfg->why_len, "udp: cannot bind %s: %s", a, strerror(-rc));
	}
	return rc;
}

static int udp_connect_to(void *self, const struct cb_net_addr *peer)
{
	struct udp_end *e = self;

	if (cb_net_addr_family(peer) != cb_net_addr_family(&e->local))
		return -EAFNOSUPPORT;
	if (connect(e->fd, (const struct sockaddr *)&peer->ss, peer->len) < 0)
		return -errno;
	e->peer = *peer;
	return 0;
}

static int udp_local_addr(void *self, struct cb_net_addr *out)
{
	*out = ((struct udp_end *)self)->local;
	return 0;
}

static int udp_open_pair(void *pa, void *pb, const struct cb_transport_cfg *cfg)
{
	struct udp_end *a = pa, *b = pb;
	struct cb_net_addr lo;
	int rc;

	a->fd = b->fd = -1;
	cb_net_addr_from("127.0.0.1", 0, &lo);
	rc = udp_socket(a, cfg, &lo);
	if (rc < 0)
		return rc;
	rc = udp_socket(b, cfg, &lo);
	if (rc < 0)
		goto out_close_a;
	rc = udp_connect_to(a, &b->local);
	if (rc == 0)
		rc = udp_connect_to(b, &a->local);
	if (rc < 0)
		goto out_close_b;
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
			/* A connected end reports an earlier datagram's ICMP
			 * "port unreachable" on the next send, which then sent
			 * nothing: the other end is not listening (yet).  The
			 * error is taken by the call; send again, as the loss it
			 * is belongs to the network, not to this end. */
			if (errno == EINTR || errno == ECONNREFUSED)
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

/*
 * The offset from CLOCK_REALTIME to the run clock, read now.  The realtime
 * reading is sandwiched between two run-clock readings and matched with
 * their midpoint, so the offset is off by at most half the sandwich (tens of
 * nanoseconds).  A kernel stamp converted with it carries one more error:
 * whatever CLOCK_REALTIME was slewed or stepped between the stamp and this
 * reading.  NTP slews at most 500 ppm, i.e. 0.5 us per millisecond that the
 * packet waited in the socket; a step (settimeofday) would show up as a
 * stamp out of range, which udp_recv clamps.
 */
static cb_ns realtime_offset(const struct cb_clock *clock)
{
	struct timespec rt;
	cb_ns r1, r2;

	r1 = cb_clock_now(clock);
	clock_gettime(CLOCK_REALTIME, &rt);
	r2 = cb_clock_now(clock);
	return r1 + (r2 - r1) / 2 - ((cb_ns)rt.tv_sec * CB_NS_PER_S + rt.tv_nsec);
}

/* The kernel's receive stamp of one datagram on the run clock, or CB_NS_NONE. */
static cb_ns kernel_stamp(struct msghdr *mh, cb_ns offset, cb_ns t_recv)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		struct timespec ts;
		cb_ns t;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		if (ts.tv_sec == 0 && ts.tv_nsec == 0)
			return CB_NS_NONE;
		t = (cb_ns)ts.tv_sec * CB_NS_PER_S + ts.tv_nsec + offset;
		/* The kernel stamped the packet before recvmmsg returned, so a
		 * later stamp can only come from the conversion's error bound
		 * (or a step of the wall clock): keep the order that is known
		 * to be true. */
		return t > t_recv ? t_recv : t;
	}
	return CB_NS_NONE;
}

static int udp_recv(void *self, struct cb_net_pkt *pkts, size_t n, cb_ns timeout)
{
	struct udp_end *e = self;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	/* Aligned for struct cmsghdr, as CMSG_FIRSTHDR requires; CMSG_SPACE
	 * is a multiple of that alignment, so every row stays aligned. */
	_Alignas(struct cmsghdr) char ctl[UDP_BATCH][UDP_CMSG_ROOM];
	struct pollfd pfd = {.fd = e->fd, .events = POLLIN};
	cb_ns t, offset = 0, waited_from = cb_clock_now(e->clock);
	int rc;

	if (n > UDP_BATCH)
		n = UDP_BATCH;
again:
	if (timeout > 0) {
		/* Asleep until a datagram or the timeout, to the nanosecond
		 * (poll() would round it to whole milliseconds: a wait under
		 * one would not wait at all). */
		struct timespec ts = {.tv_sec = (time_t)(timeout / CB_NS_PER_S),
				      .tv_nsec = (long)(timeout % CB_NS_PER_S)};

		rc = ppoll(&pfd, 1, &ts, NULL);
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
		if (e->kernel_ts) {
			msgs[i].msg_hdr.msg_control = ctl[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
		}
	}
	rc = recvmmsg(e->fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
	if (rc < 0 && errno == ECONNREFUSED) {
		/* An ICMP "port unreachable" of an earlier send woke the wait
		 * (the other end is gone or not there yet): the call took the
		 * error; wait out what is left, as if it had not come. */
		cb_ns left = timeout > 0 ? waited_from + timeout - cb_clock_now(e->clock) : 0;

		if (left > 0) {
			timeout = left;
			waited_from = cb_clock_now(e->clock);
			goto again;
		}
		return 0;
	}
	if (rc < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
	t = cb_clock_now(e->clock);
	/* One offset per batch: the clocks cannot drift apart measurably
	 * within one call. */
	if (e->kernel_ts)
		offset = realtime_offset(e->clock);
	for (int i = 0; i < rc; i++) {
		pkts[i].len = msgs[i].msg_len;
		pkts[i].t_recv = t;
		pkts[i].t_kernel =
		    e->kernel_ts ? kernel_stamp(&msgs[i].msg_hdr, offset, t) : CB_NS_NONE;
		/* A datagram larger than the buffer was cut: report it as empty
		 * and cut, so the receiver counts it as such. */
		pkts[i].cut = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		if (pkts[i].cut)
			pkts[i].len = 0;
	}
	return rc;
}

static void udp_describe(void *self, char *buf, size_t len)
{
	struct udp_end *e = self;
	char l[CB_NET_ADDR_STRLEN], p[CB_NET_ADDR_STRLEN];

	cb_net_addr_format(&e->local, l, sizeof(l));
	cb_net_addr_format(&e->peer, p, sizeof(p));
	snprintf(buf, len, "udp %s -> %s", l, p);
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
    .description = "kernel UDP sockets, IPv4 or IPv6 (sendmmsg/recvmmsg, SO_TIMESTAMPNS)",
    .priv_size = sizeof(struct udp_end),
    .caps = CB_NET_CAP_KERNEL_TS,
    .open_pair = udp_open_pair,
    .open_end = udp_open_end,
    .connect_to = udp_connect_to,
    .local_addr = udp_local_addr,
    .send = udp_send,
    .recv = udp_recv,
    .describe = udp_describe,
    .close = udp_close,
};
