/*
 * audio_source.h — the synthetic microphone: 48 kHz mono speech-band
 * content carrying audio marks (see amark.h).
 *
 * Between marks the source plays a speech-like signal (a voiced harmonic
 * series with a moving pitch and syllable-rate amplitude envelope); at every
 * mark position it plays the mark instead.  The output is a pure function of
 * (config, absolute sample index), so any stretch can be re-rendered.
 */
#ifndef CB_MEDIA_AUDIO_SOURCE_H
#define CB_MEDIA_AUDIO_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "media/amark.h"

struct cb_audio_source_cfg {
	int sample_rate;   /**< 48000 (8000..48000 accepted) */
	int frame_samples; /**< samples per capture frame, e.g. 960 = 20 ms */
	struct cb_amark_cfg marks;
	double level_dbfs; /**< RMS level of the speech content, e.g. -20 */
	uint32_t seed;
};

struct cb_audio_source;

int cb_audio_source_open(struct cb_audio_source **out, const struct cb_audio_source_cfg *cfg);
/** Render `n` samples starting at absolute sample index `first`. */
int cb_audio_source_render(struct cb_audio_source *src, uint64_t first, int16_t *out, size_t n);
void cb_audio_source_close(struct cb_audio_source *src);

#endif
