/*
 * receiver.c — the receiving end: one thread that takes packets off the
 * transport, unprotects them (counting and dropping anything SRTP rejects),
 * puts video back together into frames, decodes both media and reads the
 * content: the frame number drawn into each picture and the marks in the
 * audio waveform.
 *
 * Audio is decoded as it arrives: the decoded waveform is one continuous
 * stream, with loss concealment filling any gap in sequence numbers so that
 * stream positions stay aligned with capture positions.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/endpoint.h"
#include "media/vmark.h"
#include "rtp/rtp.h"
#include "rx/assembler.h"
#include "rx/qworker.h"
#include "srtp/srtp.h"

#define RX_BATCH    32
#define MAX_CONCEAL 50 /* frames of audio concealed for one gap, at most */

struct rx_state {
	struct cb_codec vdec, adec;
	struct cb_assembler *asmb;
	struct cb_amark_detector *det;
	int16_t *pcm;
	size_t pcm_room;
	int have_audio_seq;
	uint16_t audio_next_seq;
	uint32_t audio_next_ts;
	uint64_t stream_pos; /* decoded audio samples so far */
	struct cb_qworker *qw; /* PSNR/SSIM of identified pictures, off the receive path */
	uint8_t rtx_buf[CB_NET_MAX_PKT];
	uint8_t bufs[RX_BATCH][CB_NET_MAX_PKT];
};

static void rx_fail(struct cb_receiver *r, int err, const char *what)
{
	if (!r->err) {
		r->err = err;
		snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s", what, cb_strerror(err));
	}
}

static void log_packet(struct cb_receiver *r, enum cb_media m, uint16_t seq, uint32_t ts,
		       size_t size, int marker, enum cb_pkt_fate fate, cb_ns t)
{
	struct cb_packet_log *pl = m == CB_MEDIA_VIDEO ? &r->video.packets : &r->audio.packets;
	struct cb_packet_rec *p = cb_packet_log_add(pl);

	if (!p) {
		rx_fail(r, -ENOMEM, "packet log");
		return;
	}
	p->media = m;
	p->seq = seq;
	p->rtp_ts = ts;
	p->size = (uint16_t)size;
	p->marker = (uint8_t)marker;
	p->fate = (uint8_t)fate;
	p->sent = CB_NS_NONE;
	p->received = t;
}

