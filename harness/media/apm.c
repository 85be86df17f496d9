#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include "base/error.h"
#include "media/apm.h"

#define ERLE_CAP_DB 60.0
/*
 * speexdsp's AGC steers a weighted spectral loudness, not the RMS, towards
 * AGC_LEVEL.  On the speech-band synthetic content at 48 kHz (10 ms frames,
 * inputs from -40 to -20 dBFS, AGC alone) the output RMS settles this many
 * dB below AGC_LEVEL taken as dBFS, so the setting is offset by it.  With
 * the denoiser on as well it settles about 4 dB lower still.
 */
#define AGC_RMS_OFFSET_DB 18.1
#define HIT_RING	  256 /* marks remembered while waiting for the other stream */
#define HIT_BATCH	  64

struct cb_apm {
	struct cb_apm_settings s;
	SpeexEchoState *echo;
	SpeexPreprocessState *pre;
	int16_t *in, *far0;
	struct cb_apm_stats st;
};

void cb_apm_settings_default(struct cb_apm_settings *s, int sample_rate, int frame_samples)
{
	if (!s)
		return;
	memset(s, 0, sizeof(*s));
	s->sample_rate = sample_rate;
	s->frame_samples = frame_samples;
	s->filter_ms = 200;
	s->agc_level_dbfs = -26;
	s->agc_max_gain_db = 30;
	s->noise_suppress_db = -15;
	s->echo_suppress_db = -40;
	s->echo_suppress_active_db = -15;
}

static int in_range(int v, int lo, int hi)
{
	return v >= lo && v <= hi;
}

static int check_settings(const struct cb_apm_settings *s)
{
	if (!in_range(s->sample_rate, 8000, 48000))
		return -EINVAL;
	if (s->frame_samples != s->sample_rate / 100 && s->frame_samples != s->sample_rate / 50)
		return -EINVAL;
	if (!in_range(s->filter_ms, 20, 500) || !in_range(s->agc_max_gain_db, 0, 60))
		return -EINVAL;
	if (!isfinite(s->agc_level_dbfs) || s->agc_level_dbfs < -45 || s->agc_level_dbfs > -19)
		return -EINVAL;
	if (!in_range(s->noise_suppress_db, -60, -1) || !in_range(s->echo_suppress_db, -60, -1) ||
	    !in_range(s->echo_suppress_active_db, -60, -1))
		return -EINVAL;
	return 0;
}

/* speex_preprocess_ctl returns 0 or -1; any refusal is a codec error. */
static int pre_ctl(SpeexPreprocessState *st, int req, void *arg)
{
	return speex_preprocess_ctl(st, req, arg) ? CB_E_CODEC : 0;
}

static int setup_pre(struct cb_apm *apm)
{
	const struct cb_apm_settings *s = &apm->s;
	spx_int32_t on, ns, agc = s->auto_gain_control, gain = s->agc_max_gain_db;
	spx_int32_t es = s->echo_suppress_db, esa = s->echo_suppress_active_db;
	float level = (float)(32768.0 * pow(10.0, (s->agc_level_dbfs + AGC_RMS_OFFSET_DB) / 20.0));
	int err;

	/*
	 * speexdsp's residual echo suppressor lives in the denoiser's gain, so
	 * echo cancellation needs the denoiser on; without noiseSuppression
	 * its noise attenuation is 0 dB and only the echo is attenuated.
	 */
	on = s->noise_suppression || s->echo_cancellation;
	ns = s->noise_suppression ? s->noise_suppress_db : 0;
	err = pre_ctl(apm->pre, SPEEX_PREPROCESS_SET_DENOISE, &on);
	if (!err)
		err = pre_ctl(apm->pre, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &ns);
	if (!err)
		err = pre_ctl(apm->pre, SPEEX_PREPROCESS_SET_AGC, &agc);
	if (!err && agc)
		err = pre_ctl(apm->pre, SPEEX_PREPROCESS_SET_AGC_LEVEL, &level);
	if (!err && agc)
		err = pre_ctl(apm->pre, SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, &gain);
	if (!err && apm->echo) {
		err = pre_ctl(apm->pre, SPEEX_PREPROCESS_SET_ECHO_STATE, apm->echo);
		if (!err)
			err = pre_ctl(apm->pre, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, &es);
		if (!err)
			err = pre_ctl(apm->pre, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, &esa);
	}
	return err;
}

