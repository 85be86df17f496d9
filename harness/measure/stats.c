#include <math.h>
#include <stdlib.h>

#include "measure/stats.h"

static const struct {
	const char *name;
	double limit, missing;
	const char *feel;
} bands[CB_BAND_COUNT] = {
#define XX(n, s, lim, miss, feel) [CB_BAND_##n] = {s, lim, miss, feel},
    CB_BAND_MAP(XX)
#undef XX
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double cb_percentile_sorted(const double *s, size_t n, double p)
{
	double r;
	size_t k;

	if (!s || n == 0 || isnan(p))
		return NAN;
	/*
	 * Nearest rank: the smallest sample with at least p% of the samples at
	 * or below it, i.e. rank ceil(p/100 * n), clamped to [1, n] so that p=0
	 * gives the minimum and p=100 the maximum.  The small epsilon keeps
	 * p/100*n that should be an integer (95% of 100) from rounding up to the
	 * next rank through floating-point error.
	 */
	r = ceil(p / 100.0 * (double)n - 1e-9);
	if (r < 1)
		r = 1;
	k = r > (double)n ? n : (size_t)r;
	return s[k - 1];
}

void cb_dist_compute(double *v, size_t n, struct cb_dist *d)
{
	size_t m = 0;
	double sum = 0;

	if (!d)
		return;
	/* Compact the non-NaN samples to the front, then sort only those. */
	for (size_t i = 0; v && i < n; i++)
		if (!isnan(v[i]))
			v[m++] = v[i];
	d->n = m;
	if (m == 0) {
		d->min = d->mean = d->p50 = d->p90 = d->p95 = d->p99 = d->max = NAN;
		return;
	}
	qsort(v, m, sizeof(*v), cmp_double);
	for (size_t i = 0; i < m; i++)
		sum += v[i];
	d->min = v[0];
	d->max = v[m - 1];
	d->mean = sum / (double)m;
	d->p50 = cb_percentile_sorted(v, m, 50);
	d->p90 = cb_percentile_sorted(v, m, 90);
	d->p95 = cb_percentile_sorted(v, m, 95);
	d->p99 = cb_percentile_sorted(v, m, 99);
}

enum cb_band cb_band_of(double ms)
{
	if (isnan(ms))
		return CB_BAND_NONE;
	for (int b = 0; b < CB_BAND_COUNT - 1; b++)
		if (ms <= bands[b].limit)
			return (enum cb_band)b;
	return CB_BAND_UNUSABLE;
}

enum cb_band cb_band_of_missing(double pct)
{
	if (isnan(pct))
		return CB_BAND_NONE;
	for (int b = 0; b < CB_BAND_COUNT - 1; b++)
		if (pct <= bands[b].missing)
			return (enum cb_band)b;
	return CB_BAND_UNUSABLE;
}

double cb_band_limit_missing_pct(enum cb_band b)
{
	if (b == CB_BAND_UNUSABLE)
		return INFINITY;
	return b >= 0 && b < CB_BAND_COUNT ? bands[b].missing : NAN;
}

const char *cb_band_name(enum cb_band b)
{
	return b >= 0 && b < CB_BAND_COUNT ? bands[b].name : "none";
}

const char *cb_band_feel(enum cb_band b)
{
	return b >= 0 && b < CB_BAND_COUNT ? bands[b].feel : "no measurement";
}

double cb_band_limit_ms(enum cb_band b)
{
	if (b == CB_BAND_UNUSABLE)
		return INFINITY;
	return b >= 0 && b < CB_BAND_COUNT ? bands[b].limit : NAN;
}
