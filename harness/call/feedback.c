/*
 * feedback.c — RTCP between the two ends of a call, both ways over the same
 * transport (rtcp-mux) and protected with SRTCP:
 *  - the sender sends sender reports (RFC 3550 §6.4.1) and answers generic
 *    NACKs (RFC 4585) with RTX retransmissions (RFC 4588) and PLIs with a
 *    key frame;
 *  - the receiver sends receiver reports (fraction lost, cumulative loss,
 *    interarrival jitter, LSR/DLSR for the sender's RTT), NACKs for missing
 *    video packets and a PLI when its decoder has lost its reference.
 * Every function takes its time from the end's own clock, so the same code
 * runs on threads in real time and as events in a simulation.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/error.h"
#include "call/endpoint.h"
#include "srtp/srtp.h"

#define RTCP_MAX	 1500
#define NACK_BATCH	 256
#define PLI_MIN_INTERVAL (200 * CB_NS_PER_MS)
/* The feedback thread looks at its stop flag at least this often. */
#define FB_MAX_WAIT (50 * CB_NS_PER_MS)

static int grow_doubles(double **v, size_t *cap, size_t n)
{
	if (n < *cap)
		return 0;
	{
		size_t c = *cap ? *cap * 2 : 256;
		double *p = realloc(*v, c * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	return 0;
}

/* ---- sender ---- */

int cb_feedback_sender_open(struct cb_sender *s, struct cb_transport *fb_tp,
			    const struct cb_clock *fclock)
{
	const struct cb_session *ss = s->ss;
	const struct cb_call_cfg *c = ss->cfg;
	int rc;

	s->fb_tp = fb_tp;
	s->fclock = fclock;
	s->rec.nack_enabled = c->nack;
	rc = cb_srtp_open(&s->srtcp_in, ss->suite, ss->key_remote, ss->key_len, CB_SRTP_INBOUND);
	if (rc < 0)
		return rc;
	if (ss->media[CB_MEDIA_VIDEO].on && ss->media[CB_MEDIA_VIDEO].rtx_pt >= 0) {
		struct cb_rtx_cfg rc_cfg = {
		    .ssrc = ss->media[CB_MEDIA_VIDEO].rtx_ssrc, /* its own SSRC (RFC 4588) */
		    .pt = (uint8_t)ss->media[CB_MEDIA_VIDEO].rtx_pt,
		    .seq_start = (uint16_t)(s->video.seq * 7u + 1u),
		};
		rc = cb_rtx_open(&s->rtx, &rc_cfg);
		if (rc < 0)
			return rc;
	}
	s->next_sr = ss->t0;
	return 0;
}

void cb_feedback_sender_sent(struct cb_sender *s, const uint8_t *rtp, size_t len, cb_ns now)
{
	if (s->rtx)
		cb_rtx_put(s->rtx, rtp, len, now);
}

/* Protect an RTP or RTCP packet of track `m` with its SRTP context and send
 * it on the track's way out.  Called with the track's lock held. */
static int sender_emit(struct cb_sender *s, enum cb_media m, uint8_t *buf, size_t len, int rtcp,
		       cb_ns now)
{
	struct cb_net_pkt pk;
	struct cb_path_verdict v = {.fate = CB_PKT_DELIVERED};
	size_t out = 0;
	int rc;

	struct cb_srtp *srtp = m == CB_MEDIA_VIDEO ? s->video.srtp : s->audio.srtp;

	rc = rtcp ? cb_srtcp_protect(srtp, buf, len, CB_NET_MAX_PKT, &out)
		  : cb_srtp_protect(srtp, buf, len, CB_NET_MAX_PKT, &out);
	if (rc < 0)
		return rc;
	pk = (struct cb_net_pkt){.data = buf, .len = out};
	pthread_mutex_lock(&s->send_lock);
	rc = cb_path_send(s->mpath[m], &pk, 1, now, &v);
	pthread_mutex_unlock(&s->send_lock);
	if (rc == 1 && v.fate == CB_PKT_DELIVERED)
		atomic_fetch_add(&s->packets_expected, 1u + v.duplicated);
	if (rc == 1 && !rtcp && v.fate == CB_PKT_DELIVERED && v.duplicated)
		s->rtx_duplicated++;
	return rc < 0 ? rc : 0;
}

static void sender_on_nack(struct cb_sender *s, const struct cb_rtcp_msg *m, cb_ns now)
{
	struct cb_nack_entry e;
	uint16_t seqs[17];

	s->rec.nack_received++;
	if (!s->rtx || m->u.fb.media_ssrc != s->video.ssrc)
		return;
	for (size_t i = 0; cb_rtcp_nack_get(m, i, &e) == 0; i++) {
		size_t n = 17;

		if (cb_nack_decode(&e, 1, seqs, &n) < 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			uint8_t buf[CB_NET_MAX_PKT];
			size_t len = sizeof(buf) - CB_SRTP_MAX_OVERHEAD;

			pthread_mutex_lock(&s->video.lock);
			if (cb_rtx_resend(s->rtx, seqs[k], now, buf, &len) == 0 &&
			    sender_emit(s, CB_MEDIA_VIDEO, buf, len, 0, now) == 0) {
				s->rec.rtx_sent++;
				s->rec.rtx_bytes += len;
			} else {
				s->rec.rtx_refused++;
			}
			pthread_mutex_unlock(&s->video.lock);
		}
	}
}

static void sender_on_report(struct cb_sender *s, const struct cb_rtcp_report_block *b, cb_ns now)
{
	struct cb_rtcp_sample *x;
	enum cb_media m;
	cb_ns rtt;
	int rc;

	if (b->ssrc == s->video.ssrc && s->video.enabled)
		m = CB_MEDIA_VIDEO;
	else if (b->ssrc == s->audio.ssrc && s->audio.enabled)
		m = CB_MEDIA_AUDIO;
	else
		return;
	if (s->n_rtcp == s->rtcp_cap) {
		size_t cap = s->rtcp_cap ? s->rtcp_cap * 2 : 128;
		struct cb_rtcp_sample *p = realloc(s->rtcp, cap * sizeof(*p));
		if (!p)
			return;
		s->rtcp = p;
		s->rtcp_cap = cap;
	}
	rc = cb_rtt_from_report_block(cb_ntp_mid32(cb_ntp_from_ns(now, s->ss->ntp_epoch)), b->lsr,
				      b->dlsr, &rtt);
	x = &s->rtcp[s->n_rtcp++];
	x->t = now;
	x->media = m;
	x->rtt_ms = rc == 0 ? (double)rtt / 1e6 : NAN;
	x->fraction_lost = b->fraction_lost / 256.0;
	x->cumulative_lost = b->cumulative_lost;
	x->jitter_ms = b->jitter * 1000.0 / (m == CB_MEDIA_VIDEO ? 90000.0 : 48000.0);
	if (rc == 0 && m == CB_MEDIA_VIDEO && s->rtx) {
		pthread_mutex_lock(&s->video.lock);
		cb_rtx_set_rtt(s->rtx, rtt);
		pthread_mutex_unlock(&s->video.lock);
	}
}

static int sender_rtcp_msg(void *user, const struct cb_rtcp_msg *m)
{
	struct cb_sender *s = user;
	cb_ns now = cb_clock_now(s->fclock);

	switch (m->type) {
	case CB_RTCP_RR:
		for (int i = 0; i < m->u.rr.n_blocks; i++)
			sender_on_report(s, &m->u.rr.blocks[i], now);
		break;
	case CB_RTCP_SR:
		for (int i = 0; i < m->u.sr.n_blocks; i++)
			sender_on_report(s, &m->u.sr.blocks[i], now);
		break;
	case CB_RTCP_NACK:
		sender_on_nack(s, m, now);
		break;
	case CB_RTCP_PLI:
	case CB_RTCP_FIR:
		s->rec.pli_received++;
		atomic_store(&s->force_key, 1);
		break;
	default:
		break;
	}
	return 0;
}

void cb_feedback_sender_handle(struct cb_sender *s, struct cb_net_pkt *p)
{
	size_t plain = 0;

	if (!cb_rtp_is_rtcp(p->data, p->len) ||
	    cb_srtcp_unprotect(s->srtcp_in, p->data, p->len, &plain) < 0 ||
	    cb_rtcp_parse(p->data, plain, sender_rtcp_msg, s) < 0)
		s->rec.rtcp_rejected = s->rec.rtcp_rejected + 1;
}

/* One SR per track, with its own SSRC, when the interval has passed. */
int cb_feedback_sender_poll(struct cb_sender *s)
{
	const struct cb_session *ss = s->ss;
	cb_ns now = cb_clock_now(s->fclock);
	struct cb_sender_track *tracks[2] = {&s->video, &s->audio};
	int rc = 0;

	if (now < s->next_sr)
		return 0;
	s->next_sr = now + (cb_ns)ss->cfg->rtcp_interval_ms * CB_NS_PER_MS;
	for (int i = 0; i < 2 && rc == 0; i++) {
		struct cb_sender_track *t = tracks[i];
		struct cb_rtcp_sr sr = {0};
		uint8_t buf[CB_NET_MAX_PKT];
		size_t len = RTCP_MAX;
		uint32_t rate = i == 0 ? 90000 : 48000;
		int64_t since = now - ss->t0;

		if (!t->enabled)
			continue;
		sr.ssrc = t->ssrc;
		sr.ntp = cb_ntp_from_ns(now, ss->ntp_epoch);
		/* The RTP time of `now` on this track's media clock, rounded to
		 * the nearest tick: a receiver maps capture times through it
		 * (rx/srmap.h), to half a tick. */
		sr.rtp_ts =
		    t->ts_base +
		    (uint32_t)((since * (int64_t)rate + (since >= 0 ? 1 : -1) * CB_NS_PER_S / 2) /
			       CB_NS_PER_S);
		pthread_mutex_lock(&t->lock);
		sr.packet_count = s->pkt_count[i];
		sr.octet_count = s->octet_count[i];
		rc = cb_rtcp_build_report(&sr, NULL, "callbench-sender", buf, &len);
		if (rc == 0)
			rc = sender_emit(s, (enum cb_media)i, buf, len, 1, now);
		pthread_mutex_unlock(&t->lock);
	}
	return rc;
}

static void *sender_fb_thread(void *arg)
{
	struct cb_sender *s = arg;
	uint8_t bufs[8][CB_NET_MAX_PKT];
	struct cb_net_pkt pk[8];

	while (!atomic_load(&s->fb_stop)) {
		/* Asleep until feedback comes or the next SR is due. */
		cb_ns until = cb_clock_now(s->fclock) + FB_MAX_WAIT;
		int n;

		if (s->next_sr < until)
			until = s->next_sr;
		if (!s->fb_tp) {
			cb_clock_sleep_until(s->fclock, until);
			cb_feedback_sender_poll(s);
			continue;
		}
		for (int i = 0; i < 8; i++)
			pk[i] = (struct cb_net_pkt){.data = bufs[i], .cap = CB_NET_MAX_PKT};
		n = cb_transport_recv_until(s->fb_tp, pk, 8, until, s->fclock, NULL);
		for (int i = 0; i < n; i++)
			cb_feedback_sender_handle(s, &pk[i]);
		if (n < 0)
			break;
		cb_feedback_sender_poll(s);
	}
	return NULL;
}

int cb_feedback_sender_start(struct cb_sender *s)
{
	int rc = pthread_create(&s->fb_thread, NULL, sender_fb_thread, s);

	if (rc)
		return -rc;
	s->fb_started = 1;
	return 0;
}

void cb_feedback_sender_stop(struct cb_sender *s)
{
	atomic_store(&s->fb_stop, 1);
	if (s->fb_started)
		pthread_join(s->fb_thread, NULL);
	s->fb_started = 0;
}

void cb_feedback_sender_close(struct cb_sender *s)
{
	struct cb_rtx_stats st;

	cb_feedback_sender_stop(s);
	if (s->rtx) {
		cb_rtx_get_stats(s->rtx, &st);
		(void)st;
	}
	cb_rtx_close(s->rtx);
	s->rtx = NULL;
	cb_srtp_close(s->srtcp_in);
	s->srtcp_in = NULL;
	free(s->rtcp);
	s->rtcp = NULL;
}

/* ---- receiver ---- */

static void on_nack_event(void *user, const struct cb_nack_event *ev)
{
	struct cb_receiver *r = user;

	if (ev->kind == CB_NACK_EV_GAVE_UP) {
		/* The picture is lost from when the gap was first seen. */
		if (r->loss_since == CB_NS_NONE || ev->detected < r->loss_since)
			r->loss_since = ev->detected;
		cb_receiver_gave_up(r, ev->seq);
	}
	if (ev->kind != CB_NACK_EV_RECOVERED)
		return;
	if (grow_doubles(&r->recovery_ms, &r->recovery_cap, r->n_recovery) == 0)
		r->recovery_ms[r->n_recovery++] = (double)ev->delay / 1e6;
}

int cb_feedback_receiver_open(struct cb_receiver *r, struct cb_path *rpath)
{
	const struct cb_session *ss = r->ss;
	const struct cb_call_cfg *c = ss->cfg;
	int rc;

	r->rpath = rpath;
	r->rec.nack_enabled =
	    ss->media[CB_MEDIA_VIDEO].on && (ss->media[CB_MEDIA_VIDEO].fb & CB_SDP_FB_NACK);
	rc = cb_srtp_open(&r->srtcp_out, ss->suite, ss->key_local, ss->key_len, CB_SRTP_OUTBOUND);
	if (rc < 0)
		return rc;
	if (r->rec.nack_enabled) {
		/* Give up on a packet after 400 ms: later than that, a key
		 * frame (PLI) is the quicker way back to a moving picture. */
		struct cb_nack_cfg nc = {
		    .on_event = on_nack_event, .user = r, .max_age = 400 * CB_NS_PER_MS};
		rc = cb_nack_open(&r->nack, &nc);
		if (rc < 0)
			return rc;
	}
	/* Streams the description announced have their statistics from the
	 * start; the others from their first packet. */
	for (int m = 0; m < 2; m++)
		if (r->have_ssrc[m])
			cb_rtp_rx_stats_init(&r->rxs[m], r->media_ssrc[m]);
	r->next_rr = ss->t0 + (cb_ns)c->rtcp_interval_ms * CB_NS_PER_MS / 2;
	r->last_pli = CB_NS_NONE;
	r->loss_since = CB_NS_NONE;
	r->last_sr_arrival[0] = r->last_sr_arrival[1] = CB_NS_NONE;
	return 0;
}

void cb_feedback_receiver_media(struct cb_receiver *r, enum cb_media m, const struct cb_rtp_hdr *h,
				cb_ns arrival, int is_rtx)
{
	if (!is_rtx) {
		if (!r->have_ssrc[m]) {
			r->have_ssrc[m] = 1;
			r->media_ssrc[m] = h->ssrc;
			cb_rtp_rx_stats_init(&r->rxs[m], h->ssrc);
		}
		if (h->ssrc == r->media_ssrc[m])
			cb_rtp_rx_stats_update(&r->rxs[m], h->seq, h->ts, arrival,
					       m == CB_MEDIA_VIDEO ? 90000 : 48000);
	}
	if (m == CB_MEDIA_VIDEO && r->nack) {
		struct cb_pay_info info;
		unsigned flags = is_rtx ? CB_NACK_F_RTX : 0;

		if (r->vpay && r->vpay->parse(h->payload, h->payload_len, &info) == 0 &&
		    info.frame_start && info.keyframe)
			flags |= CB_NACK_F_KEYFRAME;
		if (cb_nack_on_packet(r->nack, h->seq, arrival, flags) == CB_NACK_KEYFRAME_NEEDED)
			cb_feedback_receiver_broken(r, 1, arrival);
	}
}

static int receiver_rtcp_msg(void *user, const struct cb_rtcp_msg *m)
{
	struct cb_receiver *r = user;
	cb_ns now = cb_clock_now(r->clock);

	if (m->type != CB_RTCP_SR)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (r->have_ssrc[i] && r->media_ssrc[i] == m->u.sr.ssrc) {
			r->last_sr_mid[i] = cb_ntp_mid32(m->u.sr.ntp);
			r->last_sr_arrival[i] = now;
			cb_srmap_update(&r->srmap[i], m->u.sr.ntp, m->u.sr.rtp_ts,
					now + r->ss->ntp_epoch);
		}
	}
	return 0;
}

void cb_feedback_receiver_rtcp(struct cb_receiver *r, struct cb_net_pkt *p)
{
	size_t plain = 0;

	if (cb_srtcp_unprotect(r->srtp, p->data, p->len, &plain) < 0 ||
	    cb_rtcp_parse(p->data, plain, receiver_rtcp_msg, r) < 0)
		r->rec.rtcp_rejected++;
}

int cb_feedback_receiver_owns(const struct cb_receiver *r, const struct cb_net_pkt *p)
{
	uint32_t ssrc;

	if (p->len < 8)
		return 1; /* not ours to pass on: refused here */
	ssrc = cb_get32(p->data + 4);
	for (int m = 0; m < 2; m++) {
		const struct cb_stream *st = &r->ss->media[m];

		if (st->on && (ssrc == st->ssrc || (st->rtx_ssrc && ssrc == st->rtx_ssrc)))
			return 1;
	}
	return 0;
}

void cb_feedback_receiver_broken(struct cb_receiver *r, int broken, cb_ns now)
{
	if (broken && !r->broken) {
		r->broken = 1;
		r->broken_since =
		    r->loss_since != CB_NS_NONE && r->loss_since < now ? r->loss_since : now;
		r->last_pli = CB_NS_NONE; /* ask at once */
	} else if (!broken && r->broken) {
		r->broken = 0;
		r->loss_since = CB_NS_NONE;
		if (grow_doubles(&r->keyframe_wait_ms, &r->keyframe_wait_cap, r->n_keyframe_wait) ==
		    0)
			r->keyframe_wait_ms[r->n_keyframe_wait++] =
			    (double)(now - r->broken_since) / 1e6;
	}
}

static int receiver_emit(struct cb_receiver *r, uint8_t *buf, size_t len, cb_ns now)
{
	struct cb_net_pkt pk;
	size_t out = 0;
	int rc;

	rc = cb_srtcp_protect(r->srtcp_out, buf, len, CB_NET_MAX_PKT, &out);
	if (rc < 0)
		return rc;
	pk = (struct cb_net_pkt){.data = buf, .len = out};
	rc = cb_path_send(r->rpath, &pk, 1, now, NULL);
	if (rc >= 0)
		r->rec.rtcp_sent++;
	return rc < 0 ? rc : 0;
}

int cb_feedback_receiver_poll(struct cb_receiver *r)
{
	const struct cb_session *ss = r->ss;
	cb_ns now = cb_clock_now(r->clock);
	uint8_t buf[CB_NET_MAX_PKT];
	int rc = 0;

	if (!r->rpath)
		return 0;
	/* NACKs as soon as they are due (RFC 4585 early feedback). */
	if (r->nack && r->have_ssrc[CB_MEDIA_VIDEO]) {
		uint16_t seqs[NACK_BATCH];
		size_t n = cb_nack_due(r->nack, now, seqs, NACK_BATCH);

		if (n) {
			struct cb_nack_entry e[NACK_BATCH];
			size_t ne = NACK_BATCH, len = RTCP_MAX;

			if (cb_nack_encode(seqs, n, e, &ne) == 0 &&
			    cb_rtcp_build_nack(ss->own_ssrc, r->media_ssrc[CB_MEDIA_VIDEO], e, ne,
					       buf, &len) == 0)
				rc = receiver_emit(r, buf, len, now);
		}
	}
	/* A decoder without its reference asks for a key frame, and again
	 * while none comes. */
	if (r->broken && r->have_ssrc[CB_MEDIA_VIDEO] &&
	    (r->last_pli == CB_NS_NONE || now - r->last_pli >= PLI_MIN_INTERVAL)) {
		size_t len = RTCP_MAX;

		if (cb_rtcp_build_pli(ss->own_ssrc, r->media_ssrc[CB_MEDIA_VIDEO], buf, &len) ==
			0 &&
		    receiver_emit(r, buf, len, now) == 0) {
			r->rec.pli_sent++;
			r->last_pli = now;
		}
	}
	/* Regular receiver reports with one block per media. */
	if (now >= r->next_rr) {
		struct cb_rtcp_rr rr = {.ssrc = ss->own_ssrc};
		size_t len = RTCP_MAX;

		r->next_rr = now + (cb_ns)ss->cfg->rtcp_interval_ms * CB_NS_PER_MS;
		for (int i = 0; i < 2; i++)
			if (r->have_ssrc[i] &&
			    cb_rtp_rx_stats_report_block(&r->rxs[i], now, r->last_sr_mid[i],
							 r->last_sr_arrival[i],
							 &rr.blocks[rr.n_blocks]) == 0)
				rr.n_blocks++;
		if (rr.n_blocks &&
		    cb_rtcp_build_report(NULL, &rr, "callbench-receiver", buf, &len) == 0)
			rc = receiver_emit(r, buf, len, now);
	}
	return rc;
}

cb_ns cb_feedback_receiver_next_wakeup(const struct cb_receiver *r)
{
	cb_ns t = r->rpath ? r->next_rr : CB_NS_NONE;

	if (!r->rpath)
		return CB_NS_NONE;
	if (r->nack && r->have_ssrc[CB_MEDIA_VIDEO]) {
		cb_ns n = cb_nack_next_deadline(r->nack);
		if (n != CB_NS_NONE && n < t)
			t = n;
	}
	if (r->broken && r->have_ssrc[CB_MEDIA_VIDEO] && r->last_pli != CB_NS_NONE &&
	    r->last_pli + PLI_MIN_INTERVAL < t)
		t = r->last_pli + PLI_MIN_INTERVAL;
	return t;
}

void cb_feedback_receiver_close(struct cb_receiver *r)
{
	cb_nack_close(r->nack);
	r->nack = NULL;
	cb_srtp_close(r->srtcp_out);
	r->srtcp_out = NULL;
	free(r->recovery_ms);
	free(r->keyframe_wait_ms);
	r->recovery_ms = r->keyframe_wait_ms = NULL;
}
