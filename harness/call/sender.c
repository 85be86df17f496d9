/*
 * sender.c — the sending end: one thread per track, each capturing on the
 * clock at the nominal rate, encoding, packetizing and protecting its frames
 * and sending them through the shared transport end.
 *
 * Capture stamps are the nominal capture instants (t0 + n / fps for video;
 * the end of each 20 ms buffer for audio), which is when a camera or a
 * microphone hands the frame over.  The synthetic picture is rendered ahead
 * of that instant so the harness's own rendering cost is not charged to the
 * call; if the thread wakes late, the lateness shows as capture_wait.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "call/endpoint.h"
#include "codec/opus_util.h"
#include "media/apm.h"
#include "media/audio_scene.h"
#include "media/audio_source.h"
#include "media/camera.h"
#include "media/video_source.h"
#include "rtp/rtp.h"
#include "srtp/srtp.h"

struct video_src_state {
	struct cb_camera *src;
	struct cb_image img;
};

struct audio_src_state {
	struct cb_audio_source *src; /* the near talker alone: the quality reference */
	int16_t *pcm;		     /* the frame the encoder gets */
	/* With a scene or processing on (else all NULL): the microphone hears
	 * the scene, the APM processes it, the meter compares the two. */
	struct cb_audio_scene *scene;
	struct cb_apm *apm;
	struct cb_apm_meter *meter;
	int16_t *mic, *far, *echo; /* one capture frame each */
	size_t apm_frame;	   /* samples per cb_apm_process() call */
	uint64_t meter_from;	   /* first sample the meter counts */
};

/*
 * Capture samples [first, first + n) into a->pcm: the near talker alone, or
 * the scene's microphone through the APM, 10 or 20 ms at a time (a 40 or
 * 60 ms capture frame is several APM frames, as WebRTC feeds its APM).
 */
static int audio_capture(struct audio_src_state *a, uint64_t first, size_t n)
{
	struct cb_audio_scene_out o = {.mic = a->mic, .far = a->far, .echo = a->echo};
	int rc;

	if (!a->scene)
		return cb_audio_source_render(a->src, first, a->pcm, n);
	rc = cb_audio_scene_render(a->scene, first, &o, n);
	for (size_t k = 0; rc == 0 && k + a->apm_frame <= n; k += a->apm_frame)
		rc = cb_apm_process(a->apm, a->mic + k, a->far + k, a->pcm + k, a->apm_frame);
	if (rc == 0)
		rc = cb_apm_meter_add(a->meter, first, a->mic, a->echo, a->pcm, n);
	return rc;
}

static void sender_fail(struct cb_sender *s, int err, const char *what)
{
	pthread_mutex_lock(&s->send_lock);
	if (!s->err) {
		s->err = err;
		snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, cb_strerror(err));
	}
	pthread_mutex_unlock(&s->send_lock);
	atomic_store(&s->abort, 1);
}

static int should_stop(struct cb_sender *s)
{
	return atomic_load(&s->abort) || (s->stop && atomic_load(s->stop));
}

/* Make room for `cap` packets of a frame (from `old`); the pointers in pk
 * are set again as packets are written. */
static int grow_packets(uint8_t (**bufs)[CB_NET_MAX_PKT], struct cb_net_pkt **pk,
			struct cb_path_verdict **verdict, size_t old, size_t cap)
{
	void *b = realloc(*bufs, sizeof(**bufs) * cap);

	if (!b)
		return -ENOMEM;
	*bufs = b;
	b = realloc(*pk, sizeof(**pk) * cap);
	if (!b)
		return -ENOMEM;
	*pk = b;
	b = realloc(*verdict, sizeof(**verdict) * cap);
	if (!b)
		return -ENOMEM;
	*verdict = b;
	for (size_t i = 0; i < old; i++)
		(*pk)[i].data = (*bufs)[i];
	return 0;
}

/*
 * Packetize, protect and send one encoded frame; fills the frame's
 * packetized..last_sent stamps and the packet log.
 */
