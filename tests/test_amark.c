#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "codec/codec.h"
#include "codec/opus_util.h"
#include "media/amark.h"
#include "media/audio_source.h"
#include "test_util.h"

#define RATE	 48000
#define FRAME	 960
#define DELAY	 1234
#define TOL	 48
#define MAX_HITS 256

static const struct cb_audio_source_cfg src_cfg = {
    .sample_rate = RATE,
    .frame_samples = FRAME,
    .marks = {.sample_rate = RATE, .period_ms = 100, .level_dbfs = -16, .seed = 7},
    .level_dbfs = -20,
    .seed = 3,
};

struct run {
	/* what to send */
	uint64_t first; /* source sample of the first rendered sample */
	size_t nsrc;	/* source samples rendered */
	int kbps;	/* 0: no codec */
	int plc_every;	/* every n-th frame concealed (0: none) */
	int skip;	/* tell the detector the stream starts at `first` */
	size_t chunk;	/* feed size */
	/* what came back */
	int expect_delay; /* DELAY plus the codec's look-ahead */
	struct cb_amark_hit hits[MAX_HITS];
	size_t nhits;
	size_t expected; /* marks wholly inside the rendered stretch */
	size_t good;	 /* right k, right delay within TOL */
	size_t bad;
	int max_err;
};

/*
 * Send DELAY zero samples, then the source from `first`, then half a second
 * of silence so the last marks complete; optionally through Opus; feed the
 * detector in `chunk`-sample pieces and score every hit against the truth.
 */
static void run_stream(struct run *r)
{
	size_t pad = RATE / 2, total = DELAY + r->nsrc + pad, nframes = (total + FRAME - 1) / FRAME;
	int16_t *in = calloc(nframes * FRAME, sizeof(int16_t));
	int16_t *out = calloc(nframes * FRAME, sizeof(int16_t));
	struct cb_audio_source *src = NULL;
	struct cb_amark_detector *det = NULL;
	uint64_t period = cb_amark_period(&src_cfg.marks);
	size_t len = cb_amark_len(&src_cfg.marks);
	struct cb_codec enc, dec;

	r->nhits = r->good = r->bad = r->expected = 0;
	r->max_err = 0;
	r->expect_delay = DELAY;
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&src, &src_cfg), 0);
	CU_ASSERT_EQUAL_FATAL(cb_audio_source_render(src, r->first, in + DELAY, r->nsrc), 0);
	cb_audio_source_close(src);
	if (r->kbps) {
		struct cb_codec_cfg cc = {.bitrate_kbps = r->kbps,
					  .sample_rate = RATE,
					  .channels = 1,
					  .frame_ms = 20,
					  .complexity = 9};

		CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_opus, &cc), 0);
		CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&dec, &cb_codec_opus, &cc), 0);
		r->expect_delay += cb_opus_lookahead(&enc);
		for (size_t f = 0; f < nframes; f++) {
			struct cb_packet_out pkt;
			size_t ns = FRAME;
			int lost =
			    r->plc_every && (int)(f % (size_t)r->plc_every) == r->plc_every - 1;

			CU_ASSERT_EQUAL(enc.ops->encode(enc.priv, in + f * FRAME, 0, 0, &pkt), 0);
			CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, lost ? NULL : pkt.data,
							lost ? 0 : pkt.len, out + f * FRAME, &ns),
					0);
			CU_ASSERT_EQUAL(ns, FRAME);
		}
		cb_codec_close(&enc);
		cb_codec_close(&dec);
	} else {
		memcpy(out, in, nframes * FRAME * sizeof(int16_t));
	}

	CU_ASSERT_EQUAL_FATAL(cb_amark_detector_open(&det, &src_cfg.marks), 0);
	if (r->skip) {
		size_t nh = MAX_HITS;

		CU_ASSERT_EQUAL(cb_amark_detector_skip(det, r->first, r->hits, &nh), 0);
		CU_ASSERT_EQUAL(nh, 0);
	}
	for (size_t off = 0; off < nframes * FRAME;) {
		size_t n = nframes * FRAME - off < r->chunk ? nframes * FRAME - off : r->chunk;
		size_t nh = MAX_HITS - r->nhits;

		CU_ASSERT_EQUAL(cb_amark_detector_feed(det, out + off, n, r->hits + r->nhits, &nh),
				0);
		r->nhits += nh;
		off += n;
	}
	cb_amark_detector_close(det);

	for (uint64_t k = (r->first + period - 1) / period; k * period + len <= r->first + r->nsrc;
	     k++)
		r->expected++;
	for (size_t i = 0; i < r->nhits; i++) {
		const struct cb_amark_hit *h = &r->hits[i];
		uint64_t base = r->skip ? 0 : r->first;
		int64_t err = (int64_t)h->out_sample -
			      ((int64_t)h->src_sample - (int64_t)base + r->expect_delay);
		int ok = h->src_sample == (uint64_t)h->mark * period && llabs(err) <= TOL;

		if (ok)
			r->good++;
		else
			r->bad++;
		if (llabs(err) > r->max_err)
			r->max_err = (int)llabs(err);
	}
	free(in);
	free(out);
}

