#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "call/settings.h"
#include "report/gate.h"
#include "report/report.h"

/*
 * JSON has no NaN: a figure that was not measured is written as null, so a
 * reader can tell "not measured" from zero.
 */
static json_t *num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *dist_json(const struct cb_dist *d)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "n", (json_int_t)d->n, "min",
			 num(d->min), "mean", num(d->mean), "p50", num(d->p50), "p90", num(d->p90),
			 "p95", num(d->p95), "p99", num(d->p99), "max", num(d->max));
}

/*
 * Audio carries a mark only every mark_period_ms, so most audio frames have
 * nothing to identify: for audio the share is of marks, for video of frames.
 */
static double identified_pct(const struct cb_media_result *m)
{
	if (m->media == CB_MEDIA_AUDIO && m->marks_sent)
		return 100.0 * (double)m->marks_identified / (double)m->marks_sent;
	return m->captured ? 100.0 * (double)m->identified / (double)m->captured : NAN;
}

/* What was seen / heard (measure/experience.h); audio adds its playout
 * timeline's bends (rx/timeline.h). */
static json_t *experience_json(const struct cb_media_result *m)
{
	const struct cb_experience *e = &m->seen;
	json_t *o;

	if (m->media == CB_MEDIA_VIDEO)
		return json_pack("{s:o, s:I, s:I, s:o}", "on_screen_age_ms", dist_json(&e->age),
				 "frames", (json_int_t)e->frames, "never_shown",
				 (json_int_t)e->unseen, "never_shown_pct", num(e->unseen_pct));
	o = json_pack("{s:o, s:I, s:I, s:o, s:o}", "heard_age_ms", dist_json(&e->age), "frames",
		      (json_int_t)e->frames, "never_heard", (json_int_t)e->unseen,
		      "never_heard_pct", num(e->unseen_pct), "concealed_time_pct",
		      num(e->concealed_pct));
	if (o)
		json_object_set_new(o, "playout",
				    json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:o}",
					      "slots", (json_int_t)m->playout.n, "cut_samples",
					      (json_int_t)m->playout.cut_samples, "removed_frames",
					      (json_int_t)m->playout.removed_frames, "underruns",
					      (json_int_t)m->playout.underruns, "slip_ms",
					      num((double)m->playout.slip / 1e6), "margin_mean_ms",
					      num(m->jb_margin_mean_ms), "margin_max_ms",
					      num(m->jb_margin_max_ms), "late_frames",
					      (json_int_t)m->jb_late_frames, "late_wait_ms",
					      num(m->jb_late_wait_ms)));
	return o;
}

/* The verdict's three parts and what decided it (result.c verdict()). */
static void verdict_parts(json_t *v, const struct cb_media_result *m)
{
	if (!v)
		return;
	json_object_set_new(v, "decided_by", json_string(cb_verdict_by_name(m->verdict_by)));
	json_object_set_new(v, "latency_ms", num(m->verdict_latency_ms));
	json_object_set_new(v, "latency_band", json_string(cb_band_name(m->band_latency)));
	json_object_set_new(v, "age_ms", num(m->verdict_age_ms));
	json_object_set_new(v, "age_band", json_string(cb_band_name(m->band_age)));
	json_object_set_new(v, "missing_pct", num(m->seen.unseen_pct));
	json_object_set_new(v, "missing_band", json_string(cb_band_name(m->band_missing)));
}

