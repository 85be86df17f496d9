#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <wels/codec_api.h>
#include <wels/codec_ver.h>

#include "base/error.h"
#include "codec/codec.h"

/*
 * H.264 through Cisco's openh264, set up the way WebRTC sets it up for a
 * call (modules/video_coding/codecs/h264/h264_encoder_impl.cc): the camera
 * real-time usage, bitrate-mode rate control, one spatial layer, one slice
 * per picture (packetization-mode 1 cuts it with FU-A), and the IDR period
 * from the key frame interval.  openh264 is C++, but its headers give C a
 * vtable view of the same objects: every method is called as
 * (*obj)->Method(obj, ...).
 *
 * Each encoded frame is handed out as one Annex B access unit: openh264
 * already writes every NAL unit with a 4-byte start code, so the layers'
 * bitstream buffers are joined as they are.
 */

#define RTP_CLOCK 90000
/* openh264 rejects pictures larger than its level tables allow; this is
 * the same guard the VP8 encoder uses, and keeps sizes within int. */
#define MAX_DIM 16382

struct h264_enc {
	ISVCEncoder *enc; /* created by WelsCreateSVCEncoder, NULL until then */
	int initialized;  /* Initialize succeeded: Uninitialize is due */
	int width, height;
	uint8_t *buf; /* the last access unit, owned here */
	size_t cap;
};

struct h264_dec {
	ISVCDecoder *dec;
	int initialized;
};

static int h264_enc_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct h264_enc *e = priv;
	SEncParamExt p;
	SSpatialLayerConfig *l;
	int trace = WELS_LOG_QUIET, fmt = videoFormatI420;
	double fps;

	if (!e || !cfg || cfg->width <= 0 || cfg->height <= 0 || (cfg->width & 1) ||
	    (cfg->height & 1) || cfg->width > MAX_DIM || cfg->height > MAX_DIM ||
	    cfg->fps_num <= 0 || cfg->fps_den <= 0 || cfg->bitrate_kbps <= 0 ||
	    cfg->bitrate_kbps > INT_MAX / 1000 || cfg->keyint < 0 || cfg->threads < 0 ||
	    cfg->threads > 64)
		return -EINVAL;
	fps = (double)cfg->fps_num / cfg->fps_den;

	if (WelsCreateSVCEncoder(&e->enc) != 0 || !e->enc)
		return CB_E_CODEC;
	/* The library must not print: openh264 logs warnings to stderr unless
	 * told otherwise, and does so from Initialize on. */
	if ((*e->enc)->SetOption(e->enc, ENCODER_OPTION_TRACE_LEVEL, &trace) != 0)
		return CB_E_CODEC; /* the framework calls enc_close, which destroys enc */
	if ((*e->enc)->GetDefaultParams(e->enc, &p) != 0)
		return CB_E_CODEC;

	p.iUsageType = CAMERA_VIDEO_REAL_TIME;
	p.iPicWidth = cfg->width;
	p.iPicHeight = cfg->height;
	p.iTargetBitrate = cfg->bitrate_kbps * 1000;
	p.iMaxBitrate = UNSPECIFIED_BIT_RATE;
	p.iRCMode = RC_BITRATE_MODE;
	p.fMaxFrameRate = (float)fps;
	/* Frame skipping on (cfg->frame_drop), as libwebrtc's H264EncoderImpl has it: a target
	 * below what the quantizer range reaches is met by skipping frames
	 * (counted as dropped by the encoder), not exceeded. */
	p.bEnableFrameSkip = cfg->frame_drop ? true : false;
	/* 0 asks openh264 for no periodic IDR at all, which is what keyint 0
	 * ("codec default") means for the VP8 encoder too: key frames then
	 * come only when asked for. */
	p.uiIntraPeriod = (unsigned int)cfg->keyint;
	p.iTemporalLayerNum = 1;
	p.iSpatialLayerNum = 1;
	p.iMultipleThreadIdc = (unsigned short)(cfg->threads > 0 ? cfg->threads : 1);
	/* Baseline-compatible CAVLC, the profile every WebRTC endpoint can
	 * decode (profile-level-id 42e01f). */
	p.iEntropyCodingModeFlag = 0;
	/* A denoiser would change the picture the analyser compares with. */
	p.bEnableDenoise = false;
	/* openh264 turns what it takes for a scene change into an IDR; the
	 * synthetic source's moving content trips it every half second or so
	 * (at 640x480), which would make key frames depend on the picture
	 * rather than on keyint, force_key and PLI as with VP8. */
	p.bEnableSceneChangeDetect = false;

	l = &p.sSpatialLayers[0];
	l->iVideoWidth = cfg->width;
	l->iVideoHeight = cfg->height;
	l->fFrameRate = (float)fps;
	l->iSpatialBitrate = p.iTargetBitrate;
	l->iMaxSpatialBitrate = UNSPECIFIED_BIT_RATE;
	l->uiProfileIdc = PRO_BASELINE;
	/* One slice per picture: the payload format fragments it with FU-A,
	 * as WebRTC does with packetization-mode 1 on one thread. */
	l->sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
	l->sSliceArgument.uiSliceNum = 1;

	if ((*e->enc)->InitializeExt(e->enc, &p) != 0)
		return CB_E_CODEC;
	e->initialized = 1;
	if ((*e->enc)->SetOption(e->enc, ENCODER_OPTION_DATAFORMAT, &fmt) != 0)
		return CB_E_CODEC;
	e->width = cfg->width;
	e->height = cfg->height;
	return 0;
}

