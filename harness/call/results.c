/*
 * results.c — what the two ends recorded, joined into the run's result:
 * the sender's frame log with the receiver's stamps and content readings
 * on it, the packet fates, what the viewer saw and the listener heard, drops
 * by phase, quality and recovery.  Runs once, after the call.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call/endpoint.h"
#include "call/results.h"
#include "measure/align.h"
#include "measure/quality.h"
#include "report/report.h"
#include "rtp/rtp.h"

/* Index sender records by RTP timestamp: frames are sent at a fixed
 * timestamp step, so the index is arithmetic, and checked. */
static struct cb_frame_rec *tx_by_ts(struct cb_frame_log *tx, uint32_t ts_base, uint32_t ts,
				     uint64_t num, uint64_t den)
{
	uint64_t off = (uint32_t)(ts - ts_base);
	uint64_t n = (off * den + num / 2) / num;

	if (n >= tx->n || tx->v[n].rtp_ts != ts)
		return NULL;
	return &tx->v[n];
}

/* The receiver's rows are read back from disk: a failed read fails the merge. */
static int rx_error(const struct cb_spool *sp)
{
	int e = cb_spool_error(sp);

	return e < 0 ? e : -EIO;
}

static void copy_rx_stamps(struct cb_frame_rec *dst, const struct cb_rx_frame *rx)
{
	for (int s = CB_ST_ARRIVED; s < CB_ST_COUNT; s++)
		dst->st[s] = rx->st[CB_RX_ST(s)];
	dst->received = rx->received;
	dst->decoded = rx->decoded;
}

/* What the viewer saw: the age of the picture on screen at every frame's
 * render time (measure/experience.h). */
static int seen_video(struct cb_media_result *mr, const struct cb_frame_log *tx,
		      const struct cb_receiver *r)
{
	const uint64_t n_rx = cb_spool_count(r->video.frames);
	struct cb_shown *sh = malloc((n_rx ? n_rx : 1) * sizeof(*sh));
	cb_ns *cap = malloc((tx->n ? tx->n : 1) * sizeof(*cap));
	uint64_t shown = 0;
	size_t n = 0;
	int rc = -ENOMEM;

	cb_experience_init(&mr->seen);
	if (!sh || !cap)
		goto out_free;
	for (uint64_t i = 0; i < n_rx; i++) {
		const struct cb_rx_frame *rx = cb_spool_get(r->video.frames, i);

		if (!rx) {
			rc = rx_error(r->video.frames);
			goto out_free;
		}
		if (!rx->identified || rx->content_id < 0 || (uint64_t)rx->content_id >= tx->n ||
		    tx->v[rx->content_id].st[CB_ST_CAPTURED] == CB_NS_NONE)
			continue;
		sh[n].at = rx->st[CB_RX_ST(CB_ST_IDENTIFIED)];
		sh[n].captured = tx->v[rx->content_id].st[CB_ST_CAPTURED];
		n++;
	}
	for (size_t i = 0; i < tx->n; i++) {
		cap[i] = tx->v[i].st[CB_ST_CAPTURED];
		shown += tx->v[i].identified;
	}
	rc = cb_experience_screen(&mr->seen, cap, tx->n, sh, n);
	cb_experience_count(&mr->seen, tx->n, tx->n - shown);
out_free:
	free(sh);
	free(cap);
	return rc;
}

/* What the listener heard: every slot of fresh audio (decoded or rebuilt
 * from FEC) gives one sample of age, its play time minus the capture time
 * of its first sample (all its samples have that age: both run at 48 kHz);
 * concealment and inserted slots give none and count as concealed time. */
