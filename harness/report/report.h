/*
 * report.h — turn a cb_run_result into the files of a run folder.
 *
 * <out_dir>/<run_id>/
 *   summary.json   versioned schema (see report/SCHEMA.md), every figure
 *   frames.csv     one row per frame, every stamp
 *   packets.csv    one row per RTP packet
 *   report.md      verdict, tables, plots embedded
 *   report.html    the same, self-contained (plots inline), for a browser
 *   latency.{png,svg}, cdf.{png,svg}, stages.{png,svg}   gnuplot plots, and
 *   jitter_buffer, psnr, rtcp .{png,svg} when there is data for them
 * and <out_dir>/latest -> <run_id>.
 *
 * Every file is written under a temporary name and renamed into place, so a
 * reader never sees half a file.  Plots need gnuplot; without it the report
 * says so and everything else is still written.
 */
#ifndef CB_REPORT_REPORT_H
#define CB_REPORT_REPORT_H

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "base/log.h"
#include "call/call.h"

/**
 * The media that decides the call's verdict: the worse band of the enabled
 * media, where "no measurement" ranks below unusable.  NULL if none enabled.
 */
const struct cb_media_result *cb_run_worst_media(const struct cb_run_result *res);

/** The verdict rule, in one sentence, for reports. */
extern const char cb_verdict_rule[];
/**
 * Why `m` got its verdict, in one line: the deciding part first, then the
 * other two, e.g. "decided by on-screen age p95 3873.7 ms; delivered
 * latency p95 106.0 ms (good); never shown 95.3 % (unusable)".
 */
void cb_verdict_explain(const struct cb_media_result *m, double pct, char *buf, size_t len);
/**
 * One line for report.md and report.html on what the emulator added, e.g.
 * "56.1 ms mean over 1234 packets; 0.06 ms behind the release times on
 * average (max 0.41 ms)".
 */
void cb_net_added_describe(const struct cb_net_added *a, char *buf, size_t len);

#define CB_SUMMARY_SCHEMA "callbench.summary/1"

/**
 * Write the whole run folder.  `dir_out` (may be NULL) receives its path.
 * Returns 0, or a negative error naming the first file that failed (logged).
 * A file that cannot be written leaves no temporary file and no
 * summary.json (it is written last), so the folder is not taken for a
 * finished run.  When `stop` (may be NULL) becomes non-zero the writer
 * stops before the next file (and ends a running gnuplot): CB_E_STOPPED,
 * with the same guarantees, and `latest` is not moved.  Sets
 * res->plots_made and plots_failed to what gnuplot made.
 */
int cb_report_write(struct cb_run_result *res, const struct cb_logger *log, const atomic_int *stop,
		    char *dir_out, size_t dir_len);

/** Individual writers (used by cb_report_write, and by tests). */
int cb_report_summary_json(const struct cb_run_result *res, const char *path);
/** summary.json as a jansson tree (json_decref it), NULL on ENOMEM. */
struct json_t *cb_report_summary_build(const struct cb_run_result *res);
/** summary.json's text (free it), NULL on ENOMEM. */
char *cb_report_summary_text(const struct cb_run_result *res);
int cb_report_frames_csv(const struct cb_run_result *res, const char *path);
int cb_report_packets_csv(const struct cb_run_result *res, const char *path);
int cb_report_markdown(const struct cb_run_result *res, const char *path);
/**
 * Write `dir`/report.html: one self-contained page (inline CSS, the SVG
 * plots already in `dir` inlined, no external fetches), verdict first, then
 * latency, stage breakdown, quality, network and recovery, settings.  Every
 * text from the run (run id, error, names) is HTML-escaped.
 */
int cb_report_html(const struct cb_run_result *res, const char *dir);

/** How cb_xml_escape() writes text. */
enum cb_escape_mode {
	CB_ESC_HTML, /**< ' as &#39;, every other character as it is */
	CB_ESC_XML,  /**< ' as &apos;, control characters but tab as spaces */
};

/**
 * Write `s` (NULL writes nothing) to `f` with & < > " ' as entities, for
 * element text or a quoted attribute in report.html or a JUnit file.
 */
void cb_xml_escape(FILE *f, enum cb_escape_mode mode, const char *s);
/**
 * Run gnuplot for the plots into `dir`, one plot at a time, so that one it
 * fails on (or leaves cut short) costs only that plot: bits of *made and
 * *failed (plot i of cb_report_plot_name()) say which are in place and
 * which are not though they had data.  Returns 0 when gnuplot ran (some
 * plots may have failed), CB_E_NOTFOUND if it is not installed (nothing
 * made), CB_E_STOPPED if `stop` (may be NULL) ended it, or a negative errno.
 */
int cb_report_plots(const struct cb_run_result *res, const char *dir, const struct cb_logger *log,
		    const atomic_int *stop, unsigned *made, unsigned *failed);

/**
 * Run gnuplot on `script` with `dir` as its `dir` variable (and, if `only`
 * is not NULL, `only` set to it: the run's script then makes just that
 * plot), stdout and stderr going to `dir`/`log_name` (appended to when
 * `only` is set); problems are logged under `tag`.  gnuplot runs in a
 * process group of its own, so a Ctrl-C at the terminal reaches the
 * program, which decides, and not gnuplot behind its back.  Returns 0,
 * CB_E_NOTFOUND if gnuplot is not installed, CB_E_EXTERNAL if it failed,
 * CB_E_STOPPED if `stop` (may be NULL) was set while it ran (gnuplot is
 * then ended with SIGTERM and waited for), or a negative errno.  The stop
 * is noticed when a signal interrupts the wait, which is how a program's
 * handler sets it.
 */
