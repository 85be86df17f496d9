/*
 * Alignment of played audio against its source (measure/align.h): a
 * synthetic playout built frame by frame, with the discontinuities a jitter
 * buffer makes (a discarded frame, a concealed frame, an inserted frame, a
 * playout ahead of the source), must compare every fresh sample against the
 * one it carries, and a single offset for the whole call must not.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "measure/align.h"
#include "measure/quality.h"
#include "test_util.h"

enum { FS = 480, DELAY = 312, SRC_FRAMES = 40, SRC_N = FS * SRC_FRAMES, MAXP = 64 };

/* A playout under construction: the played samples and their pieces. */
struct playout {
	int16_t pcm[FS * MAXP];
	struct cb_align_piece p[MAXP];
	size_t n, len;
};

/* White noise: off by one sample, it no longer matches itself. */
static void make_source(int16_t *src)
{
	struct cb_rng r;

	cb_rng_seed(&r, 42);
	for (int i = 0; i < SRC_N; i++)
		src[i] = (int16_t)((int)(cb_rng_next(&r) % 16001) - 8000);
}

/* Play source frame `f` the way a decoder with `delay` samples of delay
 * (plus `extra` the mapping does not know of) gives it out; f < 0 plays
 * `kind` (concealment or an insertion) as noise unrelated to the source. */
static void play(struct playout *o, const int16_t *src, int f, int extra, enum cb_align_kind kind)
{
	struct cb_align_piece *p = &o->p[o->n++];

	p->played = o->len;
	p->len = FS;
	p->kind = f < 0 ? kind : CB_ALIGN_DECODED;
	p->src = f < 0 ? 0 : (int64_t)f * FS - DELAY;
	for (int q = 0; q < FS; q++) {
		int64_t s = p->src + q - extra;

		o->pcm[o->len + q] = f < 0		   ? (int16_t)(q * 37 % 3000)
				     : s >= 0 && s < SRC_N ? src[s]
							   : 0;
	}
	o->len += FS;
}

static void quality(const int16_t *src, const struct playout *o, struct cb_audio_span *sp,
		    size_t *nsp, struct cb_align_stats *st, struct cb_audio_quality *q)
{
	*nsp = MAXP;
	CU_ASSERT_EQUAL_FATAL(cb_align_stretches(o->p, o->n, o->len, SRC_N, sp, nsp, st), 0);
	CU_ASSERT_EQUAL_FATAL(
	    cb_audio_quality_spans(src, SRC_N, o->pcm, o->len, sp, *nsp, 48000, q), 0);
}

/* Frames 0..14, frame 15 discarded, 16..30: the offset moves by one frame
 * in the middle of the call. */
static void test_discard_mid_stream(void)
{
	static int16_t src[SRC_N];
	static struct playout o;
	struct cb_audio_span sp[MAXP];
	struct cb_align_stats st;
	struct cb_audio_quality q;
	size_t nsp;

	make_source(src);
	memset(&o, 0, sizeof(o));
	for (int f = 0; f <= 30; f++)
		if (f != 15)
			play(&o, src, f, 0, CB_ALIGN_DECODED);
	quality(src, &o, sp, &nsp, &st, &q);
	CU_ASSERT_EQUAL(nsp, 2);
	CU_ASSERT_EQUAL(st.stretches, 2);
	/* The decoder's first DELAY samples carry no source sample. */
	CU_ASSERT_EQUAL(sp[0].ref, 0);
	CU_ASSERT_EQUAL(sp[0].deg, DELAY);
	CU_ASSERT_EQUAL(sp[0].len, 15 * FS - DELAY);
	CU_ASSERT_EQUAL(sp[1].ref, 16 * FS - DELAY);
	CU_ASSERT_EQUAL(sp[1].deg, 15 * FS);
	CU_ASSERT_EQUAL(sp[1].len, 15 * FS);
	CU_ASSERT_EQUAL(st.compared, 30 * FS - DELAY);
	CU_ASSERT_EQUAL(st.outside, DELAY);
	CU_ASSERT_EQUAL(q.snr_db, CB_AUDIO_SNR_MAX);
	CU_ASSERT_DOUBLE_EQUAL(q.correlation, 1.0, 1e-12);

	/* One offset for the whole call (the first stretch's) compares the
	 * second half against the wrong samples: what the call used to do. */
	{
		const size_t n = o.len - DELAY;
		struct cb_audio_quality one;

		CU_ASSERT_EQUAL(cb_audio_quality(src, o.pcm + DELAY, n, 48000, &one), 0);
		CU_ASSERT(one.correlation < 0.6);
		CU_ASSERT(one.snr_db < 3.5);
	}
}