int cb_apm_open(struct cb_apm **out, const struct cb_apm_settings *s)
{
	struct cb_apm *apm;
	int err;

	if (!out || !s)
		return -EINVAL;
	err = check_settings(s);
	if (err)
		return err;
	apm = calloc(1, sizeof(*apm));
	if (!apm)
		return -ENOMEM;
	apm->s = *s;
	apm->st.mean_ns = NAN;
	apm->in = calloc((size_t)s->frame_samples, sizeof(int16_t));
	apm->far0 = calloc((size_t)s->frame_samples, sizeof(int16_t));
	if (!apm->in || !apm->far0) {
		err = -ENOMEM;
		goto out_close;
	}
	if (s->echo_cancellation) {
		spx_int32_t rate = s->sample_rate;

		apm->echo =
		    speex_echo_state_init(s->frame_samples, s->filter_ms * s->sample_rate / 1000);
		if (!apm->echo || speex_echo_ctl(apm->echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate)) {
			err = CB_E_CODEC;
			goto out_close;
		}
	}
	if (s->echo_cancellation || s->noise_suppression || s->auto_gain_control) {
		apm->pre = speex_preprocess_state_init(s->frame_samples, s->sample_rate);
		if (!apm->pre) {
			err = CB_E_CODEC;
			goto out_close;
		}
		err = setup_pre(apm);
		if (err)
			goto out_close;
	}
	*out = apm;
	return 0;

out_close:
	cb_apm_close(apm);
	return err;
}

int cb_apm_delay(const struct cb_apm *apm)
{
	if (!apm)
		return -EINVAL;
	return apm->pre ? apm->s.frame_samples : 0;
}

void cb_apm_close(struct cb_apm *apm)
{
	if (!apm)
		return;
	/* The preprocessor points at the echo state: destroy it first. */
	if (apm->pre)
		speex_preprocess_state_destroy(apm->pre);
	if (apm->echo)
		speex_echo_state_destroy(apm->echo);
	free(apm->in);
	free(apm->far0);
	free(apm);
}

int cb_apm_process(struct cb_apm *apm, const int16_t *mic, const int16_t *far, int16_t *out,
		   size_t n)
{
	cb_ns t0, dt;

	if (!apm || !mic || !out || n != (size_t)apm->s.frame_samples)
		return -EINVAL;
	t0 = cb_real_now();
	if (apm->echo) {
		/* speexdsp wants distinct buffers; `out` may be `mic`. */
		memcpy(apm->in, mic, n * sizeof(int16_t));
		speex_echo_cancellation(apm->echo, apm->in, far ? far : apm->far0, out);
	} else if (out != mic) {
		memcpy(out, mic, n * sizeof(int16_t));
	}
	if (apm->pre)
		speex_preprocess_run(apm->pre, out);
	dt = cb_real_now() - t0;
	apm->st.frames++;
	apm->st.total_ns += dt;
	if (dt > apm->st.max_ns)
		apm->st.max_ns = dt;
	apm->st.mean_ns = (double)apm->st.total_ns / (double)apm->st.frames;
	return 0;
}

