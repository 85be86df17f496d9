#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "media/audio_scene.h"

/*
 * Rendering works in chunks of CHUNK samples.  The echo of a chunk needs the
 * far end from delay + tail samples before the chunk, so the far end is
 * rendered again for that stretch every time: it is a pure function of the
 * index, and re-rendering keeps the scene one too.
 */
#define CHUNK	       1024
#define FADE_DIV       100 /* talk fades last 1/100 s */
#define MARK_AFTER_MS  10  /* processing smears a mark this far */
#define MARK_BEFORE_MS 5
#define PINK_ROWS      9	/* holds of 1..256 samples: pink from ~100 Hz at 48 kHz */
#define TAIL_DECAY     6.907755 /* ln(1000): the tail ends 60 dB down */
#define TAIL_LEVEL     0.5	/* first tail taps relative to the direct tap */

struct cb_audio_scene {
	struct cb_audio_scene_cfg cfg;
	struct cb_audio_source *near, *far;
	uint64_t cycle, near_len, far_start, far_len, fade;
	uint64_t period, mark_len, mark_after, mark_before;
	size_t delay, tail;
	uint64_t far_shift;
	float *ir;     /* tail + 1 taps, scaled by the echo gain */
	int16_t *fbuf; /* far end for [chunk - delay - tail, chunk end) */
	int16_t *nbuf;
	double noise_scale;
};

static int valid_phase(int ms)
{
	return ms == 0 || (ms >= 20 && ms <= 60000);
}

void cb_audio_scene_defaults(struct cb_audio_scene_cfg *cfg, int sample_rate, int frame_samples,
			     uint32_t seed)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->near.sample_rate = sample_rate;
	cfg->near.frame_samples = frame_samples;
	cfg->near.marks.sample_rate = sample_rate;
	cfg->near.marks.period_ms = 100;
	cfg->near.marks.level_dbfs = -16;
	cfg->near.marks.seed = seed + 7;
	cfg->near.level_dbfs = -20;
	cfg->near.seed = seed + 3;
	cfg->far = cfg->near;
	cfg->far.marks.seed = seed + 1007;
	cfg->far.seed = seed + 1003;
	cfg->far_shift_ms = 50;
	cfg->near_ms = 1000;
	cfg->double_ms = 0;
	cfg->far_ms = 1000;
	cfg->quiet_ms = 500;
	cfg->echo = 1;
	cfg->echo_delay_ms = 40;
	cfg->echo_gain_db = -10;
	cfg->echo_tail_ms = 20;
	cfg->echo_seed = seed + 11;
	cfg->noise = 1;
	cfg->noise_dbfs = -50;
	cfg->noise_color = CB_NOISE_PINK;
	cfg->noise_seed = seed + 13;
}

static int check_cfg(const struct cb_audio_scene_cfg *c)
{
	if (c->far.sample_rate != c->near.sample_rate)
		return -EINVAL;
	if (c->far_shift_ms < 0 || c->far_shift_ms > 60000)
		return -EINVAL;
	if (!valid_phase(c->near_ms) || !valid_phase(c->double_ms) || !valid_phase(c->far_ms) ||
	    !valid_phase(c->quiet_ms))
		return -EINVAL;
	if (c->echo_delay_ms < 0 || c->echo_delay_ms > 500 || c->echo_tail_ms < 0 ||
	    c->echo_tail_ms > 100)
		return -EINVAL;
	if (!isfinite(c->echo_gain_db) || c->echo_gain_db < -60 || c->echo_gain_db > 0)
		return -EINVAL;
	if (!isfinite(c->noise_dbfs) || c->noise_dbfs < -90 || c->noise_dbfs > -10)
		return -EINVAL;
	if (c->noise_color != CB_NOISE_WHITE && c->noise_color != CB_NOISE_PINK)
		return -EINVAL;
	return 0;
}

/* The room: a direct tap, then a dense decaying tail, at unit energy times the gain. */
static void make_ir(struct cb_audio_scene *sc)
{
	struct cb_rng r;
	double e = 1.0, g;

	cb_rng_seed(&r, sc->cfg.echo_seed);
	sc->ir[0] = 1.0f;
	for (size_t k = 1; k <= sc->tail; k++) {
		double a = TAIL_LEVEL * cb_rng_normal(&r) *
			   exp(-TAIL_DECAY * (double)k / (double)sc->tail);

		sc->ir[k] = (float)a;
		e += a * a;
	}
	g = pow(10.0, sc->cfg.echo_gain_db / 20.0) / sqrt(e);
	for (size_t k = 0; k <= sc->tail; k++)
		sc->ir[k] = (float)(sc->ir[k] * g);
}