/* The playout runs ahead of the source: played sample 0 carries source
 * sample 20 frames in (after many discards), a negative offset. */
static void test_negative_offset(void)
{
	static int16_t src[SRC_N];
	static struct playout o;
	struct cb_audio_span sp[MAXP];
	struct cb_align_stats st;
	struct cb_audio_quality q;
	size_t nsp;

	make_source(src);
	memset(&o, 0, sizeof(o));
	for (int f = 20; f < 30; f++)
		play(&o, src, f, 0, CB_ALIGN_DECODED);
	quality(src, &o, sp, &nsp, &st, &q);
	CU_ASSERT_EQUAL(nsp, 1);
	CU_ASSERT_EQUAL(sp[0].deg, 0);
	CU_ASSERT_EQUAL(sp[0].ref, 20 * FS - DELAY);
	CU_ASSERT(sp[0].deg < sp[0].ref);
	CU_ASSERT_EQUAL(st.compared, 10 * FS);
	CU_ASSERT_EQUAL(q.snr_db, CB_AUDIO_SNR_MAX);
}

/* A concealed frame is left out (counted), an inserted frame (the buffer
 * growing) moves the offset by a frame; FEC-rebuilt frames are compared. */
static void test_concealment_and_insertion(void)
{
	static int16_t src[SRC_N];
	static struct playout o;
	struct cb_audio_span sp[MAXP];
	struct cb_align_stats st;
	struct cb_audio_quality q;
	size_t nsp;

	make_source(src);
	memset(&o, 0, sizeof(o));
	for (int f = 0; f < 10; f++)
		play(&o, src, f, 0, CB_ALIGN_DECODED);
	play(&o, src, -1, 0, CB_ALIGN_CONCEALED); /* frame 10 lost */
	for (int f = 11; f < 20; f++)
		play(&o, src, f, 0, CB_ALIGN_DECODED);
	o.p[o.n - 1].kind = CB_ALIGN_FEC; /* frame 19 rebuilt from FEC */
	play(&o, src, -1, 0, CB_ALIGN_INSERTED);
	play(&o, src, -1, 0, CB_ALIGN_INSERTED);
	for (int f = 20; f < 30; f++)
		play(&o, src, f, 0, CB_ALIGN_DECODED);
	quality(src, &o, sp, &nsp, &st, &q);
	CU_ASSERT_EQUAL(nsp, 3);
	CU_ASSERT_EQUAL(st.concealed, FS);
	CU_ASSERT_EQUAL(st.inserted, 2 * FS);
	CU_ASSERT_EQUAL(st.compared, 29 * FS - DELAY);
	CU_ASSERT_EQUAL(sp[1].ref, 11 * FS - DELAY);
	CU_ASSERT_EQUAL(sp[1].deg, 11 * FS);
	CU_ASSERT_EQUAL(sp[2].ref, 20 * FS - DELAY);
	CU_ASSERT_EQUAL(sp[2].deg, 22 * FS);
	CU_ASSERT_EQUAL(q.snr_db, CB_AUDIO_SNR_MAX);
	CU_ASSERT_DOUBLE_EQUAL(q.correlation, 1.0, 1e-12);
}

/* Samples with no source sample are left out: the source's end, and the
 * played samples not kept. */
