#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "report/gp.h"
#include "report/report.h"
#include "report/plot_data.h"
#include "report/series.h"

/*
 * The plots gnuplot makes, each in both formats: the first three always (an
 * empty one says why), the others only when cb_report_plot_wanted() finds
 * data.  In the order of enum cb_plot.
 */
static const char *const plot_names[CB_PLOT_COUNT] = {
    [CB_PLOT_LATENCY] = "latency",
    [CB_PLOT_CDF] = "cdf",
    [CB_PLOT_STAGES] = "stages",
    [CB_PLOT_AGE] = "age",
    [CB_PLOT_PSNR] = "psnr",
    [CB_PLOT_RTCP] = "rtcp",
    [CB_PLOT_JITTER_BUFFER] = "jitter_buffer",
};

const char *cb_report_plot_name(enum cb_plot p)
{
	return (unsigned)p < CB_PLOT_COUNT ? plot_names[p] : NULL;
}

static int plot_index(const char *name)
{
	for (int i = 0; name && i < CB_PLOT_COUNT; i++)
		if (!strcmp(name, plot_names[i]))
			return i;
	return -1;
}

int cb_report_plot_made(const struct cb_run_result *res, const char *name)
{
	int i = plot_index(name);

	return res && i >= 0 && (res->plots_made >> i & 1u);
}

int cb_report_plot_failed(const struct cb_run_result *res, const char *name)
{
	int i = plot_index(name);

	return res && i >= 0 && (res->plots_failed >> i & 1u);
}
static const struct {
	const char *ext, *term;
} formats[] = {
    {"png", "pngcairo size 960,540 noenhanced font \",10\""},
    {"svg", "svg size 960,540 noenhanced dynamic font \"sans,10\""},
};

static const char *const band_colors[] = {"#2e7d32", "#9e9d24", "#ef6c00", "#c62828"};

int cb_report_plot_wanted(const struct cb_run_result *res, const char *name)
{
	if (!res || !name)
		return 0;
	if (!strcmp(name, "age"))
		return cb_plot_has_age(&res->video) || cb_plot_has_age(&res->audio);
	if (!strcmp(name, "latency") || !strcmp(name, "cdf") || !strcmp(name, "stages"))
		return 1;
	if (!strcmp(name, "jitter_buffer"))
		return cb_plot_has_jb(&res->video) || cb_plot_has_jb(&res->audio);
	if (!strcmp(name, "psnr"))
		return cb_plot_has_psnr(&res->video);
	if (!strcmp(name, "rtcp"))
		return cb_plot_has_rtcp(res, &res->video) || cb_plot_has_rtcp(res, &res->audio);
	return 0;
}

enum plot_kind {
	PLOT_LATENCY,
	PLOT_CDF,
	PLOT_STAGES,
	PLOT_JB,
	PLOT_PSNR,
	PLOT_AGE,
	PLOT_RTT,
	PLOT_LOSS
};

static const char *const media_color[2] = {"#1565c0", "#ad1457"};

/*
 * Start the next plot afresh, into <plot>.<ext> plus the script's suffix,
 * in a block of its own that runs unless `only` names another plot: the
 * harness runs gnuplot once per plot, so that an error in one (which ends
 * gnuplot) does not cost the others.  end_plot() closes the block.
 */
static void begin_plot(FILE *f, const char *plot, const char *ext)
{
	fprintf(f,
		"if (!exists(\"only\") || only eq \"%s\") {\nreset\n"
		"set output dir.\"/%s.%s\".suffix\n",
		plot, plot, ext);
}

static void end_plot(FILE *f)
{
	fputs("}\n", f);
}

/*
 * The band limits below `ymax`, as dashed lines in each band's colour with
 * its name: across the chart where latency is the y axis, up the chart
 * where it is the x axis (the CDF).
 */
static void band_lines(FILE *f, double ymax, int vertical)
{
	for (int b = 0; b < CB_BAND_UNUSABLE; b++) {
		double lim = cb_band_limit_ms((enum cb_band)b);
		const char *name = cb_band_name((enum cb_band)b);

		if (lim >= ymax)
			break;
		if (vertical)
			fprintf(f,
				"set arrow %d from first %g, graph 0 to first %g, graph 1 nohead "
				"dt 2 lc rgb \"%s\"\nset label %d \"%s\" at first %g, graph 0.05 "
				"rotate by 90 offset -0.7,0 tc rgb \"%s\"\n",
				b + 1, lim, lim, band_colors[b], b + 1, name, lim, band_colors[b]);
		else
			fprintf(f,
				"set arrow %d from graph 0, first %g to graph 1, first %g nohead "
				"dt 2 lc rgb \"%s\"\n"
				"set label %d \"%s <= %g ms\" at graph 0.99, first %g right "
				"offset 0,0.7 tc rgb \"%s\"\n",
				b + 1, lim, lim, band_colors[b], b + 1, name, lim, lim,
				band_colors[b]);
	}
}

