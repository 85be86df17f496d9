#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "rx/audiojb.h"

struct pkt_slot {
	int used;
	int64_t idx; /* frame index: RTP frames since the first packet */
	uint16_t seq;
	cb_ns arrival;
	uint8_t *buf;
	size_t cap, len;
};

struct cb_audiojb {
	struct cb_ajb_cfg cfg;
	int64_t spf; /* RTP ticks per frame */
	struct pkt_slot *slots;

	int started, pulled;
	int64_t ts_newest; /* RTP time unwrapped around the newest packet */
	uint32_t ts_newest_raw;
	int64_t base; /* unwrapped RTP time of frame index 0 */
	int64_t due;  /* frame index of the next slot */
	cb_ns slot_time;

	cb_ns *transit; /* the last `window` transits, a ring */
	unsigned ntransit, tnext;
	cb_ns *sorted;
	cb_ns min_transit, target;
	cb_ns margin;	  /* kept above the target when shrinking (see audiojb.h) */
	int waiting;	  /* the due slot waits for its late frame (late_wait) ... */
	cb_ns wait_until; /* ... until then */
	int wait_spent;	  /* a wait ran out; none again until a packet comes */
	cb_ns above_since;
	int64_t idx_newest; /* the newest frame index seen */
	cb_ns last_gap;	    /* arrival that showed a frame missing; CB_NS_NONE if none */

	uint8_t *out_buf;
	size_t out_cap;
	struct cb_ajb_stats st;
};

void cb_ajb_cfg_default(struct cb_ajb_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->clock_rate = 48000;
	cfg->frame_dur = 20 * CB_NS_PER_MS;
	cfg->initial_delay = 80 * CB_NS_PER_MS;
	cfg->min_delay = 20 * CB_NS_PER_MS;
	cfg->max_delay = CB_NS_PER_S;
	cfg->percentile = 0.95;
	cfg->window = 100;
	cfg->shrink_hold = 500 * CB_NS_PER_MS;
	cfg->capacity = 128;
	cfg->margin = 0;
}

int cb_ajb_open(struct cb_audiojb **out, const struct cb_ajb_cfg *cfg)
{
	struct cb_audiojb *a;
	struct cb_ajb_cfg c;
	int64_t spf;

	if (!out)
		return -EINVAL;
	if (cfg)
		c = *cfg;
	else
		cb_ajb_cfg_default(&c);
	if (c.clock_rate == 0 || c.frame_dur <= 0 || c.frame_dur > CB_NS_PER_S)
		return -EINVAL;
	spf = (int64_t)c.clock_rate * c.frame_dur / CB_NS_PER_S;
	if (spf < 1 || c.initial_delay < 0 || c.min_delay < 0 || c.max_delay < c.min_delay ||
	    !(c.percentile > 0) || c.percentile > 1 || c.window == 0 || c.shrink_hold < 0 ||
	    c.capacity < 2 || c.margin < 0 || c.margin >= c.frame_dur || c.fec_hold < 0 ||
	    c.late_wait < 0 || c.margin_quantile < 0 || c.margin_quantile > 1 ||
	    (c.margin_quantile > 0 && (c.margin == 0 || c.margin_quantile < c.percentile)))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cfg = c;
	a->spf = spf;
	a->target = c.min_delay;
	a->margin = c.margin;
	a->above_since = CB_NS_NONE;
	a->last_gap = CB_NS_NONE;
	a->slots = calloc(c.capacity, sizeof(*a->slots));
	a->transit = calloc(c.window, sizeof(*a->transit));
	a->sorted = calloc(c.window, sizeof(*a->sorted));
	if (!a->slots || !a->transit || !a->sorted) {
		cb_ajb_close(a);
		return -ENOMEM;
	}
	*out = a;
	return 0;
}

