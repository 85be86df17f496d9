#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "rx/assembler.h"

/* Room for one packet's payload: an RTP packet never exceeds the transport's
 * largest datagram. */
#define SLOT_BYTES 2048

struct slot {
	int used;
	uint16_t seq;
	uint32_t ts;
	uint8_t marker;
	struct cb_pay_info info;
	cb_ns t_arrived, t_recv, t_unprot;
	uint16_t len;
	uint8_t data[SLOT_BYTES];
};

struct cb_assembler {
	struct cb_assembler_cfg cfg;
	struct slot *slots;
	size_t mask;
	int have_last;	   /* a frame was handed out (or a gap given up on) */
	uint16_t last_seq; /* last sequence number of that frame */
	uint8_t *frame;	   /* the frame being handed out */
	int have_give_up;  /* packets before give_up_before will not come */
	uint16_t give_up_before;
	size_t frame_cap;
	struct cb_assembler_stats st;
};

int cb_assembler_open(struct cb_assembler **out, const struct cb_assembler_cfg *cfg)
{
	struct cb_assembler *a;
	size_t n;

	if (!out || !cfg || !cfg->pay)
		return -EINVAL;
	n = cfg->slots ? cfg->slots : 1024;
	if (n & (n - 1) || n > 32768)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	a->cfg.slots = n;
	if (!a->cfg.max_wait)
		a->cfg.max_wait = 100 * CB_NS_PER_MS;
	a->mask = n - 1;
	a->slots = calloc(n, sizeof(*a->slots));
	if (!a->slots) {
		free(a);
		return -ENOMEM;
	}
	*out = a;
	return 0;
}

void cb_assembler_close(struct cb_assembler *a)
{
	if (!a)
		return;
	free(a->slots);
	free(a->frame);
	free(a);
}

void cb_assembler_give_up_before(struct cb_assembler *a, uint16_t seq)
{
	if (!a->have_give_up || cb_seq_diff(seq, a->give_up_before) > 0) {
		a->give_up_before = seq;
		a->have_give_up = 1;
	}
}

void cb_assembler_get_stats(const struct cb_assembler *a, struct cb_assembler_stats *st)
{
	*st = a->st;
}

int cb_assembler_insert(struct cb_assembler *a, const struct cb_rtp_hdr *h, cb_ns t_arrived,
			cb_ns t_recv, cb_ns t_unprotected)
{
	struct cb_pay_info info;
	uint8_t conv[SLOT_BYTES];
	const uint8_t *bytes;
	size_t nbytes;
	struct slot *s;
	int rc;

	rc = a->cfg.pay->parse(h->payload, h->payload_len, &info);
	if (rc < 0)
		return rc;
	if (h->payload_len - info.hdr_len > SLOT_BYTES)
		return CB_E_BADPKT;
	bytes = h->payload + info.hdr_len;
	nbytes = h->payload_len - info.hdr_len;
	/* A format whose frame is not its payloads joined (H.264 rebuilds an
	 * Annex B stream from FU-A and STAP-A) converts each payload here, into
	 * a buffer of its own so that a failure leaves the slots untouched. */
	if (a->cfg.pay->depacketize) {
		nbytes = sizeof(conv);
		rc = a->cfg.pay->depacketize(h->payload, h->payload_len, conv, &nbytes);
		if (rc < 0)
			return rc == CB_E_NOSPACE ? CB_E_BADPKT : rc;
		bytes = conv;
	}
	if (a->have_last && cb_seq_diff(h->seq, a->last_seq) <= 0) {
		a->st.late++;
		return CB_E_LATE;
	}
	s = &a->slots[h->seq & a->mask];
	if (s->used) {
		if (s->seq == h->seq) {
			a->st.duplicates++;
			return 0;
		}
		/* The buffer wrapped around a packet that never completed a
		 * frame: the newer packet wins. */
		a->st.overflow++;
	}
	a->st.packets++;
	s->used = 1;
	s->seq = h->seq;
	s->ts = h->ts;
	s->marker = h->marker;
	s->info = info;
	s->t_arrived = t_arrived;
	s->t_recv = t_recv;
	s->t_unprot = t_unprotected;
	s->len = (uint16_t)nbytes;
	memcpy(s->data, bytes, nbytes);
	return 0;
}

static struct slot *slot_at(struct cb_assembler *a, uint16_t seq)
{
	struct slot *s = &a->slots[seq & a->mask];

	return s->used && s->seq == seq ? s : NULL;
}

/* If a complete frame starts at `start`, return its packet count. */
static int frame_complete(struct cb_assembler *a, uint16_t start)
{
	struct slot *s = slot_at(a, start);
	uint32_t ts;

	if (!s || !s->info.frame_start)
		return 0;
	ts = s->ts;
	for (int n = 1; n <= (int)a->cfg.slots; n++) {
		s = slot_at(a, (uint16_t)(start + n - 1));
		if (!s || s->ts != ts)
			return 0;
		if (s->marker)
			return n;
	}
	return 0;
}

