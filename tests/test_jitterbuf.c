#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "base/error.h"
#include "base/rng.h"
#include "rx/audiojb.h"
#include "rx/jitterbuf.h"
#include "rx/timing.h"
#include "test_util.h"

#define MS CB_NS_PER_MS

/* Frame i of a 30 fps stream: RTP time 3000·i, capture time i/30 s (the
 * same truncation as the timing's tick conversion). */
static cb_ns fts(int i)
{
	return (cb_ns)i * 100000000 / 3;
}

struct vframe {
	int id;
	int key;
	cb_ns arrival; /* last packet */
	int lost;
};

static int by_arrival(const void *a, const void *b)
{
	const struct vframe *x = a, *y = b;

	if (x->arrival != y->arrival)
		return (x->arrival > y->arrival) - (x->arrival < y->arrival);
	return x->id - y->id;
}

static struct cb_jb_frame mkframe(const struct vframe *v)
{
	struct cb_jb_frame f;
	static const uint8_t bytes[4] = {1, 2, 3, 4};

	memset(&f, 0, sizeof(f));
	f.picture_id = (int32_t)((v->id + 32700) & 0x7fff); /* crosses the wrap */
	f.rtp_ts = (uint32_t)(0xfffff000u + 3000u * (uint32_t)v->id);
	f.keyframe = v->key;
	f.last_arrival = v->arrival;
	f.first_arrival = v->arrival - 5 * MS;
	f.data = bytes;
	f.len = sizeof(bytes);
	f.tag = (uint64_t)v->id;
	return f;
}

/* What a run saw, for the checks. */
struct vrun {
	int released[1024];
	struct cb_jb_out out[1024];
	cb_ns cur_after[1024]; /* timing's current delay after each release */
	int nout;
	cb_ns break_at; /* first needs-keyframe time seen */
	int violations; /* released before due, or out of chain */
	int prev_id;
};

static void pop_all(struct cb_jitterbuf *jb, cb_ns now, struct vrun *r)
{
	struct cb_jb_out o;

	while (cb_jb_pop(jb, now, &o) == 1) {
		int id = (int)o.tag;
		struct cb_timing_state ts;

		if (o.release_time > now)
			r->violations++;
		/* The dependency property: a delta frame comes out right
		 * after its previous picture. */
		if (!o.keyframe && (r->nout == 0 || r->prev_id != id - 1))
			r->violations++;
		if (r->nout < 1024) {
			cb_timing_get(cb_jb_timing(jb), &ts);
			r->released[r->nout] = id;
			r->out[r->nout] = o;
			r->cur_after[r->nout] = ts.current;
			r->nout++;
		}
		r->prev_id = id;
	}
	if (r->break_at == CB_NS_NONE)
		cb_jb_needs_keyframe(jb, &r->break_at);
}

/* Feed frames (sorted by arrival) and pop at every arrival and wakeup. */
static void run_video(struct cb_jitterbuf *jb, struct vframe *v, int n, struct vrun *r)
{
	int i = 0, guard = 0;

	memset(r, 0, sizeof(*r));
	r->break_at = CB_NS_NONE;
	qsort(v, (size_t)n, sizeof(*v), by_arrival);
	while (guard++ < 100000) {
		cb_ns w = cb_jb_next_wakeup(jb);
		while (i < n && v[i].lost)
			i++;
		if (i < n && (w == CB_NS_NONE || v[i].arrival <= w)) {
			struct cb_jb_frame f = mkframe(&v[i]);
			int rc = cb_jb_insert(jb, &f, v[i].arrival);
			CU_ASSERT(rc == 0 || rc == CB_E_LATE);
			pop_all(jb, v[i].arrival, r);
			i++;
		} else if (w != CB_NS_NONE) {
			pop_all(jb, w, r);
		} else {
			break;
		}
	}
	CU_ASSERT(guard < 100000);
}

static struct cb_jitterbuf *open_jb(struct cb_jb_cfg *cfg)
{
	struct cb_jitterbuf *jb = NULL;

	CU_ASSERT_FATAL(cb_jb_open(&jb, cfg) == 0);
	return jb;
}

