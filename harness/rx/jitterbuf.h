/*
 * jitterbuf.h — the receive side's video jitter buffer: holds complete
 * frames until they are decodable and due, then releases them to the
 * decoder, one at a time, in decode order (after WebRTC's FrameBuffer and
 * its decode scheduler).
 *
 * Which frames depend on which (VP8 as callbench sends it: error-resilient
 * mode, no temporal layers, a 15-bit PictureID on every frame).  A key frame
 * depends on nothing.  A delta frame references the last frame (and maybe
 * the golden and altref frames); with no altref and golden refreshed only on
 * key frames, golden is never older than the last key frame, so a delta
 * frame is decodable exactly when the frame with picture_id − 1 (mod 2^15)
 * was decoded and the chain back to the last key frame is unbroken.  The
 * buffer therefore releases a delta frame only right after its predecessor,
 * and a key frame at any time (dropping everything older).  H.264 as
 * callbench sends it has the same chain (each P frame predicted from the
 * one before) but no picture id: rx/seqref numbers its frames from their
 * sequence numbers, leaving an id out after a gap.  VP9 (flexible mode,
 * spatial layers) will need its own dependency lists from the payload
 * descriptor or the dependency-descriptor extension.
 *
 * When frames are released.  A frame's render time is
 * cb_timing_render_time(its RTP time) (see rx/timing.h: first-frame
 * anchored linear map of RTP time, shifted by the current delay), and it is
 * released at render − decode time − render delay.  The timing is advanced
 * (current → target) on every release.
 *
 * What is dropped, and why (enum cb_jb_drop):
 * - LATE: it arrived after a later frame was released (cb_jb_insert returns
 *   CB_E_LATE), or it is decodable but past its release time while a later
 *   key frame is waiting (WebRTC drops a late frame if a later decodable one
 *   exists; in a VP8 chain only a key frame can be that).  A late decodable
 *   frame with no key frame after it is released late instead: playing it
 *   keeps the chain, dropping it would freeze until the next key frame.
 * - UNDECODABLE: its reference is still missing `max_wait` after its
 *   release time.  This is when the chain counts as broken: the buffer
 *   reports that it needs a key frame (cb_jb_needs_keyframe(), for a PLI),
 *   with the time of detection, until a key frame is released.
 * - SKIPPED: older than a key frame that was released.
 * - OVERFLOW: the oldest frame, when a frame arrives at a full buffer.
 *
 * jitterBufferDelay (webrtc-stats): per released frame, release time minus
 * the arrival of its first packet; the stats sum it with the target delay
 * and the count of released frames (jitterBufferEmittedCount).
 *
 * No clock is read here: every time comes in as `now`.
 */
#ifndef CB_RX_JITTERBUF_H
#define CB_RX_JITTERBUF_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "rx/timing.h"

enum cb_jb_drop {
	CB_JB_DROP_LATE,
	CB_JB_DROP_UNDECODABLE,
	CB_JB_DROP_SKIPPED,
	CB_JB_DROP_OVERFLOW,
	CB_JB_DROP_COUNT
};

/** A complete frame, as the assembler hands it out. */
struct cb_jb_frame {
	int32_t picture_id; /**< 15-bit PictureID, 0..32767 */
	uint32_t rtp_ts;
	int keyframe;
	cb_ns first_arrival; /**< first packet of the frame received */
	cb_ns last_arrival;  /**< last packet received: the frame is complete */
	const uint8_t *data; /**< copied by cb_jb_insert; may be NULL when len is 0 */
	size_t len;
	uint64_t tag; /**< the caller's, handed back on release and drop */
	/** A packet of it came by retransmission: its arrival says how long
	 * the repair took, not how the network jitters, so (as in WebRTC) it
	 * does not feed the timing model's jitter estimate. */
	int retransmitted;
};

/** A frame released for decoding. */
struct cb_jb_out {
	int32_t picture_id;
	uint32_t rtp_ts;
	int keyframe;
	const uint8_t *data; /**< owned by the buffer; valid until the next call on it */
	size_t len;
	uint64_t tag;
	cb_ns first_arrival, last_arrival;
	cb_ns released;		 /**< `now` of the release */
	cb_ns release_time;	 /**< when it was due to leave */
	cb_ns render_time;	 /**< when it should be shown */
	cb_ns jb_delay;		 /**< released − first_arrival (jitterBufferDelay) */
	cb_ns target_delay;	 /**< timing target at release */
	cb_ns current_delay;	 /**< timing current delay at release */
	int late;		 /**< released more than `late_tolerance` after release_time */
	cb_ns lateness;		 /**< released − release_time (negative: early, never) */
	uint32_t dropped_before; /**< frames dropped since the previous release */
	/** A key frame that mended a broken chain: time since the break was
	 * detected; CB_NS_NONE otherwise. */
	cb_ns recovery;
};

