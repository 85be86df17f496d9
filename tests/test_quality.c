#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/image.h"
#include "base/rng.h"
#include "measure/quality.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------ */

static void fill_plane(struct cb_image *img, int p, uint8_t v)
{
	for (int y = 0; y < cb_image_plane_h(img, p); y++)
		memset(img->plane[p] + (size_t)y * img->stride[p], v,
		       (size_t)cb_image_plane_w(img, p));
}

/* Seeded texture in [lo, lo + span) on every plane. */
static void fill_random(struct cb_image *img, uint64_t seed, int lo, int span)
{
	struct cb_rng r;

	cb_rng_seed(&r, seed);
	for (int p = 0; p < 3; p++)
		for (int y = 0; y < cb_image_plane_h(img, p); y++)
			for (int x = 0; x < cb_image_plane_w(img, p); x++)
				img->plane[p][(size_t)y * img->stride[p] + x] =
				    (uint8_t)(lo + (int)(cb_rng_next(&r) % (uint64_t)span));
}

/* Add +k or -k, by a seeded coin, to every luma sample. */
static void add_luma_noise(struct cb_image *img, uint64_t seed, int k)
{
	struct cb_rng r;

	cb_rng_seed(&r, seed);
	for (int y = 0; y < img->height; y++)
		for (int x = 0; x < img->width; x++) {
			uint8_t *s = &img->plane[0][(size_t)y * img->stride[0] + x];
			*s = (uint8_t)(*s + ((cb_rng_next(&r) & 1) ? k : -k));
		}
}

/*
 * libyuv CalcFrameSsim written out literally (every 8x8 window summed from
 * scratch), to check the block-sum implementation against the definition.
 */
static double ref_plane_ssim(const uint8_t *a, int sa, const uint8_t *b, int sb, int w, int h)
{
	double total = 0;
	int n = 0;

	for (int i = 0; i < h - 8; i += 4)
		for (int j = 0; j < w - 8; j += 4) {
			int64_t s_a = 0, s_b = 0, s_aa = 0, s_bb = 0, s_ab = 0;

			for (int y = 0; y < 8; y++)
				for (int x = 0; x < 8; x++) {
					int64_t va = a[(i + y) * sa + j + x],
						vb = b[(i + y) * sb + j + x];
					s_a += va;
					s_b += vb;
					s_aa += va * va;
					s_bb += vb * vb;
					s_ab += va * vb;
				}
			int64_t c1 = 26634, c2 = 239708, ab = s_a * s_b;
			int64_t num = (2 * ab + c1) * (2 * 64 * s_ab - 2 * ab + c2);
			int64_t den = (s_a * s_a + s_b * s_b + c1) *
				      (64 * s_aa - s_a * s_a + 64 * s_bb - s_b * s_b + c2);
			total += (double)num / (double)den;
			n++;
		}
	return total / n;
}

/* ---- PSNR / SSIM -------------------------------------------------------- */

static void test_identical(void)
{
	struct cb_image a, b;
	struct cb_quality q;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&a, 64, 48), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&b, 64, 48), 0);
	fill_random(&a, 1, 0, 256);
	CU_ASSERT_EQUAL(cb_image_copy(&b, &a), 0);
	CU_ASSERT_EQUAL(cb_quality_i420(&a, &b, &q), 0);
	CU_ASSERT_EQUAL(q.psnr_y, 128.0);
	CU_ASSERT_EQUAL(q.psnr_u, 128.0);
	CU_ASSERT_EQUAL(q.psnr_v, 128.0);
	CU_ASSERT_EQUAL(q.psnr, 128.0);
	CU_ASSERT_EQUAL(q.ssim_y, 1.0);
	CU_ASSERT_EQUAL(q.ssim_u, 1.0);
	CU_ASSERT_EQUAL(q.ssim_v, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(q.ssim, 1.0, 1e-15);
	cb_image_free(&a);
	cb_image_free(&b);
}