static void test_args(void)
{
	struct cb_jitterbuf *jb;
	struct cb_jb_cfg cfg;
	struct cb_jb_frame f;
	struct cb_jb_out o;
	struct cb_timing_cfg tc;
	struct cb_timing *t;

	cb_jb_cfg_default(&cfg);
	cfg.timing.min_playout_delay = 20 * CB_NS_PER_S; /* above max */
	CU_ASSERT_EQUAL(cb_jb_open(&jb, &cfg), -EINVAL);
	CU_ASSERT_EQUAL(cb_jb_open(NULL, NULL), -EINVAL);
	cb_timing_cfg_default(&tc);
	tc.decode_percentile = 0;
	CU_ASSERT_EQUAL(cb_timing_open(&t, &tc), -EINVAL);
	jb = open_jb(NULL);
	memset(&f, 0, sizeof(f));
	f.picture_id = -1;
	CU_ASSERT_EQUAL(cb_jb_insert(jb, &f, 0), CB_E_UNSUPPORTED);
	f.picture_id = 40000;
	CU_ASSERT_EQUAL(cb_jb_insert(jb, &f, 0), -EINVAL);
	f.picture_id = 1;
	f.len = 3;
	CU_ASSERT_EQUAL(cb_jb_insert(jb, &f, 0), -EINVAL);
	CU_ASSERT_EQUAL(cb_jb_pop(jb, 0, &o), 0);
	CU_ASSERT_EQUAL(cb_jb_next_wakeup(jb), CB_NS_NONE);
	CU_ASSERT_EQUAL(cb_jb_needs_keyframe(jb, NULL), 0);
	cb_jb_close(jb);
	cb_jb_close(NULL);
	cb_timing_close(NULL);
	cb_ajb_close(NULL);
}

/* Random loss, jitter and reordering over many seeds: a delta frame is
 * never released unless its previous picture was released just before. */
static void test_never_missing_reference(void)
{
	static struct vframe v[400];
	static struct vrun r;

	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct cb_rng rng;
		struct cb_jitterbuf *jb;
		struct cb_jb_stats st;
		struct cb_jb_cfg cfg;
		int lost = 0;

		cb_rng_seed(&rng, seed);
		cb_jb_cfg_default(&cfg);
		cfg.max_wait = (cb_ns)(cb_rng_uniform(&rng) * 200) * MS;
		jb = open_jb(&cfg);
		for (int i = 0; i < 400; i++) {
			v[i].id = i;
			v[i].key = i % 60 == 0;
			v[i].lost = cb_rng_uniform(&rng) < 0.05 * (double)(seed % 4);
			/* Up to 150 ms of jitter reorders frames 33 ms apart. */
			v[i].arrival = fts(i) + 40 * MS + (cb_ns)(cb_rng_uniform(&rng) * 150 * MS);
			lost += v[i].lost;
		}
		run_video(jb, v, 400, &r);
		CU_ASSERT_EQUAL(r.violations, 0);
		cb_jb_get_stats(jb, &st);
		CU_ASSERT_EQUAL(st.frames_out, (uint64_t)r.nout);
		/* Every frame that came in went out or was dropped. */
		{
			uint64_t dropped = 0;
			for (int k = 0; k < CB_JB_DROP_COUNT; k++)
				dropped += st.dropped[k];
			CU_ASSERT_EQUAL(st.frames_in, st.frames_out + dropped + st.duplicates);
			CU_ASSERT_EQUAL(st.frames_in, (uint64_t)(400 - lost));
		}
		for (int k = 1; k < r.nout; k++)
			CU_ASSERT(r.released[k] > r.released[k - 1]);
		CU_ASSERT(r.nout > 0);
		cb_jb_close(jb);
	}
}

/* A constant-delay stream: 50 ms transit, key frames at 0 and 20, frame 5
 * lost.  With the jitter offset the estimate is 0, so the target is
 * 0 + 0 (decode) + 10 (render) = 10 ms and a decodable frame is released
 * as it arrives: nothing holds it. */
static void test_lost_delta_blocks_until_key(void)
{
	static struct vframe v[30];
	static struct vrun r;
	struct cb_jitterbuf *jb = open_jb(NULL);
	struct cb_jb_stats st;
	cb_ns since;

	for (int i = 0; i < 30; i++) {
		v[i] = (struct vframe){.id = i, .key = i == 0 || i == 20};
		v[i].arrival = fts(i) + 50 * MS;
		v[i].lost = i == 5;
	}
	run_video(jb, v, 30, &r);
	CU_ASSERT_EQUAL(r.violations, 0);
	CU_ASSERT_EQUAL(r.nout, 5 + 10);
	for (int k = 0; k < r.nout; k++) {
		int id = r.released[k];
		CU_ASSERT(id < 5 || id >= 20);
		CU_ASSERT_EQUAL(r.out[k].released, fts(id) + 50 * MS);
		CU_ASSERT_EQUAL(r.out[k].lateness, 0);
		CU_ASSERT_EQUAL(r.out[k].target_delay, 10 * MS);
	}
	/* The break shows when frame 6, waiting for 5, is max_wait (100 ms)
	 * past its release time: 6/30 s + 50 ms + 100 ms. */
	CU_ASSERT_EQUAL(r.break_at, fts(6) + 150 * MS);
	/* The key frame mends it and reports how long it took. */
	CU_ASSERT_EQUAL(r.released[5], 20);
	CU_ASSERT_EQUAL(r.out[5].recovery, fts(20) + 50 * MS - r.break_at);
	CU_ASSERT_EQUAL(cb_jb_needs_keyframe(jb, &since), 0);
	cb_jb_get_stats(jb, &st);
	CU_ASSERT_EQUAL(st.keyframe_requests, 1);
	CU_ASSERT_EQUAL(st.recoveries, 1);
	/* 6..17 expired waiting for 5; 18 and 19 were still within max_wait
	 * when the key frame came, and it skipped them. */
	CU_ASSERT_EQUAL(st.dropped[CB_JB_DROP_UNDECODABLE], 12);
	CU_ASSERT_EQUAL(st.dropped[CB_JB_DROP_SKIPPED], 2);
	CU_ASSERT_EQUAL(st.frames_out, 15);
	cb_jb_close(jb);
}

