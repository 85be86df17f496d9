#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rx/timeline.h"

/* An underrun shorter than this is the rounding of a cut to whole samples,
 * not a gap a listener hears; it still moves the timeline. */
#define GLITCH_NS CB_NS_PER_MS

void cb_timeline_init(struct cb_timeline *tl, uint32_t rate)
{
	memset(tl, 0, sizeof(*tl));
	tl->rate = rate;
	tl->base_t = CB_NS_NONE;
}

void cb_timeline_free(struct cb_timeline *tl)
{
	if (!tl)
		return;
	free(tl->v);
	tl->v = NULL;
	tl->n = tl->cap = 0;
}

static cb_ns span(const struct cb_timeline *tl, uint64_t samples)
{
	return (cb_ns)(samples * (uint64_t)CB_NS_PER_S / tl->rate);
}

uint32_t cb_timeline_samples(const struct cb_timeline *tl, cb_ns d)
{
	if (!tl || d <= 0)
		return 0;
	return (uint32_t)(((uint64_t)d * tl->rate + CB_NS_PER_S / 2) / CB_NS_PER_S);
}

int cb_timeline_add(struct cb_timeline *tl, enum cb_play_kind kind, uint32_t rtp_ts,
		    uint32_t samples, uint32_t cut, uint32_t cut_at, uint32_t removed_before,
		    cb_ns ready)
{
	struct cb_play_seg *s;
	cb_ns due;

	if (!tl || tl->rate == 0 || cut > samples || cut_at > samples - cut ||
	    ready == CB_NS_NONE || kind > CB_PLAY_EXPAND)
		return -EINVAL;
	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 512;
		struct cb_play_seg *v = realloc(tl->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		tl->v = v;
		tl->cap = cap;
	}
	s = &tl->v[tl->n];
	memset(s, 0, sizeof(*s));
	/* Where the timeline stands when these samples join the queue. */
	due = tl->base_t == CB_NS_NONE ? CB_NS_NONE : tl->base_t + span(tl, tl->pos - tl->base_pos);
	if (due == CB_NS_NONE || ready > due) {
		if (due != CB_NS_NONE) {
			s->slip = ready - due;
			tl->slip += s->slip;
			if (s->slip > GLITCH_NS) {
				tl->underruns++;
				s->underrun = 1;
			}
		}
		tl->base_t = ready;
		tl->base_pos = tl->pos;
		due = ready;
	}
	s->t = due;
	s->ready = ready;
	s->pos = tl->pos;
	s->samples = samples - cut;
	s->cut = cut;
	s->cut_at = cut ? cut_at : 0;
	s->rtp_ts = rtp_ts;
	s->kind = (uint8_t)kind;
	s->removed_before = (uint8_t)(removed_before > 255 ? 255 : removed_before);
	tl->pos += s->samples;
	tl->cut_samples += cut;
	tl->removed_frames += removed_before;
	tl->n++;
	return 0;
}

void cb_timeline_bends(const struct cb_timeline *tl, size_t n, uint64_t *underruns, cb_ns *slip)
{
	*underruns = 0;
	*slip = 0;
	for (size_t i = 0; tl && i < n && i < tl->n; i++) {
		*underruns += tl->v[i].underrun;
		*slip += tl->v[i].slip;
	}
}

size_t cb_timeline_seg_at(const struct cb_timeline *tl, uint64_t pos)
{
	size_t lo = 0, hi;

	if (!tl || tl->n == 0 || pos >= tl->pos)
		return tl ? tl->n : 0;
	hi = tl->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (tl->v[mid].pos <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

cb_ns cb_timeline_time(const struct cb_timeline *tl, uint64_t pos)
{
	size_t i = cb_timeline_seg_at(tl, pos);

	if (!tl || i >= tl->n)
		return CB_NS_NONE;
	return tl->v[i].t + span(tl, pos - tl->v[i].pos);
}

int64_t cb_timeline_slot_sample(const struct cb_timeline *tl, uint64_t pos)
{
	size_t i = cb_timeline_seg_at(tl, pos);
	uint64_t q;

	if (!tl || i >= tl->n)
		return -1;
	q = pos - tl->v[i].pos;
	return (int64_t)(q < tl->v[i].cut_at ? q : q + tl->v[i].cut);
}