static void test_geometry(void)
{
	struct cb_amark_cfg bad = src_cfg.marks;

	CU_ASSERT_EQUAL(cb_amark_period(&src_cfg.marks), 4800);
	CU_ASSERT_EQUAL(cb_amark_sync_len(&src_cfg.marks), 960);
	CU_ASSERT_EQUAL(cb_amark_len(&src_cfg.marks), 2880);
	CU_ASSERT_EQUAL(cb_amark_len(NULL), 0);
	bad.sample_rate = 7999;
	CU_ASSERT_EQUAL(cb_amark_len(&bad), 0);
	bad = src_cfg.marks;
	bad.period_ms = 50;
	CU_ASSERT_EQUAL(cb_amark_period(&bad), 0);
	bad = src_cfg.marks;
	bad.level_dbfs = 3;
	CU_ASSERT_EQUAL(cb_amark_sync_len(&bad), 0);
}

static double rms(const float *x, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return sqrt(s / n);
}

/* Are a[0..n) and b[0..n) the same samples, bit for bit? */
static int same_samples(const float *a, const float *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(&a[i], &b[i], sizeof(float)))
			return 0;
	return 1;
}

static void test_render(void)
{
	const struct cb_amark_cfg *c = &src_cfg.marks;
	size_t len = cb_amark_len(c), sync = cb_amark_sync_len(c);
	float *a = calloc(len + 100, sizeof(float)), *b = calloc(len + 100, sizeof(float));
	float peak = 0;
	size_t same_sync = 0, same_id = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	cb_amark_render(c, 5, 0, a, len + 100);
	for (size_t i = 0; i < len; i++)
		peak = fmaxf(peak, fabsf(a[i]));
	CU_ASSERT(peak <= 1.0f);
	for (size_t i = len; i < len + 100; i++)
		CU_ASSERT_EQUAL(a[i], 0.0f);
	/* Both parts play at the configured RMS, -16 dBFS. */
	CU_ASSERT(fabs(20 * log10(rms(a, sync)) + 16) < 1.0);
	CU_ASSERT(fabs(20 * log10(rms(a + sync, len - sync)) + 16) < 1.0);

	/* Rendering in pieces gives the same samples. */
	for (size_t off = 0; off < len + 100;) {
		size_t n = off % 7 == 0 ? 333 : 97;

		if (n > len + 100 - off)
			n = len + 100 - off;
		cb_amark_render(c, 5, off, b + off, n);
		off += n;
	}
	CU_ASSERT(same_samples(a, b, len + 100));

	/* The identity repeats every CB_AMARK_IDS marks and only then. */
	cb_amark_render(c, 5 + CB_AMARK_IDS, 0, b, len);
	CU_ASSERT(same_samples(a, b, len));
	cb_amark_render(c, 6, 0, b, len);
	for (size_t i = 0; i < len; i++) {
		if (a[i] != b[i])
			continue;
		if (i < sync)
			same_sync++;
		else
			same_id++;
	}
	CU_ASSERT_EQUAL(same_sync, sync);
	CU_ASSERT(same_id < 10);

	/* Bad arguments: zeros, never a crash. */
	cb_amark_render(NULL, 5, 0, b, 10);
	for (size_t i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(b[i], 0.0f);
	cb_amark_render(c, 5, SIZE_MAX - 3, b, 10);
	for (size_t i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(b[i], 0.0f);
	cb_amark_render(c, 5, 0, NULL, 10);
	free(a);
	free(b);
}

static void test_args(void)
{
	struct cb_amark_detector *d = NULL;
	struct cb_amark_cfg bad = src_cfg.marks;
	struct cb_amark_hit h[2];
	int16_t pcm[4] = {0};
	size_t nh = 2;

	CU_ASSERT_EQUAL(cb_amark_detector_open(NULL, &src_cfg.marks), -EINVAL);
	CU_ASSERT_EQUAL(cb_amark_detector_open(&d, NULL), -EINVAL);
	bad.sample_rate = 96000;
	CU_ASSERT_EQUAL(cb_amark_detector_open(&d, &bad), -EINVAL);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_EQUAL_FATAL(cb_amark_detector_open(&d, &src_cfg.marks), 0);
	CU_ASSERT_EQUAL(cb_amark_detector_feed(NULL, pcm, 4, h, &nh), -EINVAL);
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, NULL, 4, h, &nh), -EINVAL);
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, pcm, 4, h, NULL), -EINVAL);
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, pcm, 4, NULL, &nh), -EINVAL);
	nh = 0;
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, pcm, 4, NULL, &nh), 0);
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, NULL, 0, NULL, &nh), 0);
	CU_ASSERT_EQUAL(cb_amark_detector_skip(NULL, 10, h, &nh), -EINVAL);
	cb_amark_detector_close(d);
	cb_amark_detector_close(NULL);
}

