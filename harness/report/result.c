#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "report/report.h"

const char *cb_run_status_name(enum cb_run_status s)
{
	switch (s) {
	case CB_RUN_COMPLETE:
		return "complete";
	case CB_RUN_INTERRUPTED:
		return "interrupted";
	case CB_RUN_FAILED:
		return "failed";
	}
	return "?";
}

void cb_run_result_free(struct cb_run_result *r)
{
	if (!r)
		return;
	cb_frame_log_free(&r->video.frames);
	cb_frame_log_free(&r->audio.frames);
	cb_experience_free(&r->video.seen);
	cb_experience_free(&r->audio.seen);
	cb_timeline_free(&r->video.playout);
	cb_timeline_free(&r->audio.playout);
	cb_packet_log_free(&r->packets);
	free(r->rtcp);
	r->rtcp = NULL;
	r->n_rtcp = 0;
	free(r->negotiated.offer);
	free(r->negotiated.answer);
	r->negotiated.offer = r->negotiated.answer = NULL;
}

cb_ns cb_run_t0(const struct cb_run_result *res)
{
	const struct cb_frame_log *logs[2] = {&res->video.frames, &res->audio.frames};
	cb_ns cap = CB_NS_NONE, any = CB_NS_NONE;

	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < logs[l]->n; i++) {
			const struct cb_frame_rec *r = &logs[l]->v[i];

			if (r->st[CB_ST_CAPTURED] != CB_NS_NONE &&
			    (cap == CB_NS_NONE || r->st[CB_ST_CAPTURED] < cap))
				cap = r->st[CB_ST_CAPTURED];
			for (int s = 0; s < CB_ST_COUNT; s++)
				if (r->st[s] != CB_NS_NONE && (any == CB_NS_NONE || r->st[s] < any))
					any = r->st[s];
		}
	}
	if (cap != CB_NS_NONE)
		return cap;
	return any != CB_NS_NONE ? any : 0;
}

const char *cb_verdict_by_name(enum cb_verdict_by b)
{
	switch (b) {
	case CB_VERDICT_BY_LATENCY:
		return "latency";
	case CB_VERDICT_BY_AGE:
		return "age";
	case CB_VERDICT_BY_MISSING:
		return "missing";
	case CB_VERDICT_BY_NONE:
		break;
	}
	return "none";
}

const char cb_verdict_rule[] =
    "A media's verdict is the worst of three bands: its delivered latency (frames or marks "
    "that got through) at the verdict percentile; the age of what was on screen (video, "
    "at every frame's display instant from the first picture on) or heard (audio, every "
    "played fresh sample) at the same percentile; and the share of captured frames never "
    "shown or heard (excellent <= 1 %, good <= 3 %, acceptable <= 10 %, poor <= 25 %, else "
    "unusable). The call's verdict is that of the worse media.";

static void explain_part(char *buf, size_t len, size_t *at, const char *what, double pct, double v,
			 const char *unit, enum cb_band b)
{
	int w;

	if (*at >= len)
		return;
	const char *sep = *at == 0 || buf[*at - 1] == ' ' ? "" : "; ";

	if (isnan(v))
		w = snprintf(buf + *at, len - *at, "%s%s: none", sep, what);
	else if (pct > 0)
		w = snprintf(buf + *at, len - *at, "%s%s p%g %.1f %s (%s)", sep, what, pct, v, unit,
			     cb_band_name(b));
	else
		w = snprintf(buf + *at, len - *at, "%s%s %.1f %s (%s)", sep, what, v, unit,
			     cb_band_name(b));
	if (w > 0)
		*at += (size_t)w;
}

void cb_verdict_explain(const struct cb_media_result *m, double pct, char *buf, size_t len)
{
	const int video = m->media == CB_MEDIA_VIDEO;
	const enum cb_verdict_by order[3] = {CB_VERDICT_BY_LATENCY, CB_VERDICT_BY_AGE,
					     CB_VERDICT_BY_MISSING};
	size_t at;

	if (!buf || len == 0)
		return;
	if (m->verdict_by == CB_VERDICT_BY_NONE) {
		snprintf(buf, len, "nothing measured");
		return;
	}
	at = (size_t)snprintf(buf, len, "decided by ");
	/* The deciding part first, then the other two in the rule's order. */
	for (int k = -1; k < 3; k++) {
		enum cb_verdict_by part = k < 0 ? m->verdict_by : order[k];

		if (k >= 0 && part == m->verdict_by)
			continue;
		if (part == CB_VERDICT_BY_LATENCY)
			explain_part(buf, len, &at,
				     video ? "delivered-frame latency" : "mark latency", pct,
				     m->verdict_latency_ms, "ms", m->band_latency);
		else if (part == CB_VERDICT_BY_AGE)
			explain_part(buf, len, &at, video ? "on-screen age" : "heard age", pct,
				     m->verdict_age_ms, "ms", m->band_age);
		else
			explain_part(buf, len, &at, video ? "never shown" : "never heard", 0,
				     m->seen.unseen_pct, "%", m->band_missing);
	}
}

