#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "base/image.h"
#include "base/rng.h"
#include "codec/codec.h"
#include "media/video_source.h"
#include "media/vmark.h"
#include "codec_util.h"
#include "test_util.h"

static const int sizes[][2] = {
    {64, 64}, {96, 64}, {160, 120}, {176, 144}, {320, 240}, {640, 480}, {1280, 720}, {4096, 64},
};

/* Fill every plane with seeded noise, so a test sees whether the mark
 * covers what was there before. */
static void fill_noise(struct cb_image *img, uint64_t seed)
{
	struct cb_rng r;

	cb_rng_seed(&r, seed);
	for (int p = 0; p < 3; p++)
		for (int y = 0; y < cb_image_plane_h(img, p); y++)
			for (int x = 0; x < cb_image_plane_w(img, p); x++)
				img->plane[p][(size_t)y * img->stride[p] + x] =
				    (uint8_t)cb_rng_next(&r);
}

static void test_band_height(void)
{
	CU_ASSERT_EQUAL(cb_vmark_band_height(640, 480), 16);
	CU_ASSERT_EQUAL(cb_vmark_band_height(320, 240), 16);
	CU_ASSERT_EQUAL(cb_vmark_band_height(1280, 720), 32);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int b = cb_vmark_band_height(sizes[i][0], sizes[i][1]);

		CU_ASSERT(b >= 16 && b % 16 == 0 && b <= sizes[i][1] / 2);
	}
	CU_ASSERT_EQUAL(cb_vmark_band_height(62, 64), -EINVAL);
	CU_ASSERT_EQUAL(cb_vmark_band_height(64, 0), -EINVAL);
}

static void test_round_trip(void)
{
	struct cb_rng r;

	cb_rng_seed(&r, 7);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct cb_image img, orig;
		int ok = 1, band;

		CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, sizes[i][0], sizes[i][1]), 0);
		fill_noise(&img, i);
		for (int k = 0; k < 300; k++) {
			uint32_t v, got = 0xdeadbeef;
			double conf = -1;

			v = k == 0   ? 0
			    : k == 1 ? CB_VMARK_MAX
			    : k < 40 ? (uint32_t)k
				     : (uint32_t)cb_rng_next(&r) & CB_VMARK_MAX;
			ok &= cb_vmark_draw(&img, v) == 0;
			ok &= cb_vmark_read(&img, &got, &conf) == 0;
			ok &= got == v;
			ok &= conf == 0.5;
		}
		CU_ASSERT(ok);
		/* Only the band changes: every row below it keeps the noise. */
		CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&orig, img.width, img.height), 0);
		fill_noise(&orig, i);
		band = cb_vmark_band_height(img.width, img.height);
		for (int y = band; y < img.height; y++)
			ok &= memcmp(img.plane[0] + (size_t)y * img.stride[0],
				     orig.plane[0] + (size_t)y * orig.stride[0],
				     (size_t)img.width) == 0;
		for (int y = band / 2; y < img.height / 2; y++)
			ok &= memcmp(img.plane[1] + (size_t)y * img.stride[1],
				     orig.plane[1] + (size_t)y * orig.stride[1],
				     (size_t)img.width / 2) == 0;
		CU_ASSERT(ok);
		cb_image_free(&orig);
		cb_image_free(&img);
	}
}

/* Flip the 640-wide mark's data blocks (16 px each, one row: block 0 white
 * reference, 1 black reference, 2..33 the 32 coded bits). */
static void flip_block(struct cb_image *img, int i)
{
	for (int y = 0; y < 16; y++) {
		uint8_t *px = img->plane[0] + (size_t)y * img->stride[0] + i * 16;
		uint8_t nv = px[0] > 128 ? 32 : 224;

		memset(px, nv, 16);
	}
}