static int seen_audio(struct cb_media_result *mr, const struct cb_frame_log *tx,
		      const struct cb_sender *s, const struct cb_session *ss)
{
	const struct cb_timeline *tl = &mr->playout;
	const int64_t fsz = ss->src.mic.frame_samples;
	struct cb_age_sample *v = malloc((tl->n ? tl->n : 1) * sizeof(*v));
	uint64_t heard = 0, conc = 0, all = 0;
	size_t k = 0;
	int rc;

	size_t last = 0;

	cb_experience_init(&mr->seen);
	if (!v)
		return -ENOMEM;
	/* After the last frame the buffer goes on concealing until the call
	 * stops: that is the end of the talk, not a gap in it. */
	for (size_t i = 0; i < tl->n; i++)
		if (tl->v[i].kind == CB_PLAY_FRESH || tl->v[i].kind == CB_PLAY_FEC)
			last = i + 1;
	/* The same goes for the timeline's bends: a slot after the last
	 * frame waits for a frame that never comes (rx/audiojb.h late_wait). */
	cb_timeline_bends(tl, last, &mr->playout.underruns, &mr->playout.slip);
	for (size_t i = 0; i < last; i++) {
		const struct cb_play_seg *g = &tl->v[i];
		int64_t src, q;

		all += g->samples;
		if (g->kind == CB_PLAY_CONCEAL || g->kind == CB_PLAY_EXPAND) {
			conc += g->samples;
			continue;
		}
		/* The first played sample of the slot is source sample `src`:
		 * the encoder's look-ahead and the processing's delay come
		 * first (before sample 0: the codec's priming, no capture). */
		src = (int64_t)(uint32_t)(g->rtp_ts - s->audio.ts_base) - ss->src.audio_delay;
		q = src < 0 ? -src : 0;
		src += q;
		if (q >= g->samples || src / fsz >= (int64_t)tx->n ||
		    tx->v[src / fsz].st[CB_ST_CAPTURED] == CB_NS_NONE)
			continue;
		v[k].t = g->t + (cb_ns)(q * CB_NS_PER_S / 48000);
		v[k].age_ms =
		    cb_ns_diff_ms(v[k].t, tx->v[src / fsz].st[CB_ST_CAPTURED] -
					      (cb_ns)((fsz - src % fsz) * CB_NS_PER_S / 48000));
		k++;
	}
	rc = cb_experience_samples(&mr->seen, v, k);
	free(v);
	for (size_t i = 0; i < tx->n; i++)
		heard += tx->v[i].decoded || tx->v[i].fec;
	cb_experience_count(&mr->seen, tx->n, tx->n - heard);
	mr->seen.concealed_pct = all ? 100.0 * (double)conc / (double)all : NAN;
	return rc;
}

/* The receiver's capture time of a content against the sender's stamp. */
static void capture_check(struct cb_media_result *mr, cb_ns rx_est, cb_ns tx_stamp)
{
	double us;

	if (rx_est == CB_NS_NONE || tx_stamp == CB_NS_NONE)
		return;
	us = fabs((double)(rx_est - tx_stamp)) / 1e3;
	if (!mr->capture_checked || us > mr->capture_err_max_us)
		mr->capture_err_max_us = us;
	mr->capture_checked++;
}

/* Move the sender's frame log into the result and put the receiver's
 * stamps and content readings on it. */
int cb_results_merge_video(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r,
			   const struct cb_session *ss)
{
	struct cb_frame_log *tx = &s->video.log.frames;
	const uint64_t step_num = 90000, step_den = (uint64_t)ss->cfg->fps;
	int rc;

	for (uint64_t i = 0; i < cb_spool_count(r->video.frames); i++) {
		const struct cb_rx_frame *rx = cb_spool_get(r->video.frames, i);
		struct cb_frame_rec *row;

		if (!rx)
			return rx_error(r->video.frames);
		row = tx_by_ts(tx, s->video.ts_base, rx->rtp_ts, step_num, step_den);
		if (!row)
			continue;
		copy_rx_stamps(row, rx);
		row->psnr = rx->psnr;
		row->ssim = rx->ssim;
		if (!rx->identified)
			continue;
		row->identified = 1;
		row->content_id = rx->content_id;
		if ((uint64_t)rx->content_id != row->index) {
			row->mismatch = 1;
			if (mr->n_mismatch_examples < 8) {
				mr->mismatch_examples[mr->n_mismatch_examples].expected =
				    row->index;
				mr->mismatch_examples[mr->n_mismatch_examples].found =
				    (uint32_t)rx->content_id;
				mr->n_mismatch_examples++;
			}
		}
		/* The latency is that of the content shown: a repeated old
		 * picture counts from when that picture was captured. */
		if ((uint64_t)rx->content_id < tx->n) {
			cb_ns cap = tx->v[rx->content_id].st[CB_ST_CAPTURED];

			row->e2e_ms = cb_ns_diff_ms(rx->st[CB_RX_ST(CB_ST_IDENTIFIED)], cap);
			capture_check(mr, rx->captured, cap);
		}
	}
	mr->quality_pictures = r->quality_pictures;
	mr->quality_skipped = r->quality_skipped;
	mr->quality_cpu_s = r->quality_cpu_s;
	rc = seen_video(mr, tx, r);
	mr->frames = *tx;
	memset(tx, 0, sizeof(*tx));
	/* The receiver's rows are on the result now. */
	cb_spool_close(r->video.frames);
	r->video.frames = NULL;
	return rc;
}

