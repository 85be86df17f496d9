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
	int listed; /* starts a complete frame on the list */
	uint16_t seq;
	uint32_t ts;
	uint8_t marker;
	struct cb_pay_info info;
	cb_ns t_arrived, t_recv, t_unprot;
	uint16_t len;
	uint8_t data[SLOT_BYTES];
};

/* A complete frame, found when its last missing packet came. */
struct done {
	uint16_t start, npk;
	cb_ns at; /* the latest receive time of its packets */
};

struct cb_assembler {
	struct cb_assembler_cfg cfg;
	struct slot *slots;
	size_t mask;
	struct done *done; /* complete frames not yet handed out, any order */
	size_t ndone;
	int have_last;	   /* a frame was handed out (or a gap given up on) */
	uint16_t last_seq; /* last sequence number of that frame */
	int have_oldest;   /* before the first frame: the oldest packet taken */
	uint16_t oldest;
	uint8_t *frame;	  /* the frame being handed out */
	int have_give_up; /* packets before give_up_before will not come */
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
	/* A complete frame has at least one packet: never more than slots. */
	a->done = calloc(n, sizeof(*a->done));
	if (!a->slots || !a->done) {
		free(a->slots);
		free(a->done);
		free(a);
		return -ENOMEM;
	}
	/* Fault the slots' pages in now, at set-up (a slot is about half a
	 * page, so this touches every page): the first packets of the call
	 * should not pay a page fault per slot. */
	for (size_t i = 0; i < n; i++)
		((volatile struct slot *)a->slots)[i].used = 0;
	*out = a;
	return 0;
}

void cb_assembler_close(struct cb_assembler *a)
{
	if (!a)
		return;
	free(a->slots);
	free(a->done);
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

static struct slot *slot_at(struct cb_assembler *a, uint16_t seq)
{
	struct slot *s = &a->slots[seq & a->mask];

	return s->used && s->seq == seq ? s : NULL;
}

static void free_slot(struct slot *s)
{
	s->used = 0;
	s->listed = 0;
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
		a->st.slots_visited++;
		s = slot_at(a, (uint16_t)(start + n - 1));
		if (!s || s->ts != ts)
			return 0;
		if (s->marker)
			return n;
	}
	return 0;
}

/* Put the complete frame of `npk` packets at `start` on the list (in the
 * place of an entry left there for an earlier packet of that number). */
static void list_frame(struct cb_assembler *a, uint16_t start, int npk)
{
	struct slot *s = slot_at(a, start);
	struct done *d = NULL;

	if (!s || s->listed)
		return;
	for (size_t i = 0; i < a->ndone && !d; i++)
		if (a->done[i].start == start)
			d = &a->done[i];
	if (!d) {
		if (a->ndone > a->mask)
			return;
		d = &a->done[a->ndone++];
	}
	s->listed = 1;
	d->start = start;
	d->npk = (uint16_t)npk;
	d->at = CB_NS_NONE;
	for (int i = 0; i < npk; i++) {
		const struct slot *p = slot_at(a, (uint16_t)(start + i));
		if (p->t_recv > d->at)
			d->at = p->t_recv;
	}
}

/*
 * Packet `seq` was just stored: if it completed its frame, list the frame.
 * Forward to the marker first: a packet with a gap after it (every packet
 * but the last of a frame that arrives in order) costs one look; the one
 * that completes the frame walks back over the packets of its RTP time
 * to the earliest that starts a frame (a format may mark more than one
 * packet of a frame so: the earliest is where the frame begins).
 */
static void note_packet(struct cb_assembler *a, uint16_t seq)
{
	const struct slot *s = slot_at(a, seq), *p;
	uint32_t ts = s->ts;
	int have_start = s->info.frame_start, n;
	uint16_t start = seq;
	size_t k;

	for (k = 0, p = s; !p->marker; k++) {
		a->st.slots_visited++;
		p = slot_at(a, (uint16_t)(seq + k + 1));
		if (!p || p->ts != ts || k >= a->mask)
			return;
	}
	for (k = 1; k <= a->mask; k++) {
		a->st.slots_visited++;
		p = slot_at(a, (uint16_t)(seq - k));
		if (!p || p->ts != ts)
			break;
		if (p->info.frame_start) {
			start = (uint16_t)(seq - k);
			have_start = 1;
		}
	}
	if (!have_start)
		return;
	n = frame_complete(a, start);
	if (n)
		list_frame(a, start, n);
}

/* Build the list again from every slot: after a wrap-around overwrote a
 * packet that may have belonged to a listed frame. */
static void relist(struct cb_assembler *a)
{
	a->ndone = 0;
	for (size_t i = 0; i <= a->mask; i++)
		a->slots[i].listed = 0;
	for (size_t i = 0; i <= a->mask; i++) {
		struct slot *s = &a->slots[i];
		int n;

		a->st.slots_visited++;
		if (!s->used || !s->info.frame_start)
			continue;
		n = frame_complete(a, s->seq);
		if (n)
			list_frame(a, s->seq, n);
	}
}

