/*
 * compare.h — hold one run (or sweep) against another, metric by metric,
 * with a tolerance per metric, and write the outcome as JUnit XML and as a
 * Markdown table for a pull-request comment.
 *
 * Inputs are summary.json files (schema callbench.summary/1), folders that
 * hold one, or sweep folders: a folder with sweep.json
 * {"cells": [{"name": ..., "dir": ...}, ...]}, whose cells are compared by
 * name (`dir` relative to the sweep folder unless absolute).
 *
 * Every metric has a direction (which way is worse) and a tolerance: the
 * worsening it may show before it counts as a regression.  An improvement
 * always passes.  A tolerance has an absolute part (`abs`, in the metric's
 * unit) and a relative part (`rel_pct`, % of the baseline value); when both
 * are set, a change is a regression only if it exceeds both, so a 10 %
 * limit on a 20 ms latency does not fail on 2.1 ms of noise and a 5 ms
 * floor does not hide a 50 ms step on a 1 s latency.
 */
#ifndef CB_REPORT_COMPARE_H
#define CB_REPORT_COMPARE_H

#include <stddef.h>

#define CB_CMP_SCHEMA_TOL "callbench.tolerances/1"

/** The metrics compare knows, in the order they are reported. */
#define CB_CMP_METRIC_MAX 24

/** One tolerance.  NaN in `abs` or `rel_pct` means that part is not set. */
struct cb_cmp_tol {
	double abs;	/**< allowed worsening in the metric's unit (ms, dB, points, steps) */
	double rel_pct; /**< allowed worsening in % of the baseline value */
	int skip;	/**< 1: the metric is not compared */
};

/** A tolerance for every metric, indexed as cb_cmp_metric_name(). */
struct cb_cmp_tolerances {
	struct cb_cmp_tol tol[CB_CMP_METRIC_MAX];
};

/** One metric of one run (or sweep cell), compared. */
struct cb_cmp_item {
	char group[128];       /**< sweep cell name; "" when two runs were compared */
	const char *name;      /**< e.g. "video.latency_ms.p95" (static storage) */
	const char *unit;      /**< "ms", "dB", "%", "" (static storage) */
	double baseline;       /**< NaN when not measured (null in summary.json) */
	double current;	       /**< NaN when not measured */
	double delta;	       /**< current - baseline; NaN if either is */
	char baseline_txt[32]; /**< the value as shown: number, band or status name */
	char current_txt[32];
	char change_txt[80];	/**< e.g. "+30.0 ms (+52.6 %)", "good → poor" */
	char tolerance_txt[64]; /**< e.g. "+10 % and +5 ms" */
	int pass;		/**< 1 within tolerance (or better), 0 regression */
};

/** A compared pair of runs: the whole comparison, or one sweep cell. */
struct cb_cmp_group {
	char name[128];		 /**< cell name, "" for two single runs */
	char baseline_path[512]; /**< summary.json read on each side */
	char current_path[512];
	size_t first, n; /**< its items: items[first .. first + n) */
	size_t failed;
};

/** The outcome of cb_cmp_paths().  Owned by the caller: cb_cmp_report_free(). */
struct cb_cmp_report {
	struct cb_cmp_item *items;
	size_t n_items;
	struct cb_cmp_group *groups;
	size_t n_groups;
	size_t failed; /**< items with pass == 0, over every group */
	int sweep;     /**< 1 when sweep folders were compared */
	/** cells only in the current sweep (not compared), comma-separated */
	char extra_cells[512];
	/** on error: which file and which member was wrong */
	char error[768];
};

/** Number of metrics (≤ CB_CMP_METRIC_MAX). */
size_t cb_cmp_metric_count(void);
/** Name of metric `i` ("video.latency_ms.p95", ...), NULL past the end. */
const char *cb_cmp_metric_name(size_t i);
/** Human text of the tolerance `t` of metric `i` ("+10 % and +5 ms"), into `out`. */
void cb_cmp_tol_text(size_t i, const struct cb_cmp_tol *t, char *out, size_t len);

/**
 * The built-in tolerances: latency p50 and p95 +10 % and +5 ms (both must be
 * exceeded), identified % −1 point, PSNR mean −0.5 dB, SSIM mean −0.01,
 * freezes +1, packets lost after recovery +1 point of the packets sent,
 * verdict band and run status: any step worse, E-model MOS −0.1.
 */
void cb_cmp_tolerances_default(struct cb_cmp_tolerances *t);

/**
 * Overlay the tolerances file `path` on `t`:
 * {"schema": "callbench.tolerances/1" (optional), "tolerances": {KEY: TOL}}
 * where KEY is a metric name ("video.latency_ms.p95") or one without its
 * media ("latency_ms.p95": both media; a full name wins over it), and TOL
 * is {"abs": N, "rel_pct": N} (a member set to null unsets that part; a
 * member left out keeps the default) or {"skip": true}.  Unknown keys are
 * errors, so a typo cannot silently keep a default.  Returns 0, -errno
 * (file), or CB_E_FORMAT with the reason (file and member) in `why`.
 */
int cb_cmp_tolerances_load(struct cb_cmp_tolerances *t, const char *path, char *why, size_t len);

/**
 * Compare `baseline` with `current` (each a summary.json, a run folder or a
 * sweep folder; both of one kind) under `tol`.  Fills `out` (zeroed first)
 * and returns 0 whether or not something regressed (out->failed says).
 * Bad input — a file missing (-ENOENT...), not JSON, another schema, a
 * member or metric missing, a sweep cell missing in `current`, a sweep
 * against a run — returns a negative code (-errno or CB_E_FORMAT) with
 * out->error naming the file and member.  -ENOMEM on allocation failure.
 */
int cb_cmp_paths(const char *baseline, const char *current, const struct cb_cmp_tolerances *tol,
		 struct cb_cmp_report *out);

/**
 * JUnit XML: <testsuites> with one <testsuite> per group (run or sweep
 * cell) and one <testcase> per metric; a regression has a
 * <failure message="..."> with the figures.  Written atomically.
 * 0 or a negative errno.
 */
int cb_cmp_write_junit(const struct cb_cmp_report *r, const char *path);
/** JUnit for a comparison that could not be made (bad input): one error
 * test case with `message`, so that CI never reads "no file" as a pass. */
int cb_cmp_write_junit_error(const char *path, const char *message);

/**
 * A Markdown summary for a pull-request comment: the outcome, then per
 * group a table metric | baseline | current | change | tolerance | ✅/❌.
 * Written atomically.  0 or a negative errno.
 */
int cb_cmp_write_markdown(const struct cb_cmp_report *r, const char *path);

/** Free what cb_cmp_paths() allocated; `r` may be zeroed or half filled. */
void cb_cmp_report_free(struct cb_cmp_report *r);

#endif
