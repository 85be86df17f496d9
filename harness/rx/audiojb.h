/*
 * audiojb.h — the receive side's audio jitter buffer: a simplified NetEq.
 *
 * Packets (fixed-duration Opus frames, 20 ms by default) go into a buffer
 * indexed by RTP time.  Playout pulls one frame per slot, every frame
 * duration, starting `initial_delay` after the first packet arrived (NetEq
 * starts at 80 ms; the harness may set less).  Each slot plays the next
 * frame in RTP order, or says how to fill the slot when it is missing.
 *
 * Target delay (simplified from NetEq's DelayManager, which keeps a
 * histogram of relative arrival delays with a forget factor): the transit
 * of each packet (arrival minus RTP time) over the last `window` packets;
 * relative delay = transit − the smallest transit in the window; target =
 * its `percentile` (0.95), rounded up to whole frames unless `margin` is
 * set (then exact: on a clean path about 0), within [min_delay, max_delay].
 * The current delay is how far the playout timeline runs behind the
 * fastest packet of the window.
 *
 * The margin kept above the target when shrinking: `margin`, or with
 * `margin_quantile` the spread of the same window above the target, the
 * `margin_quantile` relative delay minus the `percentile` one, if larger
 * (at most half a frame).  So the delay settles at about that quantile of
 * the relative delays, never less than `margin` above the target: on a
 * clean path about `margin`, and as the arrivals spread, as much as they
 * spread.  NetEq (modules/audio_coding/neteq/delay_manager.cc) likewise
 * takes a quantile (0.97) of the relative arrival delays of the last
 * 2 s (against the fastest packet in them) as its target, at least one
 * packet, and keeps its level within 20 ms above three quarters of it.
 *
 * Adapting without DSP: NetEq stretches time (accelerate, preemptive
 * expand).  Here the samples are never stretched:
 * - grow quickly: when current < target (without a margin: current + half
 *   a frame < target), a slot is filled with
 *   CB_AJB_EXPAND (the caller plays concealment or silence) and the
 *   timeline does not advance: one frame more delay per slot;
 * - shrink slowly, after current > target + `margin` (without a margin:
 *   current ≥ target + one frame) for `shrink_hold`:
 *   by one whole frame, discarded (cb_ajb_out.removed), when current −
 *   one frame ≥ target + margin; else the next slot comes earlier by the excess
 *   over target + margin (cb_ajb_out.advanced; only with a margin), which stands for NetEq's
 *   accelerate: the timeline moves, the decoded samples stay whole.  At
 *   most one shrink per `shrink_hold`.
 *
 * With `fec_hold`, a gap in the frames seen adds one frame to the target
 * for that long: the next packet is then in the buffer when the slot of a
 * missing frame comes, and FEC can rebuild it.
 *
 * A frame whose slot has passed is late: discarded and counted.  A slot
 * whose frame is missing is CB_AJB_FEC when the next frame is already in
 * the buffer (the caller decodes Opus in-band FEC from it), else
 * CB_AJB_CONCEAL (the caller runs Opus PLC).  DTX gaps look like losses.
 *
 * With `late_wait`, a slot whose frame is missing while no later packet
 * has come either (the frame is more likely late than lost: a sender that
 * stalled, a network that held it) waits for it, up to `late_wait` but
 * never so long that the delay it adds would leave a whole frame spare
 * above the target and margin (a wait that finds nothing then costs a
 * shrink by less than a frame, not a discarded frame): when it comes, the
 * slot plays then and the timeline runs that much later (the delay grows
 * by the wait, and shrinks again as above); when a later packet comes
 * first, or the wait runs out, the slot is filled as above.  Once per gap:
 * after a wait that ran out, none until a packet comes.
 * NetEq does the same with its Expand and Merge: it conceals while the
 * expected packet is missing and plays it when it comes, rather than
 * throwing it away; here the timeline only waits (an underrun of the
 * wait's length, which the playout timeline records).
 *
 * No clock is read here: every time comes in as an argument.
 */
#ifndef CB_RX_AUDIOJB_H
#define CB_RX_AUDIOJB_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"

struct cb_ajb_cfg {
	uint32_t clock_rate; /**< RTP clock (default 48000) */
	cb_ns frame_dur;     /**< duration of one packet (default 20 ms) */
	cb_ns initial_delay; /**< delay before the first slot (default 80 ms, NetEq) */
	cb_ns min_delay;     /**< floor of the target (default one frame) */
	cb_ns max_delay;     /**< ceiling of the target (default 1 s) */
	double percentile;   /**< of the relative delays (default 0.95) */
	unsigned window;     /**< packets in the delay window (default 100, 2 s) */
	cb_ns shrink_hold;   /**< above target this long before a frame is removed (500 ms) */
	size_t capacity;     /**< packets held (default 128; must cover max_delay) */
	/** Kept above the target when shrinking, < frame_dur (with
	 * margin_quantile: at least this); 0 (the default): whole frames
	 * only, no sub-frame shrink. */
	cb_ns margin;
	/** After a frame went missing, add one frame to the target for this
	 * long, so that in-band FEC finds the next packet (default 0: off). */
	cb_ns fec_hold;
	/** With a margin: derive it from this quantile of the relative
	 * delays (see above), `margin` being its floor; 0 (the default):
	 * the margin is `margin`. */
	double margin_quantile;
	/** Wait this long for a missing frame while no later packet has
	 * come (see above); 0 (the default): fill its slot at once. */
	cb_ns late_wait;
};