void cb_ajb_close(struct cb_audiojb *a)
{
	if (!a)
		return;
	if (a->slots)
		for (size_t i = 0; i < a->cfg.capacity; i++)
			free(a->slots[i].buf);
	free(a->slots);
	free(a->transit);
	free(a->sorted);
	free(a->out_buf);
	free(a);
}

void cb_ajb_get_stats(const struct cb_audiojb *a, struct cb_ajb_stats *st)
{
	if (!a || !st)
		return;
	*st = a->st;
}

cb_ns cb_ajb_target(const struct cb_audiojb *a)
{
	return a ? a->target : 0;
}

cb_ns cb_ajb_next_pull(const struct cb_audiojb *a)
{
	if (!a || !a->started)
		return CB_NS_NONE;
	return a->waiting ? a->wait_until : a->slot_time;
}

static int64_t floordiv(int64_t x, int64_t d)
{
	return x >= 0 ? x / d : -((-x + d - 1) / d);
}

static struct pkt_slot *slot_of(struct cb_audiojb *a, int64_t idx)
{
	int64_t n = (int64_t)a->cfg.capacity;

	return &a->slots[((idx % n) + n) % n];
}

static struct pkt_slot *present(struct cb_audiojb *a, int64_t idx)
{
	struct pkt_slot *s = slot_of(a, idx);

	return s->used && s->idx == idx ? s : NULL;
}

static int cmp_ns(const void *x, const void *y)
{
	cb_ns p = *(const cb_ns *)x, q = *(const cb_ns *)y;

	return (p > q) - (p < q);
}

/* The relative delay at quantile `q` of the sorted window (nearest rank). */
static cb_ns rel_quantile(const struct cb_audiojb *a, double q)
{
	size_t k = (size_t)ceil(q * a->ntransit);

	return a->sorted[k ? k - 1 : 0] - a->min_transit;
}

/* Add a transit sample and recompute the target (and the margin) from the window. */
static void update_target(struct cb_audiojb *a, cb_ns transit, cb_ns now)
{
	cb_ns rel, t;

	a->transit[a->tnext] = transit;
	a->tnext = (a->tnext + 1) % a->cfg.window;
	if (a->ntransit < a->cfg.window)
		a->ntransit++;
	memcpy(a->sorted, a->transit, a->ntransit * sizeof(*a->sorted));
	qsort(a->sorted, a->ntransit, sizeof(*a->sorted), cmp_ns);
	a->min_transit = a->sorted[0];
	rel = rel_quantile(a, a->cfg.percentile);
	/* The spread above the target, at least the configured floor, at
	 * most half a frame (a whole one spare is for removing a frame). */
	if (a->cfg.margin_quantile > 0) {
		cb_ns m = rel_quantile(a, a->cfg.margin_quantile) - rel;

		if (m < a->cfg.margin)
			m = a->cfg.margin;
		if (m > a->cfg.frame_dur / 2)
			m = a->cfg.frame_dur / 2;
		a->margin = m;
	}
	/* Whole frames when the timeline moves by whole frames only; with a
	 * margin it also moves by less (see cb_ajb_pull), and a target of
	 * 1 ms must not cost a 20 ms buffer. */
	t = a->cfg.margin > 0 ? rel
			      : (rel + a->cfg.frame_dur - 1) / a->cfg.frame_dur * a->cfg.frame_dur;
	/* While frames go missing, hold one frame more, so that the next
	 * packet is here when a slot finds its frame missing: Opus in-band
	 * FEC can then rebuild it instead of PLC guessing. */
	if (a->cfg.fec_hold > 0 && a->last_gap != CB_NS_NONE && now - a->last_gap < a->cfg.fec_hold)
		t += a->cfg.frame_dur;
	if (t < a->cfg.min_delay)
		t = a->cfg.min_delay;
	if (t > a->cfg.max_delay)
		t = a->cfg.max_delay;
	a->target = t;
}

