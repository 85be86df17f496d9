/*
 * sweep_report.c — a sweep's comparison: comparison.csv, comparison.md,
 * the plots and report.html (see sweep.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "report/report.h"
#include "report/gp.h"
#include "report/sweep.h"

/* The plots of a sweep, each in both formats. */
static const char *const sweep_plot_names[] = {"sweep_latency", "sweep_rd", "sweep_bands"};
static const struct {
	const char *ext, *term;
} formats[] = {
    {"png", "pngcairo size 1100,560 noenhanced font \",10\""},
    {"svg", "svg size 1100,560 noenhanced dynamic font \"sans,10\""},
};

/* ---- comparison.csv and comparison.md ---- */

static void csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double x, int decimals)
{
	fputc(',', f);
	if (isfinite(x))
		fprintf(f, "%.*f", decimals, x);
}

static int write_csv(const struct cb_sweep *sw, const char *dir)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	err = cb_path_join(path, sizeof(path), dir, "comparison.csv");
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fputs("cell", f);
	for (size_t a = 0; a < sw->n_axes; a++) {
		fputc(',', f);
		csv_text(f, sw->axis[a].name);
	}
	fputs(",status,verdict,verdict_pct,verdict_ms,video_p50_ms,video_p95_ms,video_p99_ms,"
	      "audio_p50_ms,audio_p95_ms,psnr_db_mean,ssim_mean,video_kbps,target_kbps,"
	      "encode_ms_per_frame,identified_pct,wall_s,dir\n",
	      f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		const struct cb_sweep_fig *g = &cell->fig;

		csv_text(f, cell->name);
		for (size_t a = 0; a < sw->n_axes; a++) {
			fputc(',', f);
			csv_text(f, cell->value[a] ? cell->value[a] : "");
		}
		fprintf(f, ",%s,%s", cell->status, g->band);
		csv_num(f, g->verdict_pct, 0);
		csv_num(f, g->verdict_ms, 3);
		csv_num(f, g->video_p50, 3);
		csv_num(f, g->video_p95, 3);
		csv_num(f, g->video_p99, 3);
		csv_num(f, g->audio_p50, 3);
		csv_num(f, g->audio_p95, 3);
		csv_num(f, g->psnr_mean, 3);
		csv_num(f, g->ssim_mean, 5);
		csv_num(f, g->video_kbps, 3);
		csv_num(f, g->target_kbps, 0);
		csv_num(f, g->encode_ms, 3);
		csv_num(f, g->identified_pct, 2);
		csv_num(f, g->wall_s, 2);
		fputc(',', f);
		csv_text(f, cell->dir);
		fputc('\n', f);
	}
	return cb_memstream_commit(f, &buf, &len, path);
}

static void md_num(FILE *f, double x, int decimals)
{
	if (isfinite(x))
		fprintf(f, " %.*f |", decimals, x);
	else
		fputs(" – |", f);
}

/* Markdown table cells: a '|' would end the cell early. */
static void md_text(FILE *f, const char *s)
{
	fputc(' ', f);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputs(" |", f);
}

static int band_rank(const char *band)
{
	for (int b = 0; b < CB_BAND_COUNT; b++)
		if (!strcmp(band, cb_band_name((enum cb_band)b)))
			return b;
	return CB_BAND_COUNT; /* none: worse than unusable, as in summary.json */
}

/* Cells that did not complete, so the report can say it is partial. */
static size_t cells_incomplete(const struct cb_sweep *sw)
{
	size_t n = 0;

	for (size_t c = 0; c < sw->n_cells; c++)
		n += strcmp(sw->cells[c].status, "complete") != 0;
	return n;
}

