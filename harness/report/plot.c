#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "report/report.h"

extern char **environ;

/* The plots gnuplot makes, each in both formats. */
static const char *const plot_names[] = {"latency", "cdf", "stages"};
static const struct {
	const char *ext, *term;
} formats[] = {
    {"png", "pngcairo size 960,540 noenhanced font \",10\""},
    {"svg", "svg size 960,540 noenhanced dynamic font \"sans,10\""},
};

static const char *const band_colors[] = {"#2e7d32", "#9e9d24", "#ef6c00", "#c62828"};

/*
 * Data files are plain whitespace-separated columns so that a user can plot
 * them with anything; the script reads them by name.
 */
static int write_latency_dat(const struct cb_media_result *m, cb_ns t0, const char *dir,
			     double *ymax)
{
	char path[PATH_MAX], name[64], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	snprintf(name, sizeof(name), "latency_%s.dat", cb_media_name(m->media));
	err = cb_path_join(path, sizeof(path), dir, name);
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fprintf(f, "# %s: time_s (capture, from the run's first capture) e2e_ms\n",
		cb_media_name(m->media));
	for (size_t i = 0; i < m->frames.n; i++) {
		const struct cb_frame_rec *r = &m->frames.v[i];

		if (isnan(r->e2e_ms) || r->st[CB_ST_CAPTURED] == CB_NS_NONE)
			continue;
		fprintf(f, "%.6f %.3f\n", cb_ns_diff_ms(r->st[CB_ST_CAPTURED], t0) / 1e3,
			r->e2e_ms);
		if (r->e2e_ms > *ymax)
			*ymax = r->e2e_ms;
	}
	return cb_memstream_commit(f, &buf, &len, path);
}

/* The empirical CDF: each sorted sample with the fraction of samples <= it. */
static int write_cdf_dat(const struct cb_media_result *m, const char *dir)
{
	char path[PATH_MAX], name[64], *buf = NULL;
	size_t len = 0, n = 0;
	double *v;
	FILE *f;
	int err;

	snprintf(name, sizeof(name), "cdf_%s.dat", cb_media_name(m->media));
	err = cb_path_join(path, sizeof(path), dir, name);
	if (err)
		return err;
	v = malloc((m->frames.n ? m->frames.n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->frames.n; i++)
		v[i] = m->frames.v[i].e2e_ms;
	{
		struct cb_dist d;

		cb_dist_compute(v, m->frames.n, &d);
		n = d.n;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		err = -errno;
		goto out_free_v;
	}
	fprintf(f, "# %s: e2e_ms fraction_at_or_below\n", cb_media_name(m->media));
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%.3f %.6f\n", v[i], (double)(i + 1) / (double)n);
	err = cb_memstream_commit(f, &buf, &len, path);
out_free_v:
	free(v);
	return err;
}

static int write_stages_dat(const struct cb_run_result *res, const char *dir)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	err = cb_path_join(path, sizeof(path), dir, "stages.dat");
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fprintf(f, "# stage video_mean_ms audio_mean_ms (NaN: not measured)\n");
	for (int s = 0; s < CB_SG_COUNT; s++) {
		double v = res->video.stage[s].mean, a = res->audio.stage[s].mean;

		fprintf(f, "%s ", cb_stage_name((enum cb_stage)s));
		fprintf(f, isfinite(v) ? "%.6f " : "NaN ", v);
		fprintf(f, isfinite(a) ? "%.6f\n" : "NaN\n", a);
	}
	return cb_memstream_commit(f, &buf, &len, path);
}

static int has_stage_data(const struct cb_media_result *m)
{
	for (int s = 0; s < CB_SG_COUNT; s++)
		if (isfinite(m->stage[s].mean))
			return 1;
	return 0;
}

enum plot_kind { PLOT_LATENCY, PLOT_CDF, PLOT_STAGES };