/** One received packet. */
struct cb_ajb_packet {
	uint16_t seq;
	uint32_t rtp_ts;
	cb_ns arrival;
	const uint8_t *data; /**< copied by cb_ajb_insert */
	size_t len;
};

enum cb_ajb_action {
	CB_AJB_NOTHING = 0, /**< the next slot is not due yet */
	CB_AJB_PLAY,	    /**< decode out.data */
	CB_AJB_CONCEAL,	    /**< frame missing: run PLC */
	CB_AJB_FEC,	    /**< frame missing, the next is here: decode FEC from out.data */
	CB_AJB_EXPAND	    /**< delay grows by one frame: play PLC or silence */
};

struct cb_ajb_out {
	enum cb_ajb_action action;
	cb_ns slot;	 /**< when this slot plays */
	uint32_t rtp_ts; /**< RTP time of the frame that belongs in the slot */
	uint16_t seq;	 /**< PLAY: its packet; FEC: the next packet */
	const uint8_t
	    *data; /**< PLAY: the frame; FEC: the next packet; valid until the next call */
	size_t len;
	cb_ns arrival;	     /**< PLAY: when the packet arrived */
	cb_ns jb_delay;	     /**< PLAY: slot − arrival */
	uint32_t removed;    /**< frames discarded just before to shrink the delay */
	cb_ns advanced;	     /**< the next slot comes this much earlier (see "accelerate") */
	cb_ns target_delay;  /**< at this slot */
	cb_ns current_delay; /**< at this slot, before any change */
	cb_ns margin;	     /**< kept above the target at this slot */
	cb_ns waited;	     /**< the slot waited this long for its late frame (0: none) */
};

struct cb_ajb_stats {
	uint64_t packets_in, duplicates, late, overflow;
	uint64_t played, concealed, fec, expanded, removed;
	uint64_t advanced;  /**< sub-frame shrinks (accelerate without DSP) */
	cb_ns jb_delay_sum; /**< over played frames (× samples per frame = jitterBufferDelay) */
	cb_ns target_delay_sum;	      /**< over played frames */
	uint64_t emitted;	      /**< played frames */
	uint64_t slots;		      /**< slots filled (every action but NOTHING) */
	cb_ns margin_sum, margin_max; /**< the margin over those slots */
	uint64_t waited;	      /**< slots that waited for a late frame (late_wait) */
	cb_ns wait_sum, wait_max;     /**< how long they waited */
	uint64_t late_played;	      /**< ... whose frame came in the wait and played */
	cb_ns late_played_wait;	      /**< how long those waited, in all */
};

struct cb_audiojb;

void cb_ajb_cfg_default(struct cb_ajb_cfg *cfg);
/** Open with `cfg` taken literally (NULL for the defaults). -EINVAL, -ENOMEM. */
int cb_ajb_open(struct cb_audiojb **out, const struct cb_ajb_cfg *cfg);
void cb_ajb_close(struct cb_audiojb *ajb);
/**
 * Insert one packet.  0 if taken or a duplicate (counted), CB_E_LATE if its
 * slot has passed (discarded, counted), CB_E_NOSPACE if it is too far ahead
 * of playout for the buffer (counted as overflow), -EINVAL.
 */
int cb_ajb_insert(struct cb_audiojb *ajb, const struct cb_ajb_packet *p);
/**
 * Fill the next playout slot if it is due at `now`: the action (≥ 1) and
 * *out, or CB_AJB_NOTHING.  Call until it returns CB_AJB_NOTHING.
 */
int cb_ajb_pull(struct cb_audiojb *ajb, cb_ns now, struct cb_ajb_out *out);
/**
 * Slots still to play up to the newest packet received (0 before the
 * first, and once the newest has played): what the end of a call waits for.
 */
size_t cb_ajb_pending(const struct cb_audiojb *ajb);
/**
 * When the next slot is due (while it waits for a late frame: when the
 * wait runs out; a packet's arrival may end it sooner); CB_NS_NONE before
 * the first packet.
 */
cb_ns cb_ajb_next_pull(const struct cb_audiojb *ajb);
/** The target delay now. */
cb_ns cb_ajb_target(const struct cb_audiojb *ajb);
void cb_ajb_get_stats(const struct cb_audiojb *ajb, struct cb_ajb_stats *st);

#endif
