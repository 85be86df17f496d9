/*
 * video_source.h — the synthetic camera.
 *
 * Renders frame `n` of a deterministic moving, textured I420 pattern (so the
 * encoder has real work: moving gradients, edges, fine texture) and draws
 * the frame number into it with cb_vmark_draw().  The picture is a pure
 * function of (config, n): the receiver can re-render the source frame that
 * a decoded picture claims to be, for quality metrics.
 */
#ifndef CB_MEDIA_VIDEO_SOURCE_H
#define CB_MEDIA_VIDEO_SOURCE_H

#include <stdint.h>

#include "base/image.h"

struct cb_video_source_cfg {
	int width, height;    /**< even, 64..4096 */
	int fps_num, fps_den; /**< nominal frame rate, e.g. 30/1 */
	uint32_t seed;	      /**< varies the pattern */
};

struct cb_video_source;

int cb_video_source_open(struct cb_video_source **out, const struct cb_video_source_cfg *cfg);
/** Render frame `n` into `img` (allocated by the caller at the source size). */
int cb_video_source_render(struct cb_video_source *src, uint32_t n, struct cb_image *img);
void cb_video_source_close(struct cb_video_source *src);

#endif
