/*
 * nack.c — the NACK requester, after WebRTC's NackRequester
 * (modules/video_coding/nack_requester.cc): a list of missing sequence
 * numbers, each requested once its reordering wait has passed and again at
 * most once per RTT, given up after max_retries, max_age or on overflow.
 *
 * Sequence numbers are unwrapped to 64 bits against the newest one seen, so
 * the list stays sorted across 65535 -> 0 and every comparison is plain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "rtp/rtp.h"
#include "rx/nack.h"

/* One missing packet. */
struct entry {
	int64_t ext;	   /* unwrapped sequence number */
	cb_ns detected;	   /* when the gap was seen */
	cb_ns first_due;   /* detected + the reordering wait at that time */
	cb_ns sent_at;	   /* last request, CB_NS_NONE before the first */
	unsigned requests; /* requests sent */
};

#define GONE_EMPTY INT64_MIN

struct cb_nack {
	struct cb_nack_cfg cfg;
	cb_ns rtt;
	struct entry *list; /* sorted by ext, oldest first */
	size_t len;
	/*
	 * Sequence numbers given up recently, so that one arriving afterwards
	 * is told apart from a duplicate and counted as late.  A ring as large
	 * as the list: older give-ups are forgotten, and a very late arrival
	 * of one of them is then counted as a duplicate.
	 */
	int64_t *gone;
	size_t gone_head, gone_len;
	int have_newest;
	int64_t newest;
	int have_key;
	int64_t last_key; /* newest key frame start seen */
	cb_ns reorder_peak, reorder_at;
	cb_ns last_now;
	struct cb_nack_stats st;
};

int cb_nack_open(struct cb_nack **out, const struct cb_nack_cfg *cfg)
{
	struct cb_nack_cfg c;
	struct cb_nack *n;

	if (!out || !cfg)
		return -EINVAL;
	c = *cfg;
	if (!c.reorder_wait)
		c.reorder_wait = 5 * CB_NS_PER_MS;
	if (!c.reorder_wait_max)
		c.reorder_wait_max = 50 * CB_NS_PER_MS;
	if (!c.default_rtt)
		c.default_rtt = 100 * CB_NS_PER_MS;
	if (!c.max_retries)
		c.max_retries = 10;
	if (!c.max_age)
		c.max_age = CB_NS_PER_S;
	if (!c.max_list)
		c.max_list = 1000;
	/* A wait as long as max_age would give packets up before asking once. */
	if (c.reorder_wait < 0 || c.reorder_wait_max < 0 || c.default_rtt < 0 || c.max_age < 0 ||
	    c.reorder_wait >= c.max_age || c.max_list > 32768)
		return -EINVAL;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->list = calloc(c.max_list, sizeof(*n->list));
	n->gone = calloc(c.max_list, sizeof(*n->gone));
	if (!n->list || !n->gone) {
		cb_nack_close(n);
		return -ENOMEM;
	}
	n->cfg = c;
	n->rtt = c.default_rtt;
	n->reorder_at = CB_NS_NONE;
	n->last_now = CB_NS_NONE;
	*out = n;
	return 0;
}

void cb_nack_close(struct cb_nack *n)
{
	if (!n)
		return;
	free(n->list);
	free(n->gone);
	free(n);
}

int cb_nack_set_rtt(struct cb_nack *n, cb_ns rtt)
{
	if (!n || rtt <= 0)
		return -EINVAL;
	n->rtt = rtt;
	return 0;
}

static int64_t unwrap(const struct cb_nack *n, uint16_t seq)
{
	return n->newest + cb_seq_diff(seq, (uint16_t)n->newest);
}

/*
 * The wait a gap detected at `now` gets: the configured floor, or the
 * decayed peak of the reordering seen, whichever is longer, but never more
 * than the cap.  The decay is linear (1/64 of the elapsed time) so that one
 * burst of reordering lengthens the wait for about a second, not forever.
 */
