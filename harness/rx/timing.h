/*
 * timing.h — receive-side video timing: when a frame should be shown and
 * when it must leave the jitter buffer to be decoded in time, after WebRTC's
 * modules/video_coding/timing (VCMTiming, JitterEstimator, the decode-time
 * percentile filter and the TimestampExtrapolator).
 *
 *   target  = clamp(max(min_playout_delay, jitter + decode + render_delay),
 *                   ≤ max_playout_delay)
 *   current → target, by at most `max_change_per_s` per second of local time
 *   render  = local(rtp_ts) + current
 *   release = render − decode − render_delay
 *
 * What is simplified against WebRTC, on purpose:
 * - local(rtp_ts) is a linear map at the nominal clock rate anchored at the
 *   median transit (arrival of a frame's last packet minus its RTP time)
 *   of the last 128 frames.  WebRTC fits a Kalman
 *   line through the arrivals that also tracks clock drift; here sender and
 *   receiver share one clock (loopback, simulation), so there is no drift
 *   to track.  The jitter delay covers the spread above that median.
 * - The jitter estimate is WebRTC's noise term without its Kalman filter and
 *   without the frame-size term: per in-order frame, d = (arrival delta) −
 *   (RTP delta); its running mean and variance with weight (n−1)/n, n capped
 *   at `jitter_window` samples; samples are clipped at 15 standard deviations
 *   as WebRTC clips outliers; jitter = max(k·σ − offset, 0) with k = 2.33
 *   and offset = 30 ms as in WebRTC (both settings).  WebRTC floors it at
 *   1 ms and adds 10 ms for the receiving OS's scheduling, which the
 *   harness measures rather than allows for (see jitter_ns in timing.c):
 *   on a clean path a decodable frame leaves as it arrives.  No RTT term
 *   for NACK.
 * - The decode time is the `decode_percentile` (0.95) of the samples of the
 *   last `decode_window` (10 s), at most 128 samples.
 * - current moves towards target when the jitter buffer calls
 *   cb_timing_update() (once per released frame) by at most
 *   max_change_per_s · (local time since the last update); WebRTC uses the
 *   RTP time between frames, which is the same in a steady stream.
 *
 * No clock is read here: every time comes in as an argument.
 */
#ifndef CB_RX_TIMING_H
#define CB_RX_TIMING_H

#include <stdint.h>

#include "base/clock.h"

struct cb_timing_cfg {
	cb_ns min_playout_delay;  /**< lower bound of the target (default 0, as WebRTC) */
	cb_ns max_playout_delay;  /**< upper bound of the target (default 10 s, as WebRTC) */
	cb_ns render_delay;	  /**< time from decode to display (default 10 ms, WebRTC's) */
	cb_ns max_change_per_s;	  /**< slew of the current delay (default 100 ms per s) */
	double jitter_stddevs;	  /**< k in k·σ (default 2.33) */
	cb_ns jitter_offset;	  /**< subtracted from k·σ (default 30 ms, as WebRTC) */
	unsigned jitter_window;	  /**< samples in the running variance (default 400) */
	double decode_percentile; /**< of recent decode times (default 0.95) */
	cb_ns decode_window;	  /**< age of decode samples kept (default 10 s) */
	cb_ns initial_decode;	  /**< decode time assumed before any sample (default 0) */
	uint32_t clock_rate;	  /**< RTP clock (default 90000) */
};

/** The components of the current target, for reports. */
struct cb_timing_state {
	cb_ns target;  /**< what the delay should be now */
	cb_ns current; /**< what it is (moving towards target) */
	cb_ns jitter;  /**< jitter estimate (k·σ − offset, ≥ 0) */
	cb_ns decode;  /**< percentile decode time */
	cb_ns render_delay;
	cb_ns min_playout_delay, max_playout_delay;
	double stddev_ms; /**< σ of the frame delay variation */
	uint64_t jitter_samples, decode_samples;
};

struct cb_timing;

/** Fill `cfg` with the defaults listed above. */
void cb_timing_cfg_default(struct cb_timing_cfg *cfg);
/**
 * Open a timing model with `cfg` (taken literally; NULL for the defaults).
 * -EINVAL if a value is out of range (negative delays, min > max, k ≤ 0,
 * percentile outside (0, 1], zero clock rate or window).
 */
int cb_timing_open(struct cb_timing **out, const struct cb_timing_cfg *cfg);
void cb_timing_close(struct cb_timing *t);

/**
 * A frame with RTP time `rtp_ts` became complete at `arrival` (its last
 * packet).  Updates the RTP-to-local map and, for frames newer than every
 * earlier one, the jitter estimate.
 */
void cb_timing_on_frame(struct cb_timing *t, uint32_t rtp_ts, cb_ns arrival);
/** A frame took `decode_time` to decode, finishing at `now`. -EINVAL if negative. */
int cb_timing_on_decode(struct cb_timing *t, cb_ns decode_time, cb_ns now);
/** Move the current delay towards the target for the time since the last update. */
void cb_timing_update(struct cb_timing *t, cb_ns now);
/**
 * A frame left the buffer `late` after its release time: raise the current
 * delay by as much, but not above the target (as WebRTC does for frames
 * decoded late), so that the frames after it are not late as well.
 */
void cb_timing_on_late(struct cb_timing *t, cb_ns late);
/**
 * Set the playout delay bounds (the RTP playout-delay extension, or a
 * setting). -EINVAL unless 0 ≤ min ≤ max.
 */
int cb_timing_set_playout_delay(struct cb_timing *t, cb_ns min, cb_ns max);

/** Local time that corresponds to `rtp_ts`; CB_NS_NONE before the first frame. */
cb_ns cb_timing_local_time(const struct cb_timing *t, uint32_t rtp_ts);
/** When the frame `rtp_ts` should be shown; CB_NS_NONE before the first frame. */
cb_ns cb_timing_render_time(const struct cb_timing *t, uint32_t rtp_ts);
/** When it must leave the jitter buffer (render − decode − render delay). */
cb_ns cb_timing_release_time(const struct cb_timing *t, uint32_t rtp_ts);
/** The target delay now. */
cb_ns cb_timing_target(const struct cb_timing *t);
void cb_timing_get(const struct cb_timing *t, struct cb_timing_state *st);

#endif
