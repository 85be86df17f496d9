/*
 * xdp.c — AF_XDP sockets on a veth pair between two network namespaces.
 *
 * Each end owns one namespace (netns.h), one UMEM and one AF_XDP socket on
 * queue 0 of its veth end; libxdp attaches its default program, which
 * redirects every frame of that queue to the socket, so the kernel's IP
 * stack never sees the call's packets.  The frames are built and parsed here
 * (frame.h) with fixed MACs, so no ARP is needed.
 *
 * veth has no zero-copy AF_XDP support: the socket is bound in copy mode.
 * The program is attached in generic (SKB) mode, and in native (driver)
 * mode only if generic mode is refused.  Both work on veth; on kernel 6.x a
 * 200-byte ping-pong measured about 1.2 us one way in generic mode against
 * 1.7 us in native mode, where veth defers every frame to its own NAPI poll
 * (which also needs an XDP program on the receiving end; both ends have one
 * here, since both have a socket).
 *
 * UMEM layout: the first half of the frames is for receiving (all of them
 * start on the fill ring and go back there once parsed), the second half for
 * sending (a free stack that the completion ring refills).  The receiving
 * thread touches only the RX and fill rings and the sending thread only the
 * TX and completion rings, so one of each can use an end at once without a
 * lock, as transport.h promises.  Nothing is allocated per packet.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "base/error.h"
#include "base/log.h"
#include "net/frame.h"
#include "net/netns.h"
#include "net/transport.h"
#include "net/xdp.h"

#define XDP_FRAME_SIZE 2048u
#define XDP_NUM_FRAMES 4096u
#define XDP_RX_FRAMES  (XDP_NUM_FRAMES / 2)
#define XDP_TX_FRAMES  (XDP_NUM_FRAMES - XDP_RX_FRAMES)
#define XDP_RING_SIZE  2048u
#define XDP_BATCH      64u
#define XDP_PORT_A     5004
#define XDP_PORT_B     5006
/* The largest UDP payload a 1500-byte MTU carries without fragments. */
#define XDP_MAX_PAYLOAD (CB_NETNS_MTU - CB_FRAME_IP_LEN - CB_FRAME_UDP_LEN)
/* How long send waits for the kernel to hand back TX frames before it
 * reports what it managed; far above any normal wait. */
#define XDP_SEND_WAIT_NS (1000 * CB_NS_PER_MS)

struct xdp_end {
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fq;
	struct xsk_ring_prod tx;
	struct xsk_ring_cons cq;
	struct xsk_socket *xsk;
	struct xsk_umem *umem;
	uint8_t *area; /* the UMEM, XDP_NUM_FRAMES * XDP_FRAME_SIZE bytes */
	int fd;
	const struct cb_clock *clock;
	const struct cb_logger *log;
	struct cb_netns_end ns;
	struct cb_frame_addr tx_addr; /* this end -> peer */
	struct cb_frame_addr rx_addr; /* peer -> this end, as received frames carry it */
	uint32_t xdp_flags;	      /* the mode the program was attached in */
	const char *why_ns;	      /* set by the in-namespace step when it fails */
	/* Sending side only. */
	uint16_t ip_id;
	uint32_t n_tx_free;
	uint64_t tx_free[XDP_TX_FRAMES];
	/* Written by one thread each, read by any: relaxed atomics. */
	struct cb_xdp_stats st;
};