/* THE KEY TEST, first half: a known delay of 1234 samples, read back exactly. */
static void test_delay_direct(void)
{
	static struct run r = {.nsrc = 5 * RATE, .chunk = FRAME};

	run_stream(&r);
	CU_ASSERT_EQUAL(r.expected, 50);
	CU_ASSERT_EQUAL(r.bad, 0);
	CU_ASSERT_EQUAL(r.good, r.expected);
	CU_ASSERT_EQUAL(r.max_err, 0);
	for (size_t i = 0; i < r.nhits; i++) {
		CU_ASSERT_EQUAL(r.hits[i].mark, i);
		CU_ASSERT_EQUAL(r.hits[i].out_sample - r.hits[i].src_sample, DELAY);
		CU_ASSERT(r.hits[i].sync_score > 0.99f);
		CU_ASSERT(r.hits[i].id_score > 0.9f);
	}
}

/* THE KEY TEST, second half: the same through Opus at 32 kbps, where the
 * codec adds exactly its look-ahead. */
static void test_delay_opus(void)
{
	static struct run r = {.nsrc = 5 * RATE, .chunk = FRAME, .kbps = 32};

	run_stream(&r);
	CU_ASSERT_EQUAL(r.expect_delay, DELAY + 312);
	CU_ASSERT_EQUAL(r.bad, 0);
	CU_ASSERT(r.good * 100 >= r.expected * 99);
	CU_ASSERT(r.max_err <= TOL);
	/* Measured: within 3 samples (libopus 1.3/1.4). */
	CU_ASSERT(r.max_err <= 8);
}

static void test_delay_opus_low_rate(void)
{
	static struct run r = {.nsrc = 3 * RATE, .chunk = FRAME, .kbps = 16};

	run_stream(&r);
	CU_ASSERT_EQUAL(r.bad, 0);
	CU_ASSERT(r.good * 100 >= r.expected * 99);
	CU_ASSERT(r.max_err <= TOL);
}

