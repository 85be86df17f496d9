/*
 * rtp_stats.h — receive statistics of one incoming RTP source (RFC 3550
 * §6.4.1, A.1, A.3, A.8) and the sender's round-trip time from a report
 * block.
 *
 * The caller keeps one struct cb_rtp_rx_stats per incoming SSRC (it owns
 * the memory; nothing is allocated), feeds it every RTP packet of that
 * source with its arrival time, and asks for a report block when it sends
 * an SR or RR.  No clock is read here: times come in as arguments.
 *
 * Sequence tracking follows A.1 without probation: the first packet starts
 * the source at once.  After that a packet at most 3000 ahead of the highest
 * sequence number so far advances it (counting a wrap past 65535 as a new
 * cycle); one within 100 behind it is a late or duplicate packet and is
 * counted; anything else is a jump: ignored, unless the next packet follows
 * it directly, in which case the source restarts there (the sender
 * restarted).  Duplicates count as received, so the cumulative loss may go
 * negative, as A.3 says it may; a late packet from before the very first one
 * does the same.
 */
#ifndef CB_RTP_RTP_STATS_H
#define CB_RTP_RTP_STATS_H

#include <stdint.h>

#include "base/clock.h"
#include "rtp/rtcp.h"

/** What cb_rtp_rx_stats_update() made of a packet (all >= 0). */
enum cb_rtp_seq_verdict {
	CB_RTP_SEQ_FIRST,   /**< the first packet of the source */
	CB_RTP_SEQ_NEW,	    /**< advanced the highest sequence number */
	CB_RTP_SEQ_LATE,    /**< behind the highest: reordered, retransmitted or duplicate */
	CB_RTP_SEQ_JUMP,    /**< too far from the highest: ignored (not counted) */
	CB_RTP_SEQ_RESTART, /**< followed a jump directly: the source restarted here */
};

/** Per-source state. Read-only for callers; change it through the functions below. */
struct cb_rtp_rx_stats {
	uint32_t ssrc;
	int started;
	uint16_t max_seq;	 /**< highest sequence number seen */
	uint32_t cycles;	 /**< wraps of the sequence number, << 16 */
	uint32_t base_seq;	 /**< first sequence number */
	uint32_t bad_seq;	 /**< the packet after the last jump, to detect a restart */
	uint32_t received;	 /**< packets counted, duplicates included */
	uint32_t expected_prior; /**< at the last report block */
	uint32_t received_prior; /**< at the last report block */
	double jitter;		 /**< interarrival jitter, RTP timestamp units */
	cb_ns last_arrival;	 /**< of the previous counted packet */
	uint32_t last_ts;	 /**< its RTP timestamp */
};

/** Start the statistics of source `ssrc`. -EINVAL for a NULL `st`. */
int cb_rtp_rx_stats_init(struct cb_rtp_rx_stats *st, uint32_t ssrc);

/**
 * Count one RTP packet of the source, arrived at `arrival`, with media clock
 * `clock_rate` Hz (90000 for video, 48000 for Opus).  Returns a verdict
 * (enum cb_rtp_seq_verdict, >= 0) or -EINVAL (NULL `st`, zero clock rate)
 * with the state untouched.  Jitter (A.8) is updated for every counted
 * packet against the previously counted one in arrival order:
 * D = (arrival difference in RTP units) − (RTP timestamp difference),
 * J += (|D| − J) / 16, kept in floating point so that it settles on its
 * true value instead of one tick below it.
 */
int cb_rtp_rx_stats_update(struct cb_rtp_rx_stats *st, uint16_t seq, uint32_t rtp_ts, cb_ns arrival,
			   uint32_t clock_rate);

/** Extended highest sequence number: cycles + highest seq. */
uint32_t cb_rtp_rx_stats_ext_max(const struct cb_rtp_rx_stats *st);

/** Packets expected: ext_max − base + 1 (0 before the first packet). */
uint32_t cb_rtp_rx_stats_expected(const struct cb_rtp_rx_stats *st);

/** Cumulative packets lost: expected − received, negative with duplicates. */
int64_t cb_rtp_rx_stats_lost(const struct cb_rtp_rx_stats *st);

/**
 * Fill a report block for this source at time `now` and start a new
 * interval for the fraction lost (A.3), so call it once per report sent.
 * `last_sr_ntp_mid32` is the middle 32 bits of the NTP time in the last SR
 * received from this source, `last_sr_arrival` when that SR arrived; pass 0
 * and CB_NS_NONE before any SR, which gives LSR = DLSR = 0 (§6.4.1).
 * DLSR = now − last_sr_arrival in 1/65536 s, rounded.  Cumulative loss is
 * clamped to 24 bits; jitter is rounded to whole RTP units.  CB_E_AGAIN
 * before the first packet; -EINVAL for NULL pointers.
 */
int cb_rtp_rx_stats_report_block(struct cb_rtp_rx_stats *st, cb_ns now, uint32_t last_sr_ntp_mid32,
				 cb_ns last_sr_arrival, struct cb_rtcp_report_block *b);

/**
 * Round-trip time seen by a sender from a report block about its stream:
 * RTT = A − LSR − DLSR (§6.4.1), with A = cb_ntp_mid32() of the NTP time
 * the block arrived, all in 1/65536 s modulo 2^32.  On success `*rtt` is in
 * ns (resolution 1/65536 s ≈ 15.3 µs).  CB_E_AGAIN when `lsr` is 0 (the
 * receiver has not had an SR yet); CB_E_RANGE when the result is negative
 * (the clocks disagree or the block is stale); -EINVAL for a NULL `rtt`.
 */
int cb_rtt_from_report_block(uint32_t now_ntp_mid32, uint32_t lsr, uint32_t dlsr, cb_ns *rtt);

#endif
