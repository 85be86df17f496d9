/*
 * timeline.h — the audio playout timeline: when each played sample is heard.
 *
 * A sound device consumes samples at the sample rate without pause, so the
 * played stream is one continuous timeline: sample k of a run of samples
 * that started at time T plays at T + k / rate.  The jitter buffer hands
 * the device one slot of samples at a time (a decoded frame, FEC, PLC or
 * an inserted frame); a slot's samples join the end of the queue and play
 * when the timeline reaches them, never at the same time as another's.
 *
 * Two things bend the timeline, and both are recorded:
 * - an underrun: a slot's samples became ready after the timeline reached
 *   them (the device would have played silence).  The timeline restarts at
 *   the ready time; the gap is counted (`underruns` when it exceeds 1 ms,
 *   `slip` in all) — it adds delay to every later sample;
 * - a cut: to shrink the delay by less than a frame, the jitter buffer
 *   plays the next slot earlier; samples are removed from a slot (`cut` of
 *   them from slot sample `cut_at` on, counted), which is what a
 *   time-stretcher does without its DSP.  The caller picks where (a
 *   time-stretcher picks where the signal allows), possibly a later slot:
 *   until then the samples queue and the delay stays.  Whole frames removed to shrink
 *   are never played at all (`removed_before` on the next slot).
 *
 * No clock is read here: every time comes in as an argument.
 */
#ifndef CB_RX_TIMELINE_H
#define CB_RX_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"

enum cb_play_kind {
	CB_PLAY_FRESH = 0, /**< a received frame, decoded */
	CB_PLAY_FEC,	   /**< a missing frame rebuilt from the next packet's in-band FEC */
	CB_PLAY_CONCEAL,   /**< a missing frame, concealed (PLC) */
	CB_PLAY_EXPAND	   /**< a slot added to grow the delay (PLC): no frame of the sender's */
};

/** One slot of played audio. */
struct cb_play_seg {
	cb_ns t;		/**< when its first sample plays */
	cb_ns ready;		/**< when its samples were ready (decode end) */
	uint64_t pos;		/**< its first sample's position in the played stream */
	uint32_t samples;	/**< samples played (after the cut) */
	uint32_t cut;		/**< samples removed from it to shrink the delay */
	uint32_t cut_at;	/**< ... from this sample of the slot on (before the cut) */
	uint32_t rtp_ts;	/**< RTP time of the frame that belongs in the slot */
	uint8_t kind;		/**< enum cb_play_kind */
	uint8_t removed_before; /**< whole frames discarded just before it (shrink) */
	uint8_t underrun;	/**< the timeline restarted at this slot (see above) */
	cb_ns slip;		/**< ... this much late (0: it played on) */
};

struct cb_timeline {
	uint32_t rate;
	struct cb_play_seg *v; /**< owned; one per slot, in play order */
	size_t n, cap;
	uint64_t pos;	   /**< samples played so far */
	cb_ns base_t;	   /**< the current run started here (CB_NS_NONE before any) */
	uint64_t base_pos; /**< ... at this stream position */
	uint64_t underruns;
	cb_ns slip; /**< total time the timeline restarted late */
	uint64_t cut_samples, removed_frames;
};

/** An empty timeline at `rate` samples per second. */
void cb_timeline_init(struct cb_timeline *tl, uint32_t rate);
void cb_timeline_free(struct cb_timeline *tl);
/**
 * Append one slot whose `samples` (before the cut) were ready at `ready`;
 * `cut` of them, from sample `cut_at` on (cut_at + cut <= samples), were
 * removed.  The slot is tl->v[tl->n - 1] after.  -EINVAL, -ENOMEM.
 */
int cb_timeline_add(struct cb_timeline *tl, enum cb_play_kind kind, uint32_t rtp_ts,
		    uint32_t samples, uint32_t cut, uint32_t cut_at, uint32_t removed_before,
		    cb_ns ready);
/** Which sample of its slot (counted before the cut) stream sample `pos` is;
 * -1 if it was never played. */
int64_t cb_timeline_slot_sample(const struct cb_timeline *tl, uint64_t pos);
/** Index of the slot that holds stream sample `pos`; tl->n if none. */
size_t cb_timeline_seg_at(const struct cb_timeline *tl, uint64_t pos);
/** When stream sample `pos` plays; CB_NS_NONE if it was never played. */
cb_ns cb_timeline_time(const struct cb_timeline *tl, uint64_t pos);
/** Samples of a duration at the timeline's rate, rounded to nearest. */
uint32_t cb_timeline_samples(const struct cb_timeline *tl, cb_ns d);
/** The underruns and the slip (as in struct cb_timeline) of the first `n` slots only. */
void cb_timeline_bends(const struct cb_timeline *tl, size_t n, uint64_t *underruns, cb_ns *slip);

#endif
