/*
 * transport.h — how packets travel between the two endpoints.
 *
 * One interface, several implementations chosen per run by name (this
 * issue: "udp"; the roadmap adds "mem" and "xdp").  A transport is opened
 * as a pair of ends, one per endpoint; each end sends to the other.  The
 * packets are opaque bytes (SRTP): a transport never looks inside.
 *
 * Send and receive work in batches so implementations can use
 * sendmmsg/recvmmsg or rings.  An end may be used by one receiving thread
 * and one sending thread at once; several senders must serialise.
 */
#ifndef CB_NET_TRANSPORT_H
#define CB_NET_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "net/addr.h"

struct cb_logger;

#define CB_NET_MAX_PKT 2048

struct cb_net_pkt {
	uint8_t *data;	/**< caller's buffer */
	size_t len;	/**< send: bytes to send; recv: bytes received */
	size_t cap;	/**< recv: room in data */
	cb_ns t_recv;	/**< recv: when the application got it (run clock) */
	cb_ns t_kernel; /**< recv: kernel receive time (run clock), or CB_NS_NONE */
	int cut;	/**< recv: larger than cap, handed over empty (len 0) */
};

struct cb_transport_cfg {
	const struct cb_clock *clock; /**< stamps received packets */
	int rcvbuf, sndbuf;	      /**< socket buffer sizes; 0 = implementation default */
	const struct cb_logger *log;  /**< where open/close report; NULL = silent */
	char *why;		      /**< if not NULL, open_pair says here why it failed */
	size_t why_len;		      /**< room in why */
};

enum cb_transport_caps {
	CB_NET_CAP_KERNEL_TS = 1 << 0,	  /**< fills t_kernel */
	CB_NET_CAP_ZERO_SYSCALL = 1 << 1, /**< no system call on the data path */
	CB_NET_CAP_NEEDS_ROOT = 1 << 2,
};

struct cb_transport_ops {
	const char *name;
	const char *description;
	size_t priv_size;
	unsigned caps;
	/** Open both ends; `a` and `b` are zeroed private states of priv_size. */
	int (*open_pair)(void *a, void *b, const struct cb_transport_cfg *cfg);
	/**
	 * Open one end on its own, bound to `local` (port 0: any free one),
	 * as a peer does that knows only its own address until the session
	 * description names the other end; then connect_to() it.  NULL for a
	 * transport whose ends only come in pairs.
	 */
	int (*open_end)(void *self, const struct cb_transport_cfg *cfg,
			const struct cb_net_addr *local);
	/** Send to `peer` from now on, and take packets from it only. */
	int (*connect_to)(void *self, const struct cb_net_addr *peer);
	/** The address this end is bound to (its port filled in). */
	int (*local_addr)(void *self, struct cb_net_addr *out);
	/** Send up to n packets; returns the number sent (>= 0) or an error. */
	int (*send)(void *self, const struct cb_net_pkt *pkts, size_t n);
	/**
	 * Receive up to n packets, waiting at most `timeout` nanoseconds
	 * (0 = look without waiting) for the first, asleep rather than
	 * polling.  Returns the number received, 0 when the timeout passed
	 * with nothing (or a signal cut the wait short), or an error.
	 */
	int (*recv)(void *self, struct cb_net_pkt *pkts, size_t n, cb_ns timeout);
	/** A line saying where this end is ("127.0.0.1:40122 -> 127.0.0.1:51877"). */
	void (*describe)(void *self, char *buf, size_t len);
	void (*close)(void *self);
};

struct cb_transport {
	const struct cb_transport_ops *ops;
	void *priv;
};

const struct cb_transport_ops *cb_transport_find(const char *name);
const struct cb_transport_ops *cb_transport_iterate(size_t *it);

/**
 * Open one end bound to `local` (see open_end).  CB_E_UNSUPPORTED, said in
 * cfg->why, for a transport whose ends only come in pairs.
 */
int cb_transport_open_end(const struct cb_transport_ops *ops, const struct cb_transport_cfg *cfg,
			  const struct cb_net_addr *local, struct cb_transport *t);
/** Point an end opened alone at the other end.  0 or a negative error. */
int cb_transport_connect(struct cb_transport *t, const struct cb_net_addr *peer);
/** The address an end is bound to.  0, or CB_E_UNSUPPORTED. */
int cb_transport_local(struct cb_transport *t, struct cb_net_addr *out);

/** Open a pair of ends of the named transport. CB_E_NOTFOUND for an unknown name. */
int cb_transport_open_pair(const struct cb_transport_ops *ops, const struct cb_transport_cfg *cfg,
			   struct cb_transport *a, struct cb_transport *b);

static inline int cb_transport_send(struct cb_transport *t, const struct cb_net_pkt *p, size_t n)
{
	return t->ops->send(t->priv, p, n);
}

/** Receive up to n packets, waiting at most `timeout` ns (see recv above). */
static inline int cb_transport_recv(struct cb_transport *t, struct cb_net_pkt *p, size_t n,
				    cb_ns timeout)
{
	return t->ops->recv(t->priv, p, n, timeout);
}

/** What an end's receive calls came back with (cb_transport_recv_until). */
struct cb_recv_stats {
	uint64_t calls;	       /**< receive calls */
	uint64_t with_packets; /**< ... that returned packets */
	uint64_t packets;      /**< packets they returned */
	/** ... that came back empty at their deadline: a timer wake-up */
	uint64_t at_deadline;
	/** ... that came back empty before their deadline: a look without
	 * waiting (the deadline had passed), a spurious wake-up or a signal.
	 * A receive loop that waits as it should makes none between packets. */
	uint64_t early_empty;
};

/**
 * Receive up to n packets, asleep until the first arrives or `clock`
 * (the end's clock) reaches `deadline`, whichever is first; a deadline
 * already passed looks without waiting.  Counts the call in *st (may be
 * NULL).  Returns as cb_transport_recv.
 */
int cb_transport_recv_until(struct cb_transport *t, struct cb_net_pkt *p, size_t n, cb_ns deadline,
			    const struct cb_clock *clock, struct cb_recv_stats *st);
/** Close one end; safe on a zeroed or already closed end. */
void cb_transport_close(struct cb_transport *t);

/** Kernel UDP sockets on 127.0.0.1: sendmmsg/recvmmsg, kernel receive stamps (SO_TIMESTAMPNS). */
extern const struct cb_transport_ops cb_transport_udp;
/**
 * Two lock-free single-producer/single-consumer rings (1024 slots of
 * CB_NET_MAX_PKT bytes each way) in one shared anonymous mapping; no system
 * call while packets flow.  send waits (bounded) for room rather than drop;
 * recv spins for up to 50 us, then sleeps on the ring (a futex the sender
 * wakes) until a packet comes or the timeout passes.
 */
extern const struct cb_transport_ops cb_transport_mem;
/**
 * AF_XDP sockets (libxdp, copy mode) on a veth between two network
 * namespaces it creates (cbx<pid>a/b, 198.18.0.1/30 and .2/30) and deletes
 * on close; builds its own Ethernet/IPv4/UDP frames.  Needs root: otherwise
 * open_pair fails with -EPERM (or CB_E_UNSUPPORTED without AF_XDP) and says
 * why in cfg->why.  recv spins on the RX ring for up to 50 us, then sleeps
 * in poll() on the socket.  Counters: net/xdp.h.
 */
extern const struct cb_transport_ops cb_transport_xdp;

#endif