int cb_results_merge_audio(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r,
			   const struct cb_session *ss)
{
	struct cb_frame_log *tx = &s->audio.log.frames;
	const uint64_t fs = (uint64_t)ss->src.mic.frame_samples;
	const uint64_t total = tx->n * fs;
	const uint64_t period = cb_amark_period(&ss->src.mic.marks);
	const uint64_t mlen = cb_amark_len(&ss->src.mic.marks);
	struct cb_ajb_stats jb;
	int rc;

	/* How the jitter buffer held the audio: its margin, its waits. */
	cb_receiver_audio_jb_stats(r, &jb);
	mr->jb_margin_mean_ms = jb.slots ? (double)jb.margin_sum / (double)jb.slots / 1e6 : NAN;
	mr->jb_margin_max_ms = jb.slots ? (double)jb.margin_max / 1e6 : NAN;
	mr->jb_late_frames = jb.late_played;
	mr->jb_late_wait_ms = (double)jb.late_played_wait / 1e6;
	for (uint64_t i = 0; i < cb_spool_count(r->audio.frames); i++) {
		const struct cb_rx_frame *rx = cb_spool_get(r->audio.frames, i);
		struct cb_frame_rec *row;

		if (!rx)
			return rx_error(r->audio.frames);
		row = tx_by_ts(tx, s->audio.ts_base, rx->rtp_ts, fs, 1);
		if (row && rx->received)
			copy_rx_stamps(row, rx);
		if (row && rx->concealed)
			row->concealed = 1;
		if (row && rx->fec)
			row->fec = 1;
	}
	/* Marks that were wholly captured and pushed through the encoder's
	 * look-ahead before capture stopped are the ones that could come out. */
	mr->marks_sent = 0;
	for (uint64_t k = 0; k * period + mlen + (uint64_t)ss->src.audio_delay <= total; k++)
		mr->marks_sent++;
	for (size_t i = 0; i < r->n_hits; i++) {
		const struct cb_rx_hit *h = &r->hits[i];
		uint64_t f = h->hit.src_sample / fs;
		const struct cb_rx_frame *out_rx;
		struct cb_frame_rec *row, *out_row;
		cb_ns t_cap;
		int64_t expect, got;

		if (f >= tx->n)
			continue;
		out_rx = cb_spool_get(r->audio.frames, h->rx_index);
		if (!out_rx)
			return rx_error(r->audio.frames);
		row = &tx->v[f];
		if (row->identified)
			continue; /* a mark is counted once */
		/* Sample i of frame f was captured (frame_ms - i/fs) before the
		 * frame was handed over. */
		t_cap = row->st[CB_ST_CAPTURED] -
			(cb_ns)((fs - h->hit.src_sample % fs) * CB_NS_PER_S / 48000);
		row->identified = 1;
		row->content_id = h->hit.mark;
		row->e2e_ms = cb_ns_diff_ms(h->t_avail, t_cap);
		capture_check(mr, h->t_captured, t_cap);
		/* What is not the pipeline of the frame that carried the sample
		 * out is framing and look-ahead (the codec's algorithmic delay). */
		out_row = tx_by_ts(tx, s->audio.ts_base, out_rx->rtp_ts, fs, 1);
		if (out_row)
			row->algo_ms =
			    row->e2e_ms - cb_ns_diff_ms(out_rx->st[CB_RX_ST(CB_ST_DEC_END)],
							out_row->st[CB_ST_CAPTURED]);
		/* Cross-check with RTP: the found position, in RTP time, must be
		 * the mark's source position plus the encoder's look-ahead and
		 * the audio processing's delay. */
		got = (int64_t)(uint32_t)(out_rx->rtp_ts - s->audio.ts_base) +
		      cb_timeline_slot_sample(&r->playout, h->hit.out_sample);
		expect = (int64_t)h->hit.src_sample + ss->src.audio_delay;
		if (llabs(got - expect) > 48) {
			row->mismatch = 1;
			if (mr->n_mismatch_examples < 8) {
				mr->mismatch_examples[mr->n_mismatch_examples].expected =
				    (uint32_t)expect;
				mr->mismatch_examples[mr->n_mismatch_examples].found =
				    (uint32_t)got;
				mr->n_mismatch_examples++;
			}
		}
	}
	mr->playout = r->playout;
	cb_timeline_init(&r->playout, 48000);
	rc = seen_audio(mr, tx, s, ss);
	mr->frames = *tx;
	memset(tx, 0, sizeof(*tx));
	return rc;
}

/* Join the two ends' packet logs into one.  The sender numbered its
 * packets consecutively, so sent packet i carries sequence number seq0 + i.
 * The receiver logged only packets that authenticated (what SRTP refused
 * carries whatever sequence number its sender chose, and is counted
 * instead): each is unwrapped against the highest one before it, which
 * pairs it with the right send over any number of wraps and lets no
 * reordered packet move the reference back.  The rows may be in spools on
 * disk (measure/record.h): an I/O error fails the merge. */
int cb_results_merge_packets(struct cb_run_result *res, struct cb_track_log *tx,
			     struct cb_rx_log *rx, struct cb_media_result *mr)
{
	const size_t base = res->packets.n, n_tx = tx->packets.n;
	const uint64_t n_rx = cb_spool_count(rx->packets);
	struct cb_packet_rec *p;
	int64_t ext = 0, top = 0;
	uint16_t seq0 = 0;
	int rc = 0;