static cb_ns reorder_wait(const struct cb_nack *n, cb_ns now)
{
	cb_ns est = 0;

	if (n->cfg.reorder_wait_max <= n->cfg.reorder_wait)
		return n->cfg.reorder_wait;
	if (n->reorder_at != CB_NS_NONE && now != CB_NS_NONE) {
		est = n->reorder_peak - (now - n->reorder_at) / 64;
		if (est < 0)
			est = 0;
	}
	if (est > n->cfg.reorder_wait_max)
		est = n->cfg.reorder_wait_max;
	return est > n->cfg.reorder_wait ? est : n->cfg.reorder_wait;
}

static void reorder_sample(struct cb_nack *n, cb_ns late_by, cb_ns now)
{
	cb_ns cur = 0;

	if (n->reorder_at != CB_NS_NONE) {
		cur = n->reorder_peak - (now - n->reorder_at) / 64;
		if (cur < 0)
			cur = 0;
	}
	/* A margin of a quarter: the next reordering is rarely exactly as late. */
	late_by += late_by / 4;
	n->reorder_peak = late_by > cur ? late_by : cur;
	n->reorder_at = now;
}

static void emit(struct cb_nack *n, enum cb_nack_event_kind kind, enum cb_nack_giveup reason,
		 int64_t ext, unsigned requests, int rtx, cb_ns detected, cb_ns now)
{
	struct cb_nack_event ev;

	if (!n->cfg.on_event)
		return;
	ev.kind = kind;
	ev.reason = reason;
	ev.seq = (uint16_t)ext;
	ev.requests = requests;
	ev.rtx = rtx;
	ev.detected = detected;
	ev.at = now;
	ev.delay = detected != CB_NS_NONE ? now - detected : 0;
	n->cfg.on_event(n->cfg.user, &ev);
}

static void gone_push(struct cb_nack *n, int64_t ext)
{
	size_t cap = n->cfg.max_list;

	if (n->gone_len == cap) {
		n->gone_head = (n->gone_head + 1) % cap;
		n->gone_len--;
	}
	n->gone[(n->gone_head + n->gone_len) % cap] = ext;
	n->gone_len++;
}

/* Forget `ext` if it was given up; 1 if it was. */
static int gone_take(struct cb_nack *n, int64_t ext)
{
	size_t cap = n->cfg.max_list;

	for (size_t i = 0; i < n->gone_len; i++) {
		int64_t *g = &n->gone[(n->gone_head + i) % cap];

		if (*g == ext) {
			*g = GONE_EMPTY;
			return 1;
		}
	}
	return 0;
}

/* Count, report and remember one given-up packet (not yet removed). */
static void give_up(struct cb_nack *n, const struct entry *e, enum cb_nack_giveup why, cb_ns now)
{
	n->st.never_recovered++;
	switch (why) {
	case CB_NACK_GIVEUP_RETRIES:
		n->st.gave_up_retries++;
		break;
	case CB_NACK_GIVEUP_AGE:
		n->st.gave_up_age++;
		break;
	case CB_NACK_GIVEUP_OVERFLOW:
		n->st.gave_up_overflow++;
		break;
	default:
		n->st.gave_up_cleared++;
		break;
	}
	gone_push(n, e->ext);
	emit(n, CB_NACK_EV_GAVE_UP, why, e->ext, e->requests, 0, e->detected, now);
}

/* Give up the `count` oldest entries. */
static void drop_front(struct cb_nack *n, size_t count, enum cb_nack_giveup why, cb_ns now)
{
	for (size_t i = 0; i < count; i++)
		give_up(n, &n->list[i], why, now);
	memmove(n->list, n->list + count, (n->len - count) * sizeof(*n->list));
	n->len -= count;
}

