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

/* Open `dir`/`name` as a stream for cb_out_commit(): the data files grow
 * with the call, so they are not built in memory. */
static FILE *open_dat(const char *dir, const char *name, struct cb_out *o, int *err)
{
	char path[PATH_MAX];

	*err = cb_path_join(path, sizeof(path), dir, name);
	if (*err)
		return NULL;
	*err = cb_out_open(o, path);
	return *err ? NULL : o->f;
}

/*
 * Data files are plain whitespace-separated columns so that a user can plot
 * them with anything; the script reads them by name.
 */
static int latency_point(const struct cb_frame_rec *r)
{
	return !isnan(r->e2e_ms) && r->st[CB_ST_CAPTURED] != CB_NS_NONE;
}

static int write_latency_dat(const struct cb_media_result *m, cb_ns t0, const char *dir,
			     double *ymax)
{
	char name[64];
	struct cb_series s;
	struct cb_out o;
	size_t n = 0;
	FILE *f;
	int err;

	snprintf(name, sizeof(name), "latency_%s.dat", cb_media_name(m->media));
	f = open_dat(dir, name, &o, &err);
	if (!f)
		return err;
	fprintf(f, "# %s: time_s (capture, from the run's first capture) e2e_ms\n",
		cb_media_name(m->media));
	for (size_t i = 0; i < m->frames.n; i++)
		n += latency_point(&m->frames.v[i]);
	cb_series_begin(&s, f, "%.6f %.3f\n", n);
	for (size_t i = 0; i < m->frames.n; i++) {
		const struct cb_frame_rec *r = &m->frames.v[i];

		if (!latency_point(r))
			continue;
		cb_series_add(&s, cb_ns_diff_ms(r->st[CB_ST_CAPTURED], t0) / 1e3, r->e2e_ms);
		if (r->e2e_ms > *ymax)
			*ymax = r->e2e_ms;
	}
	cb_series_end(&s);
	return cb_out_commit(&o);
}

/* The empirical CDF: each sorted sample with the fraction of samples <= it. */
static int write_cdf_dat(const struct cb_media_result *m, const char *dir)
{
	char name[64];
	struct cb_out o;
	size_t n = 0;
	double *v;
	FILE *f;
	int err;

	snprintf(name, sizeof(name), "cdf_%s.dat", cb_media_name(m->media));
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
	f = open_dat(dir, name, &o, &err);
	if (!f)
		goto out_free_v;
	fprintf(f, "# %s: e2e_ms fraction_at_or_below\n", cb_media_name(m->media));
	if (n > CB_SERIES_MAX_POINTS)
		fprintf(f, "# %zu samples, an even spread of them (frames.csv has every frame)\n",
			n);
	for (size_t i = 0; i < n; i++)
		if (cb_series_keep_sorted(i, n))
			fprintf(f, "%.3f %.6f\n", v[i], (double)(i + 1) / (double)n);
	err = cb_out_commit(&o);
out_free_v:
	free(v);
	return err;
}

static int write_stages_dat(const struct cb_run_result *res, const char *dir)
{
	struct cb_out o;
	FILE *f;
	int err;

	f = open_dat(dir, "stages.dat", &o, &err);
	if (!f)
		return err;
	fprintf(f, "# stage video_mean_ms audio_mean_ms (NaN: not measured)\n");
	for (int s = 0; s < CB_SG_COUNT; s++) {
		double v = res->video.stage[s].mean, a = res->audio.stage[s].mean;

		fprintf(f, "%s ", cb_stage_name((enum cb_stage)s));
		fprintf(f, isfinite(v) ? "%.6f " : "NaN ", v);
		fprintf(f, isfinite(a) ? "%.6f\n" : "NaN\n", a);
	}
	return cb_out_commit(&o);
}

static int has_stage_data(const struct cb_media_result *m)
{
	for (int s = 0; s < CB_SG_COUNT; s++)
		if (isfinite(m->stage[s].mean))
			return 1;
	return 0;
}