static int send_frame(struct cb_sender *s, struct cb_sender_track *t, struct cb_frame_rec *rec,
		      const struct cb_packet_out *enc, uint32_t ts)
{
	const struct cb_session *ss = s->ss;
	const struct cb_clock *clk = t->clock;
	struct cb_path_verdict *verdict = NULL;
	static const size_t room = CB_NET_MAX_PKT;
	uint8_t(*bufs)[CB_NET_MAX_PKT] = NULL;
	struct cb_net_pkt *pk = NULL;
	/* Packets the frame needs: payloads are cut evenly, each carrying at
	 * least half the budget (descriptors are small), plus a few for
	 * formats that start a packet per NAL unit; grown if that is short. */
	size_t n = 0, cap = enc->len / (ss->max_payload / 2) + 16;
	int rc, last = 0;

	rc = grow_packets(&bufs, &pk, &verdict, 0, cap);
	if (rc < 0)
		goto out_free;
	rc = t->pay->begin(t->pay_priv, enc->data, enc->len, enc->keyframe);
	if (rc < 0)
		goto out_free;
	while (!last) {
		struct cb_rtp_hdr h = {0};
		size_t hl = room, pl;

		if (n == cap) {
			if (cap >= 65535) { /* a frame's packet count is 16 bits */
				rc = CB_E_NOSPACE;
				goto out_free;
			}
			rc = grow_packets(&bufs, &pk, &verdict, cap, cap * 2);
			if (rc < 0)
				goto out_free;
			cap *= 2;
		}
		h.pt = (uint8_t)ss->media[t->media].pt;
		h.seq = (uint16_t)(t->seq + n);
		h.ts = ts;
		h.ssrc = t->ssrc;
		rc = cb_rtp_write(&h, bufs[n], &hl);
		if (rc < 0)
			goto out_free;
		pl = room - hl - CB_SRTP_MAX_OVERHEAD;
		rc = t->pay->next(t->pay_priv, ss->max_payload, bufs[n] + hl, &pl, &last);
		if (rc < 0)
			goto out_free;
		if (rc == 0)
			break;
		if (last)
			bufs[n][1] |= 0x80; /* RTP marker on the frame's last packet */
		pk[n] = (struct cb_net_pkt){.data = bufs[n], .len = hl + pl};
		n++;
	}
	rec->st[CB_ST_PACKETIZED] = cb_clock_now(clk);
	rec->first_seq = t->seq;
	rec->npackets = (uint16_t)n;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < n; i++) {
		size_t out = 0;

		/* Keep the plain packet for retransmission, and count it for
		 * the sender reports. */
		if (t->media == CB_MEDIA_VIDEO)
			cb_feedback_sender_sent(s, pk[i].data, pk[i].len, cb_clock_now(clk));
		s->pkt_count[t->media]++;
		s->octet_count[t->media] += (uint32_t)(pk[i].len - CB_RTP_HDR_MIN);
		rc = cb_srtp_protect(t->srtp, pk[i].data, pk[i].len, room, &out);
		if (rc < 0) {
			pthread_mutex_unlock(&t->lock);
			goto out_free;
		}
		pk[i].len = out;
	}
	pthread_mutex_unlock(&t->lock);
	rec->st[CB_ST_PROTECTED] = cb_clock_now(clk);
	/* "Sent" is when a packet is handed to the transport.  The batch is
	 * handed over at once, so the first and last packet share the stamp;
	 * the system call itself belongs to the network stage, since on the
	 * kernel path the receiver can have a packet before the call returns. */
	pthread_mutex_lock(&s->send_lock);
	rec->st[CB_ST_FIRST_SENT] = rec->st[CB_ST_LAST_SENT] = cb_clock_now(clk);
	rc = cb_path_send(s->mpath[t->media], pk, n, rec->st[CB_ST_LAST_SENT], verdict);
	pthread_mutex_unlock(&s->send_lock);
	if (rc < 0)
		goto out_free;

	for (size_t i = 0; i < n; i++) {
		struct cb_packet_rec *p = cb_packet_log_add(&t->log.packets);
		if (!p) {
			rc = cb_packet_log_error(&t->log.packets)
				 ? cb_packet_log_error(&t->log.packets)
				 : -ENOMEM;
			goto out_free;
		}
		p->media = t->media;
		p->seq = (uint16_t)(t->seq + i);
		p->rtp_ts = ts;
		p->size = (uint16_t)pk[i].len;
		p->marker = i + 1 == n;
		p->sent = rec->st[CB_ST_LAST_SENT];
		p->received = CB_NS_NONE;
		if (i < (size_t)rc) {
			p->fate = verdict[i].fate;
			p->duplicated = verdict[i].duplicated;
			p->net_delay = verdict[i].net_delay;
			p->queue_delay = verdict[i].queue_delay;
		} else {
			p->fate = CB_PKT_LOST;
		}
		if (p->duplicated)
			atomic_fetch_add(&s->packets_expected, 1);
		if (p->fate == CB_PKT_DELIVERED)
			atomic_fetch_add(&s->packets_expected, 1);
	}
	atomic_fetch_add(&s->packets_sent, (uint64_t)rc);
	t->seq = (uint16_t)(t->seq + n);
	rec->sent = (size_t)rc == n;
	rc = 0;
