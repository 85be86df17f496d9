/*
 * path.h — the way from a sender to the wire: the impairment emulator,
 * then the transport.  The emulator works the same over every transport and
 * in both clocks:
 *  - direct: a perfect network: packets go to the transport at once, and
 *    the path adds nothing;
 *  - shaped: real clock with impairment: a thread hands each packet to the
 *    transport at its release time.  It sleeps until the earliest release
 *    (cb_clock_wait_until), woken early only by a packet due sooner or by
 *    close, so it wakes about once per batch, never to poll; a packet that
 *    is due at once with nothing held ahead of it (loss only, or a jitter
 *    sample clipped to no delay) goes straight to the transport from
 *    cb_path_send, without the thread;
 *  - simulated: virtual time: each packet (a copy of its bytes) is handed to
 *    a callback with its arrival time, and the event loop delivers it.
 */
#ifndef CB_NET_PATH_H
#define CB_NET_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "net/impair.h"
#include "net/transport.h"

/** What the network did to one packet. */
struct cb_path_verdict {
	uint8_t fate;	    /**< enum cb_pkt_fate: DELIVERED, NET_LOSS or NET_QUEUE */
	uint8_t duplicated; /**< a second copy was sent */
	cb_ns net_delay;    /**< release - send of the first copy; CB_NS_NONE if dropped */
	cb_ns queue_delay;  /**< time waiting in the link queue; CB_NS_NONE if dropped */
};

struct cb_path_cfg {
	struct cb_transport *tp;	    /**< direct and shaped: where packets go */
	const struct cb_impair_cfg *impair; /**< NULL or perfect: no emulator */
	const struct cb_clock *clock;	    /**< shaped: the real clock the thread sleeps on */
	/** Simulated delivery: set to run the path in virtual time. */
	void (*deliver)(void *user, const uint8_t *data, size_t len, cb_ns t_arrive);
	void *user;
};

/** What the path added, over every copy it handed on (duplicates count twice). */
struct cb_path_stats {
	uint64_t packets; /**< copies handed to the transport or the event loop */
	cb_ns added_sum;  /**< sum of hand-on time - send time: the delay the path added */
	cb_ns late_sum; /**< shaped: sum of hand-on time - release time (the emulator's own lag) */
	cb_ns late_max; /**< shaped: the largest of those */
	uint64_t wakeups; /**< shaped: times the thread woke from a wait */
};

struct cb_path;

int cb_path_open(struct cb_path **out, const struct cb_path_cfg *cfg);
/**
 * Send `n` packets handed over at `t_send`; v[i] (may be NULL) receives
 * what the network did to packet i.  Returns the number accepted (dropped
 * packets count as accepted: the network took them) or an error.
 */
int cb_path_send(struct cb_path *p, const struct cb_net_pkt *pkts, size_t n, cb_ns t_send,
		 struct cb_path_verdict *v);
/** Packets still waiting in a shaped path. */
size_t cb_path_pending(struct cb_path *p);
/** A copy of the counts so far (all zero for NULL). */
void cb_path_get_stats(struct cb_path *p, struct cb_path_stats *out);
/** Stop (dropping what waits) and free.  Safe on NULL. */
void cb_path_close(struct cb_path *p);

#endif