/* How many entries are older than `ext` (the list is sorted). */
static size_t count_before(const struct cb_nack *n, int64_t ext)
{
	size_t lo = 0, hi = n->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n->list[mid].ext < ext)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Put [first, end) on the list.  When it would overflow, do what WebRTC's
 * AddPacketsToNack does first: drop the entries older than the newest key
 * frame start, which the decoder no longer needs.  If that is not enough,
 * WebRTC clears the whole list and asks for a key frame; here only the
 * oldest entries that must go are dropped (the newer ones may still
 * complete frames after the key frame arrives), and the caller is still
 * told to ask for a key frame.
 */
static int add_missing(struct cb_nack *n, int64_t first, int64_t end, cb_ns now)
{
	size_t cap = n->cfg.max_list;
	cb_ns wait = reorder_wait(n, now);
	int rc = 0;
	uint64_t count = (uint64_t)(end - first);

	if (n->len + count > cap && n->have_key)
		drop_front(n, count_before(n, n->last_key), CB_NACK_GIVEUP_OVERFLOW, now);
	if (n->len + count > cap) {
		uint64_t over = n->len + count - cap;

		rc = CB_NACK_KEYFRAME_NEEDED;
		n->st.keyframes_needed++;
		if (over > n->len)
			over = n->len;
		drop_front(n, (size_t)over, CB_NACK_GIVEUP_OVERFLOW, now);
		/* A gap longer than the whole list: its oldest part never fits. */
		if (count > cap) {
			struct entry e = {.detected = now, .sent_at = CB_NS_NONE};

			for (int64_t s = first; s < end - (int64_t)cap; s++) {
				e.ext = s;
				n->st.missing++;
				give_up(n, &e, CB_NACK_GIVEUP_OVERFLOW, now);
			}
			first = end - (int64_t)cap;
		}
	}
	for (int64_t s = first; s < end; s++) {
		struct entry *e = &n->list[n->len++];

		e->ext = s;
		e->detected = now;
		e->first_due = now + wait;
		e->sent_at = CB_NS_NONE;
		e->requests = 0;
		n->st.missing++;
	}
	return rc;
}

int cb_nack_on_packet(struct cb_nack *n, uint16_t seq, cb_ns now, unsigned flags)
{
	int rtx = (flags & CB_NACK_F_RTX) != 0;
	int64_t ext;
	size_t i;

	if (!n || now == CB_NS_NONE)
		return -EINVAL;
	n->st.packets++;
	n->last_now = now;
	if (!n->have_newest) {
		/* Start far from zero so that unwrapped numbers stay positive. */
		n->newest = ((int64_t)1 << 32) + seq;
		n->have_newest = 1;
		if (flags & CB_NACK_F_KEYFRAME) {
			n->have_key = 1;
			n->last_key = n->newest;
		}
		return 0;
	}

	ext = unwrap(n, seq);
	if (ext > n->newest) {
		int rc = 0;

		if (flags & CB_NACK_F_KEYFRAME) {
			n->have_key = 1;
			n->last_key = ext;
		}
		if (ext > n->newest + 1)
			rc = add_missing(n, n->newest + 1, ext, now);
		n->newest = ext;
		return rc;
	}

	i = count_before(n, ext);
	if (i < n->len && n->list[i].ext == ext) {
		struct entry e = n->list[i];

		if (e.requests > 0) {
			cb_ns delay = now - e.detected;

			n->st.recovered++;
			if (!rtx)
				n->st.recovered_orig++;
			n->st.recovery_delay_sum += delay;
			if (delay > n->st.recovery_delay_max)
				n->st.recovery_delay_max = delay;
			emit(n, CB_NACK_EV_RECOVERED, CB_NACK_GIVEUP_NONE, ext, e.requests, rtx,
			     e.detected, now);
			/*
			 * An original that arrives after it was requested shows
			 * that the wait was too short: the strongest sample of all,
			 * and the only one that can raise the wait above the floor.
			 */
			if (!rtx)
				reorder_sample(n, now - e.detected, now);
		} else {
			/*
			 * Late but not lost: only an original is a sample of the
			 * path's reordering (a retransmission we did not ask for
			 * says nothing about it).
			 */
			n->st.reordered++;
			if (!rtx)
				reorder_sample(n, now - e.detected, now);
		}
		memmove(n->list + i, n->list + i + 1, (n->len - i - 1) * sizeof(*n->list));
		n->len--;
		return 0;
	}
	if (gone_take(n, ext)) {
		n->st.late++;
		emit(n, CB_NACK_EV_LATE, CB_NACK_GIVEUP_NONE, ext, 0, rtx, CB_NS_NONE, now);
		return 0;
	}
	n->st.duplicates++;
	return 0;
}

