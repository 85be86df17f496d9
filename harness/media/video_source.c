#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "media/video_source.h"
#include "media/vmark.h"

/*
 * The picture below the mark band is three layers, each chosen to give the
 * encoder a different kind of work while staying cheap to draw:
 *
 *  - a background of two diagonal luma gradients and a fine noise texture
 *    that pans as one by PAN_X, PAN_Y pixels per frame (a camera pan: motion
 *    search can follow it, so it costs bits for motion, not for residual);
 *  - a third gradient that drifts at its own speed across the pan, so that
 *    not everything is one translation (like lighting that changes);
 *  - a disk of high-contrast checkerboard that bounces across the picture,
 *    with its own colour: sharp moving edges and uncovered background.
 *
 * Chroma pans with the background and is tinted by slow colour gradients.
 * Everything comes from tables made at open, so one frame is a few table
 * look-ups per pixel.
 */
#define PAN_X 2 /* luma pixels per frame; even, so chroma pans whole pixels */
#define PAN_Y 2
#define DRIFT 5 /* gradient index steps per frame for the drifting layer */

#define TEX_BITS 8
#define TEX_SIZE (1 << TEX_BITS)
#define TEX_MASK (TEX_SIZE - 1)

#define DISK_Y_LO 40
#define DISK_Y_HI 216
#define DISK_U	  96
#define DISK_V	  200

struct cb_video_source {
	struct cb_video_source_cfg cfg;
	int band;			    /* rows at the top that belong to the mark */
	int radius;			    /* disk radius in luma pixels */
	int check;			    /* checkerboard square side in luma pixels */
	uint32_t phase_a, phase_b, phase_c; /* seed-derived offsets into the gradients */
	uint32_t disk_phase_x, disk_phase_y;
	uint8_t grad_a[512]; /* triangle waves, pre-weighted for the luma sum */
	uint8_t grad_b[512];
	uint8_t grad_c[512];
	uint8_t chroma[512]; /* triangle wave for the colour tints, 64..191 */
	int8_t texture[TEX_SIZE * TEX_SIZE];
};

/* A triangle wave over 512 steps, 0 up to 255 and back, so that the
 * gradients have no hard wrap-around edge. */
static int tri(int i)
{
	i &= 511;
	return i < 256 ? i : 511 - i;
}

/* Position on a back-and-forth path of `span` pixels that takes `period`
 * frames each way.  Works on the unsigned frame number modulo a multiple of
 * the period, so it never overflows and is a pure function of `n`. */
static int bounce(uint32_t n, uint32_t period, int span)
{
	uint32_t p = n % (2 * period);

	if (p >= period)
		p = 2 * period - p;
	return (int)((int64_t)p * span / (int64_t)period);
}

int cb_video_source_open(struct cb_video_source **out, const struct cb_video_source_cfg *cfg)
{
	struct cb_video_source *s;
	uint64_t key;
	int band;

	if (!out || !cfg)
		return -EINVAL;
	if (cfg->width < 64 || cfg->width > 4096 || cfg->height < 64 || cfg->height > 4096 ||
	    (cfg->width & 1) || (cfg->height & 1) || cfg->fps_num <= 0 || cfg->fps_den <= 0)
		return -EINVAL;
	band = cb_vmark_band_height(cfg->width, cfg->height);
	if (band < 0)
		return band;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->band = band;
	s->radius = (cfg->height - band) / 5;
	s->check = s->radius / 3 > 4 ? s->radius / 3 : 4;

	key = (uint64_t)cfg->seed << 32;
	s->phase_a = (uint32_t)cb_mix64(key ^ 1);
	s->phase_b = (uint32_t)cb_mix64(key ^ 2);
	s->phase_c = (uint32_t)cb_mix64(key ^ 3);
	s->disk_phase_x = (uint32_t)cb_mix64(key ^ 4) % 1000;
	s->disk_phase_y = (uint32_t)cb_mix64(key ^ 5) % 1000;

	/* The weights add to at most 24 + 120 + 56 + 40 = 240 before texture,
	 * which keeps the sum inside 0..255 most of the time, so clipping is
	 * rare and the texture stays visible in dark and bright areas. */
	for (int i = 0; i < 512; i++) {
		s->grad_a[i] = (uint8_t)(24 + tri(i) * 120 / 255);
		s->grad_b[i] = (uint8_t)(tri(i) * 56 / 255);
		s->grad_c[i] = (uint8_t)(tri(i) * 40 / 255);
		s->chroma[i] = (uint8_t)(64 + tri(i) / 2);
	}
	/* Each 64-bit mix of (seed, index) gives eight texture samples in
	 * -12..12 — fine grain that the encoder must spend bits on, but small
	 * enough that a moderate bitrate still gives a clean picture. */
	for (int i = 0; i < TEX_SIZE * TEX_SIZE; i += 8) {
		uint64_t r = cb_mix64(key ^ (0x100000000ull + (uint64_t)i));

		for (int k = 0; k < 8; k++)
			s->texture[i + k] = (int8_t)((int)((r >> (8 * k)) & 0xff) * 25 / 256 - 12);
	}
	*out = s;
	return 0;
}