static void test_decode_error_needs_key(void)
{
	static struct vframe v[10];
	static struct vrun r;
	struct cb_jitterbuf *jb = open_jb(NULL);
	struct cb_jb_frame f;
	struct cb_jb_out o;
	cb_ns since = 0;

	for (int i = 0; i < 3; i++) {
		v[i] = (struct vframe){.id = i, .key = i == 0, .arrival = fts(i) + 50 * MS};
		f = mkframe(&v[i]);
		CU_ASSERT_EQUAL(cb_jb_insert(jb, &f, v[i].arrival), 0);
	}
	CU_ASSERT_EQUAL(cb_jb_pop(jb, fts(0) + 50 * MS, &o), 1);
	CU_ASSERT_EQUAL(cb_jb_on_decode_error(jb, o.picture_id, fts(0) + 60 * MS), 0);
	CU_ASSERT_EQUAL(cb_jb_needs_keyframe(jb, &since), 1);
	CU_ASSERT_EQUAL(since, fts(0) + 60 * MS);
	/* Frame 1 is the successor, but the chain is broken: held, then dropped. */
	CU_ASSERT_EQUAL(cb_jb_pop(jb, fts(1) + 50 * MS, &o), 0);
	CU_ASSERT_EQUAL(cb_jb_pop(jb, fts(1) + 150 * MS, &o), 0);
	(void)r;
	cb_jb_close(jb);
}

/* jitterBufferDelay on a hand-built timeline (see the comment above
 * test_lost_delta_blocks_until_key: no hold on a clean path): frame 2
 * arrives 40 ms late and blocks frame 3. */
static void test_jb_delay_sums(void)
{
	static struct vframe v[5];
	static struct vrun r;
	struct cb_jb_cfg cfg;
	struct cb_jitterbuf *jb;
	struct cb_jb_stats st;
	cb_ns want[5], sum = 0;

	cb_jb_cfg_default(&cfg);
	/* Keep the jitter estimate at 0 whatever the samples. */
	cfg.timing.jitter_offset = CB_NS_PER_S;
	jb = open_jb(&cfg);
	for (int i = 0; i < 5; i++)
		v[i] = (struct vframe){.id = i, .key = i == 0, .arrival = fts(i) + 50 * MS};
	v[2].arrival += 40 * MS;
	/* Released at arrival A; frame 2 when it arrives; frame 3 with it. */
	want[0] = fts(0) + 50 * MS - (fts(0) + 45 * MS);
	want[1] = fts(1) + 50 * MS - (fts(1) + 45 * MS);
	want[2] = fts(2) + 90 * MS - (fts(2) + 85 * MS);
	want[3] = fts(2) + 90 * MS - (fts(3) + 45 * MS);
	want[4] = fts(4) + 50 * MS - (fts(4) + 45 * MS);
	run_video(jb, v, 5, &r);
	CU_ASSERT_FATAL(r.nout == 5);
	for (int k = 0; k < 5; k++) {
		CU_ASSERT_EQUAL(r.released[k], k);
		CU_ASSERT_EQUAL(r.out[k].jb_delay, want[k]);
		sum += want[k];
	}
	CU_ASSERT(r.out[2].late && r.out[3].late && !r.out[4].late);
	cb_jb_get_stats(jb, &st);
	CU_ASSERT_EQUAL(st.jb_delay_sum, sum);
	CU_ASSERT_EQUAL(st.emitted, 5);
	CU_ASSERT_EQUAL(st.late_out, 2);
	CU_ASSERT_EQUAL(st.target_delay_sum, 5 * 10 * MS);
	cb_jb_close(jb);
}

/* A late successor gives way to a key frame that waits; a frame older than
 * one released is refused. */