static void bump(uint64_t *c, uint64_t n)
{
	/* Each counter has a single writer, so a relaxed load and store is
	 * enough and avoids a locked instruction on the data path. */
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static uint64_t peek_stat(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
}

/*
 * libbpf and libxdp print warnings to stderr by default ("No bpffs found",
 * "Falling back to loading single prog without dispatcher"), and the
 * library must not print.  Their print hooks are process-wide and take no
 * user pointer, so they cannot reach the caller's logger: they are muted
 * while this transport calls into them and restored afterwards.  Our own
 * messages name the step that failed and the error.
 */
static int quiet_bpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int quiet_xdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int run_quietly(int ns_fd, int (*fn)(void *arg), void *arg)
{
	libbpf_print_fn_t old_bpf = libbpf_set_print(quiet_bpf);
	libxdp_print_fn_t old_xdp = libxdp_set_print(quiet_xdp);
	int rc = cb_netns_run(ns_fd, fn, arg);

	libxdp_set_print(old_xdp);
	libbpf_set_print(old_bpf);
	return rc;
}

static void set_why(const struct cb_transport_cfg *cfg, const char *msg)
{
	if (cfg->why && cfg->why_len)
		snprintf(cfg->why, cfg->why_len, "%s", msg);
}

/*
 * Namespaces need CAP_SYS_ADMIN, attaching the XDP program CAP_NET_ADMIN
 * (and CAP_SYS_ADMIN or CAP_BPF to load it), AF_XDP sockets CAP_NET_RAW.
 * Asking the kernel for the effective set, rather than checking for uid 0,
 * also admits a capable non-root user and refuses a root without them
 * (inside an unprivileged container).
 */
static int check_caps(const struct cb_transport_cfg *cfg)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	static const int need[] = {CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW};
	int ok = 1;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		ok = geteuid() == 0;
	else
		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			if (!(data[need[i] / 32].effective & (1u << (need[i] % 32))))
				ok = 0;
	if (ok)
		return 0;
	set_why(cfg, "the xdp transport needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW) to "
		     "create network namespaces, attach an XDP program and open AF_XDP sockets; "
		     "run it as root (sudo build/callbench run --transport xdp) or use "
		     "--transport udp");
	return -EPERM;
}

static int probe_af_xdp(const struct cb_transport_cfg *cfg)
{
	int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT) {
		set_why(cfg, "this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS is off); use "
			     "--transport udp");
		return CB_E_UNSUPPORTED;
	}
	if (errno == EPERM || errno == EACCES) {
		set_why(cfg, "AF_XDP sockets are not allowed here (needs CAP_NET_RAW; a seccomp "
			     "filter or container may forbid them); run as root or use "
			     "--transport udp");
		return -EPERM;
	}
	set_why(cfg, "cannot open an AF_XDP socket");
	return -errno;
}

static void fill_addr(struct cb_frame_addr *fa, const struct cb_netns_end *src, uint16_t sport,
		      const struct cb_netns_end *dst, uint16_t dport)
{
	memcpy(fa->src_mac, src->mac, 6);
	memcpy(fa->dst_mac, dst->mac, 6);
	fa->src_ip = src->ip;
	fa->dst_ip = dst->ip;
	fa->src_port = sport;
	fa->dst_port = dport;
}

/* Runs on a thread inside the end's namespace: the UMEM's socket and the
 * interface index that libxdp looks up must both belong to it. */
static int open_in_ns(void *arg)
{
	struct xdp_end *e = arg;
	const struct xsk_umem_config ucfg = {
	    .fill_size = XDP_RING_SIZE,
	    .comp_size = XDP_RING_SIZE,
	    .frame_size = XDP_FRAME_SIZE,
	    .frame_headroom = 0,
	    .flags = 0,
	};
	/* Generic mode first: on veth it has the shorter path (see the top of
	 * this file); native mode is the fallback. */
	static const uint32_t modes[] = {XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE};
	uint32_t idx;
	int rc;

	rc = xsk_umem__create(&e->umem, e->area, (uint64_t)XDP_NUM_FRAMES * XDP_FRAME_SIZE, &e->fq,
			      &e->cq, &ucfg);
	if (rc) {
		e->umem = NULL;
		e->why_ns = "creating the UMEM";
		return rc < 0 ? rc : -rc;
	}
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const struct xsk_socket_config scfg = {
		    .rx_size = XDP_RING_SIZE,
		    .tx_size = XDP_RING_SIZE,
		    .libxdp_flags = 0,
		    .xdp_flags = modes[m],
		    .bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
		};

		rc = xsk_socket__create(&e->xsk, e->ns.ifname, 0, e->umem, &e->rx, &e->tx, &scfg);
		if (rc == 0) {
			e->xdp_flags = modes[m];
			break;
		}
		e->xsk = NULL;
		cb_log(e->log, CB_LOG_DEBUG, "xdp", "%s: %s mode: %s", e->ns.ifname,
		       modes[m] == XDP_FLAGS_DRV_MODE ? "native" : "generic", cb_strerror(rc));
	}
	if (!e->xsk) {
		e->why_ns = "creating the AF_XDP socket and attaching its XDP program";
		return rc < 0 ? rc : -rc;
	}
	e->fd = xsk_socket__fd(e->xsk);
	/* Every receive frame goes on the fill ring now, so the kernel never
	 * finds it empty; parsed frames go straight back. */
	if (xsk_ring_prod__reserve(&e->fq, XDP_RX_FRAMES, &idx) != XDP_RX_FRAMES) {
		e->why_ns = "filling the fill ring";
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < XDP_RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&e->fq, idx + i) = (uint64_t)i * XDP_FRAME_SIZE;
	xsk_ring_prod__submit(&e->fq, XDP_RX_FRAMES);
	e->n_tx_free = 0;
	for (uint32_t i = 0; i < XDP_TX_FRAMES; i++)
		e->tx_free[e->n_tx_free++] = (uint64_t)(XDP_RX_FRAMES + i) * XDP_FRAME_SIZE;
	return 0;
}