out_free:
	free(bufs);
	free(pk);
	free(verdict);
	return rc;
}

cb_ns cb_sender_video_due(const struct cb_sender *s, uint32_t n)
{
	return s->ss->t0 + (cb_ns)n * CB_NS_PER_S / s->ss->cfg->fps;
}

cb_ns cb_sender_audio_due(const struct cb_sender *s, uint32_t m)
{
	/* Frame m holds samples [m*fs, (m+1)*fs): it is complete, and handed
	 * over, when its last sample has been captured. */
	return s->ss->t0 + (cb_ns)(m + 1) * s->ss->cfg->audio_frame_ms * CB_NS_PER_MS;
}

uint32_t cb_sender_video_frames(const struct cb_sender *s)
{
	const struct cb_call_cfg *c = s->ss->cfg;
	return c->video ? (uint32_t)ceil(c->duration_s * c->fps - 1e-9) : 0;
}

uint32_t cb_sender_audio_frames(const struct cb_sender *s)
{
	const struct cb_call_cfg *c = s->ss->cfg;
	return c->audio ? (uint32_t)(c->duration_s * 1000.0 / c->audio_frame_ms + 1e-9) : 0;
}

int cb_sender_prepare(struct cb_sender *s)
{
	int rc = 0;

	if (s->video.enabled)
		rc = cb_camera_render(s->vsrc->src, 0, &s->vsrc->img);
	if (rc == 0 && s->audio.enabled)
		rc = audio_capture(s->asrc, 0, (size_t)s->ss->src.mic.frame_samples);
	return rc;
}

/*
 * Capture and encode frame `idx` of a track at its instant.  The encoded
 * frame waits in the track until cb_sender_send(): the simulator sends it
 * as a separate event at the time encoding ended, so that the network sees
 * the packets of both tracks in the order of their send times.
 */
int cb_sender_encode(struct cb_sender *s, enum cb_media m, uint32_t idx)
{
	const int video = m == CB_MEDIA_VIDEO;
	struct cb_sender_track *t = video ? &s->video : &s->audio;
	const struct cb_clock *clk = t->clock;
	struct cb_frame_rec *rec;
	const void *in;
	cb_ns work;
	int rc, force;

	rec = cb_frame_log_add(&t->log.frames, m, idx);
	if (!rec) {
		sender_fail(s, -ENOMEM, "frame log");
		return -ENOMEM;
	}
	if (video) {
		rec->rtp_ts =
		    t->ts_base + (uint32_t)((uint64_t)idx * 90000 / (uint64_t)s->ss->cfg->fps);
		rec->st[CB_ST_CAPTURED] = cb_sender_video_due(s, idx);
		in = &s->vsrc->img;
	} else {
		rec->rtp_ts = t->ts_base + idx * (uint32_t)s->ss->src.mic.frame_samples;
		rec->st[CB_ST_CAPTURED] = cb_sender_audio_due(s, idx);
		in = s->asrc->pcm;
	}
	rec->st[CB_ST_ENC_START] = cb_clock_now(clk);
	work = cb_clock_work_begin(clk);
	force = video && (idx == 0 || atomic_exchange(&s->force_key, 0));
	if (force && idx)
		s->rec.keyframes_on_request++;
	rc = t->enc.ops->encode(t->enc.priv, in, (int64_t)rec->rtp_ts, force, &t->pending);
	cb_clock_work_end(clk, video ? CB_WORK_VIDEO_ENCODE : CB_WORK_AUDIO_ENCODE, work);
	rec->st[CB_ST_ENC_END] = cb_clock_now(clk);
	if (rc < 0) {
		sender_fail(s, rc, video ? "video encoder" : "audio encoder");
		return rc;
	}
	rec->encoded = t->pending.len > 0;
	/* A key frame asked for (PLI) but dropped by the encoder's rate
	 * control is still owed: ask again with the next frame. */
	if (force && idx && !t->pending.len)
		atomic_store(&s->force_key, 1);
	rec->keyframe = (uint8_t)(t->pending.len && t->pending.keyframe);
	rec->bytes = (uint32_t)t->pending.len;
	t->pending_rec = t->log.frames.n - 1;
	t->has_pending = 1;
	return 0;
}

