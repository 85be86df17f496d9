/*
 * quality.h — objective quality of what a call delivered: PSNR and SSIM of
 * decoded I420 pictures (as libyuv computes them), freezes and pauses of the
 * rendered video (as webrtc-stats defines them and libwebrtc counts them),
 * the ITU-T G.107 E-model for the voice path, and a plain signal-to-noise
 * comparison of decoded audio against its source.
 *
 * Everything here is pure computation: no clock, no threads, no allocation
 * that outlives a call.  Time enters as cb_ns arguments.
 */
#ifndef CB_MEASURE_QUALITY_H
#define CB_MEASURE_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/image.h"

/* ------------------------------------------------------------------------ */
/* Video: PSNR and SSIM                                                      */
/* ------------------------------------------------------------------------ */

/** libyuv's kMaxPsnr: the PSNR reported for identical planes (and the cap). */
#define CB_PSNR_MAX 128.0

/**
 * Picture quality of `img` against the reference `ref`, with libyuv's
 * definitions (libyuv source/compare.cc), so figures compare directly with
 * WebRTC's analyzers (which call libyuv::I420Psnr and libyuv::I420Ssim).
 *
 * PSNR of a plane: 10 log10(255^2 * N / SSE), N samples, SSE the integer sum
 * of squared differences; CB_PSNR_MAX (128 dB) when SSE == 0 and never more
 * (libyuv SumSquareErrorToPsnr).
 *
 * Combined `psnr`: libyuv I420Psnr, i.e. the same formula over the total SSE
 * of the Y, U and V samples together and the total sample count
 * N = w*h + 2 * ((w+1)/2) * ((h+1)/2).  It is *not* the mean of the plane
 * PSNRs: with 4:2:0 the Y plane carries 2/3 of the samples.  Note that
 * WebRTC's webrtc::I420PSNR wrapper further caps this at 48 dB
 * (kPerfectPSNR); we keep libyuv's 128 dB and leave that cap to the reader.
 *
 * SSIM of a plane: libyuv CalcFrameSsim — the mean over 8x8 windows whose
 * top-left corners lie on a 4-sample grid, at x = 0, 4, ... while x < w - 8
 * and y = 0, 4, ... while y < h - 8 (so the last few rows and columns are
 * not covered, as in libyuv), each window scored with unweighted sums in
 * 64-bit integer arithmetic and C1 = (0.01*255)^2, C2 = (0.03*255)^2 scaled
 * exactly as libyuv's cc1 = 26634, cc2 = 239708.  A plane too small for any
 * window (fewer than 9 samples across or down) gives NaN.
 *
 * Combined `ssim`: libyuv I420Ssim, 0.8 * ssim_y + 0.1 * (ssim_u + ssim_v).
 */
struct cb_quality {
	double psnr_y, psnr_u, psnr_v, psnr; /**< dB */
	double ssim_y, ssim_u, ssim_v, ssim; /**< 1.0 = identical */
};

/**
 * Full-frame quality of `img` against `ref`.  Both must be valid images of
 * the same width and height; -EINVAL otherwise, -ENOMEM if the small
 * per-call work buffer cannot be allocated.  `*q` is written only on success.
 */
int cb_quality_i420(const struct cb_image *ref, const struct cb_image *img, struct cb_quality *q);

/**
 * As cb_quality_i420, on the part of both pictures from luma row
 * `first_row` down (to leave out a band at the top, such as the frame-number
 * mark).  An odd `first_row` is rounded up to the next even row so that the
 * region is itself a whole I420 picture: the result equals libyuv's
 * I420Psnr/I420Ssim of the picture cropped to rows [first_row, height) for
 * luma and [first_row/2, (height+1)/2) for chroma.  -EINVAL unless
 * 0 <= first_row and the rounded row is below the height.
 */
int cb_quality_i420_from_row(const struct cb_image *ref, const struct cb_image *img, int first_row,
			     struct cb_quality *q);

