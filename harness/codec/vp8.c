#include <errno.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

#include "base/error.h"
#include "codec/vpx_common.h"

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

/* VP8's cpu-used runs from -16 to 16. */
#define VP8_MAX_SPEED 16

struct vp8_dec {
	vpx_codec_ctx_t ctx;
	int ctx_ready;
};

static int vp8_enc_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct cb_vpx_enc *e = priv;
	vpx_codec_enc_cfg_t vc;
	int speed, rc;
	double fps;

	rc = cb_vpx_enc_config(vpx_codec_vp8_cx(), cfg, VP8_MAX_SPEED, &vc);
	if (rc)
		return rc;
	fps = (double)cfg->fps_num / cfg->fps_den;
	vc.rc_max_quantizer = 56;
	vc.rc_undershoot_pct = 100;
	vc.rc_overshoot_pct = 15;

	rc = cb_vpx_enc_open(e, vpx_codec_vp8_cx(), &vc, cfg);
	if (rc)
		return rc;

	speed = cfg->speed ? cfg->speed : VP8_DEFAULT_SPEED;
	if (vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, speed) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, 1u) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0u) != VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_TOKEN_PARTITIONS, (int)VP8_ONE_TOKENPARTITION) !=
		VPX_CODEC_OK ||
	    vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT,
			      cb_vpx_max_intra_pct(vc.rc_buf_optimal_sz, fps)) != VPX_CODEC_OK)
		return CB_E_CODEC; /* the framework calls enc_close, which destroys ctx */
	return 0;
}

static int vp8_encode(void *priv, const void *in, int64_t pts, int force_key,
		      struct cb_packet_out *out)
{
	return cb_vpx_encode(priv, in, pts, force_key, out);
}

static void vp8_enc_close(void *priv)
{
	cb_vpx_enc_close(priv);
}

static int vp8_dec_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct vp8_dec *d = priv;
	vpx_codec_dec_cfg_t dc;
	int rc;

	rc = cb_vpx_dec_config(cfg, &dc);
	if (rc)
		return rc;
	if (vpx_codec_dec_init(&d->ctx, vpx_codec_vp8_dx(), &dc, 0) != VPX_CODEC_OK)
		return CB_E_CODEC;
	d->ctx_ready = 1;
	return 0;
}

static int vp8_decode(void *priv, const uint8_t *data, size_t len, void *out, size_t *nsamples)
{
	struct vp8_dec *d = priv;
	struct cb_image *pic = out;
	int rc;

	(void)nsamples;
	if (!d->ctx_ready || !pic || (!data && len) || len > 0xffffffffu)
		return -EINVAL;
	/* A lost frame (no data) gives no picture: VP8 has no concealment
	 * here, and the jitter buffer decides what to do about the gap. */
	if (!data || !len)
		return 0;
	rc = cb_vpx_decode_checked(&d->ctx, data, len);
	if (rc)
		return rc;
	return cb_vpx_get_picture(&d->ctx, pic);
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
    .clock_rate = CB_VPX_RTP_CLOCK,
    .enc_priv_size = sizeof(struct cb_vpx_enc),
    .dec_priv_size = sizeof(struct vp8_dec),
    .enc_init = vp8_enc_init,
    .encode = vp8_encode,
    .enc_close = vp8_enc_close,
    .version = cb_vpx_version,
    .dec_init = vp8_dec_init,
    .decode = vp8_decode,
    .dec_close = vp8_dec_close,
};
