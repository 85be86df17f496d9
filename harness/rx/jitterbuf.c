#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "rx/jitterbuf.h"

#define PID_MOD 32768

struct slot {
	int used;
	int64_t upid; /* picture id unwrapped to 64 bits: the decode order */
	struct cb_jb_frame f;
	uint8_t *buf; /* owned copy of the frame; f.data points here */
	size_t cap;
};

struct cb_jitterbuf {
	struct cb_jb_cfg cfg;
	struct cb_timing *timing;
	struct slot *slots;

	int have_upid;
	int64_t newest_upid; /* unwrap picture ids around the newest seen */

	int have_released;
	int64_t released_upid; /* the last frame handed to the decoder */
	int chain_ok;	       /* the decoder holds an unbroken chain from a key frame */

	int need_key;
	cb_ns need_key_since;
	uint32_t dropped_since_release;

	uint8_t *out_buf; /* the released frame's bytes, kept until the next call */
	size_t out_cap;
	struct cb_jb_stats st;
};

void cb_jb_cfg_default(struct cb_jb_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cb_timing_cfg_default(&cfg->timing);
	cfg->capacity = 64;
	cfg->max_wait = 100 * CB_NS_PER_MS;
	cfg->late_tolerance = 5 * CB_NS_PER_MS;
}

int cb_jb_open(struct cb_jitterbuf **out, const struct cb_jb_cfg *cfg)
{
	struct cb_jitterbuf *jb;
	struct cb_jb_cfg c;
	int rc;

	if (!out)
		return -EINVAL;
	if (cfg)
		c = *cfg;
	else
		cb_jb_cfg_default(&c);
	if (c.capacity == 0 || c.capacity > PID_MOD / 2 || c.max_wait < 0 || c.late_tolerance < 0)
		return -EINVAL;
	jb = calloc(1, sizeof(*jb));
	if (!jb)
		return -ENOMEM;
	jb->cfg = c;
	rc = cb_timing_open(&jb->timing, &c.timing);
	if (rc < 0)
		goto out_free_jb;
	jb->slots = calloc(c.capacity, sizeof(*jb->slots));
	if (!jb->slots) {
		rc = -ENOMEM;
		goto out_close_timing;
	}
	*out = jb;
	return 0;

out_close_timing:
	cb_timing_close(jb->timing);
out_free_jb:
	free(jb);
	return rc;
}

void cb_jb_close(struct cb_jitterbuf *jb)
{
	if (!jb)
		return;
	if (jb->slots)
		for (size_t i = 0; i < jb->cfg.capacity; i++)
			free(jb->slots[i].buf);
	free(jb->slots);
	free(jb->out_buf);
	cb_timing_close(jb->timing);
	free(jb);
}

struct cb_timing *cb_jb_timing(struct cb_jitterbuf *jb)
{
	return jb ? jb->timing : NULL;
}

void cb_jb_get_stats(const struct cb_jitterbuf *jb, struct cb_jb_stats *st)
{
	if (!jb || !st)
		return;
	*st = jb->st;
}

int cb_jb_needs_keyframe(const struct cb_jitterbuf *jb, cb_ns *since)
{
	if (!jb || !jb->need_key)
		return 0;
	if (since)
		*since = jb->need_key_since;
	return 1;
}

/* A 15-bit picture id, unwrapped around the newest one seen: ids within
 * half the space behind it are older, the rest newer. */
static int64_t unwrap_pid(const struct cb_jitterbuf *jb, int32_t pid)
{
	int32_t d;

	if (!jb->have_upid)
		return pid;
	d = (int32_t)((pid - jb->newest_upid) & (PID_MOD - 1));
	if (d >= PID_MOD / 2)
		d -= PID_MOD;
	return jb->newest_upid + d;
}

static void drop(struct cb_jitterbuf *jb, const struct cb_jb_frame *f, enum cb_jb_drop why,
		 cb_ns now)
{
	jb->st.dropped[why]++;
	jb->dropped_since_release++;
	if (jb->cfg.on_drop) {
		struct cb_jb_dropped d = {
		    .picture_id = f->picture_id,
		    .rtp_ts = f->rtp_ts,
		    .keyframe = f->keyframe,
		    .tag = f->tag,
		    .reason = why,
		    .at = now,
		};
		jb->cfg.on_drop(jb->cfg.user, &d);
	}
}

static void drop_slot(struct cb_jitterbuf *jb, struct slot *s, enum cb_jb_drop why, cb_ns now)
{
	s->used = 0;
	drop(jb, &s->f, why, now);
}

static void break_chain(struct cb_jitterbuf *jb, cb_ns now)
{
	if (jb->need_key)
		return;
	jb->need_key = 1;
	jb->need_key_since = now;
	jb->st.keyframe_requests++;
}

static int decodable(const struct cb_jitterbuf *jb, const struct slot *s)
{
	return s->f.keyframe ||
	       (jb->have_released && jb->chain_ok && s->upid == jb->released_upid + 1);
}