	/* The sender's rows become the result's: moved when they are the
	 * first, else appended, and freed either way, so that a long call
	 * never holds them twice. */
	if (base == 0) {
		cb_packet_log_free(&res->packets);
		res->packets = tx->packets;
		memset(&tx->packets, 0, sizeof(tx->packets));
	} else {
		for (size_t i = 0; i < n_tx && rc == 0; i++) {
			const struct cb_packet_rec *t = cb_packet_log_at(&tx->packets, i);

			p = t ? cb_packet_log_add(&res->packets) : NULL;
			if (p)
				*p = *t;
			else
				rc = -EIO;
		}
		if (rc < 0)
			goto out_error;
		cb_packet_log_free(&tx->packets);
	}
	for (size_t i = base; i < base + n_tx; i++) {
		p = cb_packet_log_at(&res->packets, i);
		if (!p)
			goto out_error;
		if (i == base)
			seq0 = p->seq;
		/* The sender knows what the emulated network did; anything
		 * else that never arrives is lost for a reason the harness
		 * did not create. */
		if (p->fate == CB_PKT_NET_LOSS)
			mr->net_dropped_loss++;
		else if (p->fate == CB_PKT_NET_QUEUE)
			mr->net_dropped_queue++;
		else
			p->fate = CB_PKT_LOST;
		mr->net_duplicated += p->duplicated;
		mr->packets_sent++;
		mr->bytes_sent += p->size;
	}
	for (uint64_t i = 0; n_tx && i < n_rx; i++) {
		const struct cb_rx_packet *q = cb_spool_get(rx->packets, i);

		if (!q)
			goto out_error;
		ext = i == 0 ? cb_seq_diff(q->seq, seq0)
			     : top + cb_seq_diff(q->seq, (uint16_t)(seq0 + top));
		if (i == 0 || ext > top)
			top = ext;
		if (ext < 0 || (size_t)ext >= n_tx)
			continue; /* authenticated, so sent: not by this call's sender */
		p = cb_packet_log_at(&res->packets, base + (size_t)ext);
		if (!p)
			goto out_error;
		if (p->received != CB_NS_NONE &&
		    (p->fate == CB_PKT_DELIVERED || p->fate == CB_PKT_RECOVERED))
			continue; /* a second copy of a packet already delivered */
		p->received = q->received;
		p->fate = q->fate;
		if (q->fate == CB_PKT_DELIVERED || q->fate == CB_PKT_LATE ||
		    q->fate == CB_PKT_RECOVERED)
			mr->packets_received++;
	}
	for (size_t i = base; n_tx && i < res->packets.n; i++) {
		p = cb_packet_log_at(&res->packets, i);
		if (!p)
			goto out_error;
		if (p->received == CB_NS_NONE)
			mr->packets_lost++;
		else if (p->duplicated)
			mr->net_duplicated_arrived++;
	}
	cb_spool_close(rx->packets);
	rx->packets = NULL;
	return 0;

out_error:
	rc = cb_packet_log_error(&res->packets);
	if (!rc)
		rc = cb_packet_log_error(&tx->packets);
	if (!rc)
		rc = cb_spool_error(rx->packets);
	return rc < 0 ? rc : -EIO;
}

static int cmp_ns(const void *a, const void *b)
{
	cb_ns x = *(const cb_ns *)a, y = *(const cb_ns *)b;
	return x < y ? -1 : x > y;
}

/*
 * What a person would see and hear beyond latency: frames lost by phase,
 * time in the jitter buffer, picture quality, smoothness, concealment and,
 * for audio, the E-model's R and MOS.
 */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The RTP times of the frames of `media` that lost a packet on the way
 * (never arrived, for any reason), sorted; *n of them. */
