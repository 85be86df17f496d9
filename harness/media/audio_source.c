#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "media/audio_source.h"

/*
 * The content is a voiced harmonic series: pitch wanders between about 100
 * and 200 Hz, harmonic amplitudes follow three moving formant bumps and a
 * falling tilt, and a ~3.7 Hz syllable envelope (never quite silent) shapes
 * the loudness.  Every term is a closed-form function of the sample index,
 * so any stretch renders the same however it is cut into calls.
 *
 * Around each mark the content is muted: GUARD_MS of silence on both sides,
 * entered and left through FADE_DIV-th-of-a-second raised-cosine fades, so
 * that neither the codec's smearing nor a click from the content lands in the
 * mark's correlation window.
 */
#define GUARD_MS   5
#define FADE_DIV   400
#define PITCH_MEAN 150.0
#define PITCH_SLOW 40.0
#define PITCH_FAST 10.0
#define RATE_SLOW  0.31
#define RATE_FAST  1.7
#define SYL_RATE   3.7
#define SYL_FLOOR  0.2
#define TOP_FREQ   3800.0
#define MAX_HARM   40
/* Mean square of SYL_FLOOR + (1 - SYL_FLOOR) sin^2: f^2 + f(1-f) + 3(1-f)^2/8. */
#define SYL_POWER                                                                                  \
	(SYL_FLOOR * SYL_FLOOR + SYL_FLOOR * (1 - SYL_FLOOR) +                                     \
	 3.0 * (1 - SYL_FLOOR) * (1 - SYL_FLOOR) / 8.0)
#define TMP_SAMPLES 1024

struct cb_audio_source {
	struct cb_audio_source_cfg cfg;
	uint64_t period;
	size_t mark_len, guard, fade;
	double level;
	double ph_slow, ph_fast, ph_syl, ph_f1, ph_f2; /* in cycles, from the seed */
};