static uint8_t clamp255(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int cb_video_source_render(struct cb_video_source *src, uint32_t n, struct cb_image *img)
{
	const struct cb_video_source_cfg *cfg;
	int w, h, cw, r, r2, cx, cy;
	uint32_t pan_x, pan_y, drift;

	if (!src || !img)
		return -EINVAL;
	cfg = &src->cfg;
	if (img->width != cfg->width || img->height != cfg->height || !img->plane[0] ||
	    !img->plane[1] || !img->plane[2] || img->stride[0] < cfg->width ||
	    img->stride[1] < cfg->width / 2 || img->stride[2] < cfg->width / 2)
		return -EINVAL;

	w = cfg->width;
	h = cfg->height;
	cw = w / 2;
	r = src->radius;
	r2 = r * r;
	/* The disk bounces with different periods across and down, so its
	 * path does not repeat for a long time. */
	cx = r + bounce(n + src->disk_phase_x, 97, w - 2 * r);
	cy = src->band + r + bounce(n + src->disk_phase_y, 61, h - src->band - 2 * r);
	/* Unsigned arithmetic wraps modulo 2^32, a multiple of every table
	 * size, so large frame numbers stay continuous. */
	pan_x = n * PAN_X;
	pan_y = n * PAN_Y;
	drift = n * DRIFT;

	for (int y = src->band; y < h; y++) {
		uint8_t *row = img->plane[0] + (size_t)y * img->stride[0];
		uint32_t by = (uint32_t)y + pan_y;
		const int8_t *tex = src->texture + (size_t)(by & TEX_MASK) * TEX_SIZE;
		uint32_t ia = src->phase_a + by;
		uint32_t ib = src->phase_b + 2 * by;
		uint32_t ic = src->phase_c + drift - (uint32_t)y;
		int dy = y - cy, x0 = w, x1 = w;

		for (int x = 0; x < w; x++) {
			uint32_t bx = (uint32_t)x + pan_x;
			int v = src->grad_a[(ia + bx) & 511] + src->grad_b[(ib - bx) & 511] +
				src->grad_c[(ic + 2 * (uint32_t)x) & 511] + tex[bx & TEX_MASK];

			row[x] = clamp255(v);
		}
		if (dy * dy < r2) {
			int half = (int)sqrt((double)(r2 - dy * dy));

			x0 = cx - half;
			x1 = cx + half;
		}
		for (int x = x0; x < x1; x++) {
			/* The checkerboard is anchored to the disk centre, so it
			 * moves with the disk; the offset keeps the division on
			 * non-negative numbers. */
			int sq = ((x - cx + 4096) / src->check + (dy + 4096) / src->check) & 1;

			row[x] = sq ? DISK_Y_HI : DISK_Y_LO;
		}
	}

	for (int y = src->band / 2; y < h / 2; y++) {
		uint8_t *u = img->plane[1] + (size_t)y * img->stride[1];
		uint8_t *v = img->plane[2] + (size_t)y * img->stride[2];
		uint32_t by = (uint32_t)y + pan_y / 2;
		int dy = 2 * y - cy, x0 = cw, x1 = cw;

		for (int x = 0; x < cw; x++) {
			uint32_t bx = (uint32_t)x + pan_x / 2;

			u[x] = src->chroma[(2 * bx + by) & 511];
			v[x] = src->chroma[(bx - 3 * by) & 511];
		}
		if (dy * dy < r2) {
			int half = (int)sqrt((double)(r2 - dy * dy));

			x0 = (cx - half) / 2;
			x1 = (cx + half) / 2;
		}
		for (int x = x0; x < x1; x++) {
			u[x] = DISK_U;
			v[x] = DISK_V;
		}
	}
	return cb_vmark_draw(img, n & CB_VMARK_MAX);
}

void cb_video_source_close(struct cb_video_source *src)
{
	free(src);
}
