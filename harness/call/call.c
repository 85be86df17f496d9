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
#include "call/results.h"
#include "codec/opus_util.h"
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

size_t cb_video_packets_per_frame(const struct cb_call_cfg *c)
{
	size_t payload = (size_t)c->mtu - 12 - cb_srtp_overhead(c->srtp) - 8; /* descriptor */
	double bytes = c->video_kbps * 1000.0 / 8 / (c->fps > 0 ? c->fps : 1);

	return (size_t)ceil(bytes / (double)payload);
}

size_t cb_video_asm_slots(const struct cb_call_cfg *c)
{
	size_t want = 8 * cb_video_packets_per_frame(c), slots = 1024;

	while (slots < want && slots < CB_ASM_SLOTS_MAX)
		slots *= 2;
	return slots >= want ? slots : 0;
}

static int cfg_check(const struct cb_call_cfg *c, char *why, size_t len)
{
	const struct cb_codec_ops *ops;

	if (!(c->duration_s > 0 && c->duration_s <= 86400))
		return snprintf(why, len, "duration must be in (0, 86400] s"), -EINVAL;
	if (c->run_id[0] && cb_run_id_check(c->run_id, why, len) < 0)
		return -EINVAL;
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
	if (c->video && cb_video_asm_slots(c) == 0)
		return snprintf(why, len,
				"a %d kbps, %d fps video frame averages %zu packets of a %d-byte "
				"MTU, more than the receiver holds (%d per frame): raise --mtu or "
				"--fps, or lower --video-bitrate",
				c->video_kbps, c->fps, cb_video_packets_per_frame(c), c->mtu,
				CB_ASM_SLOTS_MAX / 8),
		       -EINVAL;
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
	/* Then let the jitter buffers play out what they hold (the last marks
	 * may wait there a playout delay), within a bound: a frame that can
	 * never be decoded leaves when its buffer drops it. */
	drain_start = cb_clock_now(&ss->clock);
	do
		cb_clock_sleep_until(&ss->clock, cb_clock_now(&ss->clock) + 10 * CB_NS_PER_MS);
	while (atomic_load(&rcv->backlog) > 0 && !rcv->err &&
	       cb_clock_now(&ss->clock) - drain_start < DRAIN_MAX_NS);
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
	} else {
		cb_log(log, CB_LOG_INFO, "call", "simulated clock and network: %g s of media",
		       cfg->duration_s);
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
		rc = cb_results_merge_video(&res->video, snd, rcv, &ss);
		if (rc == 0)
			rc = cb_results_merge_packets(res, &snd->video.log, &rcv->video,
						      &res->video);
		if (rc == 0)
			rc = cb_results_summarize(&res->video, cfg,
						  (double)res->video.frames.n / cfg->fps,
						  &res->packets);
	}
	if (cfg->audio && rc == 0) {
		rc = cb_results_merge_audio(&res->audio, snd, rcv, &ss);
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