int cb_nack_clear_before(struct cb_nack *n, uint16_t seq)
{
	size_t k;

	if (!n)
		return -EINVAL;
	if (!n->have_newest)
		return 0;
	k = count_before(n, unwrap(n, seq));
	drop_front(n, k, CB_NACK_GIVEUP_CLEARED, n->last_now);
	return (int)k;
}

/*
 * How long after a request the next one may go.  WebRTC waits exactly one
 * RTT, but on a steady path that is exactly when the retransmission
 * arrives, so about every other retry asks for a packet already on its way
 * (the lossy-call test saw 149 duplicate retransmissions for 500 losses).
 * The reordering floor is added as a margin for that jitter.
 */
static cb_ns retry_after(const struct cb_nack *n)
{
	return n->rtt + n->cfg.reorder_wait;
}

/* When `e` next needs attention: a (re)request, or giving up. */
static cb_ns entry_deadline(const struct cb_nack *n, const struct entry *e)
{
	cb_ns t = e->requests == 0 ? e->first_due : e->sent_at + retry_after(n);
	cb_ns old = e->detected + n->cfg.max_age;

	return t < old ? t : old;
}

size_t cb_nack_due(struct cb_nack *n, cb_ns now, uint16_t *out, size_t room)
{
	size_t keep = 0, cnt = 0;

	if (!n || (!out && room))
		return 0;
	n->last_now = now;

	/*
	 * Give up first, so that nothing past its limits is requested.  A
	 * packet requested max_retries times is given up only one retry
	 * interval after the last request: that request deserves its chance to be answered
	 * (WebRTC drops it the moment the last request leaves, and would count
	 * the answer as an unexplained old packet).
	 */
	for (size_t i = 0; i < n->len; i++) {
		struct entry *e = &n->list[i];
		enum cb_nack_giveup why = CB_NACK_GIVEUP_NONE;

		if (now - e->detected >= n->cfg.max_age)
			why = CB_NACK_GIVEUP_AGE;
		else if (e->requests >= n->cfg.max_retries && now - e->sent_at >= retry_after(n))
			why = CB_NACK_GIVEUP_RETRIES;
		if (why != CB_NACK_GIVEUP_NONE)
			give_up(n, e, why, now);
		else
			n->list[keep++] = *e;
	}
	n->len = keep;

	for (size_t i = 0; i < n->len && cnt < room; i++) {
		struct entry *e = &n->list[i];
		int due;

		if (e->requests == 0)
			due = now >= e->first_due;
		else
			due =
			    e->requests < n->cfg.max_retries && now - e->sent_at >= retry_after(n);
		if (!due)
			continue;
		if (e->requests == 0)
			n->st.requested++;
		e->requests++;
		e->sent_at = now;
		n->st.requests_sent++;
		out[cnt++] = (uint16_t)e->ext;
	}
	return cnt;
}

cb_ns cb_nack_next_deadline(const struct cb_nack *n)
{
	cb_ns best = CB_NS_NONE;

	if (!n)
		return CB_NS_NONE;
	for (size_t i = 0; i < n->len; i++) {
		cb_ns t = entry_deadline(n, &n->list[i]);

		if (best == CB_NS_NONE || t < best)
			best = t;
	}
	return best;
}

void cb_nack_get_stats(const struct cb_nack *n, struct cb_nack_stats *st)
{
	if (!n || !st)
		return;
	*st = n->st;
	st->pending = n->len;
	st->reorder_wait = reorder_wait(n, n->last_now);
}
