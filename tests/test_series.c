/*
 * test_series.c — a plotted curve thinned to a bounded number of points
 * keeps every spike and dip, its time order and its ends.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/series.h"
#include "test_util.h"

/* Write `n` points (x = i / 30, y from `y_of`) through a series; read the
 * rows back into *xs, *ys; their count. */
static size_t through(size_t n, double (*y_of)(size_t i), double **xs, double **ys)
{
	char *buf = NULL, line[128];
	size_t len = 0, got = 0, cap = 16;
	FILE *f = open_memstream(&buf, &len), *in;
	struct cb_series s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	cb_series_begin(&s, f, "%.6f %.3f\n", n);
	for (size_t i = 0; i < n; i++)
		cb_series_add(&s, (double)i / 30.0, y_of(i));
	cb_series_end(&s);
	fclose(f);
	*xs = malloc(cap * sizeof(double));
	*ys = malloc(cap * sizeof(double));
	in = fmemopen(buf, len ? len : 1, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	while (len && fgets(line, sizeof(line), in)) {
		if (line[0] == '#')
			continue;
		if (got == cap) {
			cap *= 2;
			*xs = realloc(*xs, cap * sizeof(double));
			*ys = realloc(*ys, cap * sizeof(double));
		}
		CU_ASSERT_EQUAL_FATAL(sscanf(line, "%lf %lf", &(*xs)[got], &(*ys)[got]), 2);
		got++;
	}
	fclose(in);
	free(buf);
	return got;
}

static double wavy(size_t i)
{
	if (i == 54321)
		return 987.0; /* a spike */
	if (i == 77777)
		return 1.5; /* a dip */
	return 50.0 + 10.0 * sin((double)i / 100.0);
}

static void test_short_curve_whole(void)
{
	double *x, *y;
	size_t n = through(1000, wavy, &x, &y);

	CU_ASSERT_EQUAL(n, 1000);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_DOUBLE_EQUAL(x[i], (double)i / 30.0, 1e-6);
		CU_ASSERT_DOUBLE_EQUAL(y[i], wavy(i), 1e-3);
	}
	free(x);
	free(y);
}

static void test_long_curve_bounded(void)
{
	double *x, *y, lo = INFINITY, hi = -INFINITY;
	size_t n = through(108000, wavy, &x, &y);
	int ordered = 1;

	CU_ASSERT(n <= CB_SERIES_MAX_POINTS);
	CU_ASSERT(n >= CB_SERIES_MAX_POINTS / 2);
	for (size_t i = 0; i < n; i++) {
		if (i && x[i] < x[i - 1])
			ordered = 0;
		lo = fmin(lo, y[i]);
		hi = fmax(hi, y[i]);
	}
	CU_ASSERT(ordered);
	CU_ASSERT_DOUBLE_EQUAL(hi, 987.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(lo, 1.5, 1e-9);
	/* the spike at its own time */
	for (size_t i = 0; i < n; i++)
		if (y[i] == 987.0)
			CU_ASSERT_DOUBLE_EQUAL(x[i], 54321 / 30.0, 1e-6);
	/* the ends are within the first and last runs */
	CU_ASSERT(x[0] < 108000 / 30.0 / (CB_SERIES_MAX_POINTS / 2));
	CU_ASSERT(x[n - 1] > 107999 / 30.0 - 108000 / 30.0 / (CB_SERIES_MAX_POINTS / 2));
	free(x);
	free(y);
}

static void test_sorted_spread(void)
{
	size_t kept = 0, n = 250001;

	for (size_t i = 0; i < n; i++)
		kept += cb_series_keep_sorted(i, n) != 0;
	CU_ASSERT(kept <= CB_SERIES_MAX_POINTS);
	CU_ASSERT(kept >= CB_SERIES_MAX_POINTS * 9 / 10);
	CU_ASSERT(cb_series_keep_sorted(0, n));
	CU_ASSERT(cb_series_keep_sorted(n - 1, n));
	for (size_t i = 0; i < 100; i++)
		CU_ASSERT(cb_series_keep_sorted(i, 100));
}

int cb_suite_series(void)
{
	static const struct cb_test_case cases[] = {
	    {"a curve within the bound is written whole", test_short_curve_whole},
	    {"a long curve: bounded, ordered, spikes and dips kept", test_long_curve_bounded},
	    {"a sorted curve: an even spread, both ends", test_sorted_spread},
	    {NULL, NULL},
	};

	return cb_add_suite("series", cases);
}
