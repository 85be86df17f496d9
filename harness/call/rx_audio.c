/*
 * rx_audio.c — the receiver's audio: packets into the audio jitter buffer,
 * playout one slot per frame duration (decoded, rebuilt from in-band FEC or
 * concealed), the delay shrunk by cuts placed clear of the marks, the marks
 * read back from the played waveform, and the RTP time of source sample 0
 * that the marks say.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/rx_state.h"

/*
 * Where in the slot about to be played (`nsamp` samples from stream
 * position r->playout.pos) st->cut_pending samples can go without touching
 * a mark: marks start every period after the last one found (the session
 * says the period), and last cb_amark_len samples; a guard keeps the
 * detector's correlation clear of the seam.  Before any mark was found
 * nothing is known and the cut goes at the slot's end.  1 and *at if found.
 */
static int pick_cut(const struct cb_receiver *r, size_t nsamp, uint32_t *at)
{
	const struct rx_state *st = r->st;
	const int64_t period = (int64_t)cb_amark_period(&r->ss->src.mic.marks);
	const int64_t len = (int64_t)cb_amark_len(&r->ss->src.mic.marks), guard = 96;
	const int64_t pos0 = (int64_t)r->playout.pos, cut = st->cut_pending;

	if ((int64_t)nsamp < cut)
		return 0;
	if (st->mark_anchor < 0 || period <= 0) {
		*at = (uint32_t)(nsamp - (size_t)cut);
		return 1;
	}
	for (int64_t c = (int64_t)nsamp - cut; c >= 0; c--) {
		/* The window [pos0 + c, pos0 + c + cut) against the mark that
		 * starts at or before its end. */
		int64_t a = pos0 + c, b = a + cut;
		int64_t k = (b - st->mark_anchor) / period;
		int64_t ms = st->mark_anchor + k * period;

		if (b - st->mark_anchor < 0)
			ms = st->mark_anchor;
		if (b <= ms - guard || a >= ms + len + guard) {
			*at = (uint32_t)c;
			return 1;
		}
	}
	return 0;
}

/* Play one audio slot `o`: decode `data` (NULL: conceal, or rebuild from
 * `fec_src`), put the samples on the playout timeline, keep them and read
 * marks in them.  `pi` is the packet when one plays; an EXPAND slot, added
 * to grow the delay, stands for no frame of the sender's.  Every call adds
 * exactly one record and one timeline slot, so the two share an index. */
