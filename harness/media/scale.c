/*
 * scale.c — centre crop then libyuv I420Scale.
 */
#include <errno.h>
#include <stdint.h>

#include <libyuv.h>

#include "base/error.h"
#include "media/scale.h"

int cb_scale_crop_rect(int src_w, int src_h, int dst_w, int dst_h, struct cb_crop_rect *out)
{
	int64_t cw, ch;

	if (!out || src_w < 2 || src_h < 2 || dst_w < 2 || dst_h < 2)
		return -EINVAL;
	/*
	 * Compare src_w/src_h with dst_w/dst_h by cross-multiplying, in 64
	 * bits, so equal ratios are recognised exactly and keep the whole
	 * picture.
	 */
	if ((int64_t)src_w * dst_h > (int64_t)src_h * dst_w) {
		ch = src_h;
		cw = ((int64_t)src_h * dst_w + dst_h / 2) / dst_h;
	} else {
		cw = src_w;
		ch = ((int64_t)src_w * dst_h + dst_w / 2) / dst_w;
	}
	/* Even sizes and offsets keep every chroma sample whole. */
	cw &= ~(int64_t)1;
	ch &= ~(int64_t)1;
	if (cw < 2)
		cw = 2;
	if (ch < 2)
		ch = 2;
	out->width = (int)cw;
	out->height = (int)ch;
	out->x = ((src_w - out->width) / 2) & ~1;
	out->y = ((src_h - out->height) / 2) & ~1;
	return 0;
}

int cb_scale_crop_i420(const struct cb_image *src, struct cb_image *dst)
{
	struct cb_crop_rect r;
	int rc;

	if (!src || !dst)
		return -EINVAL;
	for (int p = 0; p < 3; p++)
		if (!src->plane[p] || !dst->plane[p])
			return -EINVAL;
	if (src->width < 2 || src->height < 2 || dst->width < 2 || dst->height < 2 ||
	    (src->width | src->height | dst->width | dst->height) & 1)
		return CB_E_RANGE;
	rc = cb_scale_crop_rect(src->width, src->height, dst->width, dst->height, &r);
	if (rc < 0)
		return rc;
	/* x and y are even, so the chroma offsets are exact halves. */
	rc = I420Scale(src->plane[0] + (size_t)r.y * src->stride[0] + r.x, src->stride[0],
		       src->plane[1] + (size_t)(r.y / 2) * src->stride[1] + r.x / 2, src->stride[1],
		       src->plane[2] + (size_t)(r.y / 2) * src->stride[2] + r.x / 2, src->stride[2],
		       r.width, r.height, dst->plane[0], dst->stride[0], dst->plane[1],
		       dst->stride[1], dst->plane[2], dst->stride[2], dst->width, dst->height,
		       kFilterBox);
	return rc == 0 ? 0 : CB_E_EXTERNAL;
}
