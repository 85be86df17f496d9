#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "codec/codec.h"
#include "codec/opus_util.h"
#include "test_util.h"

#define RATE  48000
#define FRAME 960

static const struct cb_codec_cfg cfg0 = {
    .bitrate_kbps = 32,
    .sample_rate = RATE,
    .channels = 1,
    .frame_ms = 20,
    .complexity = 9,
};

/* A 440 Hz tone with a little seeded noise: something to code that is easy
 * to compare. */
static int16_t *make_signal(size_t n)
{
	int16_t *pcm = malloc(n * sizeof(int16_t));
	struct cb_rng rng;

	if (!pcm)
		return NULL;
	cb_rng_seed(&rng, 5);
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)lrint(6000.0 * sin(2 * M_PI * 440.0 * i / RATE) +
					300.0 * cb_rng_normal(&rng));
	return pcm;
}

static void test_registry(void)
{
	const struct cb_codec_ops *ops = cb_codec_find("opus"), *it;
	size_t i = 0;
	int seen = 0;

	CU_ASSERT_PTR_EQUAL_FATAL(ops, &cb_codec_opus);
	CU_ASSERT_STRING_EQUAL(ops->rtp_name, "opus");
	CU_ASSERT_EQUAL(ops->media, CB_MEDIA_AUDIO);
	CU_ASSERT_EQUAL(ops->clock_rate, 48000);
	CU_ASSERT_PTR_NOT_NULL(strstr(ops->version(), "libopus"));
	while ((it = cb_codec_iterate(&i)))
		seen += it == ops;
	CU_ASSERT_EQUAL(seen, 1);
	CU_ASSERT_PTR_NULL(cb_codec_find("opus2"));
}

static void test_bad_config(void)
{
	struct cb_codec c;
	struct cb_codec_cfg bad;

	bad = cfg0;
	bad.frame_ms = 15;
	CU_ASSERT_EQUAL(cb_encoder_open(&c, &cb_codec_opus, &bad), -EINVAL);
	CU_ASSERT_EQUAL(cb_decoder_open(&c, &cb_codec_opus, &bad), -EINVAL);
	bad = cfg0;
	bad.channels = 3;
	CU_ASSERT_EQUAL(cb_encoder_open(&c, &cb_codec_opus, &bad), -EINVAL);
	bad = cfg0;
	bad.sample_rate = 44100;
	CU_ASSERT_EQUAL(cb_decoder_open(&c, &cb_codec_opus, &bad), -EINVAL);
	bad = cfg0;
	bad.bitrate_kbps = 0;
	CU_ASSERT_EQUAL(cb_encoder_open(&c, &cb_codec_opus, &bad), -EINVAL);
	bad = cfg0;
	bad.complexity = 11;
	CU_ASSERT_EQUAL(cb_encoder_open(&c, &cb_codec_opus, &bad), -EINVAL);
	CU_ASSERT_EQUAL(cb_encoder_open(&c, &cb_codec_opus, NULL), -EINVAL);
	/* A failed open leaves nothing behind, and closing again is harmless. */
	CU_ASSERT_PTR_NULL(c.priv);
	cb_codec_close(&c);
	cb_codec_close(NULL);
}

/* Encode 2 s and decode it: the tone comes back, late by the look-ahead,
 * and the packets add up to about the configured bitrate. */
static void test_round_trip(void)
{
	size_t nframes = 100, n = nframes * FRAME, bytes = 0;
	int16_t *in = make_signal(n), *out = calloc(n, sizeof(int16_t));
	struct cb_codec enc, dec;
	double xy = 0, xx = 0, yy = 0, kbps;
	int la;

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_opus, &cfg0), 0);
	CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&dec, &cb_codec_opus, &cfg0), 0);
	la = cb_opus_lookahead(&enc);
	CU_ASSERT_EQUAL(la, 312);
	for (size_t f = 0; f < nframes; f++) {
		struct cb_packet_out pkt = {0};
		size_t ns = FRAME;

		CU_ASSERT_EQUAL(
		    enc.ops->encode(enc.priv, in + f * FRAME, (int64_t)(f * FRAME), 0, &pkt), 0);
		CU_ASSERT(pkt.len > 0 && pkt.len <= 1275);
		CU_ASSERT_EQUAL(pkt.keyframe, 0);
		bytes += pkt.len;
		CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, pkt.data, pkt.len, out + f * FRAME, &ns),
				0);
		CU_ASSERT_EQUAL(ns, FRAME);
	}
	kbps = bytes * 8.0 / (n / (double)RATE) / 1000.0;
	CU_ASSERT(kbps > 32 * 0.6 && kbps < 32 * 1.3);
	/* Skip the first 100 ms while the codec settles. */
	for (size_t i = RATE / 10; i + (size_t)la < n; i++) {
		double x = in[i], y = out[i + la];

		xy += x * y;
		xx += x * x;
		yy += y * y;
	}
	CU_ASSERT(xy / sqrt(xx * yy) > 0.85); /* measured 0.91 */
	cb_codec_close(&enc);
	cb_codec_close(&dec);
	free(in);
	free(out);
}

