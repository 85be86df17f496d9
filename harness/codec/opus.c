#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <opus.h>

#include "base/error.h"
#include "codec/codec.h"
#include "codec/opus_util.h"

/* RFC 6716 caps one frame at 1275 bytes and a packet at 120 ms, so three
 * maximal frames bound anything a 60 ms packet can need. */
#define MAX_PACKET (1275 * 3 + 7)
/* The longest packet Opus can carry is 120 ms. */
#define MAX_PACKET_MS 120

struct opus_enc_priv {
	OpusEncoder *enc;
	int frame_samples;
	int dtx;
	uint8_t pkt[MAX_PACKET];
};

struct opus_dec_priv {
	OpusDecoder *dec;
	int frame_samples;
	int max_samples;
};

static int check_cfg(const struct cb_codec_cfg *cfg)
{
	if (!cfg)
		return -EINVAL;
	switch (cfg->sample_rate) {
	case 8000:
	case 12000:
	case 16000:
	case 24000:
	case 48000:
		break;
	default:
		return -EINVAL;
	}
	if (cfg->channels < 1 || cfg->channels > 2)
		return -EINVAL;
	if (cfg->frame_ms != 10 && cfg->frame_ms != 20 && cfg->frame_ms != 40 &&
	    cfg->frame_ms != 60)
		return -EINVAL;
	return 0;
}

static int map_opus_err(int err)
{
	return err == OPUS_ALLOC_FAIL ? -ENOMEM : CB_E_CODEC;
}

static void opus_enc_close(void *priv)
{
	struct opus_enc_priv *p = priv;

	if (p->enc)
		opus_encoder_destroy(p->enc);
	p->enc = NULL;
}

static int opus_enc_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct opus_enc_priv *p = priv;
	int err, rc;

	rc = check_cfg(cfg);
	if (rc)
		return rc;
	if (cfg->bitrate_kbps < 6 || cfg->bitrate_kbps > 510 || cfg->complexity < 0 ||
	    cfg->complexity > 10 || cfg->expected_loss_pct < 0 || cfg->expected_loss_pct > 100)
		return -EINVAL;
	p->enc = opus_encoder_create(cfg->sample_rate, cfg->channels, OPUS_APPLICATION_VOIP, &err);
	if (!p->enc || err != OPUS_OK)
		return map_opus_err(err);
	p->frame_samples = cfg->sample_rate / 1000 * cfg->frame_ms;
	p->dtx = !!cfg->dtx;
	if (opus_encoder_ctl(p->enc, OPUS_SET_BITRATE(cfg->bitrate_kbps * 1000)) != OPUS_OK ||
	    opus_encoder_ctl(p->enc, OPUS_SET_COMPLEXITY(cfg->complexity)) != OPUS_OK ||
	    opus_encoder_ctl(p->enc, OPUS_SET_INBAND_FEC(!!cfg->fec)) != OPUS_OK ||
	    opus_encoder_ctl(p->enc, OPUS_SET_DTX(p->dtx)) != OPUS_OK ||
	    opus_encoder_ctl(p->enc, OPUS_SET_PACKET_LOSS_PERC(cfg->expected_loss_pct)) !=
		OPUS_OK) {
		rc = CB_E_CODEC;
		goto out_destroy;
	}
	return 0;

out_destroy:
	opus_enc_close(p);
	return rc;
}

static int opus_encode_frame(void *priv, const void *in, int64_t pts, int force_key,
			     struct cb_packet_out *out)
{
	struct opus_enc_priv *p = priv;
	opus_int32 n;

	(void)pts;
	(void)force_key;
	if (!p->enc || !in || !out)
		return -EINVAL;
	n = opus_encode(p->enc, in, p->frame_samples, p->pkt, (opus_int32)sizeof(p->pkt));
	if (n < 0)
		return CB_E_CODEC;
	out->data = p->pkt;
	out->keyframe = 0;
	/* With DTX on, a packet of two bytes or less carries nothing that
	 * needs sending: the receiver conceals or plays comfort noise. */
	out->len = p->dtx && n <= 2 ? 0 : (size_t)n;
	return 0;
}

