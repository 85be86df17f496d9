#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "media/amark.h"

/*
 * Layout of one mark: a 20 ms linear chirp from 300 Hz to 3.4 kHz under a
 * Tukey window (its correlation peak is narrow, so it gives the position to
 * the sample), then a 40 ms identity burst.  The identity is a sum of
 * unit-amplitude cosines on every DFT bin of its own 40 ms window (25 Hz
 * apart) between 300 Hz and 3.4 kHz, with phases drawn from a generator
 * seeded by (seed, k mod CB_AMARK_IDS).  Such a burst sounds like
 * band-limited noise, and because its components sit exactly on DFT bins the
 * detector can correlate one window against all identities at once: one DFT
 * of the received window, then one short dot product per identity.
 */
#define SYNC_MS	   20
#define ID_MS	   40
#define F_LO	   300.0
#define F_HI	   3400.0
#define SYNC_TAPER 0.5
#define MIN_RATE   8000
#define MAX_RATE   48000
#define MAX_ID_LEN (MAX_RATE * ID_MS / 1000)
#define MAX_BINS   192
#define MIN_PERIOD 80
#define MAX_PERIOD 60000

/*
 * Detector tuning.  The sync is first searched on every decim-th lag using
 * every decim-th sample (1/decim^2 of the full cost), and every
 * coarse peak is then refined at full rate, so the final position is exact
 * to the sample.  The identity thresholds make a wrong identity vanishingly
 * unlikely: against an unrelated burst the score has a standard deviation of
 * about 1/sqrt(2 * 125) = 0.063, so ID_MIN is more than six of them.
 */
/* One coarse lag per sample at 12 kHz: every 4th at 48 kHz.  Some coarse
 * lag is then within 42 us of any peak, under a tenth of a cycle at the
 * chirp's centre frequency, so the coarse score keeps ~90% of the peak.
 * Below 24 kHz every lag is scored. */
#define DECIM_HZ   12000
#define COARSE_MIN 0.3f
#define SYNC_MIN   0.5f
#define ID_MIN	   0.4f
#define ID_RATIO   2.0f
#define MIN_POWER  1e-7f
#define QUEUE_LEN  64
#define INGEST	   4096

struct geom {
	int sr;
	size_t sync_len, id_len, len;
	uint64_t period;
	int b0, nb;
	size_t id_taper;
	size_t decim;
	double sync_gain, id_gain;
};

static int geom_init(struct geom *g, const struct cb_amark_cfg *cfg)
{
	double level;

	if (!cfg || cfg->sample_rate < MIN_RATE || cfg->sample_rate > MAX_RATE)
		return -EINVAL;
	if (cfg->period_ms < MIN_PERIOD || cfg->period_ms > MAX_PERIOD)
		return -EINVAL;
	if (!isfinite(cfg->level_dbfs) || cfg->level_dbfs < -60.0 || cfg->level_dbfs > 0.0)
		return -EINVAL;
	g->sr = cfg->sample_rate;
	g->sync_len = (size_t)g->sr * SYNC_MS / 1000;
	g->id_len = (size_t)g->sr * ID_MS / 1000;
	g->len = g->sync_len + g->id_len;
	g->period = (uint64_t)g->sr * (uint64_t)cfg->period_ms / 1000;
	g->b0 = (int)ceil(F_LO * (double)g->id_len / g->sr);
	g->nb = (int)floor(F_HI * (double)g->id_len / g->sr) - g->b0 + 1;
	g->id_taper = (size_t)g->sr / 500;
	g->decim = g->sr >= 2 * DECIM_HZ ? (size_t)g->sr / DECIM_HZ : 1;
	level = pow(10.0, cfg->level_dbfs / 20.0);
	/* A Tukey window of taper a keeps 1 - 5a/8 of the power of a sine. */
	g->sync_gain = level * sqrt(2.0 / (1.0 - 5.0 * SYNC_TAPER / 8.0));
	g->id_gain = level / sqrt(g->nb / 2.0);
	return 0;
}

static double tukey(size_t n, size_t len)
{
	double x = ((double)n + 0.5) / (double)len;

	if (x < SYNC_TAPER / 2)
		return 0.5 * (1.0 - cos(2.0 * M_PI * x / SYNC_TAPER));
	if (x > 1.0 - SYNC_TAPER / 2)
		return 0.5 * (1.0 - cos(2.0 * M_PI * (1.0 - x) / SYNC_TAPER));
	return 1.0;
}