/* Find the audio record whose decoded samples hold stream sample `pos`. */
static size_t audio_record_at(const struct cb_receiver *r, uint64_t pos)
{
	size_t lo = 0, hi = r->audio.frames.n;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (r->audio_stream_pos[mid] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Decode one audio frame (data NULL = conceal) and read marks in it. */
static int audio_decode(struct cb_receiver *r, const uint8_t *data, size_t len, uint32_t ts,
			const struct cb_rtp_hdr *h, cb_ns t_arrived, cb_ns t_recv, cb_ns t_unprot,
			const uint8_t *fec_src, size_t fec_len)
{
	struct rx_state *st = r->st;
	const struct cb_session *ss = r->ss;
	struct cb_frame_rec *rec;
	struct cb_amark_hit hits[8];
	size_t nsamp = st->pcm_room, nh = 8;
	cb_ns work;
	int rc;

	rec = cb_frame_log_add(&r->audio.frames, CB_MEDIA_AUDIO, (uint32_t)r->audio.frames.n);
	if (!rec)
		return -ENOMEM;
	if (r->audio.frames.n > r->audio_stream_cap) {
		size_t cap = r->audio_stream_cap ? r->audio_stream_cap * 2 : 1024;
		uint64_t *p = realloc(r->audio_stream_pos, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		r->audio_stream_pos = p;
		r->audio_stream_cap = cap;
	}
	r->audio_stream_pos[r->audio.frames.n - 1] = st->stream_pos;
	rec->rtp_ts = ts;
	if (h) {
		rec->first_seq = h->seq;
		rec->npackets = 1;
		rec->bytes = (uint32_t)len;
		rec->received = 1;
		rec->st[CB_ST_ARRIVED] = t_arrived;
		rec->st[CB_ST_FIRST_RECV] = rec->st[CB_ST_LAST_RECV] = t_recv;
		rec->st[CB_ST_UNPROTECTED] = t_unprot;
		rec->st[CB_ST_JB_OUT] = cb_clock_now(r->clock);
	}
	rec->st[CB_ST_DEC_START] = cb_clock_now(r->clock);
	work = cb_clock_work_begin(r->clock);
	if (!data && fec_src && st->adec.ops->decode_fec) {
		/* The frame is missing but the next packet carries it as
		 * in-band FEC: rebuild it rather than conceal it. */
		rc = st->adec.ops->decode_fec(st->adec.priv, fec_src, fec_len, st->pcm, &nsamp);
		rec->fec = rc == 0;
	} else {
		rc = st->adec.ops->decode(st->adec.priv, data, len, st->pcm, &nsamp);
	}
	cb_clock_work_end(r->clock, CB_WORK_AUDIO_DECODE, work);
	rec->st[CB_ST_DEC_END] = cb_clock_now(r->clock);
	if (rc < 0) {
		/* A frame the decoder refuses is concealed instead, so the
		 * stream stays aligned. */
		r->decode_errors[CB_MEDIA_AUDIO]++;
		nsamp = st->pcm_room;
		rc = st->adec.ops->decode(st->adec.priv, NULL, 0, st->pcm, &nsamp);
		if (rc < 0)
			return rc;
	} else if (data) {
		rec->decoded = 1;
	}
	rec->concealed = !rec->decoded && !rec->fec;
	/* Keep the decoded waveform (up to a bound) for the objective audio
	 * quality figure computed after the call. */
	if (r->audio_pcm_n + nsamp <= CB_RX_AUDIO_KEEP) {
		if (r->audio_pcm_n + nsamp > r->audio_pcm_cap) {
			size_t cap = r->audio_pcm_cap ? r->audio_pcm_cap * 2 : 48000 * 16;
			int16_t *p = realloc(r->audio_pcm, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			r->audio_pcm = p;
			r->audio_pcm_cap = cap;
		}
		memcpy(r->audio_pcm + r->audio_pcm_n, st->pcm, nsamp * sizeof(int16_t));
		r->audio_pcm_n += nsamp;
	}
	rc = cb_amark_detector_feed(st->det, st->pcm, nsamp, hits, &nh);
	if (rc < 0)
		return rc;
	st->stream_pos += nsamp;
	rec->st[CB_ST_IDENTIFIED] = cb_clock_now(r->clock);
	for (size_t i = 0; i < nh; i++) {
		struct cb_rx_hit *x;
		size_t j;
		cb_ns t_cap;

		if (r->n_hits == r->hits_cap) {
			size_t cap = r->hits_cap ? r->hits_cap * 2 : 256;
			struct cb_rx_hit *p = realloc(r->hits, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			r->hits = p;
			r->hits_cap = cap;
		}
		x = &r->hits[r->n_hits++];
		j = audio_record_at(r, hits[i].out_sample);
		x->hit = hits[i];
		x->rx_index = j;
		/* A decoded frame's samples leave the decoder at its sample
		 * rate, as a sound card would take them: sample q of the frame
		 * is available q / 48000 s after the frame was decoded.  Every
		 * sample then has the same latency, framing plus look-ahead plus
		 * the pipeline, wherever it sat in its frame. */
		x->t_avail =
		    r->audio.frames.v[j].st[CB_ST_DEC_END] +
		    (cb_ns)((hits[i].out_sample - r->audio_stream_pos[j]) * CB_NS_PER_S / 48000);
		x->t_identified = rec->st[CB_ST_IDENTIFIED];
		/* Live figure: the capture instant of a sample is known from
		 * the agreed start and the sample rate. */
		t_cap = ss->t0 + (cb_ns)(hits[i].src_sample * CB_NS_PER_S / 48000);
		atomic_store(&r->last_audio_ns, x->t_avail - t_cap);
		atomic_fetch_add(&r->audio_identified, 1);
	}
	return 0;
}

static int audio_packet(struct cb_receiver *r, const struct cb_rtp_hdr *h, cb_ns t_arrived,
			cb_ns t_recv, cb_ns t_unprot, enum cb_pkt_fate *fate)
{
	struct rx_state *st = r->st;
	const uint32_t fs = (uint32_t)r->ss->audio_frame_samples;
	int d, rc;

	if (h->payload_len == 0) {
		*fate = CB_PKT_MALFORMED;
		return 0;
	}
	if (!st->have_audio_seq) {
		st->have_audio_seq = 1;
		st->audio_next_seq = h->seq;
		st->audio_next_ts = h->ts;
	}
	d = cb_seq_diff(h->seq, st->audio_next_seq);
	if (d < 0) {
		*fate = CB_PKT_LATE;
		return 0;
	}
	/* Packets missing before this one: conceal them (bounded), so the
	 * decoded stream keeps the capture timeline. */
	for (int i = 0; i < d && i < MAX_CONCEAL; i++) {
		int last = i + 1 == d;

		rc = audio_decode(r, NULL, 0, st->audio_next_ts + (uint32_t)i * fs, NULL, 0, 0, 0,
				  last && r->ss->cfg->opus_fec ? h->payload : NULL,
				  last ? h->payload_len : 0);
		if (rc < 0)
			return rc;
	}
	rc = audio_decode(r, h->payload, h->payload_len, h->ts, h, t_arrived, t_recv, t_unprot, NULL,
			  0);
	st->audio_next_seq = (uint16_t)(h->seq + 1);
	st->audio_next_ts = h->ts + fs;
	return rc;
}

void cb_receiver_gave_up(struct cb_receiver *r, uint16_t seq)
{
	if (r->st && r->st->asmb)
		cb_assembler_give_up_before(r->st->asmb, (uint16_t)(seq + 1));
}

int cb_receiver_poll(struct cb_receiver *r)
{
	struct rx_state *st = r->st;
	const struct cb_session *ss = r->ss;
	struct cb_asm_frame f;
	int rc;

	if (!st->asmb)
		return cb_feedback_receiver_poll(r); /* no video track */

	while ((rc = cb_assembler_pop(st->asmb, cb_clock_now(r->clock), &f)) == 1) {
		struct cb_frame_rec *rec;
		struct cb_image img;
		uint32_t num;
		cb_ns work;

		rec =
		    cb_frame_log_add(&r->video.frames, CB_MEDIA_VIDEO, (uint32_t)r->video.frames.n);
		if (!rec)
			return -ENOMEM;
		rec->rtp_ts = f.ts;
		rec->first_seq = f.first_seq;
		rec->npackets = f.npackets;
		rec->bytes = (uint32_t)f.len;
		rec->keyframe = (uint8_t)f.keyframe;
		rec->received = 1;
		rec->st[CB_ST_ARRIVED] = f.arrived;
		rec->st[CB_ST_FIRST_RECV] = f.first_recv;
		rec->st[CB_ST_LAST_RECV] = f.last_recv;
		rec->st[CB_ST_UNPROTECTED] = f.unprotected;
		/* Frames were given up before this one: the decoder has lost
		 * its reference.  Never feed it a frame it cannot decode; only
		 * a key frame (asked for with a PLI) makes it whole again. */
		if (f.frames_skipped || (!r->had_keyframe && !f.keyframe))
			cb_feedback_receiver_broken(r, 1, cb_clock_now(r->clock));
		if (f.keyframe)
			r->had_keyframe = 1;
		if (r->broken && !f.keyframe)
			continue;
		if (r->broken)
			cb_feedback_receiver_broken(r, 0, cb_clock_now(r->clock));
		rec->st[CB_ST_JB_OUT] = cb_clock_now(r->clock);
		rec->st[CB_ST_DEC_START] = rec->st[CB_ST_JB_OUT];
		work = cb_clock_work_begin(r->clock);
		rc = st->vdec.ops->decode(st->vdec.priv, f.data, f.len, &img, NULL);
		cb_clock_work_end(r->clock, CB_WORK_VIDEO_DECODE, work);
		rec->st[CB_ST_DEC_END] = cb_clock_now(r->clock);
		if (rc < 0) {
			r->decode_errors[CB_MEDIA_VIDEO]++;
			cb_feedback_receiver_broken(r, 1, rec->st[CB_ST_DEC_END]);
			continue;
		}
		if (rc == 0)
			continue;
		rec->decoded = 1;
		if (cb_vmark_read(&img, &num, NULL) == 0) {
			cb_ns t_cap = ss->t0 + (cb_ns)num * CB_NS_PER_S / ss->cfg->fps;
			rec->content_id = num;
			rec->identified = 1;
			rec->st[CB_ST_IDENTIFIED] = cb_clock_now(r->clock);
			atomic_store(&r->last_video_ns, rec->st[CB_ST_IDENTIFIED] - t_cap);
			atomic_fetch_add(&r->video_identified, 1);
			if (st->qw) {
				rc = cb_qworker_submit(st->qw, r->video.frames.n - 1, num, &img);
				if (rc < 0)
					return rc;
			}
		}
	}
	if (rc < 0)
		return rc;
	return cb_feedback_receiver_poll(r);
}

void cb_receiver_handle(struct cb_receiver *r, struct cb_net_pkt *p)
{
	struct rx_state *st = r->st;
	const struct cb_session *ss = r->ss;
	struct cb_rtp_hdr h;
	enum cb_media m;
	enum cb_pkt_fate fate = CB_PKT_DELIVERED;
	size_t plain = 0, wire = p->len;
	uint16_t seq;
	uint32_t ts;
	cb_ns t_unprot;
	int rc, pt;

	if (p->len < CB_RTP_HDR_MIN || (p->data[0] >> 6) != 2) {
		r->rejected_malformed++;
		return;
	}
	if (cb_rtp_is_rtcp(p->data, p->len)) {
		cb_feedback_receiver_rtcp(r, p);
		return;
	}
	/* The RTP header travels in the clear: read which stream a packet
	 * claims to belong to before deciding whether to believe it. */
	pt = p->data[1] & 0x7f;
	seq = (uint16_t)(p->data[2] << 8 | p->data[3]);
	ts = (uint32_t)p->data[4] << 24 | (uint32_t)p->data[5] << 16 | (uint32_t)p->data[6] << 8 |
	     p->data[7];
	if ((pt == CB_PT_VIDEO || pt == CB_PT_RTX) && ss->cfg->video)
		m = CB_MEDIA_VIDEO;
	else if (pt == CB_PT_AUDIO && ss->cfg->audio)
		m = CB_MEDIA_AUDIO;
	else {
		r->rejected_malformed++;
		return;
	}
	rc = cb_srtp_unprotect(r->srtp, p->data, p->len, &plain);
	t_unprot = cb_clock_now(r->clock);
	if (rc == CB_E_AUTH) {
		r->rejected_auth++;
		log_packet(r, m, seq, ts, wire, 0, CB_PKT_AUTH_FAIL, p->t_recv);
		return;
	}
	if (rc == CB_E_REPLAY) {
		r->rejected_replay++;
		log_packet(r, m, seq, ts, wire, 0, CB_PKT_REPLAY, p->t_recv);
		return;
	}
	if (rc < 0 || cb_rtp_parse(p->data, plain, &h) < 0) {
		r->rejected_malformed++;
		log_packet(r, m, seq, ts, wire, 0, CB_PKT_MALFORMED, p->t_recv);
		return;
	}
	if (pt == CB_PT_RTX) {
		/* A retransmission (RFC 4588): restore the original packet and
		 * handle it as the video packet it was.  It is not a packet of
		 * its own in the packet log: the original's fate records it. */
		size_t olen = sizeof(st->rtx_buf);

		if (!r->have_ssrc[CB_MEDIA_VIDEO] ||
		    cb_rtx_unwrap(p->data, plain, r->media_ssrc[CB_MEDIA_VIDEO], CB_PT_VIDEO,
				  st->rtx_buf, &olen) < 0 ||
		    cb_rtp_parse(st->rtx_buf, olen, &h) < 0) {
			r->rejected_malformed++;
			return;
		}
		r->rtx_received++;
		cb_feedback_receiver_media(r, m, &h, p->t_recv, 1);
		rc = cb_assembler_insert(st->asmb, &h, p->t_kernel != CB_NS_NONE ? p->t_kernel : p->t_recv,
					 p->t_recv, t_unprot);
		if (rc == 0)
			log_packet(r, m, h.seq, h.ts, wire, h.marker, CB_PKT_RECOVERED, p->t_recv);
		return;
	}
	cb_feedback_receiver_media(r, m, &h, p->t_kernel != CB_NS_NONE ? p->t_kernel : p->t_recv, 0);
	if (m == CB_MEDIA_VIDEO) {
		rc = cb_assembler_insert(st->asmb, &h, p->t_kernel != CB_NS_NONE ? p->t_kernel : p->t_recv,
					 p->t_recv, t_unprot);
		if (rc == CB_E_LATE)
			fate = CB_PKT_LATE;
		else if (rc < 0) {
			fate = CB_PKT_MALFORMED;
			r->rejected_malformed++;
		}
	} else {
		rc = audio_packet(r, &h, p->t_kernel != CB_NS_NONE ? p->t_kernel : p->t_recv, p->t_recv,
				  t_unprot, &fate);
		if (rc < 0)
			rx_fail(r, rc, "audio receive");
		if (fate == CB_PKT_MALFORMED)
			r->rejected_malformed++;
	}
	log_packet(r, m, h.seq, h.ts, wire, h.marker, fate, p->t_recv);
}

static void *rx_thread(void *arg)
{
	struct cb_receiver *r = arg;
	struct rx_state *st = r->st;
	struct cb_net_pkt pk[RX_BATCH];

	while (!atomic_load(&r->stop) && !r->err) {
		int n, rc;

		for (int i = 0; i < RX_BATCH; i++)
			pk[i] = (struct cb_net_pkt){.data = st->bufs[i], .cap = CB_NET_MAX_PKT};
		n = cb_transport_recv(r->tp, pk, RX_BATCH, 2);
		if (n < 0) {
			rx_fail(r, n, "transport receive");
			break;
		}
		for (int i = 0; i < n; i++)
			cb_receiver_handle(r, &pk[i]);
		atomic_fetch_add(&r->packets_seen, (uint64_t)n);
		if (r->ss->cfg->video) {
			rc = cb_receiver_poll(r);
			if (rc < 0)
				rx_fail(r, rc, "video receive");
		}
	}
	return NULL;
}

int cb_receiver_open(struct cb_receiver *r, const struct cb_session *ss, struct cb_transport *tp,
		     const struct cb_clock *clock)
{
	const struct cb_call_cfg *c = ss->cfg;
	struct rx_state *st;
	int rc;

	memset(r, 0, sizeof(*r));
	r->ss = ss;
	r->tp = tp;
	r->clock = clock;
	st = r->st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	rc = cb_srtp_open(&r->srtp, c->srtp, ss->key, ss->key_len, CB_SRTP_INBOUND);
	if (rc < 0)
		return rc;
	if (c->video) {
		const struct cb_codec_ops *ops = cb_codec_find(c->video_codec);
		struct cb_codec_cfg cc = {.width = c->width, .height = c->height, .threads = 1};
		/* With NACK the gap waits for retransmissions until the
		 * requester gives up (it says so); without, only for
		 * reordering. */
		struct cb_assembler_cfg ac = {.max_wait = (c->nack ? 1000 : 100) * CB_NS_PER_MS};


		if (!ops)
			return CB_E_NOTFOUND;
		ac.pay = cb_pay_find(ops->name);
		if (!ac.pay)
			return CB_E_NOTFOUND;
		rc = cb_assembler_open(&st->asmb, &ac);
		if (rc < 0)
			return rc;
		rc = cb_decoder_open(&st->vdec, ops, &cc);
		if (rc < 0)
			return rc;
		{
			struct cb_video_source_cfg vc = {
			    .width = c->width, .height = c->height, .fps_num = c->fps, .fps_den = 1,
			    .seed = (uint32_t)c->seed};
			rc = cb_qworker_open(&st->qw, &vc, c->sim);
			if (rc < 0)
				return rc;
		}
	}
	if (c->audio) {
		const struct cb_codec_ops *ops = cb_codec_find(c->audio_codec);
		struct cb_codec_cfg cc = {
		    .sample_rate = 48000, .channels = 1, .frame_ms = c->audio_frame_ms};

		if (!ops)
			return CB_E_NOTFOUND;
		rc = cb_decoder_open(&st->adec, ops, &cc);
		if (rc < 0)
			return rc;
		rc = cb_amark_detector_open(&st->det, &ss->marks);
		if (rc < 0)
			return rc;
		st->pcm_room = 48000 / 1000 * 120; /* the longest Opus frame */
		st->pcm = calloc(st->pcm_room, sizeof(int16_t));
		if (!st->pcm)
			return -ENOMEM;
	}
	atomic_store(&r->last_video_ns, INT64_MIN);
	atomic_store(&r->last_audio_ns, INT64_MIN);
	return 0;
}

int cb_receiver_start(struct cb_receiver *r)
{
	int rc = pthread_create(&r->thread, NULL, rx_thread, r);

	if (rc)
		return -rc;
	r->started = 1;
	return 0;
}

void cb_receiver_stop_join(struct cb_receiver *r)
{
	const struct cb_qresult *q;
	size_t n;

	atomic_store(&r->stop, 1);
	if (r->started)
		pthread_join(r->thread, NULL);
	r->started = 0;
	if (!r->st || !r->st->qw)
		return;
	/* Let the quality worker finish what it was given, then put its
	 * figures on the records they belong to. */
	cb_qworker_finish(r->st->qw);
	q = cb_qworker_results(r->st->qw, &n, &r->quality_skipped);
	for (size_t i = 0; i < n; i++) {
		if (q[i].rec < r->video.frames.n) {
			r->video.frames.v[q[i].rec].psnr = q[i].psnr;
			r->video.frames.v[q[i].rec].ssim = q[i].ssim;
		}
	}
}

void cb_receiver_close(struct cb_receiver *r)
{
	struct rx_state *st = r->st;

	if (!r->ss)
		return;
	cb_receiver_stop_join(r);
	if (st) {
		cb_codec_close(&st->vdec);
		cb_codec_close(&st->adec);
		cb_assembler_close(st->asmb);
		cb_amark_detector_close(st->det);
		cb_qworker_close(st->qw);
		free(st->pcm);
		free(st);
	}
	cb_feedback_receiver_close(r);
	cb_srtp_close(r->srtp);
	cb_frame_log_free(&r->video.frames);
	cb_frame_log_free(&r->audio.frames);
	cb_packet_log_free(&r->video.packets);
	cb_packet_log_free(&r->audio.packets);
	free(r->audio_stream_pos);
	free(r->hits);
	free(r->audio_pcm);
	r->ss = NULL;
}
