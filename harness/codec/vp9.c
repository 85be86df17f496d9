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
 * VP9 through libvpx, set up the way WebRTC sets it up for a single-layer
 * real-time call (modules/video_coding/codecs/vp9/libvpx_vp9_encoder.cc):
 * one pass, CBR, no look-ahead, a 1000/500/600 ms rate-control buffer,
 * cyclic-refresh adaptive quantisation (aq-mode 3), no frame-parallel
 * decoding mode, and the same cap on key frame size as VP8.  Like vp8.c, the
 * time base is the RTP clock and frame dropping is off, so every captured
 * frame comes out as one encoded frame.
 *
 * Temporal layers are not offered: struct cb_codec_cfg has no field for
 * them, and with layers the payload format would need L=1 and TL0PICIDX
 * and the jitter buffer a dependency rule other than "the previous picture".
 * Single-layer VP9 as set up here is exactly what WebRTC sends for a 1:1
 * call without scalabilityMode.
 */

/*
 * libvpx cpu-used for real time when the caller leaves cfg->speed at 0.
 * Unlike VP8, VP9 has no timing-driven speed: libvpx uses |cpu-used| (0..9)
 * and the sign means nothing, so the bits always depend only on the input.
 * Speeds 5..9 are the real-time ones; 7 is what WebRTC picks on desktop
 * for resolutions above CIF (5 at CIF and below, 8 on ARM), and 640x480 is
 * the harness's default picture.
 */
#define VP9_DEFAULT_SPEED 7
#define VP9_MAX_SPEED	  9

/* aq-mode 3: cyclic refresh, which refreshes a band of blocks at a lower
 * quantiser every frame so that quality recovers without key frames. */
#define VP9_AQ_CYCLIC_REFRESH 3u

#define RTP_CLOCK 90000
#define MAX_DIM	  16382

struct vp9_enc {
	vpx_codec_ctx_t ctx;
	int ctx_ready; /* ctx was initialised and must be destroyed */
	int width, height;
	unsigned long duration; /* one nominal frame, in RTP clock units */
	uint8_t *buf;		/* the last encoded frame, owned here */
	size_t cap;
};

struct vp9_dec {
	vpx_codec_ctx_t ctx;
	int ctx_ready;
	int configured;		/* dec_init succeeded: dc is valid */
	vpx_codec_dec_cfg_t dc; /* kept to start afresh after an error */
};

/* WebRTC's rule for the largest key frame, as a percentage of the per-frame
 * bandwidth: half of the optimal buffer, in frames, and never below 3
 * frames' worth. */
static unsigned int max_intra_pct(unsigned int optimal_buf_ms, double fps)
{
	double pct = optimal_buf_ms * 0.5 * fps / 10.0;

	return pct < 300 ? 300 : (unsigned int)pct;
}

/* log2 of the thread count, rounded down: WebRTC's tile-column count, so
 * that each thread can own a column.  libvpx lowers it further where the
 * picture is too narrow (a tile is at least 256 pixels wide, so 640x480
 * gets at most 2 columns). */
static int tile_columns_log2(unsigned int threads)
{
	int n = 0;

	while (threads > 1) {
		threads >>= 1;
		n++;
	}
	return n;
}