/* Marks 1019..1048: the identity wraps from 1023 to 0 and k keeps counting. */
static void test_wrap(void)
{
	static struct run r = {.nsrc = 3 * RATE, .chunk = FRAME, .skip = 1};
	static struct run ro = {.nsrc = 3 * RATE, .chunk = FRAME, .skip = 1, .kbps = 32};
	uint64_t first = (uint64_t)(CB_AMARK_IDS - 5) * cb_amark_period(&src_cfg.marks);
	int wrapped = 0;

	r.first = ro.first = first;
	run_stream(&r);
	CU_ASSERT_EQUAL(r.expected, 30);
	CU_ASSERT_EQUAL(r.bad, 0);
	CU_ASSERT_EQUAL(r.good, r.expected);
	for (size_t i = 0; i < r.nhits; i++) {
		CU_ASSERT_EQUAL(r.hits[i].mark, CB_AMARK_IDS - 5 + i);
		wrapped |= r.hits[i].mark >= CB_AMARK_IDS;
	}
	CU_ASSERT(wrapped);
	run_stream(&ro);
	CU_ASSERT_EQUAL(ro.bad, 0);
	CU_ASSERT(ro.good * 100 >= ro.expected * 99);
}

/* With one frame in ten concealed, most marks must still be found and none
 * may come back as the wrong mark or at the wrong place. */
static void test_plc(void)
{
	static struct run r = {.nsrc = 5 * RATE, .chunk = FRAME, .kbps = 32, .plc_every = 10};

	run_stream(&r);
	CU_ASSERT_EQUAL(r.bad, 0);
	CU_ASSERT(r.good * 10 >= r.expected * 8);
}

/* The hits do not depend on how the stream is cut into feeds. */
static void test_chunking(void)
{
	static struct run a = {.nsrc = 2 * RATE, .chunk = FRAME};
	static struct run b = {.nsrc = 2 * RATE, .chunk = 1};
	static struct run c = {.nsrc = 2 * RATE, .chunk = 100000};
	static struct run e = {.nsrc = 2 * RATE, .chunk = 4097};

	run_stream(&a);
	run_stream(&b);
	run_stream(&c);
	run_stream(&e);
	CU_ASSERT_EQUAL(a.nhits, 20);
	CU_ASSERT_EQUAL(b.nhits, a.nhits);
	CU_ASSERT_EQUAL(c.nhits, a.nhits);
	CU_ASSERT_EQUAL(e.nhits, a.nhits);
	CU_ASSERT_EQUAL(memcmp(a.hits, b.hits, a.nhits * sizeof(a.hits[0])), 0);
	CU_ASSERT_EQUAL(memcmp(a.hits, c.hits, a.nhits * sizeof(a.hits[0])), 0);
	CU_ASSERT_EQUAL(memcmp(a.hits, e.hits, a.nhits * sizeof(a.hits[0])), 0);
}

static size_t count_hits(const struct cb_amark_cfg *cfg, const int16_t *pcm, size_t n)
{
	struct cb_amark_detector *d;
	struct cb_amark_hit h[16];
	size_t total = 0;

	CU_ASSERT_EQUAL_FATAL(cb_amark_detector_open(&d, cfg), 0);
	for (size_t off = 0; off < n; off += FRAME) {
		size_t nh = 16;

		CU_ASSERT_EQUAL(cb_amark_detector_feed(d, pcm + off, FRAME, h, &nh), 0);
		total += nh;
	}
	cb_amark_detector_close(d);
	return total;
}

/* Silence, noise, and marks made with another seed: nothing is found. */
static void test_no_false_hits(void)
{
	size_t n = 3 * RATE;
	int16_t *pcm = calloc(n, sizeof(int16_t));
	struct cb_audio_source_cfg other = src_cfg;
	struct cb_audio_source *src;
	struct cb_rng rng;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pcm);
	CU_ASSERT_EQUAL(count_hits(&src_cfg.marks, pcm, n), 0);
	cb_rng_seed(&rng, 99);
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)lrint(3277.0 * cb_rng_normal(&rng));
	CU_ASSERT_EQUAL(count_hits(&src_cfg.marks, pcm, n), 0);
	/* Same sync, unknown identities: the identity check must refuse all. */
	other.marks.seed = 8;
	CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&src, &other), 0);
	CU_ASSERT_EQUAL(cb_audio_source_render(src, 0, pcm, n), 0);
	cb_audio_source_close(src);
	CU_ASSERT_EQUAL(count_hits(&src_cfg.marks, pcm, n), 0);
	CU_ASSERT_EQUAL(count_hits(&other.marks, pcm, n), 30);
	free(pcm);
}