/* Send the track's encoded frame, then prepare the next capture: the
 * synthetic camera and microphone render ahead of their instants so that
 * their cost is the harness's, not the call's. */
int cb_sender_send(struct cb_sender *s, enum cb_media m)
{
	const int video = m == CB_MEDIA_VIDEO;
	struct cb_sender_track *t = video ? &s->video : &s->audio;
	struct cb_frame_rec *rec;
	uint32_t next;
	int rc = 0;

	if (!t->has_pending)
		return 0;
	t->has_pending = 0;
	rec = &t->log.frames.v[t->pending_rec];
	if (t->pending.len) {
		rc = send_frame(s, t, rec, &t->pending, rec->rtp_ts);
		if (rc < 0) {
			sender_fail(s, rc, video ? "video send" : "audio send");
			return rc;
		}
	}
	next = rec->index + 1;
	if (video)
		rc = cb_camera_render(s->vsrc->src, next, &s->vsrc->img);
	else
		rc = audio_capture(s->asrc, (uint64_t)next * (uint64_t)s->ss->src.mic.frame_samples,
				   (size_t)s->ss->src.mic.frame_samples);
	if (rc < 0)
		sender_fail(s, rc, video ? "video source" : "audio source");
	return rc;
}

static int apm_wanted(const struct cb_call_cfg *c)
{
	return c->echo_cancellation || c->noise_suppression || c->auto_gain_control ||
	       c->echo_db != 0 || c->noise_dbfs != 0;
}

/*
 * The microphone as a scene (near talker `near`, the far end's echo, noise)
 * and the APM after it.  The far end is the scene's default second party
 * (its own seeds and marks, which the receiver's detector does not take for
 * the near end's).  The meter starts after 2 s (or half a shorter call) so
 * the echo canceller's convergence is left out.
 */
static int apm_open(struct audio_src_state *a, const struct cb_call_cfg *c,
		    const struct cb_audio_source_cfg *near)
{
	struct cb_audio_scene_cfg sc;
	struct cb_apm_settings as;
	size_t fs = (size_t)near->frame_samples;
	int rc, filter_ms;

	cb_audio_scene_defaults(&sc, near->sample_rate, near->frame_samples, (uint32_t)c->seed);
	sc.near = *near;
	sc.echo = c->echo_db != 0;
	sc.echo_gain_db = c->echo_db;
	sc.echo_delay_ms = c->echo_delay_ms;
	sc.noise = c->noise_dbfs != 0;
	sc.noise_dbfs = c->noise_dbfs;
	rc = cb_audio_scene_open(&a->scene, &sc);
	if (rc < 0)
		return rc;
	a->apm_frame = (size_t)near->sample_rate / 100 == fs ? fs : (size_t)near->sample_rate / 50;
	cb_apm_settings_default(&as, near->sample_rate, (int)a->apm_frame);
	as.echo_cancellation = c->echo_cancellation;
	as.noise_suppression = c->noise_suppression;
	as.auto_gain_control = c->auto_gain_control;
	/* The filter must cover the echo path: its delay and the room tail. */
	filter_ms = c->echo_delay_ms + sc.echo_tail_ms + 40;
	as.filter_ms = filter_ms < 200 ? 200 : filter_ms > 500 ? 500 : filter_ms;
	rc = cb_apm_open(&a->apm, &as);
	if (rc < 0)
		return rc;
	a->meter_from = (uint64_t)near->sample_rate * 2;
	if ((double)a->meter_from > c->duration_s * near->sample_rate / 2)
		a->meter_from = (uint64_t)(c->duration_s * near->sample_rate / 2);
	rc = cb_apm_meter_open(&a->meter, a->scene, a->meter_from, (uint64_t)cb_apm_delay(a->apm));
	if (rc < 0)
		return rc;
	a->mic = calloc(fs, sizeof(int16_t));
	a->far = calloc(fs, sizeof(int16_t));
	a->echo = calloc(fs, sizeof(int16_t));
	return a->mic && a->far && a->echo ? 0 : -ENOMEM;
}

