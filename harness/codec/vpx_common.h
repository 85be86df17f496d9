/*
 * vpx_common.h — the libvpx plumbing VP8 and VP9 share (internal to codec/).
 *
 * Both codecs are set up the WebRTC way through the same libvpx API: the
 * same checks of struct cb_codec_cfg, the same one-pass CBR configuration,
 * the same encode loop that joins the frame packets, and the same decode
 * into a cb_image that borrows libvpx's planes.  What differs (quantiser
 * limits, codec controls, VP9's decoder reset) stays in vp8.c and vp9.c.
 */
#ifndef CB_CODEC_VPX_COMMON_H
#define CB_CODEC_VPX_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include "codec/codec.h"

#define CB_VPX_RTP_CLOCK 90000
#define CB_VPX_MAX_DIM	 16382

/* Encoder state; the codec's private state starts with one of these. */
struct cb_vpx_enc {
	vpx_codec_ctx_t ctx;
	int ctx_ready; /* ctx was initialised and must be destroyed */
	int width, height;
	unsigned long duration; /* one nominal frame, in RTP clock units */
	uint8_t *buf;		/* the last encoded frame, owned here */
	size_t cap;
};

/*
 * Check `cfg` (speed within -max_speed..max_speed) and fill `vc` with
 * libvpx's defaults for `iface` and the settings both codecs share; the
 * caller then sets its quantiser and over/undershoot limits.  Returns 0,
 * -EINVAL or CB_E_CODEC.
 */
int cb_vpx_enc_config(vpx_codec_iface_t *iface, const struct cb_codec_cfg *cfg, int max_speed,
		      vpx_codec_enc_cfg_t *vc);

/* Start the encoder with `vc` and remember the picture size and frame
 * duration from `cfg`.  Returns 0 or CB_E_CODEC. */
int cb_vpx_enc_open(struct cb_vpx_enc *e, vpx_codec_iface_t *iface, const vpx_codec_enc_cfg_t *vc,
		    const struct cb_codec_cfg *cfg);

/* WebRTC's cap on key frame size, for VP8E_SET_MAX_INTRA_BITRATE_PCT. */
unsigned int cb_vpx_max_intra_pct(unsigned int optimal_buf_ms, double fps);

/* Encode one cb_image; `out` borrows e->buf until the next call. */
int cb_vpx_encode(struct cb_vpx_enc *e, const void *in, int64_t pts, int force_key,
		  struct cb_packet_out *out);

/* Safe after a failed or partial cb_vpx_enc_open(). */
void cb_vpx_enc_close(struct cb_vpx_enc *e);

const char *cb_vpx_version(void);

/* Check an optional decoder `cfg` and fill `dc` from it.  Returns 0 or -EINVAL. */
int cb_vpx_dec_config(const struct cb_codec_cfg *cfg, vpx_codec_dec_cfg_t *dc);

/* Decode `len` bytes and refuse a frame libvpx marks corrupted.  Returns 0
 * or CB_E_CODEC; the caller decides what an error does to its decoder. */
int cb_vpx_decode_checked(vpx_codec_ctx_t *ctx, const uint8_t *data, size_t len);

/* Point `pic` at the decoded picture, if any (borrowed from libvpx until the
 * next decode).  Returns 1 with a picture, 0 without, CB_E_CODEC if it is
 * not 8-bit 4:2:0. */
int cb_vpx_get_picture(vpx_codec_ctx_t *ctx, struct cb_image *pic);

#endif
