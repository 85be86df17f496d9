#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

#include "base/error.h"
#include "codec/vpx_common.h"

int cb_vpx_enc_config(vpx_codec_iface_t *iface, const struct cb_codec_cfg *cfg, int max_speed,
		      vpx_codec_enc_cfg_t *vc)
{
	if (!cfg || cfg->width <= 0 || cfg->height <= 0 || (cfg->width & 1) || (cfg->height & 1) ||
	    cfg->width > CB_VPX_MAX_DIM || cfg->height > CB_VPX_MAX_DIM || cfg->fps_num <= 0 ||
	    cfg->fps_den <= 0 || cfg->bitrate_kbps <= 0 || cfg->keyint < 0 ||
	    cfg->speed < -max_speed || cfg->speed > max_speed || cfg->threads < 0 ||
	    cfg->threads > 64)
		return -EINVAL;
	if (vpx_codec_enc_config_default(iface, vc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;

	/* Real-time behaviour comes from the VPX_DL_REALTIME deadline given to
	 * each encode call: VP8 knows one usage (0), and libvpx 1.12 has no
	 * separate real-time usage for VP9. */
	vc->g_usage = 0;
	vc->g_w = (unsigned int)cfg->width;
	vc->g_h = (unsigned int)cfg->height;
	vc->g_timebase.num = 1;
	vc->g_timebase.den = CB_VPX_RTP_CLOCK;
	vc->g_threads = cfg->threads > 0 ? (unsigned int)cfg->threads : 1;
	vc->g_lag_in_frames = 0;
	vc->g_pass = VPX_RC_ONE_PASS;
	vc->g_error_resilient = cfg->error_resilient ? VPX_ERROR_RESILIENT_DEFAULT : 0;
	vc->rc_end_usage = VPX_CBR;
	vc->rc_target_bitrate = (unsigned int)cfg->bitrate_kbps;
	vc->rc_resize_allowed = 0;
	/* As libwebrtc configures libvpx for real time (cfg->frame_drop, which
	 * the call sets): frame dropping on (threshold 30 % of the buffer), so a target below what
	 * the quantizer range can reach is met by dropping frames, as a browser does, instead of
	 * being silently exceeded.  A dropped frame is counted (dropped.encoder) and the target is
	 * held against the achieved rate in the report. */
	vc->rc_dropframe_thresh = cfg->frame_drop ? 30 : 0;
	vc->rc_min_quantizer = 2;
	vc->rc_buf_sz = 1000;
	vc->rc_buf_initial_sz = 500;
	vc->rc_buf_optimal_sz = 600;
	vc->kf_mode = VPX_KF_AUTO;
	if (cfg->keyint > 0) {
		vc->kf_min_dist = 0;
		vc->kf_max_dist = (unsigned int)cfg->keyint;
	}
	return 0;
}

int cb_vpx_enc_open(struct cb_vpx_enc *e, vpx_codec_iface_t *iface, const vpx_codec_enc_cfg_t *vc,
		    const struct cb_codec_cfg *cfg)
{
	if (vpx_codec_enc_init(&e->ctx, iface, vc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	e->ctx_ready = 1;
	e->width = cfg->width;
	e->height = cfg->height;
	e->duration = (unsigned long)((int64_t)CB_VPX_RTP_CLOCK * cfg->fps_den / cfg->fps_num);
	if (e->duration == 0)
		e->duration = 1;
	return 0;
}

/* WebRTC's rule for the largest key frame, as a percentage of the per-frame
 * bandwidth: half of the optimal buffer, in frames, and never below 3
 * frames' worth. */
unsigned int cb_vpx_max_intra_pct(unsigned int optimal_buf_ms, double fps)
{
	double pct = optimal_buf_ms * 0.5 * fps / 10.0;

	return pct < 300 ? 300 : (unsigned int)pct;
}

/* Append one packet to the frame buffer, growing it by doubling so that a
 * steady stream settles on one allocation. */
static int enc_append(struct cb_vpx_enc *e, size_t *len, const void *data, size_t sz)
{
	if (*len + sz > e->cap) {
		size_t cap = e->cap ? e->cap : 64 * 1024;
		uint8_t *nb;

		while (cap < *len + sz)
			cap *= 2;
		nb = realloc(e->buf, cap);
		if (!nb)
			return -ENOMEM;
		e->buf = nb;
		e->cap = cap;
	}
	memcpy(e->buf + *len, data, sz);
	*len += sz;
	return 0;
}

int cb_vpx_encode(struct cb_vpx_enc *e, const void *in, int64_t pts, int force_key,
		  struct cb_packet_out *out)
{
	const struct cb_image *img = in;
	const vpx_codec_cx_pkt_t *pkt;
	vpx_codec_iter_t iter = NULL;
	vpx_image_t vi;
	size_t len = 0;
	int key = 0, rc;

	if (!e->ctx_ready || !img || !out || pts < 0)
		return -EINVAL;
	if (img->width != e->width || img->height != e->height || !img->plane[0] ||
	    !img->plane[1] || !img->plane[2])
		return -EINVAL;

	/* Wrap the caller's planes without copying: vpx_img_wrap fills in the
	 * format fields, then the plane pointers and strides are replaced by
	 * the image's own, which need not be one contiguous block. */
	if (!vpx_img_wrap(&vi, VPX_IMG_FMT_I420, (unsigned int)img->width,
			  (unsigned int)img->height, 1, img->plane[0]))
		return CB_E_CODEC;
	for (int p = 0; p < 3; p++) {
		vi.planes[p] = img->plane[p];
		vi.stride[p] = img->stride[p];
	}

	if (vpx_codec_encode(&e->ctx, &vi, pts, e->duration, force_key ? VPX_EFLAG_FORCE_KF : 0,
			     VPX_DL_REALTIME) != VPX_CODEC_OK)
		return CB_E_CODEC;
	/* With no look-ahead and no layers there is one frame packet per
	 * input (and, for VP9, no superframe); should libvpx ever give more,
	 * the pieces are joined so the caller still sees one frame. */
	while ((pkt = vpx_codec_get_cx_data(&e->ctx, &iter))) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT)
			continue;
		rc = enc_append(e, &len, pkt->data.frame.buf, pkt->data.frame.sz);
		if (rc < 0)
			return rc;
		if (pkt->data.frame.flags & VPX_FRAME_IS_KEY)
			key = 1;
	}
	out->data = len ? e->buf : NULL;
	out->len = len;
	out->keyframe = len ? key : 0;
	return 0;
}

void cb_vpx_enc_close(struct cb_vpx_enc *e)
{
	if (!e)
		return;
	if (e->ctx_ready)
		vpx_codec_destroy(&e->ctx);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

const char *cb_vpx_version(void)
{
	return vpx_codec_version_str();
}

int cb_vpx_dec_config(const struct cb_codec_cfg *cfg, vpx_codec_dec_cfg_t *dc)
{
	*dc = (vpx_codec_dec_cfg_t){.threads = 1};
	/* The stream says its own size; the configured one is only a hint to
	 * libvpx, and a missing configuration is fine. */
	if (cfg) {
		if (cfg->width < 0 || cfg->height < 0 || cfg->width > CB_VPX_MAX_DIM ||
		    cfg->height > CB_VPX_MAX_DIM)
			return -EINVAL;
		dc->w = (unsigned int)cfg->width;
		dc->h = (unsigned int)cfg->height;
	}
	return 0;
}

int cb_vpx_decode_checked(vpx_codec_ctx_t *ctx, const uint8_t *data, size_t len)
{
	int corrupted = 0;

	if (vpx_codec_decode(ctx, data, (unsigned int)len, NULL, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	/* libvpx can accept a damaged frame (a truncated partition, a missing
	 * reference) and mark it corrupted; showing it would let the analyser
	 * read a picture that is not what was sent, so it counts as an error. */
	if (vpx_codec_control(ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) == VPX_CODEC_OK &&
	    corrupted)
		return CB_E_CODEC;
	return 0;
}

int cb_vpx_get_picture(vpx_codec_ctx_t *ctx, struct cb_image *pic)
{
	vpx_codec_iter_t iter = NULL;
	vpx_image_t *vi = vpx_codec_get_frame(ctx, &iter);

	if (!vi)
		return 0;
	/* VP8, and VP9 profile 0, are 8-bit 4:2:0; anything else would need
	 * converting. */
	if (vi->fmt != VPX_IMG_FMT_I420)
		return CB_E_CODEC;
	pic->width = (int)vi->d_w;
	pic->height = (int)vi->d_h;
	for (int p = 0; p < 3; p++) {
		pic->plane[p] = vi->planes[p];
		pic->stride[p] = vi->stride[p];
	}
	pic->owned = NULL;
	return 1;
}