int cb_audio_source_open(struct cb_audio_source **out, const struct cb_audio_source_cfg *cfg)
{
	struct cb_audio_source *src;
	struct cb_rng r;

	if (!out || !cfg)
		return -EINVAL;
	if (cfg->sample_rate < 8000 || cfg->sample_rate > 48000 || cfg->frame_samples <= 0 ||
	    cfg->frame_samples > cfg->sample_rate)
		return -EINVAL;
	if (cfg->marks.sample_rate != cfg->sample_rate || !cb_amark_len(&cfg->marks))
		return -EINVAL;
	if (!isfinite(cfg->level_dbfs) || cfg->level_dbfs < -60.0 || cfg->level_dbfs > 0.0)
		return -EINVAL;
	src = calloc(1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	src->cfg = *cfg;
	src->period = cb_amark_period(&cfg->marks);
	src->mark_len = cb_amark_len(&cfg->marks);
	src->guard = (size_t)cfg->sample_rate * GUARD_MS / 1000;
	src->fade = (size_t)cfg->sample_rate / FADE_DIV;
	src->level = pow(10.0, cfg->level_dbfs / 20.0);
	cb_rng_seed(&r, cfg->seed);
	src->ph_slow = cb_rng_uniform(&r);
	src->ph_fast = cb_rng_uniform(&r);
	src->ph_syl = cb_rng_uniform(&r);
	src->ph_f1 = cb_rng_uniform(&r);
	src->ph_f2 = cb_rng_uniform(&r);
	*out = src;
	return 0;
}

void cb_audio_source_close(struct cb_audio_source *src)
{
	free(src);
}

/* The fraction of a cycle of `rate` Hz at sample `i`, plus `ph` cycles. */
static double cycles(uint64_t i, double rate, int sr, double ph)
{
	double c = rate * (double)(i % ((uint64_t)sr * 100)) / sr + ph;

	return c - floor(c);
}

static double bump(double f, double centre, double width)
{
	double x = (f - centre) / width;

	return 1.0 / (1.0 + x * x);
}

/* The gate that mutes content around marks, by offset within the period. */
static double gate(const struct cb_audio_source *src, uint64_t off)
{
	uint64_t on = src->mark_len + src->guard, off_at = src->period - src->guard;
	double g = 1.0;

	if (off < on || off >= off_at)
		return 0.0;
	if (off - on < src->fade)
		g = 0.5 * (1.0 - cos(M_PI * ((double)(off - on) + 0.5) / (double)src->fade));
	if (off_at - off <= src->fade) {
		double h =
		    0.5 * (1.0 - cos(M_PI * ((double)(off_at - off) - 0.5) / (double)src->fade));
		if (h < g)
			g = h;
	}
	return g;
}

static double content(const struct cb_audio_source *src, uint64_t i, double g)
{
	int sr = src->cfg.sample_rate;
	double t_slow, t_fast, f0, pitch, s, env, f1, f2, c_prev = 1.0, c1, c_h, v = 0, p = 0;

	/*
	 * The pitch f0(t) = mean + A sin(2 pi a t) + B sin(2 pi b t) has the
	 * phase mean t - A cos(2 pi a t) / (2 pi a) - B cos(2 pi b t) / (2 pi b),
	 * in cycles.  Periodic terms are reduced modulo a 100 s span, over which
	 * every rate here completes whole cycles, so precision does not decay
	 * with the index.
	 */
	t_slow = cycles(i, RATE_SLOW, sr, src->ph_slow);
	t_fast = cycles(i, RATE_FAST, sr, src->ph_fast);
	f0 = PITCH_MEAN + PITCH_SLOW * sin(2 * M_PI * t_slow) + PITCH_FAST * sin(2 * M_PI * t_fast);
	pitch = cycles(i, PITCH_MEAN, sr, 0.0) -
		PITCH_SLOW * cos(2 * M_PI * t_slow) / (2 * M_PI * RATE_SLOW) -
		PITCH_FAST * cos(2 * M_PI * t_fast) / (2 * M_PI * RATE_FAST);
	s = sin(M_PI * cycles(i, SYL_RATE, sr, src->ph_syl));
	env = SYL_FLOOR + (1.0 - SYL_FLOOR) * s * s;
	f1 = 600.0 + 150.0 * sin(2 * M_PI * cycles(i, 0.9, sr, src->ph_f1));
	f2 = 1500.0 + 400.0 * sin(2 * M_PI * cycles(i, 0.5, sr, src->ph_f2));
	c1 = cos(2 * M_PI * (pitch - floor(pitch)));
	c_h = c1;
	/* cos(h x) by the Chebyshev recurrence: one cosine per sample. */
	for (int h = 1; h <= MAX_HARM && h * f0 < TOP_FREQ; h++) {
		double f = h * f0, a, next;

		a = (bump(f, f1, 120.0) + 0.6 * bump(f, f2, 180.0) + 0.3 * bump(f, 2600.0, 250.0) +
		     0.05) /
		    (1.0 + f / 1000.0);
		v += a * c_h;
		p += a * a / 2;
		next = 2.0 * c1 * c_h - c_prev;
		c_prev = c_h;
		c_h = next;
	}
	/* Normalizing by the series' own power holds the level whatever the pitch. */
	return src->level * g * env / sqrt(SYL_POWER) * v / sqrt(p);
}

static int16_t to_pcm(double v)
{
	long x = lrint(v * 32767.0);

	if (x > 32767)
		x = 32767;
	if (x < -32768)
		x = -32768;
	return (int16_t)x;
}

int cb_audio_source_render(struct cb_audio_source *src, uint64_t first, int16_t *out, size_t n)
{
	float tmp[TMP_SAMPLES];
	size_t done = 0;

	if (!src || (!out && n))
		return -EINVAL;
	if (first + n < first)
		return -ERANGE;
	while (done < n) {
		uint64_t i = first + done, k = i / src->period, off = i % src->period;
		size_t run;

		if (off < src->mark_len) {
			run = src->mark_len - (size_t)off;
			if (run > n - done)
				run = n - done;
			if (run > TMP_SAMPLES)
				run = TMP_SAMPLES;
			cb_amark_render(&src->cfg.marks, (uint32_t)k, (size_t)off, tmp, run);
			for (size_t j = 0; j < run; j++)
				out[done + j] = to_pcm(tmp[j]);
		} else {
			run = (size_t)(src->period - off);
			if (run > n - done)
				run = n - done;
			for (size_t j = 0; j < run; j++) {
				double g = gate(src, off + j);

				out[done + j] = g > 0 ? to_pcm(content(src, i + j, g)) : 0;
			}
		}
		done += run;
	}
	return 0;
}