/* Start the next plot afresh, into <plot>.<ext> plus the script's suffix. */
static void begin_plot(FILE *f, const char *plot, const char *ext)
{
	fprintf(f, "reset\nset output dir.\"/%s.%s\".suffix\n", plot, ext);
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

/*
 * The plot command: one curve per media that has data (`has`), in the
 * media's colour; when neither has any, `empty` instead, which labels the
 * empty chart and plots nothing, so the image still exists and says why.
 */
static void plot_media(FILE *f, const struct cb_run_result *res, enum plot_kind kind,
		       const int has[2], const char *empty)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio};
	static const char *const color[2] = {"#1565c0", "#ad1457"};
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
		}
		fprintf(f, " lc rgb \"%s\" title \"%s\"", color[i], name);
		sep = ", \\\n     ";
	}
	fputc('\n', f);
}

/*
 * The script takes `dir` (where the data is and the plots go) and `suffix`
 * (appended to each output name) from the command line, defaulting to "."
 * and "", so that a user can re-run it in the run folder as it is; the
 * harness passes ".tmp" and renames the finished plots into place.
 */
static void script_plots(FILE *f, const struct cb_run_result *res, const int has_lat[2],
			 const int has_stages[2], double ymax)
{
	for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
		const char *ext = formats[fi].ext;

		fprintf(f, "\n# ---- %s ----\nset terminal %s\n", ext, formats[fi].term);

		/* Latency over time, with the band limits as labelled lines. */
		begin_plot(f, "latency", ext);
		fprintf(f,
			"set title \"End-to-end latency over time, run %s (measured from decoded "
			"content)\"\n",
			res->run_id);
		fprintf(f,
			"set xlabel \"capture time since first capture (s)\"\n"
			"set ylabel \"one-way latency (ms)\"\nset grid\nset key top left\n"
			"set yrange [0:%.1f]\n",
			ymax);
		band_lines(f, ymax, 0);
		plot_media(f, res, PLOT_LATENCY, has_lat,
			   "set label 20 \"no latency was measured\" at graph 0.5, graph 0.5 "
			   "center\nset xrange [0:1]\nplot 1/0 notitle\n");

		/* CDF, with the band limits as vertical lines. */
		begin_plot(f, "cdf", ext);
		fprintf(f,
			"set title \"Latency CDF, run %s\"\nset xlabel \"one-way latency "
			"(ms)\"\nset ylabel \"fraction of samples at or below\"\nset grid\n"
			"set key bottom right\nset yrange [0:1.02]\nset xrange [0:%.1f]\n",
			res->run_id, ymax);
		band_lines(f, ymax, 1);
		plot_media(f, res, PLOT_CDF, has_lat,
			   "set label 20 \"no latency was measured\" at graph 0.5, graph 0.5 "
			   "center\nplot 1/0 notitle\n");

		/* Stage breakdown: grouped bars of the mean per stage. */
		begin_plot(f, "stages", ext);
		fprintf(f,
			"set title \"Mean time per stage, run %s\"\nset ylabel \"mean ms\"\n"
			"set style data histograms\nset style histogram clustered gap 1\n"
			"set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
			"set xtics rotate by -30 nomirror\nset grid ytics\nset key top left\n"
			"set yrange [0:*]\n",
			res->run_id);
		plot_media(f, res, PLOT_STAGES, has_stages,
			   "set label 20 \"no stage was measured\" at graph 0.5, graph 0.5 "
			   "center\nset xrange [0:1]\nset yrange [0:1]\nplot 1/0 notitle\n");
	}
	fputs("set output\n", f);
}

static int write_script(const struct cb_run_result *res, const char *path, const int has_lat[2],
			const int has_stages[2], double ymax)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fprintf(f,
		"# callbench plots for run %s.\n# Re-run in this folder with: gnuplot plots.gp\n"
		"if (!exists(\"dir\")) dir = \".\"\nif (!exists(\"suffix\")) suffix = \"\"\n",
		res->run_id);
	script_plots(f, res, has_lat, has_stages, ymax);
	return cb_memstream_commit(f, &buf, &len, path);
}

/* Quote `s` as a gnuplot single-quoted string, where '' stands for one '. */
static int gp_quote(char *out, size_t room, const char *s)
{
	size_t o = 0;

	if (room < 3)
		return -ENAMETOOLONG;
	out[o++] = '\'';
	for (; *s; s++) {
		if (o + 3 >= room)
			return -ENAMETOOLONG;
		if (*s == '\'')
			out[o++] = '\'';
		out[o++] = *s;
	}
	out[o++] = '\'';
	out[o] = '\0';
	return 0;
}

