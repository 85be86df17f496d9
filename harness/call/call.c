/*
 * call.c — set up a call (the session both ends agree on), run the sender
 * and receiver until the media is captured and has drained through, then
 * merge what each end recorded into one result: per frame, the sender's
 * stamps and the receiver's, joined by RTP timestamp, with the latency taken
 * from the content each decoded frame was found to carry.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/error.h"
#include "call/call.h"
#include "report/versions.h"
#include "call/endpoint.h"
#include "codec/opus_util.h"
#include "measure/align.h"
#include "measure/quality.h"
#include "media/audio_source.h"
#include "net/path.h"
#include "base/rng.h"
#include "report/report.h"
#include "rtp/rtp.h"
#include "srtp/srtp.h"

#define DRAIN_MAX_NS   (1500 * CB_NS_PER_MS)
#define START_DELAY_NS (100 * CB_NS_PER_MS)

void cb_call_cfg_default(struct cb_call_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->duration_s = 10;
	c->video = c->audio = 1;
	c->width = 640;
	c->height = 480;
	c->fps = 30;
	c->video_kbps = 1000;
	c->audio_kbps = 32;
	c->keyint = 3000;
	c->speed = -6;
	c->opus_complexity = 9;
	c->audio_frame_ms = 20;
	c->mark_period_ms = 100;
	snprintf(c->video_codec, sizeof(c->video_codec), "vp8");
	snprintf(c->audio_codec, sizeof(c->audio_codec), "opus");
	c->srtp = CB_SRTP_AES128_CM_SHA1_80;
	snprintf(c->transport, sizeof(c->transport), "udp");
	c->mtu = 1200;
	c->verdict_pct = 95;
	c->seed = 1;
	snprintf(c->out_dir, sizeof(c->out_dir), "results");
	cb_impair_cfg_default(&c->net);
	c->codec_ms[0] = 5.0; /* used only with codec_time_fixed */
	c->codec_ms[1] = 1.0;
	c->codec_ms[2] = 0.5;
	c->codec_ms[3] = 0.1;
	c->nack = 1;
	c->rtcp_interval_ms = 500;
	c->opus_fec = 1;
	c->opus_loss_pct = 5;
	/* WebRTC's playout-delay defaults for video.  Audio starts at 20 ms
	 * rather than NetEq's 80 ms: a loopback call should not pay 60 ms
	 * that its own jitter would never ask for. */
	c->min_playout_delay_ms = 0;
	c->max_playout_delay_ms = 10000;
	c->audio_jb_min_ms = 0;
	c->audio_jb_initial_ms = 20;
	/* No scene and no processing: the microphone is the near talker alone. */
	c->echo_delay_ms = 40;
}

static int cfg_check(const struct cb_call_cfg *c, char *why, size_t len)
{
	const struct cb_codec_ops *ops;

	if (!(c->duration_s > 0 && c->duration_s <= 86400))
		return snprintf(why, len, "duration must be in (0, 86400] s"), -EINVAL;
	if (!c->video && !c->audio)
		return snprintf(why, len, "both video and audio are off"), -EINVAL;
	if (c->video) {
		ops = cb_codec_find(c->video_codec);
		if (!ops || ops->media != CB_MEDIA_VIDEO)
			return snprintf(why, len, "unknown video codec '%s'", c->video_codec),
			       CB_E_NOTFOUND;
		if (c->width < 64 || c->height < 64 || c->width > 4096 || c->height > 4096 ||
		    (c->width & 1) || (c->height & 1))
			return snprintf(why, len, "video size must be even, 64..4096"), -EINVAL;
		if (c->fps < 1 || c->fps > 240)
			return snprintf(why, len, "fps must be 1..240"), -EINVAL;
	}
	if (c->audio) {
		ops = cb_codec_find(c->audio_codec);
		if (!ops || ops->media != CB_MEDIA_AUDIO)
			return snprintf(why, len, "unknown audio codec '%s'", c->audio_codec),
			       CB_E_NOTFOUND;
		if (c->audio_frame_ms != 10 && c->audio_frame_ms != 20 && c->audio_frame_ms != 40 &&
		    c->audio_frame_ms != 60)
			return snprintf(why, len, "audio frame must be 10, 20, 40 or 60 ms"),
			       -EINVAL;
		if (c->mark_period_ms < 100 || c->mark_period_ms % c->audio_frame_ms)
			return snprintf(why, len,
					"mark period must be >= 100 ms and a multiple of the audio "
					"frame"),
			       -EINVAL;
	}
	if (c->mtu < 200 || c->mtu > 1500)
		return snprintf(why, len, "mtu must be 200..1500"), -EINVAL;
	if (c->sim && c->transport[0] && strcmp(c->transport, "udp") && strcmp(c->transport, "sim"))
		return snprintf(why, len,
				"a simulated-clock run uses a virtual network, not transport '%s'",
				c->transport),
		       -EINVAL;
	if (c->rtcp_interval_ms < 10 || c->rtcp_interval_ms > 60000)
		return snprintf(why, len, "RTCP interval must be 10..60000 ms"), -EINVAL;
	for (int i = 0; i < 4; i++)
		if (!(c->codec_ms[i] >= 0 && c->codec_ms[i] < 10000))
			return snprintf(why, len, "codec time must be 0..10000 ms"), -EINVAL;
	if (!c->sim && !cb_transport_find(c->transport))
		return snprintf(why, len, "unknown transport '%s'", c->transport), CB_E_NOTFOUND;
	if (c->min_playout_delay_ms < 0 || c->max_playout_delay_ms > 10000 ||
	    c->min_playout_delay_ms > c->max_playout_delay_ms)
		return snprintf(why, len, "playout delay must be 0 <= min <= max <= 10000 ms"),
		       -EINVAL;
	if (c->audio_jb_min_ms < 0 || c->audio_jb_min_ms > 1000 || c->audio_jb_initial_ms < 0 ||
	    c->audio_jb_initial_ms > 1000)
		return snprintf(why, len, "audio jitter buffer delays must be 0..1000 ms"), -EINVAL;
	if (c->echo_db != 0 && !(c->echo_db >= -60 && c->echo_db <= -1))
		return snprintf(why, len, "echo must be -60..-1 dB (0 = none)"), -EINVAL;
	if (c->echo_delay_ms < 0 || c->echo_delay_ms > 500)
		return snprintf(why, len, "echo delay must be 0..500 ms"), -EINVAL;
	if (c->noise_dbfs != 0 && !(c->noise_dbfs >= -90 && c->noise_dbfs <= -10))
		return snprintf(why, len, "noise must be -90..-10 dBFS (0 = none)"), -EINVAL;
	if (!(c->verdict_pct > 0 && c->verdict_pct <= 100))
		return snprintf(why, len, "verdict percentile must be in (0, 100]"), -EINVAL;
	return 0;
}

