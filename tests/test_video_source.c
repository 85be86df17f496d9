#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/image.h"
#include "media/video_source.h"
#include "media/vmark.h"
#include "test_util.h"

static struct cb_video_source_cfg cfg_of(int w, int h, uint32_t seed)
{
	struct cb_video_source_cfg c = {
	    .width = w, .height = h, .fps_num = 30, .fps_den = 1, .seed = seed};
	return c;
}

/* Whether two images hold the same pixels in rows [y0, height) of every
 * plane (chroma rows y0/2 on). */
static int same_from(const struct cb_image *a, const struct cb_image *b, int y0)
{
	for (int p = 0; p < 3; p++) {
		int w = cb_image_plane_w(a, p), h = cb_image_plane_h(a, p);

		for (int y = p ? y0 / 2 : y0; y < h; y++)
			if (memcmp(a->plane[p] + (size_t)y * a->stride[p],
				   b->plane[p] + (size_t)y * b->stride[p], (size_t)w))
				return 0;
	}
	return 1;
}

static void render_pair(const struct cb_video_source_cfg *ca, uint32_t na,
			const struct cb_video_source_cfg *cb, uint32_t nb, int *same_all,
			int *same_below)
{
	struct cb_video_source *a, *b;
	struct cb_image ia, ib;
	int band = cb_vmark_band_height(ca->width, ca->height);

	CU_ASSERT_EQUAL_FATAL(cb_video_source_open(&a, ca), 0);
	CU_ASSERT_EQUAL_FATAL(cb_video_source_open(&b, cb), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&ia, ca->width, ca->height), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&ib, cb->width, cb->height), 0);
	/* Different garbage in the two buffers, so equality cannot come from
	 * pixels the source forgot to draw. */
	memset(ia.owned, 0x11, (size_t)ca->width * ca->height * 3 / 2);
	memset(ib.owned, 0xee, (size_t)cb->width * cb->height * 3 / 2);
	CU_ASSERT_EQUAL(cb_video_source_render(a, na, &ia), 0);
	CU_ASSERT_EQUAL(cb_video_source_render(b, nb, &ib), 0);
	*same_all = same_from(&ia, &ib, 0);
	*same_below = same_from(&ia, &ib, band);
	cb_image_free(&ia);
	cb_image_free(&ib);
	cb_video_source_close(a);
	cb_video_source_close(b);
}

static void test_deterministic(void)
{
	struct cb_video_source_cfg c1 = cfg_of(640, 480, 1), c2 = cfg_of(640, 480, 2);
	const uint32_t ns[] = {0, 1, 29, 1000, 123456, CB_VMARK_MAX, 0xffffffffu};
	int all, below;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		render_pair(&c1, ns[i], &c1, ns[i], &all, &below);
		CU_ASSERT(all);
	}
	/* The next frame differs in the content, not only in the mark. */
	for (uint32_t n = 0; n < 100; n += 7) {
		render_pair(&c1, n, &c1, n + 1, &all, &below);
		CU_ASSERT(!all && !below);
	}
	render_pair(&c1, 5, &c2, 5, &all, &below);
	CU_ASSERT(!all && !below);
}

static void test_same_source_twice(void)
{
	struct cb_video_source_cfg c = cfg_of(320, 240, 9);
	struct cb_video_source *s;
	struct cb_image a, b;

	CU_ASSERT_EQUAL_FATAL(cb_video_source_open(&s, &c), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&a, 320, 240), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&b, 320, 240), 0);
	/* Rendering other frames in between leaves no state behind. */
	CU_ASSERT_EQUAL(cb_video_source_render(s, 42, &a), 0);
	for (uint32_t n = 0; n < 10; n++)
		CU_ASSERT_EQUAL(cb_video_source_render(s, n, &b), 0);
	CU_ASSERT_EQUAL(cb_video_source_render(s, 42, &b), 0);
	CU_ASSERT(same_from(&a, &b, 0));
	cb_image_free(&a);
	cb_image_free(&b);
	cb_video_source_close(s);
}