static uint32_t *frames_losing_packets(const struct cb_packet_log *pk, enum cb_media media,
				       size_t *n)
{
	uint32_t *v = malloc((pk && pk->n ? pk->n : 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; pk && i < pk->n; i++) {
		const struct cb_packet_rec *p = cb_packet_log_at(pk, i);

		if (!p) {
			free(v);
			return NULL;
		}
		if (p->media == media && p->received == CB_NS_NONE)
			v[(*n)++] = p->rtp_ts;
	}
	qsort(v, *n, sizeof(*v), cmp_u32);
	return v;
}

static int frame_lost_packet(const uint32_t *lost, size_t n, uint32_t ts)
{
	return bsearch(&ts, lost, n, sizeof(*lost), cmp_u32) != NULL;
}

static int summarize_quality(struct cb_media_result *mr, const struct cb_call_cfg *cfg,
			     const struct cb_packet_log *pk)
{
	size_t n = mr->frames.n, k = 0, kp = 0, ks = 0, kr = 0, nlost = 0;
	double *psnr = malloc((n ? n : 1) * sizeof(double));
	double *ssim = malloc((n ? n : 1) * sizeof(double));
	cb_ns *render = malloc((n ? n : 1) * sizeof(cb_ns));
	uint32_t *lost = frames_losing_packets(pk, mr->media, &nlost);
	double jb_sum = 0;
	int in_run = 0;

	if (!psnr || !ssim || !render || !lost) {
		free(psnr);
		free(ssim);
		free(render);
		free(lost);
		return -ENOMEM;
	}
	mr->dropped_unreadable = 0;
	mr->dropped_encoder = mr->dropped_network = mr->dropped_jitter_buffer = 0;
	mr->dropped_decoder = mr->concealed_frames = mr->concealment_events = 0;
	mr->fec_frames = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cb_frame_rec *f = &mr->frames.v[i];
		int out_of_jb = f->st[CB_ST_JB_OUT] != CB_NS_NONE;

		/* Each frame is charged to the first phase that lost it.  A
		 * frame that never came out complete was lost in the network
		 * only if one of its packets was: when all arrived, the jitter
		 * buffer discarded it (late, or removed to shrink the delay). */
		if (!f->encoded)
			mr->dropped_encoder++;
		else if (!f->received && frame_lost_packet(lost, nlost, f->rtp_ts))
			mr->dropped_network++;
		else if (!f->received || !out_of_jb)
			mr->dropped_jitter_buffer++;
		else if (!f->decoded)
			mr->dropped_decoder++;
		else if (mr->media == CB_MEDIA_VIDEO && !f->identified)
			mr->dropped_unreadable++;
		if (out_of_jb && f->st[CB_ST_FIRST_RECV] != CB_NS_NONE) {
			jb_sum += cb_ns_diff_ms(f->st[CB_ST_JB_OUT], f->st[CB_ST_FIRST_RECV]);
			k++;
		}
		if (!isnan(f->psnr))
			psnr[kp++] = f->psnr;
		if (!isnan(f->ssim))
			ssim[ks++] = f->ssim;
		if (f->decoded && f->identified && f->st[CB_ST_DEC_END] != CB_NS_NONE)
			render[kr++] = f->st[CB_ST_DEC_END];
		mr->fec_frames += f->fec;
		if (f->concealed) {
			mr->concealed_frames++;
			mr->concealment_events += !in_run;
		}
		in_run = f->concealed;
	}
	mr->jb_delay_mean_ms = k ? jb_sum / (double)k : NAN;
	cb_dist_compute(psnr, kp, &mr->psnr);
	cb_dist_compute(ssim, ks, &mr->ssim);
	if (mr->media == CB_MEDIA_VIDEO) {
		struct cb_freeze fz;

		/* Rendered = decoded and shown, in the order they were shown. */
		qsort(render, kr, sizeof(*render), cmp_ns);
		cb_freeze_init(&fz);
		for (size_t i = 0; i < kr; i++)
			cb_freeze_frame(&fz, render[i]);
		mr->freeze_count = fz.freeze_count;
		mr->pause_count = fz.pause_count;
		mr->freeze_total_ms = (double)fz.total_freezes / 1e6;
		mr->pause_total_ms = (double)fz.total_pauses / 1e6;
		mr->harmonic_fps = cb_freeze_harmonic_fps(&fz);
	} else {
		struct cb_emodel_in in;
		struct cb_emodel_out out;
		double loss = n ? 100.0 * (double)mr->concealed_frames / (double)n : 0;
		double mean_burst = mr->concealment_events ? (double)mr->concealed_frames /
								 (double)mr->concealment_events
							   : 1.0;

		mr->concealed_samples = mr->concealed_frames * (uint64_t)(48 * cfg->audio_frame_ms);
		/* The listener hears the measured mouth-to-ear delay and the loss
		 * that recovery did not hide (frames played as concealment). */
		cb_emodel_defaults_opus(&in);
		in.delay_ms = isnan(mr->e2e.p50) ? 0 : mr->e2e.p50;
		in.loss_pct = loss;
		in.burst_r = loss > 0 ? cb_emodel_burst_r(loss, mean_burst) : 1.0;
		mr->emodel_loss_pct = loss;
		mr->emodel_r = mr->emodel_mos = NAN;
		mr->emodel_band[0] = 0;
		if (cb_emodel(&in, &out) == 0) {
			mr->emodel_r = out.r;
			mr->emodel_mos = out.mos;
			snprintf(mr->emodel_band, sizeof(mr->emodel_band), "%s", out.band_name);
		}
		mr->freeze_total_ms = mr->pause_total_ms = mr->harmonic_fps = NAN;
	}
	free(psnr);
	free(ssim);
	free(render);
	free(lost);
	return 0;
}

