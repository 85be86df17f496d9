/*
 * srmap.h — the sender's capture clock as a receiver learns it from RTCP
 * sender reports (RFC 3550 section 6.4.1): each SR pairs an NTP wallclock
 * time with the RTP time of the same instant, so the RTP timestamp of a
 * frame or sample names the sender's wallclock time of its capture.
 *
 * The RTP time of an SR is a whole number of clock ticks, so a capture time
 * taken from it is exact to half a tick (5.6 us at 90 kHz, 10.4 us at
 * 48 kHz) when the sender rounds, as callbench's does.  What the receiver
 * cannot learn from one direction alone is how the sender's wallclock
 * stands against its own: on one host both read the same clock; the
 * smallest SR transit seen (arrival on the receiver's wallclock minus the
 * SR's NTP time) bounds offset plus one-way delay, and is kept so a report
 * can say so.
 */
#ifndef CB_RX_SRMAP_H
#define CB_RX_SRMAP_H

#include <stdint.h>

#include "base/clock.h"

struct cb_srmap {
	int have;
	uint32_t rate;	 /**< the RTP clock rate */
	cb_ns ntp_ns;	 /**< the newest SR's NTP time, ns since 1900 */
	uint32_t rtp_ts; /**< and its RTP time */
	uint64_t reports;
	cb_ns min_transit; /**< smallest arrival (receiver NTP, ns) minus SR NTP time */
};

void cb_srmap_init(struct cb_srmap *m, uint32_t rate);
/** An SR: its 64-bit NTP time and RTP time, and when it arrived (ns since
 * 1900 on the receiver's wallclock). */
void cb_srmap_update(struct cb_srmap *m, uint64_t ntp, uint32_t rtp_ts, cb_ns arrival_ntp_ns);
/**
 * The sender's wallclock time (ns since 1900) of RTP time `rtp_ts`, taken
 * within half the RTP space of the newest SR: 0, or CB_E_AGAIN before any
 * SR.
 */
int cb_srmap_time(const struct cb_srmap *m, uint32_t rtp_ts, cb_ns *ntp_ns);

#endif