/*
 * Flat luma 100 against 110, chroma equal, 64x48.
 * PSNR_Y = 10 log10(255^2 / 100) = 28.130804 dB.  Combined: SSE = 100 * 3072
 * over 3072 + 2 * 768 = 4608 samples, MSE = 66.67, 10 log10(975.375) =
 * 29.891716 dB.  SSIM on flat windows: no variance or covariance, so the
 * contrast/structure factor is c2 / c2 and each window scores
 * (2 * 6400 * 7040 + 26634) / (6400^2 + 7040^2 + 26634)
 *  = 90138634 / 90548234 = 0.99547644; combined 0.8 * that + 0.2.
 */
static void test_constant_offset(void)
{
	struct cb_image a, b;
	struct cb_quality q;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&a, 64, 48), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&b, 64, 48), 0);
	fill_plane(&a, 0, 100);
	fill_plane(&b, 0, 110);
	for (int p = 1; p < 3; p++) {
		fill_plane(&a, p, 128);
		fill_plane(&b, p, 128);
	}
	CU_ASSERT_EQUAL(cb_quality_i420(&a, &b, &q), 0);
	CU_ASSERT_DOUBLE_EQUAL(q.psnr_y, 28.130804, 1e-6);
	CU_ASSERT_EQUAL(q.psnr_u, 128.0);
	CU_ASSERT_DOUBLE_EQUAL(q.psnr, 29.891716, 1e-6);
	/* Mean of 140 equal windows: exact up to rounding of the sum. */
	CU_ASSERT_DOUBLE_EQUAL(q.ssim_y, 90138634.0 / 90548234.0, 1e-13);
	CU_ASSERT_DOUBLE_EQUAL(q.ssim_y, 0.99547644, 1e-8);
	CU_ASSERT_EQUAL(q.ssim_u, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(q.ssim, 0.99638116, 1e-8);
	cb_image_free(&a);
	cb_image_free(&b);
}

/*
 * Luma +-5 by a seeded coin on a texture kept clear of 0 and 255: every
 * squared error is 25, so PSNR_Y = 10 log10(65025 / 25) = 34.151404 dB and
 * the combined figure 10 log10(65025 * 4608 / (25 * 3072)) = 35.912316 dB.
 */
static void test_noise(void)
{
	struct cb_image a, b;
	struct cb_quality q, q2;
	double prev = 1.0;
	const int k[] = {2, 5, 10, 20};

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&a, 64, 48), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&b, 64, 48), 0);
	fill_random(&a, 7, 30, 190);
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		cb_image_copy(&b, &a);
		add_luma_noise(&b, 99, k[i]);
		CU_ASSERT_EQUAL(cb_quality_i420(&a, &b, &q), 0);
		CU_ASSERT_EQUAL(cb_quality_i420(&b, &a, &q2), 0);
		if (k[i] == 5) {
			CU_ASSERT_DOUBLE_EQUAL(q.psnr_y, 34.151404, 1e-6);
			CU_ASSERT_DOUBLE_EQUAL(q.psnr, 35.912316, 1e-6);
		}
		CU_ASSERT_DOUBLE_EQUAL(q.psnr_y, 10 * log10(65025.0 / (k[i] * k[i])), 1e-9);
		/* The formula is symmetric in integers, so exactly so. */
		CU_ASSERT_EQUAL(q.ssim_y, q2.ssim_y);
		CU_ASSERT_EQUAL(q.psnr, q2.psnr);
		CU_ASSERT(q.ssim_y < prev);
		CU_ASSERT_EQUAL(q.ssim_u, 1.0);
		prev = q.ssim_y;
	}
	cb_image_free(&a);
	cb_image_free(&b);
}

