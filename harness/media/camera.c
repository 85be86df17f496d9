#include <errno.h>
#include <stdlib.h>

#include "base/error.h"
#include "media/camera.h"
#include "media/scale.h"
#include "media/vmark.h"

struct cb_camera {
	struct cb_video_source *src;
	struct cb_image native; /* owned only when scaling */
	int scales;
};

int cb_camera_open(struct cb_camera **out, const struct cb_camera_cfg *cfg)
{
	struct cb_video_source_cfg sc;
	struct cb_camera *cam;
	int rc;

	if (!out || !cfg)
		return -EINVAL;
	cam = calloc(1, sizeof(*cam));
	if (!cam)
		return -ENOMEM;
	sc = cfg->track;
	cam->scales =
	    cfg->native_width > 0 && cfg->native_height > 0 &&
	    (cfg->native_width != cfg->track.width || cfg->native_height != cfg->track.height);
	if (cam->scales) {
		sc.width = cfg->native_width;
		sc.height = cfg->native_height;
		rc = cb_image_alloc(&cam->native, sc.width, sc.height);
		if (rc < 0)
			goto out_free;
	}
	rc = cb_video_source_open(&cam->src, &sc);
	if (rc < 0)
		goto out_free;
	*out = cam;
	return 0;

out_free:
	cb_camera_close(cam);
	return rc;
}

int cb_camera_render(struct cb_camera *cam, uint32_t n, struct cb_image *img)
{
	int rc;

	if (!cam->scales)
		return cb_video_source_render(cam->src, n, img);
	rc = cb_video_source_render(cam->src, n, &cam->native);
	if (rc == 0)
		rc = cb_scale_crop_i420(&cam->native, img);
	/* Scaling blurred the native mark and moved its blocks: draw it again
	 * at the track's size, where the receiver will look for it. */
	if (rc == 0)
		rc = cb_vmark_draw(img, n & CB_VMARK_MAX);
	return rc;
}

int cb_camera_scales(const struct cb_camera *cam)
{
	return cam->scales;
}

void cb_camera_close(struct cb_camera *cam)
{
	if (!cam)
		return;
	cb_video_source_close(cam->src);
	cb_image_free(&cam->native);
	free(cam);
}
