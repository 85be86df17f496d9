#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/gate.h"
#include "report/report.h"
#include "summary.h"

/* Room for the numbers of one line, each shown with its precision or "–". */
struct nums {
	char b[16][24];
	int i;
};

static const char *N(struct nums *n, double v, int prec)
{
	char *s = n->b[n->i++ % 16];

	if (isfinite(v))
		snprintf(s, sizeof(n->b[0]), "%.*f", prec, v);
	else
		snprintf(s, sizeof(n->b[0]), "–");
	return s;
}

#define U(x) ((unsigned long long)(x))

static void print_media(FILE *out, const struct cb_media_result *m, const struct cb_call_cfg *cfg)
{
	const struct cb_dist *d = &m->e2e;
	const int video = m->media == CB_MEDIA_VIDEO;
	struct nums n = {.i = 0};
	char why[256];

	if (!m->enabled)
		return;
	cb_verdict_explain(m, cfg->verdict_pct, why, sizeof(why));
	fprintf(out, "%s (%s): %s — %s\n", cb_media_name(m->media), m->codec,
		cb_band_name(m->verdict), why);
	fprintf(out,
		"  frames    captured %llu  encoded %llu  sent %llu  received %llu  decoded %llu  "
		"identified %llu",
		U(m->captured), U(m->encoded), U(m->sent), U(m->received), U(m->decoded),
		U(m->identified));
	if (!video)
		fprintf(out, " (marks %llu of %llu)", U(m->marks_identified), U(m->marks_sent));
	fprintf(out, "  mismatches %llu\n", U(m->mismatches));
	fprintf(out, "  packets   sent %llu  received %llu  lost %llu  rejected %llu\n",
		U(m->packets_sent), U(m->packets_received), U(m->packets_lost),
		U(m->packets_rejected));
	fprintf(out, "  bitrate   target %s kbps  achieved %s kbps (%s%s %%)%s\n",
		N(&n, m->target_kbps, 0), N(&n, m->achieved_kbps, 1),
		m->rate_miss_pct > 0 ? "+" : "", N(&n, m->rate_miss_pct, 1),
		m->target_missed ? "  WARNING: target missed by more than 10 %" : "");
	n.i = 0;
	fprintf(out, "  latency   min %s  p50 %s  p95 %s  p99 %s  max %s ms  (n=%zu)\n",
		N(&n, d->min, 1), N(&n, d->p50, 1), N(&n, d->p95, 1), N(&n, d->p99, 1),
		N(&n, d->max, 1), d->n);
	n.i = 0;
	if (video)
		fprintf(out,
			"  seen      on-screen age p50 %s  p95 %s  max %s ms  (%zu display "
			"instants)  never shown %llu of %llu frames\n",
			N(&n, m->seen.age.p50, 1), N(&n, m->seen.age.p95, 1),
			N(&n, m->seen.age.max, 1), m->seen.age.n, U(m->seen.unseen),
			U(m->seen.frames));
	else
		fprintf(out,
			"  heard     age p50 %s  p95 %s  max %s ms  never heard %llu of %llu "
			"frames  concealment %s %% of play time  shrink: %llu samples cut, %llu "
			"frames removed  margin %s ms mean  %llu late frames waited for (%s ms)\n",
			N(&n, m->seen.age.p50, 1), N(&n, m->seen.age.p95, 1),
			N(&n, m->seen.age.max, 1), U(m->seen.unseen), U(m->seen.frames),
			N(&n, m->seen.concealed_pct, 1), U(m->playout.cut_samples),
			U(m->playout.removed_frames), N(&n, m->jb_margin_mean_ms, 2),
			U(m->jb_late_frames), N(&n, m->jb_late_wait_ms, 1));
	fprintf(out, "  stages    (mean ms)");
	for (int s = 0; s < CB_SG_COUNT; s++) {
		n.i = 0;
		if (m->stage[s].n)
			fprintf(out, " %s %s", cb_stage_name((enum cb_stage)s),
				N(&n, m->stage[s].mean, 2));
	}
	n.i = 0;
	if (!video && isfinite(m->algo_ms))
		fprintf(out, " (+ framing/look-ahead %s)", N(&n, m->algo_ms, 1));
	fprintf(out, "  over %llu frames (identified, every stamp) = %s\n", U(m->stage_frames),
		N(&n, m->stage_total_ms, 2));
	fprintf(out, "  dropped   encoder %llu  network %llu  jitter buffer %llu  decoder %llu",
		U(m->dropped_encoder), U(m->dropped_network), U(m->dropped_jitter_buffer),
		U(m->dropped_decoder));
	if (video)
		fprintf(out, "  unreadable %llu", U(m->dropped_unreadable));
	n.i = 0;
	fprintf(out, "   jitter buffer delay %s ms mean\n", N(&n, m->jb_delay_mean_ms, 1));
	if (video)
		fprintf(out,
			"  quality   PSNR %s dB mean (min %s)  SSIM %s mean  freezes %u (%s ms)  "
			"harmonic %s fps  (PSNR/SSIM of %llu pictures: %s CPU-s, the harness's)\n",
			N(&n, m->psnr.mean, 2), N(&n, m->psnr.min, 2), N(&n, m->ssim.mean, 4),
			m->freeze_count, N(&n, m->freeze_total_ms, 0), N(&n, m->harmonic_fps, 1),
			U(m->quality_pictures), N(&n, m->quality_cpu_s, 2));
	else
		fprintf(
		    out,
		    "  quality   FEC rebuilt %llu frames  concealed %llu frames in %llu events  "
		    "seg. SNR %s dB  correlation %s  E-model R %s MOS %s (%s)\n",
		    U(m->fec_frames), U(m->concealed_frames), U(m->concealment_events),
		    N(&n, m->audio_seg_snr_db, 1), N(&n, m->audio_correlation, 3),
		    N(&n, m->emodel_r, 1), N(&n, m->emodel_mos, 2),
		    m->emodel_band[0] ? m->emodel_band : "–");
	n.i = 0;
	if (!video && m->apm.on)
		fprintf(out,
			"  processing AEC %s NS %s AGC %s  ERLE %s dB  noise reduction %s dB  "
			"level %s -> %s dBFS  +%s ms  %s us/frame\n",
			m->apm.echo_cancellation ? "on" : "off",
			m->apm.noise_suppression ? "on" : "off",
			m->apm.auto_gain_control ? "on" : "off", N(&n, m->apm.erle_db, 1),
			N(&n, m->apm.noise_reduction_db, 1), N(&n, m->apm.level_in_dbfs, 1),
			N(&n, m->apm.level_out_dbfs, 1), N(&n, m->apm.apm_delay_ms, 0),
			N(&n, m->apm.apm_cpu_us_per_frame, 0));
}

