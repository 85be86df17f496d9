/*
 * receiver.c — the receiving end: one thread that takes packets off the
 * transport, unprotects them (counting and dropping anything SRTP rejects),
 * puts video back together into frames, decodes both media and reads the
 * content: the frame number drawn into each picture and the marks in the
 * audio waveform.
 *
 * Both media wait in a jitter buffer.  Complete video frames go from the
 * assembler into rx/jitterbuf, which releases each when it is decodable and
 * due (WebRTC's timing: jitter + decode time + render delay); the frame is
 * decoded then.  Every video format takes that path: one whose payload
 * carries no picture id (H.264) gets one from its sequence numbers
 * (rx/seqref), so a codec comparison compares codecs, not receivers.
 * Audio packets go into rx/audiojb, and playout pulls one slot per frame
 * duration: decoded, rebuilt from in-band FEC or concealed, so that the
 * decoded waveform is one continuous stream with exactly one frame of
 * samples per slot (rx_audio.c).  cb_receiver_next_wakeup says when the
 * buffers next need a poll.  The state both files share is rx_state.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "base/error.h"
#include "call/endpoint.h"
#include "call/rx_state.h"
#include "media/vmark.h"
#include "rtp/rtp.h"
#include "rx/assembler.h"
#include "rx/audiojb.h"
#include "rx/jitterbuf.h"
#include "rx/qworker.h"
#include "rx/seqref.h"
#include "srtp/srtp.h"

_Static_assert(CB_JB_DROP_COUNT == 4, "endpoint.h: jb_dropped[] has one slot per reason");

void cb_rx_fail(struct cb_receiver *r, int err, const char *what)
{
	if (!r->err) {
		r->err = err;
		snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s", what, cb_strerror(err));
	}
}

void cb_rx_log_packet(struct cb_receiver *r, enum cb_media m, uint16_t seq, enum cb_pkt_fate fate,
		      cb_ns t)
{
	struct cb_rx_log *l = m == CB_MEDIA_VIDEO ? &r->video : &r->audio;
	struct cb_rx_packet *p = cb_spool_append(l->packets);

	if (!p) {
		cb_rx_fail(r, l->packets ? cb_spool_error(l->packets) : -EINVAL, "packet log");
		return;
	}
	*p = (struct cb_rx_packet){.received = t, .seq = seq, .fate = (uint8_t)fate};
}

/* Append a receiver frame record with nothing reached yet; NULL on an I/O
 * error (the caller fails with rx_frame_error). */
struct cb_rx_frame *cb_rx_frame_add(struct cb_rx_log *l)
{
	struct cb_rx_frame *f = cb_spool_append(l->frames);

	if (!f)
		return NULL;
	for (int i = 0; i < CB_RX_ST_COUNT; i++)
		f->st[i] = CB_NS_NONE;
	f->psnr = f->ssim = NAN;
	f->captured = CB_NS_NONE;
	f->content_id = -1;
	return f;
}

int cb_rx_frame_error(const struct cb_rx_log *l)
{
	int e = l->frames ? cb_spool_error(l->frames) : -EINVAL;

	return e < 0 ? e : -EIO;
}

void cb_receiver_gave_up(struct cb_receiver *r, uint16_t seq)
{
	if (r->st && r->st->asmb)
		cb_assembler_give_up_before(r->st->asmb, (uint16_t)(seq + 1));
}

static void on_jb_drop(void *user, const struct cb_jb_dropped *d)
{
	struct cb_receiver *r = user;

	/* The frame's record keeps no JB_OUT stamp: the summary charges it to
	 * the jitter buffer. */
	r->jb_dropped[d->reason]++;
}

/* Decode video frame record `idx` that left the jitter buffer at `jb_out`,
 * and read the number drawn into it. */