static int write_markdown(const struct cb_sweep *sw, const char *dir, int have_plots)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0, count[CB_BAND_COUNT + 1] = {0}, best = SIZE_MAX, worst = SIZE_MAX;
	size_t bad = cells_incomplete(sw);
	FILE *f;
	int err;

	err = cb_path_join(path, sizeof(path), dir, "comparison.md");
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fprintf(f, "# callbench sweep %s\n\n", sw->id[0] ? sw->id : "(merged)");
	if (bad)
		fprintf(f,
			"> **PARTIAL** — %zu of %zu cells did not complete (%s); their rows show "
			"what was measured, or dashes.\n\n",
			bad, sw->n_cells, sw->status[0] ? sw->status : "see status");
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_fig *g = &sw->cells[c].fig;
		int r = band_rank(g->band);

		count[r]++;
		if (!strcmp(sw->cells[c].status, "missing") ||
		    !strcmp(sw->cells[c].status, "pending"))
			continue;
		if (best == SIZE_MAX || r < band_rank(sw->cells[best].fig.band) ||
		    (r == band_rank(sw->cells[best].fig.band) &&
		     g->verdict_ms < sw->cells[best].fig.verdict_ms))
			best = c;
		if (worst == SIZE_MAX || r > band_rank(sw->cells[worst].fig.band) ||
		    (r == band_rank(sw->cells[worst].fig.band) &&
		     g->verdict_ms > sw->cells[worst].fig.verdict_ms))
			worst = c;
	}
	fputs("## Verdicts\n\n", f);
	for (int b = 0; b <= CB_BAND_COUNT; b++)
		if (count[b])
			fprintf(f, "- **%s**: %zu cell%s\n",
				b < CB_BAND_COUNT ? cb_band_name((enum cb_band)b) : "none",
				count[b], count[b] == 1 ? "" : "s");
	if (best != SIZE_MAX)
		fprintf(f, "\nBest: `%s` (%s, %.1f ms). Worst: `%s` (%s, %.1f ms).\n",
			sw->cells[best].name, sw->cells[best].fig.band,
			sw->cells[best].fig.verdict_ms, sw->cells[worst].name,
			sw->cells[worst].fig.band, sw->cells[worst].fig.verdict_ms);
	fputs("\n## Cells\n\nLatency in ms, end to end from the decoded content; the verdict is "
	      "the band of the worse media's percentile latency. Encode ms is the mean encode "
	      "stage per video frame (CPU per frame; with a fixed codec-time model it is the "
	      "model).\n\n| cell |",
	      f);
	for (size_t a = 0; a < sw->n_axes; a++)
		md_text(f, sw->axis[a].name);
	fputs(" status | verdict | verdict ms | video p50 | video p95 | video p99 | audio p50 | "
	      "audio p95 | PSNR dB | SSIM | video kbps | encode ms | identified % |\n|---|",
	      f);
	for (size_t a = 0; a < sw->n_axes; a++)
		fputs("---|", f);
	fputs("---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		const struct cb_sweep_fig *g = &cell->fig;

		fputc('|', f);
		md_text(f, cell->name);
		for (size_t a = 0; a < sw->n_axes; a++)
			md_text(f, cell->value[a] ? cell->value[a] : "");
		fprintf(f, " %s | **%s** |", cell->status, g->band);
		md_num(f, g->verdict_ms, 1);
		md_num(f, g->video_p50, 1);
		md_num(f, g->video_p95, 1);
		md_num(f, g->video_p99, 1);
		md_num(f, g->audio_p50, 1);
		md_num(f, g->audio_p95, 1);
		md_num(f, g->psnr_mean, 2);
		md_num(f, g->ssim_mean, 4);
		md_num(f, g->video_kbps, 1);
		md_num(f, g->encode_ms, 2);
		md_num(f, g->identified_pct, 1);
		fputc('\n', f);
	}
	fputs("\n## Plots\n\n", f);
	if (have_plots)
		fputs("![Latency by setting: video p50 and p95, audio p95](sweep_latency.svg)\n\n"
		      "![Rate-distortion: PSNR against achieved video bitrate](sweep_rd.svg)\n\n"
		      "![Band map: each cell's verdict](sweep_bands.svg)\n\n"
		      "PNG versions beside them; re-make with `gnuplot sweep_plots.gp`.\n\n",
		      f);
	else
		fputs("No plots: gnuplot is missing or failed (see sweep_plots.log).\n\n", f);
	fputs("Every cell's own report is in its folder (report.md, report.html, "
	      "summary.json); comparison.csv has the table above with more decimals.\n",
	      f);
	return cb_memstream_commit(f, &buf, &len, path);
}

/* ---- plots ---- */

static void gp_num(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, " %.4f", x);
	else
		fputs(" NaN", f);
}

/* Column label of the band map: the values of every axis but the first. */
static void bands_col_label(const struct cb_sweep *sw, const struct cb_sweep_cell *c, char *out,
			    size_t room)
{
	size_t o = 0;

	out[0] = 0;
	if (sw->n_axes < 2) {
		snprintf(out, room, "%s", sw->n_axes ? "" : c->name);
		return;
	}
	for (size_t a = 1; a < sw->n_axes && o < room; a++)
		o += (size_t)snprintf(out + o, room - o, "%s%s", a > 1 ? " " : "",
				      c->value[a] ? c->value[a] : "");
}