static void test_late_dropped(void)
{
	static struct vframe v[6];
	static struct vrun r;
	struct cb_jb_cfg cfg;
	struct cb_jitterbuf *jb;
	struct cb_jb_stats st;
	struct cb_jb_frame f;

	cb_jb_cfg_default(&cfg);
	cfg.timing.min_playout_delay = 100 * MS; /* release = arrival + 90 ms */
	jb = open_jb(&cfg);
	for (int i = 0; i < 6; i++)
		v[i] =
		    (struct vframe){.id = i, .key = i == 0 || i == 4, .arrival = fts(i) + 50 * MS};
	v[3].arrival = fts(3) + 150 * MS; /* due at +140 ms: 10 ms late */
	run_video(jb, v, 6, &r);
	CU_ASSERT_EQUAL(r.violations, 0);
	CU_ASSERT_EQUAL(r.nout, 5);
	CU_ASSERT_EQUAL(r.released[3], 4);
	CU_ASSERT_EQUAL(r.out[3].dropped_before, 1);
	CU_ASSERT_EQUAL(r.out[3].released, fts(4) + 140 * MS);
	cb_jb_get_stats(jb, &st);
	CU_ASSERT_EQUAL(st.dropped[CB_JB_DROP_LATE], 1);
	v[0] = (struct vframe){.id = 2, .arrival = fts(6)};
	f = mkframe(&v[0]);
	CU_ASSERT_EQUAL(cb_jb_insert(jb, &f, fts(6)), CB_E_LATE);
	cb_jb_get_stats(jb, &st);
	CU_ASSERT_EQUAL(st.dropped[CB_JB_DROP_LATE], 2);
	cb_jb_close(jb);
}

/* Arrival jitter raises the target; it stays within [min, max], and the
 * current delay moves at most 100 ms per second. */
static void test_target_follows_jitter(void)
{
	static struct vframe v[600];
	static struct vrun r;
	struct cb_jb_cfg cfg;
	struct cb_jitterbuf *jb;
	struct cb_rng rng;
	struct cb_timing_state ts;
	cb_ns clean_target = 0;

	cb_rng_seed(&rng, 7);
	cb_jb_cfg_default(&cfg);
	cfg.timing.min_playout_delay = 20 * MS;
	cfg.timing.max_playout_delay = 150 * MS;
	jb = open_jb(&cfg);
	for (int i = 0; i < 600; i++) {
		v[i] = (struct vframe){.id = i, .key = i % 100 == 0};
		v[i].arrival = fts(i) + 40 * MS;
		if (i >= 200)
			v[i].arrival += (cb_ns)(cb_rng_uniform(&rng) * 80 * MS);
	}
	run_video(jb, v, 600, &r);
	CU_ASSERT_EQUAL(r.violations, 0);
	CU_ASSERT_FATAL(r.nout > 300);
	for (int k = 0; k < r.nout; k++) {
		cb_ns t = r.out[k].target_delay;
		CU_ASSERT(t >= 20 * MS && t <= 150 * MS);
		if (r.released[k] < 200)
			clean_target = t;
		if (k > 0 && !r.out[k].late) {
			cb_ns dt = r.out[k].released - r.out[k - 1].released;
			cb_ns dc = r.cur_after[k] - r.cur_after[k - 1];
			CU_ASSERT(llabs(dc) <= dt / 10 + 1);
		}
	}
	CU_ASSERT_EQUAL(clean_target, 20 * MS);
	cb_timing_get(cb_jb_timing(jb), &ts);
	/* σ of the frame delay variation of U(0, 80 ms) is about 33 ms:
	 * 2.33·33 − 30 ≈ 47 ms of jitter, + 10 ms render. */
	CU_ASSERT(ts.target > 30 * MS);
	CU_ASSERT(ts.jitter > 20 * MS);
	CU_ASSERT(ts.current > 30 * MS);
	cb_jb_close(jb);

	/* The same jitter against a low ceiling: the target is clamped. */
	cfg.timing.max_playout_delay = 30 * MS;
	jb = open_jb(&cfg);
	run_video(jb, v, 600, &r);
	cb_timing_get(cb_jb_timing(jb), &ts);
	CU_ASSERT_EQUAL(ts.target, 30 * MS);
	CU_ASSERT(ts.current <= 30 * MS);
	cb_jb_close(jb);
}

/* A clean path whose transit varies with the sender's encode time (2 to
 * 4 ms, as a real VP8 encoder's does): a frame that arrives at or after
 * the median transit leaves the moment it arrives; one that arrives
 * earlier waits for the median, no longer.  Nothing else holds a frame:
 * no jitter floor.  The render delay moves the render time and the
 * target, never the release; with a playout delay of min = max = 0 (what
 * libwebrtc calls rendering as soon as possible) every frame leaves as it
 * arrives. */