static int audio_decode(struct cb_receiver *r, const struct cb_ajb_out *o, const uint8_t *data,
			size_t len, const struct apkt_info *pi, const uint8_t *fec_src,
			size_t fec_len)
{
	const int expand = o->action == CB_AJB_EXPAND;
	const cb_ns slot = o->slot;
	enum cb_play_kind kind;
	uint32_t cut, cut_at;
	struct rx_state *st = r->st;
	const struct cb_session *ss = r->ss;
	struct cb_rx_frame *rec;
	struct cb_amark_hit hits[8];
	size_t nsamp = st->pcm_room, nh = 8;
	cb_ns work;
	int rc;

	rec = cb_rx_frame_add(&r->audio);
	if (!rec)
		return cb_rx_frame_error(&r->audio);
	rec->rtp_ts = o->rtp_ts;
	rec->st[CB_RX_ST(CB_ST_JB_OUT)] = slot;
	if (pi) {
		rec->received = 1;
		rec->st[CB_RX_ST(CB_ST_ARRIVED)] = pi->arrived;
		rec->st[CB_RX_ST(CB_ST_FIRST_RECV)] = rec->st[CB_RX_ST(CB_ST_LAST_RECV)] = pi->recv;
		rec->st[CB_RX_ST(CB_ST_UNPROTECTED)] = pi->unprot;
		/* The buffer keys on the receive stamp; unprotecting came just
		 * after it, and the stages must not run backwards. */
		if (slot < pi->unprot)
			rec->st[CB_RX_ST(CB_ST_JB_OUT)] = pi->unprot;
	}
	rec->st[CB_RX_ST(CB_ST_DEC_START)] = cb_clock_now(r->clock);
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
	rec->st[CB_RX_ST(CB_ST_DEC_END)] = cb_clock_now(r->clock);
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
	/* An added slot is not a frame of the sender's lost: it is counted
	 * apart (an EXPAND slot of the playout timeline) and leaves the frame it
	 * delays alone. */
	rec->concealed = !rec->decoded && !rec->fec && !expand;
	kind = expand	      ? CB_PLAY_EXPAND
	       : rec->decoded ? CB_PLAY_FRESH
	       : rec->fec     ? CB_PLAY_FEC
			      : CB_PLAY_CONCEAL;
	/* The buffer plays the next slot `advanced` earlier: that many samples
	 * must go, or two would be heard at once (time-stretching without the
	 * DSP).  They are cut where no mark is, as a time-stretcher cuts where
	 * the signal lets it; until such a place comes they queue. */
	st->cut_pending += cb_timeline_samples(&r->playout, o->advanced);
	/* The marks still to come moved with what this slot changes: frames
	 * removed before it bring them earlier, an inserted slot later. */
	if (st->mark_anchor >= 0) {
		st->mark_anchor -= (int64_t)o->removed * r->ss->src.mic.frame_samples;
		if (expand)
			st->mark_anchor += (int64_t)nsamp;
	}
	cut = 0;
	cut_at = 0;
	if (st->cut_pending && pick_cut(r, nsamp, &cut_at)) {
		cut = st->cut_pending;
		memmove(st->pcm + cut_at, st->pcm + cut_at + cut,
			(nsamp - cut_at - cut) * sizeof(int16_t));
		st->cut_pending = 0;
		if (st->mark_anchor >= 0)
			st->mark_anchor -= cut;
	}
	rc = cb_timeline_add(&r->playout, kind, o->rtp_ts, (uint32_t)nsamp, cut, cut_at, o->removed,
			     rec->st[CB_RX_ST(CB_ST_DEC_END)]);
	if (rc < 0)
		return rc;
	nsamp -= cut;
	/* Keep the decoded waveform (up to a bound) for the objective audio
	 * quality figure computed after the call. */
	if (r->audio_pcm_n + nsamp <= CB_RX_AUDIO_KEEP) {
		if (r->audio_pcm_n + nsamp > r->audio_pcm_cap) {
			/* Doubling, but never past the bound: the last step
			 * would otherwise reserve up to twice what is kept. */
			size_t cap = r->audio_pcm_cap ? r->audio_pcm_cap * 2 : 48000 * 16;
			int16_t *p;

			if (cap > CB_RX_AUDIO_KEEP)
				cap = CB_RX_AUDIO_KEEP;
			p = realloc(r->audio_pcm, cap * sizeof(*p));
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
	rec->st[CB_RX_ST(CB_ST_IDENTIFIED)] = cb_clock_now(r->clock);
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
		j = cb_timeline_seg_at(&r->playout, hits[i].out_sample);
		if (j >= r->playout.n)
			continue; /* cannot be: the detector saw only played samples */
		x->hit = hits[i];
		x->rx_index = j;
		st->mark_anchor = (int64_t)hits[i].out_sample;
		/* A sample is heard when the playout timeline reaches it: the
		 * slots' samples play back to back at 48 kHz, so every sample
		 * has the same latency, framing plus look-ahead plus the
		 * pipeline plus the wait in the device's queue, wherever it
		 * sat in its frame. */
		x->t_avail = cb_timeline_time(&r->playout, hits[i].out_sample);
		x->t_identified = rec->st[CB_RX_ST(CB_ST_IDENTIFIED)];
		x->t_captured = CB_NS_NONE;
		/* Live figure: the mark's source sample is RTP time base +
		 * sample, whose capture time the sender's reports give. */
		if (!st->have_base[CB_MEDIA_AUDIO] && j < r->playout.n &&
		    r->playout.v[j].kind == CB_PLAY_FRESH) {
			const struct cb_play_seg *g = &r->playout.v[j];

			st->rtp_base[CB_MEDIA_AUDIO] =
			    g->rtp_ts + (uint32_t)(hits[i].out_sample - g->pos) -
			    (uint32_t)ss->src.audio_delay - (uint32_t)hits[i].src_sample;
			st->have_base[CB_MEDIA_AUDIO] = 1;
		}
		if (st->have_base[CB_MEDIA_AUDIO] &&
		    cb_receiver_capture_time(
			r, CB_MEDIA_AUDIO,
			st->rtp_base[CB_MEDIA_AUDIO] + (uint32_t)hits[i].src_sample, &t_cap) == 0)
			atomic_store(&r->last_audio_ns, x->t_avail - t_cap);
		atomic_fetch_add(&r->audio_identified, 1);
	}
	return 0;
}

int cb_rx_audio_packet(struct cb_receiver *r, const struct cb_rtp_hdr *h, cb_ns t_arrived,
		       cb_ns t_recv, cb_ns t_unprot, enum cb_pkt_fate *fate)
{
	struct rx_state *st = r->st;
	struct cb_ajb_packet pk;
	struct apkt_info *pi;
	int rc;

	if (h->payload_len == 0) {
		*fate = CB_PKT_MALFORMED;
		return 0;
	}
	/* Playout runs on the receiver's clock, so the buffer gets the time
	 * the receiver took the packet, not the kernel's stamp. */
	pk = (struct cb_ajb_packet){.seq = h->seq,
				    .rtp_ts = h->ts,
				    .arrival = t_recv,
				    .data = h->payload,
				    .len = h->payload_len};
	rc = cb_ajb_insert(st->ajb, &pk);
	if (rc == CB_E_LATE) {
		*fate = CB_PKT_LATE;
		return 0;
	}
	if (rc == CB_E_NOSPACE) {
		/* Too far ahead of playout to hold: discarded like a late
		 * one, and its slot will be concealed. */
		*fate = CB_PKT_LATE;
		return 0;
	}
	if (rc < 0)
		return rc;
	pi = &st->ainfo[h->seq % AINFO_SLOTS];
	if (pi->valid && pi->seq == h->seq)
		return 0; /* a duplicate: the first copy's stamps stand */
	*pi = (struct apkt_info){.valid = 1,
				 .seq = h->seq,
				 .len = (uint32_t)h->payload_len,
				 .arrived = t_arrived,
				 .recv = t_recv,
				 .unprot = t_unprot};
	return 0;
}

/* Play every audio slot that is due. */
int cb_rx_audio_poll(struct cb_receiver *r)
{
	struct rx_state *st = r->st;
	struct cb_ajb_out o;
	int act, rc = 0;

	while ((act = cb_ajb_pull(st->ajb, cb_clock_now(r->clock), &o)) > 0) {
		const struct apkt_info *pi;

		switch (act) {
		case CB_AJB_PLAY:
			pi = &st->ainfo[o.seq % AINFO_SLOTS];
			if (!pi->valid || pi->seq != o.seq)
				pi = NULL;
			rc = audio_decode(r, &o, o.data, o.len, pi, NULL, 0);
			if (pi)
				st->ainfo[o.seq % AINFO_SLOTS].valid = 0;
			break;
		case CB_AJB_FEC:
			/* The next packet is here: it carries this frame as
			 * in-band FEC, if the call uses it. */
			rc = audio_decode(r, &o, NULL, 0, NULL,
					  r->ss->cfg->opus_fec ? o.data : NULL, o.len);
			break;
		case CB_AJB_CONCEAL:
			rc = audio_decode(r, &o, NULL, 0, NULL, NULL, 0);
			break;
		case CB_AJB_EXPAND:
			rc = audio_decode(r, &o, NULL, 0, NULL, NULL, 0);
			break;
		default:
			break;
		}
		if (rc < 0)
			return rc;
	}
	return act < 0 ? act : 0;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* The audio RTP time of source sample 0 from every mark found in a slot
 * played as decoded and uncut: the median of what each says (the detector
 * places a mark to a few samples; the median does not follow one that is
 * off). */
void cb_rx_audio_base(struct cb_receiver *r)
{
	struct rx_state *st = r->st;
	int32_t *d = r->n_hits ? malloc(r->n_hits * sizeof(*d)) : NULL;
	size_t n = 0;

	if (!d)
		return;
	for (size_t i = 0; i < r->n_hits; i++) {
		const struct cb_rx_hit *h = &r->hits[i];
		const struct cb_play_seg *g;

		if (h->rx_index >= r->playout.n)
			continue;
		g = &r->playout.v[h->rx_index];
		if (g->kind != CB_PLAY_FRESH || g->cut || h->hit.out_sample < g->pos)
			continue;
		d[n++] = (int32_t)(g->rtp_ts + (uint32_t)(h->hit.out_sample - g->pos) -
				   (uint32_t)r->ss->src.audio_delay - (uint32_t)h->hit.src_sample -
				   st->rtp_base[CB_MEDIA_AUDIO]);
	}
	if (n && st->have_base[CB_MEDIA_AUDIO]) {
		qsort(d, n, sizeof(*d), cmp_i32);
		st->rtp_base[CB_MEDIA_AUDIO] += (uint32_t)d[n / 2];
	}
	free(d);
}