/* Odd sizes, padded strides: the block sums must equal libyuv's windows. */
static void test_ssim_matches_definition(void)
{
	enum { W = 37, H = 29, S = 40 };
	static uint8_t ya[H * S], yb[H * S], ua[15 * 24], ub[15 * 24], va[15 * 24], vb[15 * 24];
	struct cb_image a = {W, H, {ya, ua, va}, {S, 24, 24}, NULL};
	struct cb_image b = {W, H, {yb, ub, vb}, {S, 24, 24}, NULL};
	struct cb_quality q;
	struct cb_rng r;

	cb_rng_seed(&r, 5);
	for (size_t i = 0; i < sizeof(ya); i++) {
		ya[i] = (uint8_t)cb_rng_next(&r);
		yb[i] = (uint8_t)(ya[i] + (int)(cb_rng_next(&r) % 21) - 10);
	}
	for (size_t i = 0; i < sizeof(ua); i++) {
		ua[i] = (uint8_t)cb_rng_next(&r);
		ub[i] = (uint8_t)(ua[i] ^ (cb_rng_next(&r) & 7));
		va[i] = (uint8_t)cb_rng_next(&r);
		vb[i] = va[i];
	}
	CU_ASSERT_EQUAL(cb_quality_i420(&a, &b, &q), 0);
	CU_ASSERT_EQUAL(q.ssim_y, ref_plane_ssim(ya, S, yb, S, W, H));
	CU_ASSERT_EQUAL(q.ssim_u, ref_plane_ssim(ua, 24, ub, 24, 19, 15));
	CU_ASSERT_EQUAL(q.ssim_v, 1.0);
	CU_ASSERT(q.ssim_y < 1.0 && q.ssim_u < 1.0);
}

/* A 10x10 picture has 5x5 chroma planes: no 8x8 window fits. */
static void test_too_small_for_ssim(void)
{
	struct cb_image a, b;
	struct cb_quality q;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&a, 10, 10), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&b, 10, 10), 0);
	fill_random(&a, 3, 0, 256);
	cb_image_copy(&b, &a);
	CU_ASSERT_EQUAL(cb_quality_i420(&a, &b, &q), 0);
	CU_ASSERT_EQUAL(q.ssim_y, 1.0);
	CU_ASSERT(isnan(q.ssim_u) && isnan(q.ssim));
	CU_ASSERT_EQUAL(q.psnr, 128.0);
	cb_image_free(&a);
	cb_image_free(&b);
}

/* The band above first_row is left out; the rest equals a cropped picture. */
static void test_from_row(void)
{
	struct cb_image a, b, ca, cb_;
	struct cb_quality q, qc;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&a, 64, 48), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&b, 64, 48), 0);
	fill_random(&a, 11, 30, 190);
	cb_image_copy(&b, &a);
	/* Scribble over the top 8 luma rows (4 chroma rows) of `b` only. */
	for (int p = 0; p < 3; p++)
		for (int y = 0; y < (p ? 4 : 8); y++)
			memset(b.plane[p] + (size_t)y * b.stride[p], 0,
			       (size_t)cb_image_plane_w(&b, p));
	CU_ASSERT_EQUAL(cb_quality_i420(&a, &b, &q), 0);
	CU_ASSERT(q.psnr < 40 && q.ssim < 1.0);
	CU_ASSERT_EQUAL(cb_quality_i420_from_row(&a, &b, 8, &q), 0);
	CU_ASSERT_EQUAL(q.psnr, 128.0);
	CU_ASSERT_EQUAL(q.ssim_y, 1.0);
	/* 7 rounds up to 8. */
	CU_ASSERT_EQUAL(cb_quality_i420_from_row(&a, &b, 7, &q), 0);
	CU_ASSERT_EQUAL(q.psnr, 128.0);

	/* With noise below the band: same as the picture cropped to rows 8..47. */
	add_luma_noise(&b, 4, 6);
	ca = a;
	cb_ = b;
	ca.height = cb_.height = 40;
	for (int p = 0; p < 3; p++) {
		ca.plane[p] += (size_t)(p ? 4 : 8) * a.stride[p];
		cb_.plane[p] += (size_t)(p ? 4 : 8) * b.stride[p];
	}
	ca.owned = cb_.owned = NULL;
	CU_ASSERT_EQUAL(cb_quality_i420_from_row(&a, &b, 8, &q), 0);
	CU_ASSERT_EQUAL(cb_quality_i420(&ca, &cb_, &qc), 0);
	CU_ASSERT_EQUAL(q.psnr, qc.psnr);
	CU_ASSERT_EQUAL(q.psnr_y, qc.psnr_y);
	CU_ASSERT_EQUAL(q.ssim, qc.ssim);
	CU_ASSERT_DOUBLE_EQUAL(q.psnr_y, 10 * log10(65025.0 / 36), 1e-9);

	CU_ASSERT_EQUAL(cb_quality_i420_from_row(&a, &b, -1, &q), -EINVAL);
	CU_ASSERT_EQUAL(cb_quality_i420_from_row(&a, &b, 47, &q), -EINVAL);
	CU_ASSERT_EQUAL(cb_quality_i420_from_row(&a, &b, 48, &q), -EINVAL);
	cb_image_free(&a);
	cb_image_free(&b);
}

