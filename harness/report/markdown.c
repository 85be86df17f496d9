#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"
#include "report/gate.h"
#include "report/report.h"
#include "report/series.h"

/* A number cell: NaN (not measured) shows as a dash, not as "nan". */
static void cell(FILE *f, double x, int decimals)
{
	if (isfinite(x))
		fprintf(f, " %.*f |", decimals, x);
	else
		fputs(" – |", f);
}

static void ucell(FILE *f, uint64_t x)
{
	fprintf(f, " %" PRIu64 " |", x);
}

static const char *title_case(enum cb_media m)
{
	return m == CB_MEDIA_VIDEO ? "Video" : "Audio";
}

static void status_section(FILE *f, const struct cb_run_result *res)
{
	fprintf(f, "# callbench run %s\n\n", res->run_id);
	switch (res->status) {
	case CB_RUN_COMPLETE:
		break;
	case CB_RUN_INTERRUPTED:
		fprintf(f,
			"> **INTERRUPTED** — the run was stopped before its planned %.1f s; "
			"every figure below covers only the %.1f s of media that were "
			"captured.\n\n",
			res->cfg.duration_s, res->media_s);
		break;
	case CB_RUN_FAILED:
		fprintf(f,
			"> **FAILED** — %s. The figures below cover what was measured before "
			"the failure.\n\n",
			res->error[0] ? res->error : "no reason recorded");
		break;
	}
	fprintf(f, "Status: **%s** · started %s · clock %s · wall %.2f s · media %.2f s\n\n",
		cb_run_status_name(res->status), res->started_utc[0] ? res->started_utc : "?",
		res->clock[0] ? res->clock : "?", res->wall_s, res->media_s);
}

static void verdict_section(FILE *f, const struct cb_run_result *res)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio};
	const struct cb_media_result *w = cb_run_worst_media(res);
	double pct = res->cfg.verdict_pct;

	fputs("## Verdict\n\n", f);
	if (w)
		fprintf(f, "**Overall: %s** — %s (decided by %s).\n\n", cb_band_name(w->verdict),
			cb_band_feel(w->verdict),
			w->verdict == CB_BAND_NONE ? "no measurement" : cb_media_name(w->media));
	else
		fputs("**Overall: none** — no media was enabled.\n\n", f);
	fprintf(f, "%s\n\n", cb_verdict_rule);
	fprintf(f,
		"| media | band | decided by | p%g delivered latency (ms) | p%g seen/heard age "
		"(ms) | never shown/heard (%%) | why |\n|---|---|---|---:|---:|---:|---|\n",
		pct, pct);
	for (int i = 0; i < 2; i++) {
		char why[256];

		if (!ms[i]->enabled)
			continue;
		cb_verdict_explain(ms[i], pct, why, sizeof(why));
		fprintf(f, "| %s | **%s** | %s |", cb_media_name(ms[i]->media),
			cb_band_name(ms[i]->verdict), cb_verdict_by_name(ms[i]->verdict_by));
		cell(f, ms[i]->verdict_latency_ms, 1);
		cell(f, ms[i]->verdict_age_ms, 1);
		cell(f, ms[i]->seen.unseen_pct, 1);
		fprintf(f, " %s |\n", why);
	}
	for (int i = 0; i < 2; i++)
		if (ms[i]->enabled && ms[i]->target_missed)
			fprintf(f,
				"\n> **%s target bitrate missed**: %.1f kbps achieved against %.0f "
				"kbps asked (%+.1f %%).\n",
				cb_media_name(ms[i]->media), ms[i]->achieved_kbps,
				ms[i]->target_kbps, ms[i]->rate_miss_pct);
	if (res->gates && res->gates->n) {
		fprintf(f,
			"\n**Limits: %s** — %zu of %zu breached.\n\n| limit | value | outcome |\n"
			"|---|---|---|\n",
			res->gates->breached ? "FAILED" : "passed", res->gates->breached,
			res->gates->n);
		for (size_t i = 0; i < res->gates->n; i++) {
			const struct cb_gate *g = &res->gates->v[i];

			if (g->kind == CB_GATE_FAIL_ON)
				fprintf(f, "| --fail-on %s | %s | %s |\n", cb_band_name(g->band),
					g->value_txt, g->pass ? "passed" : "**breached**");
			else
				fprintf(f, "| --%s %s=%g | %s | %s |\n",
					g->kind == CB_GATE_MAX_VALUE ? "max" : "min", g->metric,
					g->limit, g->value_txt,
					g->pass ? "passed" : "**breached**");
		}
	}
	fputs("\nQuality bands (one-way, mouth-to-ear / glass-to-glass):\n\n"
	      "| band | latency | what people feel |\n|---|---|---|\n",
	      f);
	for (int b = 0; b < CB_BAND_COUNT; b++) {
		if (b == CB_BAND_UNUSABLE)
			fprintf(f, "| %s | > %g ms | %s |\n", cb_band_name((enum cb_band)b),
				cb_band_limit_ms(CB_BAND_POOR), cb_band_feel((enum cb_band)b));
		else
			fprintf(f, "| %s | ≤ %g ms | %s |\n", cb_band_name((enum cb_band)b),
				cb_band_limit_ms((enum cb_band)b), cb_band_feel((enum cb_band)b));
	}
	fputc('\n', f);
}