static int label_index(char (*labels)[128], size_t *n, const char *l)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(labels[i], l))
			return (int)i;
	snprintf(labels[*n], 128, "%s", l);
	return (int)(*n)++;
}

/* The series of the rate-distortion plot a cell belongs to (see write_rd). */
static void rd_series(const struct cb_sweep *sw, const struct cb_sweep_cell *c, int rate_axis,
		      int group_axis, char *out, size_t room)
{
	size_t o = 0;

	out[0] = 0;
	if (!sw->n_axes) {
		snprintf(out, room, "cells");
		return;
	}
	if (rate_axis >= 0 && sw->n_axes == 1) {
		snprintf(out, room, "all");
		return;
	}
	if (rate_axis < 0) {
		snprintf(out, room, "%s", c->value[group_axis] ? c->value[group_axis] : "");
		return;
	}
	for (size_t a = 0; a < sw->n_axes && o < room; a++)
		if ((int)a != rate_axis)
			o += (size_t)snprintf(out + o, room - o, "%s%s", o ? " " : "",
					      c->value[a] ? c->value[a] : "");
}

static int cmp_kbps(const void *a, const void *b)
{
	const struct cb_sweep_cell *x = *(const struct cb_sweep_cell *const *)a;
	const struct cb_sweep_cell *y = *(const struct cb_sweep_cell *const *)b;

	return (x->fig.video_kbps > y->fig.video_kbps) - (x->fig.video_kbps < y->fig.video_kbps);
}

struct sweep_plot_ctx {
	double ymax;
	int rd_lines; /**< 1: the RD series are curves over a bitrate axis; else points only */
	size_t n_series;
	char (*series)[128];
	size_t n_rows, n_cols;
	char (*rows)[128], (*cols)[128];
};

static int write_dat(const char *dir, const char *name, FILE **f, char **buf, size_t *len,
		     char *path, size_t room)
{
	int err = cb_path_join(path, room, dir, name);

	if (err)
		return err;
	*f = open_memstream(buf, len);
	return *f ? 0 : -errno;
}

/*
 * Rate-distortion: PSNR against achieved kbps.  With a video-bitrate axis
 * each line holds every other axis fixed and is a true RD curve; without
 * one, each line is one codec (or one value of the first axis) and its
 * points are the other settings, by bitrate.
 */
