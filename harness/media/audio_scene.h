/*
 * audio_scene.h — what the microphone hears: the near-end talker (the
 * synthetic source of audio_source.h, with its marks), an acoustic echo of
 * the far end played by the loudspeaker, and stationary background noise.
 *
 * The far end is a second, independent synthetic source (its own seeds, its
 * own marks).  Its echo reaches the microphone through an echo path: a pure
 * delay, then a short seeded room impulse response (a direct tap and an
 * exponentially decaying dense tail, 60 dB down at its end) normalized to
 * unit energy and scaled by the echo gain, so the echo sits about
 * -echo_gain_db below the far end (the echo return loss, exact for white
 * input).
 *
 * The two talkers follow a repeating schedule, so that a call contains
 * near-only, double-talk, far-only and quiet stretches: a cycle is near_ms
 * (near talks), double_ms (both), far_ms (far talks), quiet_ms (neither).
 * Switching uses 10 ms raised-cosine fades.  A near-end pause silences only
 * the speech content: the near-end marks keep playing, so a call still
 * measures latency from every mark.  A far-end pause silences everything
 * the loudspeaker plays.  All four zero means both talk all the time.
 *
 * Every output is a pure function of (config, absolute sample index), so any
 * stretch can be rendered again, in any pieces, with the same result.
 */
#ifndef CB_MEDIA_AUDIO_SCENE_H
#define CB_MEDIA_AUDIO_SCENE_H

#include <stddef.h>
#include <stdint.h>

#include "media/audio_source.h"

/** Spectrum of the background noise. */
enum cb_noise_color {
	CB_NOISE_WHITE = 0, /**< flat */
	CB_NOISE_PINK = 1,  /**< about -3 dB per octave above ~100 Hz (Voss-McCartney) */
};

struct cb_audio_scene_cfg {
	struct cb_audio_source_cfg near; /**< the talker at this end, with its marks */
	/** The other party as the loudspeaker plays it; same sample_rate as `near`. */
	struct cb_audio_source_cfg far;
	/**
	 * The far end plays its own source from sample far_shift_ms later:
	 * 0..60000.  Two independent parties' marks would not line up, and
	 * with 0 the echo of the far marks lands exactly where the near
	 * marks sit.
	 */
	int far_shift_ms;
	/** Talk schedule in ms (each 0 or 20..60000); all 0 = both always talk. */
	int near_ms, double_ms, far_ms, quiet_ms;

	int echo;	     /**< 0: no acoustic echo */
	int echo_delay_ms;   /**< loudspeaker to microphone, 0..500, e.g. 40 */
	double echo_gain_db; /**< echo relative to the far end, -60..0, e.g. -10 */
	int echo_tail_ms;    /**< length of the room response after its direct tap, 0..100 */
	uint32_t echo_seed;  /**< draws the room response */

	int noise;	   /**< 0: no background noise */
	double noise_dbfs; /**< RMS of the noise, -90..-10 */
	enum cb_noise_color noise_color;
	uint32_t noise_seed;
};

/**
 * A ready-made scene at `sample_rate` (8000..48000) with `frame_samples`
 * per capture frame: near talker at -20 dBFS with marks every 100 ms at
 * -16 dBFS (seeds 3 and 7), far talker at -20 dBFS with its own marks (seeds
 * 1003 and 1007) shifted by 50 ms; schedule 1000/0/1000/500 ms; echo on, 40 ms, -10 dB, 20 ms
 * tail; pink noise on at -50 dBFS.  `seed` is added to every seed.
 */
void cb_audio_scene_defaults(struct cb_audio_scene_cfg *cfg, int sample_rate, int frame_samples,
			     uint32_t seed);

/** Flags of cb_audio_scene_label(), describing one microphone sample. */
#define CB_SCENE_NEAR 1u /**< near-end speech content is audible */
#define CB_SCENE_ECHO 2u /**< an echo of far-end sound is audible */
#define CB_SCENE_MARK 4u /**< within a near-end mark, or 10 ms after or 5 ms before one */

/**
 * Where the outputs of cb_audio_scene_render() go.  Each pointer may be
 * NULL (not wanted) or point to room for `n` samples.
 */
struct cb_audio_scene_out {
	int16_t *mic;	/**< near + echo + noise, saturated: what the microphone captured */
	int16_t *far;	/**< what the loudspeaker played at the same instant: the
			     echo canceller's reference, aligned with `mic` frame for frame */
	int16_t *near;	/**< the near-end component alone */
	int16_t *echo;	/**< the echo component alone */
	int16_t *noise; /**< the noise component alone */
};

struct cb_audio_scene;

/**
 * Check `cfg` (-EINVAL for any value out of range, or sources that
 * audio_source rejects) and prepare the scene.  -ENOMEM on allocation
 * failure; `*out` is written only on success.
 */
int cb_audio_scene_open(struct cb_audio_scene **out, const struct cb_audio_scene_cfg *cfg);
/**
 * Render samples [first, first + n) into the buffers of `o`.  Components
 * are rounded separately, so `mic` may differ from their sum by one or two
 * units.  The far end starts at sample 0: before it nothing was played.
 */
int cb_audio_scene_render(struct cb_audio_scene *sc, uint64_t first,
			  const struct cb_audio_scene_out *o, size_t n);
/** CB_SCENE_* flags of microphone sample `i` (0 = only noise, if any). */
unsigned cb_audio_scene_label(const struct cb_audio_scene *sc, uint64_t i);
/** The configuration the scene was opened with. */
const struct cb_audio_scene_cfg *cb_audio_scene_cfg(const struct cb_audio_scene *sc);
void cb_audio_scene_close(struct cb_audio_scene *sc);

#endif