static int vp9_enc_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct vp9_enc *e = priv;
	vpx_codec_enc_cfg_t vc;
	int speed;
	double fps;

	if (!cfg || cfg->width <= 0 || cfg->height <= 0 || (cfg->width & 1) || (cfg->height & 1) ||
	    cfg->width > MAX_DIM || cfg->height > MAX_DIM || cfg->fps_num <= 0 ||
	    cfg->fps_den <= 0 || cfg->bitrate_kbps <= 0 || cfg->keyint < 0 ||
	    cfg->speed < -VP9_MAX_SPEED || cfg->speed > VP9_MAX_SPEED || cfg->threads < 0 ||
	    cfg->threads > 64)
		return -EINVAL;
	if (vpx_codec_enc_config_default(vpx_codec_vp9_cx(), &vc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;

	fps = (double)cfg->fps_num / cfg->fps_den;
	/* Real-time mode comes from the VPX_DL_REALTIME deadline given to each
	 * encode call (libvpx 1.12 has no separate real-time usage for VP9). */
	vc.g_usage = 0;
	vc.g_w = (unsigned int)cfg->width;
	vc.g_h = (unsigned int)cfg->height;
	vc.g_timebase.num = 1;
	vc.g_timebase.den = RTP_CLOCK;
	vc.g_threads = cfg->threads > 0 ? (unsigned int)cfg->threads : 1;
	vc.g_lag_in_frames = 0;
	vc.g_pass = VPX_RC_ONE_PASS;
	/* In VP9 error resilient mode every frame starts from the default
	 * probabilities and uses no motion vectors of the previous frame, so
	 * a frame decodes from its reference pictures alone. */
	vc.g_error_resilient = cfg->error_resilient ? VPX_ERROR_RESILIENT_DEFAULT : 0;
	vc.rc_end_usage = VPX_CBR;
	vc.rc_target_bitrate = (unsigned int)cfg->bitrate_kbps;
	vc.rc_resize_allowed = 0;
	/* Every captured frame must be encoded, or the frame count along the
	 * path would not add up (see vp8.c). */
	vc.rc_dropframe_thresh = 0;
	/* WebRTC's VP9 limits: max-q 52 (VP8 uses 56), under- and overshoot
	 * 50 %. */
	vc.rc_min_quantizer = 2;
	vc.rc_max_quantizer = 52;
	vc.rc_undershoot_pct = 50;
	vc.rc_overshoot_pct = 50;
	vc.rc_buf_sz = 1000;
	vc.rc_buf_initial_sz = 500;
	vc.rc_buf_optimal_sz = 600;
	vc.kf_mode = VPX_KF_AUTO;
	if (cfg->keyint > 0) {
		vc.kf_min_dist = 0;
		vc.kf_max_dist = (unsigned int)cfg->keyint;
	}

	if (vpx_codec_enc_init(&e->ctx, vpx_codec_vp9_cx(), &vc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	e->ctx_ready = 1;

	speed = cfg->speed ? abs(cfg->speed) : VP9_DEFAULT_SPEED;
	/* Row multithreading is bit-exact in libvpx and only matters when
	 * g_threads > 1; WebRTC turns it on always. */
	if (vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, speed) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, 1u) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP9E_SET_NOISE_SENSITIVITY, 0u) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP9E_SET_AQ_MODE, VP9_AQ_CYCLIC_REFRESH) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP9E_SET_FRAME_PARALLEL_DECODING, 0u) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP9E_SET_TILE_COLUMNS, tile_columns_log2(vc.g_threads)) !=
		VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP9E_SET_ROW_MT, 1u) != VPX_CODEC_OK ||
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
static int enc_append(struct vp9_enc *e, size_t *len, const void *data, size_t sz)
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

static int vp9_encode(void *priv, const void *in, int64_t pts, int force_key,
		      struct cb_packet_out *out)
{
	struct vp9_enc *e = priv;
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