static int write_rd(const struct cb_sweep *sw, const char *dir, struct sweep_plot_ctx *x)
{
	int rate_axis = cb_sweep_axis_find(sw, "video-bitrate"),
	    group_axis = cb_sweep_axis_find(sw, "video-codec");
	const struct cb_sweep_cell **pts;
	char path[PATH_MAX], *buf = NULL, key[128];
	size_t len = 0;
	FILE *f;
	int err;

	if (group_axis < 0)
		group_axis = 0;
	/* Without a bitrate axis a series mixes settings: joining them would draw a false curve. */
	x->rd_lines = rate_axis >= 0;
	pts = calloc(sw->n_cells ? sw->n_cells : 1, sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	err = write_dat(dir, "sweep_rd.dat", &f, &buf, &len, path, sizeof(path));
	if (err)
		goto out_free;
	fputs("# rate-distortion: achieved_video_kbps psnr_db_mean ssim_mean cell; one block per "
	      "series, in the order of the plot's key\n",
	      f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		size_t n = 0, before = x->n_series;
		int s;

		rd_series(sw, &sw->cells[c], rate_axis, group_axis, key, sizeof(key));
		s = label_index(x->series, &x->n_series, key);
		if (x->n_series == before)
			continue; /* done with the first cell of the series */
		for (size_t d = c; d < sw->n_cells; d++) {
			const struct cb_sweep_fig *g = &sw->cells[d].fig;
			char k2[128];

			rd_series(sw, &sw->cells[d], rate_axis, group_axis, k2, sizeof(k2));
			if (!strcmp(k2, key) && isfinite(g->psnr_mean) && isfinite(g->video_kbps))
				pts[n++] = &sw->cells[d];
		}
		if (!n) {
			x->n_series--; /* nothing to draw: no block, no key entry */
			x->series[s][0] = 0;
			continue;
		}
		qsort(pts, n, sizeof(*pts), cmp_kbps);
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%.4f %.4f", pts[i]->fig.video_kbps, pts[i]->fig.psnr_mean);
			gp_num(f, pts[i]->fig.ssim_mean);
			fputc(' ', f);
			cb_gp_datum(f, pts[i]->name);
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
	err = cb_memstream_commit(f, &buf, &len, path);
out_free:
	free(pts);
	return err;
}

static int write_sweep_dats(const struct cb_sweep *sw, const char *dir, struct sweep_plot_ctx *x)
{
	char path[PATH_MAX], *buf = NULL, label[128];
	size_t len = 0;
	FILE *f;
	int err;

	err = write_dat(dir, "sweep_latency.dat", &f, &buf, &len, path, sizeof(path));
	if (err)
		return err;
	fputs("# cell video_p50_ms video_p95_ms audio_p50_ms audio_p95_ms (NaN: not measured)\n",
	      f);
	x->ymax = 0;
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_fig *g = &sw->cells[c].fig;
		double v[4] = {g->video_p50, g->video_p95, g->audio_p50, g->audio_p95};

		cb_gp_datum(f, sw->cells[c].name);
		for (int i = 0; i < 4; i++) {
			gp_num(f, v[i]);
			if (isfinite(v[i]) && v[i] > x->ymax)
				x->ymax = v[i];
		}
		fputc('\n', f);
	}
	x->ymax = x->ymax * 1.15 > 120 ? x->ymax * 1.15 : 120;
	err = cb_memstream_commit(f, &buf, &len, path);
	if (err)
		return err;
	err = write_rd(sw, dir, x);
	if (err)
		return err;

	/* Band map: rows are the first axis' values, columns the rest. */
	err = write_dat(dir, "sweep_bands.dat", &f, &buf, &len, path, sizeof(path));
	if (err)
		return err;
	fputs("# band map: column row colour(0xRRGGBB) band verdict_ms cell\n", f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		int row, col;

		row = label_index(x->rows, &x->n_rows,
				  sw->n_axes && cell->value[0] ? cell->value[0] : "all");
		bands_col_label(sw, cell, label, sizeof(label));
		col = label_index(x->cols, &x->n_cols, label);
		fprintf(f, "%d %d %ld ", col, row,
			strtol(cb_report_band_color(cell->fig.band) + 1, NULL, 16));
		cb_gp_datum(f, cell->fig.band[0] ? cell->fig.band : "none");
		gp_num(f, cell->fig.verdict_ms);
		fputc(' ', f);
		cb_gp_datum(f, cell->name);
		fputc('\n', f);
	}
	return cb_memstream_commit(f, &buf, &len, path);
}

static void band_hlines(FILE *f, double ymax)
{
	for (int b = 0; b < CB_BAND_UNUSABLE; b++) {
		double lim = cb_band_limit_ms((enum cb_band)b);

		if (lim >= ymax)
			break;
		fprintf(f,
			"set arrow %d from graph 0, first %g to graph 1, first %g nohead dt 2 lc "
			"rgb \"%s\"\nset label %d \"%s <= %g ms\" at graph 0.99, first %g right "
			"offset 0,0.7 tc rgb \"%s\"\n",
			b + 1, lim, lim, cb_report_band_color(cb_band_name((enum cb_band)b)), b + 1,
			cb_band_name((enum cb_band)b), lim, lim,
			cb_report_band_color(cb_band_name((enum cb_band)b)));
	}
}

static void tics(FILE *f, const char *axis, char (*labels)[128], size_t n)
{
	fprintf(f, "set %stics (", axis);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		cb_gp_string(f, labels[i]);
		fprintf(f, " %zu", i);
	}
	fputs(")\n", f);
}