/* ------------------------------------------------------------------------ */
/* Video: freezes, pauses, harmonic frame rate                               */
/* ------------------------------------------------------------------------ */

#define CB_FREEZE_WINDOW	  30 /**< inter-frame delays in the average */
#define CB_FREEZE_MIN_SAMPLES	  5  /**< delays needed before any freeze */
#define CB_FREEZE_MIN_INCREASE_NS (150 * CB_NS_PER_MS)
#define CB_PAUSE_MIN_NS		  (5 * CB_NS_PER_S) /**< a gap longer than this is a pause */

/** What cb_freeze_frame() says about the gap the frame just closed. */
enum cb_freeze_event {
	CB_FREEZE_NONE = 0,  /**< an ordinary inter-frame delay (or the first frame) */
	CB_FREEZE_ENDED = 1, /**< the gap was a freeze */
	CB_PAUSE_ENDED = 2,  /**< the gap was a pause (longer than 5 s), not a freeze */
};

/**
 * Incremental freeze detector over the render times of one video stream,
 * following webrtc-stats (RTCInboundRtpStreamStats freezeCount, pauseCount,
 * totalFreezesDuration, totalPausesDuration, framesRendered) as libwebrtc
 * implements it (video/video_quality_observer2.cc, the source of Chrome's
 * getStats figures):
 *
 * - A gap d between consecutive rendered frames longer than 5 s is a pause:
 *   it is counted in pause_count and total_pauses, and it neither enters the
 *   average below nor can be a freeze.  (libwebrtc learns of a pause from
 *   the stream going inactive; the spec states the 5 s rule used here.)
 * - Otherwise d is first added to the moving window of the last 30 delays,
 *   and once the window holds at least 5 delays, d is a freeze when
 *   d >= max(3 * avg, avg + 150 ms), avg the window's mean rounded down.
 *   Note that, as in libwebrtc, the average includes d itself.  libwebrtc
 *   works in whole milliseconds; this works in nanoseconds.
 * - A freeze's duration is the whole gap d (totalFreezesDuration).
 *
 * All fields are read-only results; fill the struct with cb_freeze_init.
 */
struct cb_freeze {
	uint64_t frames_rendered;
	uint32_t freeze_count, pause_count;
	cb_ns total_freezes;   /**< sum of freeze gaps */
	cb_ns total_pauses;    /**< sum of pause gaps */
	cb_ns first, last;     /**< render times of the first and latest frame */
	double sum_sq_delay_s; /**< sum of squared inter-frame delays, s^2 (pauses included) */
	/* The moving window (private). */
	cb_ns win[CB_FREEZE_WINDOW];
	cb_ns win_sum;
	int win_n, win_pos;
};

void cb_freeze_init(struct cb_freeze *d);

/**
 * A frame was rendered at `render_time`.  Returns a cb_freeze_event (>= 0),
 * or -EINVAL if `d` is NULL or the time goes backwards (state unchanged).
 */
int cb_freeze_frame(struct cb_freeze *d, cb_ns render_time);

/**
 * Harmonic frame rate as libwebrtc's VideoQualityObserver reports it
 * (WebRTC.Video.HarmonicFrameRate, unrounded): sum(d) / sum(d^2) over all
 * inter-frame delays d in seconds, pauses and freezes included.  A steady
 * rate gives that rate; stalls pull it down more than the mean rate.  NaN
 * before two frames (or if every delay was zero).
 */
double cb_freeze_harmonic_fps(const struct cb_freeze *d);

/* ------------------------------------------------------------------------ */
/* Voice: the E-model (ITU-T G.107)                                          */
/* ------------------------------------------------------------------------ */

/**
 * Inputs of the simplified E-model R = (Ro - Is) - Id - Ie,eff + A.
 *
 * Ro - Is is fixed at 93.2, G.107's R for all default parameters (no
 * delay, no loss, G.711): it lumps the basic signal-to-noise ratio, the
 * simultaneous impairments and the small default echo terms.  The delay
 * term is the Cole & Rosenbluth simplification of G.107's Id (echo-free,
 * default sensitivity):  Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3).
 * Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)  (G.107, 7.2).
 *
 * This is the narrowband (0..100) R scale: the codec values must be
 * narrowband-scale values; see cb_emodel_defaults_opus.
 */