int cb_sender_apm_delay(const struct cb_sender *s)
{
	return s->asrc && s->asrc->apm ? cb_apm_delay(s->asrc->apm) : 0;
}

void cb_sender_apm_effect(const struct cb_sender *s, struct cb_audio_processing *p)
{
	const struct cb_call_cfg *c = s->ss->cfg;
	const struct audio_src_state *a = s->asrc;
	struct cb_apm_effect e;
	struct cb_apm_stats st;
	const double rate = 48000;

	memset(p, 0, sizeof(*p));
	if (!a || !a->apm || !a->meter)
		return;
	p->on = 1;
	p->echo_cancellation = c->echo_cancellation;
	p->noise_suppression = c->noise_suppression;
	p->auto_gain_control = c->auto_gain_control;
	p->echo_db = c->echo_db;
	p->echo_delay_ms = c->echo_delay_ms;
	p->noise_dbfs = c->noise_dbfs;
	p->measured_from_s = (double)a->meter_from / rate;
	p->apm_delay_ms = cb_apm_delay(a->apm) * 1000.0 / rate;
	p->apm_frame_ms = (int)((double)a->apm_frame * 1000.0 / rate);
	if (cb_apm_meter_result(a->meter, &e) < 0)
		e = (struct cb_apm_effect){.erle_db = NAN,
					   .echo_in_dbfs = NAN,
					   .echo_out_dbfs = NAN,
					   .noise_reduction_db = NAN,
					   .noise_in_dbfs = NAN,
					   .noise_out_dbfs = NAN,
					   .near_in_dbfs = NAN,
					   .near_out_dbfs = NAN};
	p->erle_db = e.erle_db;
	p->echo_in_dbfs = e.echo_in_dbfs;
	p->echo_out_dbfs = e.echo_out_dbfs;
	p->noise_reduction_db = e.noise_reduction_db;
	p->noise_in_dbfs = e.noise_in_dbfs;
	p->noise_out_dbfs = e.noise_out_dbfs;
	p->level_in_dbfs = e.near_in_dbfs;
	p->level_out_dbfs = e.near_out_dbfs;
	p->apm_cpu_us_per_frame = NAN;
	if (cb_apm_get_stats(a->apm, &st) == 0 && st.frames)
		p->apm_cpu_us_per_frame = st.mean_ns / 1000.0;
}

/* Real time: each track on its own thread, capturing at its instants. */
static void *video_thread(void *arg)
{
	struct cb_sender *s = arg;
	uint32_t frames = cb_sender_video_frames(s);

	for (uint32_t n = 0; n < frames && !should_stop(s); n++) {
		cb_clock_sleep_until(s->video.clock, cb_sender_video_due(s, n));
		if (should_stop(s) || cb_sender_encode(s, CB_MEDIA_VIDEO, n) < 0 ||
		    cb_sender_send(s, CB_MEDIA_VIDEO) < 0)
			break;
	}
	atomic_store(&s->video.done, 1);
	return NULL;
}

static void *audio_thread(void *arg)
{
	struct cb_sender *s = arg;
	uint32_t frames = cb_sender_audio_frames(s);

	for (uint32_t m = 0; m < frames && !should_stop(s); m++) {
		cb_clock_sleep_until(s->audio.clock, cb_sender_audio_due(s, m));
		if (should_stop(s) || cb_sender_encode(s, CB_MEDIA_AUDIO, m) < 0 ||
		    cb_sender_send(s, CB_MEDIA_AUDIO) < 0)
			break;
	}
	atomic_store(&s->audio.done, 1);
	return NULL;
}