/* What the script needs to know: which curves have data, and the scales. */
struct plot_ctx {
	int has_lat[2], has_stages[2], has_jb[2], has_psnr, has_rtcp[2], has_rtt[2], has_age[2];
	double ymax;	      /**< latency scale, ms */
	double age_ymax;      /**< age scale, ms */
	size_t n_lost, n_rec; /**< rows of events_video.dat by kind */
	double psnr_mean;
	double rtcp_tmax;     /**< latest reception report, s */
	char rid[2 * 64 + 3]; /**< the run id as a gnuplot literal (report/gp.h) */
};

/*
 * The plot command: one curve per media that has data (`has`), in the
 * media's colour, then `extra` (more curves, or ""); when neither media has
 * any, `empty` instead, which labels the empty chart and plots nothing, so
 * the image still exists and says why.
 */
static void plot_media(FILE *f, const struct cb_run_result *res, enum plot_kind kind,
		       const int has[2], const char *empty, const char *extra)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio};
	const char *sep = " ";

	if (!has[0] && !has[1]) {
		fputs(empty, f);
		return;
	}
	fputs("plot", f);
	for (int i = 0; i < 2; i++) {
		const char *name = cb_media_name(ms[i]->media);

		if (!has[i])
			continue;
		fputs(sep, f);
		switch (kind) {
		case PLOT_LATENCY:
			fprintf(f, "dir.\"/latency_%s.dat\" using 1:2 with points pt 7 ps 0.5",
				name);
			break;
		case PLOT_CDF:
			fprintf(f, "dir.\"/cdf_%s.dat\" using 1:2 with steps lw 2", name);
			break;
		case PLOT_STAGES:
			fprintf(f, "dir.\"/stages.dat\" using %d:xtic(1)", i + 2);
			break;
		case PLOT_JB:
			fprintf(f,
				"dir.\"/jitter_buffer_%s.dat\" using 1:2 with points pt 7 ps 0.4",
				name);
			break;
		case PLOT_PSNR:
			fprintf(f, "dir.\"/psnr_%s.dat\" using 1:2 with points pt 7 ps 0.4", name);
			break;
		case PLOT_AGE:
			fprintf(f, "dir.\"/age_%s.dat\" using 1:2 with steps lw 1.5", name);
			break;
		case PLOT_RTT:
			/* Both media see the same path: bigger video points stay
			 * visible.  Past a few hundred reports, points would only
			 * hide the line (and weigh down the SVG). */
			if (cb_plot_rtcp_reports(res, ms[i]->media) > 240)
				fprintf(f, "dir.\"/rtcp_%s.dat\" using 1:2 with lines lw %s", name,
					i == 0 ? "2" : "1");
			else
				fprintf(
				    f, "dir.\"/rtcp_%s.dat\" using 1:2 with linespoints pt 7 ps %s",
				    name, i == 0 ? "1.0" : "0.5");
			break;
		case PLOT_LOSS:
			fprintf(f, "dir.\"/rtcp_%s.dat\" using 1:3 with %s", name,
				cb_plot_rtcp_reports(res, ms[i]->media) > 240
				    ? "lines"
				    : "linespoints pt 7 ps 0.5");
			break;
		}
		fprintf(f, " lc rgb \"%s\" title \"%s\"", media_color[i], name);
		sep = ", \\\n     ";
	}
	fputs(extra, f);
	fputc('\n', f);
}

/*
 * The video packets lost and recovered, as marks along the bottom of the
 * latency chart (below every latency point, which is at least the network
 * delay): red crosses for losses that stayed lost, green triangles just
 * above them for packets that came back by RTX.
 */
static void latency_events(FILE *f, const struct plot_ctx *c)
{
	if (c->n_lost)
		fprintf(f,
			", \\\n     dir.\"/events_video.dat\" using 1:($2 == 0 ? %.2f : 1/0) with "
			"points pt 2 ps 0.8 lc rgb \"#c62828\" title \"video packet lost, at its "
			"frame's capture\"",
			c->ymax * 0.02);
	if (c->n_rec)
		fprintf(f,
			", \\\n     dir.\"/events_video.dat\" using 1:($2 == 1 ? %.2f : 1/0) with "
			"points pt 9 ps 0.6 lc rgb \"#43a047\" title \"video packet recovered by "
			"RTX\"",
			c->ymax * 0.05);
}