/* Also inside the namespace: libxdp detaches its program by interface
 * index, which only means the right interface there. */
static int close_in_ns(void *arg)
{
	struct xdp_end *e = arg;

	if (e->xsk)
		xsk_socket__delete(e->xsk);
	e->xsk = NULL;
	if (e->umem)
		xsk_umem__delete(e->umem);
	e->umem = NULL;
	return 0;
}

static void xdp_close(void *self)
{
	struct xdp_end *e = self;

	if (!e)
		return;
	if (e->xsk || e->umem) {
		int rc = e->ns.created ? run_quietly(e->ns.ns_fd, close_in_ns, e) : -EBADF;

		/* Deleting the namespace below removes the veth and the program
		 * with it; only libxdp's bookkeeping would leak. */
		if (rc < 0)
			cb_log(e->log, CB_LOG_ERROR, "xdp", "closing the socket in %s: %s",
			       e->ns.ns, cb_strerror(rc));
	}
	e->fd = -1;
	if (e->area) {
		munmap(e->area, (size_t)XDP_NUM_FRAMES * XDP_FRAME_SIZE);
		e->area = NULL;
	}
	cb_netns_end_destroy(&e->ns, e->log);
}

static int end_open(struct xdp_end *e, const struct cb_transport_cfg *cfg)
{
	char msg[256];
	int rc;

	e->area = mmap(NULL, (size_t)XDP_NUM_FRAMES * XDP_FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (e->area == MAP_FAILED) {
		e->area = NULL;
		set_why(cfg, "cannot map the UMEM");
		return -errno;
	}
	rc = run_quietly(e->ns.ns_fd, open_in_ns, e);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "%s on %s in namespace %s: %s",
			 e->why_ns ? e->why_ns : "entering the namespace", e->ns.ifname, e->ns.ns,
			 cb_strerror(rc));
		set_why(cfg, msg);
		cb_log(e->log, CB_LOG_ERROR, "xdp", "%s", msg);
		return rc;
	}
	cb_log(e->log, CB_LOG_DEBUG, "xdp", "%s: AF_XDP socket on queue 0, %s mode, copy",
	       e->ns.ifname, e->xdp_flags == XDP_FLAGS_DRV_MODE ? "native" : "generic");
	return 0;
}