int cb_ajb_insert(struct cb_audiojb *a, const struct cb_ajb_packet *p)
{
	struct pkt_slot *s;
	int64_t ext, idx;

	if (!a || !p || (!p->data && p->len))
		return -EINVAL;
	if (!a->started) {
		a->started = 1;
		a->ts_newest = p->rtp_ts;
		a->ts_newest_raw = p->rtp_ts;
		a->base = p->rtp_ts;
		a->due = 0;
		a->slot_time = p->arrival + a->cfg.initial_delay;
	}
	ext = a->ts_newest + (int32_t)(p->rtp_ts - a->ts_newest_raw);
	if (ext > a->ts_newest) {
		a->ts_newest = ext;
		a->ts_newest_raw = p->rtp_ts;
	}
	idx = floordiv(ext - a->base, a->spf);
	a->st.packets_in++;
	if (a->st.packets_in == 1)
		a->idx_newest = idx;
	if (idx > a->idx_newest + 1)
		a->last_gap = p->arrival;
	if (idx > a->idx_newest)
		a->idx_newest = idx;
	a->wait_spent = 0;
	/* Late packets still tell how late the network runs: they count in
	 * the delay window before they are discarded. */
	update_target(a, p->arrival - idx * a->cfg.frame_dur, p->arrival);
	if (idx < a->due) {
		if (a->pulled) {
			a->st.late++;
			return CB_E_LATE;
		}
		/* Reordered before playout began: start from it instead. */
		a->due = idx;
	}
	if (idx >= a->due + (int64_t)a->cfg.capacity) {
		a->st.overflow++;
		return CB_E_NOSPACE;
	}
	s = slot_of(a, idx);
	if (s->used && s->idx == idx) {
		a->st.duplicates++;
		return 0;
	}
	if (p->len > s->cap) {
		uint8_t *b = realloc(s->buf, p->len);
		if (!b)
			return -ENOMEM;
		s->buf = b;
		s->cap = p->len;
	}
	if (p->len)
		memcpy(s->buf, p->data, p->len);
	s->len = p->len;
	s->used = 1;
	s->idx = idx;
	s->seq = p->seq;
	s->arrival = p->arrival;
	return 0;
}

