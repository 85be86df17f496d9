/*
 * sweep.h — a grid of calls (a sweep) and its comparison report.
 *
 * A sweep is a list of axes (a setting's name, call/settings.h, and the
 * values it takes) and the cells of their cartesian product, each one call with a
 * run folder inside the sweep folder:
 *
 * <sweep dir>/
 *   sweep.json       schema callbench.sweep/1: axes, cells (name, axis
 *                    values, dir, status), rewritten after every cell
 *   <cell>/          one run folder per cell (see SCHEMA.md)
 *   comparison.csv   one row per cell: axis values and the key figures
 *   comparison.md    the same table for people, verdict first
 *   report.html      self-contained: table, band map and plots inline
 *   sweep_latency, sweep_rd, sweep_bands .{png,svg}   gnuplot plots
 *
 * Running the cells is call/sweep_run.h's; an axis value is applied to a
 * call's settings by the setting's row, so that any setting can be an axis.
 */
#ifndef CB_REPORT_SWEEP_H
#define CB_REPORT_SWEEP_H

#include <stdatomic.h>
#include <stddef.h>

#include "base/log.h"
#include "call/call.h"

#define CB_SWEEP_SCHEMA	  "callbench.sweep/1"
#define CB_SWEEP_MAX_AXES 8

/** One axis: a setting's name and its values (owned, heap strings). */
struct cb_sweep_axis {
	char name[32];
	char **values;
	size_t n;
};

/**
 * The figures of one cell, read back from its summary.json (NaN when not
 * measured: null there, or no summary at all).
 */
struct cb_sweep_fig {
	char run_id[64];
	char status[16]; /**< run status; "missing" when there is no summary.json */
	char band[16];	 /**< overall verdict band, "none" when not measured */
	double verdict_pct, verdict_ms;
	double video_p50, video_p95, video_p99;
	double audio_p50, audio_p95;
	double psnr_mean, ssim_mean;
	double video_kbps, target_kbps;
	double encode_ms; /**< mean of the encode stage: CPU per frame */
	double identified_pct;
	double wall_s, media_s;
	char video_codec[16];
	int width, height;
	char net_profile[64];
};

/** One cell: its name (= its run folder's name), axis values and figures. */
struct cb_sweep_cell {
	char name[128];
	/** Run folder: relative to the sweep folder, or absolute (merged cells). */
	char dir[512];
	char *value[CB_SWEEP_MAX_AXES]; /**< owned; one per axis, "" when unknown */
	/** "pending", "complete", "interrupted", "failed", "missing" (no summary),
	 * "invalid" (a summary whose band or status is outside the schema). */
	char status[16];
	struct cb_sweep_fig fig;
};

struct cb_sweep {
	char id[64];
	struct cb_sweep_axis axis[CB_SWEEP_MAX_AXES];
	size_t n_axes;
	struct cb_sweep_cell *cells;
	size_t n_cells;
	/**
	 * "planned" (jobs emitted), "running", "complete" (every cell ran),
	 * "interrupted" (stopped: the rest are pending), "partial" (a merge
	 * or report with cells missing or not complete).
	 */
	char status[16];
};

/** Free everything `sw` owns and zero it; safe on a zeroed sweep. */
void cb_sweep_free(struct cb_sweep *sw);

/**
 * Add an axis `name` with `n` values (copied).  -EINVAL for an empty name
 * or list or a repeated axis name, CB_E_RANGE past CB_SWEEP_MAX_AXES axes,
 * -ENOMEM.  Call before cb_sweep_plan().
 */
int cb_sweep_axis_add(struct cb_sweep *sw, const char *name, const char *const *values, size_t n);

/**
 * Make the cells: the cartesian product of the axes, the last axis varying
 * fastest, each named from its values (characters other than letters,
 * digits, '.', '+' and '-' become '-', values joined by '_'; a repeated name
 * gets "-2", "-3"...) with dir = name and status "pending".  One cell named
 * "base" when there is no axis.  0, -ENOMEM, or CB_E_RANGE above 100000 cells.
 */
int cb_sweep_plan(struct cb_sweep *sw);

/** The index of the axis named `name`, or -1. */
int cb_sweep_axis_find(const struct cb_sweep *sw, const char *name);
/** A cell's run folder: its dir, under `dir` unless absolute. */
void cb_sweep_cell_path(const char *dir, const struct cb_sweep_cell *c, char *out, size_t room);

/** Write `dir`/sweep.json describing `sw` (axes, cells, status). */
int cb_sweep_json_write(const struct cb_sweep *sw, const char *dir);

/**
 * Read the figures of the run folder `run_dir` (its summary.json) into
 * `fig`; 0, CB_E_FORMAT with fig->status "invalid" and band "none" when
 * its verdict band or status is none of the schema's, or another negative
 * error with fig->status "missing".
 */
int cb_sweep_fig_read(const char *run_dir, struct cb_sweep_fig *fig);

/**
 * Add the cells of a result folder to `sw` for a merged report into
 * `out_dir`: a sweep folder (with sweep.json) adds its axes and cells, a
 * run folder (with summary.json) adds one cell; cell dirs are made
 * relative to `out_dir` when inside it, else absolute.  After every folder
 * is added, cb_sweep_merge_finish() fills axis values that cells lack.
 * 0, CB_E_NOTFOUND (neither kind of folder), CB_E_FORMAT, -ENOMEM.
 */
int cb_sweep_merge_add(struct cb_sweep *sw, const char *folder, const char *out_dir);

/**
 * Finish a merge: a cell without a value for an axis takes it from its
 * summary's settings when the axis is a setting with a value of its own
 * (call/settings.h: read back by its row, written as --NAME takes it);
 * when no folder was a sweep, the axes are those settings that differ
 * between the cells, in the table's order.
 */
int cb_sweep_merge_finish(struct cb_sweep *sw, const char *out_dir);

/**
 * Read every cell's figures (status "missing" where there is no summary)
 * and write `dir`/sweep.json, comparison.csv, comparison.md, the plots
 * (gnuplot; a failure is logged and noted, not fatal) and report.html.
 * When `stop` (may be NULL) is set while gnuplot runs, it is ended and the
 * report goes on without plots.
 */
int cb_sweep_report_write(struct cb_sweep *sw, const char *dir, const struct cb_logger *log,
			  const atomic_int *stop);

/** Write `dir`/report.html for the sweep (figures already read). */
int cb_sweep_report_html(const struct cb_sweep *sw, const char *dir, int have_plots);

/** The colour of a band by name ("excellent" ... "unusable"; grey otherwise), "#rrggbb". */
const char *cb_report_band_color(const char *band);

#endif