static void test_corrupt_rejected(void)
{
	struct cb_image img, work;
	const uint32_t values[] = {0, 1, 123456, 0xABCDEF, CB_VMARK_MAX};
	int all_single = 1, all_double = 1, all_triple = 1;
	uint32_t got;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, 640, 480), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&work, 640, 480), 0);
	memset(img.owned, 90, 640 * 480 * 3 / 2);
	for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
		CU_ASSERT_EQUAL(cb_vmark_draw(&img, values[k]), 0);
		for (int a = 2; a < 34; a++) {
			cb_image_copy(&work, &img);
			flip_block(&work, a);
			all_single &= cb_vmark_read(&work, &got, NULL) == CB_E_NOMARK;
			for (int b = a + 1; b < 34; b++) {
				flip_block(&work, b);
				all_double &= cb_vmark_read(&work, &got, NULL) == CB_E_NOMARK;
				for (int c = b + 1; c < 34; c++) {
					flip_block(&work, c);
					all_triple &=
					    cb_vmark_read(&work, &got, NULL) == CB_E_NOMARK;
					flip_block(&work, c);
				}
				flip_block(&work, b);
			}
		}
	}
	/* CRC-8 with polynomial 0x07 has Hamming distance 4 at this length,
	 * so every error of up to three blocks is caught. */
	CU_ASSERT(all_single);
	CU_ASSERT(all_double);
	CU_ASSERT(all_triple);
	/* Swapping the references inverts every bit; that must not read as
	 * the complement number either. */
	cb_image_copy(&work, &img);
	flip_block(&work, 0);
	flip_block(&work, 1);
	CU_ASSERT_EQUAL(cb_vmark_read(&work, &got, NULL), CB_E_NOMARK);
	cb_image_free(&work);
	cb_image_free(&img);
}

static void test_no_mark(void)
{
	struct cb_image img;
	uint32_t got = 0;
	double conf = 0;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, 320, 240), 0);
	for (int level = 0; level < 256; level += 51) {
		memset(img.owned, level, 320 * 240 * 3 / 2);
		CU_ASSERT_EQUAL(cb_vmark_read(&img, &got, &conf), CB_E_NOMARK);
	}
	for (uint64_t seed = 1; seed < 20; seed++) {
		fill_noise(&img, seed);
		CU_ASSERT_EQUAL(cb_vmark_read(&img, &got, &conf), CB_E_NOMARK);
	}
	cb_image_free(&img);
}

static void test_args(void)
{
	struct cb_image img, small = {0};
	uint32_t got;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, 64, 64), 0);
	CU_ASSERT_EQUAL(cb_vmark_draw(&img, CB_VMARK_MAX + 1), -EINVAL);
	CU_ASSERT_EQUAL(cb_vmark_draw(NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(cb_vmark_read(&img, NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(cb_vmark_read(NULL, &got, NULL), -EINVAL);
	CU_ASSERT_EQUAL(cb_vmark_read(&small, &got, NULL), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&small, 32, 32), 0);
	CU_ASSERT_EQUAL(cb_vmark_draw(&small, 1), -EINVAL);
	cb_image_free(&small);
	cb_image_free(&img);
}

/*
 * The mark's reason to exist: every frame of the synthetic source, coded by
 * VP8 in real-time CBR at a low bitrate, decodes to a picture that reads
 * back as its own frame number.
 */
static void mark_through_vp8(int w, int h, int kbps, int frames)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(w, h, kbps, 3000, 1);
	struct cb_codec_trip t;

	cb_codec_test_round_trip(&cb_codec_vp8, &cfg, frames, 0, NULL, &t);
	CU_ASSERT_EQUAL(t.pictures, frames);
	CU_ASSERT_EQUAL(t.marks_ok, frames);
	/* A clear margin, not a lucky threshold: every block stays well on its
	 * side of the halfway level. */
	CU_ASSERT(t.min_mark_conf > 0.3);
}

static void test_vp8_640(void)
{
	mark_through_vp8(640, 480, 300, 150);
}

static void test_vp8_320(void)
{
	mark_through_vp8(320, 240, 300, 150);
}

static void test_vp8_starved(void)
{
	/* A quarter of what 640x480 wants, and the smallest size. */
	mark_through_vp8(640, 480, 150, 90);
	mark_through_vp8(64, 64, 50, 90);
}

int cb_suite_vmark(void)
{
	static const struct cb_test_case cases[] = {
	    {"band height scales and is macroblock aligned", test_band_height},
	    {"draw/read round trip at every size", test_round_trip},
	    {"corrupted blocks are rejected by the CRC", test_corrupt_rejected},
	    {"flat and noise pictures have no mark", test_no_mark},
	    {"argument checks", test_args},
	    {"mark survives VP8 at 300 kbps, 640x480", test_vp8_640},
	    {"mark survives VP8 at 300 kbps, 320x240", test_vp8_320},
	    {"mark survives VP8 at starved bitrates", test_vp8_starved},
	    {NULL, NULL},
	};

	return cb_add_suite("vmark", cases);
}