static int xdp_open_pair(void *pa, void *pb, const struct cb_transport_cfg *cfg)
{
	struct xdp_end *a = pa, *b = pb;
	struct cb_netns_pair pair;
	int rc;

	/* The ends are zeroed; mark the descriptors empty so close is safe
	 * from here on. */
	a->fd = b->fd = -1;
	a->ns.ns_fd = b->ns.ns_fd = -1;
	rc = check_caps(cfg);
	if (rc < 0)
		return rc;
	rc = probe_af_xdp(cfg);
	if (rc < 0)
		return rc;
	rc = cb_netns_pair_create(&pair, cfg->log, cfg->why, cfg->why_len);
	if (rc < 0)
		return rc;
	/* From here each end owns its namespace and deletes it on close. */
	a->ns = pair.end[0];
	b->ns = pair.end[1];
	for (int i = 0; i < 2; i++) {
		struct xdp_end *e = i ? b : a;

		e->clock = cfg->clock;
		e->log = cfg->log;
		e->ip_id = 1;
	}
	fill_addr(&a->tx_addr, &a->ns, XDP_PORT_A, &b->ns, XDP_PORT_B);
	fill_addr(&b->tx_addr, &b->ns, XDP_PORT_B, &a->ns, XDP_PORT_A);
	a->rx_addr = b->tx_addr;
	b->rx_addr = a->tx_addr;

	rc = end_open(a, cfg);
	if (rc < 0)
		goto out_close_ends;
	rc = end_open(b, cfg);
	if (rc < 0)
		goto out_close_ends;
	return 0;

out_close_ends:
	/* Both ends own a namespace by now, whichever failed. */
	xdp_close(b);
	xdp_close(a);
	return rc;
}

static void tx_reap(struct xdp_end *e)
{
	uint32_t idx = 0, n = xsk_ring_cons__peek(&e->cq, XDP_RING_SIZE, &idx);

	for (uint32_t i = 0; i < n; i++)
		e->tx_free[e->n_tx_free++] = *xsk_ring_cons__comp_addr(&e->cq, idx + i);
	if (n)
		xsk_ring_cons__release(&e->cq, n);
}

/*
 * In copy mode the kernel sends only when asked (the TX ring always wants a
 * wake-up) and at most a small batch per call; EAGAIN and EBUSY mean "more
 * left, call again", ENOBUFS a transient lack of skbs.
 */
