/*
 * image.h — an I420 picture: three planes, Y full size, U and V half size
 * in both directions (rounded up).  The image either owns its planes
 * (cb_image_alloc) or borrows them (a decoder's output).
 */
#ifndef CB_BASE_IMAGE_H
#define CB_BASE_IMAGE_H

#include <stdint.h>

struct cb_image {
	int width, height;
	uint8_t *plane[3]; /**< Y, U, V */
	int stride[3];
	void *owned; /**< one allocation holding all planes, or NULL if borrowed */
};

/** Allocate an owned width x height I420 image (even sizes only). */
int cb_image_alloc(struct cb_image *img, int width, int height);
void cb_image_free(struct cb_image *img);
/** Width and height of plane `p` (0 = Y). */
int cb_image_plane_w(const struct cb_image *img, int p);
int cb_image_plane_h(const struct cb_image *img, int p);
/** Copy pixels between images of the same size. */
int cb_image_copy(struct cb_image *dst, const struct cb_image *src);

#endif
