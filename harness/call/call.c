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
#include "call/endpoint.h"
#include "codec/opus_util.h"
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
	if (!cb_transport_find(c->transport))
		return snprintf(why, len, "unknown transport '%s'", c->transport), CB_E_NOTFOUND;
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
	for (int s = CB_ST_FIRST_RECV; s < CB_ST_COUNT; s++)
		dst->st[s] = rx->st[s];
	dst->received = rx->received;
	dst->decoded = rx->decoded;
}

/* Move the sender's frame log into the result and put the receiver's
 * stamps and content readings on it. */
static void merge_video(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r,
			const struct cb_session *ss)
{
	struct cb_frame_log *tx = &s->video.log.frames;
	const uint64_t step_num = 90000, step_den = (uint64_t)ss->cfg->fps;

	for (size_t i = 0; i < r->video.frames.n; i++) {
		const struct cb_frame_rec *rx = &r->video.frames.v[i];
		struct cb_frame_rec *row =
		    tx_by_ts(tx, s->video.ts_base, rx->rtp_ts, step_num, step_den);

		if (!row)
			continue;
		copy_rx_stamps(row, rx);
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
	mr->frames = *tx;
	memset(tx, 0, sizeof(*tx));
}

static void merge_audio(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r,
			const struct cb_session *ss)
{
	struct cb_frame_log *tx = &s->audio.log.frames;
	const uint64_t fs = (uint64_t)ss->audio_frame_samples;
	const uint64_t total = tx->n * fs;
	const uint64_t period = cb_amark_period(&ss->marks);
	const uint64_t mlen = cb_amark_len(&ss->marks);

	for (size_t i = 0; i < r->audio.frames.n; i++) {
		const struct cb_frame_rec *rx = &r->audio.frames.v[i];
		struct cb_frame_rec *row = tx_by_ts(tx, s->audio.ts_base, rx->rtp_ts, fs, 1);

		if (row && rx->received)
			copy_rx_stamps(row, rx);
	}
	/* Marks that were wholly captured and pushed through the encoder's
	 * look-ahead before capture stopped are the ones that could come out. */
	mr->marks_sent = 0;
	for (uint64_t k = 0; k * period + mlen + (uint64_t)ss->opus_lookahead <= total; k++)
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
		 * the mark's source position plus the encoder's look-ahead. */
		got = (int64_t)(uint32_t)(out_rx->rtp_ts - s->audio.ts_base) +
		      (int64_t)(h->hit.out_sample - r->audio_stream_pos[h->rx_index]);
		expect = (int64_t)h->hit.src_sample + ss->opus_lookahead;
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
	mr->frames = *tx;
	memset(tx, 0, sizeof(*tx));
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
		p->fate = CB_PKT_LOST;
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
		if (q->fate == CB_PKT_AUTH_FAIL)
			mr->rejected_auth++;
		else if (q->fate == CB_PKT_REPLAY)
			mr->rejected_replay++;
		else if (q->fate == CB_PKT_MALFORMED)
			mr->rejected_malformed++;
		if (ext < 0 || (size_t)ext >= tx->packets.n)
			continue;
		p = &res->packets.v[base + (size_t)ext];
		if (p->received != CB_NS_NONE && p->fate == CB_PKT_DELIVERED)
			continue; /* a duplicate of a packet already delivered */
		p->received = q->received;
		p->fate = q->fate;
		if (q->fate == CB_PKT_DELIVERED || q->fate == CB_PKT_LATE)
			mr->packets_received++;
	}
	for (size_t i = base; i < res->packets.n; i++)
		if (res->packets.v[i].received == CB_NS_NONE)
			mr->packets_lost++;
	mr->packets_rejected = mr->rejected_auth + mr->rejected_replay + mr->rejected_malformed;
	return 0;
}

/* Counts, distributions and verdict of one media from its merged rows
 * (packet counts were made by merge_packets, which also sees rejected
 * packets that match no send). */
