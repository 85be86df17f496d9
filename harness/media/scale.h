/*
 * scale.h — resizeMode "crop-and-scale": turn a native camera picture into
 * the size the constraints chose, as browsers do.
 *
 * The source is first cropped, centred, to the largest rectangle with the
 * destination's aspect ratio (so nothing is stretched), then scaled with
 * libyuv's I420Scale (box filter).  Crop offsets are even so the chroma
 * planes stay aligned with the luma plane.
 */
#ifndef CB_MEDIA_SCALE_H
#define CB_MEDIA_SCALE_H

#include "base/image.h"

/** A crop rectangle in luma pixels. */
struct cb_crop_rect {
	int x, y, width, height;
};

/**
 * The centred crop of a `src_w` x `src_h` picture with the aspect ratio of
 * `dst_w` x `dst_h`, even-aligned.  Returns 0, or -EINVAL for sizes below 2.
 */
int cb_scale_crop_rect(int src_w, int src_h, int dst_w, int dst_h, struct cb_crop_rect *out);

/**
 * Crop `src` to the aspect ratio of `dst` (centred) and scale it into
 * `dst`, whose planes the caller allocated at the wanted size.  Returns 0,
 * -EINVAL for NULL or planeless images, CB_E_RANGE for odd or tiny sizes,
 * CB_E_EXTERNAL if libyuv refuses.
 */
int cb_scale_crop_i420(const struct cb_image *src, struct cb_image *dst);

#endif