static const struct slot *find(const struct cb_jitterbuf *jb, int64_t upid)
{
	for (size_t i = 0; i < jb->cfg.capacity; i++)
		if (jb->slots[i].used && jb->slots[i].upid == upid)
			return &jb->slots[i];
	return NULL;
}

/* Decodable now, or once the frames before it that are already here are
 * released: every frame back to a decodable one is in the buffer.  Such a
 * frame waits for nothing that is missing, however late it runs (a
 * retransmitted frame releases the frames queued behind it all at once). */
static int reachable(const struct cb_jitterbuf *jb, const struct slot *s)
{
	int64_t u = s->upid;

	while (s && !decodable(jb, s))
		s = find(jb, --u);
	return s != NULL;
}

static struct slot *oldest(struct cb_jitterbuf *jb)
{
	struct slot *best = NULL;

	for (size_t i = 0; i < jb->cfg.capacity; i++) {
		struct slot *s = &jb->slots[i];
		if (s->used && (!best || s->upid < best->upid))
			best = s;
	}
	return best;
}

int cb_jb_insert(struct cb_jitterbuf *jb, const struct cb_jb_frame *f, cb_ns now)
{
	struct slot *s = NULL;
	int64_t upid;

	if (!jb || !f || (!f->data && f->len))
		return -EINVAL;
	if (f->picture_id < 0)
		return CB_E_UNSUPPORTED;
	if (f->picture_id >= PID_MOD)
		return -EINVAL;
	upid = unwrap_pid(jb, f->picture_id);
	jb->st.frames_in++;
	if (jb->have_released && upid <= jb->released_upid) {
		drop(jb, f, CB_JB_DROP_LATE, now);
		return CB_E_LATE;
	}
	for (size_t i = 0; i < jb->cfg.capacity; i++) {
		struct slot *t = &jb->slots[i];
		if (t->used && t->upid == upid) {
			jb->st.duplicates++;
			return 0;
		}
		if (!t->used && !s)
			s = t;
	}
	if (!s) {
		/* Full: the oldest frame is the one least likely to still be
		 * played, and a newer frame may be a key frame that mends
		 * everything. */
		s = oldest(jb);
		drop_slot(jb, s, CB_JB_DROP_OVERFLOW, now);
	}
	if (f->len > s->cap) {
		uint8_t *p = realloc(s->buf, f->len);
		if (!p)
			return -ENOMEM;
		s->buf = p;
		s->cap = f->len;
	}
	if (f->len)
		memcpy(s->buf, f->data, f->len);
	s->f = *f;
	s->f.data = s->buf;
	s->upid = upid;
	s->used = 1;
	if (!jb->have_upid || upid > jb->newest_upid) {
		jb->newest_upid = upid;
		jb->have_upid = 1;
	}
	/* A frame that waited for a retransmission would read as a round
	 * trip of jitter and hold every later frame back by as much; it only
	 * anchors the map when nothing else has yet. */
	if (!f->retransmitted || cb_timing_local_time(jb->timing, f->rtp_ts) == CB_NS_NONE)
		cb_timing_on_frame(jb->timing, f->rtp_ts, f->last_arrival);
	return 0;
}

/* The frame to release next: the successor of the last release if the
 * chain holds, else the oldest key frame.  Sets *key to the oldest key
 * frame, if any. */
static struct slot *candidate(const struct cb_jitterbuf *jb, struct slot **key)
{
	struct slot *next = NULL;

	*key = NULL;
	for (size_t i = 0; i < jb->cfg.capacity; i++) {
		struct slot *s = &jb->slots[i];
		if (!s->used)
			continue;
		if (s->f.keyframe && (!*key || s->upid < (*key)->upid))
			*key = s;
		if (!s->f.keyframe && decodable(jb, s))
			next = s;
	}
	return next ? next : *key;
}

/* Drop every frame still waiting for a missing reference `max_wait` after
 * its release time: the reference is not coming in time to be useful, so
 * the chain is broken until a key frame.  A frame whose references are all
 * in the buffer is not waiting for anything missing and stays. */
static void expire(struct cb_jitterbuf *jb, cb_ns now)
{
	for (size_t i = 0; i < jb->cfg.capacity; i++) {
		struct slot *s = &jb->slots[i];
		if (!s->used || reachable(jb, s))
			continue;
		if (now - cb_timing_release_time(jb->timing, s->f.rtp_ts) >= jb->cfg.max_wait) {
			drop_slot(jb, s, CB_JB_DROP_UNDECODABLE, now);
			break_chain(jb, now);
		}
	}
}

