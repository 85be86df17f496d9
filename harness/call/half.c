#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "call/drive.h"
#include "call/half.h"
#include "call/results.h"
#include "rtp/rtp.h"

/* Rows past this many times the frames the settings' duration holds are
 * not believed: a content number so far ahead was misread. */
#define FRAMES_SLACK 4

static int infer_packets(struct cb_rx_log *rx, enum cb_media m, struct cb_packet_log *out)
{
	uint64_t n = rx->packets ? cb_spool_count(rx->packets) : 0;
	int64_t top = 0, ext;
	uint16_t seq0 = 0;

	for (uint64_t i = 0; i < n; i++) {
		const struct cb_rx_packet *q = cb_spool_get(rx->packets, i);

		if (!q)
			return cb_spool_error(rx->packets) < 0 ? cb_spool_error(rx->packets) : -EIO;
		if (i == 0)
			seq0 = q->seq;
		ext = cb_seq_diff(q->seq, seq0);
		if (ext > top && ext < 32768)
			top = ext;
	}
	for (int64_t k = 0; n && k <= top; k++) {
		struct cb_packet_rec *p = cb_packet_log_add(out);

		if (!p)
			return cb_packet_log_error(out) ? cb_packet_log_error(out) : -ENOMEM;
		memset(p, 0, sizeof(*p));
		p->media = (uint8_t)m;
		p->seq = (uint16_t)(seq0 + k);
		p->sent = p->received = CB_NS_NONE;
		p->net_delay = p->queue_delay = CB_NS_NONE;
		p->fate = CB_PKT_LOST;
	}
	return 0;
}

int cb_half_infer_sender(struct cb_receiver *r, struct cb_sender *s, struct cb_session *ss,
			 struct cb_call_cfg *cfg)
{
	const struct cb_session *rss = r->ss;
	int rc;