int cb_audio_scene_open(struct cb_audio_scene **out, const struct cb_audio_scene_cfg *cfg)
{
	struct cb_audio_scene *sc;
	uint64_t sr;
	int err;

	if (!out || !cfg)
		return -EINVAL;
	err = check_cfg(cfg);
	if (err)
		return err;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->cfg = *cfg;
	err = cb_audio_source_open(&sc->near, &cfg->near);
	if (err)
		goto out_free;
	err = cb_audio_source_open(&sc->far, &cfg->far);
	if (err)
		goto out_free;
	sr = (uint64_t)cfg->near.sample_rate;
	sc->cycle =
	    (uint64_t)(cfg->near_ms + cfg->double_ms + cfg->far_ms + cfg->quiet_ms) * sr / 1000;
	sc->near_len = (uint64_t)(cfg->near_ms + cfg->double_ms) * sr / 1000;
	sc->far_start = (uint64_t)cfg->near_ms * sr / 1000;
	sc->far_len = (uint64_t)(cfg->double_ms + cfg->far_ms) * sr / 1000;
	sc->fade = sr / FADE_DIV;
	sc->far_shift = (uint64_t)cfg->far_shift_ms * sr / 1000;
	sc->period = cb_amark_period(&cfg->near.marks);
	sc->mark_len = cb_amark_len(&cfg->near.marks);
	sc->mark_after = sr * MARK_AFTER_MS / 1000;
	sc->mark_before = sr * MARK_BEFORE_MS / 1000;
	sc->delay = (size_t)(sr * (uint64_t)cfg->echo_delay_ms / 1000);
	sc->tail = (size_t)(sr * (uint64_t)cfg->echo_tail_ms / 1000);
	sc->noise_scale = pow(10.0, cfg->noise_dbfs / 20.0) * 32767.0;
	sc->ir = calloc(sc->tail + 1, sizeof(float));
	sc->fbuf = calloc(CHUNK + sc->delay + sc->tail, sizeof(int16_t));
	sc->nbuf = calloc(CHUNK, sizeof(int16_t));
	if (!sc->ir || !sc->fbuf || !sc->nbuf) {
		err = -ENOMEM;
		goto out_free;
	}
	make_ir(sc);
	*out = sc;
	return 0;

out_free:
	cb_audio_scene_close(sc);
	return err;
}

void cb_audio_scene_close(struct cb_audio_scene *sc)
{
	if (!sc)
		return;
	cb_audio_source_close(sc->near);
	cb_audio_source_close(sc->far);
	free(sc->ir);
	free(sc->fbuf);
	free(sc->nbuf);
	free(sc);
}

const struct cb_audio_scene_cfg *cb_audio_scene_cfg(const struct cb_audio_scene *sc)
{
	return sc ? &sc->cfg : NULL;
}

/*
 * Gain of a talker whose turn is [start, start + len) of every cycle, at
 * absolute sample `i`: raised-cosine fades at both ends of the turn.
 */
static double turn_gain(const struct cb_audio_scene *sc, uint64_t start, uint64_t len, uint64_t i)
{
	uint64_t p;
	double g = 1.0;

	if (!sc->cycle || len >= sc->cycle)
		return 1.0;
	if (!len)
		return 0.0;
	p = (i % sc->cycle + sc->cycle - start) % sc->cycle;
	if (p >= len)
		return 0.0;
	if (p < sc->fade)
		g = 0.5 * (1.0 - cos(M_PI * ((double)p + 0.5) / (double)sc->fade));
	if (len - p <= sc->fade) {
		double h = 0.5 * (1.0 - cos(M_PI * ((double)(len - p) - 0.5) / (double)sc->fade));

		if (h < g)
			g = h;
	}
	return g;
}

static double near_gain(const struct cb_audio_scene *sc, uint64_t i)
{
	return turn_gain(sc, 0, sc->near_len, i);
}

static double far_gain(const struct cb_audio_scene *sc, uint64_t i)
{
	return turn_gain(sc, sc->far_start, sc->far_len, i);
}

/* An approximately normal value (Irwin-Hall of four) from (seed, row, idx). */
static double hashed_normal(uint32_t seed, unsigned row, uint64_t idx)
{
	uint64_t h = cb_mix64(cb_mix64(((uint64_t)seed << 8) | row) ^ idx);
	double s = (double)(h & 0xffff) + (double)((h >> 16) & 0xffff) +
		   (double)((h >> 32) & 0xffff) + (double)(h >> 48);

	/* Four uniforms on [0, 1) have mean 2 and variance 1/3. */
	return (s / 65536.0 - 2.0) * sqrt(3.0);
}

/*
 * Noise at sample `i`.  Pink is Voss-McCartney without state: row r holds
 * a fresh value for 2^r samples, so each row adds about equal power per
 * octave below fs / 2^(r+1).
 */
