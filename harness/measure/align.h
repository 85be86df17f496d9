/*
 * align.h — which played audio samples carry which source samples.
 *
 * A call's playout is not one continuous copy of its source: the jitter
 * buffer conceals lost frames, inserts frames to grow its delay and drops
 * frames to shrink it, so the offset between a played sample and the source
 * sample it carries changes during the call (and can be negative: after a
 * few dropped frames the playout is ahead of where a copy from sample 0
 * would be).  One offset for the whole call compares the wrong samples
 * after the first change.
 *
 * The playout knows its own mapping exactly: every played frame was decoded
 * from one sent frame, whose RTP timestamp gives its place in the source.
 * The caller describes the played stream as pieces, one per played frame,
 * each with where it starts in the played stream, how long it is, which
 * source sample its first sample carries and what kind of frame it was.
 * cb_align_stretches joins pieces that continue one another (same offset,
 * adjacent) into stretches — runs with one constant offset — and leaves out
 * what has no source to compare with: concealment (counted as such, not
 * compared as if it were fresh audio), frames the playout inserted, and
 * samples outside either signal.  The stretches are spans for
 * cb_audio_quality_spans (measure/quality.h).
 *
 * The mapping comes from the playout, not from a search.  What it cannot
 * know exactly is the decoder's delay to the sample: the codec's nominal
 * look-ahead is whole samples, its filters add a fraction more, and a
 * waveform comparison a sample or two off loses several dB.
 * cb_align_refine finds that residual: one shift for every stretch (the
 * pipeline's delay does not change during a call), searched within a small
 * bound by normalised cross-correlation.
 *
 * Pure computation; the caller owns every buffer.
 */
#ifndef CB_MEASURE_ALIGN_H
#define CB_MEASURE_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "measure/quality.h"

/** What a played frame was made from. */
enum cb_align_kind {
	CB_ALIGN_DECODED = 0, /**< decoded from its own packet: compared */
	CB_ALIGN_FEC,	      /**< rebuilt from the next packet's in-band FEC: compared */
	CB_ALIGN_CONCEALED,   /**< the frame was lost, PLC filled its place: not compared */
	CB_ALIGN_INSERTED,    /**< added by the playout (expand), no frame of the source's */
};

/** One played frame. */
struct cb_align_piece {
	uint64_t played; /**< its first sample in the played stream */
	uint32_t len;	 /**< samples it played */
	/** Source sample its first played sample carries: the frame's source
	 * position less the pipeline's delay (codec look-ahead, processing);
	 * may be negative.  Ignored for CB_ALIGN_INSERTED. */
	int64_t src;
	enum cb_align_kind kind;
};

/** What cb_align_stretches compared and left out, in samples. */
struct cb_align_stats {
	uint64_t compared;  /**< in the stretches */
	uint64_t concealed; /**< left out: concealment */
	uint64_t inserted;  /**< left out: added by the playout */
	uint64_t outside;   /**< left out: no source sample (before its start or after
			       its end) or past the played samples kept */
	size_t stretches;   /**< spans written */
};

/**
 * Stretches of `pieces` (`n`, in played order, not overlapping) over a
 * played stream of `played_n` samples and a source of `src_n` samples.
 * `spans` has room for `*n_spans` (n is always enough); on success
 * `*n_spans` is the number written, each span's `deg` a played position,
 * `ref` a source position, and `*st` (if not NULL) the counts.
 * -EINVAL for a NULL pointer (spans may be NULL when n == 0), pieces out of
 * order or overlapping, or an unknown kind, before anything is written;
 * CB_E_NOSPACE if `spans` is too small (then `spans` may hold some of
 * them, but `*n_spans` and `*st` are written only on success).
 */
int cb_align_stretches(const struct cb_align_piece *pieces, size_t n, uint64_t played_n,
		       uint64_t src_n, struct cb_audio_span *spans, size_t *n_spans,
		       struct cb_align_stats *st);

/** Bound of cb_align_refine that the call uses: 16 samples (1/3 ms at
 * 48 kHz), well beyond the codec's fractional delay. */
#define CB_ALIGN_MAX_SHIFT 16

/**
 * The shift s in [-max_shift, max_shift] that best lines up `ref` against
 * `deg` over all `*n_spans` spans (from cb_align_stretches) taken together:
 * the largest sum(ref[x + s] * deg[y]) / sqrt(sum(ref[x + s]^2)), i.e. the
 * largest normalised cross-correlation, over the samples of the spans that
 * every shift keeps inside `ref`; on a tie the smallest |s|, and 0 when
 * nothing can be scored.  Then moves every span's `ref` by s, clipping what
 * leaves `ref` and dropping spans left empty (`*n_spans` updated, and
 * `st->compared`, `st->outside` and `st->stretches` if `st` is not NULL).  `*shift` (if not NULL)
 * is s.  -EINVAL for NULL signals or spans with spans, a span outside either signal or max_shift <
 * 0 (nothing written).
 */
int cb_align_refine(const int16_t *ref, size_t ref_n, const int16_t *deg, size_t deg_n,
		    struct cb_audio_span *spans, size_t *n_spans, int max_shift, int *shift,
		    struct cb_align_stats *st);

/**
 * cb_align_refine with the reference read piece by piece through `read`
 * (measure/quality.h), each span's samples once: the same shift and spans.
 * -ENOMEM, or the reader's error, beside the errors above.
 */
int cb_align_refine_read(cb_ref_reader read, void *user, size_t ref_n, const int16_t *deg,
			 size_t deg_n, struct cb_audio_span *spans, size_t *n_spans, int max_shift,
			 int *shift, struct cb_align_stats *st);

#endif