	/* Wrap the caller's planes without copying (see vp8.c). */
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
	/* With no look-ahead and no layers libvpx gives one frame packet per
	 * input and no superframe; should it give more, the pieces are joined
	 * so the caller still sees one frame. */
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

static void vp9_enc_close(void *priv)
{
	struct vp9_enc *e = priv;

	if (!e)
		return;
	if (e->ctx_ready)
		vpx_codec_destroy(&e->ctx);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

static const char *vp9_version(void)
{
	return vpx_codec_version_str();
}

static int vp9_dec_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct vp9_dec *d = priv;
	vpx_codec_dec_cfg_t dc = {.threads = 1};

	/* The stream says its own size; a missing configuration is fine. */
	if (cfg) {
		if (cfg->width < 0 || cfg->height < 0 || cfg->width > MAX_DIM ||
		    cfg->height > MAX_DIM)
			return -EINVAL;
		dc.w = (unsigned int)cfg->width;
		dc.h = (unsigned int)cfg->height;
	}
	d->dc = dc;
	if (vpx_codec_dec_init(&d->ctx, vpx_codec_vp9_dx(), &d->dc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	d->ctx_ready = 1;
	d->configured = 1;
	return 0;
}

/*
 * Throw the decoder away and start a new one.  libvpx 1.12's VP9 decoder
 * does not always give back its frame buffers when a frame fails half-way:
 * after a few dozen damaged frames every later decode, key frames included,
 * fails with "Unable to find free frame buffer" (measured with
 * tests/test_vp9.c's garbage test).  After any error only a key frame can
 * follow anyway, and a new decoder takes one, so nothing is lost.  Returns
 * CB_E_CODEC, the error being reported; if the new decoder cannot be made,
 * the next decode tries again.
 */
static int dec_reset(struct vp9_dec *d)
{
	if (d->ctx_ready)
		vpx_codec_destroy(&d->ctx);
	d->ctx_ready = vpx_codec_dec_init(&d->ctx, vpx_codec_vp9_dx(), &d->dc, 0) == VPX_CODEC_OK;
	return CB_E_CODEC;
}

static int vp9_decode(void *priv, const uint8_t *data, size_t len, void *out, size_t *nsamples)
{
	struct vp9_dec *d = priv;
	struct cb_image *pic = out;
	vpx_codec_iter_t iter = NULL;
	vpx_image_t *vi;
	int corrupted = 0;

	(void)nsamples;
	if (!d->configured || !pic || (!data && len) || len > 0xffffffffu)
		return -EINVAL;
	/* A reset after an earlier error that could not make a new decoder. */
	if (!d->ctx_ready &&
	    vpx_codec_dec_init(&d->ctx, vpx_codec_vp9_dx(), &d->dc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	d->ctx_ready = 1;
	/* A lost frame (no data) gives no picture; the jitter buffer decides
	 * what to do about the gap. */
	if (!data || !len)
		return 0;
	/* A fresh VP9 decoder refuses anything but a key frame (or an
	 * intra-only frame), so a stream that starts mid-way is an error, not
	 * a grey picture. */
	if (vpx_codec_decode(&d->ctx, data, (unsigned int)len, NULL, 0) != VPX_CODEC_OK)
		return dec_reset(d);
	/* A damaged frame that libvpx accepted but marked corrupted would let
	 * the analyser read a picture that is not what was sent. */
	if (vpx_codec_control(&d->ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) == VPX_CODEC_OK &&
	    corrupted)
		return dec_reset(d);
	vi = vpx_codec_get_frame(&d->ctx, &iter);
	if (!vi)
		return 0;
	/* Profile 0 is 8-bit 4:2:0; any other profile would need converting. */
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

static void vp9_dec_close(void *priv)
{
	struct vp9_dec *d = priv;

	if (!d)
		return;
	if (d->ctx_ready)
		vpx_codec_destroy(&d->ctx);
	memset(d, 0, sizeof(*d));
}

const struct cb_codec_ops cb_codec_vp9 = {
    .name = "vp9",
    .rtp_name = "VP9",
    .media = CB_MEDIA_VIDEO,
    .clock_rate = RTP_CLOCK,
    .enc_priv_size = sizeof(struct vp9_enc),
    .dec_priv_size = sizeof(struct vp9_dec),
    .enc_init = vp9_enc_init,
    .encode = vp9_encode,
    .enc_close = vp9_enc_close,
    .version = vp9_version,
    .dec_init = vp9_dec_init,
    .decode = vp9_decode,
    .dec_close = vp9_dec_close,
};