static void script_one_format(FILE *f, const struct cb_run_result *res, const struct plot_ctx *c,
			      const char *ext)
{
	const int video_only[2] = {1, 0};
	char extra[512] = "";

	/* Latency over time, with the band limits and the packet losses. */
	begin_plot(f, "latency", ext);
	fprintf(f,
		"set title \"End-to-end latency over time, run \".%s.\" (measured from decoded "
		"content)\"\n",
		c->rid);
	fprintf(f,
		"set xlabel \"capture time since first capture (s)\"\n"
		"set ylabel \"one-way latency (ms)\"\nset grid\nset key top left\n"
		"set yrange [0:%.1f]\n",
		c->ymax);
	band_lines(f, c->ymax, 0);
	if (c->has_lat[0]) {
		FILE *m = fmemopen(extra, sizeof(extra), "w");

		if (m) {
			latency_events(m, c);
			fclose(m);
		}
	}
	plot_media(f, res, PLOT_LATENCY, c->has_lat,
		   "set label 20 \"no latency was measured\" at graph 0.5, graph 0.5 "
		   "center\nset xrange [0:1]\nplot 1/0 notitle\n",
		   extra);
	end_plot(f);

	/* CDF, with the band limits as vertical lines. */
	begin_plot(f, "cdf", ext);
	fprintf(f,
		"set title \"Latency CDF, run \".%s\nset xlabel \"one-way latency "
		"(ms)\"\nset ylabel \"fraction of samples at or below\"\nset grid\n"
		"set key bottom right\nset yrange [0:1.02]\nset xrange [0:%.1f]\n",
		c->rid, c->ymax);
	band_lines(f, c->ymax, 1);
	plot_media(f, res, PLOT_CDF, c->has_lat,
		   "set label 20 \"no latency was measured\" at graph 0.5, graph 0.5 "
		   "center\nplot 1/0 notitle\n",
		   "");
	end_plot(f);

	/* Stage breakdown: grouped bars of the mean per stage. */
	begin_plot(f, "stages", ext);
	fprintf(f,
		"set title \"Mean time per stage, run \".%s\nset ylabel \"mean ms\"\n"
		"set style data histograms\nset style histogram clustered gap 1\n"
		"set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
		"set xtics rotate by -30 nomirror\nset grid ytics\nset key top left\n"
		"set yrange [0:*]\n",
		c->rid);
	plot_media(f, res, PLOT_STAGES, c->has_stages,
		   "set label 20 \"no stage was measured\" at graph 0.5, graph 0.5 "
		   "center\nset xrange [0:1]\nset yrange [0:1]\nplot 1/0 notitle\n",
		   "");
	end_plot(f);

	/* What the viewer saw and the listener heard: the age of the content
	 * on screen / in the ear over time; a freeze is a rising ramp. */
	if (c->has_age[0] || c->has_age[1]) {
		begin_plot(f, "age", ext);
		fprintf(f,
			"set title \"Age of what was on screen (video) and heard (audio), run \"."
			"%s\nset xlabel \"time since first capture (s)\"\nset ylabel "
			"\"age (ms)\"\nset grid\nset key top left\nset yrange [0:%.1f]\n",
			c->rid, c->age_ymax);
		band_lines(f, c->age_ymax, 0);
		plot_media(f, res, PLOT_AGE, c->has_age, "", "");
		end_plot(f);
	}

	/* Jitter buffer delay per frame (webrtc-stats jitterBufferDelay's terms). */
	if (c->has_jb[0] || c->has_jb[1]) {
		begin_plot(f, "jitter_buffer", ext);
		fprintf(
		    f,
		    "set title \"Time in the jitter buffer per frame, run \".%s.\" (first packet "
		    "received to jitter buffer out)\"\nset xlabel \"capture time since first "
		    "capture (s)\"\nset ylabel \"jitter buffer delay (ms)\"\nset grid\n"
		    "set key top left\nset yrange [0:*]\n",
		    c->rid);
		plot_media(f, res, PLOT_JB, c->has_jb, "", "");
		end_plot(f);
	}

	/* PSNR per identified picture, with its mean. */
	if (c->has_psnr) {
		begin_plot(f, "psnr", ext);
		fprintf(f,
			"set title \"Video PSNR per identified picture, run \".%s\nset xlabel "
			"\"capture time since first capture (s)\"\nset ylabel \"PSNR (dB)\"\n"
			"set grid\nset key bottom left\n",
			c->rid);
		snprintf(extra, sizeof(extra),
			 ", \\\n     %.4f with lines dt 2 lw 2 lc rgb \"#37474f\" title \"mean "
			 "%.2f dB\"",
			 c->psnr_mean, c->psnr_mean);
		plot_media(f, res, PLOT_PSNR, video_only, "", isfinite(c->psnr_mean) ? extra : "");
		end_plot(f);
	}

	/* RTT and fraction lost from the reception reports, in two panels. */
	if (c->has_rtcp[0] || c->has_rtcp[1]) {
		begin_plot(f, "rtcp", ext);
		fprintf(
		    f,
		    "set multiplot layout 2,1 title \"RTCP receiver reports, run \".%s.\" (as the "
		    "sender received them)\"\nset grid\nset key top left\n"
		    "set datafile missing NaN\n"
		    "set offsets 0, 0, graph 0.12, 0\n"
		    "set xrange [0:%.3f]\nset ylabel \"RTT (ms)\"\nset yrange [0:*]\n"
		    "set format x \"\"\nset bmargin 1\n",
		    c->rid, c->rtcp_tmax > 0 ? c->rtcp_tmax * 1.02 : 1.0);
		/* Every RTT undefined (no report answered a sender report, as
		 * on a long delay in a short call) would be an error that ends
		 * gnuplot: the panel says so instead. */
		plot_media(f, res, PLOT_RTT, c->has_rtt,
			   "set label 21 \"no RTT: no report answered a sender report\" at "
			   "graph 0.5, graph 0.5 center\nset yrange [0:1]\nplot 1/0 notitle\n",
			   "");
		fputs("set format x \"%g\"\nset bmargin\nset tmargin 1\n"
		      "set xlabel \"time since first capture (s)\"\n"
		      "set ylabel \"fraction lost (%)\"\nset yrange [0:*]\n",
		      f);
		plot_media(f, res, PLOT_LOSS, c->has_rtcp, "", "");
		fputs("unset multiplot\n", f);
		end_plot(f);
	}
}