/* The sync chirp without gain, so the detector's template is the same curve. */
static double sync_shape(const struct geom *g, size_t n)
{
	double t = (double)n / g->sr, dur = (double)g->sync_len / g->sr;
	double ph = 2.0 * M_PI * (F_LO * t + (F_HI - F_LO) * t * t / (2.0 * dur));

	return tukey(n, g->sync_len) * sin(ph);
}

/* Short raised-cosine edges keep the burst from clicking; they cost the
 * detector a few percent of score, since the bins are then not exactly
 * orthogonal. */
static double id_edge(const struct geom *g, size_t n)
{
	size_t e = g->id_taper;

	if (n < e)
		return 0.5 * (1.0 - cos(M_PI * ((double)n + 0.5) / (double)e));
	if (n >= g->id_len - e)
		return 0.5 * (1.0 - cos(M_PI * ((double)(g->id_len - n) - 0.5) / (double)e));
	return 1.0;
}

static void id_phases(const struct geom *g, uint32_t seed, uint32_t id, double *c, double *s)
{
	struct cb_rng r;

	cb_rng_seed(&r, ((uint64_t)seed << 32 | id) ^ 0x616d61726b5f6964ULL);
	for (int b = 0; b < g->nb; b++) {
		double th = 2.0 * M_PI * cb_rng_uniform(&r);

		c[b] = cos(th);
		s[b] = sin(th);
	}
}

size_t cb_amark_len(const struct cb_amark_cfg *cfg)
{
	struct geom g;

	return geom_init(&g, cfg) ? 0 : g.len;
}

size_t cb_amark_sync_len(const struct cb_amark_cfg *cfg)
{
	struct geom g;

	return geom_init(&g, cfg) ? 0 : g.sync_len;
}

uint64_t cb_amark_period(const struct cb_amark_cfg *cfg)
{
	struct geom g;

	return geom_init(&g, cfg) ? 0 : g.period;
}

void cb_amark_render(const struct cb_amark_cfg *cfg, uint32_t k, size_t from, float *out, size_t n)
{
	double ctab[MAX_ID_LEN], stab[MAX_ID_LEN], pc[MAX_BINS], ps[MAX_BINS];
	int have_tables = 0;
	struct geom g;

	if (!out)
		return;
	if (geom_init(&g, cfg)) {
		memset(out, 0, n * sizeof(*out));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t pos = from + i, m, step, N = g.id_len;
		double v = 0;

		if (pos < from || pos >= g.len) {
			out[i] = 0;
			continue;
		}
		if (pos < g.sync_len) {
			out[i] = (float)(g.sync_gain * sync_shape(&g, pos));
			continue;
		}
		/*
		 * Each sample is computed from its index alone (through a
		 * cosine table rebuilt the same way on every call), so
		 * rendering a mark in pieces gives the same samples as
		 * rendering it whole.
		 */
		if (!have_tables) {
			for (size_t j = 0; j < N; j++) {
				ctab[j] = cos(2.0 * M_PI * (double)j / (double)N);
				stab[j] = sin(2.0 * M_PI * (double)j / (double)N);
			}
			id_phases(&g, cfg->seed, k % CB_AMARK_IDS, pc, ps);
			have_tables = 1;
		}
		pos -= g.sync_len;
		step = pos % N;
		m = ((size_t)g.b0 * pos) % N;
		for (int b = 0; b < g.nb; b++) {
			v += pc[b] * ctab[m] - ps[b] * stab[m];
			m += step;
			if (m >= N)
				m -= N;
		}
		out[i] = (float)(g.id_gain * id_edge(&g, pos) * v);
	}
}

struct cb_amark_detector {
	struct geom g;
	uint32_t seed;
	float *tmpl; /* sync template, sync_len samples */
	float tmpl_norm;
	float *coarse; /* every decim-th template sample */
	size_t ncoarse;
	float coarse_norm;
	float *ctab, *stab; /* cos, sin of 2 pi j / id_len */
	float *idc, *ids;   /* CB_AMARK_IDS rows of nb phase cosines, sines */
	float *xr, *xi;	    /* DFT of the window under test, nb bins */
	float *buf;	    /* fed samples; buf[0] is stream sample `base` */
	size_t cap, len;
	uint64_t base;
	uint64_t scan;	      /* next coarse lag to score */
	uint64_t quiet_until; /* no new mark may start before this */
	int have_pend;
	uint64_t pend; /* best coarse lag of the peak being followed */
	float pend_score;
	struct cb_amark_hit queue[QUEUE_LEN];
	size_t qhead, qlen;
	int overflow;
};