static int tx_kick(struct xdp_end *e)
{
	if (!xsk_ring_prod__needs_wakeup(&e->tx))
		return 0;
	bump(&e->st.tx_kicks, 1);
	if (sendto(e->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS || errno == EINTR)
		return 0;
	return -errno;
}

/* Descriptors still on the TX ring, not yet taken by the kernel. */
static uint32_t tx_queued(struct xdp_end *e)
{
	return XDP_RING_SIZE - xsk_prod_nb_free(&e->tx, XDP_RING_SIZE);
}

static int xdp_send(void *self, const struct cb_net_pkt *pkts, size_t n)
{
	struct xdp_end *e = self;
	cb_ns give_up = CB_NS_NONE;
	size_t done = 0;
	int rc;

	if (!e || e->fd < 0 || (!pkts && n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (pkts[i].len > XDP_MAX_PAYLOAD || (!pkts[i].data && pkts[i].len))
			return pkts[i].len > XDP_MAX_PAYLOAD ? -EMSGSIZE : -EINVAL;

	tx_reap(e);
	while (done < n) {
		uint32_t k = (uint32_t)(n - done < XDP_BATCH ? n - done : XDP_BATCH), idx;

		if (k > e->n_tx_free)
			k = e->n_tx_free;
		if (k == 0 || xsk_ring_prod__reserve(&e->tx, k, &idx) != k) {
			/* Every TX frame is in flight: let the kernel send and
			 * return some rather than drop, as the udp transport
			 * waits for socket buffer room. */
			cb_ns now = cb_clock_now(e->clock);

			if (give_up == CB_NS_NONE) {
				give_up = now + XDP_SEND_WAIT_NS;
				bump(&e->st.tx_waits, 1);
			} else if (now > give_up) {
				break;
			}
			rc = tx_kick(e);
			if (rc < 0)
				return done ? (int)done : rc;
			tx_reap(e);
			continue;
		}
		for (uint32_t i = 0; i < k; i++) {
			const struct cb_net_pkt *p = &pkts[done + i];
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&e->tx, idx + i);
			uint64_t addr = e->tx_free[--e->n_tx_free];
			size_t flen = XDP_FRAME_SIZE;

			/* Lengths were checked above, so this cannot fail. */
			cb_frame_build_udp(&e->tx_addr, e->ip_id++, p->data, p->len, e->area + addr,
					   &flen);
			d->addr = addr;
			d->len = (uint32_t)flen;
			d->options = 0;
		}
		xsk_ring_prod__submit(&e->tx, k);
		done += k;
		bump(&e->st.tx_packets, k);
		rc = tx_kick(e);
		if (rc < 0)
			return (int)done;
	}
	/* The kernel takes a bounded batch per wake-up: keep waking it until it
	 * has taken every descriptor, so nothing waits for the next send. */
	for (int spins = 0; tx_queued(e) && spins < 100000; spins++) {
		rc = tx_kick(e);
		if (rc < 0)
			break;
	}
	tx_reap(e);
	return done ? (int)done : (n ? CB_E_AGAIN : 0);
}

/* Take what is on the RX ring, parse it into the caller's buffers and give
 * the frames back to the fill ring.  Returns the packets delivered. */
static size_t rx_take(struct xdp_end *e, struct cb_net_pkt *pkts, size_t n)
{
	uint32_t idx_rx, idx_fq, got;
	size_t out = 0;
	uint64_t other = 0, not_ours = 0, bad = 0, trunc = 0;
	cb_ns t;

	got = xsk_ring_cons__peek(&e->rx, (uint32_t)n, &idx_rx);
	if (!got) {
		if (xsk_ring_prod__needs_wakeup(&e->fq))
			recvfrom(e->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		return 0;
	}
	/* Receive frames are never elsewhere than on the fill ring, the RX
	 * ring or here, and the fill ring holds all of them, so this reserve
	 * cannot fall short. */
	while (xsk_ring_prod__reserve(&e->fq, got, &idx_fq) != got)
		cpu_relax();
	t = cb_clock_now(e->clock);
	for (uint32_t i = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&e->rx, idx_rx + i);
		uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
		struct cb_net_pkt *p = &pkts[out];
		size_t len = p->cap;
		int rc = cb_frame_parse_udp(&e->rx_addr, e->area + addr, d->len, p->data, &len);

		p->cut = 0;
		switch (rc) {
		case 0:
			p->len = len;
			break;
		case CB_E_NOSPACE:
			/* As udp does with a datagram larger than the buffer:
			 * hand it over empty and cut, so the receiver counts it. */
			p->len = 0;
			p->cut = 1;
			trunc++;
			break;
		case CB_E_UNSUPPORTED:
			other++;
			break;
		case CB_E_NOTFOUND:
			not_ours++;
			break;
		default:
			bad++;
			break;
		}
		if (rc == 0 || rc == CB_E_NOSPACE) {
			p->t_recv = t;
			p->t_kernel = CB_NS_NONE;
			out++;
		}
		*xsk_ring_prod__fill_addr(&e->fq, idx_fq + i) =
		    xsk_umem__extract_addr(d->addr) & ~(uint64_t)(XDP_FRAME_SIZE - 1);
	}
	xsk_ring_prod__submit(&e->fq, got);
	xsk_ring_cons__release(&e->rx, got);
	bump(&e->st.rx_frames, got);
	bump(&e->st.rx_packets, out - trunc);
	if (trunc)
		bump(&e->st.rx_truncated, trunc);
	if (other)
		bump(&e->st.rx_other, other);
	if (not_ours)
		bump(&e->st.rx_not_ours, not_ours);
	if (bad)
		bump(&e->st.rx_bad, bad);
	return out;
}

/*
 * Spins on the RX ring for up to XDP_SPIN_NS: while packets come closer
 * together than that, a sleep and wake-up would cost more than the whole
 * copy-mode path.  Then sleeps in ppoll() on the socket, which the kernel
 * wakes when it puts a frame on the RX ring, until the timeout: an idle end
 * takes no core from the encoders of a real call.  The clock is read once
 * every 64 empty polls.
 */
#define XDP_SPIN_NS 50000

static int xdp_recv(void *self, struct cb_net_pkt *pkts, size_t n, cb_ns timeout)
{
	struct xdp_end *e = self;
	cb_ns start, now, deadline;
	size_t got;

	if (!e || e->fd < 0 || (!pkts && n))
		return -EINVAL;
	if (n == 0)
		return 0;
	if (n > XDP_BATCH)
		n = XDP_BATCH;
	got = rx_take(e, pkts, n);
	if (got || timeout <= 0)
		return (int)got;
	start = cb_clock_now(e->clock);
	deadline = start + timeout;
	for (unsigned spins = 1;; spins++) {
		got = rx_take(e, pkts, n);
		if (got)
			return (int)got;
		if ((spins & 63) == 0) {
			now = cb_clock_now(e->clock);
			if (now >= deadline)
				return 0;
			if (now - start >= XDP_SPIN_NS) {
				struct pollfd pfd = {.fd = e->fd, .events = POLLIN};
				struct timespec ts = {
				    .tv_sec = (time_t)((deadline - now) / CB_NS_PER_S),
				    .tv_nsec = (long)((deadline - now) % CB_NS_PER_S)};
				int rc = ppoll(&pfd, 1, &ts, NULL);

				if (rc < 0 && errno != EINTR)
					return -errno;
				got = rx_take(e, pkts, n);
				if (got || rc <= 0)
					return (int)got;
				continue;
			}
		}
		cpu_relax();
	}
}

static void read_stats(const struct xdp_end *e, struct cb_xdp_stats *st)
{
	struct xdp_statistics ks;
	socklen_t len = sizeof(ks);
	const uint64_t *src = (const uint64_t *)&e->st;
	uint64_t *dst = (uint64_t *)st;

	/* The struct is all uint64_t, each read on its own. */
	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = peek_stat(&src[i]);
	memset(&ks, 0, sizeof(ks));
	if (e->fd >= 0 && getsockopt(e->fd, SOL_XDP, XDP_STATISTICS, &ks, &len) == 0) {
		st->kern_rx_dropped = ks.rx_dropped;
		st->kern_rx_ring_full = ks.rx_ring_full;
		st->kern_rx_invalid = ks.rx_invalid_descs;
		st->kern_tx_invalid = ks.tx_invalid_descs;
		st->kern_fill_empty = ks.rx_fill_ring_empty_descs;
	}
}

int cb_xdp_get_stats(const struct cb_transport *t, struct cb_xdp_stats *st)
{
	if (!t || t->ops != &cb_transport_xdp || !t->priv || !st)
		return -EINVAL;
	read_stats(t->priv, st);
	return 0;
}

static void xdp_describe(void *self, char *buf, size_t len)
{
	struct xdp_end *e = self;
	const struct cb_frame_addr *a = &e->tx_addr;
	struct cb_xdp_stats st;

	read_stats(e, &st);
	snprintf(buf, len,
		 "xdp %s (ns %s, %s mode, copy) %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u; rx %" PRIu64
		 " packets, dropped %" PRIu64 " other, %" PRIu64 " not ours, %" PRIu64
		 " bad, %" PRIu64 " by the kernel; tx %" PRIu64,
		 e->ns.ifname, e->ns.ns, e->xdp_flags == XDP_FLAGS_DRV_MODE ? "native" : "generic",
		 a->src_ip >> 24, (a->src_ip >> 16) & 0xff, (a->src_ip >> 8) & 0xff,
		 a->src_ip & 0xff, a->src_port, a->dst_ip >> 24, (a->dst_ip >> 16) & 0xff,
		 (a->dst_ip >> 8) & 0xff, a->dst_ip & 0xff, a->dst_port, st.rx_packets, st.rx_other,
		 st.rx_not_ours, st.rx_bad, st.kern_rx_dropped + st.kern_rx_ring_full,
		 st.tx_packets);
}

const struct cb_transport_ops cb_transport_xdp = {
    .name = "xdp",
    .description = "AF_XDP sockets on a veth pair between two network namespaces (needs root)",
    .priv_size = sizeof(struct xdp_end),
    .caps = CB_NET_CAP_NEEDS_ROOT,
    .open_pair = xdp_open_pair,
    .send = xdp_send,
    .recv = xdp_recv,
    .describe = xdp_describe,
    .close = xdp_close,
};
