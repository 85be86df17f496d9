/*
 * experience.h — what a viewer sees and a listener hears, as opposed to what
 * got through.
 *
 * Latency over delivered frames says nothing about a frozen screen: a frame
 * that never arrives adds no sample.  A viewer looks at the screen at every
 * display instant, and what they see there has an age: the display instant
 * minus the capture time of the picture being shown.
 *
 * The display instants are the frames' render times, one per captured frame
 * from the first picture shown on: a frame that was shown renders when it
 * was shown (its age is its latency, so on a clean path the two agree); a
 * frame that never came renders at its capture time plus the delay of the
 * last frame shown before it, and the screen still holds an older picture
 * then — the age grows by a frame interval per missing frame while the
 * screen is frozen, and falls back when a fresh picture arrives.
 *
 * A listener hears one sample after another: every played sample of a
 * fresh (decoded or FEC-rebuilt) frame has an age, its play time minus its
 * capture time; concealment (PLC) and inserted slots carry no captured
 * sample and count as concealment instead.
 *
 * Pure functions: the caller gathers the inputs from its records.
 */
#ifndef CB_MEASURE_EXPERIENCE_H
#define CB_MEASURE_EXPERIENCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "measure/stats.h"

/** A picture put on screen at `at`, showing content captured at `captured`. */
struct cb_shown {
	cb_ns at, captured;
};

/** One sample of the age of what is seen or heard. */
struct cb_age_sample {
	cb_ns t;       /**< the display instant / play time */
	double age_ms; /**< t − capture time of the content */
};

struct cb_experience {
	struct cb_dist age;	 /**< over the samples, ms */
	struct cb_age_sample *v; /**< the samples in time order (owned) */
	size_t n;
	uint64_t frames;      /**< frames captured */
	uint64_t unseen;      /**< of those, never shown (video) / never heard (audio) */
	double unseen_pct;    /**< 100 · unseen / frames; NaN without frames */
	double concealed_pct; /**< audio: share of play time that was concealment; NaN video */
};

void cb_experience_init(struct cb_experience *e);
void cb_experience_free(struct cb_experience *e);
/**
 * Video: the age of the picture on screen at every display instant (see
 * above).  `captured` (nframes): each captured frame's capture time, in
 * capture order (CB_NS_NONE: not captured).  `shown` (n, any order; sorted
 * in place by `at`): each picture that went on screen, and the capture time
 * of the frame it showed.  Fills e->v, e->n and e->age.  -EINVAL, -ENOMEM.
 */
int cb_experience_screen(struct cb_experience *e, const cb_ns *captured, size_t nframes,
			 struct cb_shown *shown, size_t n);
/** Audio (or any ready-made samples): take `v` (copied) as the samples and
 * compute e->age.  -EINVAL, -ENOMEM. */
int cb_experience_samples(struct cb_experience *e, const struct cb_age_sample *v, size_t n);
/** Set frames/unseen and unseen_pct. */
void cb_experience_count(struct cb_experience *e, uint64_t frames, uint64_t unseen);

#endif