int cb_ajb_pull(struct cb_audiojb *a, cb_ns now, struct cb_ajb_out *out)
{
	cb_ns fd, cur, waited = 0;
	struct pkt_slot *s, *n;
	int grow;

	if (!a || !out)
		return -EINVAL;
	if (!a->started || now < a->slot_time)
		return CB_AJB_NOTHING;
	fd = a->cfg.frame_dur;
	/* How far playout runs behind the fastest packet of the window. */
	cur = a->slot_time - a->due * fd - a->min_transit;
	/* Whole-frame mode grows only when half a frame short, so that the
	 * whole-frame target is not chased by a fraction; with a margin, the
	 * target is exact and any shortfall makes packets late. */
	grow = a->cfg.margin > 0 ? cur < a->target : cur + fd / 2 < a->target;
	/* The frame is missing and nothing after it came either: it is
	 * more likely late than lost, so the slot waits for it (once per
	 * gap in the packets). */
	if (!a->waiting && !grow && a->cfg.late_wait > 0 && !present(a, a->due) &&
	    a->idx_newest < a->due && !a->wait_spent) {
		/* At most until the delay it adds would leave a whole frame
		 * spare above the target and margin: a wait that finds
		 * nothing must not make the buffer discard a frame after. */
		cb_ns w = a->cfg.late_wait, room = fd + a->target + a->margin - cur - 1;

		if (room < w)
			w = room;
		if (w > 0) {
			a->waiting = 1;
			a->wait_until = a->slot_time + w;
		}
	}
	if (a->waiting && !present(a, a->due) && a->idx_newest < a->due) {
		if (now < a->wait_until)
			return CB_AJB_NOTHING;
		a->wait_spent = 1;
	}
	if (a->waiting) {
		/* The wait is over (the frame came, a later one did, or time
		 * ran out): the slot plays now, and every later one as much
		 * later. */
		a->waiting = 0;
		waited = now - a->slot_time;
		a->slot_time = now;
		cur += waited;
		a->st.waited++;
		a->st.wait_sum += waited;
		if (waited > a->st.wait_max)
			a->st.wait_max = waited;
	}
	a->pulled = 1;
	memset(out, 0, sizeof(*out));
	out->slot = a->slot_time;
	out->target_delay = a->target;
	out->current_delay = cur;
	out->margin = a->margin;
	out->waited = waited;
	out->arrival = CB_NS_NONE;
	out->jb_delay = CB_NS_NONE;
	a->slot_time += fd;
	a->st.slots++;
	a->st.margin_sum += a->margin;
	if (a->margin > a->st.margin_max)
		a->st.margin_max = a->margin;

	if (grow) {
		/* Grow now: one frame more delay, the timeline waits. */
		out->action = CB_AJB_EXPAND;
		out->rtp_ts = (uint32_t)(a->base + a->due * a->spf);
		a->above_since = CB_NS_NONE;
		a->st.expanded++;
		return CB_AJB_EXPAND;
	}
	if (a->cfg.margin > 0 ? cur > a->target + a->margin : cur >= a->target + fd) {
		if (a->above_since == CB_NS_NONE) {
			a->above_since = now;
		} else if (now - a->above_since >= a->cfg.shrink_hold) {
			/* A whole frame only when what is left still keeps
			 * the margin: a discarded frame is audible. */
			if (cur - fd >= a->target + a->margin) {
				if (present(a, a->due) && present(a, a->due + 1)) {
					/* Shrink slowly: discard one whole frame. */
					present(a, a->due)->used = 0;
					a->due++;
					out->removed = 1;
					a->st.removed++;
					a->above_since = now;
				}
			} else if (a->cfg.margin > 0) {
				/* Less than a frame too much: NetEq would
				 * accelerate (cut pitch periods).  No DSP
				 * here, so the next slot comes earlier and
				 * the samples stay as they are; what is left
				 * is `margin` above the target. */
				out->advanced = cur - a->target - a->margin;
				a->slot_time -= out->advanced;
				a->st.advanced++;
				a->above_since = now;
			}
		}
	} else {
		a->above_since = CB_NS_NONE;
	}

	out->rtp_ts = (uint32_t)(a->base + a->due * a->spf);
	s = present(a, a->due);
	n = present(a, a->due + 1);
	a->due++;
	if (s && waited) {
		a->st.late_played++;
		a->st.late_played_wait += waited;
	}
	if (s) {
		/* The bytes move to out_buf so the slot can take a new packet
		 * while the caller decodes this one. */
		uint8_t *b = a->out_buf;
		size_t cap = a->out_cap;
		a->out_buf = s->buf;
		a->out_cap = s->cap;
		s->buf = b;
		s->cap = cap;
		s->used = 0;
		out->action = CB_AJB_PLAY;
		out->seq = s->seq;
		out->data = a->out_buf;
		out->len = s->len;
		out->arrival = s->arrival;
		out->jb_delay = out->slot - s->arrival;
		a->st.played++;
		a->st.emitted++;
		a->st.jb_delay_sum += out->jb_delay;
		a->st.target_delay_sum += a->target;
		return CB_AJB_PLAY;
	}
	if (n) {
		out->action = CB_AJB_FEC;
		out->seq = n->seq;
		out->data = n->buf;
		out->len = n->len;
		a->st.fec++;
		return CB_AJB_FEC;
	}
	out->action = CB_AJB_CONCEAL;
	a->st.concealed++;
	return CB_AJB_CONCEAL;
}

size_t cb_ajb_pending(const struct cb_audiojb *a)
{
	if (!a || !a->started || a->idx_newest < a->due)
		return 0;
	return (size_t)(a->idx_newest - a->due + 1);
}