/** A dropped frame, for the on_drop callback. */
struct cb_jb_dropped {
	int32_t picture_id;
	uint32_t rtp_ts;
	int keyframe;
	uint64_t tag;
	enum cb_jb_drop reason;
	cb_ns at;
};

struct cb_jb_stats {
	uint64_t frames_in, duplicates;
	uint64_t frames_out, keyframes_out;
	uint64_t late_out; /**< released late (see cb_jb_out.late) */
	uint64_t dropped[CB_JB_DROP_COUNT];
	uint64_t keyframe_requests; /**< chain breaks detected */
	uint64_t recoveries;	    /**< key frames released after a break */
	cb_ns recovery_sum, recovery_max;
	cb_ns jb_delay_sum;	/**< webrtc-stats jitterBufferDelay, ns */
	cb_ns target_delay_sum; /**< jitterBufferTargetDelay, ns */
	uint64_t emitted;	/**< jitterBufferEmittedCount */
};

struct cb_jb_cfg {
	struct cb_timing_cfg timing;
	size_t capacity;      /**< frames held at most (default 64) */
	cb_ns max_wait;	      /**< hold an undecodable frame past its release (default 100 ms) */
	cb_ns late_tolerance; /**< released later than this is "late" (default 5 ms, WebRTC) */
	/** Called for every dropped frame, from insert or pop; may be NULL. */
	void (*on_drop)(void *user, const struct cb_jb_dropped *d);
	void *user;
};

struct cb_jitterbuf;

/** Fill `cfg` with the defaults (timing: cb_timing_cfg_default). */
void cb_jb_cfg_default(struct cb_jb_cfg *cfg);
/** Open with `cfg` taken literally (NULL for the defaults). -EINVAL, -ENOMEM. */
int cb_jb_open(struct cb_jitterbuf **out, const struct cb_jb_cfg *cfg);
void cb_jb_close(struct cb_jitterbuf *jb);

/**
 * Insert a complete frame at `now`.  0 if it was taken (or was a
 * duplicate, counted), CB_E_LATE if a later frame was already released (it
 * is dropped and counted), CB_E_UNSUPPORTED for a frame without a picture
 * id, -EINVAL for bad arguments, -ENOMEM.
 */
int cb_jb_insert(struct cb_jitterbuf *jb, const struct cb_jb_frame *f, cb_ns now);
/**
 * Release the next frame if it is decodable and due at `now`: 1 and *out,
 * or 0.  Also drops what can no longer be played.  Call until it returns 0.
 */
int cb_jb_pop(struct cb_jitterbuf *jb, cb_ns now, struct cb_jb_out *out);
/**
 * When cb_jb_pop next has something to do (a release, or a drop that
 * detects a broken chain); CB_NS_NONE if nothing until the next insert.
 * May lie in the past: then call cb_jb_pop at once.
 */
cb_ns cb_jb_next_wakeup(const struct cb_jitterbuf *jb);
/** Frames held, not yet released or dropped. */
size_t cb_jb_held(const struct cb_jitterbuf *jb);
/** 1 and *since (when the break was detected) if a key frame is needed, else 0. */
int cb_jb_needs_keyframe(const struct cb_jitterbuf *jb, cb_ns *since);
/** The frame `picture_id` took `decode_time` to decode, done at `now`. */
int cb_jb_on_decoded(struct cb_jitterbuf *jb, int32_t picture_id, cb_ns decode_time, cb_ns now);
/**
 * The decoder failed on `picture_id` at `now`: the chain is broken, no
 * delta frame is released until a key frame, and a key frame is needed.
 */
int cb_jb_on_decode_error(struct cb_jitterbuf *jb, int32_t picture_id, cb_ns now);
void cb_jb_get_stats(const struct cb_jitterbuf *jb, struct cb_jb_stats *st);
/** The timing model inside (for its state, or to set playout delay bounds). */
struct cb_timing *cb_jb_timing(struct cb_jitterbuf *jb);

#endif
