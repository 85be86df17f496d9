/*
 * amark.h — audio marks: known waveforms placed in the source at known
 * sample positions and found again in the decoded waveform by
 * cross-correlation.
 *
 * Mark k starts at source sample k * period.  It is a sync chirp shared by
 * all marks (its correlation peak gives the position to the sample) followed
 * by an identity burst: band-limited noise from a generator seeded by
 * (seed, k mod CB_AMARK_IDS), so the receiver knows which mark it heard
 * without trusting any metadata.  With 100 ms marks and 1024 identities the
 * identity repeats only every 102.4 s; the detector also refuses a mark whose
 * identity does not beat the runner-up clearly.
 *
 * Sizes: 20 ms of chirp (300 Hz -> 3.4 kHz) and 40 ms of identity (random
 * phases on the 25 Hz bins from 300 Hz to 3.4 kHz), 60 ms in all.  A config
 * is valid with sample_rate 8000..48000, period_ms 80..60000 and level_dbfs
 * -60..0; the functions below return 0 (or -EINVAL) for any other.
 *
 * Latency of a mark = when the decoded sample at its found position became
 * available, minus when the source sample k * period was captured.
 */
#ifndef CB_MEDIA_AMARK_H
#define CB_MEDIA_AMARK_H

#include <stddef.h>
#include <stdint.h>

#define CB_AMARK_IDS 1024

struct cb_amark_cfg {
	int sample_rate;   /**< of the stream the marks live in */
	int period_ms;	   /**< spacing of mark starts, e.g. 100 */
	double level_dbfs; /**< RMS level of the mark, e.g. -16 */
	uint32_t seed;
};

/** Length in samples of one mark (sync + identity), and of its sync part. */
size_t cb_amark_len(const struct cb_amark_cfg *cfg);
size_t cb_amark_sync_len(const struct cb_amark_cfg *cfg);
/** Spacing of mark starts in samples. */
uint64_t cb_amark_period(const struct cb_amark_cfg *cfg);
/**
 * Render samples [from, from+n) of mark `k`'s waveform (sample 0 = mark
 * start) as floats in [-1, 1].  Samples outside the mark are 0.
 */
void cb_amark_render(const struct cb_amark_cfg *cfg, uint32_t k, size_t from, float *out, size_t n);

struct cb_amark_hit {
	uint32_t mark;	     /**< k: the identity resolved to an absolute index */
	uint64_t src_sample; /**< k * period: where the mark starts in the source */
	uint64_t out_sample; /**< where its start was found in the fed stream */
	float sync_score;    /**< normalized correlation of the sync, 0..1 */
	float id_score;	     /**< normalized correlation of the identity, 0..1 */
};

struct cb_amark_detector;

int cb_amark_detector_open(struct cb_amark_detector **out, const struct cb_amark_cfg *cfg);
/**
 * Feed the next `n` decoded samples (the stream is everything fed since
 * open, sample 0 first).  Found marks are written to `hits`; `*nhits` holds
 * the room on entry and the count written on return.  A mark is reported
 * once, as soon as all of it has been fed; marks the detector cannot
 * identify are not reported.  The absolute index k is resolved from the
 * identity (k mod CB_AMARK_IDS) as the largest k with that identity and
 * k * period <= out_sample + period / 2 (the mark cannot come out before it
 * went in, give or take half a period); a mark with no such k is dropped.
 * So delays from -period/2 up to CB_AMARK_IDS * period - period/2 resolve.
 *
 * Hits that do not fit in `hits` are kept (up to 64) and returned by the
 * next call; if even those overflow, the oldest are lost and the call
 * returns CB_E_NOSPACE after consuming all of `pcm`.
 */
int cb_amark_detector_feed(struct cb_amark_detector *d, const int16_t *pcm, size_t n,
			   struct cb_amark_hit *hits, size_t *nhits);
/**
 * Advance the stream by `n` samples as if `n` zero samples had been fed,
 * without the cost of scanning them (a receiver that joins late, a gap, or a
 * test that starts at a high mark index).  Hits as for
 * cb_amark_detector_feed(): a mark that was still open is completed by the
 * zeros and may be reported here.
 */
int cb_amark_detector_skip(struct cb_amark_detector *d, uint64_t n, struct cb_amark_hit *hits,
			   size_t *nhits);
void cb_amark_detector_close(struct cb_amark_detector *d);

#endif