static void test_mark_readable(void)
{
	const int sizes[][2] = {{64, 64}, {176, 144}, {320, 240}, {640, 480}, {1280, 720}};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct cb_video_source_cfg c = cfg_of(sizes[i][0], sizes[i][1], (uint32_t)i);
		struct cb_video_source *s;
		struct cb_image img;
		int ok = 1;

		CU_ASSERT_EQUAL_FATAL(cb_video_source_open(&s, &c), 0);
		CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, c.width, c.height), 0);
		for (uint32_t n = 0; n < 40; n++) {
			uint32_t v = n < 30 ? n : CB_VMARK_MAX - n, got = 0;

			ok &= cb_video_source_render(s, v, &img) == 0;
			ok &= cb_vmark_read(&img, &got, NULL) == 0 && got == v;
		}
		CU_ASSERT(ok);
		cb_image_free(&img);
		cb_video_source_close(s);
	}
}

/* The encoder must have real work: luma spread over the range, fine detail
 * between neighbouring pixels, and colour. */
static void test_has_content(void)
{
	struct cb_video_source_cfg c = cfg_of(640, 480, 4);
	struct cb_video_source *s;
	struct cb_image img;
	double sum = 0, sumsq = 0, grad = 0, cdev = 0;
	int band = cb_vmark_band_height(640, 480);
	size_t count = 0, ccount = 0;

	CU_ASSERT_EQUAL_FATAL(cb_video_source_open(&s, &c), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, 640, 480), 0);
	CU_ASSERT_EQUAL(cb_video_source_render(s, 17, &img), 0);
	for (int y = band; y < 480; y++) {
		const uint8_t *row = img.plane[0] + (size_t)y * img.stride[0];

		for (int x = 1; x < 640; x++) {
			sum += row[x];
			sumsq += (double)row[x] * row[x];
			grad += abs(row[x] - row[x - 1]);
			count++;
		}
	}
	for (int y = band / 2; y < 240; y++)
		for (int x = 0; x < 320; x++) {
			cdev += abs(img.plane[1][(size_t)y * img.stride[1] + x] - 128) +
				abs(img.plane[2][(size_t)y * img.stride[2] + x] - 128);
			ccount += 2;
		}
	CU_ASSERT(sqrt(sumsq / count - (sum / count) * (sum / count)) > 25);
	CU_ASSERT(grad / count > 3);
	CU_ASSERT(cdev / ccount > 10);
	cb_image_free(&img);
	cb_video_source_close(s);
}

static void test_args(void)
{
	struct cb_video_source_cfg good = cfg_of(160, 120, 0);
	struct cb_video_source *s = (void *)&good;
	struct cb_image img, wrong;

	for (int i = 0; i < 7; i++) {
		struct cb_video_source_cfg bad = good;

		switch (i) {
		case 0:
			bad.width = 63;
			break;
		case 1:
			bad.width = 62;
			break;
		case 2:
			bad.height = 4098;
			break;
		case 3:
			bad.width = 161;
			break;
		case 4:
			bad.fps_num = 0;
			break;
		case 5:
			bad.fps_den = 0;
			break;
		case 6:
			bad.height = 0;
			break;
		}
		CU_ASSERT_EQUAL(cb_video_source_open(&s, &bad), -EINVAL);
	}
	CU_ASSERT_EQUAL(cb_video_source_open(NULL, &good), -EINVAL);
	CU_ASSERT_EQUAL(cb_video_source_open(&s, NULL), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(cb_video_source_open(&s, &good), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, 160, 120), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&wrong, 160, 124), 0);
	CU_ASSERT_EQUAL(cb_video_source_render(s, 0, &wrong), -EINVAL);
	CU_ASSERT_EQUAL(cb_video_source_render(s, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(cb_video_source_render(NULL, 0, &img), -EINVAL);
	CU_ASSERT_EQUAL(cb_video_source_render(s, 0, &img), 0);
	cb_image_free(&wrong);
	cb_image_free(&img);
	cb_video_source_close(s);
	cb_video_source_close(NULL);
}

int cb_suite_video_source(void)
{
	static const struct cb_test_case cases[] = {
	    {"pure function of cfg and n", test_deterministic},
	    {"no state kept between frames", test_same_source_twice},
	    {"mark readable on raw frames", test_mark_readable},
	    {"picture has texture, range and colour", test_has_content},
	    {"argument checks", test_args},
	    {NULL, NULL},
	};

	return cb_add_suite("video_source", cases);
}
