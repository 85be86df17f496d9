/*
 * nack.h — the receive side of Generic NACK (RFC 4585 §6.2.1): which
 * sequence numbers to ask for, when, how often, and when to give up.
 * Modelled on WebRTC's NackRequester (modules/video_coding/nack_requester.cc).
 *
 * Every media packet that arrives is reported with cb_nack_on_packet().  A
 * gap in the sequence numbers puts each missing number on the list, stamped
 * with the time it was detected.  A missing number is requested the first
 * time once the reordering wait has passed since detection (a packet that
 * is only late arrives in that time and is never asked for), then again
 * every RTT + `reorder_wait` (the margin keeps a retry from crossing the
 * retransmission it asked for), at most `max_retries` times; it is given
 * up when the last request had that long to be answered, after `max_age` since
 * detection, when the list overflows, or when the jitter buffer moves past
 * it (cb_nack_clear_before()).
 *
 * The reordering wait is `reorder_wait`, raised to the reordering actually
 * seen (up to `reorder_wait_max`): each original (not RTX) packet that
 * arrives after a later one, requested or not, is a sample of how late
 * reordered packets come; the estimate holds the largest sample and decays by 1/64
 * of the elapsed time (a 20 ms sample is forgotten after 1.3 s).  Setting
 * `reorder_wait_max` <= `reorder_wait` makes the wait fixed.  WebRTC's
 * default is no wait at all (request on the first packet after the gap);
 * ours is 5 ms, because a one-packet reordering is common on real paths
 * and every spurious request costs a retransmission.
 *
 * No threads, no clock: times come in as `now`.  cb_nack_due() returns what
 * to request (the caller builds the RTCP NACK) and cb_nack_next_deadline()
 * says when to call it next, for a discrete-event loop.
 */
#ifndef CB_RX_NACK_H
#define CB_RX_NACK_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"

/** Flags of cb_nack_on_packet(). */
#define CB_NACK_F_RTX	   1 /**< arrived as a retransmission (RTX, unwrapped) */
#define CB_NACK_F_KEYFRAME 2 /**< first packet of a key frame */

/** cb_nack_on_packet() returns this when it dropped entries and no key frame
 * could bound the loss: the caller should ask for one (PLI). */
#define CB_NACK_KEYFRAME_NEEDED 1

enum cb_nack_event_kind {
	CB_NACK_EV_RECOVERED, /**< arrived after being requested */
	CB_NACK_EV_LATE,      /**< arrived after being given up */
	CB_NACK_EV_GAVE_UP,   /**< given up (see `reason`) */
};

enum cb_nack_giveup {
	CB_NACK_GIVEUP_NONE,
	CB_NACK_GIVEUP_RETRIES,	 /**< max_retries requests went unanswered */
	CB_NACK_GIVEUP_AGE,	 /**< older than max_age */
	CB_NACK_GIVEUP_OVERFLOW, /**< the list was full */
	CB_NACK_GIVEUP_CLEARED,	 /**< cb_nack_clear_before() */
};

struct cb_nack_event {
	enum cb_nack_event_kind kind;
	enum cb_nack_giveup reason; /**< for GAVE_UP */
	uint16_t seq;
	unsigned requests; /**< requests sent for it */
	int rtx;	   /**< RECOVERED/LATE: it came as a retransmission */
	cb_ns detected;	   /**< when the gap was seen */
	cb_ns at;	   /**< when this happened */
	cb_ns delay;	   /**< at - detected */
};

struct cb_nack_cfg {
	cb_ns reorder_wait;	/**< wait before the first request (default 5 ms) */
	cb_ns reorder_wait_max; /**< cap of the learnt wait (default 50 ms) */
	cb_ns default_rtt;	/**< until cb_nack_set_rtt() (default 100 ms) */
	unsigned max_retries;	/**< requests per packet at most (default 10) */
	cb_ns max_age;		/**< give up this long after detection (default 1 s) */
	size_t max_list;	/**< missing packets tracked at most (default 1000) */
	/** Called for every recovery, late arrival and give-up; may be NULL. */
	void (*on_event)(void *user, const struct cb_nack_event *ev);
	void *user;
};

/**
 * Counters.  Every missing packet ends up in exactly one of reordered,
 * recovered or never_recovered, or is still on the list (`pending`);
 * `late` counts never_recovered ones that arrived after all.
 */
struct cb_nack_stats {
	uint64_t packets;	  /**< cb_nack_on_packet() calls */
	uint64_t missing;	  /**< sequence numbers that went on the list */
	uint64_t reordered;	  /**< arrived before being requested */
	uint64_t requested;	  /**< requested at least once (unique) */
	uint64_t requests_sent;	  /**< requests, retries included */
	uint64_t recovered;	  /**< arrived after being requested */
	uint64_t recovered_orig;  /**< of those, as the original: a spurious request */
	uint64_t never_recovered; /**< given up: the sum of the four below */
	uint64_t gave_up_retries, gave_up_age, gave_up_overflow, gave_up_cleared;
	uint64_t late;		   /**< arrived after being given up */
	uint64_t duplicates;	   /**< arrived but not missing, not newer */
	uint64_t keyframes_needed; /**< CB_NACK_KEYFRAME_NEEDED returned */
	uint64_t pending;	   /**< on the list now */
	cb_ns recovery_delay_sum;  /**< over `recovered`: arrival - detection */
	cb_ns recovery_delay_max;
	cb_ns reorder_wait; /**< the wait a gap detected now would get */
};

struct cb_nack;

/** Create a requester; -EINVAL for a bad configuration, -ENOMEM. */
int cb_nack_open(struct cb_nack **out, const struct cb_nack_cfg *cfg);
/** Free it; safe on NULL. */
void cb_nack_close(struct cb_nack *n);

/**
 * A media packet `seq` arrived at `now` (`flags`: CB_NACK_F_*; a
 * retransmission is reported with its original sequence number).  0, or
 * CB_NACK_KEYFRAME_NEEDED, or -EINVAL.
 */
int cb_nack_on_packet(struct cb_nack *n, uint16_t seq, cb_ns now, unsigned flags);

/**
 * Give up every missing packet before `seq` (the jitter buffer or a key
 * frame has moved past them).  Returns how many were given up.
 */
int cb_nack_clear_before(struct cb_nack *n, uint16_t seq);

/** The RTT from RTCP; re-requests are spaced by it.  -EINVAL if <= 0. */
int cb_nack_set_rtt(struct cb_nack *n, cb_ns rtt);

/**
 * Give up what is due to be given up, then write up to `room` sequence
 * numbers to request at `now` into `out`, oldest first, and mark them as
 * requested.  Returns how many were written; what did not fit stays due.
 */
size_t cb_nack_due(struct cb_nack *n, cb_ns now, uint16_t *out, size_t room);

/**
 * The earliest time at which cb_nack_due() will have something to do (a
 * request or a give-up), or CB_NS_NONE when the list is empty.  It may be
 * in the past (call cb_nack_due() now).
 */
cb_ns cb_nack_next_deadline(const struct cb_nack *n);

void cb_nack_get_stats(const struct cb_nack *n, struct cb_nack_stats *st);

#endif