static void add_version(struct cb_run_result *r, const char *name, const char *v)
{
	if (r->n_versions >= CB_MAX_VERSIONS)
		return;
	snprintf(r->versions[r->n_versions].name, sizeof(r->versions[0].name), "%s", name);
	snprintf(r->versions[r->n_versions].version, sizeof(r->versions[0].version), "%s", v);
	r->n_versions++;
}

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

static void copy_rx_stamps(struct cb_frame_rec *dst, const struct cb_frame_rec *rx)
{
	for (int s = CB_ST_ARRIVED; s < CB_ST_COUNT; s++)
		dst->st[s] = rx->st[s];
	dst->received = rx->received;
	dst->decoded = rx->decoded;
}

/* What the viewer saw: the age of the picture on screen at every frame's
 * render time (measure/experience.h). */
static int seen_video(struct cb_media_result *mr, const struct cb_frame_log *tx,
		      const struct cb_receiver *r)
{
	struct cb_shown *sh = malloc((r->video.frames.n ? r->video.frames.n : 1) * sizeof(*sh));
	cb_ns *cap = malloc((tx->n ? tx->n : 1) * sizeof(*cap));
	uint64_t shown = 0;
	size_t n = 0;
	int rc = -ENOMEM;

	cb_experience_init(&mr->seen);
	if (!sh || !cap)
		goto out_free;
	for (size_t i = 0; i < r->video.frames.n; i++) {
		const struct cb_frame_rec *rx = &r->video.frames.v[i];

		if (!rx->identified || rx->content_id < 0 || (uint64_t)rx->content_id >= tx->n ||
		    tx->v[rx->content_id].st[CB_ST_CAPTURED] == CB_NS_NONE)
			continue;
		sh[n].at = rx->st[CB_ST_IDENTIFIED];
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
	const int64_t fsz = ss->audio_frame_samples;
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
		src = (int64_t)(uint32_t)(g->rtp_ts - s->audio.ts_base) - ss->opus_lookahead -
		      ss->apm_delay;
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

/* Move the sender's frame log into the result and put the receiver's
 * stamps and content readings on it. */
static int merge_video(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r,
		       const struct cb_session *ss)
{
	struct cb_frame_log *tx = &s->video.log.frames;
	const uint64_t step_num = 90000, step_den = (uint64_t)ss->cfg->fps;
	int rc;

	for (size_t i = 0; i < r->video.frames.n; i++) {
		const struct cb_frame_rec *rx = &r->video.frames.v[i];
		struct cb_frame_rec *row =
		    tx_by_ts(tx, s->video.ts_base, rx->rtp_ts, step_num, step_den);

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
		if ((uint64_t)rx->content_id < tx->n)
			row->e2e_ms = cb_ns_diff_ms(rx->st[CB_ST_IDENTIFIED],
						    tx->v[rx->content_id].st[CB_ST_CAPTURED]);
	}
	rc = seen_video(mr, tx, r);
	mr->frames = *tx;
	memset(tx, 0, sizeof(*tx));
	return rc;
}

static int merge_audio(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r,
		       const struct cb_session *ss)
{
	struct cb_frame_log *tx = &s->audio.log.frames;
	const uint64_t fs = (uint64_t)ss->audio_frame_samples;
	const uint64_t total = tx->n * fs;
	const uint64_t period = cb_amark_period(&ss->marks);
	const uint64_t mlen = cb_amark_len(&ss->marks);
	int rc;

	for (size_t i = 0; i < r->audio.frames.n; i++) {
		const struct cb_frame_rec *rx = &r->audio.frames.v[i];
		struct cb_frame_rec *row = tx_by_ts(tx, s->audio.ts_base, rx->rtp_ts, fs, 1);

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
	for (uint64_t k = 0;
	     k * period + mlen + (uint64_t)ss->opus_lookahead + (uint64_t)ss->apm_delay <= total;
	     k++)
		mr->marks_sent++;
	for (size_t i = 0; i < r->n_hits; i++) {
		const struct cb_rx_hit *h = &r->hits[i];
		uint64_t f = h->hit.src_sample / fs;
		const struct cb_frame_rec *out_rx = &r->audio.frames.v[h->rx_index];
		struct cb_frame_rec *row, *out_row;
		cb_ns t_cap;
		int64_t expect, got;

		if (f >= tx->n)
			continue;
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
		/* What is not the pipeline of the frame that carried the sample
		 * out is framing and look-ahead (the codec's algorithmic delay). */
		out_row = tx_by_ts(tx, s->audio.ts_base, out_rx->rtp_ts, fs, 1);
		if (out_row)
			row->algo_ms = row->e2e_ms - cb_ns_diff_ms(out_rx->st[CB_ST_DEC_END],
								   out_row->st[CB_ST_CAPTURED]);
		/* Cross-check with RTP: the found position, in RTP time, must be
		 * the mark's source position plus the encoder's look-ahead and
		 * the audio processing's delay. */
		got = (int64_t)(uint32_t)(out_rx->rtp_ts - s->audio.ts_base) +
		      cb_timeline_slot_sample(&r->playout, h->hit.out_sample);
		expect = (int64_t)h->hit.src_sample + ss->opus_lookahead + ss->apm_delay;
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
 * packets consecutively, so sent packet i carries sequence number seq0 + i;
 * the receiver's sequence numbers are unwrapped against the last one seen,
 * which pairs them with the right send over any number of wraps. */
static int merge_packets(struct cb_run_result *res, struct cb_track_log *tx,
			 struct cb_track_log *rx, struct cb_media_result *mr)
{
	size_t base = res->packets.n;
	int64_t ext = 0;
	uint16_t seq0;

	for (size_t i = 0; i < tx->packets.n; i++) {
		struct cb_packet_rec *p = cb_packet_log_add(&res->packets);
		if (!p)
			return -ENOMEM;
		*p = tx->packets.v[i];
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
	if (tx->packets.n == 0)
		return 0;
	seq0 = tx->packets.v[0].seq;
	for (size_t i = 0; i < rx->packets.n; i++) {
		const struct cb_packet_rec *q = &rx->packets.v[i];
		struct cb_packet_rec *p;

		ext += i == 0 ? cb_seq_diff(q->seq, seq0)
			      : cb_seq_diff(q->seq, (uint16_t)(seq0 + ext));
		p = ext >= 0 && (size_t)ext < tx->packets.n ? &res->packets.v[base + (size_t)ext]
							    : NULL;
		/* The network's second copy of a packet is refused by SRTP's
		 * replay check, as it should be; that is not an attack. */
		if (q->fate == CB_PKT_REPLAY && p && p->duplicated && p->received != CB_NS_NONE)
			continue;
		if (q->fate == CB_PKT_AUTH_FAIL)
			mr->rejected_auth++;
		else if (q->fate == CB_PKT_REPLAY)
			mr->rejected_replay++;
		else if (q->fate == CB_PKT_MALFORMED)
			mr->rejected_malformed++;
		if (!p)
			continue;
		if (p->received != CB_NS_NONE &&
		    (p->fate == CB_PKT_DELIVERED || p->fate == CB_PKT_RECOVERED))
			continue; /* a second copy of a packet already delivered */
		p->received = q->received;
		p->fate = q->fate;
		if (q->fate == CB_PKT_DELIVERED || q->fate == CB_PKT_LATE ||
		    q->fate == CB_PKT_RECOVERED)
			mr->packets_received++;
	}
	for (size_t i = base; i < res->packets.n; i++)
		if (res->packets.v[i].received == CB_NS_NONE)
			mr->packets_lost++;
	mr->packets_rejected = mr->rejected_auth + mr->rejected_replay + mr->rejected_malformed;
	return 0;
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
	for (size_t i = 0; pk && i < pk->n; i++)
		if (pk->v[i].media == media && pk->v[i].received == CB_NS_NONE)
			v[(*n)++] = pk->v[i].rtp_ts;
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
static size_t audio_pieces(const struct cb_media_result *mr, const struct cb_receiver *r,
			   const struct cb_sender *s, size_t i, struct cb_align_piece *p)
{
	const struct cb_frame_rec *rx = &r->audio.frames.v[i];
	const struct cb_play_seg *g = &mr->playout.v[i];
	const struct cb_session *ss = s->ss;
	enum cb_align_kind kind = rx->decoded	  ? CB_ALIGN_DECODED
				  : rx->fec	  ? CB_ALIGN_FEC
				  : rx->concealed ? CB_ALIGN_CONCEALED
						  : CB_ALIGN_INSERTED; /* added to grow the delay */
	int64_t src =
	    (int64_t)(uint32_t)(rx->rtp_ts - s->audio.ts_base) - ss->opus_lookahead - ss->apm_delay;

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

/* Decoded audio against the source it came from, stretch by stretch: each
 * played frame is put against the source samples its RTP time names, so
 * concealment, added and discarded frames move the alignment with them
 * instead of spoiling it for the rest of the call. */
static void audio_quality(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r)
{
	const size_t n = r->audio.frames.n;
	const uint64_t src_n = (uint64_t)mr->frames.n * (uint64_t)s->ss->audio_frame_samples;
	struct cb_align_piece *pieces = NULL;
	struct cb_audio_span *spans = NULL;
	struct cb_align_stats st;
	struct cb_audio_quality q;
	size_t n_spans = n, n_pieces = 0;
	int16_t *ref = NULL;
	int shift;

	mr->audio_seg_snr_db = mr->audio_snr_db = mr->audio_correlation = NAN;
	mr->audio_compared_samples = 0;
	mr->audio_stretches = 0;
	if (!n || !r->audio_pcm_n || !src_n)
		return;
	n_spans = 2 * n;
	pieces = malloc(2 * n * sizeof(*pieces));
	spans = malloc(2 * n * sizeof(*spans));
	ref = malloc((size_t)src_n * sizeof(*ref));
	if (!pieces || !spans || !ref)
		goto out_free;
	/* Slots after the last sent frame (the call draining) are left out:
	 * their concealment is not the call's. */
	for (size_t i = 0; i < n && i < mr->playout.n; i++) {
		if ((uint32_t)(r->audio.frames.v[i].rtp_ts - s->audio.ts_base) /
			(uint64_t)s->ss->audio_frame_samples >=
		    mr->frames.n)
			break;
		n_pieces += audio_pieces(mr, r, s, i, pieces + n_pieces);
	}
	if (cb_align_stretches(pieces, n_pieces, r->audio_pcm_n, src_n, spans, &n_spans, &st) < 0 ||
	    !n_spans)
		goto out_free;
	if (cb_sender_source_audio(s, 0, ref, (size_t)src_n) < 0 ||
	    cb_align_refine(ref, (size_t)src_n, r->audio_pcm, r->audio_pcm_n, spans, &n_spans,
			    CB_ALIGN_MAX_SHIFT, &shift, &st) < 0 ||
	    !n_spans)
		goto out_free;
	if (cb_audio_quality_spans(ref, (size_t)src_n, r->audio_pcm, r->audio_pcm_n, spans, n_spans,
				   48000, &q) < 0)
		goto out_free;
	mr->audio_seg_snr_db = q.seg_snr_db;
	mr->audio_snr_db = q.snr_db;
	mr->audio_correlation = q.correlation;
	mr->audio_compared_samples = st.compared;
	mr->audio_stretches = st.stretches;
out_free:
	free(ref);
	free(spans);
	free(pieces);
}

/* Loss recovery as both ends saw it, and the reception reports over time. */
static void merge_recovery(struct cb_run_result *res, struct cb_sender *s, struct cb_receiver *r)
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
static int summarize(struct cb_media_result *mr, const struct cb_call_cfg *cfg, double media_s,
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

static void make_run_id(const struct cb_call_cfg *cfg, char *id, size_t len, char *iso,
			size_t isolen)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(iso, isolen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (cfg->run_id[0]) {
		snprintf(id, len, "%s", cfg->run_id);
	} else {
		char d[32];
		strftime(d, sizeof(d), "%Y%m%d-%H%M%S", &tm);
		snprintf(id, len, "%s-%03ld-s%llu", d, ts.tv_nsec / 1000000,
			 (unsigned long long)cfg->seed);
	}
}

static void progress(const struct cb_call_hooks *hooks, const struct cb_call_cfg *cfg,
		     struct cb_receiver *rcv, cb_ns now, cb_ns t0)
{
	int64_t lv = atomic_load(&rcv->last_video_ns), la = atomic_load(&rcv->last_audio_ns);
	struct cb_call_progress p = {
	    .media_s = now > t0 ? (double)(now - t0) / 1e9 : 0,
	    .duration_s = cfg->duration_s,
	    .video_frames_identified = atomic_load(&rcv->video_identified),
	    .audio_marks_identified = atomic_load(&rcv->audio_identified),
	    .last_video_ms = lv == INT64_MIN ? NAN : (double)lv / 1e6,
	    .last_audio_ms = la == INT64_MIN ? NAN : (double)la / 1e6,
	};

	if (!hooks || !hooks->progress)
		return;
	if (p.media_s > cfg->duration_s)
		p.media_s = cfg->duration_s;
	hooks->progress(hooks->user, &p);
}

static int stop_requested(const struct cb_call_hooks *hooks)
{
	return hooks && hooks->stop && atomic_load(hooks->stop);
}

/* ---- real time: threads on the real clock ---- */

static int run_real(struct cb_session *ss, struct cb_sender *snd, struct cb_receiver *rcv,
		    struct cb_path *path, const struct cb_call_hooks *hooks)
{
	const struct cb_call_cfg *cfg = ss->cfg;
	cb_ns last_progress = 0, drain_start;
	int rc;

	rc = cb_receiver_start(rcv);
	if (rc == 0)
		rc = cb_sender_start(snd);
	if (rc == 0)
		rc = cb_feedback_sender_start(snd);
	if (rc < 0) {
		atomic_store(&snd->abort, 1);
		return rc;
	}
	/* Supervise: progress while the sender captures, then let what is in
	 * flight arrive (every copy the network will deliver, or a deadline). */
	while (!cb_sender_done(snd)) {
		cb_ns now = cb_clock_now(&ss->clock);
		if (rcv->err)
			atomic_store(&snd->abort, 1);
		if (now - last_progress >= 250 * CB_NS_PER_MS) {
			progress(hooks, cfg, rcv, now, ss->t0);
			last_progress = now;
		}
		cb_clock_sleep_until(&ss->clock, now + 20 * CB_NS_PER_MS);
	}
	cb_sender_join(snd);
	drain_start = cb_clock_now(&ss->clock);
	while ((atomic_load(&rcv->packets_seen) < atomic_load(&snd->packets_expected) ||
		cb_path_pending(path)) &&
	       cb_clock_now(&ss->clock) - drain_start < DRAIN_MAX_NS && !rcv->err)
		cb_clock_sleep_until(&ss->clock, cb_clock_now(&ss->clock) + 5 * CB_NS_PER_MS);
	/* The last video frame may still be in the assembler or decoder. */
	cb_clock_sleep_until(&ss->clock, cb_clock_now(&ss->clock) + 50 * CB_NS_PER_MS);
	cb_receiver_stop_join(rcv);
	cb_feedback_sender_stop(snd);
	return 0;
}

/* ---- simulated time: a discrete-event loop ---- */

/* EV_WAKE: an extra receiver poll at the exact time its jitter buffers
 * asked for (EV_POLL is the regular 2 ms one). */
enum sim_ev_type {
	EV_VIDEO,
	EV_AUDIO,
	EV_VSEND,
	EV_ASEND,
	EV_ARRIVAL,
	EV_POLL,
	EV_FEEDBACK,
	EV_SPOLL,
	EV_WAKE
};

struct sim_ev {
	cb_ns t;
	uint64_t order; /* ties run in the order they were scheduled: determinism */
	enum sim_ev_type type;
	uint32_t idx;
	uint8_t *pkt;
	size_t len;
};

struct sim {
	struct sim_ev *heap;
	size_t n, cap;
	uint64_t order;
	int err;
};

static int ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void sim_push(struct sim *q, struct sim_ev e)
{
	size_t i;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 1024;
		struct sim_ev *v = realloc(q->heap, cap * sizeof(*v));
		if (!v) {
			q->err = -ENOMEM;
			free(e.pkt);
			return;
		}
		q->heap = v;
		q->cap = cap;
	}
	e.order = q->order++;
	i = q->n++;
	while (i > 0 && ev_before(&e, &q->heap[(i - 1) / 2])) {
		q->heap[i] = q->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->heap[i] = e;
}

static struct sim_ev sim_pop(struct sim *q)
{
	struct sim_ev top = q->heap[0], last = q->heap[--q->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && ev_before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!ev_before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->n)
		q->heap[i] = last;
	return top;
}

/* The paths hand each packet that survives the network to the loop: the
 * forward one to the receiver, the reverse one (RTCP) to the sender. */
static void sim_deliver_to(struct sim *q, enum sim_ev_type type, const uint8_t *data, size_t len,
			   cb_ns t_arrive)
{
	struct sim_ev e = {.t = t_arrive, .type = type, .len = len};

	e.pkt = malloc(len ? len : 1);
	if (!e.pkt) {
		q->err = -ENOMEM;
		return;
	}
	memcpy(e.pkt, data, len);
	sim_push(q, e);
}

static void sim_deliver(void *user, const uint8_t *data, size_t len, cb_ns t_arrive)
{
	sim_deliver_to(user, EV_ARRIVAL, data, len, t_arrive);
}

static void sim_deliver_rev(void *user, const uint8_t *data, size_t len, cb_ns t_arrive)
{
	sim_deliver_to(user, EV_FEEDBACK, data, len, t_arrive);
}

#define SIM_POLL_NS  (2 * CB_NS_PER_MS)
#define SIM_SPOLL_NS (10 * CB_NS_PER_MS)

/* Schedule a receiver poll at the jitter buffers' next wake-up unless one
 * is already scheduled for that instant.  A wake-up that moved later leaves
 * its old event behind: one harmless extra poll.  Everything here follows
 * from the event order, so a run stays deterministic. */
static void sim_arm_wake(struct sim *q, struct cb_receiver *rcv, cb_ns now, cb_ns *armed)
{
	cb_ns w = cb_receiver_next_wakeup(rcv);

	if (w == CB_NS_NONE || w <= now || w == *armed)
		return;
	sim_push(q, (struct sim_ev){.t = w, .type = EV_WAKE});
	*armed = w;
}

static int run_sim(struct cb_session *ss, struct cb_sender *snd, struct cb_receiver *rcv,
		   struct sim *q, struct cb_sim_clock *vs, struct cb_sim_clock *as,
		   struct cb_sim_clock *rs, struct cb_sim_clock *fs,
		   const struct cb_call_hooks *hooks)
{
	const struct cb_call_cfg *cfg = ss->cfg;
	const uint32_t nv = cb_sender_video_frames(snd), na = cb_sender_audio_frames(snd);
	const cb_ns end = ss->t0 + (cb_ns)(cfg->duration_s * CB_NS_PER_S) + DRAIN_MAX_NS;
	cb_ns next_progress = ss->t0, armed = CB_NS_NONE;
	uint8_t buf[CB_NET_MAX_PKT];
	int rc;

	rc = cb_sender_prepare(snd);
	if (rc < 0)
		return rc;
	if (nv)
		sim_push(q, (struct sim_ev){.t = cb_sender_video_due(snd, 0), .type = EV_VIDEO});
	if (na)
		sim_push(q, (struct sim_ev){.t = cb_sender_audio_due(snd, 0), .type = EV_AUDIO});
	sim_push(q, (struct sim_ev){.t = ss->t0, .type = EV_POLL});
	sim_push(q, (struct sim_ev){.t = ss->t0, .type = EV_SPOLL});
	while (q->n && !q->err && !snd->err && !rcv->err) {
		struct sim_ev e = sim_pop(q);

		if (e.t > end || stop_requested(hooks)) {
			free(e.pkt);
			break;
		}
		switch (e.type) {
		case EV_VIDEO:
		case EV_AUDIO: {
			/* A track starts a frame at its instant, or when it is
			 * done with the previous one if that ran late; the frame
			 * leaves when encoding is done (a separate event, so the
			 * network takes both tracks' packets in time order). */
			enum cb_media m = e.type == EV_VIDEO ? CB_MEDIA_VIDEO : CB_MEDIA_AUDIO;
			struct cb_sim_clock *c = m == CB_MEDIA_VIDEO ? vs : as;

			if (c->t < e.t)
				c->t = e.t;
			if (cb_sender_encode(snd, m, e.idx) == 0)
				sim_push(q, (struct sim_ev){.t = c->t,
							    .type = m == CB_MEDIA_VIDEO ? EV_VSEND
											: EV_ASEND,
							    .idx = e.idx});
			break;
		}
		case EV_VSEND:
		case EV_ASEND: {
			enum cb_media m = e.type == EV_VSEND ? CB_MEDIA_VIDEO : CB_MEDIA_AUDIO;
			struct cb_sim_clock *c = m == CB_MEDIA_VIDEO ? vs : as;
			uint32_t next = e.idx + 1, total = m == CB_MEDIA_VIDEO ? nv : na;
			cb_ns due;

			if (c->t < e.t)
				c->t = e.t;
			if (cb_sender_send(snd, m) < 0 || next >= total)
				break;
			due = m == CB_MEDIA_VIDEO ? cb_sender_video_due(snd, next)
						  : cb_sender_audio_due(snd, next);
			sim_push(q,
				 (struct sim_ev){.t = due,
						 .type = m == CB_MEDIA_VIDEO ? EV_VIDEO : EV_AUDIO,
						 .idx = next});
			break;
		}
		case EV_ARRIVAL: {
			/* The packet is in the receiver's socket at e.t; the
			 * receiver takes it when it is free. */
			struct cb_net_pkt p = {
			    .data = buf, .len = e.len, .cap = sizeof(buf), .t_kernel = e.t};

			if (rs->t < e.t)
				rs->t = e.t;
			memcpy(buf, e.pkt, e.len < sizeof(buf) ? e.len : sizeof(buf));
			free(e.pkt);
			p.t_recv = rs->t;
			cb_receiver_handle(rcv, &p);
			atomic_fetch_add(&rcv->packets_seen, 1);
			rc = cb_receiver_poll(rcv);
			if (rc < 0)
				return rc;
			sim_arm_wake(q, rcv, rs->t, &armed);
			break;
		}
		case EV_FEEDBACK: {
			struct cb_net_pkt p = {
			    .data = buf, .len = e.len, .cap = sizeof(buf), .t_kernel = e.t};

			if (fs->t < e.t)
				fs->t = e.t;
			memcpy(buf, e.pkt, e.len < sizeof(buf) ? e.len : sizeof(buf));
			free(e.pkt);
			p.t_recv = fs->t;
			cb_feedback_sender_handle(snd, &p);
			break;
		}
		case EV_SPOLL:
			if (fs->t < e.t)
				fs->t = e.t;
			cb_feedback_sender_poll(snd);
			sim_push(q, (struct sim_ev){.t = e.t + SIM_SPOLL_NS, .type = EV_SPOLL});
			break;
		case EV_POLL:
			if (rs->t < e.t)
				rs->t = e.t;
			rc = cb_receiver_poll(rcv);
			if (rc < 0)
				return rc;
			sim_push(q, (struct sim_ev){.t = e.t + SIM_POLL_NS, .type = EV_POLL});
			sim_arm_wake(q, rcv, rs->t, &armed);
			break;
		case EV_WAKE:
			if (rs->t < e.t)
				rs->t = e.t;
			rc = cb_receiver_poll(rcv);
			if (rc < 0)
				return rc;
			sim_arm_wake(q, rcv, rs->t, &armed);
			break;
		}
		if (e.t >= next_progress) {
			progress(hooks, cfg, rcv, e.t, ss->t0);
			next_progress = e.t + CB_NS_PER_S;
		}
	}
	while (q->n)
		free(sim_pop(q).pkt);
	return q->err;
}

/* The forward path's counts as figures for the report. */
static void net_added(struct cb_net_added *out, struct cb_path *path, int sim)
{
	struct cb_path_stats st;
	double n;

	cb_path_get_stats(path, &st);
	n = (double)st.packets;
	out->packets = st.packets;
	out->added_delay_ms = st.packets ? (double)st.added_sum / n / 1e6 : NAN;
	out->late_ms = st.packets && !sim ? (double)st.late_sum / n / 1e6 : NAN;
	out->late_max_ms = st.packets && !sim ? (double)st.late_max / 1e6 : NAN;
}

int cb_call_run(const struct cb_call_cfg *cfg, const struct cb_call_hooks *hooks,
		struct cb_run_result *res)
{
	const struct cb_logger *log = hooks ? &hooks->log : NULL;
	struct cb_session ss;
	struct cb_transport ta = {0}, tb = {0};
	struct cb_transport_cfg tcfg;
	struct cb_path_cfg pcfg = {0};
	struct cb_path *path = NULL;
	struct cb_sender *snd;
	struct cb_receiver *rcv;
	struct cb_clock vclock, aclock, rclock;
	struct cb_sim_clock vs = {0}, as = {0}, rs = {0}, fs = {0};
	struct cb_clock fclock;
	struct cb_path_cfg rcfg = {0};
	struct cb_path *rpath = NULL;
	struct cb_impair_cfg rnet;
	struct sim q = {0};
	cb_ns wall0;
	int rc;
	char why[160] = "";

	memset(res, 0, sizeof(*res));
	if (!cfg)
		return -EINVAL;
	rc = cfg_check(cfg, why, sizeof(why));
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "%s", why);
		return rc;
	}
	res->cfg = *cfg;
	make_run_id(cfg, res->run_id, sizeof(res->run_id), res->started_utc,
		    sizeof(res->started_utc));
	res->video.media = CB_MEDIA_VIDEO;
	res->audio.media = CB_MEDIA_AUDIO;
	res->video.enabled = cfg->video;
	res->audio.enabled = cfg->audio;
	snprintf(res->video.codec, sizeof(res->video.codec), "%s", cfg->video_codec);
	snprintf(res->audio.codec, sizeof(res->audio.codec), "%s", cfg->audio_codec);
	res->video.target_kbps = cfg->video_kbps;
	res->audio.target_kbps = cfg->audio_kbps;
	res->video.verdict = res->audio.verdict = CB_BAND_NONE;
	{
		struct cb_version v[CB_MAX_VERSIONS];
		size_t nv = cb_versions(v, CB_MAX_VERSIONS);

		for (size_t i = 0; i < nv; i++)
			add_version(res, v[i].name, v[i].version);
	}

	memset(&ss, 0, sizeof(ss));
	ss.cfg = &res->cfg;
	ss.log = log;
	cb_clock_real_init(&ss.clock);
	ss.audio_frame_samples = 48000 / 1000 * cfg->audio_frame_ms;
	ss.marks = (struct cb_amark_cfg){
	    .sample_rate = 48000,
	    .period_ms = cfg->mark_period_ms,
	    .level_dbfs = -16.0,
	    .seed = (uint32_t)cfg->seed,
	};
	ss.key_len = cb_srtp_key_len(cfg->srtp);
	ss.max_payload = (size_t)cfg->mtu - 12 - cb_srtp_overhead(cfg->srtp);
	/* Fresh master key and salt for every run, as SDES or DTLS would. */
	rc = cb_random_bytes(ss.key, ss.key_len);
	if (rc == 0)
		rc = cb_random_bytes(ss.key_rev, ss.key_len);
	if (rc < 0)
		return rc;
	ss.rx_ssrc = (uint32_t)cb_mix64(cfg->seed ^ 0x52454356ULL);
	/* NTP time of cb_ns 0: measured for the real clock, a constant in a
	 * simulation so runs repeat. */
	ss.ntp_epoch = CB_NTP_UNIX_EPOCH_S * CB_NS_PER_S;
	if (!cfg->sim) {
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		ss.ntp_epoch += (cb_ns)rt.tv_sec * CB_NS_PER_S + rt.tv_nsec - cb_real_now();
	}

	if (cfg->sim) {
		/* Every timeline starts at the same virtual instant; the fixed
		 * model charges the same cost on every run. */
		struct cb_sim_clock *all[4] = {&vs, &as, &rs, &fs};
		for (int i = 0; i < 4; i++) {
			all[i]->t = CB_NS_PER_S;
			all[i]->fixed = cfg->codec_time_fixed;
			all[i]->cost[CB_WORK_VIDEO_ENCODE] =
			    (cb_ns)(cfg->codec_ms[0] * CB_NS_PER_MS);
			all[i]->cost[CB_WORK_VIDEO_DECODE] =
			    (cb_ns)(cfg->codec_ms[1] * CB_NS_PER_MS);
			all[i]->cost[CB_WORK_AUDIO_ENCODE] =
			    (cb_ns)(cfg->codec_ms[2] * CB_NS_PER_MS);
			all[i]->cost[CB_WORK_AUDIO_DECODE] =
			    (cb_ns)(cfg->codec_ms[3] * CB_NS_PER_MS);
		}
		cb_clock_sim_init(&vclock, &vs);
		cb_clock_sim_init(&aclock, &as);
		cb_clock_sim_init(&rclock, &rs);
		cb_clock_sim_init(&fclock, &fs);
		snprintf(res->clock, sizeof(res->clock), "sim");
	} else {
		vclock = aclock = rclock = fclock = ss.clock;
		snprintf(res->clock, sizeof(res->clock), "real");
	}

	snd = calloc(1, sizeof(*snd));
	rcv = calloc(1, sizeof(*rcv));
	if (!snd || !rcv) {
		rc = -ENOMEM;
		goto out_free;
	}
	pcfg.impair = &cfg->net;
	if (cfg->sim) {
		/* Virtual time has a virtual network: the path delivers
		 * straight into the event loop; no transport is opened. */
		pcfg.deliver = sim_deliver;
		pcfg.user = &q;
		snprintf(res->cfg.transport, sizeof(res->cfg.transport), "sim");
	} else {
		char twhy[400] = "";

		tcfg = (struct cb_transport_cfg){
		    .clock = &ss.clock, .log = log, .why = twhy, .why_len = sizeof(twhy)};
		rc = cb_transport_open_pair(cb_transport_find(cfg->transport), &tcfg, &ta, &tb);
		if (rc < 0) {
			snprintf(res->error, sizeof(res->error), "transport %s: %s", cfg->transport,
				 twhy[0] ? twhy : cb_strerror(rc));
			goto out_free;
		}
		pcfg.tp = &ta;
		pcfg.clock = &ss.clock;
	}
	rc = cb_path_open(&path, &pcfg);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "network emulator: %s", cb_strerror(rc));
		goto out_close;
	}
	/* The way back (RTCP) crosses the same kind of network, with its own
	 * draws from the emulator. */
	rnet = cfg->net;
	rnet.seed = cb_mix64(rnet.seed ^ 0x52455652ULL);
	rcfg = pcfg;
	rcfg.impair = &rnet;
	if (cfg->sim) {
		rcfg.deliver = sim_deliver_rev;
	} else {
		rcfg.tp = &tb;
	}
	rc = cb_path_open(&rpath, &rcfg);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "network emulator: %s", cb_strerror(rc));
		goto out_close;
	}
	rc = cb_sender_open(snd, &ss, path, hooks ? hooks->stop : NULL, &vclock, &aclock);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "sender set-up: %s", cb_strerror(rc));
		goto out_close;
	}
	rc = cb_feedback_sender_open(snd, cfg->sim ? NULL : &ta, &fclock);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "sender feedback set-up: %s",
			 cb_strerror(rc));
		goto out_close;
	}
	if (cfg->audio) {
		ss.opus_lookahead = cb_opus_lookahead(&snd->audio.enc);
		ss.apm_delay = cb_sender_apm_delay(snd);
	}
	rc = cb_receiver_open(rcv, &ss, cfg->sim ? NULL : &tb, &rclock);
	if (rc == 0)
		rc = cb_feedback_receiver_open(rcv, rpath);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "receiver set-up: %s", cb_strerror(rc));
		goto out_close;
	}
	if (!cfg->sim) {
		char a[96], b[96];
		ta.ops->describe(ta.priv, a, sizeof(a));
		tb.ops->describe(tb.priv, b, sizeof(b));
		cb_log(log, CB_LOG_INFO, "call", "sender %s; receiver %s", a, b);
	}

	wall0 = cb_real_now();
	ss.t0 = cfg->sim ? 2 * CB_NS_PER_S : wall0 + START_DELAY_NS;
	rc = cfg->sim ? run_sim(&ss, snd, rcv, &q, &vs, &as, &rs, &fs, hooks)
		      : run_real(&ss, snd, rcv, path, hooks);
	/* Finish the receiver's side work (quality) in both modes. */
	cb_receiver_stop_join(rcv);
	res->wall_s = (double)(cb_real_now() - wall0) / 1e9;
	net_added(&res->net_added, path, cfg->sim);
	if (rc < 0 && !snd->err && !rcv->err)
		snprintf(res->error, sizeof(res->error), "running the call: %s", cb_strerror(rc));

	if (snd->err || rcv->err || rc < 0) {
		res->status = CB_RUN_FAILED;
		if (snd->err || rcv->err)
			snprintf(res->error, sizeof(res->error), "%s",
				 snd->err ? snd->errmsg : rcv->errmsg);
		cb_log(log, CB_LOG_ERROR, "call", "call failed part-way: %s", res->error);
	} else if (stop_requested(hooks)) {
		res->status = CB_RUN_INTERRUPTED;
	} else {
		res->status = CB_RUN_COMPLETE;
	}
	rc = 0;
	if (cfg->video)
		res->media_s = (double)snd->video.log.frames.n / cfg->fps;
	if (cfg->audio) {
		double a = (double)snd->audio.log.frames.n * cfg->audio_frame_ms / 1000.0;
		if (a > res->media_s)
			res->media_s = a;
	}
	if (cfg->video) {
		rc = merge_video(&res->video, snd, rcv, &ss);
		if (rc == 0)
			rc = merge_packets(res, &snd->video.log, &rcv->video, &res->video);
		if (rc == 0)
			rc = summarize(&res->video, cfg, (double)res->video.frames.n / cfg->fps,
				       &res->packets);
	}
	if (cfg->audio && rc == 0) {
		rc = merge_audio(&res->audio, snd, rcv, &ss);
		if (rc == 0)
			rc = merge_packets(res, &snd->audio.log, &rcv->audio, &res->audio);
		if (rc == 0)
			rc = summarize(&res->audio, cfg,
				       (double)res->audio.frames.n * cfg->audio_frame_ms / 1000.0,
				       &res->packets);
		if (rc == 0)
			audio_quality(&res->audio, snd, rcv);
		cb_sender_apm_effect(snd, &res->audio.apm);
	}
	if (rc == 0) {
		merge_recovery(res, snd, rcv);
	}
	if (rc < 0 && res->status == CB_RUN_COMPLETE) {
		res->status = CB_RUN_FAILED;
		snprintf(res->error, sizeof(res->error), "merging results: %s", cb_strerror(rc));
	}
	rc = 0;

out_close:
	cb_feedback_sender_stop(snd);
	cb_sender_close(snd);
	cb_receiver_close(rcv);
	cb_path_close(rpath);
	cb_path_close(path);
	cb_transport_close(&ta);
	cb_transport_close(&tb);
	while (q.n)
		free(sim_pop(&q).pkt);
	free(q.heap);
out_free:
	free(snd);
	free(rcv);
	return rc;
}
