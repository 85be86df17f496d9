#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/image.h"

int cb_image_plane_w(const struct cb_image *img, int p)
{
	return p == 0 ? img->width : (img->width + 1) / 2;
}

int cb_image_plane_h(const struct cb_image *img, int p)
{
	return p == 0 ? img->height : (img->height + 1) / 2;
}

int cb_image_alloc(struct cb_image *img, int width, int height)
{
	size_t ysz, csz;
	uint8_t *buf;

	if (width <= 0 || height <= 0 || (width & 1) || (height & 1) || width > 16384 ||
	    height > 16384)
		return -EINVAL;
	ysz = (size_t)width * height;
	csz = ysz / 4;
	buf = malloc(ysz + 2 * csz);
	if (!buf)
		return -ENOMEM;
	img->width = width;
	img->height = height;
	img->plane[0] = buf;
	img->plane[1] = buf + ysz;
	img->plane[2] = buf + ysz + csz;
	img->stride[0] = width;
	img->stride[1] = img->stride[2] = width / 2;
	img->owned = buf;
	return 0;
}

void cb_image_free(struct cb_image *img)
{
	if (!img)
		return;
	free(img->owned);
	memset(img, 0, sizeof(*img));
}

int cb_image_copy(struct cb_image *dst, const struct cb_image *src)
{
	if (dst->width != src->width || dst->height != src->height)
		return -EINVAL;
	for (int p = 0; p < 3; p++) {
		int w = cb_image_plane_w(src, p), h = cb_image_plane_h(src, p);
		for (int y = 0; y < h; y++)
			memcpy(dst->plane[p] + (size_t)y * dst->stride[p],
			       src->plane[p] + (size_t)y * src->stride[p], (size_t)w);
	}
	return 0;
}
