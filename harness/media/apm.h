/*
 * apm.h — the audio processing module behind getUserMedia's
 * echoCancellation, noiseSuppression and autoGainControl, built on
 * speexdsp: its MDF echo canceller (speex_echo_cancellation) and its
 * preprocessor (speex_preprocess_run: spectral denoiser, residual echo
 * suppressor, AGC).
 *
 * The module works frame by frame on 16-bit mono PCM, one capture frame per
 * call, with the far-end reference (what the loudspeaker played during that
 * frame, see audio_scene.h) beside the microphone frame.  Every setting off
 * leaves the signal untouched, bit for bit; then speexdsp is not called.
 *
 * With echoCancellation the preprocessor runs too, linked to the echo
 * canceller, because speexdsp suppresses the echo that the adaptive filter
 * leaves behind there; without noiseSuppression its noise attenuation is set
 * to 0 dB, so only the residual echo is suppressed.
 *
 * A meter (cb_apm_meter) measures what the processing did to a synthetic
 * scene whose components and schedule are known.
 */
#ifndef CB_MEDIA_APM_H
#define CB_MEDIA_APM_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "media/amark.h"
#include "media/audio_scene.h"

struct cb_apm_settings {
	int echo_cancellation; /**< getUserMedia echoCancellation */
	int noise_suppression; /**< getUserMedia noiseSuppression */
	int auto_gain_control; /**< getUserMedia autoGainControl */
	int sample_rate;       /**< 8000..48000 */
	int frame_samples;     /**< samples per call: 10 or 20 ms of sample_rate */
	int filter_ms;	       /**< echo canceller filter length, 20..500 (covers delay + room) */
	double agc_level_dbfs; /**< AGC target output RMS, -45..-19 (see cb_apm_open) */
	int agc_max_gain_db;   /**< most gain the AGC may apply, 0..60 */
	int noise_suppress_db; /**< noise attenuation with noiseSuppression, -60..-1 */
	int echo_suppress_db;  /**< residual echo attenuation, -60..-1 */
	int echo_suppress_active_db; /**< the same during double talk, -60..-1 */
};

/**
 * All three settings off; 200 ms filter; AGC to -26 dBFS with at most
 * 30 dB of gain; speexdsp's own attenuations (noise -15 dB, residual echo
 * -40 dB, -15 dB during double talk).
 */
void cb_apm_settings_default(struct cb_apm_settings *s, int sample_rate, int frame_samples);

/** Real time spent in cb_apm_process(), per frame processed. */
struct cb_apm_stats {
	uint64_t frames;
	cb_ns total_ns, max_ns;
	double mean_ns; /**< NaN before the first frame */
};

struct cb_apm;

/**
 * speexdsp's AGC aims a weighted spectral loudness, not the RMS, at its
 * AGC_LEVEL; agc_level_dbfs is turned into AGC_LEVEL with an offset
 * measured on the synthetic speech-band source with AGC alone (output RMS
 * settles 18.1 dB below AGC_LEVEL in dBFS); other content lands near, not
 * on, the target, and with noiseSuppression too about 4 dB below it.
 *
 * -EINVAL for any setting out of range (frame_samples must be sample_rate
 * / 100 or / 50), -ENOMEM, or CB_E_CODEC if speexdsp refuses a state or a
 * setting (an AGC request to a fixed-point build, say).
 */
int cb_apm_open(struct cb_apm **out, const struct cb_apm_settings *s);
/**
 * Process one frame: `n` must equal frame_samples.  `far` is the far-end
 * reference for the same frame; it may be NULL (silence) and is ignored
 * without echo cancellation.  `out` may be `mic`.
 */
int cb_apm_process(struct cb_apm *apm, const int16_t *mic, const int16_t *far, int16_t *out,
		   size_t n);
int cb_apm_get_stats(const struct cb_apm *apm, struct cb_apm_stats *st);
/**
 * Samples by which the output lags the input: one frame whenever the
 * preprocessor runs (its analysis window overlaps the previous frame and
 * the output is that overlap, as measured with marks), else 0.  -EINVAL
 * for NULL.
 */
int cb_apm_delay(const struct cb_apm *apm);
void cb_apm_close(struct cb_apm *apm);

/* ------------------------------------------------------------------------ */
/* Measuring the effect on a synthetic scene                                 */
/* ------------------------------------------------------------------------ */

/**
 * What the processing did, from samples at or after the meter's `from`.
 * Input sample i is classed by cb_audio_scene_label(i), output sample i
 * by the label of i - delay, the delay given to the meter (`shift_*` below
 * checks it).
 * Levels are RMS in dBFS (0 dBFS = a full-scale square wave); a figure
 * without samples to measure is NaN.
 *
 * - Echo: over echo-only samples (ECHO, not NEAR, not MARK), the echo
 *   component's power in the microphone against the output power there
 *   minus the output noise floor (the output power over quiet samples):
 *   erle_db = echo_in - residual, capped at 60 dB.  This is the echo
 *   return loss enhancement of the whole module, so AGC gain counts
 *   against it.
 * - Noise: over quiet samples (no flag at all), input against output:
 *   noise_reduction_db = noise_in - noise_out.
 * - Level: over near-talk samples without echo (NEAR, not ECHO), marks
 *   included: level_change_db = near_out - near_in.
 * - Marks: a detector on the input and one on the output; a mark found in
 *   both gives the output's shift in samples (positive = later).
 */
struct cb_apm_effect {
	double echo_in_dbfs, echo_out_dbfs, erle_db;
	double noise_in_dbfs, noise_out_dbfs, noise_reduction_db;
	double near_in_dbfs, near_out_dbfs, level_change_db;
	uint32_t marks_in, marks_out, marks_matched;
	int64_t shift_min, shift_max; /**< 0 when nothing matched */
	uint64_t echo_samples, quiet_samples, near_samples;
};

struct cb_apm_meter;

/**
 * A meter for `scene`, counting input samples from index `from` on (to
 * leave out the echo canceller's convergence), for a processing whose
 * output lags its input by `delay` samples (cb_apm_delay()).  The input and
 * output streams must both start at sample 0.  The scene must outlive the
 * meter.
 */
int cb_apm_meter_open(struct cb_apm_meter **out, const struct cb_audio_scene *scene, uint64_t from,
		      uint64_t delay);
/**
 * Account samples [first, first + n): the microphone `mic`, its echo
 * component `echo` (as rendered by the scene) and the processed `out`.
 * Calls must follow each other without gaps (-EINVAL otherwise).
 */
int cb_apm_meter_add(struct cb_apm_meter *m, uint64_t first, const int16_t *mic,
		     const int16_t *echo, const int16_t *out, size_t n);
int cb_apm_meter_result(const struct cb_apm_meter *m, struct cb_apm_effect *e);
void cb_apm_meter_close(struct cb_apm_meter *m);

#endif