	memset(s, 0, sizeof(*s));
	*cfg = *rss->cfg;
	cfg->video = rss->media[CB_MEDIA_VIDEO].on;
	cfg->audio = rss->media[CB_MEDIA_AUDIO].on;
	cfg->width = rss->src.camera.track.width;
	cfg->height = rss->src.camera.track.height;
	cfg->fps = rss->src.camera.track.fps_num ? rss->src.camera.track.fps_num : cfg->fps;
	if (rss->src.mic.frame_samples)
		cfg->audio_frame_ms = rss->src.mic.frame_samples * 1000 / 48000;
	*ss = *rss;
	ss->cfg = cfg;
	s->ss = ss;
	s->video.media = CB_MEDIA_VIDEO;
	s->audio.media = CB_MEDIA_AUDIO;
	if (cfg->video) {
		const uint64_t fps = (uint64_t)cfg->fps;
		const uint64_t cap =
		    (uint64_t)(cfg->duration_s * (double)fps * FRAMES_SLACK) + 1000;
		uint64_t top = 0, any = 0;

		s->video.enabled = 1;
		s->video.ssrc = rss->media[CB_MEDIA_VIDEO].ssrc;
		if (cb_receiver_rtp_base(r, CB_MEDIA_VIDEO, &s->video.ts_base) == 0) {
			for (uint64_t i = 0; i < cb_spool_count(r->video.frames); i++) {
				const struct cb_rx_frame *f = cb_spool_get(r->video.frames, i);

				if (!f)
					return cb_spool_error(r->video.frames);
				if (f->identified && f->content_id >= 0 &&
				    (uint64_t)f->content_id < cap) {
					any = 1;
					if ((uint64_t)f->content_id > top)
						top = (uint64_t)f->content_id;
				}
			}
		}
		for (uint64_t i = 0; any && i <= top; i++) {
			struct cb_frame_rec *row =
			    cb_frame_log_add(&s->video.log.frames, CB_MEDIA_VIDEO, (uint32_t)i);
			cb_ns t;

			if (!row)
				return -ENOMEM;
			row->rtp_ts = s->video.ts_base + (uint32_t)(i * 90000 / fps);
			if (cb_receiver_capture_time(r, CB_MEDIA_VIDEO, row->rtp_ts, &t) == 0)
				row->st[CB_ST_CAPTURED] = t;
			row->encoded = row->sent = 1;
		}
		/* What each frame weighed, as it arrived (the achieved rate). */
		for (uint64_t i = 0; any && i < cb_spool_count(r->video.frames); i++) {
			const struct cb_rx_frame *f = cb_spool_get(r->video.frames, i);
			uint64_t k;

			if (!f)
				return cb_spool_error(r->video.frames);
			k = ((uint64_t)(uint32_t)(f->rtp_ts - s->video.ts_base) * fps + 45000) /
			    90000;
			if (k <= top)
				s->video.log.frames.v[k].bytes = f->bytes;
		}
		rc = infer_packets(&r->video, CB_MEDIA_VIDEO, &s->video.log.packets);
		if (rc < 0)
			return rc;
	}
	if (cfg->audio) {
		const uint32_t fs = (uint32_t)rss->src.mic.frame_samples;
		uint64_t top = 0, any = 0;

		s->audio.enabled = 1;
		s->audio.ssrc = rss->media[CB_MEDIA_AUDIO].ssrc;
		if (fs && cb_receiver_rtp_base(r, CB_MEDIA_AUDIO, &s->audio.ts_base) == 0) {
			/* The marks give the base to a few samples; the frames
			 * sit on a lattice of whole frames from the true one:
			 * snap to it (the nearest lattice point). */
			for (uint64_t i = 0; i < cb_spool_count(r->audio.frames); i++) {
				const struct cb_rx_frame *f = cb_spool_get(r->audio.frames, i);
				int32_t off;
				int64_t k;

				if (!f)
					return cb_spool_error(r->audio.frames);
				if (!f->received)
					continue;
				off = (int32_t)(f->rtp_ts - s->audio.ts_base);
				k = off >= 0 ? ((int64_t)off + fs / 2) / fs
					     : -((-(int64_t)off + fs / 2) / fs);
				s->audio.ts_base = f->rtp_ts - (uint32_t)(k * (int64_t)fs);
				break;
			}
			for (uint64_t i = 0; i < cb_spool_count(r->audio.frames); i++) {
				const struct cb_rx_frame *f = cb_spool_get(r->audio.frames, i);
				uint32_t d;

				if (!f)
					return cb_spool_error(r->audio.frames);
				if (!f->received)
					continue;
				d = (f->rtp_ts - s->audio.ts_base) / fs;
				if (d < 48000u * 86400u / fs) {
					any = 1;
					if (d > top)
						top = d;
				}
			}
		}
		for (uint64_t k = 0; any && k <= top; k++) {
			struct cb_frame_rec *row =
			    cb_frame_log_add(&s->audio.log.frames, CB_MEDIA_AUDIO, (uint32_t)k);
			cb_ns t;

			if (!row)
				return -ENOMEM;
			row->rtp_ts = s->audio.ts_base + (uint32_t)k * fs;
			/* An audio frame is captured when its last sample is in. */
			if (cb_receiver_capture_time(r, CB_MEDIA_AUDIO, row->rtp_ts + fs, &t) == 0)
				row->st[CB_ST_CAPTURED] = t;
			row->encoded = row->sent = 1;
		}
		rc = infer_packets(&r->audio, CB_MEDIA_AUDIO, &s->audio.log.packets);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void cb_half_sender_free(struct cb_sender *s)
{
	cb_frame_log_free(&s->video.log.frames);
	cb_frame_log_free(&s->audio.log.frames);
	cb_packet_log_free(&s->video.log.packets);
	cb_packet_log_free(&s->audio.log.packets);
}

void cb_half_begin(struct cb_run_result *res, struct cb_call_cfg *c, const struct cb_session *ss,
		   const char *remote_dir)
{
	snprintf(c->video_codec, sizeof(c->video_codec), "%s",
		 ss->media[CB_MEDIA_VIDEO].on ? ss->media[CB_MEDIA_VIDEO].codec : c->video_codec);
	snprintf(c->audio_codec, sizeof(c->audio_codec), "%s",
		 ss->media[CB_MEDIA_AUDIO].on ? ss->media[CB_MEDIA_AUDIO].codec : c->audio_codec);
	if (c->video) {
		c->width = ss->src.camera.track.width;
		c->height = ss->src.camera.track.height;
		c->fps = ss->src.camera.track.fps_num;
	}
	cb_call_result_begin(res, c);
	snprintf(res->half, sizeof(res->half), "receiver");
	snprintf(res->clock, sizeof(res->clock), "real");
	res->net_added.added_delay_ms = res->net_added.late_ms = res->net_added.late_max_ms = NAN;
	res->negotiated.done = 1;
	snprintf(res->negotiated.suite, sizeof(res->negotiated.suite), "%s",
		 cb_srtp_profile_name(ss->suite));
	for (int m = 0; m < 2; m++) {
		struct cb_negotiated_media *nm = &res->negotiated.media[m];

		nm->accepted = ss->media[m].on;
		snprintf(nm->codec, sizeof(nm->codec), "%s", ss->media[m].codec);
		nm->pt = ss->media[m].pt;
		nm->rtx_pt = ss->media[m].rtx_pt;
		nm->nack = !!(ss->media[m].fb & CB_SDP_FB_NACK);
		nm->pli = !!(ss->media[m].fb & CB_SDP_FB_PLI);
		nm->fir = !!(ss->media[m].fb & CB_SDP_FB_FIR);
		snprintf(nm->local_dir, sizeof(nm->local_dir), "sendonly");
		snprintf(nm->remote_dir, sizeof(nm->remote_dir), "%s", remote_dir);
	}
}

void cb_half_finish(struct cb_run_result *res, struct cb_receiver *r, struct cb_session *tss,
		    struct cb_call_cfg *tcfg)
{
	struct cb_sender *snd = calloc(1, sizeof(*snd));
	int rc = snd ? cb_half_infer_sender(r, snd, tss, tcfg) : -ENOMEM;

	if (rc == 0)
		rc = cb_results_merge_call(res, snd, r, tss);
	/* What the sender aimed at is its own setting, not in the description;
	 * audio frames' sizes are not kept by the receiver. */
	res->video.target_kbps = res->audio.target_kbps = NAN;
	res->video.rate_miss_pct = res->audio.rate_miss_pct = NAN;
	res->video.target_missed = res->audio.target_missed = 0;
	if (!res->audio.payload_bytes)
		res->audio.achieved_kbps = NAN;
	/* The inferred sender's capture times are the receiver's own: there
	 * is nothing to hold them against. */
	res->video.capture_checked = res->audio.capture_checked = 0;
	if (rc < 0 && res->status == CB_RUN_COMPLETE) {
		res->status = CB_RUN_FAILED;
		snprintf(res->error, sizeof(res->error), "merging results: %s", cb_strerror(rc));
	}
	if (snd)
		cb_half_sender_free(snd);
	free(snd);
}