static void dist_row_prec(FILE *f, const struct cb_dist *d, int prec)
{
	fprintf(f, "| %zu |", d->n);
	cell(f, d->min, prec);
	cell(f, d->mean, prec);
	cell(f, d->p50, prec);
	cell(f, d->p90, prec);
	cell(f, d->p95, prec);
	cell(f, d->p99, prec);
	cell(f, d->max, prec);
	fputc('\n', f);
}

static void dist_row(FILE *f, const struct cb_dist *d)
{
	dist_row_prec(f, d, 1);
}

/* What the microphone heard (the synthetic scene) and what the audio
 * processing did to it, with its price in delay and CPU. */
static void apm_section(FILE *f, const struct cb_audio_processing *p)
{
	fputs("\n### Audio processing\n\nThe microphone heard the near talker", f);
	if (p->echo_db != 0)
		fprintf(f, ", an echo of the far end at %.0f dB after %d ms", p->echo_db,
			p->echo_delay_ms);
	if (p->noise_dbfs != 0)
		fprintf(f, ", pink noise at %.0f dBFS", p->noise_dbfs);
	fprintf(f,
		". Settings: echoCancellation %s, noiseSuppression %s, autoGainControl %s "
		"(speexdsp, %d ms frames). Measured on the scene's known components from "
		"%.1f s on:\n\n| | in (dBFS) | out (dBFS) | effect (dB) |\n|---|---:|---:|---:|\n",
		p->echo_cancellation ? "on" : "off", p->noise_suppression ? "on" : "off",
		p->auto_gain_control ? "on" : "off", p->apm_frame_ms, p->measured_from_s);
	fprintf(f, "| echo (ERLE) | %.1f | %.1f | %.1f |\n", p->echo_in_dbfs, p->echo_out_dbfs,
		p->erle_db);
	fprintf(f, "| noise in quiet stretches (reduction) | %.1f | %.1f | %.1f |\n",
		p->noise_in_dbfs, p->noise_out_dbfs, p->noise_reduction_db);
	fprintf(f, "| near talk without echo (level change) | %.1f | %.1f | %.1f |\n",
		p->level_in_dbfs, p->level_out_dbfs, p->level_out_dbfs - p->level_in_dbfs);
	fprintf(f,
		"\nCost: %.1f ms of added delay (included in the measured latency and in "
		"the framing/look-ahead share), and %.1f us of CPU per processed frame on "
		"this machine (not charged to the call's timeline: the microphone is "
		"rendered ahead of its capture instant). Echo figures are over far-end-only "
		"stretches, net of the output noise floor; n/a or nan = nothing to measure.\n",
		p->apm_delay_ms, p->apm_cpu_us_per_frame);
}