/* The earliest complete frame after the last one handed out (or, before
 * any, among everything buffered).  Returns its start or -1. */
static int earliest_complete(struct cb_assembler *a, int *npk, cb_ns *done_at)
{
	int best = -1, best_diff = 0;

	for (size_t i = 0; i <= a->mask; i++) {
		struct slot *s = &a->slots[i];
		int diff, n;

		if (!s->used || !s->info.frame_start)
			continue;
		diff = a->have_last ? cb_seq_diff(s->seq, a->last_seq) : 0;
		if (a->have_last && diff <= 0)
			continue;
		if (best >= 0 && cb_seq_diff(s->seq, (uint16_t)best) >= 0)
			continue;
		n = frame_complete(a, s->seq);
		if (!n)
			continue;
		best = s->seq;
		best_diff = diff;
		*npk = n;
	}
	(void)best_diff;
	if (best >= 0) {
		cb_ns t = CB_NS_NONE;
		for (int i = 0; i < *npk; i++) {
			struct slot *s = slot_at(a, (uint16_t)(best + i));
			if (s->t_recv > t)
				t = s->t_recv;
		}
		*done_at = t;
	}
	return best;
}

/* Drop every buffered packet from last_seq+1 up to (not including) `to`,
 * counting the distinct frames among them as skipped. */
static uint32_t drop_until(struct cb_assembler *a, uint16_t to)
{
	uint32_t frames = 0, last_ts = 0;
	int have_ts = 0;
	uint16_t from = a->have_last ? (uint16_t)(a->last_seq + 1) : to;

	for (uint16_t q = from; q != to; q++) {
		struct slot *s = slot_at(a, q);
		if (s) {
			if (!have_ts || s->ts != last_ts)
				frames++;
			have_ts = 1;
			last_ts = s->ts;
			s->used = 0;
		}
	}
	/* A gap with no packet at all still hides at least one frame. */
	if (frames == 0 && a->have_last && from != to)
		frames = 1;
	return frames;
}

int cb_assembler_pop(struct cb_assembler *a, cb_ns now, struct cb_asm_frame *f)
{
	int npk = 0, start;
	cb_ns done_at = CB_NS_NONE;
	uint32_t skipped = 0;
	size_t len = 0;

	start = earliest_complete(a, &npk, &done_at);
	if (start < 0)
		return 0;
	if (a->have_last && (uint16_t)start != (uint16_t)(a->last_seq + 1)) {
		/* Something is missing before this frame: wait for it, up to
		 * max_wait after this frame completed. */
		int given_up =
		    a->have_give_up && cb_seq_diff((uint16_t)start, a->give_up_before) <= 0;

		if (!given_up && now - done_at < a->cfg.max_wait)
			return 0;
		skipped = drop_until(a, (uint16_t)start);
	} else if (!a->have_last) {
		/* Start with the first complete frame; anything buffered
		 * before it belongs to a frame that never completed. */
		for (size_t i = 0; i <= a->mask; i++) {
			struct slot *s = &a->slots[i];
			if (s->used && cb_seq_diff(s->seq, (uint16_t)start) < 0)
				s->used = 0;
		}
	}

	for (int i = 0; i < npk; i++)
		len += slot_at(a, (uint16_t)(start + i))->len;
	if (len > a->frame_cap) {
		uint8_t *p = realloc(a->frame, len);
		if (!p)
			return -ENOMEM;
		a->frame = p;
		a->frame_cap = len;
	}
	memset(f, 0, sizeof(*f));
	f->first_recv = f->last_recv = f->unprotected = f->arrived = CB_NS_NONE;
	len = 0;
	for (int i = 0; i < npk; i++) {
		struct slot *s = slot_at(a, (uint16_t)(start + i));
		memcpy(a->frame + len, s->data, s->len);
		len += s->len;
		if (i == 0) {
			f->ts = s->ts;
			f->keyframe = s->info.keyframe;
			f->picture_id = s->info.picture_id;
			f->first_recv = s->t_recv;
		}
		if (s->t_recv < f->first_recv)
			f->first_recv = s->t_recv;
		if (s->t_recv > f->last_recv)
			f->last_recv = s->t_recv;
		if (s->t_unprot > f->unprotected)
			f->unprotected = s->t_unprot;
		if (s->t_arrived > f->arrived)
			f->arrived = s->t_arrived;
		s->used = 0;
	}
	f->data = a->frame;
	f->len = len;
	f->first_seq = (uint16_t)start;
	f->npackets = (uint16_t)npk;
	f->frames_skipped = skipped;
	a->have_last = 1;
	a->last_seq = (uint16_t)(start + npk - 1);
	a->st.frames_out++;
	a->st.frames_skipped += skipped;
	return 1;
}
