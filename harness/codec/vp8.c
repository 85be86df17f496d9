#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include "base/error.h"
#include "codec/codec.h"

/*
 * VP8 through libvpx, set up the way WebRTC sets it up for a real-time call
 * (modules/video_coding/codecs/vp8/libvpx_vp8_encoder.cc): one pass, CBR,
 * no look-ahead, a 1000/500/600 ms rate-control buffer, and a cap on the
 * size of key frames so that one key frame does not stall the link.
 *
 * The encoder's time base is the RTP clock (1/90000 s), as in WebRTC, so the
 * `pts` the caller gives is passed through unchanged and an irregular frame
 * rate is seen by rate control as it is; the nominal frame rate sets each
 * frame's duration, which is what libvpx uses for its first frame's rate.
 */

/*
 * libvpx cpu-used for real time when the caller leaves cfg->speed at 0.
 * In VP8's real-time mode the sign matters: a negative value -s fixes the
 * speed at s, while a positive value s lets libvpx pick a speed between 4
 * and 16 every frame from how long the previous frames took, against a
 * budget of (16 - s)/16 of the frame interval.  A benchmark needs bits that
 * depend only on the input, never on how busy the machine is, so the
 * default is fixed: -6, what WebRTC uses on desktop machines.
 */
#define VP8_DEFAULT_SPEED (-6)

#define RTP_CLOCK 90000
#define MAX_DIM	  16382

struct vp8_enc {
	vpx_codec_ctx_t ctx;
	int ctx_ready; /* ctx was initialised and must be destroyed */
	int width, height;
	unsigned long duration; /* one nominal frame, in RTP clock units */
	uint8_t *buf;		/* the last encoded frame, owned here */
	size_t cap;
};

struct vp8_dec {
	vpx_codec_ctx_t ctx;
	int ctx_ready;
};

/* WebRTC's rule for the largest key frame, as a percentage of the per-frame
 * bandwidth: half of the optimal buffer, in frames, and never below 3
 * frames' worth. */
static unsigned int max_intra_pct(unsigned int optimal_buf_ms, double fps)
{
	double pct = optimal_buf_ms * 0.5 * fps / 10.0;

	return pct < 300 ? 300 : (unsigned int)pct;
}

static int vp8_enc_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct vp8_enc *e = priv;
	vpx_codec_enc_cfg_t vc;
	int speed;
	double fps;

	if (!cfg || cfg->width <= 0 || cfg->height <= 0 || (cfg->width & 1) || (cfg->height & 1) ||
	    cfg->width > MAX_DIM || cfg->height > MAX_DIM || cfg->fps_num <= 0 ||
	    cfg->fps_den <= 0 || cfg->bitrate_kbps <= 0 || cfg->keyint < 0 || cfg->speed < -16 ||
	    cfg->speed > 16 || cfg->threads < 0 || cfg->threads > 64)
		return -EINVAL;
	if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &vc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;

	fps = (double)cfg->fps_num / cfg->fps_den;
	/* libvpx's VP8 knows one usage (0); real-time behaviour comes from the
	 * VPX_DL_REALTIME deadline given to each encode call. */
	vc.g_usage = 0;
	vc.g_w = (unsigned int)cfg->width;
	vc.g_h = (unsigned int)cfg->height;
	vc.g_timebase.num = 1;
	vc.g_timebase.den = RTP_CLOCK;
	vc.g_threads = cfg->threads > 0 ? (unsigned int)cfg->threads : 1;
	vc.g_lag_in_frames = 0;
	vc.g_pass = VPX_RC_ONE_PASS;
	vc.g_error_resilient = cfg->error_resilient ? VPX_ERROR_RESILIENT_DEFAULT : 0;
	vc.rc_end_usage = VPX_CBR;
	vc.rc_target_bitrate = (unsigned int)cfg->bitrate_kbps;
	vc.rc_resize_allowed = 0;
	/* Every frame the harness captures must be encoded, or the frame
	 * count along the path would not add up; latency under overload is
	 * then visible as latency, not hidden as drops. */
	vc.rc_dropframe_thresh = 0;
	vc.rc_min_quantizer = 2;
	vc.rc_max_quantizer = 56;
	vc.rc_undershoot_pct = 100;
	vc.rc_overshoot_pct = 15;
	vc.rc_buf_sz = 1000;
	vc.rc_buf_initial_sz = 500;
	vc.rc_buf_optimal_sz = 600;
	vc.kf_mode = VPX_KF_AUTO;
	if (cfg->keyint > 0) {
		vc.kf_min_dist = 0;
		vc.kf_max_dist = (unsigned int)cfg->keyint;
	}

	if (vpx_codec_enc_init(&e->ctx, vpx_codec_vp8_cx(), &vc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	e->ctx_ready = 1;

	speed = cfg->speed ? cfg->speed : VP8_DEFAULT_SPEED;
	if (vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, speed) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, 1u) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0u) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_TOKEN_PARTITIONS, (int)VP8_ONE_TOKENPARTITION) !=
		VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT,
			      max_intra_pct(vc.rc_buf_optimal_sz, fps)) != VPX_CODEC_OK)
		return CB_E_CODEC; /* the framework calls enc_close, which destroys ctx */

	e->width = cfg->width;
	e->height = cfg->height;
	e->duration = (unsigned long)((int64_t)RTP_CLOCK * cfg->fps_den / cfg->fps_num);
	if (e->duration == 0)
		e->duration = 1;
	return 0;
}

