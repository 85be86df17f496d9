/*
 * codec.h — the codec family.  Each codec is one const struct cb_codec_ops
 * (name, private sizes, init/encode/close and init/decode/close), found by
 * name in a hand-written registry.  The framework allocates the private
 * state; `*_close` is safe after a failed `*_init` (state is zeroed first).
 *
 * Video codecs take and give struct cb_image (I420); audio codecs take and
 * give interleaved int16 PCM.  Every encoder and decoder reports its own
 * time per frame through the caller's clock (the caller stamps around it).
 */
#ifndef CB_CODEC_CODEC_H
#define CB_CODEC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/image.h"

enum cb_media { CB_MEDIA_VIDEO = 0, CB_MEDIA_AUDIO = 1 };

struct cb_codec_cfg {
	/* both */
	int bitrate_kbps; /**< target bitrate */
	/* video */
	int width, height;
	int fps_num, fps_den;
	int keyint; /**< max frames between key frames (0 = codec default) */
	int speed;  /**< libvpx cpu-used: negative = fixed speed (-6 is WebRTC's desktop value);
		       positive lets libvpx adapt it to measured timing */
	int error_resilient; /**< 1 = error resilient mode */
	int threads;	     /**< encoder threads (1 default) */
	/** 1 = the rate control may drop frames to meet the target, as
	 * libwebrtc configures libvpx and openh264 for real time (the call
	 * sets it); 0 = every input frame is encoded */
	int frame_drop;
	/* audio */
	int sample_rate;       /**< 48000 */
	int channels;	       /**< 1 */
	int frame_ms;	       /**< 20 */
	int complexity;	       /**< Opus 0..10 */
	int fec;	       /**< Opus in-band FEC */
	int dtx;	       /**< Opus DTX */
	int expected_loss_pct; /**< Opus packet loss hint */
};

/** One encoded frame.  `data` stays valid until the next encode call. */
struct cb_packet_out {
	const uint8_t *data;
	size_t len;
	int keyframe;
};

struct cb_codec_ops {
	const char *name;     /**< registry name: "vp8", "opus" */
	const char *rtp_name; /**< RTP encoding name: "VP8", "opus" */
	enum cb_media media;
	uint32_t clock_rate; /**< RTP clock: 90000 video, 48000 Opus */
	size_t enc_priv_size, dec_priv_size;

	int (*enc_init)(void *priv, const struct cb_codec_cfg *cfg);
	/**
	 * Encode one input (struct cb_image * for video, const int16_t * of
	 * frame_ms worth of samples for audio) presented at `pts` (in
	 * clock_rate units).  On return *out holds the encoded frame, or
	 * out->len == 0 when the encoder dropped the frame (rate control).
	 */
	int (*encode)(void *priv, const void *in, int64_t pts, int force_key,
		      struct cb_packet_out *out);
	void (*enc_close)(void *priv);
	/** Library version string for reports. */
	const char *(*version)(void);

	int (*dec_init)(void *priv, const struct cb_codec_cfg *cfg);
	/**
	 * Decode one frame.  Video: `out` is a struct cb_image * that receives
	 * a borrowed view valid until the next call; returns 1 when a picture
	 * came out, 0 when none did.  Audio: `out` is int16_t * with room for
	 * *nsamples per channel on entry, decoded count on return; data == NULL
	 * asks for loss concealment of one frame.
	 */
	int (*decode)(void *priv, const uint8_t *data, size_t len, void *out, size_t *nsamples);
	/**
	 * Audio with in-band FEC (may be NULL): decode the frame *before*
	 * `data` from the redundancy carried in `data` (Opus decode_fec).
	 * Same output contract as decode.
	 */
	int (*decode_fec)(void *priv, const uint8_t *data, size_t len, void *out, size_t *nsamples);
	void (*dec_close)(void *priv);
};

/** Registry. */
const struct cb_codec_ops *cb_codec_find(const char *name);
/** Iterate: start with *it = 0; returns NULL at the end. */
const struct cb_codec_ops *cb_codec_iterate(size_t *it);

/** An encoder or decoder instance: the ops and the private state it owns. */
struct cb_codec {
	const struct cb_codec_ops *ops;
	void *priv;
	int is_encoder;
};

int cb_encoder_open(struct cb_codec *c, const struct cb_codec_ops *ops,
		    const struct cb_codec_cfg *cfg);
int cb_decoder_open(struct cb_codec *c, const struct cb_codec_ops *ops,
		    const struct cb_codec_cfg *cfg);
void cb_codec_close(struct cb_codec *c);

extern const struct cb_codec_ops cb_codec_vp8;
extern const struct cb_codec_ops cb_codec_opus;
extern const struct cb_codec_ops cb_codec_h264;
extern const struct cb_codec_ops cb_codec_vp9;

#endif