static double noise_at(const struct cb_audio_scene *sc, uint64_t i)
{
	double v = 0;

	if (sc->cfg.noise_color == CB_NOISE_WHITE)
		return sc->noise_scale * hashed_normal(sc->cfg.noise_seed, 0, i);
	for (unsigned r = 0; r < PINK_ROWS; r++)
		v += hashed_normal(sc->cfg.noise_seed, r, i >> r);
	return sc->noise_scale * v / sqrt((double)PINK_ROWS);
}

static int16_t sat16(double v)
{
	long x = lrint(v);

	if (x > 32767)
		x = 32767;
	if (x < -32768)
		x = -32768;
	return (int16_t)x;
}

/* The far end as the loudspeaker plays it, for [from, from + n), from >= 0. */
static int render_far(struct cb_audio_scene *sc, uint64_t from, int16_t *out, size_t n)
{
	int err = cb_audio_source_render(sc->far, from + sc->far_shift, out, n);

	if (err)
		return err;
	for (size_t j = 0; j < n; j++) {
		double g = far_gain(sc, from + j);

		out[j] = g >= 1.0 ? out[j] : sat16(out[j] * g);
	}
	return 0;
}

static int render_chunk(struct cb_audio_scene *sc, uint64_t a, const struct cb_audio_scene_out *o,
			size_t m)
{
	size_t back = sc->delay + sc->tail, lead = 0;
	int16_t *fb = sc->fbuf; /* fb[x] is the far end at a - back + x */
	int err;

	/* Before sample 0 the loudspeaker was silent. */
	if (a < back) {
		lead = back - (size_t)a;
		memset(fb, 0, lead * sizeof(int16_t));
	}
	err = render_far(sc, a - back + lead, fb + lead, m + back - lead);
	if (err)
		return err;
	err = cb_audio_source_render(sc->near, a, sc->nbuf, m);
	if (err)
		return err;
	for (size_t j = 0; j < m; j++) {
		uint64_t i = a + j;
		double nv = sc->nbuf[j], ev = 0, zv = 0;

		/* A pause silences speech only: marks keep playing. */
		if (i % sc->period >= sc->mark_len)
			nv *= near_gain(sc, i);
		if (sc->cfg.echo) {
			const int16_t *x = fb + j + sc->tail; /* far end at i - delay */

			for (size_t k = 0; k <= sc->tail; k++)
				ev += sc->ir[k] * x[-(ptrdiff_t)k];
		}
		if (sc->cfg.noise)
			zv = noise_at(sc, i);
		if (o->mic)
			o->mic[j] = sat16(nv + ev + zv);
		if (o->far)
			o->far[j] = fb[j + back];
		if (o->near)
			o->near[j] = sat16(nv);
		if (o->echo)
			o->echo[j] = sat16(ev);
		if (o->noise)
			o->noise[j] = sat16(zv);
	}
	return 0;
}

static void advance(const struct cb_audio_scene_out *o, struct cb_audio_scene_out *p, size_t done)
{
	p->mic = o->mic ? o->mic + done : NULL;
	p->far = o->far ? o->far + done : NULL;
	p->near = o->near ? o->near + done : NULL;
	p->echo = o->echo ? o->echo + done : NULL;
	p->noise = o->noise ? o->noise + done : NULL;
}

int cb_audio_scene_render(struct cb_audio_scene *sc, uint64_t first,
			  const struct cb_audio_scene_out *o, size_t n)
{
	if (!sc || !o)
		return -EINVAL;
	if (first + n < first)
		return -ERANGE;
	for (size_t done = 0; done < n;) {
		struct cb_audio_scene_out p;
		size_t m = n - done < CHUNK ? n - done : CHUNK;
		int err;

		advance(o, &p, done);
		err = render_chunk(sc, first + done, &p, m);
		if (err)
			return err;
		done += m;
	}
	return 0;
}

unsigned cb_audio_scene_label(const struct cb_audio_scene *sc, uint64_t i)
{
	unsigned f = 0;
	uint64_t off;

	if (!sc)
		return 0;
	off = i % sc->period;
	if (near_gain(sc, i) > 0)
		f |= CB_SCENE_NEAR;
	if (off < sc->mark_len + sc->mark_after || off >= sc->period - sc->mark_before)
		f |= CB_SCENE_MARK;
	if (sc->cfg.echo && i >= sc->delay) {
		/*
		 * The echo at i carries the far end from i - delay - tail to
		 * i - delay.  Turns are at least 20 ms long, so looking every
		 * millisecond across that span (and at its ends) cannot miss one.
		 */
		uint64_t hi = i - sc->delay, lo = hi >= sc->tail ? hi - sc->tail : 0;
		uint64_t step = (uint64_t)sc->cfg.near.sample_rate / 1000;

		for (uint64_t j = lo;; j += step) {
			if (j > hi)
				j = hi;
			if (far_gain(sc, j) > 0) {
				f |= CB_SCENE_ECHO;
				break;
			}
			if (j == hi)
				break;
		}
	}
	return f;
}