/* Append one packet to the frame buffer, growing it by doubling so that a
 * steady stream settles on one allocation. */
static int enc_append(struct vp8_enc *e, size_t *len, const void *data, size_t sz)
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

static int vp8_encode(void *priv, const void *in, int64_t pts, int force_key,
		      struct cb_packet_out *out)
{
	struct vp8_enc *e = priv;
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
	 * input; should libvpx ever split one, the pieces are joined so the
	 * caller still sees one frame. */
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

static void vp8_enc_close(void *priv)
{
	struct vp8_enc *e = priv;

	if (!e)
		return;
	if (e->ctx_ready)
		vpx_codec_destroy(&e->ctx);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

static const char *vp8_version(void)
{
	return vpx_codec_version_str();
}

static int vp8_dec_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct vp8_dec *d = priv;
	vpx_codec_dec_cfg_t dc = {.threads = 1};

	/* The stream says its own size; the configured one is only a hint to
	 * libvpx, and a missing configuration is fine. */
	if (cfg) {
		if (cfg->width < 0 || cfg->height < 0 || cfg->width > MAX_DIM ||
		    cfg->height > MAX_DIM)
			return -EINVAL;
		dc.w = (unsigned int)cfg->width;
		dc.h = (unsigned int)cfg->height;
	}
	if (vpx_codec_dec_init(&d->ctx, vpx_codec_vp8_dx(), &dc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	d->ctx_ready = 1;
	return 0;
}

static int vp8_decode(void *priv, const uint8_t *data, size_t len, void *out, size_t *nsamples)
{
	struct vp8_dec *d = priv;
	struct cb_image *pic = out;
	vpx_codec_iter_t iter = NULL;
	vpx_image_t *vi;
	int corrupted = 0;

	(void)nsamples;
	if (!d->ctx_ready || !pic || (!data && len) || len > 0xffffffffu)
		return -EINVAL;
	/* A lost frame (no data) gives no picture: VP8 has no concealment
	 * here, and the jitter buffer decides what to do about the gap. */
	if (!data || !len)
		return 0;
	if (vpx_codec_decode(&d->ctx, data, (unsigned int)len, NULL, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	/* libvpx can accept a damaged frame (a truncated partition, a missing
	 * reference) and mark it corrupted; showing it would let the analyser
	 * read a picture that is not what was sent, so it counts as an error. */
	if (vpx_codec_control(&d->ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) == VPX_CODEC_OK &&
	    corrupted)
		return CB_E_CODEC;
	vi = vpx_codec_get_frame(&d->ctx, &iter);
	if (!vi)
		return 0;
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

static void vp8_dec_close(void *priv)
{
	struct vp8_dec *d = priv;

	if (!d)
		return;
	if (d->ctx_ready)
		vpx_codec_destroy(&d->ctx);
	memset(d, 0, sizeof(*d));
}

const struct cb_codec_ops cb_codec_vp8 = {
    .name = "vp8",
    .rtp_name = "VP8",
    .media = CB_MEDIA_VIDEO,
    .clock_rate = RTP_CLOCK,
    .enc_priv_size = sizeof(struct vp8_enc),
    .dec_priv_size = sizeof(struct vp8_dec),
    .enc_init = vp8_enc_init,
    .encode = vp8_encode,
    .enc_close = vp8_enc_close,
    .version = vp8_version,
    .dec_init = vp8_dec_init,
    .decode = vp8_decode,
    .dec_close = vp8_dec_close,
};
