/*
 * vmark.h — a frame number drawn into the picture as large blocks that
 * survive lossy coding.
 *
 * A band across the top of the picture holds one row of square luma blocks:
 * reference blocks (known white and black, which set the threshold), then
 * CB_VMARK_BITS bits of the number and 8 check bits (CRC-8 over the number),
 * each a block of near-black or near-white with neutral chroma.  The block
 * size scales with the width so the mark stays readable at every size the
 * harness supports (>= 64x64).  Reading takes the mean of each block's
 * inner pixels, so ringing at block edges does not matter.
 */
#ifndef CB_MEDIA_VMARK_H
#define CB_MEDIA_VMARK_H

#include <stdint.h>

#include "base/image.h"

#define CB_VMARK_BITS 24
#define CB_VMARK_MAX  ((1u << CB_VMARK_BITS) - 1)

/** Rows at the top of a width x height picture that the mark occupies. */
int cb_vmark_band_height(int width, int height);
/** Draw `value` (<= CB_VMARK_MAX) into the top band of `img`. */
int cb_vmark_draw(struct cb_image *img, uint32_t value);
/**
 * Read the mark back.  0 and *value on success; CB_E_NOMARK when the
 * reference blocks have no contrast or the check bits do not match.
 * `*confidence` (may be NULL) is the smallest distance of any block from the
 * threshold, as a fraction of the black/white contrast (0..0.5).
 */
int cb_vmark_read(const struct cb_image *img, uint32_t *value, double *confidence);

#endif