/* Where a feed call puts its hits: the caller's array first, then the queue. */
struct sink {
	struct cb_amark_hit *hits;
	size_t room, n;
};

void cb_amark_detector_close(struct cb_amark_detector *d)
{
	if (!d)
		return;
	free(d->tmpl);
	free(d->coarse);
	free(d->ctab);
	free(d->stab);
	free(d->idc);
	free(d->ids);
	free(d->xr);
	free(d->xi);
	free(d->buf);
	free(d);
}

int cb_amark_detector_open(struct cb_amark_detector **out, const struct cb_amark_cfg *cfg)
{
	double pc[MAX_BINS], ps[MAX_BINS], e = 0, ec = 0;
	struct cb_amark_detector *d;
	struct geom g;
	size_t nb;
	int rc;

	if (!out)
		return -EINVAL;
	rc = geom_init(&g, cfg);
	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->g = g;
	d->seed = cfg->seed;
	nb = (size_t)g.nb;
	d->ncoarse = (g.sync_len + g.decim - 1) / g.decim;
	d->cap = g.len + g.sync_len + 16 * g.decim + INGEST;
	d->tmpl = malloc(g.sync_len * sizeof(float));
	d->coarse = malloc(d->ncoarse * sizeof(float));
	d->ctab = malloc(g.id_len * sizeof(float));
	d->stab = malloc(g.id_len * sizeof(float));
	d->idc = malloc(CB_AMARK_IDS * nb * sizeof(float));
	d->ids = malloc(CB_AMARK_IDS * nb * sizeof(float));
	d->xr = malloc(nb * sizeof(float));
	d->xi = malloc(nb * sizeof(float));
	d->buf = malloc(d->cap * sizeof(float));
	if (!d->tmpl || !d->coarse || !d->ctab || !d->stab || !d->idc || !d->ids || !d->xr ||
	    !d->xi || !d->buf) {
		rc = -ENOMEM;
		goto out_close;
	}
	for (size_t i = 0; i < g.sync_len; i++) {
		d->tmpl[i] = (float)sync_shape(&g, i);
		e += (double)d->tmpl[i] * d->tmpl[i];
		if (i % g.decim == 0) {
			d->coarse[i / g.decim] = d->tmpl[i];
			ec += (double)d->tmpl[i] * d->tmpl[i];
		}
	}
	d->tmpl_norm = (float)sqrt(e);
	d->coarse_norm = (float)sqrt(ec);
	for (size_t j = 0; j < g.id_len; j++) {
		d->ctab[j] = (float)cos(2.0 * M_PI * (double)j / (double)g.id_len);
		d->stab[j] = (float)sin(2.0 * M_PI * (double)j / (double)g.id_len);
	}
	for (uint32_t id = 0; id < CB_AMARK_IDS; id++) {
		id_phases(&g, cfg->seed, id, pc, ps);
		for (size_t b = 0; b < nb; b++) {
			d->idc[id * nb + b] = (float)pc[b];
			d->ids[id * nb + b] = (float)ps[b];
		}
	}
	*out = d;
	return 0;

out_close:
	cb_amark_detector_close(d);
	return rc;
}

/* Four accumulators let the compiler overlap the multiply-adds. */
static void dot2(const float *x, size_t stride, const float *t, size_t n, float *xt, float *xx)
{
	float a0 = 0, a1 = 0, a2 = 0, a3 = 0, e0 = 0, e1 = 0, e2 = 0, e3 = 0;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		float v0 = x[i * stride], v1 = x[(i + 1) * stride];
		float v2 = x[(i + 2) * stride], v3 = x[(i + 3) * stride];

		a0 += v0 * t[i];
		a1 += v1 * t[i + 1];
		a2 += v2 * t[i + 2];
		a3 += v3 * t[i + 3];
		e0 += v0 * v0;
		e1 += v1 * v1;
		e2 += v2 * v2;
		e3 += v3 * v3;
	}
	for (; i < n; i++) {
		float v = x[i * stride];

		a0 += v * t[i];
		e0 += v * v;
	}
	*xt = (a0 + a1) + (a2 + a3);
	*xx = (e0 + e1) + (e2 + e3);
}

static float ncc(float xt, float xx, float tnorm, size_t n)
{
	/* Below MIN_POWER the window is silence or dither, whose correlation
	 * means nothing; skipping it also keeps silence cheap. */
	if (xx < MIN_POWER * (float)n)
		return 0;
	return xt / (sqrtf(xx) * tnorm);
}

