/*
 * stats.h — distributions and quality bands.
 *
 * Percentiles are exact, from all samples: the sample at rank
 * ceil(p/100 * n) of the sorted samples (nearest-rank method), so every
 * reported percentile is a latency that was really measured.
 */
#ifndef CB_MEASURE_STATS_H
#define CB_MEASURE_STATS_H

#include <stddef.h>

struct cb_dist {
	size_t n;
	double min, mean, p50, p90, p95, p99, max;
};

/**
 * Compute the distribution of v[0..n).  NaN samples are skipped.  `v` is
 * sorted in place.  With no samples every field but n is NaN.
 */
void cb_dist_compute(double *v, size_t n, struct cb_dist *d);
/** Nearest-rank percentile of sorted s[0..n); NaN if n == 0. */
double cb_percentile_sorted(const double *s, size_t n, double p);

/* name, latency limit (ms), missing limit (% of frames never shown or
 * heard), feel.  A value at a limit is inside the band. */
#define CB_BAND_MAP(XX)                                                                            \
	XX(EXCELLENT, "excellent", 100.0, 1.0, "very good call")                                   \
	XX(GOOD, "good", 200.0, 3.0, "good call")                                                  \
	XX(ACCEPTABLE, "acceptable", 500.0, 10.0, "usable")                                        \
	XX(POOR, "poor", 1000.0, 25.0, "noticeable lag")                                           \
	XX(UNUSABLE, "unusable", 1.0e300, 1.0e300, "obvious lag; conversation breaks")

enum cb_band {
#define XX(n, s, lim, miss, feel) CB_BAND_##n,
	CB_BAND_MAP(XX)
#undef XX
	    CB_BAND_COUNT,
	CB_BAND_NONE = -1 /**< no measurement */
};

/** The band of a one-way latency in ms (<= limit is inside); NONE for NaN. */
enum cb_band cb_band_of(double ms);
const char *cb_band_name(enum cb_band b); /* "excellent"..., "none" */
const char *cb_band_feel(enum cb_band b);
double cb_band_limit_ms(enum cb_band b); /* 100, 200, 500, 1000, inf */
/** The band of a share of frames never shown / heard, in % (<= limit is
 * inside: 1, 3, 10, 25); NONE for NaN. */
enum cb_band cb_band_of_missing(double pct);
double cb_band_limit_missing_pct(enum cb_band b);

#endif
