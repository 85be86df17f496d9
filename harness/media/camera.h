/*
 * camera.h — the synthetic camera as a track sees it: the video source
 * rendered in the camera's native mode and, with resizeMode
 * "crop-and-scale", centre-cropped and scaled to the track's size
 * (media/scale.h) with the frame number drawn again on the result, so the
 * mark is as readable at the track's size as at a native one.
 *
 * The sender captures through it and the receiver's quality measurement
 * re-renders through it, so both see the same pictures.
 */
#ifndef CB_MEDIA_CAMERA_H
#define CB_MEDIA_CAMERA_H

#include <stdint.h>

#include "base/image.h"
#include "media/video_source.h"

struct cb_camera_cfg {
	struct cb_video_source_cfg track; /**< the size and rate the track delivers */
	int native_width, native_height;  /**< capture mode; 0 or equal to the track: no scaling */
};

struct cb_camera;

int cb_camera_open(struct cb_camera **out, const struct cb_camera_cfg *cfg);
/** Frame `n` at the track's size into `img` (allocated by the caller). */
int cb_camera_render(struct cb_camera *cam, uint32_t n, struct cb_image *img);
/** 1 when frames are cropped and scaled from a native mode. */
int cb_camera_scales(const struct cb_camera *cam);
void cb_camera_close(struct cb_camera *cam);

#endif