static int track_open(struct cb_sender_track *t, enum cb_media media, const char *codec,
		      const struct cb_codec_cfg *ccfg, struct cb_rng *rng, const char *spool_dir)
{
	const struct cb_codec_ops *ops = cb_codec_find(codec);
	int rc;

	t->media = media;
	if (!ops || ops->media != media)
		return CB_E_NOTFOUND;
	/* One row per packet for the whole call: on disk, beside the results. */
	rc = cb_packet_log_spool(&t->log.packets, spool_dir);
	if (rc < 0)
		return rc;
	t->pay = cb_pay_find(ops->name);
	if (!t->pay)
		return CB_E_NOTFOUND;
	t->pay_priv = calloc(1, t->pay->priv_size ? t->pay->priv_size : 1);
	if (!t->pay_priv)
		return -ENOMEM;
	if (t->pay->init && (rc = t->pay->init(t->pay_priv)) < 0)
		return rc;
	rc = cb_encoder_open(&t->enc, ops, ccfg);
	if (rc < 0)
		return rc;
	/* SSRC, first sequence number and timestamp base are random (RFC
	 * 3550 §5.1) but drawn from the run's seed, so runs repeat. */
	t->ssrc = (uint32_t)cb_rng_next(rng);
	t->seq = (uint16_t)cb_rng_next(rng);
	t->ts_base = (uint32_t)cb_rng_next(rng);
	t->enabled = 1;
	return 0;
}