static float coarse_score(const struct cb_amark_detector *d, uint64_t lag)
{
	float xt, xx;

	dot2(d->buf + (lag - d->base), d->g.decim, d->coarse, d->ncoarse, &xt, &xx);
	return ncc(xt, xx, d->coarse_norm, d->ncoarse);
}

static float sync_score(const struct cb_amark_detector *d, uint64_t lag)
{
	float xt, xx;

	dot2(d->buf + (lag - d->base), 1, d->tmpl, d->g.sync_len, &xt, &xx);
	return ncc(xt, xx, d->tmpl_norm, d->g.sync_len);
}

/*
 * Score the identity window that starts at stream sample `at` against every
 * identity: one DFT over the burst's bins, then per identity the in-band
 * normalized correlation sum_b Re(e^{i theta_b} conj(X_b)) / (|X| sqrt(nb)).
 */
static void id_score(struct cb_amark_detector *d, uint64_t at, uint32_t *id, float *best,
		     float *second)
{
	const float *x = d->buf + (at - d->base);
	size_t N = d->g.id_len, nb = (size_t)d->g.nb;
	float energy = 0, norm;

	for (size_t b = 0; b < nb; b++) {
		size_t bin = (size_t)d->g.b0 + b, m = 0;
		float re = 0, im = 0;

		for (size_t n = 0; n < N; n++) {
			re += x[n] * d->ctab[m];
			im -= x[n] * d->stab[m];
			m += bin;
			if (m >= N)
				m -= N;
		}
		d->xr[b] = re;
		d->xi[b] = im;
		energy += re * re + im * im;
	}
	*id = 0;
	*best = *second = -1.0f;
	if (energy <= 0)
		return;
	norm = 1.0f / (sqrtf(energy) * sqrtf((float)nb));
	for (uint32_t k = 0; k < CB_AMARK_IDS; k++) {
		const float *c = d->idc + k * nb, *s = d->ids + k * nb;
		float acc = 0;

		for (size_t b = 0; b < nb; b++)
			acc += c[b] * d->xr[b] + s[b] * d->xi[b];
		acc *= norm;
		if (acc > *best) {
			*second = *best;
			*best = acc;
			*id = k;
		} else if (acc > *second) {
			*second = acc;
		}
	}
}

static void emit(struct cb_amark_detector *d, struct sink *sk, const struct cb_amark_hit *h)
{
	if (d->qlen == 0 && sk->n < sk->room) {
		sk->hits[sk->n++] = *h;
		return;
	}
	if (d->qlen == QUEUE_LEN) {
		/* Nobody is collecting: keep the newest and say so. */
		d->qhead = (d->qhead + 1) % QUEUE_LEN;
		d->qlen--;
		d->overflow = 1;
	}
	d->queue[(d->qhead + d->qlen) % QUEUE_LEN] = *h;
	d->qlen++;
}

static void drain(struct cb_amark_detector *d, struct sink *sk)
{
	while (d->qlen && sk->n < sk->room) {
		sk->hits[sk->n++] = d->queue[d->qhead];
		d->qhead = (d->qhead + 1) % QUEUE_LEN;
		d->qlen--;
	}
}

/* Refine the followed coarse peak to the sample, identify it, and emit it. */
static void finalize(struct cb_amark_detector *d, struct sink *sk)
{
	uint64_t lo, hi, at = 0, q, k, period = d->g.period;
	float best = -1.0f, ib, i2;
	struct cb_amark_hit h;
	uint32_t id;

	d->have_pend = 0;
	lo = d->pend > 2 * d->g.decim ? d->pend - 2 * d->g.decim : 0;
	if (lo < d->base)
		lo = d->base;
	hi = d->pend + 2 * d->g.decim;
	for (uint64_t lag = lo; lag <= hi; lag++) {
		float s = sync_score(d, lag);

		if (s > best) {
			best = s;
			at = lag;
		}
	}
	if (best < SYNC_MIN)
		return;
	id_score(d, at + d->g.sync_len, &id, &ib, &i2);
	if (ib < ID_MIN || ib < ID_RATIO * i2)
		return;
	/*
	 * The largest k with k = id (mod CB_AMARK_IDS) and k * period <=
	 * at + period / 2: a mark cannot come out before it went in, give or
	 * take half a period.
	 */
	q = (at + period / 2) / period;
	if (q < id)
		return;
	k = id + (q - id) / CB_AMARK_IDS * CB_AMARK_IDS;
	d->quiet_until = at + d->g.len;
	h.mark = (uint32_t)k;
	h.src_sample = k * period;
	h.out_sample = at;
	h.sync_score = best;
	h.id_score = ib;
	emit(d, sk, &h);
}