static int summarize(struct cb_media_result *mr, const struct cb_call_cfg *cfg, double media_s)
{
	int rc = cb_media_result_compute(mr, NULL, cfg->verdict_pct);

	if (rc < 0)
		return rc;
	if (mr->media == CB_MEDIA_AUDIO)
		mr->marks_identified = mr->identified;
	else
		mr->algo_ms = NAN;
	mr->achieved_kbps = media_s > 0 ? (double)mr->payload_bytes * 8 / media_s / 1000 : NAN;
	return 0;
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

int cb_call_run(const struct cb_call_cfg *cfg, const struct cb_call_hooks *hooks,
		struct cb_run_result *res)
{
	const struct cb_logger *log = hooks ? &hooks->log : NULL;
	struct cb_session ss;
	struct cb_transport ta = {0}, tb = {0};
	struct cb_transport_cfg tcfg;
	struct cb_sender *snd;
	struct cb_receiver *rcv;
	cb_ns wall0, last_progress = 0, drain_start;
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
	add_version(res, "libvpx", cb_codec_vp8.version());
	add_version(res, "libopus", cb_codec_opus.version());
	add_version(res, "libsrtp2", cb_srtp_version());
	add_version(res, "jansson", JANSSON_VERSION);

	memset(&ss, 0, sizeof(ss));
	ss.cfg = &res->cfg;
	ss.log = log;
	cb_clock_real_init(&ss.clock);
	snprintf(res->clock, sizeof(res->clock), "%s", ss.clock.ops->name);
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
	if (rc < 0)
		return rc;

	snd = calloc(1, sizeof(*snd));
	rcv = calloc(1, sizeof(*rcv));
	if (!snd || !rcv) {
		rc = -ENOMEM;
		goto out_free;
	}
	tcfg = (struct cb_transport_cfg){.clock = &ss.clock};
	rc = cb_transport_open_pair(cb_transport_find(cfg->transport), &tcfg, &ta, &tb);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "transport %s: %s", cfg->transport,
			 cb_strerror(rc));
		goto out_free;
	}
	rc = cb_sender_open(snd, &ss, &ta, hooks ? hooks->stop : NULL);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "sender set-up: %s", cb_strerror(rc));
		goto out_close;
	}
	if (cfg->audio)
		ss.opus_lookahead = cb_opus_lookahead(&snd->audio.enc);
	rc = cb_receiver_open(rcv, &ss, &tb);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "receiver set-up: %s", cb_strerror(rc));
		goto out_close;
	}
	{
		char a[96], b[96];
		ta.ops->describe(ta.priv, a, sizeof(a));
		tb.ops->describe(tb.priv, b, sizeof(b));
		cb_log(log, CB_LOG_INFO, "call", "sender %s; receiver %s", a, b);
	}

	wall0 = cb_clock_now(&ss.clock);
	ss.t0 = wall0 + START_DELAY_NS;
	rc = cb_receiver_start(rcv);
	if (rc == 0)
		rc = cb_sender_start(snd);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "thread start: %s", cb_strerror(rc));
		atomic_store(&snd->abort, 1);
		goto out_close;
	}

	/* Supervise: progress while the sender captures, then let what is in
	 * flight arrive (until every sent packet was seen, or a deadline). */
	while (!cb_sender_done(snd)) {
		cb_ns now = cb_clock_now(&ss.clock);
		if (rcv->err)
			atomic_store(&snd->abort, 1);
		if (hooks && hooks->progress && now - last_progress >= 250 * CB_NS_PER_MS) {
			int64_t lv = atomic_load(&rcv->last_video_ns),
				la = atomic_load(&rcv->last_audio_ns);
			struct cb_call_progress p = {
			    .media_s = now > ss.t0 ? (double)(now - ss.t0) / 1e9 : 0,
			    .duration_s = cfg->duration_s,
			    .video_frames_identified = atomic_load(&rcv->video_identified),
			    .audio_marks_identified = atomic_load(&rcv->audio_identified),
			    .last_video_ms = lv == INT64_MIN ? NAN : (double)lv / 1e6,
			    .last_audio_ms = la == INT64_MIN ? NAN : (double)la / 1e6,
			};
			if (p.media_s > cfg->duration_s)
				p.media_s = cfg->duration_s;
			hooks->progress(hooks->user, &p);
			last_progress = now;
		}
		cb_clock_sleep_until(&ss.clock, now + 20 * CB_NS_PER_MS);
	}
	cb_sender_join(snd);
	drain_start = cb_clock_now(&ss.clock);
	while (atomic_load(&rcv->packets_seen) < atomic_load(&snd->packets_sent) &&
	       cb_clock_now(&ss.clock) - drain_start < DRAIN_MAX_NS && !rcv->err)
		cb_clock_sleep_until(&ss.clock, cb_clock_now(&ss.clock) + 5 * CB_NS_PER_MS);
	/* The last video frame may still be in the assembler or decoder. */
	cb_clock_sleep_until(&ss.clock, cb_clock_now(&ss.clock) + 50 * CB_NS_PER_MS);
	cb_receiver_stop_join(rcv);
	res->wall_s = (double)(cb_clock_now(&ss.clock) - wall0) / 1e9;

	if (snd->err || rcv->err) {
		res->status = CB_RUN_FAILED;
		snprintf(res->error, sizeof(res->error), "%s",
			 snd->err ? snd->errmsg : rcv->errmsg);
		cb_log(log, CB_LOG_ERROR, "call", "call failed part-way: %s", res->error);
	} else if (hooks && hooks->stop && atomic_load(hooks->stop)) {
		res->status = CB_RUN_INTERRUPTED;
	} else {
		res->status = CB_RUN_COMPLETE;
	}
	if (cfg->video)
		res->media_s = (double)snd->video.log.frames.n / cfg->fps;
	if (cfg->audio) {
		double a = (double)snd->audio.log.frames.n * cfg->audio_frame_ms / 1000.0;
		if (a > res->media_s)
			res->media_s = a;
	}
	if (cfg->video) {
		merge_video(&res->video, snd, rcv, &ss);
		rc = merge_packets(res, &snd->video.log, &rcv->video, &res->video);
		if (rc == 0)
			rc = summarize(&res->video, cfg, (double)res->video.frames.n / cfg->fps);
	}
	if (cfg->audio && rc == 0) {
		merge_audio(&res->audio, snd, rcv, &ss);
		rc = merge_packets(res, &snd->audio.log, &rcv->audio, &res->audio);
		if (rc == 0)
			rc = summarize(&res->audio, cfg,
				       (double)res->audio.frames.n * cfg->audio_frame_ms / 1000.0);
	}
	if (rc < 0 && res->status == CB_RUN_COMPLETE) {
		res->status = CB_RUN_FAILED;
		snprintf(res->error, sizeof(res->error), "merging results: %s", cb_strerror(rc));
	}
	rc = 0;

out_close:
	cb_sender_close(snd);
	cb_receiver_close(rcv);
	cb_transport_close(&ta);
	cb_transport_close(&tb);
out_free:
	free(snd);
	free(rcv);
	return rc;
}