/* A frame of the stage breakdown's set: identified as itself, every stamp
 * of the chain present. */
static int in_stage_set(const struct cb_frame_rec *r)
{
	if (!r->identified || r->mismatch)
		return 0;
	for (int s = 0; s < CB_SG_COUNT; s++)
		if (r->st[cb_stage_from((enum cb_stage)s)] == CB_NS_NONE ||
		    r->st[cb_stage_to((enum cb_stage)s)] == CB_NS_NONE)
			return 0;
	return 1;
}

/* Rank for "worse": NONE (not measured) ranks below excellent here, since
 * a part that could not be measured cannot make the verdict better or
 * worse; only when no part is measured is the verdict NONE. */
static int worse(enum cb_band a, enum cb_band b)
{
	return (int)a > (int)b;
}

/*
 * The verdict: the worst of three bands —
 *   the delivered latency's `pct` percentile (frames / marks that got through),
 *   the same percentile of the age of what was seen / heard (a frozen
 *   screen and concealment make it grow: it counts what did not get through),
 *   the share of captured frames never shown / heard (missing limits of
 *   CB_BAND_MAP: 1, 3, 10, 25 %).
 * On a tie the earlier of the three decides.  verdict_latency_ms is set.
 */
static int verdict(struct cb_media_result *m, double pct)
{
	double *a;
	enum cb_band b;

	a = malloc((m->seen.n ? m->seen.n : 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < m->seen.n; i++)
		a[i] = m->seen.v[i].age_ms;
	{
		struct cb_dist d;

		cb_dist_compute(a, m->seen.n, &d);
		m->verdict_age_ms = cb_percentile_sorted(a, d.n, pct);
	}
	free(a);
	if (m->seen.frames == 0)
		m->seen.unseen_pct = NAN; /* nothing captured, or not computed */
	m->band_latency = cb_band_of(m->verdict_latency_ms);
	m->band_age = cb_band_of(m->verdict_age_ms);
	m->band_missing = m->seen.frames ? cb_band_of_missing(m->seen.unseen_pct) : CB_BAND_NONE;
	b = m->band_latency;
	m->verdict_by = b == CB_BAND_NONE ? CB_VERDICT_BY_NONE : CB_VERDICT_BY_LATENCY;
	if (worse(m->band_age, b)) {
		b = m->band_age;
		m->verdict_by = CB_VERDICT_BY_AGE;
	}
	if (worse(m->band_missing, b)) {
		b = m->band_missing;
		m->verdict_by = CB_VERDICT_BY_MISSING;
	}
	m->verdict = b;
	m->verdict_ms = m->verdict_latency_ms;
	if (!isnan(m->verdict_age_ms) &&
	    (isnan(m->verdict_ms) || m->verdict_age_ms > m->verdict_ms))
		m->verdict_ms = m->verdict_age_ms;
	return 0;
}

int cb_media_result_compute(struct cb_media_result *m, const struct cb_packet_log *pk,
			    double verdict_pct)
{
	const struct cb_frame_log *fl;
	double *v, *sorted;
	size_t n;
	int rc;

	if (!m || isnan(verdict_pct) || verdict_pct < 0 || verdict_pct > 100)
		return -EINVAL;
	fl = &m->frames;
	n = fl->n;
	/* One scratch array serves every distribution in turn; dist sorts it. */
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;

	m->captured = m->encoded = m->sent = m->received = m->decoded = 0;
	m->identified = m->mismatches = 0;
	m->payload_bytes = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cb_frame_rec *r = &fl->v[i];

		m->captured += r->st[CB_ST_CAPTURED] != CB_NS_NONE;
		m->encoded += r->encoded != 0;
		m->sent += r->sent != 0;
		m->received += r->received != 0;
		m->decoded += r->decoded != 0;
		m->identified += r->identified != 0;
		m->mismatches += r->mismatch != 0;
		if (r->encoded)
			m->payload_bytes += r->bytes;
	}

	for (size_t i = 0; i < n; i++)
		v[i] = fl->v[i].e2e_ms;
	cb_dist_compute(v, n, &m->e2e);
	sorted = v;
	m->verdict_latency_ms = cb_percentile_sorted(sorted, m->e2e.n, verdict_pct);
	rc = verdict(m, verdict_pct);
	if (rc < 0) {
		free(v);
		return rc;
	}

	/* The breakdown telescopes only over one set of frames: those with
	 * every stamp of the chain, content as expected.  Each stage over the
	 * frames that merely have its two stamps would average different
	 * frames per stage (under loss, the late ones drop out of some). */
	m->stage_frames = 0;
	for (size_t i = 0; i < n; i++)
		m->stage_frames += in_stage_set(&fl->v[i]);
	for (int s = 0; s < CB_SG_COUNT; s++) {
		enum cb_stamp a = cb_stage_from((enum cb_stage)s),
			      b = cb_stage_to((enum cb_stage)s);
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (in_stage_set(&fl->v[i]))
				v[k++] = cb_ns_diff_ms(fl->v[i].st[b], fl->v[i].st[a]);
		cb_dist_compute(v, k, &m->stage[s]);
	}
	{
		double sum = 0;

		for (size_t i = 0; i < n; i++)
			if (in_stage_set(&fl->v[i]))
				sum += cb_ns_diff_ms(fl->v[i].st[CB_ST_IDENTIFIED],
						     fl->v[i].st[CB_ST_CAPTURED]);
		m->stage_total_ms = m->stage_frames ? sum / (double)m->stage_frames : NAN;
	}

	for (size_t i = 0; i < n; i++)
		v[i] = fl->v[i].algo_ms;
	{
		struct cb_dist d;

		cb_dist_compute(v, n, &d);
		m->algo_ms = d.p50;
	}
	free(v);

	if (pk) {
		/* The rejections are counted by the receiver, not rows: kept. */
		m->packets_sent = m->packets_received = m->packets_lost = m->bytes_sent = 0;
		for (size_t i = 0; i < pk->n; i++) {
			const struct cb_packet_rec *p = cb_packet_log_at(pk, i);

			if (!p)
				return cb_packet_log_error(pk) ? cb_packet_log_error(pk) : -EIO;
			if (p->media != m->media)
				continue;
			if (p->sent != CB_NS_NONE) {
				m->packets_sent++;
				m->bytes_sent += p->size;
			}
			if (p->fate == CB_PKT_DELIVERED || p->fate == CB_PKT_LATE ||
			    p->fate == CB_PKT_RECOVERED)
				m->packets_received++;
			else if (p->fate == CB_PKT_LOST)
				m->packets_lost++;
		}
		m->packets_rejected = m->rejected_auth + m->rejected_replay +
				      m->rejected_malformed + m->rejected_foreign;
	}
	return 0;
}

