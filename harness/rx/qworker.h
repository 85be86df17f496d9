/*
 * qworker.h — video quality off the receive path.  The receiver hands each
 * identified picture (a copy) to a worker thread that re-renders the source
 * frame the picture shows and computes PSNR and SSIM (measure/quality.h),
 * so the measurement does not delay the call it measures.
 *
 * In real time a full queue drops the job (counted) rather than stall the
 * receiver; a simulated run waits instead, so every frame is measured and
 * the result does not depend on scheduling.
 */
#ifndef CB_RX_QWORKER_H
#define CB_RX_QWORKER_H

#include <stddef.h>
#include <stdint.h>

#include "base/image.h"
#include "media/camera.h"

struct cb_qresult {
	size_t rec; /**< the caller's record index */
	double psnr, ssim;
};

struct cb_qworker;

/** Start a worker that re-renders frames of the camera `cam_cfg`. `block`: wait when full. */
int cb_qworker_open(struct cb_qworker **out, const struct cb_camera_cfg *cam_cfg, int block);
/** Queue picture `img` (copied), which shows source frame `content`, for record `rec`. */
int cb_qworker_submit(struct cb_qworker *w, size_t rec, uint32_t content,
		      const struct cb_image *img);
/** Finish the queue and stop; then the results are final. */
void cb_qworker_finish(struct cb_qworker *w);
/** Results so far (after finish: all); valid until close. */
const struct cb_qresult *cb_qworker_results(const struct cb_qworker *w, size_t *n,
					    uint64_t *skipped);
/** CPU seconds the worker's thread used (final after finish). */
double cb_qworker_cpu_s(const struct cb_qworker *w);
void cb_qworker_close(struct cb_qworker *w);

#endif