static void test_clean_path_release(void)
{
	static struct vframe v[300];
	static struct vrun r, r50, rz;
	struct cb_jb_cfg cfg;
	struct cb_jitterbuf *jb;
	struct cb_rng rng;
	int at_once = 0;

	cb_rng_seed(&rng, 3);
	for (int i = 0; i < 300; i++) {
		v[i] = (struct vframe){.id = i, .key = i == 0};
		v[i].arrival = fts(i) + 2 * MS + (cb_ns)(cb_rng_uniform(&rng) * 2 * MS);
	}
	jb = open_jb(NULL);
	run_video(jb, v, 300, &r);
	cb_jb_close(jb);
	CU_ASSERT_EQUAL(r.violations, 0);
	CU_ASSERT_FATAL(r.nout == 300);
	for (int k = 0; k < r.nout; k++) {
		const struct vframe *f = NULL;
		cb_ns wait;

		for (int i = 0; i < 300 && !f; i++)
			if (v[i].id == r.released[k])
				f = &v[i];
		CU_ASSERT_FATAL(f != NULL);
		wait = r.out[k].released - f->arrival;
		CU_ASSERT(wait >= 0);
		/* At most the spread below the median: under 2 ms. */
		CU_ASSERT(wait < 2 * MS);
		at_once += wait == 0;
	}
	/* About half the frames are at or after the median transit. */
	CU_ASSERT(at_once > 300 * 4 / 10);

	/* The render delay: same releases, later render times and target. */
	cb_jb_cfg_default(&cfg);
	cfg.timing.render_delay = 50 * MS;
	jb = open_jb(&cfg);
	run_video(jb, v, 300, &r50);
	cb_jb_close(jb);
	CU_ASSERT_FATAL(r50.nout == 300);
	for (int k = 0; k < 300; k++) {
		CU_ASSERT_EQUAL(r50.out[k].released, r.out[k].released);
		CU_ASSERT_EQUAL(r50.out[k].target_delay, r.out[k].target_delay + 40 * MS);
		CU_ASSERT_EQUAL(r50.out[k].render_time, r.out[k].render_time + 40 * MS);
	}

	/* min = max = 0: every frame leaves as it arrives. */
	cb_jb_cfg_default(&cfg);
	cfg.timing.max_playout_delay = 0;
	jb = open_jb(&cfg);
	run_video(jb, v, 300, &rz);
	cb_jb_close(jb);
	CU_ASSERT_FATAL(rz.nout == 300);
	for (int k = 0; k < 300; k++)
		for (int i = 0; i < 300; i++)
			if (v[i].id == rz.released[k])
				CU_ASSERT_EQUAL(rz.out[k].released, v[i].arrival);
}

static void test_decode_percentile(void)
{
	struct cb_timing *t;

	CU_ASSERT_FATAL(cb_timing_open(&t, NULL) == 0);
	CU_ASSERT_EQUAL(cb_timing_local_time(t, 0), CB_NS_NONE);
	for (int i = 1; i <= 100; i++)
		CU_ASSERT_EQUAL(cb_timing_on_decode(t, i * MS, i * MS), 0);
	{
		struct cb_timing_state st;
		cb_timing_get(t, &st);
		CU_ASSERT_EQUAL(st.decode, 95 * MS);
		CU_ASSERT_EQUAL(st.target, 95 * MS + 10 * MS);
	}
	/* Old samples age out after 10 s. */
	CU_ASSERT_EQUAL(cb_timing_on_decode(t, 2 * MS, 20 * CB_NS_PER_S), 0);
	CU_ASSERT_EQUAL(cb_timing_target(t), 2 * MS + 10 * MS);
	CU_ASSERT_EQUAL(cb_timing_on_decode(t, -1, 0), -EINVAL);
	cb_timing_close(t);
}

/* ---- audio ---- */

struct apkt {
	int idx;
	cb_ns arrival;
	int lost;
};

struct arun {
	int played, conceal, fec, expand, removed, slots;
	int conceal_after; /* concealment slots after `warm` slots */
	cb_ns last_cur, last_target, last_margin;
	int late_rc;
	int waited;	    /* slots that waited for a late frame */
	cb_ns jb_delay_max; /* of played frames after `warm` slots */
};

static int apkt_by_arrival(const void *a, const void *b)
{
	const struct apkt *x = a, *y = b;

	if (x->arrival != y->arrival)
		return (x->arrival > y->arrival) - (x->arrival < y->arrival);
	return x->idx - y->idx;
}

/* Fill every slot due at `t`, as the receiver does at a wake-up and after
 * each packet. */
static void pull_due(struct cb_audiojb *a, cb_ns t, int warm, struct arun *r)
{
	struct cb_ajb_out o;
	int act;

	while ((act = cb_ajb_pull(a, t, &o)) > 0) {
		r->slots++;
		r->removed += (int)o.removed;
		r->last_cur = o.current_delay;
		r->last_target = o.target_delay;
		r->last_margin = o.margin;
		r->waited += o.waited > 0;
		/* A slot plays when it is pulled or later, never before. */
		CU_ASSERT(o.slot <= t);
		switch (act) {
		case CB_AJB_PLAY:
			r->played++;
			CU_ASSERT_EQUAL(o.jb_delay, o.slot - o.arrival);
			if (r->slots > warm && o.jb_delay > r->jb_delay_max)
				r->jb_delay_max = o.jb_delay;
			break;
		case CB_AJB_CONCEAL:
			r->conceal++;
			break;
		case CB_AJB_FEC:
			r->fec++;
			CU_ASSERT_EQUAL(o.len, 3);
			break;
		case CB_AJB_EXPAND:
			r->expand++;
			break;
		}
		if ((act == CB_AJB_CONCEAL || act == CB_AJB_FEC) && r->slots > warm)
			r->conceal_after++;
	}
	CU_ASSERT_EQUAL(act, CB_AJB_NOTHING);
}