static const char *opus_version(void)
{
	return opus_get_version_string();
}

static void opus_dec_close(void *priv)
{
	struct opus_dec_priv *p = priv;

	if (p->dec)
		opus_decoder_destroy(p->dec);
	p->dec = NULL;
}

static int opus_dec_init(void *priv, const struct cb_codec_cfg *cfg)
{
	struct opus_dec_priv *p = priv;
	int err, rc;

	rc = check_cfg(cfg);
	if (rc)
		return rc;
	p->dec = opus_decoder_create(cfg->sample_rate, cfg->channels, &err);
	if (!p->dec || err != OPUS_OK)
		return map_opus_err(err);
	p->frame_samples = cfg->sample_rate / 1000 * cfg->frame_ms;
	p->max_samples = cfg->sample_rate / 1000 * MAX_PACKET_MS;
	return 0;
}

/* The previous frame, rebuilt from the in-band FEC (LBRR) data of this
 * packet.  Asking for exactly one frame's worth of samples is what makes
 * libopus decode the redundancy rather than the packet itself. */
static int opus_decode_fec(void *priv, const uint8_t *data, size_t len, void *out, size_t *nsamples)
{
	struct opus_dec_priv *p = priv;
	int n;

	if (!p->dec || !out || !nsamples || !data || !len || len > INT32_MAX)
		return -EINVAL;
	if (*nsamples < (size_t)p->frame_samples)
		return CB_E_NOSPACE;
	n = opus_decode(p->dec, data, (opus_int32)len, out, p->frame_samples, 1);
	if (n < 0)
		return CB_E_CODEC;
	*nsamples = (size_t)n;
	return 0;
}

static int opus_decode_frame(void *priv, const uint8_t *data, size_t len, void *out,
			     size_t *nsamples)
{
	struct opus_dec_priv *p = priv;
	int n, room;

	if (!p->dec || !out || !nsamples)
		return -EINVAL;
	room = *nsamples > (size_t)p->max_samples ? p->max_samples : (int)*nsamples;
	if (!data || len == 0) {
		/* A lost frame (or a DTX gap): conceal one frame's worth. */
		if (room < p->frame_samples)
			return CB_E_NOSPACE;
		n = opus_decode(p->dec, NULL, 0, out, p->frame_samples, 0);
	} else {
		if (len > INT32_MAX)
			return CB_E_CODEC;
		n = opus_decoder_get_nb_samples(p->dec, data, (opus_int32)len);
		if (n < 0)
			return CB_E_CODEC;
		if (n > room)
			return CB_E_NOSPACE;
		n = opus_decode(p->dec, data, (opus_int32)len, out, room, 0);
	}
	if (n < 0)
		return n == OPUS_BUFFER_TOO_SMALL ? CB_E_NOSPACE : CB_E_CODEC;
	*nsamples = (size_t)n;
	return 0;
}

const struct cb_codec_ops cb_codec_opus = {
    .name = "opus",
    .rtp_name = "opus",
    .media = CB_MEDIA_AUDIO,
    .clock_rate = 48000,
    .enc_priv_size = sizeof(struct opus_enc_priv),
    .dec_priv_size = sizeof(struct opus_dec_priv),
    .enc_init = opus_enc_init,
    .encode = opus_encode_frame,
    .enc_close = opus_enc_close,
    .version = opus_version,
    .dec_init = opus_dec_init,
    .decode = opus_decode_frame,
    .decode_fec = opus_decode_fec,
    .dec_close = opus_dec_close,
};

int cb_opus_lookahead(const struct cb_codec *enc)
{
	const struct opus_enc_priv *p;
	opus_int32 v;

	if (!enc || enc->ops != &cb_codec_opus || !enc->is_encoder || !enc->priv)
		return -EINVAL;
	p = enc->priv;
	if (!p->enc)
		return -EINVAL;
	if (opus_encoder_ctl(p->enc, OPUS_GET_LOOKAHEAD(&v)) != OPUS_OK)
		return CB_E_CODEC;
	return (int)v;
}