int cb_sender_open(struct cb_sender *s, const struct cb_session *ss, const atomic_int *stop,
		   const struct cb_clock *vclock, const struct cb_clock *aclock)
{
	const struct cb_call_cfg *c = ss->cfg;
	struct cb_rng rng;
	int rc;

	memset(s, 0, sizeof(*s));
	s->ss = ss;
	s->stop = stop;
	s->video.clock = vclock;
	s->audio.clock = aclock;
	pthread_mutex_init(&s->send_lock, NULL);
	pthread_mutex_init(&s->video.lock, NULL);
	pthread_mutex_init(&s->audio.lock, NULL);
	cb_rng_seed(&rng, c->seed ^ 0x53454e44ULL);
	if (c->video) {
		struct cb_codec_cfg cc = {
		    .bitrate_kbps = c->video_kbps,
		    .frame_drop = 1,
		    .width = c->width,
		    .height = c->height,
		    .fps_num = c->fps,
		    .fps_den = 1,
		    .keyint = c->keyint,
		    .speed = c->speed,
		    .error_resilient = 1,
		    .threads = 1,
		};
		struct cb_video_source_cfg vc = {
		    .width = c->width,
		    .height = c->height,
		    .fps_num = c->fps,
		    .fps_den = 1,
		    .seed = (uint32_t)c->seed,
		};
		s->vsrc = calloc(1, sizeof(*s->vsrc));
		if (!s->vsrc)
			return -ENOMEM;
		rc = cb_camera_open(&s->vsrc->src,
				    &(struct cb_camera_cfg){.track = vc,
							    .native_width = c->native_width,
							    .native_height = c->native_height});
		if (rc < 0)
			return rc;
		rc = cb_image_alloc(&s->vsrc->img, c->width, c->height);
		if (rc < 0)
			return rc;
		rc = track_open(&s->video, CB_MEDIA_VIDEO, c->video_codec, &cc, &rng, c->out_dir);
		if (rc < 0)
			return rc;
	}
	if (c->audio) {
		struct cb_codec_cfg cc = {
		    .bitrate_kbps = c->audio_kbps,
		    .sample_rate = 48000,
		    .channels = 1,
		    .frame_ms = c->audio_frame_ms,
		    .complexity = c->opus_complexity,
		    .fec = c->opus_fec,
		    .expected_loss_pct = c->opus_fec ? c->opus_loss_pct : 0,
		};
		struct cb_audio_source_cfg ac = ss->src.mic;
		s->asrc = calloc(1, sizeof(*s->asrc));
		if (!s->asrc)
			return -ENOMEM;
		rc = cb_audio_source_open(&s->asrc->src, &ac);
		if (rc < 0)
			return rc;
		s->asrc->pcm = calloc((size_t)ac.frame_samples, sizeof(int16_t));
		if (!s->asrc->pcm)
			return -ENOMEM;
		if (apm_wanted(c) && (rc = apm_open(s->asrc, c, &ac)) < 0)
			return rc;
		rc = track_open(&s->audio, CB_MEDIA_AUDIO, c->audio_codec, &cc, &rng, c->out_dir);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void cb_sender_describe(const struct cb_sender *s, struct cb_session *ss)
{
	if (s->video.enabled) {
		ss->media[CB_MEDIA_VIDEO].ssrc = s->video.ssrc;
		/* The RTX stream's own SSRC (RFC 4588). */
		ss->media[CB_MEDIA_VIDEO].rtx_ssrc = s->video.ssrc ^ 0x52545800u;
	}
	if (s->audio.enabled) {
		ss->media[CB_MEDIA_AUDIO].ssrc = s->audio.ssrc;
		ss->src.audio_delay = cb_opus_lookahead(&s->audio.enc) + cb_sender_apm_delay(s);
	}
}

int cb_sender_connect(struct cb_sender *s, struct cb_path *path)
{
	const struct cb_session *ss = s->ss;

	struct cb_sender_track *tracks[2] = {&s->video, &s->audio};
	int rc = 0;

	s->path = s->mpath[0] = s->mpath[1] = path;
	for (int i = 0; i < 2 && rc == 0; i++)
		if (tracks[i]->enabled)
			rc = cb_srtp_open(&tracks[i]->srtp, ss->suite, ss->key_local, ss->key_len,
					  CB_SRTP_OUTBOUND);
	return rc;
}

void cb_sender_route(struct cb_sender *s, enum cb_media m, struct cb_path *path)
{
	s->mpath[m] = path;
}

int cb_sender_start(struct cb_sender *s)
{
	int rc = cb_sender_prepare(s);

	if (rc < 0)
		return rc;
	if (s->video.enabled) {
		rc = pthread_create(&s->video.thread, NULL, video_thread, s);
		if (rc)
			return -rc;
		s->video.started = 1;
	} else {
		atomic_store(&s->video.done, 1);
	}
	if (s->audio.enabled) {
		rc = pthread_create(&s->audio.thread, NULL, audio_thread, s);
		if (rc)
			return -rc;
		s->audio.started = 1;
	} else {
		atomic_store(&s->audio.done, 1);
	}
	return 0;
}

int cb_sender_done(struct cb_sender *s)
{
	return atomic_load(&s->video.done) && atomic_load(&s->audio.done);
}

void cb_sender_join(struct cb_sender *s)
{
	if (s->video.started)
		pthread_join(s->video.thread, NULL);
	if (s->audio.started)
		pthread_join(s->audio.thread, NULL);
	s->video.started = s->audio.started = 0;
}

static void track_close(struct cb_sender_track *t)
{
	cb_codec_close(&t->enc);
	free(t->pay_priv);
	t->pay_priv = NULL;
	cb_frame_log_free(&t->log.frames);
	cb_packet_log_free(&t->log.packets);
}

void cb_sender_close(struct cb_sender *s)
{
	if (!s->ss)
		return;
	cb_sender_join(s);
	track_close(&s->video);
	track_close(&s->audio);
	if (s->vsrc) {
		cb_camera_close(s->vsrc->src);
		cb_image_free(&s->vsrc->img);
		free(s->vsrc);
	}
	if (s->asrc) {
		cb_audio_source_close(s->asrc->src);
		free(s->asrc->pcm);
		cb_apm_meter_close(s->asrc->meter);
		cb_apm_close(s->asrc->apm);
		cb_audio_scene_close(s->asrc->scene);
		free(s->asrc->mic);
		free(s->asrc->far);
		free(s->asrc->echo);
		free(s->asrc);
	}
	cb_feedback_sender_close(s);
	cb_srtp_close(s->video.srtp);
	cb_srtp_close(s->audio.srtp);
	pthread_mutex_destroy(&s->video.lock);
	pthread_mutex_destroy(&s->audio.lock);
	pthread_mutex_destroy(&s->send_lock);
	s->ss = NULL;
}