static void sweep_script_one(FILE *f, const struct cb_sweep *sw, const struct sweep_plot_ctx *x,
			     const char *ext)
{
	const char *id = sw->id[0] ? sw->id : "merged";

	fprintf(f, "reset\nset output dir.\"/sweep_latency.%s\".suffix\n", ext);
	fputs("set title \"Latency by setting, sweep \".", f);
	cb_gp_string(f, id);
	fprintf(
	    f,
	    ".\" (end to end, from the decoded content)\"\nset ylabel \"one-way latency (ms)\"\n"
	    "set style data histograms\nset style histogram clustered gap 1\n"
	    "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset datafile missing "
	    "\"NaN\"\nset xtics rotate by -35 nomirror\nset grid ytics\nset key top left\n"
	    "set yrange [0:%.1f]\nset bmargin 9\n",
	    x->ymax);
	band_hlines(f, x->ymax);
	fputs("plot dir.\"/sweep_latency.dat\" using 2:xtic(1) lc rgb \"#90caf9\" title \"video "
	      "p50\", '' using 3 lc rgb \"#1565c0\" title \"video p95\", '' using 4 lc rgb "
	      "\"#f48fb1\" title \"audio p50\", '' using 5 lc rgb \"#ad1457\" title \"audio "
	      "p95\"\n",
	      f);

	fprintf(f, "reset\nset output dir.\"/sweep_rd.%s\".suffix\n", ext);
	fputs("set title \"Rate-distortion, sweep \".", f);
	cb_gp_string(f, id);
	fputs(
	    ".\": mean PSNR against achieved video bitrate\"\nset xlabel \"achieved video bitrate "
	    "(kbps)\"\nset ylabel \"PSNR (dB, mean over identified pictures)\"\nset grid\n"
	    "set key outside right top\n",
	    f);
	if (!x->n_series) {
		fputs("set label 20 \"no PSNR was measured\" at graph 0.5, graph 0.5 center\n"
		      "set xrange [0:1]\nplot 1/0 notitle\n",
		      f);
	} else {
		fputs("plot ", f);
		/* Blocks were written only for series with points, in key order. */
		for (size_t i = 0; i < x->n_series; i++) {
			fprintf(f,
				"%sdir.\"/sweep_rd.dat\" index %zu using 1:2 with %s pt 7 "
				"ps 1.2 lw 2 title ",
				i ? ", \\\n     " : "", i, x->rd_lines ? "linespoints" : "points");
			cb_gp_string(f, x->series[i]);
		}
		fputc('\n', f);
	}

	fprintf(f, "reset\nset output dir.\"/sweep_bands.%s\".suffix\n", ext);
	fputs("set title \"Band map, sweep \".", f);
	cb_gp_string(f, id);
	fprintf(f,
		".\": verdict of each cell (p%g latency of the worse media)\"\n"
		"set xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5] reverse\nunset key\n"
		"set xtics rotate by -30 nomirror\nset bmargin 8\nset lmargin 16\n",
		isfinite(sw->n_cells ? sw->cells[0].fig.verdict_pct : NAN)
		    ? sw->cells[0].fig.verdict_pct
		    : 95.0,
		x->n_cols ? x->n_cols - 1 : 0, x->n_rows ? x->n_rows - 1 : 0);
	tics(f, "x", x->cols, x->n_cols);
	tics(f, "y", x->rows, x->n_rows);
	if (sw->n_axes) {
		fputs("set ylabel ", f);
		cb_gp_string(f, sw->axis[0].name);
		fputc('\n', f);
	}
	fputs("plot dir.\"/sweep_bands.dat\" using 1:2:(0.48):(0.48):3 with boxxyerror fs solid "
	      "0.85 noborder lc rgb variable, \\\n     '' using 1:2:(sprintf(\"%s\\n%s\", "
	      "strcol(4), valid(5) ? sprintf(\"%.0f ms\", $5) : \"-\")) with labels tc rgb "
	      "\"white\" font \",11\"\n",
	      f);
}

static int write_sweep_script(const struct cb_sweep *sw, const char *path,
			      const struct sweep_plot_ctx *x)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -errno;
	fputs("# callbench sweep plots.  Re-run in this folder with: gnuplot sweep_plots.gp\n"
	      "if (!exists(\"dir\")) dir = \".\"\nif (!exists(\"suffix\")) suffix = \"\"\n",
	      f);
	for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
		fprintf(f, "\n# ---- %s ----\nset terminal %s\n", formats[fi].ext,
			formats[fi].term);
		sweep_script_one(f, sw, x, formats[fi].ext);
	}
	fputs("set output\n", f);
	return cb_memstream_commit(f, &buf, &len, path);
}