static json_t *media_json(const struct cb_media_result *m, double pct)
{
	json_t *o, *counts, *stages, *ex;
	double ident_pct = identified_pct(m);

	counts =
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "captured", (json_int_t)m->captured,
		      "encoded", (json_int_t)m->encoded, "sent", (json_int_t)m->sent, "received",
		      (json_int_t)m->received, "decoded", (json_int_t)m->decoded, "identified",
		      (json_int_t)m->identified, "mismatches", (json_int_t)m->mismatches);
	stages = json_object();
	ex = json_array();
	if (!counts || !stages || !ex)
		goto out_free_parts;
	if (m->media == CB_MEDIA_AUDIO) {
		json_object_set_new(counts, "marks_sent", json_integer((json_int_t)m->marks_sent));
		json_object_set_new(counts, "marks_identified",
				    json_integer((json_int_t)m->marks_identified));
	}
	for (int s = 0; s < CB_SG_COUNT; s++)
		json_object_set_new(stages, cb_stage_name((enum cb_stage)s),
				    dist_json(&m->stage[s]));
	for (size_t i = 0; i < m->n_mismatch_examples && i < 8; i++)
		json_array_append_new(ex, json_pack("{s:I, s:I}", "expected",
						    (json_int_t)m->mismatch_examples[i].expected,
						    "found",
						    (json_int_t)m->mismatch_examples[i].found));

	o = json_pack(
	    "{s:b, s:s, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:I, "
	    "s:{s:o, s:o}, s:o, s:o, s:{s:s, s:o, s:o, s:s}, s:o}",
	    "enabled", m->enabled, "codec", m->codec, "counts", counts, "identified_pct",
	    num(ident_pct), "packets", "sent", (json_int_t)m->packets_sent, "received",
	    (json_int_t)m->packets_received, "lost", (json_int_t)m->packets_lost, "rejected",
	    (json_int_t)m->packets_rejected, "rejected_auth", (json_int_t)m->rejected_auth,
	    "rejected_replay", (json_int_t)m->rejected_replay, "rejected_malformed",
	    (json_int_t)m->rejected_malformed, "bytes_sent", (json_int_t)m->bytes_sent,
	    "payload_bytes", (json_int_t)m->payload_bytes, "bitrate", "target_kbps",
	    num(m->target_kbps), "achieved_kbps", num(m->achieved_kbps), "latency_ms",
	    dist_json(&m->e2e), "stages_ms", stages, "verdict", "band", cb_band_name(m->verdict),
	    "percentile", num(pct), "value_ms", num(m->verdict_ms), "feel",
	    cb_band_feel(m->verdict), "mismatch_examples", ex);
	/* json_pack steals the "o" references even when it fails. */
	if (o && m->media == CB_MEDIA_AUDIO)
		json_object_set_new(o, "algorithmic_ms", num(m->algo_ms));
	if (o) {
		json_object_set_new(o, "dropped",
				    json_pack("{s:I, s:I, s:I, s:I}", "encoder",
					      (json_int_t)m->dropped_encoder, "network",
					      (json_int_t)m->dropped_network, "jitter_buffer",
					      (json_int_t)m->dropped_jitter_buffer, "decoder",
					      (json_int_t)m->dropped_decoder));
		json_object_set_new(o, "jitter_buffer_delay_ms", num(m->jb_delay_mean_ms));
		if (m->media == CB_MEDIA_VIDEO)
			json_object_set_new(json_object_get(o, "dropped"), "unreadable",
					    json_integer((json_int_t)m->dropped_unreadable));
		json_object_set_new(o, "stages_set",
				    json_pack("{s:s, s:I, s:o}", "frames",
					      "identified, content as expected, every stamp", "n",
					      (json_int_t)m->stage_frames, "total_ms",
					      num(m->stage_total_ms)));
		json_object_set_new(o, "experience", experience_json(m));
		json_object_set_new(json_object_get(o, "bitrate"), "miss_pct",
				    num(m->rate_miss_pct));
		json_object_set_new(json_object_get(o, "bitrate"), "target_met",
				    json_boolean(!m->target_missed));
		verdict_parts(json_object_get(o, "verdict"), m);
	}
	if (o && m->media == CB_MEDIA_VIDEO)
		json_object_set_new(
		    o, "quality",
		    json_pack("{s:o, s:o, s:i, s:o, s:i, s:o, s:o, s:{s:I, s:I, s:o}}", "psnr_db",
			      dist_json(&m->psnr), "ssim", dist_json(&m->ssim), "freeze_count",
			      (int)m->freeze_count, "freeze_total_ms", num(m->freeze_total_ms),
			      "pause_count", (int)m->pause_count, "pause_total_ms",
			      num(m->pause_total_ms), "harmonic_fps", num(m->harmonic_fps),
			      "worker", "pictures", (json_int_t)m->quality_pictures, "skipped",
			      (json_int_t)m->quality_skipped, "cpu_s", num(m->quality_cpu_s)));
	if (o && m->media == CB_MEDIA_AUDIO)
		json_object_set_new(
		    o, "quality",
		    json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:{s:o, s:o, s:s, s:o, "
			      "s:f, s:f}}",
			      "concealed_frames", (json_int_t)m->concealed_frames,
			      "concealed_samples", (json_int_t)m->concealed_samples,
			      "concealment_events", (json_int_t)m->concealment_events,
			      "segmental_snr_db", num(m->audio_seg_snr_db), "snr_db",
			      num(m->audio_snr_db), "correlation", num(m->audio_correlation),
			      "compared_samples", (json_int_t)m->audio_compared_samples,
			      "aligned_stretches", (json_int_t)m->audio_stretches, "emodel", "r",
			      num(m->emodel_r), "mos", num(m->emodel_mos), "band", m->emodel_band,
			      "loss_after_recovery_pct", num(m->emodel_loss_pct), "assumed_ie", 0.0,
			      "assumed_bpl", 25.1));
	/* Only when the microphone heard a scene or was processed, so runs
	 * without keep their summary unchanged. */
	if (o && m->media == CB_MEDIA_AUDIO && m->apm.on) {
		const struct cb_audio_processing *p = &m->apm;

		json_object_set_new(
		    o, "audio_processing",
		    json_pack(
			"{s:b, s:b, s:b, s:{s:o, s:i, s:o}, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
			"s:o, s:o, s:o, s:o, s:i}",
			"echo_cancellation", p->echo_cancellation, "noise_suppression",
			p->noise_suppression, "auto_gain_control", p->auto_gain_control, "scene",
			"echo_db", p->echo_db != 0 ? num(p->echo_db) : json_null(), "echo_delay_ms",
			p->echo_delay_ms, "noise_dbfs",
			p->noise_dbfs != 0 ? num(p->noise_dbfs) : json_null(), "measured_from_s",
			num(p->measured_from_s), "erle_db", num(p->erle_db), "echo_in_dbfs",
			num(p->echo_in_dbfs), "echo_out_dbfs", num(p->echo_out_dbfs),
			"noise_reduction_db", num(p->noise_reduction_db), "noise_in_dbfs",
			num(p->noise_in_dbfs), "noise_out_dbfs", num(p->noise_out_dbfs),
			"level_in_dbfs", num(p->level_in_dbfs), "level_out_dbfs",
			num(p->level_out_dbfs), "apm_delay_ms", num(p->apm_delay_ms),
			"apm_cpu_us_per_frame", num(p->apm_cpu_us_per_frame), "apm_frame_ms",
			p->apm_frame_ms));
	}
	if (o) {
		json_t *pk = json_object_get(o, "packets");
		json_object_set_new(pk, "net_dropped_loss",
				    json_integer((json_int_t)m->net_dropped_loss));
		json_object_set_new(pk, "net_dropped_queue",
				    json_integer((json_int_t)m->net_dropped_queue));
		json_object_set_new(pk, "net_duplicated",
				    json_integer((json_int_t)m->net_duplicated));
		json_object_set_new(pk, "rejected_foreign",
				    json_integer((json_int_t)m->rejected_foreign));
	}
	return o;