/* Other sample rates: every mark found exactly where it was put. */
static void test_other_rates(void)
{
	static const int rates[] = {8000, 16000, 24000, 44100};

	for (size_t r = 0; r < 4; r++) {
		struct cb_audio_source_cfg c = src_cfg;
		struct cb_audio_source *src;
		struct cb_amark_detector *d;
		struct cb_amark_hit h[64];
		size_t n = (size_t)rates[r] * 3, nh = 64;
		int16_t *pcm = calloc(n, sizeof(int16_t));

		CU_ASSERT_PTR_NOT_NULL_FATAL(pcm);
		c.sample_rate = c.marks.sample_rate = rates[r];
		c.frame_samples = rates[r] / 50;
		CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&src, &c), 0);
		CU_ASSERT_EQUAL(cb_audio_source_render(src, 0, pcm, n), 0);
		cb_audio_source_close(src);
		CU_ASSERT_EQUAL_FATAL(cb_amark_detector_open(&d, &c.marks), 0);
		CU_ASSERT_EQUAL(cb_amark_detector_feed(d, pcm, n, h, &nh), 0);
		cb_amark_detector_close(d);
		CU_ASSERT_EQUAL(nh, 30);
		for (size_t i = 0; i < nh; i++) {
			CU_ASSERT_EQUAL(h[i].mark, i);
			CU_ASSERT_EQUAL(h[i].out_sample, h[i].src_sample);
		}
		free(pcm);
	}
}

/* Hits that find no room wait in the detector and come out in order. */
static void test_queue(void)
{
	size_t n = 9 * RATE, nh;
	int16_t *pcm = calloc(n, sizeof(int16_t));
	struct cb_audio_source *src;
	struct cb_amark_detector *d;
	struct cb_amark_hit h[100];
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pcm);
	CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&src, &src_cfg), 0);
	CU_ASSERT_EQUAL(cb_audio_source_render(src, 0, pcm, n), 0);
	cb_audio_source_close(src);
	CU_ASSERT_EQUAL_FATAL(cb_amark_detector_open(&d, &src_cfg.marks), 0);
	nh = 0;
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, pcm, 2 * RATE, NULL, &nh), 0);
	nh = 1;
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, NULL, 0, h, &nh), 0);
	CU_ASSERT_EQUAL(nh, 1);
	CU_ASSERT_EQUAL(h[0].mark, 0);
	nh = 100;
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, NULL, 0, h, &nh), 0);
	CU_ASSERT(nh >= 18);
	for (size_t i = 0; i < nh; i++)
		CU_ASSERT_EQUAL(h[i].mark, i + 1);
	/* 70 more marks with no room: the oldest are lost, and that is said. */
	nh = 0;
	rc = cb_amark_detector_feed(d, pcm + 2 * RATE, 7 * RATE, NULL, &nh);
	CU_ASSERT_EQUAL(rc, CB_E_NOSPACE);
	nh = 100;
	CU_ASSERT_EQUAL(cb_amark_detector_feed(d, NULL, 0, h, &nh), 0);
	CU_ASSERT_EQUAL(nh, 64);
	CU_ASSERT(nh > 0 && h[nh - 1].mark >= 88);
	cb_amark_detector_close(d);
	free(pcm);
}

int cb_suite_amark(void)
{
	static const struct cb_test_case cases[] = {
	    {"mark geometry and config checks", test_geometry},
	    {"render: level, pieces, identities", test_render},
	    {"detector argument checks", test_args},
	    {"delay of 1234 samples found exactly (no codec)", test_delay_direct},
	    {"delay of 1234 + look-ahead found through Opus 32 kbps", test_delay_opus},
	    {"delay found through Opus 16 kbps", test_delay_opus_low_rate},
	    {"k resolved across the identity wrap", test_wrap},
	    {"PLC: most marks found, none misidentified", test_plc},
	    {"hits independent of feed sizes", test_chunking},
	    {"silence, noise, foreign marks: no hits", test_no_false_hits},
	    {"hits without room are queued", test_queue},
	    {"8, 16, 24, 44.1 kHz", test_other_rates},
	    {NULL, NULL},
	};

	return cb_add_suite("amark", cases);
}
