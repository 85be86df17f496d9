#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "media/amark.h"
#include "media/audio_source.h"
#include "test_util.h"

#define RATE 48000

static const struct cb_audio_source_cfg cfg0 = {
    .sample_rate = RATE,
    .frame_samples = 960,
    .marks = {.sample_rate = RATE, .period_ms = 100, .level_dbfs = -16, .seed = 7},
    .level_dbfs = -20,
    .seed = 3,
};

static void test_args(void)
{
	struct cb_audio_source_cfg c;
	struct cb_audio_source *src = NULL;
	int16_t pcm[4];

	CU_ASSERT_EQUAL(cb_audio_source_open(NULL, &cfg0), -EINVAL);
	CU_ASSERT_EQUAL(cb_audio_source_open(&src, NULL), -EINVAL);
	c = cfg0;
	c.sample_rate = 7999;
	CU_ASSERT_EQUAL(cb_audio_source_open(&src, &c), -EINVAL);
	c = cfg0;
	c.sample_rate = 96000;
	c.marks.sample_rate = 96000;
	CU_ASSERT_EQUAL(cb_audio_source_open(&src, &c), -EINVAL);
	c = cfg0;
	c.marks.sample_rate = 16000;
	CU_ASSERT_EQUAL(cb_audio_source_open(&src, &c), -EINVAL);
	c = cfg0;
	c.frame_samples = 0;
	CU_ASSERT_EQUAL(cb_audio_source_open(&src, &c), -EINVAL);
	c = cfg0;
	c.level_dbfs = 1.0;
	CU_ASSERT_EQUAL(cb_audio_source_open(&src, &c), -EINVAL);
	c = cfg0;
	c.level_dbfs = NAN;
	CU_ASSERT_EQUAL(cb_audio_source_open(&src, &c), -EINVAL);
	c = cfg0;
	c.marks.period_ms = 10;
	CU_ASSERT_EQUAL(cb_audio_source_open(&src, &c), -EINVAL);
	CU_ASSERT_PTR_NULL(src);

	CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&src, &cfg0), 0);
	CU_ASSERT_EQUAL(cb_audio_source_render(NULL, 0, pcm, 4), -EINVAL);
	CU_ASSERT_EQUAL(cb_audio_source_render(src, 0, NULL, 4), -EINVAL);
	CU_ASSERT_EQUAL(cb_audio_source_render(src, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(cb_audio_source_render(src, UINT64_MAX - 1, pcm, 4), -ERANGE);
	cb_audio_source_close(src);
	cb_audio_source_close(NULL);
}

/* A stretch rendered whole, in odd pieces, or by another instance is the
 * same to the sample; another seed gives other content. */
static void test_determinism(void)
{
	static const size_t sizes[] = {1, 7, 479, 961, 2880, 13, 4801, 3};
	size_t n = 2 * RATE, diff = 0;
	uint64_t first = 12345;
	int16_t *a = calloc(n, sizeof(int16_t)), *b = calloc(n, sizeof(int16_t));
	struct cb_audio_source *s1, *s2;
	struct cb_audio_source_cfg other = cfg0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&s1, &cfg0), 0);
	CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&s2, &cfg0), 0);
	CU_ASSERT_EQUAL(cb_audio_source_render(s1, first, a, n), 0);
	for (size_t off = 0, i = 0; off < n; i++) {
		size_t m = sizes[i % 8] < n - off ? sizes[i % 8] : n - off;

		CU_ASSERT_EQUAL(cb_audio_source_render(s2, first + off, b + off, m), 0);
		off += m;
	}
	CU_ASSERT_EQUAL(memcmp(a, b, n * sizeof(int16_t)), 0);
	/* Rendering earlier stretches in between changes nothing. */
	CU_ASSERT_EQUAL(cb_audio_source_render(s1, 0, b, 1000), 0);
	CU_ASSERT_EQUAL(cb_audio_source_render(s1, first, b, n), 0);
	CU_ASSERT_EQUAL(memcmp(a, b, n * sizeof(int16_t)), 0);
	cb_audio_source_close(s1);
	cb_audio_source_close(s2);

	other.seed = 4;
	CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&s1, &other), 0);
	CU_ASSERT_EQUAL(cb_audio_source_render(s1, first, b, n), 0);
	cb_audio_source_close(s1);
	for (size_t i = 0; i < n; i++)
		diff += a[i] != b[i];
	CU_ASSERT(diff > n / 4);
	free(a);
	free(b);
}

