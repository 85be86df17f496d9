/*
 * report_check.h — read a run folder back and check that its files agree.
 *
 * Used by the report suite on synthetic runs and by the call suite on real
 * ones: summary.json is parsed with jansson and held against frames.csv and
 * packets.csv parsed back, so a figure in the summary that does not follow
 * from the per-frame rows is caught whatever produced the run.
 */
#ifndef CB_TEST_REPORT_CHECK_H
#define CB_TEST_REPORT_CHECK_H

#include <stddef.h>

/** A CSV file read back: a header and rows of cells (no quoting). */
struct cb_csv {
	char *text;  /* owned; cells point into it */
	char **cell; /* nrows * ncols cell pointers, row-major */
	size_t ncols, nrows;
	char **head; /* ncols column names */
};

/** Read `path`; 0 or a negative errno / CB_E_FORMAT (ragged row). */
int cb_csv_read(const char *path, struct cb_csv *csv);
/** Column index of `name`, or -1. */
int cb_csv_col(const struct cb_csv *csv, const char *name);
/** Cell of row `r` in column `c` ("" when empty). */
const char *cb_csv_at(const struct cb_csv *csv, size_t r, int c);
void cb_csv_free(struct cb_csv *csv);

/** Read a whole file into a NUL-terminated string (free() it); NULL on failure. */
char *cb_slurp(const char *path, size_t *len);

/**
 * Check the run folder `dir`: summary.json, frames.csv, packets.csv,
 * report.md and report.html (whole, to its closing tag) exist and no *.tmp is left; the schema and
 * status are known; for each media in the summary the counts equal the number of frames.csv rows
 * with the flag set, latency n/min/p50/p95/p99/max equal the nearest-rank
 * figures of the e2e_ms column, the verdict band is the band of the
 * verdict percentile, packets.sent equals the packets.csv rows with a
 * sent time, summary.json has "recovery" and, per media, "rtcp" figures,
 * and report.md names the band of each media and has its Recovery section.
 * Returns 0 when all
 * hold; otherwise -1 with the first disagreement described in `why`.
 */
int cb_check_run_folder(const char *dir, char *why, size_t why_len);

#endif