static void print_recovery(FILE *out, const struct cb_run_result *r)
{
	const struct cb_recovery *x = &r->recovery;
	struct nums n = {.i = 0};
	double rtt = NAN;

	for (size_t i = r->n_rtcp; i-- > 0;)
		if (!isnan(r->rtcp[i].rtt_ms)) {
			rtt = r->rtcp[i].rtt_ms;
			break;
		}
	fprintf(out, "recovery (%s)\n", x->nack_enabled ? "NACK/RTX on" : "NACK off");
	fprintf(out,
		"  packets   missing %llu  NACKed %llu (%llu requests)  recovered %llu  late %llu  "
		"never %llu   RTX sent %llu\n",
		U(x->packets_missing), U(x->nack_requested), U(x->nack_requests_sent),
		U(x->recovered), U(x->recovered_late), U(x->never_recovered), U(x->rtx_sent));
	fprintf(out,
		"  key frames  PLI sent %llu  answered %llu  decoder broken -> key frame p50 %s ms "
		"(n=%zu)   recovery p50 %s ms   RTT %s ms   RTCP sent %llu rejected %llu\n",
		U(x->pli_sent), U(x->keyframes_on_request), N(&n, x->keyframe_wait_ms.p50, 1),
		x->keyframe_wait_ms.n, N(&n, x->recovery_ms.p50, 1), N(&n, rtt, 1), U(x->rtcp_sent),
		U(x->rtcp_rejected));
}

void print_run_summary(FILE *out, const struct cb_run_result *res, const char *report_dir)
{
	const struct cb_media_result *w = cb_run_worst_media(res);
	struct nums n = {.i = 0};

	/* The verdict first, and the figure that decides it. */
	if (w) {
		char why[256];

		cb_verdict_explain(w, res->cfg.verdict_pct, why, sizeof(why));
		fprintf(out, "verdict: %s (%s) — %s: %s\n", cb_band_name(w->verdict),
			cb_band_feel(w->verdict), cb_media_name(w->media), why);
	} else {
		fputs("verdict: none — no media was enabled\n", out);
	}
	fprintf(out, "callbench run %s: %s, %s s of media in %s s\n", res->run_id,
		cb_run_status_name(res->status), N(&n, res->media_s, 1), N(&n, res->wall_s, 1));
	if (res->status != CB_RUN_COMPLETE && res->error[0])
		fprintf(out, "  error: %s\n", res->error);
	print_media(out, &res->video, &res->cfg);
	print_media(out, &res->audio, &res->cfg);
	print_recovery(out, res);
	if (res->gates && res->gates->n) {
		fprintf(out, "limits: %zu of %zu breached\n", res->gates->breached, res->gates->n);
		for (size_t i = 0; i < res->gates->n; i++)
			fprintf(out, "  %s %s\n", res->gates->v[i].pass ? "ok  " : "FAIL",
				res->gates->v[i].text);
	}
	if (report_dir && report_dir[0])
		fprintf(out, "report: %s/report.html\n", report_dir);
}