/* Between marks (clear of guards and fades) the content plays at the
 * configured RMS, and it is never silent for long or clipped. */
static void test_level(void)
{
	static const double levels[] = {-20.0, -30.0};
	size_t n = 10 * RATE, len = cb_amark_len(&cfg0.marks), edge = RATE / 100;
	uint64_t period = cb_amark_period(&cfg0.marks);
	int16_t *pcm = calloc(n, sizeof(int16_t));

	CU_ASSERT_PTR_NOT_NULL_FATAL(pcm);
	for (size_t l = 0; l < 2; l++) {
		struct cb_audio_source_cfg c = cfg0;
		struct cb_audio_source *src;
		double sum = 0;
		size_t cnt = 0, clipped = 0;

		c.level_dbfs = levels[l];
		CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&src, &c), 0);
		CU_ASSERT_EQUAL(cb_audio_source_render(src, 1000000, pcm, n), 0);
		cb_audio_source_close(src);
		for (size_t i = 0; i < n; i++) {
			uint64_t off = (1000000 + i) % period;

			clipped += pcm[i] == 32767 || pcm[i] == -32768;
			if (off < len + edge || off >= period - edge)
				continue;
			sum += (double)pcm[i] * pcm[i];
			cnt++;
		}
		CU_ASSERT(cnt >= n / 6);
		CU_ASSERT(fabs(10 * log10(sum / cnt) - 20 * log10(32768) - levels[l]) < 1.0);
		CU_ASSERT_EQUAL(clipped, 0);
	}
	free(pcm);
}

/* At k * period the source plays mark k exactly, with silence around it. */
static void test_marks_in_place(void)
{
	size_t len = cb_amark_len(&cfg0.marks), guard = RATE / 1000;
	uint64_t period = cb_amark_period(&cfg0.marks);
	size_t n = 12 * period;
	int16_t *pcm = calloc(n, sizeof(int16_t));
	float *mark = calloc(len, sizeof(float));
	struct cb_audio_source *src;
	uint64_t first = 1020 * period; /* across the identity wrap */

	CU_ASSERT_PTR_NOT_NULL_FATAL(pcm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mark);
	CU_ASSERT_EQUAL_FATAL(cb_audio_source_open(&src, &cfg0), 0);
	CU_ASSERT_EQUAL(cb_audio_source_render(src, first, pcm, n), 0);
	cb_audio_source_close(src);
	for (uint64_t k = 1021; k < 1032; k++) {
		size_t at = (size_t)(k * period - first), mismatch = 0, loud = 0;

		cb_amark_render(&cfg0.marks, (uint32_t)k, 0, mark, len);
		for (size_t i = 0; i < len; i++) {
			long want = lrintf(mark[i] * 32767.0f);

			mismatch += labs(want - pcm[at + i]) > 1;
		}
		CU_ASSERT_EQUAL(mismatch, 0);
		for (size_t i = 1; i <= guard; i++)
			loud += pcm[at - i] != 0 || pcm[at + len - 1 + i] != 0;
		CU_ASSERT_EQUAL(loud, 0);
	}
	free(pcm);
	free(mark);
}

int cb_suite_audio_source(void)
{
	static const struct cb_test_case cases[] = {
	    {"argument checks", test_args},
	    {"output is a pure function of the index", test_determinism},
	    {"content level near the configured RMS", test_level},
	    {"marks in place, silence around them", test_marks_in_place},
	    {NULL, NULL},
	};

	return cb_add_suite("audio_source", cases);
}