/* The call's verdict is the worse of the enabled media; a media with no
 * measurement ranks below unusable, so a CI gate never reads a run that
 * measured nothing as a pass.  On a tie of bands the larger verdict_ms. */
const struct cb_media_result *cb_run_worst_media(const struct cb_run_result *res)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio}, *w = NULL;
	int wr = -1;

	for (int i = 0; i < 2; i++) {
		int rank;

		if (!ms[i]->enabled)
			continue;
		rank = ms[i]->verdict == CB_BAND_NONE ? CB_BAND_COUNT : (int)ms[i]->verdict;
		/* On a tie the worse figure decides, not the first media. */
		if (rank > wr ||
		    (rank == wr && w && isfinite(ms[i]->verdict_ms) &&
		     (!isfinite(w->verdict_ms) || ms[i]->verdict_ms > w->verdict_ms))) {
			wr = rank;
			w = ms[i];
		}
	}
	return w;
}

void cb_net_added_describe(const struct cb_net_added *a, char *buf, size_t len)
{
	int n;

	if (!len)
		return;
	buf[0] = '\0';
	if (!a->packets || !isfinite(a->added_delay_ms)) {
		snprintf(buf, len, "no packets");
		return;
	}
	n = snprintf(buf, len, "%.2f ms mean over %" PRIu64 " packets", a->added_delay_ms,
		     a->packets);
	if (n >= 0 && (size_t)n < len && isfinite(a->late_ms))
		snprintf(buf + n, len - (size_t)n,
			 "; %.3f ms behind the release times on average (max %.3f ms)", a->late_ms,
			 a->late_max_ms);
}