out_free_parts:
	json_decref(counts);
	json_decref(stages);
	json_decref(ex);
	return NULL;
}

/* Every field of struct cb_recovery, by name. */
static json_t *recovery_json(const struct cb_recovery *r)
{
	return json_pack(
	    "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, "
	    "s:I, s:I, s:I, s:I}",
	    "nack_enabled", r->nack_enabled, "packets_missing", (json_int_t)r->packets_missing,
	    "nack_requested", (json_int_t)r->nack_requested, "nack_requests_sent",
	    (json_int_t)r->nack_requests_sent, "recovered", (json_int_t)r->recovered,
	    "recovered_late", (json_int_t)r->recovered_late, "never_recovered",
	    (json_int_t)r->never_recovered, "pli_sent", (json_int_t)r->pli_sent, "rtcp_sent",
	    (json_int_t)r->rtcp_sent, "rtcp_rejected", (json_int_t)r->rtcp_rejected, "recovery_ms",
	    dist_json(&r->recovery_ms), "keyframe_wait_ms", dist_json(&r->keyframe_wait_ms),
	    "nack_received", (json_int_t)r->nack_received, "rtx_sent", (json_int_t)r->rtx_sent,
	    "rtx_bytes", (json_int_t)r->rtx_bytes, "rtx_refused", (json_int_t)r->rtx_refused,
	    "pli_received", (json_int_t)r->pli_received, "keyframes_on_request",
	    (json_int_t)r->keyframes_on_request);
}