static void media_section(FILE *f, const struct cb_media_result *m)
{
	int audio = m->media == CB_MEDIA_AUDIO;

	fprintf(f, "## %s (%s)\n\n### Counts\n\n", title_case(m->media), m->codec);
	fputs("| captured | encoded | sent | received | decoded | identified | identified % |", f);
	fputs(audio ? " marks sent | marks identified |\n|---:|---:|---:|---:|---:|---:|---:|---:|"
		      "---:|\n"
		    : "\n|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	fputc('|', f);
	ucell(f, m->captured);
	ucell(f, m->encoded);
	ucell(f, m->sent);
	ucell(f, m->received);
	ucell(f, m->decoded);
	ucell(f, m->identified);
	/* The same rule as summary.json: audio is judged by its marks. */
	if (audio && m->marks_sent)
		cell(f, 100.0 * (double)m->marks_identified / (double)m->marks_sent, 1);
	else
		cell(f, m->captured ? 100.0 * (double)m->identified / (double)m->captured : NAN, 1);
	if (audio) {
		ucell(f, m->marks_sent);
		ucell(f, m->marks_identified);
	}
	fputs("\n\n", f);

	fputs("### Latency (ms)\n\nEnd-to-end, measured from the decoded content.\n\n"
	      "| n | min | mean | p50 | p90 | p95 | p99 | max |\n"
	      "|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	dist_row(f, &m->e2e);
	if (audio) {
		fputs("\nAlgorithmic delay (Opus framing and look-ahead, included above): ", f);
		if (isfinite(m->algo_ms))
			fprintf(f, "%.1f ms (median, `algorithmic_ms`).\n", m->algo_ms);
		else
			fputs("not measured.\n", f);
	}
	fputc('\n', f);

	if (audio)
		fputs("### What the listener heard\n\nThe age of every played fresh sample (play "
		      "time on the playout timeline − capture time); concealment and inserted "
		      "slots are counted as concealment, not as samples.\n\n",
		      f);
	else
		fputs("### What the viewer saw\n\nThe age of the picture on screen (display "
		      "instant − capture time of the picture shown) at every frame's display "
		      "instant from the first picture on: a shown frame is seen at its latency; "
		      "a frame that never came is due at its capture time plus the last shown "
		      "frame's delay, and the older picture still on screen then is its age, so a "
		      "frozen screen keeps ageing.\n\n",
		      f);
	fputs("| n | min | mean | p50 | p90 | p95 | p99 | max |\n"
	      "|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	dist_row(f, &m->seen.age);
	fprintf(f, "\nNever %s: %" PRIu64 " of %" PRIu64 " captured frames (",
		audio ? "heard" : "shown", m->seen.unseen, m->seen.frames);
	if (isfinite(m->seen.unseen_pct))
		fprintf(f, "%.1f %%).", m->seen.unseen_pct);
	else
		fputs("–).", f);
	if (audio && isfinite(m->seen.concealed_pct))
		fprintf(f, " Concealment: %.1f %% of the play time.", m->seen.concealed_pct);
	if (audio)
		fprintf(f,
			" Shrinking the delay cut %" PRIu64 " samples and removed %" PRIu64
			" whole frames; the timeline restarted late %" PRIu64 " times (%.1f ms "
			"in all).",
			m->playout.cut_samples, m->playout.removed_frames, m->playout.underruns,
			(double)m->playout.slip / 1e6);
	fputs("\n\n", f);

	fprintf(f,
		"### Stage breakdown\n\nOver one set of frames, so that the means add up: "
		"the %" PRIu64 " frames identified as themselves with every stamp of the chain "
		"(mean identified − captured ",
		m->stage_frames);
	if (isfinite(m->stage_total_ms))
		fprintf(f, "%.2f ms", m->stage_total_ms);
	else
		fputs("–", f);
	fprintf(f,
		"%s).\n\n| stage | p50 ms | p95 ms | mean ms | share of e2e (mean) |\n"
		"|---|---:|---:|---:|---:|\n",
		audio ? "; the audio latency adds framing and look-ahead to it" : "");
	for (int s = 0; s < CB_SG_COUNT; s++) {
		const struct cb_dist *d = &m->stage[s];

		fprintf(f, "| %s |", cb_stage_name((enum cb_stage)s));
		cell(f, d->p50, 2);
		cell(f, d->p95, 2);
		cell(f, d->mean, 2);
		if (isfinite(d->mean) && isfinite(m->stage_total_ms) && m->stage_total_ms > 0)
			fprintf(f, " %.1f %% |\n", 100.0 * d->mean / m->stage_total_ms);
		else
			fputs(" – |\n", f);
	}
	if (m->target_missed)
		fprintf(f,
			"\n> **Target bitrate missed**: achieved %.1f kbps against %.0f kbps "
			"(%+.1f %%, more than 10 %% off).\n",
			m->achieved_kbps, m->target_kbps, m->rate_miss_pct);
	fputs("\n### Bitrate\n\n| target kbps | achieved kbps | media bytes | bytes on the wire "
	      "(SRTP) |\n|---:|---:|---:|---:|\n|",
	      f);
	cell(f, m->target_kbps, 1);
	cell(f, m->achieved_kbps, 1);
	ucell(f, m->payload_bytes);
	ucell(f, m->bytes_sent);
	fputs("\n\n### Packets\n\n| sent | received | lost | of which network loss | of which "
	      "queue drops | duplicated by network | rejected | auth failed | replayed | "
	      "malformed | foreign SSRC |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	      "\n|",
	      f);
	ucell(f, m->packets_sent);
	ucell(f, m->packets_received);
	ucell(f, m->packets_lost);
	ucell(f, m->net_dropped_loss);
	ucell(f, m->net_dropped_queue);
	ucell(f, m->net_duplicated);
	ucell(f, m->packets_rejected);
	ucell(f, m->rejected_auth);
	ucell(f, m->rejected_replay);
	ucell(f, m->rejected_malformed);
	ucell(f, m->rejected_foreign);
	fputs("\n\n### Quality\n\n", f);
	fprintf(f,
		"Frames lost, by the phase that lost them: encoder %" PRIu64 ", network %" PRIu64
		", jitter buffer %" PRIu64 ", decoder %" PRIu64 "%s",
		m->dropped_encoder, m->dropped_network, m->dropped_jitter_buffer,
		m->dropped_decoder, audio ? "" : ", decoded but unreadable ");
	if (!audio)
		fprintf(f, "%" PRIu64, m->dropped_unreadable);
	fputs(". The network is charged only for frames that lost a packet on the way; "
	      "frames whose packets all arrived but came too late or were discarded to "
	      "shrink the delay are the jitter buffer's. Mean time in the jitter buffer "
	      "(webrtc-stats jitterBufferDelay / emitted): ",
	      f);
	if (isfinite(m->jb_delay_mean_ms))
		fprintf(f, "%.2f ms.\n\n", m->jb_delay_mean_ms);
	else
		fputs("not measured.\n\n", f);
	if (!audio) {
		fputs("| | n | min | mean | p50 | p90 | p95 | p99 | max |\n"
		      "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n| PSNR (dB) ",
		      f);
		dist_row_prec(f, &m->psnr, 2);
		fputs("| SSIM ", f);
		dist_row_prec(f, &m->ssim, 4);
		fprintf(f,
			"\nPSNR and SSIM of every identified picture against the source frame it "
			"shows (libyuv I420PSNR / I420SSIM: PSNR from the squared error over Y, U "
			"and V together, capped at 128 dB; SSIM 0.8 Y + 0.1 (U + V)). Freezes "
			"(webrtc-stats: a gap of at least max(3 x average, average + 150 ms)): "
			"%u, %.0f ms in all; pauses (> 5 s): %u. Harmonic frame rate: %.1f fps.\n",
			m->freeze_count, m->freeze_total_ms, m->pause_count, m->harmonic_fps);
	} else {
		fprintf(
		    f,
		    "Played as concealment: %" PRIu64 " frames (%" PRIu64 " samples) in %" PRIu64
		    " events. Objective quality against the aligned source (segmental SNR over "
		    "20 ms segments, not PESQ/POLQA): %.1f dB, correlation %.3f.\n\n"
		    "E-model (ITU-T G.107, narrowband R scale) from the measured p50 mouth-to-ear "
		    "delay and the loss left after recovery (%.2f %%), assuming Ie = 0 and Bpl = "
		    "25.1 for Opus: **R = %.1f, MOS = %.2f** (%s).\n",
		    m->concealed_frames, m->concealed_samples, m->concealment_events,
		    m->audio_seg_snr_db, m->audio_correlation, m->emodel_loss_pct, m->emodel_r,
		    m->emodel_mos, m->emodel_band);
		if (m->apm.on)
			apm_section(f, &m->apm);
	}
	fprintf(f,
		"\n### Mismatches\n\n%" PRIu64 " %s whose content disagreed with the "
		"RTP timestamp.\n",
		m->mismatches, audio ? "frames" : "frames");
	if (m->n_mismatch_examples) {
		fputs("\n| expected (from RTP) | found (in content) |\n|---:|---:|\n", f);
		for (size_t i = 0; i < m->n_mismatch_examples && i < 8; i++)
			fprintf(f, "| %" PRIu32 " | %" PRIu32 " |\n",
				m->mismatch_examples[i].expected, m->mismatch_examples[i].found);
	}
	fputc('\n', f);
}

/* p50 / p95 / max of a dist as "a / b / c" cells, dashes when there are no samples. */
static void dist3(FILE *f, const struct cb_dist *d)
{
	if (!d->n) {
		fputs(" – |", f);
		return;
	}
	fprintf(f, " %.1f / %.1f / %.1f (n %zu) |", d->p50, d->p95, d->max, d->n);
}

/*
 * Summary of the reception reports about one media: count, RTT p50, mean
 * fraction lost, jitter p50 / max.  `v` has room for n_rtcp.
 */
static void rtcp_row(FILE *f, const struct cb_run_result *res, enum cb_media media, double *v)
{
	struct cb_dist rtt, jit;
	size_t n = 0, nf = 0;
	double fl = 0;

	for (size_t i = 0; i < res->n_rtcp; i++)
		if (res->rtcp[i].media == media)
			v[n++] = res->rtcp[i].rtt_ms;
	cb_dist_compute(v, n, &rtt);
	n = 0;
	for (size_t i = 0; i < res->n_rtcp; i++) {
		if (res->rtcp[i].media != media)
			continue;
		v[n++] = res->rtcp[i].jitter_ms;
		if (isfinite(res->rtcp[i].fraction_lost)) {
			fl += res->rtcp[i].fraction_lost;
			nf++;
		}
	}
	cb_dist_compute(v, n, &jit);
	fprintf(f, "| %s | %zu |", cb_media_name(media), n);
	cell(f, rtt.p50, 1);
	cell(f, nf ? 100.0 * fl / (double)nf : NAN, 2);
	cell(f, jit.p50, 2);
	cell(f, jit.max, 2);
	fputc('\n', f);
}

static void recovery_section(FILE *f, const struct cb_run_result *res)
{
	const struct cb_recovery *r = &res->recovery;
	const struct cb_media_result *ms[2] = {&res->video, &res->audio};
	double *v;

	fputs("## Recovery\n\n", f);
	if (!res->video.enabled) {
		fputs("NACK/RTX and PLI recover video, and this run has no video track.\n\n", f);
	} else {
		fprintf(f, "NACK/RTX (video): **%s**.\n\n", r->nack_enabled ? "on" : "off");
		fputs(
		    "| packets missing | NACKed (requests) | recovered | recovered late | never "
		    "recovered | RTX sent (bytes, refused) | PLI sent / answered by a key frame |\n"
		    "|---:|---:|---:|---:|---:|---:|---:|\n|",
		    f);
		ucell(f, r->packets_missing);
		fprintf(f, " %" PRIu64 " (%" PRIu64 ") |", r->nack_requested,
			r->nack_requests_sent);
		ucell(f, r->recovered);
		ucell(f, r->recovered_late);
		ucell(f, r->never_recovered);
		fprintf(f, " %" PRIu64 " (%" PRIu64 " B, %" PRIu64 ") |", r->rtx_sent, r->rtx_bytes,
			r->rtx_refused);
		fprintf(f, " %" PRIu64 " / %" PRIu64 " |\n\n", r->pli_sent,
			r->keyframes_on_request);
		fputs(
		    "| delay | ms: p50 / p95 / max (n) |\n|---|---:|\n| NACK recovery (gap seen → "
		    "packet recovered) |",
		    f);
		dist3(f, &r->recovery_ms);
		fputs("\n| decoder broken → next decodable key frame |", f);
		dist3(f, &r->keyframe_wait_ms);
		fputs("\n\n", f);
	}
	fputs("Receiver reports, as the sender received them:\n\n"
	      "| media | reports | RTT p50 (ms) | fraction lost, mean (%) | jitter p50 (ms) | "
	      "jitter max (ms) |\n|---|---:|---:|---:|---:|---:|\n",
	      f);
	v = malloc((res->n_rtcp ? res->n_rtcp : 1) * sizeof(*v));
	for (int i = 0; i < 2; i++)
		if (ms[i]->enabled && v)
			rtcp_row(f, res, ms[i]->media, v);
	free(v);
	fprintf(f,
		"\nRTCP packets sent %" PRIu64 ", rejected %" PRIu64 ". Stray packets at the "
		"receiving end (of no media of the call) %" PRIu64
		": cut by the receive buffer %" PRIu64 ", malformed %" PRIu64
		", unknown payload type %" PRIu64 ".\n\n"
		"- **NACK** (RFC 4585 generic NACK): the receiver sees a gap in the sequence "
		"numbers, waits briefly for reordering, then asks the sender for the missing "
		"packets, repeating the request a bounded number of times (about once per "
		"RTT) before giving up.\n"
		"- **RTX** (RFC 4588): the sender answers a NACK from its history of recent "
		"packets, resending each on a separate retransmission stream, so a recovery "
		"costs about one RTT plus the detection wait; \"late\" means it arrived after "
		"the receiver had given up.\n"
		"- **PLI** (RFC 4585 picture loss indication): when a frame cannot be recovered "
		"the decoder's reference chain is broken, so the receiver stops decoding and "
		"asks for a key frame; the wait above runs from the break to the next key frame "
		"it can decode.\n"
		"- **SR/RR** (RFC 3550): the receiver reports fraction lost, cumulative loss and "
		"interarrival jitter; the sender takes RTT from the echo of its last sender "
		"report (LSR) minus the receiver's hold time (DLSR).\n\n",
		r->rtcp_sent, r->rtcp_rejected,
		res->stray.truncated + res->stray.malformed + res->stray.unknown_payload_type,
		res->stray.truncated, res->stray.malformed, res->stray.unknown_payload_type);
}

static void plots_section(FILE *f, const struct cb_run_result *res)
{
	static const char *const alt[CB_PLOT_COUNT] = {
	    [CB_PLOT_LATENCY] = "End-to-end latency over time, with the band limits",
	    [CB_PLOT_CDF] = "Latency CDF",
	    [CB_PLOT_STAGES] = "Mean time per stage",
	    [CB_PLOT_AGE] = "Age of what was on screen and heard over time (a freeze is a ramp)",
	    [CB_PLOT_JITTER_BUFFER] = "Time in the jitter buffer per frame",
	    [CB_PLOT_PSNR] = "Video PSNR per identified picture, with its mean",
	    [CB_PLOT_RTCP] = "RTT and fraction lost from the RTCP receiver reports",
	};
	const char *sep = "PNG versions: ";

	fputs("## Plots\n\n", f);
	if (!res->plots_made && !res->plots_failed) {
		fputs("No plots: gnuplot is missing or failed (see plots.log if it exists). "
		      "Every figure is still in summary.json and frames.csv; with gnuplot "
		      "installed, `gnuplot plots.gp` in this folder makes them.\n\n",
		      f);
		return;
	}
	for (int p = 0; p < CB_PLOT_COUNT; p++) {
		const char *name = cb_report_plot_name((enum cb_plot)p);

		if (cb_report_plot_made(res, name))
			fprintf(
			    f, "![%s%s](%s.svg)\n\n", alt[p],
			    p == CB_PLOT_LATENCY && res->video.enabled
				? " and the video packets lost (red) and recovered by RTX (green)"
				: "",
			    name);
		else if (cb_report_plot_failed(res, name))
			fprintf(
			    f,
			    "**Plot missing: %s** (%s). gnuplot failed on it or left it cut "
			    "short; see plots.log. Its data is in this folder's .dat files.\n\n",
			    name, alt[p]);
	}
	for (int p = 0; p < CB_PLOT_COUNT; p++)
		if (cb_report_plot_made(res, cb_report_plot_name((enum cb_plot)p))) {
			fprintf(f, "%s%s.png", sep, cb_report_plot_name((enum cb_plot)p));
			sep = ", ";
		}
	if (res->plots_made)
		fputs("; ", f);
	fputs("re-make with `gnuplot plots.gp`.\n\n", f);
	if (res->video.frames.n > CB_SERIES_MAX_POINTS ||
	    res->audio.frames.n > CB_SERIES_MAX_POINTS)
		fprintf(f,
			"Each curve is drawn from at most %d points: past that, from the lowest "
			"and the highest of each run of consecutive points, so that every spike "
			"and dip is on the chart. frames.csv has every frame.\n\n",
			CB_SERIES_MAX_POINTS);
}

static void method_section(FILE *f)
{
	fputs("## How latency is measured\n\n"
	      "- Latency is measured from the decoded content itself: each video frame carries "
	      "its frame number as large blocks drawn into the picture, and the audio carries "
	      "marks found in the decoded waveform by cross-correlation. RTP timestamps and "
	      "sequence numbers are used only as a cross-check (a disagreement is counted as a "
	      "mismatch).\n"
	      "- Video latency is per frame: capture of the frame to the moment its number was "
	      "read from the decoded picture.\n"
	      "- Audio latency is per sample: capture of a sample to its availability after "
	      "decode. Opus's 20 ms framing (a sample waits for its frame to fill) and the "
	      "encoder look-ahead are therefore included; their share is shown as "
	      "`algorithmic_ms`.\n"
	      "- Stages are differences of neighbouring timestamps on one monotonic clock, so "
	      "the stage times add up to end-to-end.\n"
	      "- Percentiles are nearest-rank over all samples: every value shown was really "
	      "measured.\n\n",
	      f);
}

static void settings_section(FILE *f, const struct cb_run_result *res)
{
	const struct cb_call_cfg *c = &res->cfg;

	fputs("## Settings\n\n| setting | value |\n|---|---|\n", f);
	fprintf(f, "| duration_s | %g |\n| video | %s |\n| audio | %s |\n", c->duration_s,
		c->video ? "on" : "off", c->audio ? "on" : "off");
	fprintf(f, "| video_codec | %s |\n| width × height | %d × %d |\n| fps | %d |\n",
		c->video_codec, c->width, c->height, c->fps);
	fprintf(f, "| video_kbps | %d |\n| keyint | %d |\n| speed | %d |\n", c->video_kbps,
		c->keyint, c->speed);
	fprintf(f, "| audio_codec | %s |\n| audio_kbps | %d |\n| opus_complexity | %d |\n",
		c->audio_codec, c->audio_kbps, c->opus_complexity);
	fprintf(f, "| audio_frame_ms | %d |\n| mark_period_ms | %d |\n", c->audio_frame_ms,
		c->mark_period_ms);
	fprintf(f, "| srtp | %s |\n| transport | %s |\n| mtu | %d |\n",
		cb_srtp_profile_name(c->srtp), c->transport, c->mtu);
	{
		char net[256];
		cb_impair_describe(&c->net, net, sizeof(net));
		fprintf(f, "| network | %s: %s |\n| clock | %s |\n",
			c->net.name[0] ? c->net.name : "custom", net,
			c->sim ? "sim (discrete events, virtual network)" : "real");
		cb_net_added_describe(&res->net_added, net, sizeof(net));
		fprintf(f, "| network: delay added | %s |\n", net);
		if (c->sim)
			fprintf(f, "| codec time | %s |\n",
				c->codec_time_fixed ? "fixed model" : "charged as measured");
		if (c->sim && c->codec_time_fixed)
			fprintf(f,
				"| codec time model (ms) | video enc %g, dec %g; audio enc %g, dec "
				"%g |\n",
				c->codec_ms[0], c->codec_ms[1], c->codec_ms[2], c->codec_ms[3]);
	}
	if (c->video_settings[0])
		fprintf(f, "| video track.getSettings() | `%s` |\n", c->video_settings);
	if (c->audio_settings[0])
		fprintf(f, "| audio track.getSettings() | `%s` |\n", c->audio_settings);
	if (c->native_width && (c->native_width != c->width || c->native_height != c->height))
		fprintf(f, "| camera mode | %d × %d, centre-cropped and scaled to %d × %d |\n",
			c->native_width, c->native_height, c->width, c->height);
	fprintf(f, "| verdict_pct | %g |\n| seed | %" PRIu64 " |\n| out_dir | %s |\n\n",
		c->verdict_pct, c->seed, c->out_dir);

	fputs("## Library versions\n\n| library | version |\n|---|---|\n", f);
	for (int i = 0; i < res->n_versions && i < CB_MAX_VERSIONS; i++)
		fprintf(f, "| %s | %s |\n", res->versions[i].name, res->versions[i].version);
	if (res->n_versions <= 0)
		fputs("| – | not recorded |\n", f);
	fputs("\n## Files\n\nsummary.json (schema " CB_SUMMARY_SCHEMA ", documented in "
	      "harness/report/SCHEMA.md of the callbench sources), "
	      "frames.csv (one row per frame, every stamp), packets.csv (one row per RTP "
	      "packet), plots.gp and *.dat (the plot data).\n",
	      f);
}

int cb_report_markdown(const struct cb_run_result *res, const char *path)
{
	struct cb_out o;
	FILE *f;
	int err;

	if (!res || !path)
		return -EINVAL;
	err = cb_out_open(&o, path);
	if (err)
		return err;
	f = o.f;
	status_section(f, res);
	verdict_section(f, res);
	if (res->video.enabled)
		media_section(f, &res->video);
	if (res->audio.enabled)
		media_section(f, &res->audio);
	recovery_section(f, res);
	plots_section(f, res);
	method_section(f);
	settings_section(f, res);
	return cb_out_commit(&o);
}