static void test_clipped_to_both_signals(void)
{
	static int16_t src[SRC_N];
	static struct playout o;
	struct cb_audio_span sp[MAXP];
	struct cb_align_stats st;
	size_t nsp = MAXP;

	make_source(src);
	memset(&o, 0, sizeof(o));
	for (int f = 30; f < 42; f++) /* frames 40, 41 were never sent */
		play(&o, src, f, 0, CB_ALIGN_DECODED);
	CU_ASSERT_EQUAL(cb_align_stretches(o.p, o.n, o.len, SRC_N, sp, &nsp, &st), 0);
	CU_ASSERT_EQUAL(nsp, 1);
	CU_ASSERT_EQUAL(sp[0].ref + sp[0].len, SRC_N);
	CU_ASSERT_EQUAL(st.compared, 10 * FS + DELAY);
	CU_ASSERT_EQUAL(st.outside, 2 * FS - DELAY);

	nsp = MAXP;
	CU_ASSERT_EQUAL(cb_align_stretches(o.p, o.n, 5 * FS + 7, SRC_N, sp, &nsp, &st), 0);
	CU_ASSERT_EQUAL(nsp, 1);
	CU_ASSERT_EQUAL(sp[0].deg + sp[0].len, 5 * FS + 7);
	CU_ASSERT_EQUAL(st.compared, 5 * FS + 7);
}

/* The decoder's delay is a few samples more than the mapping says: the
 * bounded search finds it, for every stretch at once; out of bound it
 * cannot. */
static void test_refine_residual_delay(void)
{
	static int16_t src[SRC_N];
	static struct playout o;
	struct cb_audio_span sp[MAXP], keep[MAXP];
	struct cb_align_stats st;
	struct cb_audio_quality q;
	size_t nsp, nkeep;
	int shift = 99;

	make_source(src);
	memset(&o, 0, sizeof(o));
	for (int f = 0; f < 30; f++)
		if (f != 12)
			play(&o, src, f, 3, CB_ALIGN_DECODED);
	quality(src, &o, sp, &nsp, &st, &q);
	CU_ASSERT(q.correlation < 0.1); /* three samples off: no match */
	memcpy(keep, sp, sizeof(sp));
	nkeep = nsp;

	CU_ASSERT_EQUAL(
	    cb_align_refine(src, SRC_N, o.pcm, o.len, sp, &nsp, CB_ALIGN_MAX_SHIFT, &shift, &st),
	    0);
	CU_ASSERT_EQUAL(shift, -3);
	CU_ASSERT_EQUAL(nsp, 2);
	CU_ASSERT_EQUAL(st.stretches, 2);
	/* The first stretch began at source sample 0: 3 samples less. */
	CU_ASSERT_EQUAL(st.compared, 29 * FS - DELAY - 3);
	CU_ASSERT_EQUAL(cb_audio_quality_spans(src, SRC_N, o.pcm, o.len, sp, nsp, 48000, &q), 0);
	CU_ASSERT_EQUAL(q.snr_db, CB_AUDIO_SNR_MAX);

	nsp = nkeep;
	CU_ASSERT_EQUAL(cb_align_refine(src, SRC_N, o.pcm, o.len, keep, &nsp, 2, &shift, NULL), 0);
	CU_ASSERT(shift >= -2 && shift <= 2);

	/* Nothing to score: no shift. */
	nsp = 0;
	CU_ASSERT_EQUAL(cb_align_refine(src, SRC_N, o.pcm, o.len, sp, &nsp, 4, &shift, NULL), 0);
	CU_ASSERT_EQUAL(shift, 0);
	nsp = 1;
	CU_ASSERT_EQUAL(cb_align_refine(src, SRC_N, o.pcm, o.len, sp, &nsp, -1, &shift, NULL),
			-EINVAL);
	sp[0].len = SRC_N;
	CU_ASSERT_EQUAL(cb_align_refine(src, SRC_N, o.pcm, o.len, sp, &nsp, 4, &shift, NULL),
			-EINVAL);
}