/* Time in the jitter buffer as webrtc-stats counts it: first packet received -> out. */
static int jb_delay_ms(const struct cb_frame_rec *r, double *ms)
{
	if (r->st[CB_ST_JB_OUT] == CB_NS_NONE || r->st[CB_ST_FIRST_RECV] == CB_NS_NONE ||
	    r->st[CB_ST_CAPTURED] == CB_NS_NONE)
		return 0;
	*ms = cb_ns_diff_ms(r->st[CB_ST_JB_OUT], r->st[CB_ST_FIRST_RECV]);
	return 1;
}

static int has_jb_data(const struct cb_media_result *m)
{
	double ms;

	for (size_t i = 0; m->enabled && i < m->frames.n; i++)
		if (jb_delay_ms(&m->frames.v[i], &ms))
			return 1;
	return 0;
}

static int psnr_point(const struct cb_frame_rec *r)
{
	return r->identified && isfinite(r->psnr) && r->st[CB_ST_CAPTURED] != CB_NS_NONE;
}

static int has_psnr_data(const struct cb_media_result *m)
{
	for (size_t i = 0; m->enabled && i < m->frames.n; i++)
		if (psnr_point(&m->frames.v[i]))
			return 1;
	return 0;
}

static int has_rtcp_data(const struct cb_run_result *res, const struct cb_media_result *m)
{
	for (size_t i = 0; m->enabled && i < res->n_rtcp; i++)
		if (res->rtcp[i].media == m->media)
			return 1;
	return 0;
}

static size_t rtcp_reports(const struct cb_run_result *res, enum cb_media media)
{
	size_t n = 0;

	for (size_t i = 0; i < res->n_rtcp; i++)
		n += res->rtcp[i].media == media;
	return n;
}

/* A reception report with an RTT: one that answered a sender report. */
static int has_rtt_data(const struct cb_run_result *res, const struct cb_media_result *m)
{
	for (size_t i = 0; m->enabled && i < res->n_rtcp; i++)
		if (res->rtcp[i].media == m->media && isfinite(res->rtcp[i].rtt_ms))
			return 1;
	return 0;
}

static int has_age_data(const struct cb_media_result *m);

int cb_report_plot_wanted(const struct cb_run_result *res, const char *name)
{
	if (!res || !name)
		return 0;
	if (!strcmp(name, "age"))
		return has_age_data(&res->video) || has_age_data(&res->audio);
	if (!strcmp(name, "latency") || !strcmp(name, "cdf") || !strcmp(name, "stages"))
		return 1;
	if (!strcmp(name, "jitter_buffer"))
		return has_jb_data(&res->video) || has_jb_data(&res->audio);
	if (!strcmp(name, "psnr"))
		return has_psnr_data(&res->video);
	if (!strcmp(name, "rtcp"))
		return has_rtcp_data(res, &res->video) || has_rtcp_data(res, &res->audio);
	return 0;
}

static int has_age_data(const struct cb_media_result *m)
{
	return m->enabled && m->seen.n > 0;
}

/* The age of what was on screen / heard at each sample instant. */
static int write_age_dat(const struct cb_media_result *m, cb_ns t0, const char *dir)
{
	char name[64];
	struct cb_series s;
	struct cb_out o;
	int err;
	FILE *f;

	snprintf(name, sizeof(name), "age_%s.dat", cb_media_name(m->media));
	f = open_dat(dir, name, &o, &err);
	if (!f)
		return err;
	fprintf(f, "# %s: time_s (%s, from the run's first capture) age_ms\n",
		cb_media_name(m->media),
		m->media == CB_MEDIA_VIDEO ? "display instant" : "play time");
	cb_series_begin(&s, f, "%.6f %.3f\n", m->seen.n);
	for (size_t i = 0; i < m->seen.n; i++)
		cb_series_add(&s, cb_ns_diff_ms(m->seen.v[i].t, t0) / 1e3, m->seen.v[i].age_ms);
	cb_series_end(&s);
	return cb_out_commit(&o);
}