/*
 * The reception reports of one media summed up: RTT over the reports that
 * had one (a report before the receiver's first SR has none), the mean
 * fraction lost and the interarrival jitter.  `v` has room for n_rtcp.
 */
static json_t *rtcp_media_json(const struct cb_run_result *res, enum cb_media media, double *v)
{
	struct cb_dist rtt, jit;
	size_t n = 0, nf = 0;
	double fl = 0;
	int64_t cum = -1;

	for (size_t i = 0; i < res->n_rtcp; i++)
		if (res->rtcp[i].media == media)
			v[n++] = res->rtcp[i].rtt_ms;
	cb_dist_compute(v, n, &rtt);
	n = 0;
	for (size_t i = 0; i < res->n_rtcp; i++) {
		const struct cb_rtcp_sample *s = &res->rtcp[i];

		if (s->media != media)
			continue;
		v[n++] = s->jitter_ms;
		if (isfinite(s->fraction_lost)) {
			fl += s->fraction_lost;
			nf++;
		}
		cum = s->cumulative_lost;
	}
	cb_dist_compute(v, n, &jit);
	return json_pack("{s:I, s:o, s:o, s:o, s:o}", "reports", (json_int_t)n, "rtt_ms",
			 dist_json(&rtt), "fraction_lost_mean", num(nf ? fl / (double)nf : NAN),
			 "cumulative_lost_last", n ? json_integer(cum) : json_null(), "jitter_ms",
			 dist_json(&jit));
}

/* "rtcp": {video: {...}, audio: {...}} for the enabled media. */
/* What the offer/answer agreed, and how the receiver knew capture times. */
static json_t *negotiated_json(const struct cb_run_result *res)
{
	const struct cb_negotiated *n = &res->negotiated;
	json_t *media = json_object(), *capture = json_object();

	for (int m = 0; media && capture && m < 2; m++) {
		const struct cb_negotiated_media *nm = &n->media[m];
		const char *name = m == CB_MEDIA_VIDEO ? "video" : "audio";
		const struct cb_media_result *mr = m == CB_MEDIA_VIDEO ? &res->video : &res->audio;

		if (!(m == CB_MEDIA_VIDEO ? res->cfg.video : res->cfg.audio))
			continue;
		json_object_set_new(
		    media, name,
		    json_pack("{s:b, s:s, s:s, s:i, s:o, s:i, s:s, s:b, s:b, s:b, s:s, s:s}",
			      "accepted", nm->accepted, "mid", nm->mid, "codec", nm->codec,
			      "payload_type", nm->pt, "rtx_payload_type",
			      nm->rtx_pt >= 0 ? json_integer(nm->rtx_pt) : json_null(),
			      "clock_rate", (int)nm->clock_rate, "fmtp", nm->fmtp, "nack", nm->nack,
			      "pli", nm->pli, "fir", nm->fir, "sender_direction", nm->local_dir,
			      "receiver_direction", nm->remote_dir));
		json_object_set_new(
		    capture, name,
		    json_pack("{s:s, s:I, s:o, s:I, s:o}", "from", "rtcp-sr", "sender_reports",
			      (json_int_t)res->sr_count[m], "sr_min_transit_ms",
			      num(res->sr_min_transit_ms[m]), "checked",
			      (json_int_t)mr->capture_checked, "max_error_us",
			      num(mr->capture_checked ? mr->capture_err_max_us : NAN)));
	}
	if (capture)
		json_object_set_new(capture, "clocks", json_string("shared"));
	return json_pack("{s:b, s:s, s:b, s:o, s:o}", "done", n->done, "srtp_suite", n->suite,
			 "bundle", n->bundle, "media", media ? media : json_null(), "capture_times",
			 capture ? capture : json_null());
}