static int video_decode(struct cb_receiver *r, size_t idx, const uint8_t *data, size_t len,
			int keyframe, int32_t pid, cb_ns jb_out)
{
	struct rx_state *st = r->st;
	const struct cb_session *ss = r->ss;
	struct cb_rx_frame *rec = cb_spool_at(r->video.frames, idx);
	struct cb_image img;
	uint32_t num;
	cb_ns work;
	int rc;

	if (!rec)
		return cb_rx_frame_error(&r->video);
	/* The jitter buffer releases a delta frame only right after its
	 * reference, so the decoder is never fed one it cannot decode. */
	if (keyframe && r->broken)
		cb_feedback_receiver_broken(r, 0, cb_clock_now(r->clock));
	rec->st[CB_RX_ST(CB_ST_JB_OUT)] = jb_out;
	rec->st[CB_RX_ST(CB_ST_DEC_START)] = cb_clock_now(r->clock);
	work = cb_clock_work_begin(r->clock);
	rc = st->vdec.ops->decode(st->vdec.priv, data, len, &img, NULL);
	cb_clock_work_end(r->clock, CB_WORK_VIDEO_DECODE, work);
	rec->st[CB_RX_ST(CB_ST_DEC_END)] = cb_clock_now(r->clock);
	if (rc < 0) {
		r->decode_errors[CB_MEDIA_VIDEO]++;
		cb_jb_on_decode_error(st->jb, pid, rec->st[CB_RX_ST(CB_ST_DEC_END)]);
		cb_feedback_receiver_broken(r, 1, rec->st[CB_RX_ST(CB_ST_DEC_END)]);
		return 0;
	}
	/* The decode time sets how early the next frames leave the buffer. */
	cb_jb_on_decoded(st->jb, pid,
			 rec->st[CB_RX_ST(CB_ST_DEC_END)] - rec->st[CB_RX_ST(CB_ST_DEC_START)],
			 rec->st[CB_RX_ST(CB_ST_DEC_END)]);
	if (rc == 0)
		return 0;
	rec->decoded = 1;
	if (cb_vmark_read(&img, &num, NULL) == 0) {
		const uint64_t fps = (uint64_t)ss->src.camera.track.fps_num;
		cb_ns t_cap;

		rec->content_id = num;
		rec->identified = 1;
		rec->st[CB_RX_ST(CB_ST_IDENTIFIED)] = cb_clock_now(r->clock);
		/* Live figure: picture `num` was captured at RTP time base +
		 * num / fps (the sender's schedule), which its reports map. */
		if (!st->have_base[CB_MEDIA_VIDEO]) {
			st->rtp_base[CB_MEDIA_VIDEO] =
			    rec->rtp_ts - (uint32_t)((uint64_t)num * 90000 / fps);
			st->have_base[CB_MEDIA_VIDEO] = 1;
		}
		if (cb_receiver_capture_time(r, CB_MEDIA_VIDEO,
					     st->rtp_base[CB_MEDIA_VIDEO] +
						 (uint32_t)((uint64_t)num * 90000 / fps),
					     &t_cap) == 0)
			atomic_store(&r->last_video_ns,
				     rec->st[CB_RX_ST(CB_ST_IDENTIFIED)] - t_cap);
		atomic_fetch_add(&r->video_identified, 1);
		if (st->qw &&
		    (r->ss->cfg->quality == CB_QUALITY_ALL || num % CB_QUALITY_SAMPLE_EVERY == 0)) {
			rc = cb_qworker_submit(st->qw, idx, num, &img);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* A complete frame from the assembler: record it and hand it to the jitter
 * buffer, with its record index as the tag. */
static int video_insert(struct cb_receiver *r, const struct cb_asm_frame *f)
{
	struct rx_state *st = r->st;
	cb_ns now = cb_clock_now(r->clock);
	struct cb_rx_frame *rec;
	struct cb_jb_frame jf;
	size_t idx;
	int32_t pid = f->picture_id;
	int rc, rtx = 0;

	/* No picture id in the payload (H.264): one from the frame's place in
	 * the sequence numbers, the assembler handing frames out in decode
	 * order.  It never hands out one that overlaps the last, so a refusal
	 * here is a bug, not a late frame. */
	if (pid < 0) {
		pid = cb_seqref_frame(&st->seqref, f->first_seq, f->npackets);
		if (pid < 0)
			return pid;
	}
	rec = cb_rx_frame_add(&r->video);
	if (!rec)
		return cb_rx_frame_error(&r->video);
	idx = (size_t)cb_spool_count(r->video.frames) - 1;
	rec->rtp_ts = f->ts;
	rec->bytes = (uint32_t)f->len;
	rec->received = 1;
	rec->st[CB_RX_ST(CB_ST_ARRIVED)] = f->arrived;
	rec->st[CB_RX_ST(CB_ST_FIRST_RECV)] = f->first_recv;
	rec->st[CB_RX_ST(CB_ST_LAST_RECV)] = f->last_recv;
	rec->st[CB_RX_ST(CB_ST_UNPROTECTED)] = f->unprotected;
	/* Frames were given up before this one, or the stream did not start
	 * with a key frame: the chain is broken.  Ask for a key frame now,
	 * rather than when the jitter buffer finds the hole at this frame's
	 * release time. */
	if (f->frames_skipped || (!r->had_keyframe && !f->keyframe))
		cb_feedback_receiver_broken(r, 1, now);
	if (f->keyframe)
		r->had_keyframe = 1;
	for (uint16_t k = 0; k < f->npackets; k++) {
		uint16_t seq = (uint16_t)(f->first_seq + k);
		rtx |= st->rtx_seq[seq / 8] >> (seq % 8) & 1;
	}
	/* The receiver's own stamps: release times are compared with its
	 * clock, and the time it took a packet is when the frame could go. */
	jf = (struct cb_jb_frame){.picture_id = pid,
				  .rtp_ts = f->ts,
				  .keyframe = f->keyframe,
				  .first_arrival = f->first_recv,
				  .last_arrival = f->last_recv,
				  .data = f->data,
				  .len = f->len,
				  .tag = idx,
				  .retransmitted = rtx};
	rc = cb_jb_insert(st->jb, &jf, now);
	if (rc == CB_E_LATE)
		return 0; /* dropped and counted (on_jb_drop) */
	return rc < 0 ? rc : 0;
}

static int video_poll(struct cb_receiver *r)
{
	struct rx_state *st = r->st;
	struct cb_asm_frame f;
	struct cb_jb_out o;
	cb_ns since;
	int rc;

	while ((rc = cb_assembler_pop(st->asmb, cb_clock_now(r->clock), &f)) == 1) {
		rc = video_insert(r, &f);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	while ((rc = cb_jb_pop(st->jb, cb_clock_now(r->clock), &o)) == 1) {
		const struct cb_rx_frame *rec = cb_spool_get(r->video.frames, o.tag);
		cb_ns out;

		if (!rec)
			return cb_rx_frame_error(&r->video);
		/* The frame leaves at its release time (the poll that found it
		 * due may come a little after); a frame that completed after
		 * that time leaves as it is put in. */
		out = o.release_time > rec->st[CB_RX_ST(CB_ST_UNPROTECTED)]
			  ? o.release_time
			  : rec->st[CB_RX_ST(CB_ST_UNPROTECTED)];
		rc = video_decode(r, (size_t)o.tag, o.data, o.len, o.keyframe, o.picture_id, out);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	/* The buffer found the chain broken (a reference that never came, a
	 * decode error): the decoder needs a key frame, so PLI. */
	if (cb_jb_needs_keyframe(st->jb, &since))
		cb_feedback_receiver_broken(r, 1, since);
	return 0;
}

int cb_receiver_poll(struct cb_receiver *r)
{
	struct rx_state *st = r->st;
	int rc;

	if (st->asmb) {
		rc = video_poll(r);
		if (rc < 0)
			return rc;
	}
	if (st->ajb) {
		rc = cb_rx_audio_poll(r);
		if (rc < 0)
			return rc;
	}
	/* For the end of the call: frames and slots still to come out of the
	 * jitter buffers (read by the supervising thread). */
	atomic_store(&r->backlog, (uint_fast64_t)(cb_jb_held(st->jb) + cb_ajb_pending(st->ajb)));
	return cb_feedback_receiver_poll(r);
}

cb_ns cb_receiver_next_wakeup(const struct cb_receiver *r)
{
	const struct rx_state *st = r->st;
	cb_ns v = st && st->jb ? cb_jb_next_wakeup(st->jb) : CB_NS_NONE;
	cb_ns a = st && st->ajb ? cb_ajb_next_pull(st->ajb) : CB_NS_NONE;

	if (v == CB_NS_NONE || (a != CB_NS_NONE && a < v))
		return a;
	return v;
}

void cb_receiver_audio_jb_stats(const struct cb_receiver *r, struct cb_ajb_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (r->st && r->st->ajb)
		cb_ajb_get_stats(r->st->ajb, st);
}

void cb_receiver_handle(struct cb_receiver *r, struct cb_net_pkt *p)
{
	struct rx_state *st = r->st;
	const struct cb_session *ss = r->ss;
	struct cb_rtp_hdr h;
	enum cb_media m;
	enum cb_pkt_fate fate = CB_PKT_DELIVERED;
	size_t plain = 0;
	uint32_t ssrc;
	cb_ns t_unprot;
	int rc, pt, is_rtx;

	if (p->cut) {
		r->stray_truncated++;
		return;
	}
	if (p->len < CB_RTP_HDR_MIN || (p->data[0] >> 6) != 2) {
		r->stray_malformed++;
		return;
	}
	if (cb_rtp_is_rtcp(p->data, p->len)) {
		if (r->rtcp_other && !cb_feedback_receiver_owns(r, p))
			r->rtcp_other(r->rtcp_other_user, p);
		else
			cb_feedback_receiver_rtcp(r, p);
		return;
	}
	/* The RTP header travels in the clear: read which stream a packet
	 * claims to belong to before deciding whether to believe it. */
	pt = p->data[1] & 0x7f;
	is_rtx = ss->media[CB_MEDIA_VIDEO].on && ss->media[CB_MEDIA_VIDEO].rtx_pt >= 0 &&
		 pt == ss->media[CB_MEDIA_VIDEO].rtx_pt;
	if (ss->media[CB_MEDIA_VIDEO].on && (pt == ss->media[CB_MEDIA_VIDEO].pt || is_rtx))
		m = CB_MEDIA_VIDEO;
	else if (ss->media[CB_MEDIA_AUDIO].on && pt == ss->media[CB_MEDIA_AUDIO].pt)
		m = CB_MEDIA_AUDIO;
	else {
		r->stray_unknown_pt++;
		return;
	}
	/* Once a stream's SSRC is known (from its first packet that passed
	 * authentication), a packet under another one is not of this call:
	 * refused without spending SRTP on it, and kept out of the stream's
	 * packet log, whose sequence numbers it does not share. */
	ssrc = (uint32_t)p->data[8] << 24 | (uint32_t)p->data[9] << 16 |
	       (uint32_t)p->data[10] << 8 | p->data[11];
	if (is_rtx ? r->have_rtx_ssrc && ssrc != r->rtx_ssrc
		   : r->have_ssrc[m] && ssrc != r->media_ssrc[m]) {
		r->rejected_foreign[m]++;
		return;
	}
	rc = cb_srtp_unprotect(r->srtp, p->data, p->len, &plain);
	t_unprot = cb_clock_now(r->clock);
	/* What SRTP refuses is counted by reason and not logged: its
	 * sequence number is whatever the sender of the packet chose, and the
	 * packet log, which the merge pairs with the sender's packets by
	 * sequence number, holds only packets that authenticated. */
	if (rc == CB_E_AUTH) {
		r->rejected_auth[m]++;
		return;
	}
	if (rc == CB_E_REPLAY) {
		r->rejected_replay[m]++;
		return;
	}
	if (rc < 0 || cb_rtp_parse(p->data, plain, &h) < 0) {
		r->rejected_malformed[m]++;
		return;
	}
	if (is_rtx) {
		/* A retransmission (RFC 4588): restore the original packet and
		 * handle it as the video packet it was.  It is not a packet of
		 * its own in the packet log: the original's fate records it. */
		size_t olen = sizeof(st->rtx_buf);

		if (!r->have_rtx_ssrc) {
			r->have_rtx_ssrc = 1;
			r->rtx_ssrc = h.ssrc;
		}
		if (!r->have_ssrc[CB_MEDIA_VIDEO] ||
		    cb_rtx_unwrap(p->data, plain, r->media_ssrc[CB_MEDIA_VIDEO],
				  (uint8_t)ss->media[CB_MEDIA_VIDEO].pt, st->rtx_buf, &olen) < 0 ||
		    cb_rtp_parse(st->rtx_buf, olen, &h) < 0) {
			r->rtx_malformed++;
			return;
		}
		cb_feedback_receiver_media(r, m, &h, p->t_recv, 1);
		rc = cb_assembler_insert(st->asmb, &h,
					 p->t_kernel != CB_NS_NONE ? p->t_kernel : p->t_recv,
					 p->t_recv, t_unprot);
		if (rc == 0) {
			st->rtx_seq[h.seq / 8] |= (uint8_t)(1u << (h.seq % 8));
			cb_rx_log_packet(r, m, h.seq, CB_PKT_RECOVERED, p->t_recv);
		}
		return;
	}
	cb_feedback_receiver_media(r, m, &h, p->t_kernel != CB_NS_NONE ? p->t_kernel : p->t_recv,
				   0);
	if (m == CB_MEDIA_VIDEO) {
		st->rtx_seq[h.seq / 8] &= (uint8_t) ~(1u << (h.seq % 8));
		rc = cb_assembler_insert(st->asmb, &h,
					 p->t_kernel != CB_NS_NONE ? p->t_kernel : p->t_recv,
					 p->t_recv, t_unprot);
		if (rc == CB_E_LATE)
			fate = CB_PKT_LATE;
		else if (rc < 0)
			fate = CB_PKT_MALFORMED;
	} else {
		rc = cb_rx_audio_packet(r, &h, p->t_kernel != CB_NS_NONE ? p->t_kernel : p->t_recv,
					p->t_recv, t_unprot, &fate);
		if (rc < 0)
			cb_rx_fail(r, rc, "audio receive");
	}
	if (fate == CB_PKT_MALFORMED)
		r->rejected_malformed[m]++;
	cb_rx_log_packet(r, m, h.seq, fate, p->t_recv);
}

/* The next thing the receive thread has to do without a packet: a frame or
 * slot due, a frame's wait for missing packets over, or feedback to send. */
static cb_ns rx_deadline(const struct cb_receiver *r)
{
	cb_ns t[3] = {cb_receiver_next_wakeup(r),
		      r->st->asmb ? cb_assembler_next_wakeup(r->st->asmb) : CB_NS_NONE,
		      cb_feedback_receiver_next_wakeup(r)},
	      d = CB_NS_NONE;

	for (int i = 0; i < 3; i++)
		if (t[i] != CB_NS_NONE && (d == CB_NS_NONE || t[i] < d))
			d = t[i];
	return d;
}

static void *rx_thread(void *arg)
{
	struct cb_receiver *r = arg;
	struct rx_state *st = r->st;
	struct cb_net_pkt pk[RX_BATCH];
	cb_ns repolled = CB_NS_NONE;

	/* Timed waits end when asked, not up to 50 us later (the default
	 * timer slack): a slot or a frame is due at its instant. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	while (!atomic_load(&r->stop) && !r->err) {
		cb_ns now = cb_clock_now(r->clock), until = rx_deadline(r);
		int n, rc;

		/* What is due is done before waiting: a poll can make more due
		 * (a NACK given up lets the assembler move on), or take long
		 * enough for the next slot to come due, so poll again.  A
		 * deadline that a poll left in the past (which would be a bug)
		 * is not polled for again and again: the receive call looks
		 * without waiting, and counts it (cb_recv_stats.early_empty). */
		if (until != CB_NS_NONE && until <= now && until != repolled) {
			repolled = until;
			rc = cb_receiver_poll(r);
			if (rc < 0)
				cb_rx_fail(r, rc, "playout");
			continue;
		}
		if (until == CB_NS_NONE || until > now + RX_MAX_WAIT)
			until = now + RX_MAX_WAIT;
		/* The deadline may have come while it was worked out (a slow
		 * machine, a sanitizer build): then it is due, not a wait. */
		if (until != repolled && until <= cb_clock_now(r->clock))
			continue;
		for (int i = 0; i < RX_BATCH; i++)
			pk[i] = (struct cb_net_pkt){.data = st->bufs[i], .cap = CB_NET_MAX_PKT};
		/* Asleep until a packet comes or that deadline, to the ns. */
		n = cb_transport_recv_until(r->tp, pk, RX_BATCH, until, r->clock, &r->recv);
		if (n < 0) {
			cb_rx_fail(r, n, "transport receive");
			break;
		}
		for (int i = 0; i < n; i++)
			cb_receiver_handle(r, &pk[i]);
		atomic_fetch_add(&r->packets_seen, (uint64_t)n);
		rc = cb_receiver_poll(r);
		if (rc < 0)
			cb_rx_fail(r, rc, "playout");
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
	cb_timeline_init(&r->playout, 48000);
	r->ss = ss;
	r->tp = tp;
	r->clock = clock;
	st = r->st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->mark_anchor = -1;
	rc = cb_srtp_open(&r->srtp, ss->suite, ss->key_remote, ss->key_len, CB_SRTP_INBOUND);
	if (rc < 0)
		return rc;
	/* The streams the description announced: a packet under another
	 * SSRC is not of this call. */
	for (int m = 0; m < 2; m++)
		if (ss->media[m].on && ss->media[m].ssrc) {
			r->have_ssrc[m] = 1;
			r->media_ssrc[m] = ss->media[m].ssrc;
		}
	if (ss->media[CB_MEDIA_VIDEO].on && ss->media[CB_MEDIA_VIDEO].rtx_ssrc) {
		r->have_rtx_ssrc = 1;
		r->rtx_ssrc = ss->media[CB_MEDIA_VIDEO].rtx_ssrc;
	}
	cb_srmap_init(&r->srmap[CB_MEDIA_VIDEO], 90000);
	cb_srmap_init(&r->srmap[CB_MEDIA_AUDIO], 48000);
	/* The rows of the whole call go to disk, beside the results. */
	for (int m = 0; m < 2; m++) {
		struct cb_rx_log *l = m == CB_MEDIA_VIDEO ? &r->video : &r->audio;

		if (!ss->media[m].on)
			continue;
		rc = cb_spool_open(&l->frames, c->out_dir, sizeof(struct cb_rx_frame));
		if (rc == 0)
			rc = cb_spool_open(&l->packets, c->out_dir, sizeof(struct cb_rx_packet));
		if (rc < 0)
			return rc;
	}
	if (ss->media[CB_MEDIA_VIDEO].on) {
		const struct cb_camera_cfg *camc = &ss->src.camera;
		const struct cb_codec_ops *ops = cb_codec_find(ss->media[CB_MEDIA_VIDEO].codec);
		struct cb_codec_cfg cc = {
		    .width = camc->track.width, .height = camc->track.height, .threads = 1};
		/* With NACK the gap waits for retransmissions until the
		 * requester gives up (it says so); without, only for
		 * reordering. */
		struct cb_assembler_cfg ac = {.max_wait = (c->nack ? 1000 : 100) * CB_NS_PER_MS,
					      .slots = cb_video_asm_slots(c)};

		if (!ops)
			return CB_E_NOTFOUND;
		ac.pay = cb_pay_find(ops->name);
		r->vpay = ac.pay;
		if (!ac.pay)
			return CB_E_NOTFOUND;
		rc = cb_assembler_open(&st->asmb, &ac);
		if (rc < 0)
			return rc;
		cb_seqref_init(&st->seqref);
		{
			struct cb_jb_cfg jc;

			cb_jb_cfg_default(&jc);
			jc.timing.min_playout_delay = (cb_ns)c->min_playout_delay_ms * CB_NS_PER_MS;
			jc.timing.max_playout_delay = (cb_ns)c->max_playout_delay_ms * CB_NS_PER_MS;
			jc.timing.render_delay = (cb_ns)c->render_delay_ms * CB_NS_PER_MS;
			jc.on_drop = on_jb_drop;
			jc.user = r;
			rc = cb_jb_open(&st->jb, &jc);
			if (rc < 0)
				return rc;
		}
		rc = cb_decoder_open(&st->vdec, ops, &cc);
		if (rc < 0)
			return rc;
		/* The reference pictures: the sender's camera, drawn again
		 * from its description. */
		if (c->quality != CB_QUALITY_OFF) {
			rc = cb_qworker_open(&st->qw, camc, c->sim);
			if (rc < 0)
				return rc;
		}
	}
	if (ss->media[CB_MEDIA_AUDIO].on) {
		const struct cb_audio_source_cfg *mic = &ss->src.mic;
		const struct cb_codec_ops *ops = cb_codec_find(ss->media[CB_MEDIA_AUDIO].codec);
		struct cb_codec_cfg cc = {.sample_rate = 48000,
					  .channels = 1,
					  .frame_ms = mic->frame_samples * 1000 / 48000};

		if (!ops)
			return CB_E_NOTFOUND;
		rc = cb_decoder_open(&st->adec, ops, &cc);
		if (rc < 0)
			return rc;
		rc = cb_amark_detector_open(&st->det, &ss->src.mic.marks);
		if (rc < 0)
			return rc;
		{
			struct cb_ajb_cfg aj;

			cb_ajb_cfg_default(&aj);
			aj.clock_rate = 48000;
			aj.frame_dur = (cb_ns)mic->frame_samples * CB_NS_PER_S / 48000;
			aj.initial_delay = (cb_ns)c->audio_jb_initial_ms * CB_NS_PER_MS;
			aj.min_delay = (cb_ns)c->audio_jb_min_ms * CB_NS_PER_MS;
			/* Shrinking stops above the target by the spread of
			 * the relative delays from the p95 up to the p99, as
			 * measured, at least 0.5 ms: enough that the target's
			 * wander as the window slides (on a clean path a few
			 * hundred us) does not make it grow by a whole frame.
			 * A frame missing with nothing after it waits up to a
			 * frame for its packet: a sender's hiccup costs a
			 * short wait, not a concealed frame (rx/audiojb.h). */
			aj.margin = CB_NS_PER_MS / 2;
			aj.margin_quantile = 0.99;
			aj.late_wait = aj.frame_dur;
			/* In-band FEC needs the next packet at hand; the delay
			 * that costs is paid only while frames go missing. */
			if (c->opus_fec)
				aj.fec_hold = 5 * CB_NS_PER_S;
			rc = cb_ajb_open(&st->ajb, &aj);
			if (rc < 0)
				return rc;
		}
		rc = cb_audio_source_open(&st->ref_audio, mic);
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

int cb_receiver_capture_time(const struct cb_receiver *r, enum cb_media m, uint32_t rtp_ts,
			     cb_ns *t)
{
	cb_ns ntp;
	int rc = cb_srmap_time(&r->srmap[m], rtp_ts, &ntp);

	if (rc == 0)
		*t = ntp - r->ss->ntp_epoch;
	return rc;
}

int cb_receiver_rtp_base(const struct cb_receiver *r, enum cb_media m, uint32_t *base)
{
	if (!r->st || !r->st->have_base[m])
		return CB_E_AGAIN;
	*base = r->st->rtp_base[m];
	return 0;
}

int cb_receiver_source_audio(struct cb_receiver *r, uint64_t first, int16_t *out, size_t n)
{
	if (!r->st || !r->st->ref_audio)
		return -EINVAL;
	return cb_audio_source_render(r->st->ref_audio, first, out, n);
}

int cb_receiver_start(struct cb_receiver *r)
{
	int rc = pthread_create(&r->thread, NULL, rx_thread, r);

	if (rc)
		return -rc;
	r->started = 1;
	return 0;
}

/*
 * When what was identified was captured, as this end knows it: content
 * numbers are RTP times (the base learned from the first identification),
 * and the sender's reports map RTP times to its wallclock.  One report
 * serves every time of the call (the mapping is a line), so this runs once
 * at the end, also for what arrived before the first report.
 */
static void capture_times(struct cb_receiver *r)
{
	struct rx_state *st = r->st;
	const struct cb_session *ss = r->ss;

	if (st->have_base[CB_MEDIA_VIDEO] && r->video.frames) {
		const uint64_t fps = (uint64_t)ss->src.camera.track.fps_num;

		for (uint64_t i = 0; i < cb_spool_count(r->video.frames); i++) {
			struct cb_rx_frame *f = cb_spool_at(r->video.frames, i);
			cb_ns t;

			if (f && f->identified && f->content_id >= 0 &&
			    cb_receiver_capture_time(
				r, CB_MEDIA_VIDEO,
				st->rtp_base[CB_MEDIA_VIDEO] +
				    (uint32_t)((uint64_t)f->content_id * 90000 / fps),
				&t) == 0)
				f->captured = t;
		}
	}
	cb_rx_audio_base(r);
	for (size_t i = 0; i < r->n_hits && st->have_base[CB_MEDIA_AUDIO]; i++) {
		struct cb_rx_hit *h = &r->hits[i];

		if (cb_receiver_capture_time(r, CB_MEDIA_AUDIO,
					     st->rtp_base[CB_MEDIA_AUDIO] +
						 (uint32_t)h->hit.src_sample,
					     &h->t_captured) < 0)
			h->t_captured = CB_NS_NONE;
	}
}

void cb_receiver_stop_join(struct cb_receiver *r)
{
	const struct cb_qresult *q;
	size_t n;

	atomic_store(&r->stop, 1);
	if (r->started)
		pthread_join(r->thread, NULL);
	r->started = 0;
	if (!r->st)
		return;
	if (!r->st->qw) {
		capture_times(r);
		return;
	}
	/* Let the quality worker finish what it was given, then put its
	 * figures on the records they belong to. */
	capture_times(r);
	cb_qworker_finish(r->st->qw);
	q = cb_qworker_results(r->st->qw, &n, &r->quality_skipped);
	r->quality_pictures = n;
	r->quality_cpu_s = cb_qworker_cpu_s(r->st->qw);
	for (size_t i = 0; i < n; i++) {
		struct cb_rx_frame *f = cb_spool_at(r->video.frames, q[i].rec);

		if (f) {
			f->psnr = q[i].psnr;
			f->ssim = q[i].ssim;
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
		cb_jb_close(st->jb);
		cb_ajb_close(st->ajb);
		cb_amark_detector_close(st->det);
		cb_qworker_close(st->qw);
		cb_audio_source_close(st->ref_audio);
		free(st->pcm);
		free(st);
	}
	cb_feedback_receiver_close(r);
	cb_srtp_close(r->srtp);
	cb_spool_close(r->video.frames);
	cb_spool_close(r->audio.frames);
	cb_spool_close(r->video.packets);
	cb_spool_close(r->audio.packets);
	memset(&r->video, 0, sizeof(r->video));
	memset(&r->audio, 0, sizeof(r->audio));
	cb_timeline_free(&r->playout);
	free(r->hits);
	free(r->audio_pcm);
	r->ss = NULL;
}