/* A frame's RTP timestamp and capture time, to place a packet at its frame. */
struct ts_cap {
	uint32_t rtp_ts;
	cb_ns cap;
};

static int cmp_ts_cap(const void *a, const void *b)
{
	uint32_t x = ((const struct ts_cap *)a)->rtp_ts, y = ((const struct ts_cap *)b)->rtp_ts;

	return x < y ? -1 : x > y;
}

/*
 * The video packets the network took (dropped by the loss model or the
 * full queue, or lost otherwise) and those that came back by RTX, each at
 * the capture time of the frame it belongs to (found by RTP timestamp), so
 * that they line up with the latency points of the same frames.  One row
 * per frame and kind: a frame that lost three packets is one mark.
 * *n_lost and *n_rec count the rows.
 */
static int write_events_dat(const struct cb_run_result *res, cb_ns t0, const char *dir,
			    size_t *n_lost, size_t *n_rec)
{
	const struct cb_frame_log *fl = &res->video.frames;
	struct cb_out o;
	struct ts_cap *tc;
	size_t n = 0;
	uint32_t last_ts[2] = {0, 0};
	int have_last[2] = {0, 0}, err;
	FILE *f;

	*n_lost = *n_rec = 0;
	tc = malloc((fl->n ? fl->n : 1) * sizeof(*tc));
	if (!tc)
		return -ENOMEM;
	for (size_t i = 0; i < fl->n; i++)
		if (fl->v[i].st[CB_ST_CAPTURED] != CB_NS_NONE) {
			tc[n].rtp_ts = fl->v[i].rtp_ts;
			tc[n++].cap = fl->v[i].st[CB_ST_CAPTURED];
		}
	qsort(tc, n, sizeof(*tc), cmp_ts_cap);
	f = open_dat(dir, "events_video.dat", &o, &err);
	if (!f)
		goto out_free_tc;
	fprintf(f, "# video packets lost or recovered: time_s (capture time of the packet's "
		   "frame) kind (0 lost and not recovered, 1 recovered by RTX)\n");
	for (size_t i = 0; i < res->packets.n; i++) {
		const struct cb_packet_rec *p = cb_packet_log_at(&res->packets, i);
		struct ts_cap key = {0}, *hit;
		int kind;

		if (!p) {
			err = cb_packet_log_error(&res->packets)
				  ? cb_packet_log_error(&res->packets)
				  : -EIO;
			cb_out_discard(&o);
			goto out_free_tc;
		}
		key.rtp_ts = p->rtp_ts;
		if (p->media != CB_MEDIA_VIDEO)
			continue;
		if (p->fate == CB_PKT_NET_LOSS || p->fate == CB_PKT_NET_QUEUE ||
		    p->fate == CB_PKT_LOST)
			kind = 0;
		else if (p->fate == CB_PKT_RECOVERED)
			kind = 1;
		else
			continue;
		if (have_last[kind] && last_ts[kind] == p->rtp_ts)
			continue;
		hit = bsearch(&key, tc, n, sizeof(*tc), cmp_ts_cap);
		if (!hit)
			continue;
		have_last[kind] = 1;
		last_ts[kind] = p->rtp_ts;
		fprintf(f, "%.6f %d\n", cb_ns_diff_ms(hit->cap, t0) / 1e3, kind);
		*(kind ? n_rec : n_lost) += 1;
	}
	err = cb_out_commit(&o);
out_free_tc:
	free(tc);
	return err;
}