static int sweep_plots(const struct cb_sweep *sw, const char *dir, const struct cb_logger *log,
		       const atomic_int *stop)
{
	struct sweep_plot_ctx x = {0};
	char script[PATH_MAX], from[PATH_MAX], to[PATH_MAX], name[64];
	size_t n = sw->n_cells ? sw->n_cells : 1;
	int err;

	x.series = calloc(n, sizeof(*x.series));
	x.rows = calloc(n, sizeof(*x.rows));
	x.cols = calloc(n, sizeof(*x.cols));
	if (!x.series || !x.rows || !x.cols) {
		err = -ENOMEM;
		goto out_free;
	}
	err = write_sweep_dats(sw, dir, &x);
	if (!err)
		err = cb_path_join(script, sizeof(script), dir, "sweep_plots.gp");
	if (!err)
		err = write_sweep_script(sw, script, &x);
	if (err)
		goto out_free;
	err = cb_gnuplot_run(dir, script, NULL, "sweep_plots.log", "sweep", log, stop);
	/* Every plot whole, or none of them (gnuplot exits 0 on a full disk). */
	for (size_t p = 0; !err && p < sizeof(sweep_plot_names) / sizeof(sweep_plot_names[0]); p++)
		for (size_t fi = 0; !err && fi < sizeof(formats) / sizeof(formats[0]); fi++) {
			snprintf(name, sizeof(name), "%s.%s.tmp", sweep_plot_names[p],
				 formats[fi].ext);
			if (cb_path_join(from, sizeof(from), dir, name))
				err = -ENAMETOOLONG;
			else if (access(from, F_OK) == 0 &&
				 !cb_gnuplot_output_whole(from, formats[fi].ext)) {
				cb_log(log, CB_LOG_WARN, "sweep",
				       "gnuplot left %s cut short (is the disk full?)", from);
				err = CB_E_EXTERNAL;
			}
		}
	/* Finished plots into place; on failure no *.tmp is left behind. */
	for (size_t p = 0; p < sizeof(sweep_plot_names) / sizeof(sweep_plot_names[0]); p++)
		for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
			snprintf(name, sizeof(name), "%s.%s", sweep_plot_names[p], formats[fi].ext);
			if (cb_path_join(to, sizeof(to), dir, name) ||
			    snprintf(from, sizeof(from), "%s.tmp", to) >= (int)sizeof(from)) {
				err = -ENAMETOOLONG;
				continue;
			}
			if (err) {
				unlink(from);
				continue;
			}
			if (rename(from, to) < 0) {
				cb_log(log, CB_LOG_WARN, "sweep", "gnuplot made no %s", to);
				err = CB_E_EXTERNAL;
			}
		}
out_free:
	free(x.series);
	free(x.rows);
	free(x.cols);
	return err;
}

/* ---- the whole report ---- */

int cb_sweep_report_write(struct cb_sweep *sw, const char *dir, const struct cb_logger *log,
			  const atomic_int *stop)
{
	char path[PATH_MAX];
	int err, have_plots;

	if (!sw || !dir)
		return -EINVAL;
	err = cb_mkdir_p(dir);
	if (err)
		return err;
	for (size_t c = 0; c < sw->n_cells; c++) {
		struct cb_sweep_cell *cell = &sw->cells[c];

		cb_sweep_cell_path(dir, cell, path, sizeof(path));
		/*
		 * The summary is the truth about a cell (a job run elsewhere
		 * may have finished since sweep.json was written); a pending
		 * cell without one stays pending.
		 */
		err = cb_sweep_fig_read(path, &cell->fig);
		if (err == 0 || err == CB_E_FORMAT)
			snprintf(cell->status, sizeof(cell->status), "%s", cell->fig.status);
		else if (strcmp(cell->status, "pending") != 0)
			snprintf(cell->status, sizeof(cell->status), "missing");
	}
	if (!strcmp(sw->status, "planned") || !strcmp(sw->status, "running") || !sw->status[0])
		snprintf(sw->status, sizeof(sw->status), "%s",
			 cells_incomplete(sw) ? "partial" : "complete");
	err = cb_sweep_json_write(sw, dir);
	if (!err)
		err = write_csv(sw, dir);
	if (err) {
		cb_log(log, CB_LOG_ERROR, "sweep", "cannot write into %s: %s", dir,
		       cb_strerror(err));
		return err;
	}
	/* A stop here (a second Ctrl-C) costs the plots only: the tables are
	 * quick, and say what the sweep found. */
	err = sweep_plots(sw, dir, log, stop);
	have_plots = err == 0;
	if (err)
		cb_log(log, CB_LOG_WARN, "sweep", "no sweep plots in %s: %s", dir,
		       cb_strerror(err));
	err = write_markdown(sw, dir, have_plots);
	if (!err)
		err = cb_sweep_report_html(sw, dir, have_plots);
	if (err)
		cb_log(log, CB_LOG_ERROR, "sweep", "cannot write the report in %s: %s", dir,
		       cb_strerror(err));
	return err;
}
