/*
 * plot_data.c — the data files the run's plots are drawn from (latency,
 * CDF, stages, age, jitter buffer, PSNR, RTCP, loss events): plain
 * whitespace-separated columns, each curve bounded (report/series.h), and
 * which plots have data at all.  plot.c writes the script and runs gnuplot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "report/plot_data.h"
#include "report/report.h"
#include "report/series.h"

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

int cb_plot_write_latency(const struct cb_media_result *m, cb_ns t0, const char *dir, double *ymax)
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
int cb_plot_write_cdf(const struct cb_media_result *m, const char *dir)
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

int cb_plot_write_stages(const struct cb_run_result *res, const char *dir)
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

int cb_plot_has_stages(const struct cb_media_result *m)
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

int cb_plot_has_jb(const struct cb_media_result *m)
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

int cb_plot_has_psnr(const struct cb_media_result *m)
{
	for (size_t i = 0; m->enabled && i < m->frames.n; i++)
		if (psnr_point(&m->frames.v[i]))
			return 1;
	return 0;
}

int cb_plot_has_rtcp(const struct cb_run_result *res, const struct cb_media_result *m)
{
	for (size_t i = 0; m->enabled && i < res->n_rtcp; i++)
		if (res->rtcp[i].media == m->media)
			return 1;
	return 0;
}

size_t cb_plot_rtcp_reports(const struct cb_run_result *res, enum cb_media media)
{
	size_t n = 0;

	for (size_t i = 0; i < res->n_rtcp; i++)
		n += res->rtcp[i].media == media;
	return n;
}

/* A reception report with an RTT: one that answered a sender report. */
int cb_plot_has_rtt(const struct cb_run_result *res, const struct cb_media_result *m)
{
	for (size_t i = 0; m->enabled && i < res->n_rtcp; i++)
		if (res->rtcp[i].media == m->media && isfinite(res->rtcp[i].rtt_ms))
			return 1;
	return 0;
}

int cb_plot_has_age(const struct cb_media_result *m)
{
	return m->enabled && m->seen.n > 0;
}

/* The age of what was on screen / heard at each sample instant. */
int cb_plot_write_age(const struct cb_media_result *m, cb_ns t0, const char *dir)
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
int cb_plot_write_events(const struct cb_run_result *res, cb_ns t0, const char *dir, size_t *n_lost,
			 size_t *n_rec)
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
int cb_plot_write_jb(const struct cb_media_result *m, cb_ns t0, const char *dir)
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
int cb_plot_write_psnr(const struct cb_media_result *m, cb_ns t0, const char *dir)
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

int cb_plot_write_rtcp(const struct cb_run_result *res, enum cb_media media, cb_ns t0,
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