/* Per frame: capture time and time in the jitter buffer. */
static int write_jb_dat(const struct cb_media_result *m, cb_ns t0, const char *dir)
{
	char name[64];
	struct cb_series s;
	struct cb_out o;
	size_t n = 0;
	int err;
	FILE *f;

	snprintf(name, sizeof(name), "jitter_buffer_%s.dat", cb_media_name(m->media));
	f = open_dat(dir, name, &o, &err);
	if (!f)
		return err;
	fprintf(f, "# %s: time_s (capture) jitter_buffer_ms (jitter_buffer_out - first_received)\n",
		cb_media_name(m->media));
	for (size_t i = 0; i < m->frames.n; i++) {
		double ms;

		n += jb_delay_ms(&m->frames.v[i], &ms) != 0;
	}
	cb_series_begin(&s, f, "%.6f %.3f\n", n);
	for (size_t i = 0; i < m->frames.n; i++) {
		const struct cb_frame_rec *r = &m->frames.v[i];
		double ms;

		if (jb_delay_ms(r, &ms))
			cb_series_add(&s, cb_ns_diff_ms(r->st[CB_ST_CAPTURED], t0) / 1e3, ms);
	}
	cb_series_end(&s);
	return cb_out_commit(&o);
}

/* Per identified video frame: capture time and PSNR. */
static int write_psnr_dat(const struct cb_media_result *m, cb_ns t0, const char *dir)
{
	struct cb_series s;
	struct cb_out o;
	size_t n = 0;
	int err;
	FILE *f;

	f = open_dat(dir, "psnr_video.dat", &o, &err);
	if (!f)
		return err;
	fputs("# video: time_s (capture) psnr_db\n", f);
	for (size_t i = 0; i < m->frames.n; i++)
		n += psnr_point(&m->frames.v[i]) != 0;
	cb_series_begin(&s, f, "%.6f %.4f\n", n);
	for (size_t i = 0; i < m->frames.n; i++) {
		const struct cb_frame_rec *r = &m->frames.v[i];

		if (psnr_point(r))
			cb_series_add(&s, cb_ns_diff_ms(r->st[CB_ST_CAPTURED], t0) / 1e3, r->psnr);
	}
	cb_series_end(&s);
	return cb_out_commit(&o);
}

/*
 * The reception reports about one media, as the sender received them.  RTT
 * is "NaN" before the receiver had an SR to answer; the script treats it
 * as missing.  *tmax is raised to the latest report's time.
 */
static void write_rtcp_row(FILE *f, const struct cb_rtcp_sample *s, cb_ns t0, double *tmax)
{
	double t = cb_ns_diff_ms(s->t, t0) / 1e3;

	fprintf(f, "%.6f ", t);
	fprintf(f, isfinite(s->rtt_ms) ? "%.3f " : "NaN ", s->rtt_ms);
	fprintf(f, isfinite(s->fraction_lost) ? "%.3f " : "NaN ", 100.0 * s->fraction_lost);
	fprintf(f, "%lld ", (long long)s->cumulative_lost);
	fprintf(f, isfinite(s->jitter_ms) ? "%.3f\n" : "NaN\n", s->jitter_ms);
	if (t > *tmax)
		*tmax = t;
}

/* Is a's RTT (or fraction lost) above b's?  A number is above NaN. */
static int rtt_above(const struct cb_rtcp_sample *a, const struct cb_rtcp_sample *b)
{
	return isfinite(a->rtt_ms) && (!isfinite(b->rtt_ms) || a->rtt_ms > b->rtt_ms);
}

static int loss_above(const struct cb_rtcp_sample *a, const struct cb_rtcp_sample *b)
{
	return isfinite(a->fraction_lost) &&
	       (!isfinite(b->fraction_lost) || a->fraction_lost > b->fraction_lost);
}