/* What audio record `i` of the receiver played, as measure/align.h
 * describes it: the frame's RTP time gives its source position, less the
 * encoder's look-ahead and the processing's delay, which come out of the
 * decoder before the frame's own first sample. */
/* What receiver audio record `i` played, as one or two pieces (two when
 * samples were cut from inside its slot: the source jumps there); the
 * playout timeline (mr->playout) has one slot per record.  Returns how
 * many pieces were written to p. */
static size_t audio_pieces(const struct cb_media_result *mr, const struct cb_rx_frame *rx,
			   const struct cb_sender *s, size_t i, struct cb_align_piece *p)
{
	const struct cb_play_seg *g = &mr->playout.v[i];
	const struct cb_session *ss = s->ss;
	enum cb_align_kind kind = rx->decoded	  ? CB_ALIGN_DECODED
				  : rx->fec	  ? CB_ALIGN_FEC
				  : rx->concealed ? CB_ALIGN_CONCEALED
						  : CB_ALIGN_INSERTED; /* added to grow the delay */
	int64_t src = (int64_t)(uint32_t)(rx->rtp_ts - s->audio.ts_base) - ss->src.audio_delay;

	if (!g->cut || g->cut_at >= g->samples) {
		p[0] = (struct cb_align_piece){
		    .played = g->pos, .len = g->samples, .src = src, .kind = kind};
		return 1;
	}
	p[0] =
	    (struct cb_align_piece){.played = g->pos, .len = g->cut_at, .src = src, .kind = kind};
	p[1] = (struct cb_align_piece){.played = g->pos + g->cut_at,
				       .len = g->samples - g->cut_at,
				       .src = src + g->cut_at + g->cut,
				       .kind = kind};
	return 2;
}

/*
 * The captured audio for the quality figure.  Rendering it again costs more
 * than the comparison (the search and the two passes read it three times),
 * so it is rendered once, into a spool on disk, and read back from there;
 * without a spool it is rendered on every read.
 */
#define SRC_PER_REC (CB_SPOOL_BLOCK_BYTES / sizeof(int16_t))

struct source_reader {
	struct cb_receiver *r; /* renders the source from its description */
	struct cb_spool *sp;   /* rows of SRC_PER_REC samples; NULL: render */
};

static int source_spool(struct source_reader *sr, const char *dir, size_t n)
{
	int rc = cb_spool_open(&sr->sp, dir, CB_SPOOL_BLOCK_BYTES);

	for (size_t first = 0; rc == 0 && first < n; first += SRC_PER_REC) {
		int16_t *row = cb_spool_append(sr->sp);

		rc = row ? cb_receiver_source_audio(
			       sr->r, first, row, n - first < SRC_PER_REC ? n - first : SRC_PER_REC)
			 : cb_spool_error(sr->sp);
	}
	if (rc < 0) {
		cb_spool_close(sr->sp);
		sr->sp = NULL;
	}
	return rc;
}

static int read_source(void *user, size_t first, int16_t *out, size_t n)
{
	struct source_reader *sr = user;

	if (!sr->sp)
		return cb_receiver_source_audio(sr->r, first, out, n);
	while (n) {
		const int16_t *row = cb_spool_get(sr->sp, first / SRC_PER_REC);
		size_t off = first % SRC_PER_REC, take = SRC_PER_REC - off;

		if (!row)
			return cb_spool_error(sr->sp) < 0 ? cb_spool_error(sr->sp) : -EIO;
		if (take > n)
			take = n;
		memcpy(out, row + off, take * sizeof(*out));
		out += take;
		first += take;
		n -= take;
	}
	return 0;
}

/* Decoded audio against the source it came from, stretch by stretch: each
 * played frame is put against the source samples its RTP time names, so
 * concealment, added and discarded frames move the alignment with them
 * instead of spoiling it for the rest of the call. */
void cb_results_audio_quality(struct cb_media_result *mr, struct cb_sender *s,
			      struct cb_receiver *r)
{
	size_t n = (size_t)cb_spool_count(r->audio.frames);
	const uint64_t src_n = (uint64_t)mr->frames.n * (uint64_t)s->ss->src.mic.frame_samples;
	struct cb_align_piece *pieces = NULL;
	struct cb_audio_span *spans = NULL;
	struct cb_align_stats st;
	struct cb_audio_quality q;
	size_t n_spans = n, n_pieces = 0;
	struct source_reader src = {.r = r};
	uint64_t ref_n = 0;
	int shift;

