#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	cb_packet_log_free(&r->packets);
	free(r->rtcp);
	r->rtcp = NULL;
	r->n_rtcp = 0;
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

int cb_media_result_compute(struct cb_media_result *m, const struct cb_packet_log *pk,
			    double verdict_pct)
{
	const struct cb_frame_log *fl;
	double *v, *sorted;
	size_t n;

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
	m->verdict_ms = cb_percentile_sorted(sorted, m->e2e.n, verdict_pct);
	m->verdict = cb_band_of(m->verdict_ms);

	for (int s = 0; s < CB_SG_COUNT; s++) {
		enum cb_stamp a = cb_stage_from((enum cb_stage)s),
			      b = cb_stage_to((enum cb_stage)s);

		for (size_t i = 0; i < n; i++)
			v[i] = cb_ns_diff_ms(fl->v[i].st[b], fl->v[i].st[a]);
		cb_dist_compute(v, n, &m->stage[s]);
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
		m->packets_sent = m->packets_received = m->packets_lost = 0;
		m->packets_rejected = m->rejected_auth = m->rejected_replay = 0;
		m->rejected_malformed = m->bytes_sent = 0;
		for (size_t i = 0; i < pk->n; i++) {
			const struct cb_packet_rec *p = &pk->v[i];

			if (p->media != m->media)
				continue;
			if (p->sent != CB_NS_NONE) {
				m->packets_sent++;
				m->bytes_sent += p->size;
			}
			switch (p->fate) {
			case CB_PKT_DELIVERED:
			case CB_PKT_LATE:
			case CB_PKT_RECOVERED:
				m->packets_received++;
				break;
			case CB_PKT_LOST:
				m->packets_lost++;
				break;
			case CB_PKT_AUTH_FAIL:
				m->rejected_auth++;
				break;
			case CB_PKT_REPLAY:
				m->rejected_replay++;
				break;
			case CB_PKT_MALFORMED:
				m->rejected_malformed++;
				break;
			}
		}
		m->packets_rejected = m->rejected_auth + m->rejected_replay + m->rejected_malformed;
	}
	return 0;
}

/* The call's verdict is the worse of the enabled media; a media with no
 * measurement ranks below unusable, so a CI gate never reads a run that
 * measured nothing as a pass. */
const struct cb_media_result *cb_run_worst_media(const struct cb_run_result *res)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio}, *w = NULL;
	int wr = -1;

	for (int i = 0; i < 2; i++) {
		int rank;

		if (!ms[i]->enabled)
			continue;
		rank = ms[i]->verdict == CB_BAND_NONE ? CB_BAND_COUNT : (int)ms[i]->verdict;
		if (rank > wr) {
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