static void test_bad_arguments(void)
{
	struct cb_image a, b, z = {0};
	struct cb_quality q;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&a, 64, 48), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&b, 64, 46), 0);
	CU_ASSERT_EQUAL(cb_quality_i420(&a, &b, &q), -EINVAL);
	CU_ASSERT_EQUAL(cb_quality_i420(&a, &z, &q), -EINVAL);
	CU_ASSERT_EQUAL(cb_quality_i420(NULL, &a, &q), -EINVAL);
	CU_ASSERT_EQUAL(cb_quality_i420(&a, &a, NULL), -EINVAL);
	cb_image_free(&a);
	cb_image_free(&b);
}

/* ---- freezes ------------------------------------------------------------ */

#define MS CB_NS_PER_MS

/* Render `n` more frames every `step` after *t; returns freezes seen. */
static int render(struct cb_freeze *d, cb_ns *t, int n, cb_ns step)
{
	int freezes = 0;

	for (int i = 0; i < n; i++) {
		*t += step;
		freezes += cb_freeze_frame(d, *t) == CB_FREEZE_ENDED;
	}
	return freezes;
}

static void test_freeze_steady(void)
{
	struct cb_freeze d;

	cb_freeze_init(&d);
	/* 30 fps on exact nanosecond stamps k * 1e9 / 30. */
	for (int k = 0; k <= 300; k++)
		CU_ASSERT_EQUAL(cb_freeze_frame(&d, (cb_ns)k * CB_NS_PER_S / 30), CB_FREEZE_NONE);
	CU_ASSERT_EQUAL(d.frames_rendered, 301);
	CU_ASSERT_EQUAL(d.freeze_count, 0);
	CU_ASSERT_EQUAL(d.pause_count, 0);
	CU_ASSERT_DOUBLE_EQUAL(cb_freeze_harmonic_fps(&d), 30.0, 1e-6);
}

/*
 * 30 delays of 33 ms, then 500 ms.  The window then holds 29 x 33 + 500,
 * avg 48.57 ms, threshold max(145.7, 198.6) = 198.6 ms: a freeze of 500 ms.
 */
static void test_freeze_one(void)
{
	struct cb_freeze d;
	cb_ns t = 0;

	cb_freeze_init(&d);
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_NONE);
	CU_ASSERT_EQUAL(render(&d, &t, 30, 33 * MS), 0);
	t += 500 * MS;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_ENDED);
	CU_ASSERT_EQUAL(render(&d, &t, 30, 33 * MS), 0);
	CU_ASSERT_EQUAL(d.freeze_count, 1);
	CU_ASSERT_EQUAL(d.total_freezes, 500 * MS);
	CU_ASSERT_EQUAL(d.frames_rendered, 62);
}

/*
 * At 33 ms, a 120 ms gap is > 3 x avg but < avg + 150: no freeze.  At 40 ms
 * a 193 ms gap is no freeze because, as in libwebrtc, the average includes
 * the gap: (29 x 40 + 193) / 30 = 45.1, threshold 195.1 (it would be one if
 * the average were taken before the gap: 40 + 150 = 190).  197 ms is one.
 */