/*
 * Score every coarse lag whose mark (plus the refinement margin) has been
 * fed completely.  A coarse peak is followed until no higher score has come
 * for one sync length, then finalized; so each mark is reported once, as soon
 * as all of it is in.
 */
static void scan(struct cb_amark_detector *d, struct sink *sk)
{
	uint64_t end = d->base + d->len;

	while (d->scan + 2 * d->g.decim + d->g.len <= end) {
		uint64_t lag = d->scan;

		if (d->have_pend && lag > d->pend + d->g.sync_len)
			finalize(d, sk);
		if (lag >= d->quiet_until) {
			float s = coarse_score(d, lag);

			if (s >= COARSE_MIN && (!d->have_pend || s > d->pend_score)) {
				d->have_pend = 1;
				d->pend = lag;
				d->pend_score = s;
			}
		}
		d->scan += d->g.decim;
	}
}

/* Drop samples that no lag still to be scored or refined can reach. */
static void compact(struct cb_amark_detector *d)
{
	uint64_t keep = d->scan;
	size_t drop;

	if (d->have_pend && d->pend < keep)
		keep = d->pend;
	keep = keep > 2 * d->g.decim ? keep - 2 * d->g.decim : 0;
	if (keep <= d->base)
		return;
	drop = (size_t)(keep - d->base);
	if (drop > d->len)
		drop = d->len;
	memmove(d->buf, d->buf + drop, (d->len - drop) * sizeof(float));
	d->len -= drop;
	d->base += drop;
}

/* Append `n` samples (zeros when `pcm` is NULL) and scan them. */
static void ingest(struct cb_amark_detector *d, const int16_t *pcm, size_t n, struct sink *sk)
{
	while (n > 0) {
		size_t take;

		/* Compacting only when short of room keeps tiny feeds cheap. */
		if (d->cap - d->len < n)
			compact(d);
		take = d->cap - d->len;
		if (take > n)
			take = n;
		for (size_t i = 0; i < take; i++)
			d->buf[d->len + i] = pcm ? pcm[i] * (1.0f / 32768.0f) : 0.0f;
		d->len += take;
		n -= take;
		if (pcm)
			pcm += take;
		scan(d, sk);
	}
}

static int sink_init(struct sink *sk, struct cb_amark_detector *d, struct cb_amark_hit *hits,
		     size_t *nhits)
{
	if (!d || !nhits || (!hits && *nhits))
		return -EINVAL;
	sk->hits = hits;
	sk->room = *nhits;
	sk->n = 0;
	drain(d, sk);
	return 0;
}

static int sink_done(struct sink *sk, struct cb_amark_detector *d, size_t *nhits)
{
	drain(d, sk);
	*nhits = sk->n;
	if (d->overflow) {
		d->overflow = 0;
		return CB_E_NOSPACE;
	}
	return 0;
}

int cb_amark_detector_feed(struct cb_amark_detector *d, const int16_t *pcm, size_t n,
			   struct cb_amark_hit *hits, size_t *nhits)
{
	struct sink sk;
	int rc;

	if (!pcm && n)
		return -EINVAL;
	rc = sink_init(&sk, d, hits, nhits);
	if (rc)
		return rc;
	ingest(d, pcm, n, &sk);
	return sink_done(&sk, d, nhits);
}

int cb_amark_detector_skip(struct cb_amark_detector *d, uint64_t n, struct cb_amark_hit *hits,
			   size_t *nhits)
{
	uint64_t z, lead;
	struct sink sk;
	int rc;

	rc = sink_init(&sk, d, hits, nhits);
	if (rc)
		return rc;
	/*
	 * Enough real zeros to finish every mark that began before the skip
	 * and to leave only zeros in the buffer; after that, more zeros change
	 * nothing but the stream position, so the rest is a shift.
	 */
	lead = d->g.len + 2 * d->g.sync_len + 8 * d->g.decim;
	z = n < lead ? n : lead;
	ingest(d, NULL, (size_t)z, &sk);
	if (n > z) {
		compact(d);
		d->base += n - z;
		d->scan += n - z;
	}
	return sink_done(&sk, d, nhits);
}