/*
 * Run gnuplot on the script with its output going to plots.log in the run
 * folder: the library must not write to the caller's terminal, and the log
 * is where a user looks when a plot is wrong.
 */
static int run_gnuplot(const char *dir, const char *script, const struct cb_logger *log)
{
	char qdir[PATH_MAX + 8], expr[PATH_MAX + 64], logpath[PATH_MAX];
	posix_spawn_file_actions_t fa;
	char *argv[5];
	pid_t pid;
	int err, status;

	err = gp_quote(qdir, sizeof(qdir), dir);
	if (err)
		return err;
	snprintf(expr, sizeof(expr), "dir=%s; suffix='.tmp'", qdir);
	err = cb_path_join(logpath, sizeof(logpath), dir, "plots.log");
	if (err)
		return err;
	argv[0] = "gnuplot";
	argv[1] = "-e";
	argv[2] = expr;
	argv[3] = (char *)script;
	argv[4] = NULL;

	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return -err;
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 1, logpath,
						       O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (err) {
		err = -err;
		goto out_destroy_fa;
	}
	err = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	if (err) {
		cb_log(log, CB_LOG_WARN, "report", "cannot run gnuplot (%s)%s", strerror(err),
		       err == ENOENT ? ": install gnuplot (gnuplot-nox) for plots" : "");
		err = CB_E_EXTERNAL;
		goto out_destroy_fa;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			goto out_destroy_fa;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cb_log(log, CB_LOG_WARN, "report", "gnuplot failed (status %d); see %s", status,
		       logpath);
		err = CB_E_EXTERNAL;
	}
out_destroy_fa:
	posix_spawn_file_actions_destroy(&fa);
	return err;
}

int cb_report_plots(const struct cb_run_result *res, const char *dir, const struct cb_logger *log)
{
	const struct cb_media_result *ms[2];
	int has_lat[2], has_stages[2];
	char script[PATH_MAX], from[PATH_MAX], to[PATH_MAX], name[32];
	double ymax = 0;
	cb_ns t0;
	int err;

	if (!res || !dir)
		return -EINVAL;
	ms[0] = &res->video;
	ms[1] = &res->audio;
	t0 = cb_run_t0(res);
	for (int i = 0; i < 2; i++) {
		has_lat[i] = ms[i]->enabled && ms[i]->e2e.n > 0;
		has_stages[i] = ms[i]->enabled && has_stage_data(ms[i]);
		if (!ms[i]->enabled)
			continue;
		err = write_latency_dat(ms[i], t0, dir, &ymax);
		if (!err)
			err = write_cdf_dat(ms[i], dir);
		if (err)
			return err;
	}
	err = write_stages_dat(res, dir);
	if (err)
		return err;
	/*
	 * One scale for both latency plots, with head room, and never so small
	 * that the excellent line is off the chart: the reader's first question
	 * is where the points sit against it.
	 */
	ymax = ymax * 1.1 > 120 ? ymax * 1.1 : 120;

	err = cb_path_join(script, sizeof(script), dir, "plots.gp");
	if (err)
		return err;
	err = write_script(res, script, has_lat, has_stages, ymax);
	if (err)
		return err;
	err = run_gnuplot(dir, script, log);
	/*
	 * Move every finished plot into place; on failure remove the partial
	 * ones instead, so that no *.tmp is left behind either way.
	 */
	for (size_t p = 0; p < sizeof(plot_names) / sizeof(plot_names[0]); p++) {
		for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
			snprintf(name, sizeof(name), "%s.%s", plot_names[p], formats[fi].ext);
			if (cb_path_join(to, sizeof(to), dir, name) ||
			    snprintf(from, sizeof(from), "%s.tmp", to) >= (int)sizeof(from))
				return -ENAMETOOLONG;
			if (err) {
				unlink(from);
				continue;
			}
			if (rename(from, to) < 0) {
				cb_log(log, CB_LOG_WARN, "report", "gnuplot made no %s", to);
				err = CB_E_EXTERNAL;
			}
		}
	}
	return err;
}