static void test_freeze_thresholds(void)
{
	struct cb_freeze d;
	cb_ns t = 0;

	cb_freeze_init(&d);
	cb_freeze_frame(&d, t);
	render(&d, &t, 30, 33 * MS);
	t += 120 * MS;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_NONE);

	cb_freeze_init(&d);
	t = 0;
	cb_freeze_frame(&d, t);
	render(&d, &t, 30, 40 * MS);
	t += 193 * MS;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_NONE);

	cb_freeze_init(&d);
	t = 0;
	cb_freeze_frame(&d, t);
	render(&d, &t, 30, 40 * MS);
	t += 197 * MS;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_ENDED);

	/* Fewer than 5 delays: no verdict yet, however long the gap. */
	cb_freeze_init(&d);
	t = 0;
	cb_freeze_frame(&d, t);
	render(&d, &t, 3, 33 * MS);
	t += 1000 * MS;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_NONE);
	/* The fifth delay can be: (4 x 33 + 1000) / 5 = 226.4, x3 = 679.2. */
	cb_freeze_init(&d);
	t = 0;
	cb_freeze_frame(&d, t);
	render(&d, &t, 4, 33 * MS);
	t += 1000 * MS;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_ENDED);
}

/* A 6 s gap is a pause; exactly 5 s is still a (long) freeze. */
static void test_pause(void)
{
	struct cb_freeze d;
	cb_ns t = 0;

	cb_freeze_init(&d);
	cb_freeze_frame(&d, t);
	render(&d, &t, 30, 33 * MS);
	t += 6 * CB_NS_PER_S;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_PAUSE_ENDED);
	CU_ASSERT_EQUAL(d.pause_count, 1);
	CU_ASSERT_EQUAL(d.total_pauses, 6 * CB_NS_PER_S);
	CU_ASSERT_EQUAL(d.freeze_count, 0);
	/* The pause stayed out of the average: a 500 ms gap is still a freeze. */
	t += 500 * MS;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_ENDED);
	render(&d, &t, 30, 33 * MS);
	t += 5 * CB_NS_PER_S;
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t), CB_FREEZE_ENDED);
	CU_ASSERT_EQUAL(d.freeze_count, 2);
	CU_ASSERT_EQUAL(d.pause_count, 1);
	CU_ASSERT_EQUAL(d.total_freezes, 5500 * MS);
	/* Time going backwards is refused and changes nothing. */
	CU_ASSERT_EQUAL(cb_freeze_frame(&d, t - 1), -EINVAL);
	CU_ASSERT_EQUAL(d.frames_rendered, 64);
	CU_ASSERT_EQUAL(cb_freeze_frame(NULL, t), -EINVAL);
}

/*
 * Ten delays of 33 ms and one of 200 ms: sum d = 0.53 s,
 * sum d^2 = 10 x 0.001089 + 0.04 = 0.05089 s^2, harmonic rate
 * 0.53 / 0.05089 = 10.414620 fps (the mean rate would be 20.75).
 */
static void test_harmonic_mixed(void)
{
	struct cb_freeze d;
	cb_ns t = 0;

	cb_freeze_init(&d);
	CU_ASSERT(isnan(cb_freeze_harmonic_fps(&d)));
	cb_freeze_frame(&d, t);
	CU_ASSERT(isnan(cb_freeze_harmonic_fps(&d)));
	render(&d, &t, 10, 33 * MS);
	t += 200 * MS;
	cb_freeze_frame(&d, t);
	CU_ASSERT_DOUBLE_EQUAL(cb_freeze_harmonic_fps(&d), 10.414620, 1e-6);
}

/* ---- E-model ------------------------------------------------------------ */