/* Insert in arrival order, pulling after every packet and at every due
 * slot; at equal times the packet goes in first.  Stops at `until`. */
static void run_audio(struct cb_audiojb *a, struct apkt *p, int n, cb_ns until, int warm,
		      struct arun *r)
{
	int i = 0, guard = 0;
	uint8_t b[3] = {9, 9, 9};

	memset(r, 0, sizeof(*r));
	qsort(p, (size_t)n, sizeof(*p), apkt_by_arrival);
	while (guard++ < 1000000) {
		cb_ns t = cb_ajb_next_pull(a);
		while (i < n && p[i].lost)
			i++;
		if (i < n && (t == CB_NS_NONE || p[i].arrival <= t)) {
			struct cb_ajb_packet k = {
			    .seq = (uint16_t)(65500 + p[i].idx),
			    .rtp_ts = (uint32_t)(0xffff0000u + 960u * (uint32_t)p[i].idx),
			    .arrival = p[i].arrival,
			    .data = b,
			    .len = sizeof(b),
			};
			int rc = cb_ajb_insert(a, &k);
			if (rc == CB_E_LATE)
				r->late_rc++;
			else
				CU_ASSERT_EQUAL(rc, 0);
			pull_due(a, p[i].arrival, warm, r);
			i++;
		} else if (t != CB_NS_NONE && t <= until) {
			pull_due(a, t, warm, r);
		} else {
			break;
		}
	}
	CU_ASSERT(guard < 1000000);
}

static struct cb_audiojb *open_ajb(void)
{
	struct cb_audiojb *a = NULL;

	CU_ASSERT_FATAL(cb_ajb_open(&a, NULL) == 0);
	return a;
}

static void const_stream(struct apkt *p, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (struct apkt){.idx = i, .arrival = (cb_ns)i * 20 * MS + 30 * MS};
}

static void test_audio_constant(void)
{
	static struct apkt p[500];
	struct arun r;
	struct cb_audiojb *a = open_ajb();
	struct cb_ajb_stats st;

	const_stream(p, 500);
	run_audio(a, p, 500, 500 * 20 * MS + 30 * MS, 0, &r);
	CU_ASSERT_EQUAL(r.conceal + r.fec + r.expand, 0);
	CU_ASSERT_EQUAL(cb_ajb_target(a), 20 * MS);
	/* Started at 80 ms, shrank one frame at a time to the 20 ms floor. */
	CU_ASSERT_EQUAL(r.removed, 3);
	CU_ASSERT_EQUAL(r.last_cur, 20 * MS);
	CU_ASSERT_EQUAL(r.played + r.removed, 500);
	cb_ajb_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.played, (uint64_t)r.played);
	CU_ASSERT_EQUAL(st.late, 0);
	cb_ajb_close(a);
}

static void test_audio_loss(void)
{
	static struct apkt p[300];
	struct arun r;
	struct cb_audiojb *a = open_ajb();

	const_stream(p, 300);
	p[100].lost = 1;	       /* the next one is there in time: FEC */
	p[200].lost = p[201].lost = 1; /* 200 has no next: PLC, then FEC */
	run_audio(a, p, 300, 300 * 20 * MS + 30 * MS, 0, &r);
	CU_ASSERT_EQUAL(r.fec, 2);
	CU_ASSERT_EQUAL(r.conceal, 1);
	CU_ASSERT_EQUAL(r.expand, 0);
	CU_ASSERT_EQUAL(r.played + r.removed, 297);
	cb_ajb_close(a);
}

static void test_audio_late(void)
{
	static struct apkt p[300];
	struct arun r;
	struct cb_audiojb *a = open_ajb();
	struct cb_ajb_stats st;

	const_stream(p, 300);
	p[150].arrival += 200 * MS;
	run_audio(a, p, 300, 300 * 20 * MS + 30 * MS, 0, &r);
	CU_ASSERT_EQUAL(r.late_rc, 1);
	CU_ASSERT_EQUAL(r.conceal + r.fec, 1);
	cb_ajb_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.late, 1);
	cb_ajb_close(a);
}

/* The relative delays of packets first .. first + 99 of a 20 ms stream
 * (transit minus the smallest transit among them), sorted: the window the
 * buffer computes its target and margin from, by hand. */
static void rel_window(const struct apkt *p, int first, cb_ns rel[100])
{
	cb_ns mn = INT64_MAX;

	for (int i = 0; i < 100; i++) {
		rel[i] = p[first + i].arrival - (cb_ns)(first + i) * 20 * MS;
		if (rel[i] < mn)
			mn = rel[i];
	}
	for (int i = 0; i < 100; i++)
		rel[i] -= mn;
	for (int i = 0; i < 100; i++)
		for (int j = i + 1; j < 100; j++)
			if (rel[j] < rel[i]) {
				cb_ns t = rel[i];
				rel[i] = rel[j];
				rel[j] = t;
			}
}