int cb_apm_get_stats(const struct cb_apm *apm, struct cb_apm_stats *st)
{
	if (!apm || !st)
		return -EINVAL;
	*st = apm->st;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The meter                                                                 */
/* ------------------------------------------------------------------------ */

struct hit_ring {
	uint32_t mark[HIT_RING];
	uint64_t at[HIT_RING];
	unsigned char used[HIT_RING];
	size_t next;
};

struct cb_apm_meter {
	const struct cb_audio_scene *scene;
	uint64_t from, next, delay;
	double echo_in, echo_out, quiet_in, quiet_out, near_in, near_out;
	uint64_t n_echo, n_quiet, n_near, n_echo_out, n_quiet_out, n_near_out;
	struct cb_amark_detector *det_in, *det_out;
	struct hit_ring ring_in, ring_out;
	uint32_t marks_in, marks_out, matched;
	int64_t shift_min, shift_max;
};

int cb_apm_meter_open(struct cb_apm_meter **out, const struct cb_audio_scene *scene, uint64_t from,
		      uint64_t delay)
{
	const struct cb_audio_scene_cfg *c = cb_audio_scene_cfg(scene);
	struct cb_apm_meter *m;
	int err;

	if (!out || !c)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->scene = scene;
	m->from = from;
	m->delay = delay;
	err = cb_amark_detector_open(&m->det_in, &c->near.marks);
	if (!err)
		err = cb_amark_detector_open(&m->det_out, &c->near.marks);
	if (err) {
		cb_apm_meter_close(m);
		return err;
	}
	*out = m;
	return 0;
}

void cb_apm_meter_close(struct cb_apm_meter *m)
{
	if (!m)
		return;
	cb_amark_detector_close(m->det_in);
	cb_amark_detector_close(m->det_out);
	free(m);
}

/*
 * A mark `h` was found in one stream (`mine`); pair it with the same mark in
 * the other stream if that one was already found, else remember it.
 */
static void pair_hit(struct cb_apm_meter *m, const struct cb_amark_hit *h, struct hit_ring *mine,
		     struct hit_ring *other, int is_out)
{
	for (size_t i = 0; i < HIT_RING; i++) {
		int64_t shift;

		if (!other->used[i] || other->mark[i] != h->mark)
			continue;
		other->used[i] = 0;
		shift = is_out ? (int64_t)(h->out_sample - other->at[i])
			       : (int64_t)(other->at[i] - h->out_sample);
		if (!m->matched || shift < m->shift_min)
			m->shift_min = shift;
		if (!m->matched || shift > m->shift_max)
			m->shift_max = shift;
		m->matched++;
		return;
	}
	mine->mark[mine->next] = h->mark;
	mine->at[mine->next] = h->out_sample;
	mine->used[mine->next] = 1;
	mine->next = (mine->next + 1) % HIT_RING;
}

static int feed_marks(struct cb_apm_meter *m, const int16_t *pcm, size_t n, int is_out)
{
	struct cb_amark_detector *d = is_out ? m->det_out : m->det_in;
	struct hit_ring *mine = is_out ? &m->ring_out : &m->ring_in;
	struct hit_ring *other = is_out ? &m->ring_in : &m->ring_out;
	struct cb_amark_hit hits[HIT_BATCH];
	size_t nh = HIT_BATCH;
	int err = cb_amark_detector_feed(d, pcm, n, hits, &nh);

	if (err)
		return err;
	for (size_t i = 0; i < nh; i++) {
		/* Marks before `from` (the convergence) are not counted. */
		if (hits[i].src_sample < m->from)
			continue;
		if (is_out)
			m->marks_out++;
		else
			m->marks_in++;
		pair_hit(m, &hits[i], mine, other, is_out);
	}
	return 0;
}

int cb_apm_meter_add(struct cb_apm_meter *m, uint64_t first, const int16_t *mic,
		     const int16_t *echo, const int16_t *out, size_t n)
{
	int err;

	if (!m || !mic || !echo || !out || first != m->next)
		return -EINVAL;
	for (size_t j = 0; j < n; j++) {
		uint64_t i = first + j;
		double x = mic[j], y = out[j], e = echo[j];
		unsigned f;

		/* The input sample i, classified by its own label. */
		if (i >= m->from) {
			f = cb_audio_scene_label(m->scene, i);
			if (f == CB_SCENE_ECHO) {
				m->echo_in += e * e;
				m->n_echo++;
			} else if (!f) {
				m->quiet_in += x * x;
				m->n_quiet++;
			}
			if ((f & CB_SCENE_NEAR) && !(f & CB_SCENE_ECHO)) {
				m->near_in += x * x;
				m->n_near++;
			}
		}
		/* The output sample i carries input sample i - delay. */
		if (i < m->delay || i - m->delay < m->from)
			continue;
		f = cb_audio_scene_label(m->scene, i - m->delay);
		if (f == CB_SCENE_ECHO) {
			m->echo_out += y * y;
			m->n_echo_out++;
		} else if (!f) {
			m->quiet_out += y * y;
			m->n_quiet_out++;
		}
		if ((f & CB_SCENE_NEAR) && !(f & CB_SCENE_ECHO)) {
			m->near_out += y * y;
			m->n_near_out++;
		}
	}
	err = feed_marks(m, mic, n, 0);
	if (!err)
		err = feed_marks(m, out, n, 1);
	m->next = first + n;
	return err;
}

/* RMS in dBFS of a sum of squares over `n` samples; NaN without samples. */
static double dbfs(double sum, uint64_t n)
{
	if (!n)
		return NAN;
	return 10.0 * log10(sum / (double)n + 1e-30) - 20.0 * log10(32768.0);
}

int cb_apm_meter_result(const struct cb_apm_meter *m, struct cb_apm_effect *e)
{
	if (!m || !e)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->echo_in_dbfs = dbfs(m->echo_in, m->n_echo);
	e->echo_out_dbfs = dbfs(m->echo_out, m->n_echo_out);
	e->erle_db = NAN;
	if (m->n_echo && m->n_echo_out && m->echo_in > 0) {
		double pin = m->echo_in / (double)m->n_echo;
		double pout = m->echo_out / (double)m->n_echo_out;
		double floor = m->n_quiet_out ? m->quiet_out / (double)m->n_quiet_out : 0.0;
		double res = pout - floor, min = pin * pow(10.0, -ERLE_CAP_DB / 10.0);

		e->erle_db = 10.0 * log10(pin / (res > min ? res : min));
	}
	e->noise_in_dbfs = dbfs(m->quiet_in, m->n_quiet);
	e->noise_out_dbfs = dbfs(m->quiet_out, m->n_quiet_out);
	e->noise_reduction_db = e->noise_in_dbfs - e->noise_out_dbfs;
	e->near_in_dbfs = dbfs(m->near_in, m->n_near);
	e->near_out_dbfs = dbfs(m->near_out, m->n_near_out);
	e->level_change_db = e->near_out_dbfs - e->near_in_dbfs;
	e->marks_in = m->marks_in;
	e->marks_out = m->marks_out;
	e->marks_matched = m->matched;
	e->shift_min = m->shift_min;
	e->shift_max = m->shift_max;
	e->echo_samples = m->n_echo;
	e->quiet_samples = m->n_quiet;
	e->near_samples = m->n_near;
	return 0;
}