static void test_emodel(void)
{
	struct cb_emodel_in in;
	struct cb_emodel_out out;

	cb_emodel_defaults_opus(&in);
	CU_ASSERT_EQUAL(in.ie, 0.0);
	CU_ASSERT_EQUAL(in.bpl, 25.1);
	/* R = 93.2; MOS = 1 + 3.262 + 93.2 x 33.2 x 6.8 x 7e-6 = 4.409285824. */
	CU_ASSERT_EQUAL(cb_emodel(&in, &out), 0);
	CU_ASSERT_DOUBLE_EQUAL(out.r, 93.2, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(out.mos, 4.409285824, 1e-9);
	CU_ASSERT_EQUAL(out.id, 0.0);
	CU_ASSERT_EQUAL(out.ie_eff, 0.0);
	CU_ASSERT_EQUAL(out.band, CB_EMODEL_BEST);
	CU_ASSERT_STRING_EQUAL(out.band_name, "best");

	in.delay_ms = 150; /* 0.024 x 150 */
	cb_emodel(&in, &out);
	CU_ASSERT_DOUBLE_EQUAL(out.id, 3.6, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(out.r, 89.6, 1e-12);
	CU_ASSERT_EQUAL(out.band, CB_EMODEL_HIGH);

	in.delay_ms = 300; /* 7.2 + 0.11 x 122.7 */
	cb_emodel(&in, &out);
	CU_ASSERT_DOUBLE_EQUAL(out.id, 20.697, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(out.r, 72.503, 1e-12);
	CU_ASSERT_STRING_EQUAL(out.band_name, "medium");

	/* 2 % random loss: Ie,eff = 95 x 2 / (2 + 25.1) = 7.011070. */
	in.delay_ms = 0;
	in.loss_pct = 2;
	cb_emodel(&in, &out);
	CU_ASSERT_DOUBLE_EQUAL(out.ie_eff, 7.011070, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(out.r, 86.188930, 1e-6);
	/* 5 % bursty (BurstR 2): 95 x 5 / (2.5 + 25.1) = 17.210145. */
	in.loss_pct = 5;
	in.burst_r = 2;
	cb_emodel(&in, &out);
	CU_ASSERT_DOUBLE_EQUAL(out.ie_eff, 17.210145, 1e-6);
	/* G.711 without PLC (Ie 0, Bpl 4.3), 1 % random: 95 / 5.3 = 17.924528. */
	in.loss_pct = 1;
	in.burst_r = 1;
	in.bpl = 4.3;
	cb_emodel(&in, &out);
	CU_ASSERT_DOUBLE_EQUAL(out.ie_eff, 17.924528, 1e-6);

	/* MOS clamps and the curve at R = 50: 2.75 - 0.175. */
	CU_ASSERT_EQUAL(cb_emodel_mos(0), 1.0);
	CU_ASSERT_EQUAL(cb_emodel_mos(-7), 1.0);
	CU_ASSERT_EQUAL(cb_emodel_mos(100), 4.5);
	CU_ASSERT_EQUAL(cb_emodel_mos(113.2), 4.5);
	CU_ASSERT_DOUBLE_EQUAL(cb_emodel_mos(50), 2.575, 1e-12);
	cb_emodel_defaults_opus(&in);
	in.a = 20;
	cb_emodel(&in, &out);
	CU_ASSERT_DOUBLE_EQUAL(out.r, 113.2, 1e-12);
	CU_ASSERT_EQUAL(out.mos, 4.5);
	/* 1 s: Id = 24 + 0.11 x 822.7 = 114.497, R = -21.297. */
	in.a = 0;
	in.delay_ms = 1000;
	cb_emodel(&in, &out);
	CU_ASSERT_DOUBLE_EQUAL(out.r, -21.297, 1e-9);
	CU_ASSERT_EQUAL(out.mos, 1.0);
	CU_ASSERT_EQUAL(out.band, CB_EMODEL_NOT_RECOMMENDED);

	in.delay_ms = NAN;
	CU_ASSERT_EQUAL(cb_emodel(&in, &out), -EINVAL);
	in.delay_ms = 0;
	in.loss_pct = 101;
	CU_ASSERT_EQUAL(cb_emodel(&in, &out), -EINVAL);
	in.loss_pct = 0;
	in.bpl = 0;
	CU_ASSERT_EQUAL(cb_emodel(&in, &out), -EINVAL);
	CU_ASSERT_EQUAL(cb_emodel(NULL, &out), -EINVAL);

	/* BurstR: random loss gives 1; 5 % in bursts of 3 gives 0.95 x 3. */
	CU_ASSERT_DOUBLE_EQUAL(cb_emodel_burst_r(2, 1 / 0.98), 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(cb_emodel_burst_r(5, 3), 2.85, 1e-12);
	CU_ASSERT_EQUAL(cb_emodel_burst_r(0, 3), 1.0);
	CU_ASSERT(isnan(cb_emodel_burst_r(5, 0.5)));
}

/* ---- audio -------------------------------------------------------------- */

enum { RATE = 48000, N = RATE };

static void make_tone(int16_t *x, int amp)
{
	/* 1 kHz at 48 kHz: 48 samples a period, 20 whole periods a segment. */
	for (int i = 0; i < N; i++)
		x[i] = (int16_t)lrint(amp * sin(2 * M_PI * 1000.0 * i / RATE));
}

static void test_audio(void)
{
	static int16_t ref[N], deg[N];
	struct cb_audio_quality a;
	struct cb_rng r;

	make_tone(ref, 8000);
	CU_ASSERT_EQUAL(cb_audio_quality(ref, ref, N, RATE, &a), 0);
	CU_ASSERT_EQUAL(a.snr_db, 100.0);
	CU_ASSERT_EQUAL(a.seg_snr_db, 35.0);
	CU_ASSERT_DOUBLE_EQUAL(a.correlation, 1.0, 1e-12);
	CU_ASSERT_EQUAL(a.segments, 50);
	CU_ASSERT_EQUAL(a.segments_skipped, 0);

	/*
	 * Error +-800 on every sample: signal power 8000^2 / 2, noise 800^2,
	 * SNR 10 log10(50) = 16.9897 dB in every segment; correlation about
	 * sqrt(32e6 / 32.64e6) = 0.99015.
	 */
	cb_rng_seed(&r, 17);
	for (int i = 0; i < N; i++)
		deg[i] = (int16_t)(ref[i] + ((cb_rng_next(&r) & 1) ? 800 : -800));
	CU_ASSERT_EQUAL(cb_audio_quality(ref, deg, N, RATE, &a), 0);
	CU_ASSERT_DOUBLE_EQUAL(a.seg_snr_db, 16.9897, 0.5);
	CU_ASSERT_DOUBLE_EQUAL(a.seg_snr_db, 16.9897, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(a.snr_db, 16.9897, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(a.correlation, 0.99015, 0.005);

	/* Silence (100 ms) is skipped; total loss scores 0 dB. */
	memset(ref, 0, 4800 * sizeof(ref[0]));
	memset(deg, 0, sizeof(deg));
	CU_ASSERT_EQUAL(cb_audio_quality(ref, deg, N, RATE, &a), 0);
	CU_ASSERT_EQUAL(a.segments, 45);
	CU_ASSERT_EQUAL(a.segments_skipped, 5);
	CU_ASSERT_DOUBLE_EQUAL(a.seg_snr_db, 0.0, 1e-12);
	CU_ASSERT(isnan(a.correlation));

	CU_ASSERT_EQUAL(cb_audio_quality(ref, deg, 0, RATE, &a), -EINVAL);
	CU_ASSERT_EQUAL(cb_audio_quality(NULL, deg, N, RATE, &a), -EINVAL);
	CU_ASSERT_EQUAL(cb_audio_quality(ref, deg, N, 10, &a), -EINVAL);
}

/* Spans: the same figures as one comparison of the same samples copied
 * together, except that segments never join two spans. */
static void test_audio_spans(void)
{
	static int16_t ref[N], deg[N], r2[N], d2[N];
	/* deg holds ref[0..12000) at 5000 and ref[20000..44000) at 24000. */
	const struct cb_audio_span sp[2] = {{.ref = 0, .deg = 5000, .len = 12000},
					    {.ref = 20000, .deg = 24000, .len = 24000}};
	struct cb_audio_quality a, b;
	struct cb_rng r;

	make_tone(ref, 8000);
	cb_rng_seed(&r, 5);
	for (int i = 0; i < N; i++)
		deg[i] = (int16_t)(cb_rng_next(&r) & 0x3fff); /* not the tone */
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < sp[k].len; i++)
			deg[sp[k].deg + i] = (int16_t)(ref[sp[k].ref + i] + ((i & 1) ? 800 : -800));
	CU_ASSERT_EQUAL(cb_audio_quality_spans(ref, N, deg, N, sp, 2, RATE, &a), 0);
	CU_ASSERT_DOUBLE_EQUAL(a.snr_db, 16.9897, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(a.seg_snr_db, 16.9897, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(a.correlation, 0.99015, 0.005);
	CU_ASSERT_EQUAL(a.segments, 12000 / 960 + 24000 / 960); /* 12 + 25 */

	/* Against the samples copied together: SNR and correlation agree. */
	memcpy(r2, ref, 12000 * sizeof(*r2));
	memcpy(r2 + 12000, ref + 20000, 24000 * sizeof(*r2));
	memcpy(d2, deg + 5000, 12000 * sizeof(*d2));
	memcpy(d2 + 12000, deg + 24000, 24000 * sizeof(*d2));
	CU_ASSERT_EQUAL(cb_audio_quality(r2, d2, 36000, RATE, &b), 0);
	CU_ASSERT_DOUBLE_EQUAL(a.snr_db, b.snr_db, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(a.correlation, b.correlation, 1e-9);

	/* One span over everything is cb_audio_quality. */
	{
		const struct cb_audio_span all = {0, 0, N};

		CU_ASSERT_EQUAL(cb_audio_quality_spans(ref, N, deg, N, &all, 1, RATE, &a), 0);
		CU_ASSERT_EQUAL(cb_audio_quality(ref, deg, N, RATE, &b), 0);
		CU_ASSERT_EQUAL(a.snr_db, b.snr_db);
		CU_ASSERT_EQUAL(a.seg_snr_db, b.seg_snr_db);
		CU_ASSERT_EQUAL(a.correlation, b.correlation);
	}
	/* A span leaving either signal, or none at all, is refused. */
	CU_ASSERT_EQUAL(cb_audio_quality_spans(ref, 40000, deg, N, sp, 2, RATE, &a), -EINVAL);
	CU_ASSERT_EQUAL(cb_audio_quality_spans(ref, N, deg, 40000, sp, 2, RATE, &a), -EINVAL);
	CU_ASSERT_EQUAL(cb_audio_quality_spans(ref, N, deg, N, sp, 0, RATE, &a), -EINVAL);
	CU_ASSERT_EQUAL(cb_audio_quality_spans(ref, N, deg, N, NULL, 2, RATE, &a), -EINVAL);
}

int cb_suite_quality(void)
{
	static const struct cb_test_case cases[] = {
	    {"identical pictures", test_identical},
	    {"constant luma offset", test_constant_offset},
	    {"seeded +-k noise", test_noise},
	    {"ssim equals libyuv's definition", test_ssim_matches_definition},
	    {"plane too small for ssim", test_too_small_for_ssim},
	    {"region from a row", test_from_row},
	    {"bad arguments", test_bad_arguments},
	    {"steady 30 fps", test_freeze_steady},
	    {"one freeze", test_freeze_one},
	    {"freeze thresholds", test_freeze_thresholds},
	    {"pauses", test_pause},
	    {"harmonic frame rate", test_harmonic_mixed},
	    {"e-model", test_emodel},
	    {"audio snr", test_audio},
	    {"audio snr over spans", test_audio_spans},
	    {NULL, NULL},
	};

	return cb_add_suite("quality", cases);
}