int cb_gnuplot_run(const char *dir, const char *script, const char *only, const char *log_name,
		   const char *tag, const struct cb_logger *log, const atomic_int *stop);
/**
 * Did gnuplot finish writing the plot `path` of format `ext` ("png",
 * "svg")?  It does not check its writes: on a full disk it leaves a cut
 * short file and exits 0.  1 if whole, else 0.
 */
int cb_gnuplot_output_whole(const char *path, const char *ext);

/** The run report's plots, in the order of the bits of plots_made. */
enum cb_plot {
	CB_PLOT_LATENCY,
	CB_PLOT_CDF,
	CB_PLOT_STAGES,
	CB_PLOT_AGE,
	CB_PLOT_JITTER_BUFFER,
	CB_PLOT_PSNR,
	CB_PLOT_RTCP,
	CB_PLOT_COUNT
};
/** "latency", "cdf", ...: the plot's file name without extension; NULL out of range. */
const char *cb_report_plot_name(enum cb_plot p);
/**
 * Whether cb_report_plots() tries the plot `name` for `res`: the first
 * three always (an empty one says why), the others only when there is data
 * for them (no video, no RTCP reports, ...).
 */
int cb_report_plot_wanted(const struct cb_run_result *res, const char *name);
/** Whether the report writer put the plot `name` in place (res->plots_made). */
int cb_report_plot_made(const struct cb_run_result *res, const char *name);
/** Whether it was wanted but gnuplot failed on it (res->plots_failed). */
int cb_report_plot_failed(const struct cb_run_result *res, const char *name);

/**
 * The run's time origin: the earliest CAPTURED stamp over both media (the
 * earliest stamp of any kind if nothing was captured; 0 if nothing at all).
 * Every time in frames.csv, packets.csv and the plots is relative to it.
 */
cb_ns cb_run_t0(const struct cb_run_result *res);

/**
 * Fill the figures of `m` that follow from its frame log and the run's packet
 * log (`pk`, may be NULL): frame counts, mismatches, e2e and stage
 * distributions, algo_ms (median), the verdict at percentile `verdict_pct`
 * and, from `pk`, the packet counts and bytes_sent.  marks_sent,
 * marks_identified, target/achieved bitrate and the mismatch examples are
 * left to the caller.  0, or -ENOMEM.
 */
int cb_media_result_compute(struct cb_media_result *m, const struct cb_packet_log *pk,
			    double verdict_pct);

/**
 * What a results argument names: `arg` itself when it is a file or holds
 * summary.json or sweep.json, else its `latest` run (the --out folder a
 * run or sweep just wrote), written to `out` as arg/<run id> so that the
 * caller can say which run it read.  0, -ENOENT, -ENAMETOOLONG.
 */
int cb_results_follow_latest(const char *arg, char *out, size_t len);

/** Write `len` bytes to `path` atomically (temporary name, fsync, rename). */
int cb_write_file_atomic(const char *path, const void *data, size_t len);

/**
 * Finish a file built in memory: close `f` (from open_memstream(buf, len)),
 * write what it holds to `path` with cb_write_file_atomic(), and free `*buf`
 * (set to NULL) whatever happened.  0, -ENOMEM if the stream failed, or the
 * write's error.
 */
int cb_memstream_commit(FILE *f, char **buf, size_t *len, const char *path);

/**
 * A report file written as a stream, for the files whose size follows the
 * call's length (frames.csv, packets.csv, the plot data, report.html): the
 * rows go straight to a temporary file beside `path` ("<path>.XXXXXX.tmp",
 * as cb_write_file_atomic names it), so that a long call's tables never sit
 * whole in memory, and the file appears under its name only once complete.
 */
struct cb_out {
	FILE *f;	    /**< write here */
	char tmp[PATH_MAX]; /**< the temporary file */
	char path[PATH_MAX];
};

/** Start `o` for `path`.  0 or a negative errno (nothing left behind). */
int cb_out_open(struct cb_out *o, const char *path);

/**
 * Flush, fsync and close the stream and rename it over `path`; on any
 * failure (including an earlier write error on the stream) the temporary
 * file is removed instead.  0 or a negative errno (-EIO when the stream had
 * failed without one).
 */
int cb_out_commit(struct cb_out *o);

/** Close and remove an unfinished `o` (safe after a failed cb_out_open). */
void cb_out_discard(struct cb_out *o);

/** Make `dir` and every missing parent (mkdir -p); 0 if it is a folder already. */
int cb_mkdir_p(const char *dir);

/**
 * Make `dir`/`link` a symlink to `target`, replacing any old one atomically
 * (a fresh link under a temporary name is renamed over it), so readers always
 * find a link to a whole result.  0, or a negative errno.
 */
int cb_symlink_replace(const char *dir, const char *link, const char *target);

/** "`dir`/`name`" into `out` (`room` bytes); -ENAMETOOLONG if it does not fit. */
int cb_path_join(char *out, size_t room, const char *dir, const char *name);

/**
 * A run id names a folder, a link target and plot titles: 1..63 of
 * letters, digits, '.', '_', '+' and '-', starting with a letter or digit,
 * and not "latest".  0, or -EINVAL with the reason in `why`.
 */
int cb_run_id_check(const char *id, char *why, size_t len);

#endif