static void test_bad_arguments(void)
{
	struct cb_align_piece p[2] = {
	    {.played = 0, .len = FS, .src = 0, .kind = CB_ALIGN_DECODED},
	    {.played = FS, .len = FS, .src = 5 * FS, .kind = CB_ALIGN_DECODED},
	};
	struct cb_audio_span sp[2];
	struct cb_align_stats st;
	size_t nsp = 2;

	/* Room for one stretch only. */
	nsp = 1;
	CU_ASSERT_EQUAL(cb_align_stretches(p, 2, 2 * FS, SRC_N, sp, &nsp, &st), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(nsp, 1);
	nsp = 2;
	CU_ASSERT_EQUAL(cb_align_stretches(p, 2, 2 * FS, SRC_N, sp, &nsp, &st), 0);
	CU_ASSERT_EQUAL(nsp, 2);
	/* Overlapping pieces. */
	p[1].played = FS - 1;
	CU_ASSERT_EQUAL(cb_align_stretches(p, 2, 2 * FS, SRC_N, sp, &nsp, &st), -EINVAL);
	p[1].played = FS;
	p[1].kind = (enum cb_align_kind)9;
	CU_ASSERT_EQUAL(cb_align_stretches(p, 2, 2 * FS, SRC_N, sp, &nsp, &st), -EINVAL);
	CU_ASSERT_EQUAL(cb_align_stretches(NULL, 2, 2 * FS, SRC_N, sp, &nsp, &st), -EINVAL);
	CU_ASSERT_EQUAL(cb_align_stretches(p, 2, 2 * FS, SRC_N, sp, NULL, &st), -EINVAL);
	/* No pieces: no stretches. */
	nsp = 2;
	CU_ASSERT_EQUAL(cb_align_stretches(NULL, 0, 0, SRC_N, NULL, &nsp, &st), 0);
	CU_ASSERT_EQUAL(nsp, 0);
	CU_ASSERT_EQUAL(st.compared, 0);
}

/* A reader over an array that remembers its largest read and can fail. */
struct counting_reader {
	const int16_t *v;
	size_t n, max_read, reads;
	int fail_at; /* fail the read with this number (1-based); 0 never */
};

static int counting_read(void *user, size_t first, int16_t *out, size_t n)
{
	struct counting_reader *c = user;

	CU_ASSERT(first <= c->n && n <= c->n - first);
	if (++c->reads == (size_t)c->fail_at)
		return -EIO;
	if (n > c->max_read)
		c->max_read = n;
	memcpy(out, c->v + first, n * sizeof(*out));
	return 0;
}

/* The search as it was written over whole arrays, shift by shift. */
static int naive_shift(const int16_t *ref, size_t ref_n, const int16_t *deg,
		       const struct cb_audio_span *sp, size_t n, int64_t k)
{
	double best = -HUGE_VAL;
	int best_s = 0;

	for (int64_t a = 0; a <= k; a++)
		for (int sign = 1; sign >= (a ? -1 : 1); sign -= 2) {
			const int64_t s = sign * a;
			int64_t cross = 0, energy = 0;

			for (size_t j = 0; j < n; j++) {
				int64_t lo = (int64_t)sp[j].ref < k ? k - (int64_t)sp[j].ref : 0;
				int64_t hi = (int64_t)sp[j].len;

				if ((int64_t)(sp[j].ref + sp[j].len) + k > (int64_t)ref_n)
					hi = (int64_t)ref_n - k - (int64_t)sp[j].ref;
				for (int64_t i = lo; i < hi; i++) {
					int64_t v = ref[(int64_t)sp[j].ref + s + i];

					cross += v * deg[sp[j].deg + (size_t)i];
					energy += v * v;
				}
			}
			if (energy > 0 && (double)cross / sqrt((double)energy) > best) {
				best = (double)cross / sqrt((double)energy);
				best_s = (int)s;
			}
		}
	return best_s;
}

/*
 * A long call's source is read in pieces, never whole: spans longer than
 * a piece, starting at the source's first samples and ending at its last,
 * give the shift of the whole-array search and the figures of the array
 * functions, with no read larger than a piece plus the search room; a
 * reader's error comes back.
 */
static void test_read_in_pieces(void)
{
	enum { N = 5 * CB_REF_CHUNK + 777 };
	static int16_t src[N], deg[N];
	struct cb_audio_span sp[3], sp2[3];
	struct counting_reader c = {.v = src, .n = N};
	struct cb_audio_quality qa, qr;
	struct cb_rng rng;
	size_t n = 3;
	int shift_a = 99, shift_r = 98;

	cb_rng_seed(&rng, 11);
	for (size_t i = 0; i < N; i++)
		src[i] = (int16_t)(cb_rng_next(&rng) % 20000) - 10000;
	/* Played 5 samples late, with a little noise. */
	for (size_t i = 0; i < N; i++)
		deg[i] = (int16_t)((i >= 5 ? src[i - 5] : 0) + (int)(cb_rng_next(&rng) % 64) - 32);
	sp[0] = (struct cb_audio_span){.ref = 0, .deg = 5, .len = 2 * CB_REF_CHUNK + 100};
	sp[1] = (struct cb_audio_span){
	    .ref = 2 * CB_REF_CHUNK + 300, .deg = 2 * CB_REF_CHUNK + 305, .len = CB_REF_CHUNK};
	sp[2] = (struct cb_audio_span){.ref = 3 * CB_REF_CHUNK + 400,
				       .deg = 3 * CB_REF_CHUNK + 405,
				       .len = N - 405 - 3 * CB_REF_CHUNK};
	/* Spans one sample off, so the search has a residual to find. */
	for (int j = 0; j < 3; j++)
		sp[j].ref += 1;
	sp[2].len -= 1;
	memcpy(sp2, sp, sizeof(sp));
	CU_ASSERT_EQUAL(naive_shift(src, N, deg, sp, 3, CB_ALIGN_MAX_SHIFT), -1);
	CU_ASSERT_EQUAL(cb_align_refine(src, N, deg, N, sp, &n, CB_ALIGN_MAX_SHIFT, &shift_a, NULL),
			0);
	CU_ASSERT_EQUAL(shift_a, -1);
	n = 3;
	CU_ASSERT_EQUAL(cb_align_refine_read(counting_read, &c, N, deg, N, sp2, &n,
					     CB_ALIGN_MAX_SHIFT, &shift_r, NULL),
			0);
	CU_ASSERT_EQUAL(shift_r, shift_a);
	CU_ASSERT_EQUAL(memcmp(sp, sp2, sizeof(sp)), 0);
	CU_ASSERT(c.max_read <= CB_REF_CHUNK + 2 * CB_ALIGN_MAX_SHIFT);
	CU_ASSERT(c.reads > 5);

	c.max_read = c.reads = 0;
	CU_ASSERT_EQUAL(cb_audio_quality_spans(src, N, deg, N, sp, n, 48000, &qa), 0);
	CU_ASSERT_EQUAL(
	    cb_audio_quality_spans_read(counting_read, &c, N, deg, N, sp, n, 48000, &qr), 0);
	CU_ASSERT_EQUAL(memcmp(&qa, &qr, sizeof(qa)), 0);
	CU_ASSERT(qa.snr_db > 40);
	CU_ASSERT(c.max_read <= CB_REF_CHUNK);

	c.reads = 0;
	c.fail_at = 3;
	n = 3;
	memcpy(sp2, sp, sizeof(sp));
	CU_ASSERT_EQUAL(cb_align_refine_read(counting_read, &c, N, deg, N, sp2, &n,
					     CB_ALIGN_MAX_SHIFT, &shift_r, NULL),
			-EIO);
	c.reads = 0;
	CU_ASSERT_EQUAL(
	    cb_audio_quality_spans_read(counting_read, &c, N, deg, N, sp, 3, 48000, &qr), -EIO);
}

int cb_suite_align(void)
{
	static const struct cb_test_case cases[] = {
	    {"discarded frame mid-stream: two stretches, exact", test_discard_mid_stream},
	    {"playout ahead of the source (negative offset)", test_negative_offset},
	    {"concealed and inserted frames left out", test_concealment_and_insertion},
	    {"clipped to the source and the played samples", test_clipped_to_both_signals},
	    {"bounded search finds the codec's residual delay", test_refine_residual_delay},
	    {"bad arguments", test_bad_arguments},
	    {"the source read in pieces: same shift and figures", test_read_in_pieces},
	    {NULL, NULL},
	};

	return cb_add_suite("align", cases);
}