static void test_audio_jitter(void)
{
	static struct apkt p[1500];
	struct arun r;
	struct cb_audiojb *a = NULL;
	struct cb_ajb_cfg cfg;
	struct cb_rng rng;
	cb_ns rel[100];

	/* A low start, so the delay has to grow. */
	cb_ajb_cfg_default(&cfg);
	cfg.initial_delay = 20 * MS;
	CU_ASSERT_FATAL(cb_ajb_open(&a, &cfg) == 0);

	cb_rng_seed(&rng, 11);
	for (int i = 0; i < 1500; i++)
		p[i] = (struct apkt){.idx = i,
				     .arrival = (cb_ns)i * 20 * MS + 30 * MS +
						(cb_ns)(cb_rng_uniform(&rng) * 100 * MS)};
	/* The p95 of the last 100 relative delays, computed here by hand. */
	rel_window(p, 1400, rel);
	run_audio(a, p, 1500, 1500 * 20 * MS, 100, &r);
	CU_ASSERT(cb_ajb_target(a) >= rel[94]);
	CU_ASSERT(cb_ajb_target(a) < rel[94] + 20 * MS);
	CU_ASSERT(r.last_cur >= rel[94]);
	/* Rare: under 2 % of the slots after the first two seconds. */
	CU_ASSERT(r.conceal_after * 50 < r.slots);
	CU_ASSERT(r.expand > 0);
	cb_ajb_close(a);
}

/* The receiver's audio settings (call/receiver.c): a margin from the p99
 * of the relative delays, at least 0.5 ms, and a frame's wait for a late
 * packet. */
static struct cb_audiojb *open_ajb_call(cb_ns late_wait)
{
	struct cb_audiojb *a = NULL;
	struct cb_ajb_cfg cfg;

	cb_ajb_cfg_default(&cfg);
	cfg.min_delay = 0;
	cfg.initial_delay = 20 * MS;
	cfg.margin = MS / 2;
	cfg.margin_quantile = 0.99;
	cfg.late_wait = late_wait;
	CU_ASSERT_FATAL(cb_ajb_open(&a, &cfg) == 0);
	return a;
}

/* A clean path: the delay settles at the 0.5 ms floor above a target of
 * 0, so a frame waits 0.5 ms, not the 5 ms a fixed quarter-frame margin
 * kept; nothing is concealed or waited for. */
static void test_audio_clean_margin(void)
{
	static struct apkt p[300];
	struct arun r;
	struct cb_audiojb *a = open_ajb_call(20 * MS);
	struct cb_ajb_stats st;

	const_stream(p, 300);
	run_audio(a, p, 300, 300 * 20 * MS + 30 * MS, 100, &r);
	CU_ASSERT_EQUAL(r.conceal + r.fec + r.expand + r.waited, 0);
	CU_ASSERT_EQUAL(r.last_target, 0);
	CU_ASSERT_EQUAL(r.last_margin, MS / 2);
	CU_ASSERT_EQUAL(r.last_cur, MS / 2);
	CU_ASSERT(r.jb_delay_max <= MS / 2);
	cb_ajb_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.margin_max, MS / 2);
	CU_ASSERT_EQUAL(st.margin_sum, (cb_ns)st.slots * (MS / 2));
	cb_ajb_close(a);
}

/* Arrivals that spread: the margin is the window's p99 minus its p95 of
 * the relative delays (computed here by hand), and the delay settles
 * there, so that the p99 of the packets are on time. */
static void test_audio_margin_follows_spread(void)
{
	static struct apkt p[1000];
	struct arun r;
	struct cb_audiojb *a = open_ajb_call(0);
	struct cb_rng rng;
	cb_ns rel[100];

	cb_rng_seed(&rng, 5);
	for (int i = 0; i < 1000; i++)
		p[i] = (struct apkt){.idx = i,
				     .arrival = (cb_ns)i * 20 * MS + 30 * MS +
						(cb_ns)(cb_rng_uniform(&rng) * 4 * MS)};
	rel_window(p, 900, rel);
	run_audio(a, p, 1000, 1000 * 20 * MS + 30 * MS, 100, &r);
	CU_ASSERT_EQUAL(r.last_target, rel[94]);
	CU_ASSERT_EQUAL(r.last_margin, rel[98] - rel[94] > MS / 2 ? rel[98] - rel[94] : MS / 2);
	CU_ASSERT(r.conceal_after * 50 < r.slots);
	cb_ajb_close(a);
}

/* A sender's hiccup on a clean path: one packet 8 ms late, the next ones
 * on time.  With a wait for late frames it plays when it comes (the
 * timeline runs 7.5 ms later from then on, and shrinks back); without,
 * its slot is concealed and the packet thrown away as late. */