/*
 * The script takes `dir` (where the data is and the plots go) and `suffix`
 * (appended to each output name) from the command line, defaulting to "."
 * and "", so that a user can re-run it in the run folder as it is; the
 * harness passes ".tmp" and renames the finished plots into place.
 */
static int write_script(const struct cb_run_result *res, const char *path, const struct plot_ctx *c)
{
	struct cb_out o;
	FILE *f;
	int err;

	err = cb_out_open(&o, path);
	if (err)
		return err;
	f = o.f;
	fprintf(f,
		"# callbench plots for run %s.\n# Re-run in this folder with: gnuplot plots.gp\n"
		"if (!exists(\"dir\")) dir = \".\"\nif (!exists(\"suffix\")) suffix = \"\"\n",
		c->rid);
	for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
		fprintf(f, "\n# ---- %s ----\nset terminal %s\n", formats[fi].ext,
			formats[fi].term);
		script_one_format(f, res, c, formats[fi].ext);
	}
	fputs("set output\n", f);
	return cb_out_commit(&o);
}

int cb_report_plots(const struct cb_run_result *res, const char *dir, const struct cb_logger *log,
		    const atomic_int *stop, unsigned *made, unsigned *failed)
{
	const struct cb_media_result *ms[2];
	struct plot_ctx c = {.ymax = 0};
	char script[PATH_MAX], logpath[PATH_MAX], from[PATH_MAX], to[PATH_MAX], name[32];
	cb_ns t0;
	int err;

	if (!res || !dir || !made || !failed)
		return -EINVAL;
	*made = *failed = 0;
	ms[0] = &res->video;
	ms[1] = &res->audio;
	t0 = cb_run_t0(res);
	err = cb_gp_quote(c.rid, sizeof(c.rid), res->run_id);
	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		c.has_lat[i] = ms[i]->enabled && ms[i]->e2e.n > 0;
		c.has_stages[i] = ms[i]->enabled && cb_plot_has_stages(ms[i]);
		c.has_jb[i] = cb_plot_has_jb(ms[i]);
		c.has_rtcp[i] = cb_plot_has_rtcp(res, ms[i]);
		c.has_rtt[i] = cb_plot_has_rtt(res, ms[i]);
		c.has_age[i] = cb_plot_has_age(ms[i]);
		if (c.has_age[i] && ms[i]->seen.age.max * 1.1 > c.age_ymax)
			c.age_ymax = ms[i]->seen.age.max * 1.1;
		if (!ms[i]->enabled)
			continue;
		if (c.has_age[i]) {
			err = cb_plot_write_age(ms[i], t0, dir);
			if (err)
				return err;
		}
		err = cb_plot_write_latency(ms[i], t0, dir, &c.ymax);
		if (!err)
			err = cb_plot_write_cdf(ms[i], dir);
		if (!err && c.has_jb[i])
			err = cb_plot_write_jb(ms[i], t0, dir);
		if (!err && c.has_rtcp[i])
			err = cb_plot_write_rtcp(res, ms[i]->media, t0, dir, &c.rtcp_tmax);
		if (err)
			return err;
	}
	c.has_psnr = cb_plot_has_psnr(&res->video);
	c.psnr_mean = res->video.psnr.mean;
	if (c.has_psnr) {
		err = cb_plot_write_psnr(&res->video, t0, dir);
		if (err)
			return err;
	}
	if (res->video.enabled) {
		err = cb_plot_write_events(res, t0, dir, &c.n_lost, &c.n_rec);
		if (err)
			return err;
	}
	err = cb_plot_write_stages(res, dir);
	if (err)
		return err;
	/*
	 * One scale for both latency plots, with head room, and never so small
	 * that the excellent line is off the chart: the reader's first question
	 * is where the points sit against it.
	 */
	c.ymax = c.ymax * 1.1 > 120 ? c.ymax * 1.1 : 120;
	if (c.age_ymax < 120)
		c.age_ymax = 120;

	err = cb_path_join(script, sizeof(script), dir, "plots.gp");
	if (!err)
		err = cb_path_join(logpath, sizeof(logpath), dir, "plots.log");
	if (err)
		return err;
	err = write_script(res, script, &c);
	if (err)
		return err;
	if (unlink(logpath) < 0 && errno != ENOENT)
		return -errno;
	/*
	 * One gnuplot per plot: an error in one plot ends gnuplot, and must
	 * not cost the others.  Each plot goes into place whole in both
	 * formats, or not at all (a cut-short one, as on a full disk, is never
	 * taken for a whole one); a plot without data this time is removed, so
	 * that a run folder written again does not keep a stale one.
	 */
	for (int p = 0; p < CB_PLOT_COUNT; p++) {
		int wanted = cb_report_plot_wanted(res, plot_names[p]), ok = 0;

		if (wanted && !err) {
			int rc = cb_gnuplot_run(dir, script, plot_names[p], "plots.log", "report",
						log, stop);

			if (rc == CB_E_STOPPED || rc == CB_E_NOTFOUND ||
			    (rc < 0 && rc != CB_E_EXTERNAL))
				err = rc;
			ok = rc == 0;
		}
		for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
			snprintf(name, sizeof(name), "%s.%s", plot_names[p], formats[fi].ext);
			if (cb_path_join(to, sizeof(to), dir, name) ||
			    snprintf(from, sizeof(from), "%s.tmp", to) >= (int)sizeof(from))
				return -ENAMETOOLONG;
			if (ok && !cb_gnuplot_output_whole(from, formats[fi].ext)) {
				cb_log(log, CB_LOG_WARN, "report",
				       "gnuplot left %s missing or cut short (is the disk full?)",
				       from);
				ok = 0;
			}
		}
		for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
			snprintf(name, sizeof(name), "%s.%s", plot_names[p], formats[fi].ext);
			if (cb_path_join(to, sizeof(to), dir, name) ||
			    snprintf(from, sizeof(from), "%s.tmp", to) >= (int)sizeof(from))
				return -ENAMETOOLONG;
			if (!ok) {
				unlink(from);
				unlink(to);
			} else if (rename(from, to) < 0) {
				cb_log(log, CB_LOG_WARN, "report", "cannot put %s in place: %s", to,
				       strerror(errno));
				unlink(from);
				ok = 0;
			}
		}
		if (ok)
			*made |= 1u << p;
		else if (wanted && !err)
			*failed |= 1u << p;
	}
	if (*failed)
		cb_log(log, CB_LOG_WARN, "report", "gnuplot could not make every plot; see %s",
		       logpath);
	return err;
}
