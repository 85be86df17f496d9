#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "base/error.h"
#include "media/vmark.h"

/*
 * Layout.  The band is a grid of square blocks of side `bs`, filled row by
 * row from the top-left corner: block 0 is the white reference, block 1 the
 * black reference, then the CB_VMARK_BITS bits of the number (most
 * significant first) and the 8 CRC bits.  The rest of the band is mid grey.
 * The band height is rounded up to a multiple of 16 so that it covers whole
 * macroblock rows: the moving content below then never shares a macroblock
 * with the mark, and the encoder can code the static band almost for free.
 */
#define NREF	2
#define NCRC	8
#define NBLOCKS (NREF + CB_VMARK_BITS + NCRC)

/* Levels well inside the video range, so that overshoot from the encoder's
 * ringing cannot clip and skew a block's mean. */
#define Y_WHITE	  224
#define Y_BLACK	  32
#define Y_BACK	  128
#define C_NEUTRAL 128

/* Reference blocks closer together than this (in levels) are not a mark:
 * drawn marks have 192 levels of contrast, a flat picture has none. */
#define MIN_CONTRAST 48

#define MIN_SIZE 64
#define MAX_SIZE 16384

struct geom {
	int bs;	  /* block side in pixels, even */
	int cols; /* blocks per row */
	int band; /* band height in rows, a multiple of 16 */
};

static int geometry(int width, int height, struct geom *g)
{
	int rows;

	if (width < MIN_SIZE || height < MIN_SIZE || width > MAX_SIZE || height > MAX_SIZE)
		return -EINVAL;
	/* The block grows with the width so it covers a fixed share of the
	 * picture, which is what the encoder's quantiser sees; very wide but
	 * short pictures cap it so the band stays a small part of the height. */
	g->bs = (width / 40) & ~1;
	if (g->bs > ((height / 8) & ~1))
		g->bs = (height / 8) & ~1;
	if (g->bs < 4)
		g->bs = 4;
	g->cols = width / g->bs;
	if (g->cols > NBLOCKS)
		g->cols = NBLOCKS;
	rows = (NBLOCKS + g->cols - 1) / g->cols;
	g->band = (rows * g->bs + 15) & ~15;
	if (g->band > height / 2)
		return -EINVAL;
	return 0;
}

/* CRC-8/I-432-1 (polynomial 0x07, initial 0, final xor 0x55), over the
 * number as three bytes, most significant first.  The final xor keeps the
 * number 0 from being an all-black mark, and any single wrong block changes
 * the check, so a misread bit is reported as no mark rather than as another
 * frame number. */
static uint8_t crc8(uint32_t value)
{
	uint8_t crc = 0;

	for (int i = 2; i >= 0; i--) {
		crc ^= (uint8_t)(value >> (8 * i));
		for (int b = 0; b < 8; b++)
			crc = (uint8_t)(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
	}
	return crc ^ 0x55;
}

/* Whether block `i` is white for the mark of `value`. */
static int block_is_white(uint32_t value, uint8_t crc, int i)
{
	if (i < NREF)
		return i == 0;
	i -= NREF;
	if (i < CB_VMARK_BITS)
		return (value >> (CB_VMARK_BITS - 1 - i)) & 1;
	i -= CB_VMARK_BITS;
	return (crc >> (NCRC - 1 - i)) & 1;
}

static int image_ok(const struct cb_image *img)
{
	return img && img->plane[0] && img->plane[1] && img->plane[2] &&
	       img->stride[0] >= img->width && img->stride[1] >= (img->width + 1) / 2 &&
	       img->stride[2] >= (img->width + 1) / 2;
}

int cb_vmark_band_height(int width, int height)
{
	struct geom g;
	int rc = geometry(width, height, &g);

	return rc < 0 ? rc : g.band;
}

int cb_vmark_draw(struct cb_image *img, uint32_t value)
{
	struct geom g;
	uint8_t crc;
	int rc;

	if (!image_ok(img) || value > CB_VMARK_MAX)
		return -EINVAL;
	rc = geometry(img->width, img->height, &g);
	if (rc < 0)
		return rc;
	crc = crc8(value);

	for (int y = 0; y < g.band; y++) {
		uint8_t *row = img->plane[0] + (size_t)y * img->stride[0];
		int brow = y / g.bs;

		memset(row, Y_BACK, (size_t)img->width);
		for (int c = 0; c < g.cols; c++) {
			int i = brow * g.cols + c;

			if (i >= NBLOCKS)
				break;
			memset(row + c * g.bs, block_is_white(value, crc, i) ? Y_WHITE : Y_BLACK,
			       (size_t)g.bs);
		}
	}
	/* Neutral chroma keeps the blocks grey, so the luma is all there is
	 * to code and the chroma planes of the band never change. */
	for (int p = 1; p < 3; p++)
		for (int y = 0; y < g.band / 2; y++)
			memset(img->plane[p] + (size_t)y * img->stride[p], C_NEUTRAL,
			       (size_t)(img->width + 1) / 2);
	return 0;
}

/* Mean luma of the inner half (in each direction) of block `i`: the outer
 * quarter on each side is where coding ringing from neighbours lands. */
static int block_mean(const struct cb_image *img, const struct geom *g, int i)
{
	int x0 = (i % g->cols) * g->bs + g->bs / 4;
	int y0 = (i / g->cols) * g->bs + g->bs / 4;
	int n = g->bs / 2;
	unsigned sum = 0;

	for (int y = y0; y < y0 + n; y++) {
		const uint8_t *row = img->plane[0] + (size_t)y * img->stride[0];

		for (int x = x0; x < x0 + n; x++)
			sum += row[x];
	}
	return (int)((sum + (unsigned)(n * n) / 2) / (unsigned)(n * n));
}

int cb_vmark_read(const struct cb_image *img, uint32_t *value, double *confidence)
{
	int white, black, thr, contrast, min_dist = 255;
	uint32_t v = 0;
	uint8_t crc = 0;
	struct geom g;
	int rc;

	if (!image_ok(img) || !value)
		return -EINVAL;
	rc = geometry(img->width, img->height, &g);
	if (rc < 0)
		return rc;

	white = block_mean(img, &g, 0);
	black = block_mean(img, &g, 1);
	contrast = white - black;
	if (contrast < MIN_CONTRAST)
		return CB_E_NOMARK;
	/* The threshold sits halfway between the references as they came out
	 * of the decoder, so a codec that shifts or squeezes levels moves the
	 * threshold with them. */
	thr = (white + black + 1) / 2;

	for (int i = NREF; i < NBLOCKS; i++) {
		int m = block_mean(img, &g, i);
		int bit = m >= thr;
		int d = m >= thr ? m - thr : thr - m;

		if (d < min_dist)
			min_dist = d;
		if (i < NREF + CB_VMARK_BITS)
			v = (v << 1) | (uint32_t)bit;
		else
			crc = (uint8_t)((crc << 1) | bit);
	}
	if (crc != crc8(v))
		return CB_E_NOMARK;
	*value = v;
	/* A data block can come out beyond its reference, so the distance is
	 * capped at the halfway point that a perfect block would sit at. */
	if (confidence)
		*confidence = min_dist * 2 > contrast ? 0.5 : (double)min_dist / contrast;
	return 0;
}