int cb_assembler_insert(struct cb_assembler *a, const struct cb_rtp_hdr *h, cb_ns t_arrived,
			cb_ns t_recv, cb_ns t_unprotected)
{
	struct cb_pay_info info;
	uint8_t conv[SLOT_BYTES];
	const uint8_t *bytes;
	size_t nbytes;
	struct slot *s;
	int rc, overflow = 0;

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
		overflow = 1;
	}
	a->st.packets++;
	if (!a->have_last && (!a->have_oldest || cb_seq_diff(h->seq, a->oldest) < 0)) {
		a->oldest = h->seq;
		a->have_oldest = 1;
	}
	s->used = 1;
	s->listed = 0;
	s->seq = h->seq;
	s->ts = h->ts;
	s->marker = h->marker;
	s->info = info;
	s->t_arrived = t_arrived;
	s->t_recv = t_recv;
	s->t_unprot = t_unprotected;
	s->len = (uint16_t)nbytes;
	memcpy(s->data, bytes, nbytes);
	if (overflow)
		relist(a); /* the packet it replaced may have been in a listed frame */
	else
		note_packet(a, h->seq);
	return 0;
}

/* A listed frame still whole: its first packet is where the list says (a
 * frame handed out or dropped as part of another takes its packets). */
static int still_listed(const struct cb_assembler *a, const struct done *d)
{
	const struct slot *s = &a->slots[d->start & a->mask];

	return s->used && s->seq == d->start && s->listed &&
	       (!a->have_last || cb_seq_diff(d->start, a->last_seq) > 0);
}

/* The earliest listed frame after the last one handed out (or, before any,
 * the earliest listed); NULL if none. */
static const struct done *earliest(const struct cb_assembler *a)
{
	const struct done *best = NULL;

	for (size_t i = 0; i < a->ndone; i++) {
		const struct done *d = &a->done[i];

		if (!still_listed(a, d))
			continue;
		if (!best || cb_seq_diff(d->start, best->start) < 0)
			best = d;
	}
	return best;
}

/* Whether the frame `d` waits for missing packets before it, and if so until when. */
static int must_wait(const struct cb_assembler *a, const struct done *d, cb_ns *until)
{
	if (!a->have_last || d->start == (uint16_t)(a->last_seq + 1))
		return 0;
	if (a->have_give_up && cb_seq_diff(d->start, a->give_up_before) <= 0)
		return 0;
	*until = d->at + a->cfg.max_wait;
	return 1;
}

cb_ns cb_assembler_next_wakeup(const struct cb_assembler *a)
{
	const struct done *d = a ? earliest(a) : NULL;
	cb_ns until;

	if (!d)
		return CB_NS_NONE;
	return must_wait(a, d, &until) ? until : d->at;
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

		a->st.slots_visited++;
		if (s) {
			if (!have_ts || s->ts != last_ts)
				frames++;
			have_ts = 1;
			last_ts = s->ts;
			free_slot(s);
		}
	}
	/* A gap with no packet at all still hides at least one frame. */
	if (frames == 0 && a->have_last && from != to)
		frames = 1;
	return frames;
}

int cb_assembler_pop(struct cb_assembler *a, cb_ns now, struct cb_asm_frame *f)
{
	const struct done *d;
	int npk, start;
	uint32_t skipped = 0;
	size_t len = 0;
	cb_ns until;

	/* Forget the listed frames whose packets went with another. */
	for (size_t i = 0; i < a->ndone;)
		if (still_listed(a, &a->done[i]))
			i++;
		else
			a->done[i] = a->done[--a->ndone];
	d = earliest(a);
	if (!d)
		return 0;
	start = d->start;
	npk = d->npk;
	if (must_wait(a, d, &until)) {
		/* Something is missing before this frame: wait for it, up to
		 * max_wait after this frame completed. */
		if (now < until)
			return 0;
		skipped = drop_until(a, (uint16_t)start);
	} else if (a->have_last && (uint16_t)start != (uint16_t)(a->last_seq + 1)) {
		/* The requester gave up on what is missing. */
		skipped = drop_until(a, (uint16_t)start);
	} else if (!a->have_last) {
		/* Start with the first complete frame; anything buffered
		 * before it (from the oldest packet taken on) belongs to a
		 * frame that never completed. */
		for (uint16_t q = a->oldest; cb_seq_diff(q, (uint16_t)start) < 0; q++) {
			struct slot *s = slot_at(a, q);

			a->st.slots_visited++;
			if (s)
				free_slot(s);
		}
	}
	/* Off the list (the last entry takes its place). */
	a->done[d - a->done] = a->done[--a->ndone];

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
		free_slot(s);
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