struct cb_emodel_in {
	double delay_ms; /**< one-way mouth-to-ear delay d, ms (>= 0) */
	double loss_pct; /**< packet loss Ppl after recovery (FEC, RTX), percent 0..100 */
	double burst_r;	 /**< BurstR: 1 = random loss, > 1 bursty (see cb_emodel_burst_r) */
	double ie;	 /**< equipment impairment of the codec, 0..95 */
	double bpl;	 /**< packet-loss robustness of the codec and its PLC, > 0 */
	double a;	 /**< advantage factor A (0 for wired; G.107 allows up to 20) */
};

/** G.109 / G.107 Annex B user-satisfaction categories of R. */
enum cb_emodel_band {
	CB_EMODEL_BEST,		   /**< R >= 90: very satisfied */
	CB_EMODEL_HIGH,		   /**< 80 <= R < 90: satisfied */
	CB_EMODEL_MEDIUM,	   /**< 70 <= R < 80: some users dissatisfied */
	CB_EMODEL_LOW,		   /**< 60 <= R < 70: many users dissatisfied */
	CB_EMODEL_POOR,		   /**< 50 <= R < 60: nearly all users dissatisfied */
	CB_EMODEL_NOT_RECOMMENDED, /**< R < 50 */
};

struct cb_emodel_out {
	double r;      /**< rating, unclamped */
	double mos;    /**< MOS-CQE: 1 for R <= 0, 4.5 for R >= 100 */
	double id;     /**< delay impairment */
	double ie_eff; /**< effective equipment impairment */
	enum cb_emodel_band band;
	const char *band_name; /**< "best", "high", "medium", "low", "poor", "not recommended" */
};

/**
 * Assumed narrowband-scale values for Opus (wideband, 20 ms frames, tens of
 * kbit/s, with its PLC), since ITU-T G.113 tabulates none for Opus:
 *   Ie = 0:     wideband Opus at our bitrates is at least as good as G.711,
 *               the narrowband reference with Ie = 0, so on the narrowband
 *               scale it earns no codec impairment (the wideband advantage
 *               cannot be expressed on this scale).
 *   Bpl = 25.1: G.113 Appendix I's value for G.711 with its Appendix I PLC
 *               under random loss; Opus's PLC is taken to be no worse.  The
 *               figure is conservative when Opus in-band FEC is active —
 *               then pass the residual loss after FEC in loss_pct.
 * Also sets delay_ms = 0, loss_pct = 0, burst_r = 1 and a = 0.
 */
void cb_emodel_defaults_opus(struct cb_emodel_in *in);

/**
 * BurstR from the loss rate and the mean loss-burst length of a two-state
 * (Gilbert) loss process, G.107: BurstR = 1 / (p + q) = (1 - Ppl/100) * L,
 * with q = 1 / L.  Random loss (L = 1 / (1 - Ppl/100)) gives 1.  Returns 1
 * for loss_pct <= 0 and NaN for arguments out of range.
 */
double cb_emodel_burst_r(double loss_pct, double mean_burst_len);

/**
 * Evaluate the E-model.  -EINVAL if an argument is NULL, NaN or out of the
 * ranges documented in cb_emodel_in; `*out` is written only on success.
 */
int cb_emodel(const struct cb_emodel_in *in, struct cb_emodel_out *out);

/** MOS-CQE of a rating R (G.107 Annex B). */
double cb_emodel_mos(double r);

/* ------------------------------------------------------------------------ */
/* Audio: waveform comparison against the aligned source                     */
/* ------------------------------------------------------------------------ */

