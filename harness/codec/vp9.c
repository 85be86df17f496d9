#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

#include "base/error.h"
#include "codec/vpx_common.h"

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

struct vp9_dec {
	vpx_codec_ctx_t ctx;
	int ctx_ready;
	int configured;		/* dec_init succeeded: dc is valid */
	vpx_codec_dec_cfg_t dc; /* kept to start afresh after an error */
};

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
	struct cb_vpx_enc *e = priv;
	vpx_codec_enc_cfg_t vc;
	int speed, rc;
	double fps;

	rc = cb_vpx_enc_config(vpx_codec_vp9_cx(), cfg, VP9_MAX_SPEED, &vc);
	if (rc)
		return rc;
	fps = (double)cfg->fps_num / cfg->fps_den;
	/* In VP9 error resilient mode (set from cfg->error_resilient) every
	 * frame starts from the default probabilities and uses no motion
	 * vectors of the previous frame, so a frame decodes from its reference
	 * pictures alone.  WebRTC's VP9 limits: max-q 52 (VP8 uses 56), under-
	 * and overshoot 50 %. */
	vc.rc_max_quantizer = 52;
	vc.rc_undershoot_pct = 50;
	vc.rc_overshoot_pct = 50;

	rc = cb_vpx_enc_open(e, vpx_codec_vp9_cx(), &vc, cfg);
	if (rc)
		return rc;

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
			      cb_vpx_max_intra_pct(vc.rc_buf_optimal_sz, fps)) != VPX_CODEC_OK)
		return CB_E_CODEC; /* the framework calls enc_close, which destroys ctx */
	return 0;
}

static int vp9_encode(void *priv, const void *in, int64_t pts, int force_key,
		      struct cb_packet_out *out)
{
	return cb_vpx_encode(priv, in, pts, force_key, out);
}

static void vp9_enc_close(void *priv)
{
	cb_vpx_enc_close(priv);
}

static int vp9_dec_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct vp9_dec *d = priv;
	int rc;

	rc = cb_vpx_dec_config(cfg, &d->dc);
	if (rc)
		return rc;
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
	 * a grey picture; so is a frame libvpx marks corrupted. */
	if (cb_vpx_decode_checked(&d->ctx, data, len))
		return dec_reset(d);
	return cb_vpx_get_picture(&d->ctx, pic);
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
    .clock_rate = CB_VPX_RTP_CLOCK,
    .enc_priv_size = sizeof(struct cb_vpx_enc),
    .dec_priv_size = sizeof(struct vp9_dec),
    .enc_init = vp9_enc_init,
    .encode = vp9_encode,
    .enc_close = vp9_enc_close,
    .version = cb_vpx_version,
    .dec_init = vp9_dec_init,
    .decode = vp9_decode,
    .dec_close = vp9_dec_close,
};