	mr->audio_seg_snr_db = mr->audio_snr_db = mr->audio_correlation = NAN;
	mr->audio_compared_samples = 0;
	mr->audio_stretches = 0;
	if (!n || !r->audio_pcm_n || !src_n)
		return;
	/* Slots that start past the played audio kept give no stretch (their
	 * samples are "outside"): they are not described at all. */
	if (n > mr->playout.n)
		n = mr->playout.n;
	for (size_t i = 0; i < n; i++)
		if (mr->playout.v[i].pos >= r->audio_pcm_n) {
			n = i;
			break;
		}
	if (!n)
		return;
	n_spans = 2 * n;
	pieces = malloc(2 * n * sizeof(*pieces));
	spans = malloc(2 * n * sizeof(*spans));
	if (!pieces || !spans)
		goto out_free;
	/* Slots after the last sent frame (the call draining) are left out:
	 * their concealment is not the call's. */
	for (size_t i = 0; i < n; i++) {
		const struct cb_rx_frame *rx = cb_spool_get(r->audio.frames, i);

		if (!rx)
			goto out_free; /* an I/O error: no figure rather than a wrong one */
		if ((uint32_t)(rx->rtp_ts - s->audio.ts_base) /
			(uint64_t)s->ss->src.mic.frame_samples >=
		    mr->frames.n)
			break;
		n_pieces += audio_pieces(mr, rx, s, i, pieces + n_pieces);
	}
	if (cb_align_stretches(pieces, n_pieces, r->audio_pcm_n, src_n, spans, &n_spans, &st) < 0 ||
	    !n_spans)
		goto out_free;
	/* The source is read back piece by piece (it is a pure function of
	 * the sample index): the played audio kept is bounded
	 * (CB_RX_AUDIO_KEEP), and so is what is held of the source.  Past the
	 * last stretch's end by more than the largest shift no sample is read
	 * or clips a span, so the figures are those over the whole source. */
	for (size_t j = 0; j < n_spans; j++)
		if (spans[j].ref + spans[j].len > ref_n)
			ref_n = spans[j].ref + spans[j].len;
	ref_n += CB_ALIGN_MAX_SHIFT;
	if (ref_n > src_n)
		ref_n = src_n;
	if (source_spool(&src, s->ss->cfg->out_dir, (size_t)ref_n) < 0)
		src.sp = NULL; /* rendered on every read instead */
	if (cb_align_refine_read(read_source, &src, (size_t)ref_n, r->audio_pcm, r->audio_pcm_n,
				 spans, &n_spans, CB_ALIGN_MAX_SHIFT, &shift, &st) < 0 ||
	    !n_spans)
		goto out_free;
	if (cb_audio_quality_spans_read(read_source, &src, (size_t)ref_n, r->audio_pcm,
					r->audio_pcm_n, spans, n_spans, 48000, &q) < 0)
		goto out_free;
	mr->audio_seg_snr_db = q.seg_snr_db;
	mr->audio_snr_db = q.snr_db;
	mr->audio_correlation = q.correlation;
	mr->audio_compared_samples = st.compared;
	mr->audio_stretches = st.stretches;
out_free:
	cb_spool_close(src.sp);
	free(spans);
	free(pieces);
}

void cb_results_merge_refused(struct cb_run_result *res, const struct cb_sender *s,
			      const struct cb_receiver *r)
{
	struct cb_media_result *ms[2] = {&res->video, &res->audio};

	res->stray.truncated = r->stray_truncated;
	res->stray.malformed = r->stray_malformed;
	res->stray.unknown_payload_type = r->stray_unknown_pt;
	res->receive = r->recv;
	res->video.net_duplicated_arrived += s->rtx_duplicated;
	for (int i = 0; i < 2; i++) {
		uint64_t replays = r->rejected_replay[i], explained = ms[i]->net_duplicated_arrived;

		/* The network's second copy of a packet is refused by SRTP's
		 * replay check, as it should be; that is not an attack.  The
		 * receiver cannot tell the two apart (libsrtp checks for a
		 * replay before it authenticates), the harness can: it knows
		 * how many copies the emulator delivered. */
		ms[i]->rejected_auth = r->rejected_auth[i];
		ms[i]->rejected_replay = replays > explained ? replays - explained : 0;
		ms[i]->rejected_malformed =
		    r->rejected_malformed[i] + (i == CB_MEDIA_VIDEO ? r->rtx_malformed : 0);
		ms[i]->rejected_foreign = r->rejected_foreign[i];
		ms[i]->packets_rejected = ms[i]->rejected_auth + ms[i]->rejected_replay +
					  ms[i]->rejected_malformed + ms[i]->rejected_foreign;
	}
}

/* Loss recovery as both ends saw it, and the reception reports over time. */
void cb_results_merge_recovery(struct cb_run_result *res, struct cb_sender *s,
			       struct cb_receiver *r)
{
	struct cb_recovery *rec = &res->recovery;