static json_t *rtcp_json(const struct cb_run_result *res)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio};
	double *v = malloc((res->n_rtcp ? res->n_rtcp : 1) * sizeof(*v));
	json_t *o = v ? json_object() : NULL;

	for (int i = 0; o && i < 2; i++) {
		if (!ms[i]->enabled)
			continue;
		if (json_object_set_new(o, cb_media_name(ms[i]->media),
					rtcp_media_json(res, ms[i]->media, v))) {
			json_decref(o);
			o = NULL;
		}
	}
	free(v);
	return o;
}

/* What this end sent (a peer's sending half). */
static json_t *sent_json(const struct cb_run_result *res)
{
	const struct cb_send_result *t = &res->sent;
	json_t *o =
	    json_pack("{s:s, s:o, s:s, s:I, s:I}", "status", cb_run_status_name(t->status),
		      "media_s", num(t->media_s), "local", t->local, "nack_received",
		      (json_int_t)t->nack_received, "pli_received", (json_int_t)t->pli_received);

	for (int m = 0; o && m < 2; m++) {
		if (!t->frames[m] && !t->packets[m])
			continue;
		json_object_set_new(o, m == CB_MEDIA_VIDEO ? "video" : "audio",
				    json_pack("{s:I, s:I, s:I, s:I, s:s}", "frames",
					      (json_int_t)t->frames[m], "packets",
					      (json_int_t)t->packets[m], "payload_bytes",
					      (json_int_t)t->bytes[m], "rtx_packets",
					      (json_int_t)t->rtx[m], "to", t->remote[m]));
	}
	if (o && t->error[0])
		json_object_set_new(o, "error", json_string(t->error));
	return o;
}

/* Who this end was in a call between two peers. */
static json_t *peer_json(const struct cb_peer_info *p)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:s}", "role", p->role, "signal",
	    p->signal, "room", p->room, "id", p->self_id, "remote_id", p->remote_id, "local",
	    p->local, "remote", p->remote, "sends", p->sends, "receives", p->receives, "remote_bye",
	    p->remote_bye[0] ? json_string(p->remote_bye) : json_null(), "ended", p->ended);
}

/* The plots in place and those gnuplot failed on, by name. */
static json_t *plots_json(const struct cb_run_result *res)
{
	json_t *made = json_array(), *failed = json_array();

	for (int p = 0; made && failed && p < CB_PLOT_COUNT; p++) {
		const char *name = cb_report_plot_name((enum cb_plot)p);

		if (cb_report_plot_made(res, name))
			json_array_append_new(made, json_string(name));
		else if (cb_report_plot_failed(res, name))
			json_array_append_new(failed, json_string(name));
	}
	return json_pack("{s:o, s:o}", "made", made, "failed", failed);
}

