/*
 * series.h — the points of one plotted curve, bounded: a ten-minute call
 * has 36 000 video frames, and a chart 960 pixels wide drawn from each of
 * them makes a report.html of megabytes that shows no more.  Past
 * CB_SERIES_MAX_POINTS, each run of k consecutive points is written as its
 * lowest and its highest point, in time order, so that every spike and dip
 * stays on the chart; frames.csv keeps every frame.
 */
#ifndef CB_REPORT_SERIES_H
#define CB_REPORT_SERIES_H

#include <stddef.h>
#include <stdio.h>

#define CB_SERIES_MAX_POINTS 2400

struct cb_series {
	FILE *f;
	const char *fmt; /* printf format of one "x y\n" row */
	size_t k;	 /* points per run: 1 writes every point */
	size_t in_run, written;
	double lo_x, lo_y, hi_x, hi_y;
};

/* Start a curve of `n` points (counted beforehand) into `f`, rows in `fmt`
 * (two doubles); writes a comment saying how it was thinned, if it was. */
void cb_series_begin(struct cb_series *s, FILE *f, const char *fmt, size_t n);
void cb_series_add(struct cb_series *s, double x, double y);
/* Write what the last run holds. */
void cb_series_end(struct cb_series *s);

/* For a sorted curve (a CDF): of `n` points, whether point i is kept — an
 * even spread of at most CB_SERIES_MAX_POINTS, the first and last always. */
int cb_series_keep_sorted(size_t i, size_t n);

#endif