static void test_audio_hiccup_waited_for(void)
{
	static struct apkt p[300];
	struct arun r;
	struct cb_audiojb *a;
	struct cb_ajb_stats st;

	const_stream(p, 300);
	p[150].arrival += 8 * MS;
	a = open_ajb_call(20 * MS);
	run_audio(a, p, 300, 300 * 20 * MS + 30 * MS, 0, &r);
	CU_ASSERT_EQUAL(r.conceal + r.fec + r.late_rc, 0);
	CU_ASSERT_EQUAL(r.waited, 1);
	cb_ajb_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.waited, 1);
	CU_ASSERT_EQUAL(st.wait_sum, 8 * MS - MS / 2);
	CU_ASSERT_EQUAL(st.late_played, 1);
	CU_ASSERT_EQUAL(st.late_played_wait, 8 * MS - MS / 2);
	CU_ASSERT_EQUAL(st.late, 0);
	/* Back at the floor by the end (shrunk after the hold). */
	CU_ASSERT_EQUAL(r.last_cur, MS / 2);
	cb_ajb_close(a);

	const_stream(p, 300);
	p[150].arrival += 8 * MS;
	a = open_ajb_call(0);
	run_audio(a, p, 300, 300 * 20 * MS + 30 * MS, 0, &r);
	CU_ASSERT_EQUAL(r.conceal, 1);
	CU_ASSERT_EQUAL(r.late_rc, 1);
	CU_ASSERT_EQUAL(r.waited, 0);
	cb_ajb_close(a);
}

/* A lost packet: its slot waits until the next packet shows it lost (in
 * less than a frame), then rebuilds it from that packet's FEC rather than
 * concealing it.  An outage: the first slot waits once, up to a frame,
 * then the slots are filled at their times until packets come again. */
static void test_audio_wait_ends_on_later_packet(void)
{
	static struct apkt p[300];
	struct arun r;
	struct cb_audiojb *a;
	struct cb_ajb_stats st;

	const_stream(p, 300);
	p[100].lost = 1;
	a = open_ajb_call(20 * MS);
	run_audio(a, p, 300, 300 * 20 * MS + 30 * MS, 0, &r);
	CU_ASSERT_EQUAL(r.fec, 1);
	CU_ASSERT_EQUAL(r.conceal, 0);
	CU_ASSERT_EQUAL(r.waited, 1);
	cb_ajb_get_stats(a, &st);
	/* Due 0.5 ms after packet 100 would have come; 101 came 20 ms
	 * after that. */
	CU_ASSERT_EQUAL(st.wait_sum, 20 * MS - MS / 2);
	CU_ASSERT_EQUAL(st.late_played, 0);
	cb_ajb_close(a);

	const_stream(p, 300);
	for (int i = 100; i < 110; i++)
		p[i].lost = 1;
	a = open_ajb_call(20 * MS);
	run_audio(a, p, 300, 300 * 20 * MS + 30 * MS, 0, &r);
	CU_ASSERT_EQUAL(r.waited, 1);
	CU_ASSERT_EQUAL(r.conceal + r.fec, 10);
	cb_ajb_get_stats(a, &st);
	/* A frame less a nanosecond: the delay it added is taken back by
	 * playing the next slot earlier (time-stretching's place), never by
	 * discarding a frame. */
	CU_ASSERT_EQUAL(st.wait_sum, 20 * MS - 1);
	CU_ASSERT_EQUAL(st.removed, 0);
	CU_ASSERT_EQUAL(st.played, 290);
	CU_ASSERT(st.advanced > 0);
	cb_ajb_close(a);
}

int cb_suite_jitterbuf(void)
{
	static const struct cb_test_case cases[] = {
	    {"arguments", test_args},
	    {"never releases a frame whose reference is missing", test_never_missing_reference},
	    {"lost delta blocks until key frame, PLI time", test_lost_delta_blocks_until_key},
	    {"decode error needs a key frame", test_decode_error_needs_key},
	    {"jitterBufferDelay sums", test_jb_delay_sums},
	    {"late frames dropped and counted", test_late_dropped},
	    {"target follows jitter within bounds, slew", test_target_follows_jitter},
	    {"clean path: decodable frames leave at once, render delay", test_clean_path_release},
	    {"decode time percentile", test_decode_percentile},
	    {"audio: constant delay", test_audio_constant},
	    {"audio: loss gives one PLC or FEC", test_audio_loss},
	    {"audio: late packets discarded", test_audio_late},
	    {"audio: target covers jitter", test_audio_jitter},
	    {"audio: clean path, the margin's floor", test_audio_clean_margin},
	    {"audio: the margin follows the spread of arrivals", test_audio_margin_follows_spread},
	    {"audio: a late packet is waited for, not concealed", test_audio_hiccup_waited_for},
	    {"audio: a wait ends on a later packet, once per gap",
	     test_audio_wait_ends_on_later_packet},
	    {NULL, NULL},
	};

	return cb_add_suite("jitterbuf", cases);
}