/* Make room for `need` bytes, growing by doubling so that a steady stream
 * settles on one allocation. */
static int enc_reserve(struct h264_enc *e, size_t need)
{
	size_t cap = e->cap ? e->cap : 64 * 1024;
	uint8_t *nb;

	if (need <= e->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	nb = realloc(e->buf, cap);
	if (!nb)
		return -ENOMEM;
	e->buf = nb;
	e->cap = cap;
	return 0;
}

static int h264_encode(void *priv, const void *in, int64_t pts, int force_key,
		       struct cb_packet_out *out)
{
	struct h264_enc *e = priv;
	const struct cb_image *img = in;
	SSourcePicture pic;
	SFrameBSInfo info;
	size_t len = 0;
	int rc;

	if (!e || !e->initialized || !img || !out || pts < 0)
		return -EINVAL;
	if (img->width != e->width || img->height != e->height || !img->plane[0] ||
	    !img->plane[1] || !img->plane[2])
		return -EINVAL;

	memset(&pic, 0, sizeof(pic));
	pic.iColorFormat = videoFormatI420;
	pic.iPicWidth = img->width;
	pic.iPicHeight = img->height;
	for (int i = 0; i < 3; i++) {
		pic.pData[i] = img->plane[i];
		pic.iStride[i] = img->stride[i];
	}
	/* openh264 keeps time in milliseconds; rate control uses the
	 * differences, so the RTP clock is converted rather than replaced by a
	 * nominal frame count. */
	pic.uiTimeStamp = pts * 1000 / RTP_CLOCK;

	if (force_key && (*e->enc)->ForceIntraFrame(e->enc, true) != 0)
		return CB_E_CODEC;
	memset(&info, 0, sizeof(info));
	if ((*e->enc)->EncodeFrame(e->enc, &pic, &info) != cmResultSuccess)
		return CB_E_CODEC;

	out->data = NULL;
	out->len = 0;
	out->keyframe = 0;
	/* With frame skipping off this should not happen, but a skipped frame
	 * is what the contract calls a dropped one. */
	if (info.eFrameType == videoFrameTypeSkip || info.eFrameType == videoFrameTypeInvalid)
		return 0;

	/* Each layer (the parameter sets on an IDR form one of their own) is a
	 * run of NAL units, each already behind a start code; their sizes
	 * add up to the bytes in the layer's buffer. */
	for (int i = 0; i < info.iLayerNum && i < MAX_LAYER_NUM_OF_FRAME; i++) {
		const SLayerBSInfo *ly = &info.sLayerInfo[i];
		size_t sz = 0;

		for (int n = 0; n < ly->iNalCount; n++) {
			if (ly->pNalLengthInByte[n] < 0)
				return CB_E_CODEC;
			sz += (size_t)ly->pNalLengthInByte[n];
		}
		if (!sz)
			continue;
		rc = enc_reserve(e, len + sz);
		if (rc < 0)
			return rc;
		memcpy(e->buf + len, ly->pBsBuf, sz);
		len += sz;
	}
	out->data = len ? e->buf : NULL;
	out->len = len;
	out->keyframe = len && info.eFrameType == videoFrameTypeIDR;
	return 0;
}

static void h264_enc_close(void *priv)
{
	struct h264_enc *e = priv;

	if (!e)
		return;
	if (e->initialized)
		(*e->enc)->Uninitialize(e->enc);
	if (e->enc)
		WelsDestroySVCEncoder(e->enc);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

/* The linked library's version, which a shared library can make differ
 * from the headers'; the string is fixed text so that nothing is kept in a
 * mutable buffer. */
static const char *h264_version(void)
{
	OpenH264Version v = WelsGetCodecVersion();

	if (v.uMajor == OPENH264_MAJOR && v.uMinor == OPENH264_MINOR &&
	    v.uRevision == OPENH264_REVISION)
		return g_strCodecVer;
	return "OpenH264 (linked version differs from the headers)";
}

static int h264_dec_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct h264_dec *d = priv;
	SDecodingParam dp;
	int trace = WELS_LOG_QUIET;

	/* The stream carries its own size; the configuration is not needed. */
	if (!d)
		return -EINVAL;
	if (cfg &&
	    (cfg->width < 0 || cfg->height < 0 || cfg->width > MAX_DIM || cfg->height > MAX_DIM))
		return -EINVAL;
	if (WelsCreateDecoder(&d->dec) != 0 || !d->dec)
		return CB_E_CODEC;
	if ((*d->dec)->SetOption(d->dec, DECODER_OPTION_TRACE_LEVEL, &trace) != 0)
		return CB_E_CODEC;
	memset(&dp, 0, sizeof(dp));
	dp.sVideoProperty.size = sizeof(dp.sVideoProperty);
	dp.sVideoProperty.eVideoBsType = VIDEO_BITSTREAM_AVC;
	/* No concealment: a picture built on a missing reference would let
	 * the analyser read something that was not sent, so it must come out
	 * as an error (the VP8 decoder treats a corrupted frame the same way),
	 * and the receiver asks for a key frame. */
	dp.eEcActiveIdc = ERROR_CON_DISABLE;
	if ((*d->dec)->Initialize(d->dec, &dp) != 0)
		return CB_E_CODEC;
	d->initialized = 1;
	return 0;
}

static int h264_decode(void *priv, const uint8_t *data, size_t len, void *out, size_t *nsamples)
{
	struct h264_dec *d = priv;
	struct cb_image *pic = out;
	unsigned char *planes[3] = {NULL, NULL, NULL};
	SBufferInfo bi;
	DECODING_STATE st;

	(void)nsamples;
	if (!d || !d->initialized || !pic || (!data && len) || len > INT_MAX)
		return -EINVAL;
	/* A lost frame gives no picture; the receiver decides what to do. */
	if (!data || !len)
		return 0;
	memset(&bi, 0, sizeof(bi));
	st = (*d->dec)->DecodeFrameNoDelay(d->dec, data, (int)len, planes, &bi);
	if (st != dsErrorFree)
		return CB_E_CODEC;
	/* Each call carries one whole access unit and the stream has no
	 * reordering, so openh264 in no-delay mode puts out its picture at
	 * once.  An access unit that gives none held no slice it could use
	 * (openh264 takes random bytes behind an AUD, SEI or SPS header without
	 * complaint): that is a broken frame, and the receiver must hear so to
	 * ask for a key frame. */
	if (bi.iBufferStatus != 1)
		return CB_E_CODEC;
	if (!bi.pDst[0] || !bi.pDst[1] || !bi.pDst[2] ||
	    bi.UsrData.sSystemBuffer.iFormat != videoFormatI420)
		return CB_E_CODEC;
	/* openh264 gives the planes separately with one stride for luma and
	 * one shared by both chroma planes; the picture stays in the
	 * decoder's buffers until the next call. */
	pic->width = bi.UsrData.sSystemBuffer.iWidth;
	pic->height = bi.UsrData.sSystemBuffer.iHeight;
	for (int i = 0; i < 3; i++)
		pic->plane[i] = bi.pDst[i];
	pic->stride[0] = bi.UsrData.sSystemBuffer.iStride[0];
	pic->stride[1] = pic->stride[2] = bi.UsrData.sSystemBuffer.iStride[1];
	pic->owned = NULL;
	return 1;
}

static void h264_dec_close(void *priv)
{
	struct h264_dec *d = priv;

	if (!d)
		return;
	if (d->initialized)
		(*d->dec)->Uninitialize(d->dec);
	if (d->dec)
		WelsDestroyDecoder(d->dec);
	memset(d, 0, sizeof(*d));
}

const struct cb_codec_ops cb_codec_h264 = {
    .name = "h264",
    .rtp_name = "H264",
    .media = CB_MEDIA_VIDEO,
    .clock_rate = RTP_CLOCK,
    .enc_priv_size = sizeof(struct h264_enc),
    .dec_priv_size = sizeof(struct h264_dec),
    .enc_init = h264_enc_init,
    .encode = h264_encode,
    .enc_close = h264_enc_close,
    .version = h264_version,
    .dec_init = h264_dec_init,
    .decode = h264_decode,
    .dec_close = h264_dec_close,
};