/* Lost frames are concealed with one frame of audio each. */
static void test_plc(void)
{
	int16_t *in = make_signal(10 * FRAME), out[FRAME];
	struct cb_codec enc, dec;
	size_t ns;
	long energy = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_opus, &cfg0), 0);
	CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&dec, &cb_codec_opus, &cfg0), 0);
	for (size_t f = 0; f < 10; f++) {
		struct cb_packet_out pkt;

		ns = FRAME;
		CU_ASSERT_EQUAL(enc.ops->encode(enc.priv, in + f * FRAME, 0, 0, &pkt), 0);
		CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, pkt.data, pkt.len, out, &ns), 0);
	}
	ns = FRAME;
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, NULL, 0, out, &ns), 0);
	CU_ASSERT_EQUAL(ns, FRAME);
	for (size_t i = 0; i < FRAME; i++)
		energy += labs((long)out[i]);
	CU_ASSERT(energy > 0); /* concealment continues the tone */
	ns = FRAME / 2;
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, NULL, 0, out, &ns), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, NULL, 0, NULL, &ns), -EINVAL);
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, NULL, 0, out, NULL), -EINVAL);
	cb_codec_close(&enc);
	cb_codec_close(&dec);
	free(in);
}

/* Malformed packets give CB_E_CODEC; random bytes never crash and never
 * write more than the room given. */
static void test_garbage(void)
{
	static const uint8_t zero_frames[] = {0x03, 0x00};    /* code 3, count 0 */
	static const uint8_t odd_pair[] = {0x01, 0x00};	      /* code 1, odd payload */
	static const uint8_t too_long[] = {0x03, 0x3f, 0x00}; /* 63 frames of 20 ms */
	struct cb_codec dec;
	int16_t out[5760 + 16];
	struct cb_rng rng;
	size_t ns;
	int errors = 0;

	CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&dec, &cb_codec_opus, &cfg0), 0);
	ns = 5760;
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, zero_frames, sizeof(zero_frames), out, &ns),
			CB_E_CODEC);
	ns = 5760;
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, odd_pair, sizeof(odd_pair), out, &ns),
			CB_E_CODEC);
	ns = 5760;
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, too_long, sizeof(too_long), out, &ns),
			CB_E_CODEC);
	cb_rng_seed(&rng, 1);
	for (int i = 0; i < 2000; i++) {
		uint8_t pkt[64];
		size_t len = 1 + cb_rng_next(&rng) % sizeof(pkt);
		int rc;

		for (size_t j = 0; j < len; j++)
			pkt[j] = (uint8_t)cb_rng_next(&rng);
		out[5760] = 0x5a5a;
		ns = 5760;
		rc = dec.ops->decode(dec.priv, pkt, len, out, &ns);
		CU_ASSERT(rc == 0 || rc == CB_E_CODEC);
		if (rc == 0)
			CU_ASSERT(ns <= 5760 && ns % 120 == 0);
		CU_ASSERT_EQUAL(out[5760], 0x5a5a);
		errors += rc != 0;
	}
	CU_ASSERT(errors > 0);
	/* A 20 ms packet does not fit in 10 ms of room. */
	{
		struct cb_codec enc;
		struct cb_packet_out pkt;
		int16_t silence[FRAME] = {0};

		CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_opus, &cfg0), 0);
		CU_ASSERT_EQUAL(enc.ops->encode(enc.priv, silence, 0, 0, &pkt), 0);
		CU_ASSERT_EQUAL(enc.ops->encode(enc.priv, NULL, 0, 0, &pkt), -EINVAL);
		ns = FRAME / 2;
		CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, pkt.data, pkt.len, out, &ns),
				CB_E_NOSPACE);
		cb_codec_close(&enc);
	}
	cb_codec_close(&dec);
}

/* With DTX, silence stops producing packets after a few frames. */
static void test_dtx(void)
{
	struct cb_codec_cfg c = cfg0;
	struct cb_codec enc;
	int16_t silence[FRAME] = {0};
	int empty = 0;

	c.dtx = 1;
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_opus, &c), 0);
	for (int f = 0; f < 50; f++) {
		struct cb_packet_out pkt;

		CU_ASSERT_EQUAL(enc.ops->encode(enc.priv, silence, 0, 0, &pkt), 0);
		empty += pkt.len == 0;
	}
	CU_ASSERT(empty > 25);
	cb_codec_close(&enc);
}

static void test_lookahead(void)
{
	struct cb_codec enc, dec;
	struct cb_codec_cfg c = cfg0;

	CU_ASSERT_EQUAL(cb_opus_lookahead(NULL), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_opus, &cfg0), 0);
	CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&dec, &cb_codec_opus, &cfg0), 0);
	/* 2.5 ms of CELT look-ahead plus 4 ms of delay compensation. */
	CU_ASSERT_EQUAL(cb_opus_lookahead(&enc), 312);
	CU_ASSERT_EQUAL(cb_opus_lookahead(&dec), -EINVAL);
	cb_codec_close(&enc);
	cb_codec_close(&dec);
	c.sample_rate = 16000;
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_opus, &c), 0);
	CU_ASSERT_EQUAL(cb_opus_lookahead(&enc), 104);
	cb_codec_close(&enc);
}

int cb_suite_opus(void)
{
	static const struct cb_test_case cases[] = {
	    {"registry finds opus", test_registry},
	    {"bad configurations refused", test_bad_config},
	    {"round trip: tone back, bitrate near target", test_round_trip},
	    {"loss concealment gives one frame", test_plc},
	    {"garbage gives errors, never a crash", test_garbage},
	    {"DTX suppresses silent packets", test_dtx},
	    {"look-ahead reported", test_lookahead},
	    {NULL, NULL},
	};

	return cb_add_suite("opus", cases);
}