#define CB_AUDIO_SEGMENT_MS   20    /**< segment length of the segmental SNR */
#define CB_AUDIO_SILENCE_DBFS -50.0 /**< segments whose source is quieter are skipped */
#define CB_AUDIO_SEG_SNR_MIN  -10.0 /**< per-segment clamp, dB (Quackenbush et al.) */
#define CB_AUDIO_SEG_SNR_MAX  35.0
#define CB_AUDIO_SNR_MAX      100.0 /**< cap of the overall SNR (identical signals) */

/**
 * A simple waveform comparison — NOT a perceptual measure like PESQ
 * (P.862) or POLQA (P.863): any phase or time shift, gain change or
 * perceptually transparent coding (Opus) lowers it.  It is meant for
 * catching gross damage (loss, concealment, clipping) and for comparing runs
 * of the same codec settings.
 *
 * The signals are compared sample by sample; the caller aligns them (removes
 * the known delay) beforehand.  Error e = deg - ref.
 * - seg_snr_db: mean over 20 ms segments (whole segments only) of
 *   10 log10(sum ref^2 / sum e^2), each clamped to [-10, 35] dB as in the
 *   classic segmental SNR (Quackenbush, Barnwell & Clements, 1988), skipping
 *   segments whose source RMS is below -50 dBFS (silence).  NaN if none used.
 * - snr_db: 10 log10(sum ref^2 / sum e^2) over all n samples, 100 dB when
 *   the error is zero and never more; NaN if the source is all zero.
 * - correlation: Pearson correlation of ref and deg over all n samples;
 *   NaN if either is constant.
 */
struct cb_audio_quality {
	double seg_snr_db;
	double snr_db;
	double correlation;
	size_t segments;	 /**< segments used in seg_snr_db */
	size_t segments_skipped; /**< silent segments left out */
};

/**
 * Compare `n` mono samples of `deg` against `ref` at `sample_rate` Hz.
 * -EINVAL if a pointer is NULL, n == 0 or the rate gives segments shorter
 * than one sample.  `*out` is written only on success.
 */
int cb_audio_quality(const int16_t *ref, const int16_t *deg, size_t n, int sample_rate,
		     struct cb_audio_quality *out);

/** A stretch of samples aligned by the caller: ref[ref..ref+len) against
 * deg[deg..deg+len). */
struct cb_audio_span {
	size_t ref, deg, len;
};

/**
 * As cb_audio_quality, over several aligned spans of `ref` (`ref_n`
 * samples) and `deg` (`deg_n` samples) taken together, for a call whose
 * playout was not one continuous copy of its source (see measure/align.h).
 * Segments of the segmental SNR are whole segments within one span; the
 * overall SNR and the correlation pool every sample of every span.
 * -EINVAL if a pointer is NULL, a span leaves either signal, the spans
 * hold no sample or the rate is too low.  `*out` is written only on success.
 */
int cb_audio_quality_spans(const int16_t *ref, size_t ref_n, const int16_t *deg, size_t deg_n,
			   const struct cb_audio_span *spans, size_t n_spans, int sample_rate,
			   struct cb_audio_quality *out);

/**
 * Where the reference comes from when it is not held whole: write samples
 * [first, first + n) of it (never past its length) to `out`.  0 or a
 * negative error, which the caller returns.
 */
typedef int (*cb_ref_reader)(void *user, size_t first, int16_t *out, size_t n);

/** Samples of the reference a _read function holds at once (a few hundred kB). */
#define CB_REF_CHUNK (48000 * 2)

/**
 * cb_audio_quality_spans with the reference read piece by piece through
 * `read` (each sample of the spans twice), so that a long call's source
 * need not be rendered whole; the figures are the same, bit for bit.
 * -ENOMEM, or the reader's error, beside the errors above.
 */
int cb_audio_quality_spans_read(cb_ref_reader read, void *user, size_t ref_n, const int16_t *deg,
				size_t deg_n, const struct cb_audio_span *spans, size_t n_spans,
				int sample_rate, struct cb_audio_quality *out);

/** A cb_ref_reader over an array: `user` is the const int16_t array. */
int cb_ref_read_array(void *user, size_t first, int16_t *out, size_t n);

#endif