static int write_rtcp_dat(const struct cb_run_result *res, enum cb_media media, cb_ns t0,
			  const char *dir, double *tmax)
{
	const struct cb_rtcp_sample *hi_rtt = NULL, *hi_loss = NULL;
	char name[64];
	struct cb_out o;
	size_t n = 0, k;
	int err;
	FILE *f;

	snprintf(name, sizeof(name), "rtcp_%s.dat", cb_media_name(media));
	f = open_dat(dir, name, &o, &err);
	if (!f)
		return err;
	fprintf(f,
		"# %s reception reports: time_s rtt_ms fraction_lost_pct cumulative_lost "
		"jitter_ms\n",
		cb_media_name(media));
	for (size_t i = 0; i < res->n_rtcp; i++)
		n += res->rtcp[i].media == media;
	/* A day has 170 000 reports per media: past the bound, each run of k
	 * keeps the report of its highest RTT and that of its highest loss. */
	k = n > CB_SERIES_MAX_POINTS
		? (n + CB_SERIES_MAX_POINTS / 2 - 1) / (CB_SERIES_MAX_POINTS / 2)
		: 1;
	if (k > 1)
		fprintf(f,
			"# %zu reports: of each run of %zu, those of the highest RTT and the "
			"highest loss\n",
			n, k);
	for (size_t i = 0, in_run = 0, seen = 0; i < res->n_rtcp; i++) {
		const struct cb_rtcp_sample *s = &res->rtcp[i];

		if (s->media != media)
			continue;
		if (!in_run || rtt_above(s, hi_rtt))
			hi_rtt = s;
		if (!in_run || loss_above(s, hi_loss))
			hi_loss = s;
		seen++;
		if (++in_run < k && seen < n)
			continue;
		/* the run ends here (or the reports do) */
		write_rtcp_row(f, hi_rtt->t <= hi_loss->t ? hi_rtt : hi_loss, t0, tmax);
		if (hi_rtt != hi_loss)
			write_rtcp_row(f, hi_rtt->t <= hi_loss->t ? hi_loss : hi_rtt, t0, tmax);
		in_run = 0;
	}
	return cb_out_commit(&o);
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
			if (rtcp_reports(res, ms[i]->media) > 240)
				fprintf(f, "dir.\"/rtcp_%s.dat\" using 1:2 with lines lw %s", name,
					i == 0 ? "2" : "1");
			else
				fprintf(
				    f, "dir.\"/rtcp_%s.dat\" using 1:2 with linespoints pt 7 ps %s",
				    name, i == 0 ? "1.0" : "0.5");
			break;
		case PLOT_LOSS:
			fprintf(f, "dir.\"/rtcp_%s.dat\" using 1:3 with %s", name,
				rtcp_reports(res, ms[i]->media) > 240 ? "lines"
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
		c.has_stages[i] = ms[i]->enabled && has_stage_data(ms[i]);
		c.has_jb[i] = has_jb_data(ms[i]);
		c.has_rtcp[i] = has_rtcp_data(res, ms[i]);
		c.has_rtt[i] = has_rtt_data(res, ms[i]);
		c.has_age[i] = has_age_data(ms[i]);
		if (c.has_age[i] && ms[i]->seen.age.max * 1.1 > c.age_ymax)
			c.age_ymax = ms[i]->seen.age.max * 1.1;
		if (!ms[i]->enabled)
			continue;
		if (c.has_age[i]) {
			err = write_age_dat(ms[i], t0, dir);
			if (err)
				return err;
		}
		err = write_latency_dat(ms[i], t0, dir, &c.ymax);
		if (!err)
			err = write_cdf_dat(ms[i], dir);
		if (!err && c.has_jb[i])
			err = write_jb_dat(ms[i], t0, dir);
		if (!err && c.has_rtcp[i])
			err = write_rtcp_dat(res, ms[i]->media, t0, dir, &c.rtcp_tmax);
		if (err)
			return err;
	}
	c.has_psnr = has_psnr_data(&res->video);
	c.psnr_mean = res->video.psnr.mean;
	if (c.has_psnr) {
		err = write_psnr_dat(&res->video, t0, dir);
		if (err)
			return err;
	}
	if (res->video.enabled) {
		err = write_events_dat(res, t0, dir, &c.n_lost, &c.n_rec);
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