	*rec = r->rec;
	rec->nack_received = s->rec.nack_received;
	rec->rtx_sent = s->rec.rtx_sent;
	rec->rtx_bytes = s->rec.rtx_bytes;
	rec->rtx_refused = s->rec.rtx_refused;
	rec->pli_received = s->rec.pli_received;
	rec->keyframes_on_request = s->rec.keyframes_on_request;
	rec->rtcp_rejected += s->rec.rtcp_rejected;
	if (r->nack) {
		struct cb_nack_stats st;

		cb_nack_get_stats(r->nack, &st);
		rec->packets_missing = st.missing;
		rec->nack_requested = st.requested;
		rec->nack_requests_sent = st.requests_sent;
		rec->recovered = st.recovered;
		rec->recovered_late = st.late;
		rec->never_recovered = st.never_recovered;
	}
	cb_dist_compute(r->recovery_ms, r->n_recovery, &rec->recovery_ms);
	cb_dist_compute(r->keyframe_wait_ms, r->n_keyframe_wait, &rec->keyframe_wait_ms);
	res->rtcp = s->rtcp;
	res->n_rtcp = s->n_rtcp;
	s->rtcp = NULL;
	s->n_rtcp = s->rtcp_cap = 0;
}

/* Counts, distributions and verdict of one media from its merged rows
 * (packet counts were made by merge_packets, which also sees rejected
 * packets that match no send). */
int cb_results_summarize(struct cb_media_result *mr, const struct cb_call_cfg *cfg, double media_s,
			 const struct cb_packet_log *pk)
{
	int rc = cb_media_result_compute(mr, NULL, cfg->verdict_pct);

	if (rc < 0)
		return rc;
	if (mr->media == CB_MEDIA_AUDIO)
		mr->marks_identified = mr->identified;
	else
		mr->algo_ms = NAN;
	mr->achieved_kbps = media_s > 0 ? (double)mr->payload_bytes * 8 / media_s / 1000 : NAN;
	/* The encoder may not reach the target (a floor of its quantizer
	 * range, or frames dropped): say so rather than let the run pass for
	 * one at the asked rate. */
	mr->rate_miss_pct = mr->target_kbps > 0 && isfinite(mr->achieved_kbps)
				? 100.0 * (mr->achieved_kbps - mr->target_kbps) / mr->target_kbps
				: NAN;
	mr->target_missed = isfinite(mr->rate_miss_pct) && fabs(mr->rate_miss_pct) > 10.0;
	return summarize_quality(mr, cfg, pk);
}

/* Both ends' records into `res`: media time, per media the frames, packets
 * and summary, audio quality, recovery, refusals, the sender reports the
 * receiver took.  `ss` is the sender's session (its settings). */
int cb_results_merge_call(struct cb_run_result *res, struct cb_sender *snd, struct cb_receiver *rcv,
			  const struct cb_session *ss)
{
	const struct cb_call_cfg *cfg = ss->cfg;
	int rc = 0;

	if (cfg->video)
		res->media_s = (double)snd->video.log.frames.n / cfg->fps;
	if (cfg->audio) {
		double a = (double)snd->audio.log.frames.n * cfg->audio_frame_ms / 1000.0;
		if (a > res->media_s)
			res->media_s = a;
	}
	if (cfg->video) {
		rc = cb_results_merge_video(&res->video, snd, rcv, ss);
		if (rc == 0)
			rc = cb_results_merge_packets(res, &snd->video.log, &rcv->video,
						      &res->video);
		if (rc == 0)
			rc = cb_results_summarize(&res->video, cfg,
						  (double)res->video.frames.n / cfg->fps,
						  &res->packets);
	}
	if (cfg->audio && rc == 0) {
		rc = cb_results_merge_audio(&res->audio, snd, rcv, ss);
		if (rc == 0)
			rc = cb_results_merge_packets(res, &snd->audio.log, &rcv->audio,
						      &res->audio);
		if (rc == 0)
			rc = cb_results_summarize(&res->audio, cfg,
						  (double)res->audio.frames.n *
						      cfg->audio_frame_ms / 1000.0,
						  &res->packets);
		if (rc == 0)
			cb_results_audio_quality(&res->audio, snd, rcv);
		cb_sender_apm_effect(snd, &res->audio.apm);
	}
	if (rc == 0) {
		cb_results_merge_recovery(res, snd, rcv);
		cb_results_merge_refused(res, snd, rcv);
	}
	for (int m = 0; m < 2; m++) {
		res->sr_count[m] = rcv->srmap[m].reports;
		res->sr_min_transit_ms[m] = rcv->srmap[m].min_transit == CB_NS_NONE
						? NAN
						: (double)rcv->srmap[m].min_transit / 1e6;
	}
	return rc;
}