int cb_jb_pop(struct cb_jitterbuf *jb, cb_ns now, struct cb_jb_out *out)
{
	struct slot *c, *key;
	cb_ns rel;

	if (!jb || !out)
		return -EINVAL;
	expire(jb, now);
	c = candidate(jb, &key);
	if (!c)
		return 0;
	rel = cb_timing_release_time(jb->timing, c->f.rtp_ts);
	if (c != key && key && now - rel > jb->cfg.late_tolerance) {
		/* WebRTC drops a late frame when a later one is decodable; in
		 * a VP8 chain only a key frame can be, and it makes everything
		 * before it useless. */
		for (size_t i = 0; i < jb->cfg.capacity; i++) {
			struct slot *s = &jb->slots[i];
			if (s->used && s->upid < key->upid)
				drop_slot(jb, s, CB_JB_DROP_LATE, now);
		}
		c = key;
		rel = cb_timing_release_time(jb->timing, c->f.rtp_ts);
	}
	if (now < rel)
		return 0;

	/* A key frame makes every older frame useless. */
	for (size_t i = 0; i < jb->cfg.capacity; i++) {
		struct slot *s = &jb->slots[i];
		if (s->used && s->upid < c->upid)
			drop_slot(jb, s, c->f.keyframe ? CB_JB_DROP_SKIPPED : CB_JB_DROP_LATE, now);
	}

	memset(out, 0, sizeof(*out));
	out->picture_id = c->f.picture_id;
	out->rtp_ts = c->f.rtp_ts;
	out->keyframe = c->f.keyframe;
	out->tag = c->f.tag;
	out->len = c->f.len;
	out->first_arrival = c->f.first_arrival;
	out->last_arrival = c->f.last_arrival;
	out->released = now;
	out->release_time = rel;
	out->render_time = cb_timing_render_time(jb->timing, c->f.rtp_ts);
	out->jb_delay = now - c->f.first_arrival;
	out->lateness = now - rel;
	out->late = out->lateness > jb->cfg.late_tolerance;
	out->target_delay = cb_timing_target(jb->timing);
	{
		struct cb_timing_state ts;
		cb_timing_get(jb->timing, &ts);
		out->current_delay = ts.current;
	}
	out->dropped_before = jb->dropped_since_release;
	out->recovery = CB_NS_NONE;

	/* The released bytes move to out_buf so that the slot can take the
	 * next frame while the caller still decodes this one. */
	{
		uint8_t *b = jb->out_buf;
		size_t cap = jb->out_cap;
		jb->out_buf = c->buf;
		jb->out_cap = c->cap;
		c->buf = b;
		c->cap = cap;
		out->data = jb->out_buf;
	}
	c->used = 0;

	if (c->f.keyframe) {
		jb->chain_ok = 1;
		jb->st.keyframes_out++;
		if (jb->need_key) {
			out->recovery = now - jb->need_key_since;
			jb->st.recoveries++;
			jb->st.recovery_sum += out->recovery;
			if (out->recovery > jb->st.recovery_max)
				jb->st.recovery_max = out->recovery;
			jb->need_key = 0;
		}
	}
	jb->have_released = 1;
	jb->released_upid = c->upid;
	jb->dropped_since_release = 0;

	jb->st.frames_out++;
	jb->st.emitted++;
	jb->st.jb_delay_sum += out->jb_delay;
	jb->st.target_delay_sum += out->target_delay;
	if (out->late) {
		jb->st.late_out++;
		cb_timing_on_late(jb->timing, out->lateness);
	}
	cb_timing_update(jb->timing, now);
	return 1;
}

cb_ns cb_jb_next_wakeup(const struct cb_jitterbuf *jb)
{
	cb_ns t = CB_NS_NONE;
	struct slot *c, *key;

	if (!jb)
		return CB_NS_NONE;
	/* If the candidate is late and a key frame waits, the pop at this
	 * time drops it, and the key frame's time follows. */
	c = candidate(jb, &key);
	if (c)
		t = cb_timing_release_time(jb->timing, c->f.rtp_ts);
	for (size_t i = 0; i < jb->cfg.capacity; i++) {
		const struct slot *s = &jb->slots[i];
		cb_ns e;
		if (!s->used || reachable(jb, s))
			continue;
		e = cb_timing_release_time(jb->timing, s->f.rtp_ts) + jb->cfg.max_wait;
		if (t == CB_NS_NONE || e < t)
			t = e;
	}
	return t;
}

int cb_jb_on_decoded(struct cb_jitterbuf *jb, int32_t picture_id, cb_ns decode_time, cb_ns now)
{
	if (!jb || picture_id >= PID_MOD)
		return -EINVAL;
	return cb_timing_on_decode(jb->timing, decode_time, now);
}

int cb_jb_on_decode_error(struct cb_jitterbuf *jb, int32_t picture_id, cb_ns now)
{
	if (!jb || picture_id >= PID_MOD)
		return -EINVAL;
	jb->chain_ok = 0;
	break_chain(jb, now);
	return 0;
}

size_t cb_jb_held(const struct cb_jitterbuf *jb)
{
	size_t n = 0;

	for (size_t i = 0; jb && i < jb->cfg.capacity; i++)
		n += jb->slots[i].used != 0;
	return n;
}