json_t *cb_report_summary_build(const struct cb_run_result *res)
{
	const struct cb_media_result *w;
	json_t *root, *versions, *media, *verdict;

	if (!res)
		return NULL;
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "schema", CB_SUMMARY_SCHEMA,
			 "run_id", res->run_id, "started_utc", res->started_utc, "status",
			 cb_run_status_name(res->status), "clock", res->clock, "wall_s",
			 num(res->wall_s), "media_s", num(res->media_s));
	if (!root)
		return NULL;
	if (res->error[0])
		json_object_set_new(root, "error", json_string(res->error));
	/* Written from the settings table: every setting's row says its key. */
	json_object_set_new(root, "settings", cb_call_settings_json(&res->cfg));

	versions = json_object();
	for (int i = 0; versions && i < res->n_versions && i < CB_MAX_VERSIONS; i++)
		json_object_set_new(versions, res->versions[i].name,
				    json_string(res->versions[i].version));
	json_object_set_new(root, "versions", versions);

	media = json_object();
	if (media && res->video.enabled)
		json_object_set_new(media, "video", media_json(&res->video, res->cfg.verdict_pct));
	if (media && res->audio.enabled)
		json_object_set_new(media, "audio", media_json(&res->audio, res->cfg.verdict_pct));
	json_object_set_new(root, "media", media);

	w = cb_run_worst_media(res);
	verdict = json_pack("{s:s, s:s, s:o, s:o, s:o}", "band",
			    cb_band_name(w ? w->verdict : CB_BAND_NONE), "feel",
			    cb_band_feel(w ? w->verdict : CB_BAND_NONE), "percentile",
			    num(res->cfg.verdict_pct), "value_ms", num(w ? w->verdict_ms : NAN),
			    "media", w ? json_string(cb_media_name(w->media)) : json_null());
	json_object_set_new(root, "verdict", verdict);
	json_object_set_new(root, "recovery", recovery_json(&res->recovery));
	json_object_set_new(
	    root, "emulator",
	    json_pack("{s:I, s:o, s:o, s:o}", "packets", (json_int_t)res->net_added.packets,
		      "added_delay_ms", num(res->net_added.added_delay_ms), "late_ms",
		      num(res->net_added.late_ms), "late_max_ms", num(res->net_added.late_max_ms)));
	json_object_set_new(root, "rtcp", rtcp_json(res));
	json_object_set_new(root, "negotiated", negotiated_json(res));
	if (res->half[0])
		json_object_set_new(root, "half", json_string(res->half));
	if (res->peer.on)
		json_object_set_new(root, "peer", peer_json(&res->peer));
	if (res->has_sent)
		json_object_set_new(root, "sent", sent_json(res));
	json_object_set_new(root, "stray",
			    json_pack("{s:I, s:I, s:I, s:I}", "packets",
				      (json_int_t)(res->stray.truncated + res->stray.malformed +
						   res->stray.unknown_payload_type),
				      "truncated", (json_int_t)res->stray.truncated, "malformed",
				      (json_int_t)res->stray.malformed, "unknown_payload_type",
				      (json_int_t)res->stray.unknown_payload_type));
	json_object_set_new(root, "receive",
			    json_pack("{s:I, s:I, s:I, s:I, s:I}", "calls",
				      (json_int_t)res->receive.calls, "with_packets",
				      (json_int_t)res->receive.with_packets, "packets",
				      (json_int_t)res->receive.packets, "at_deadline",
				      (json_int_t)res->receive.at_deadline, "early_empty",
				      (json_int_t)res->receive.early_empty));
	json_object_set_new(root, "plots", plots_json(res));
	if (res->gates)
		json_object_set_new(root, "gates", cb_gates_json(res->gates));

	/*
	 * json_object_set_new with a NULL value fails and leaves the key out, so
	 * any allocation failure above shows up here as a missing key.
	 */
	if (!json_object_get(root, "settings") || !json_object_get(root, "versions") ||
	    !json_object_get(root, "media") || !json_object_get(root, "verdict") ||
	    !json_object_get(root, "recovery") || !json_object_get(root, "rtcp") ||
	    !json_object_get(root, "stray") || !json_object_get(root, "receive") ||
	    !json_object_get(root, "plots") ||
	    (res->video.enabled && !json_object_get(media, "video")) ||
	    (res->audio.enabled && !json_object_get(media, "audio")) ||
	    (res->gates && !json_object_get(root, "gates"))) {
		json_decref(root);
		return NULL;
	}
	return root;
}

char *cb_report_summary_text(const struct cb_run_result *res)
{
	json_t *root = cb_report_summary_build(res);
	char *text;

	if (!root)
		return NULL;
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(root);
	return text;
}

int cb_report_summary_json(const struct cb_run_result *res, const char *path)
{
	char *text;
	int err;

	if (!res || !path)
		return -EINVAL;
	text = cb_report_summary_text(res);
	if (!text)
		return -ENOMEM;
	err = cb_write_file_atomic(path, text, strlen(text));
	free(text);
	return err;
}
