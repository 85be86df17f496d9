#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/image.h"
#include "base/rng.h"
#include "codec/codec.h"
#include "media/video_source.h"
#include "codec_util.h"
#include "test_util.h"

static void test_registry(void)
{
	const struct cb_codec_ops *ops = cb_codec_find("vp8");
	const struct cb_codec_ops *c;
	size_t it = 0;
	int seen = 0;

	CU_ASSERT_PTR_EQUAL_FATAL(ops, &cb_codec_vp8);
	CU_ASSERT_STRING_EQUAL(ops->rtp_name, "VP8");
	CU_ASSERT_EQUAL(ops->media, CB_MEDIA_VIDEO);
	CU_ASSERT_EQUAL(ops->clock_rate, 90000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ops->version);
	CU_ASSERT(strlen(ops->version()) > 0);
	while ((c = cb_codec_iterate(&it)))
		seen += c == ops;
	CU_ASSERT_EQUAL(seen, 1);
	CU_ASSERT_PTR_NULL(cb_codec_find("vp7"));
}

static void test_round_trip_psnr(void)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(640, 480, 1000, 3000, 1);
	struct cb_codec_trip t;

	cb_codec_test_round_trip(&cb_codec_vp8, &cfg, 60, 5, NULL, &t);
	CU_ASSERT_EQUAL(t.pictures, 60);
	CU_ASSERT_EQUAL(t.keys, 1);
	CU_ASSERT(t.worst_psnr > 30.0);
	CU_ASSERT(t.mean_psnr > 33.0);
	/* CBR lands near its target over two seconds (the key frame is the
	 * largest overshoot); this is a sanity bound, not a rate-control test. */
	CU_ASSERT(t.kbps < 1500);
	CU_ASSERT(t.kbps > 500);
}

static void test_force_key(void)
{
	cb_codec_test_force_key(&cb_codec_vp8, 1);
}

static void test_keyint(void)
{
	cb_codec_test_keyint(&cb_codec_vp8, 1);
}

/*
 * With the default (fixed) speed, the bits depend only on the input: two
 * encoders fed the same frames give the same stream.  A positive cpu-used
 * would let libvpx choose its speed from timing and break this.
 */
static void test_deterministic(void)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(320, 240, 400, 3000, 1);
	struct cb_video_source *src = cb_codec_test_source(320, 240);
	struct cb_codec a, b;
	struct cb_image img;
	int same = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, 320, 240), 0);
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&a, &cb_codec_vp8, &cfg), 0);
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&b, &cb_codec_vp8, &cfg), 0);
	for (int n = 0; n < 30; n++) {
		struct cb_packet_out pa, pb;
		uint8_t *copy;

		cb_video_source_render(src, (uint32_t)n, &img);
		CU_ASSERT_EQUAL_FATAL(a.ops->encode(a.priv, &img, n * FRAME_TICKS, 0, &pa), 0);
		copy = malloc(pa.len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, pa.data, pa.len);
		CU_ASSERT_EQUAL_FATAL(b.ops->encode(b.priv, &img, n * FRAME_TICKS, 0, &pb), 0);
		same &= pa.len == pb.len && memcmp(copy, pb.data, pb.len) == 0;
		free(copy);
	}
	CU_ASSERT(same);
	cb_codec_close(&a);
	cb_codec_close(&b);
	cb_image_free(&img);
	cb_video_source_close(src);
}

static void test_garbage(void)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(160, 120, 300, 3000, 1);
	struct cb_video_source *src = cb_codec_test_source(160, 120);
	struct cb_codec enc, dec;
	struct cb_image img, pic;
	struct cb_packet_out pkt;
	uint8_t buf[4096], key[16384];
	size_t key_len;
	struct cb_rng r;
	int all_rejected = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, 160, 120), 0);
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_vp8, &cfg), 0);
	CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&dec, &cb_codec_vp8, &cfg), 0);
	cb_video_source_render(src, 0, &img);
	CU_ASSERT_EQUAL_FATAL(enc.ops->encode(enc.priv, &img, 0, 0, &pkt), 0);
	CU_ASSERT_FATAL(pkt.keyframe && pkt.len <= sizeof(key));
	memcpy(key, pkt.data, pkt.len);
	key_len = pkt.len;

	/* Random bytes are never a VP8 key frame: a fresh decoder rejects
	 * them all (the key frame start code is 3 fixed bytes). */
	cb_rng_seed(&r, 99);
	for (int i = 0; i < 200; i++) {
		size_t len = 1 + cb_rng_next(&r) % sizeof(buf);

		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)cb_rng_next(&r);
		all_rejected &= dec.ops->decode(dec.priv, buf, len, &pic, NULL) == CB_E_CODEC;
	}
	CU_ASSERT(all_rejected);

	/* Truncated and bit-flipped key frames. */
	cb_codec_test_damaged_keys(&dec, &r, key, key_len, 1);

	/* The decoder recovers on the next good key frame. */
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, key, key_len, &pic, NULL), 1);
	CU_ASSERT(cb_codec_test_psnr_y(&img, &pic) > 25);
	/* No data is a lost frame: no picture, no error. */
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, NULL, 0, &pic, NULL), 0);
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, NULL, 5, &pic, NULL), -EINVAL);
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, key, key_len, NULL, NULL), -EINVAL);
	cb_codec_close(&dec);
	cb_codec_close(&enc);
	cb_image_free(&img);
	cb_video_source_close(src);
}

static void test_bad_args_and_close(void)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(160, 120, 300, 0, 1);
	static const struct cb_codec_test_bad bad[] = {
	    CB_CODEC_BAD(width, 0),    CB_CODEC_BAD(height, 121),     CB_CODEC_BAD(fps_num, 0),
	    CB_CODEC_BAD(fps_den, -1), CB_CODEC_BAD(bitrate_kbps, 0), CB_CODEC_BAD(keyint, -1),
	    CB_CODEC_BAD(speed, 17),   CB_CODEC_BAD(threads, -1),
	};

	cb_codec_test_bad_cfgs(&cb_codec_vp8, &cfg, bad, sizeof(bad) / sizeof(bad[0]));
}

int cb_suite_vp8(void)
{
	static const struct cb_test_case cases[] = {
	    {"registry finds vp8", test_registry},
	    {"640x480 at 1000 kbps: PSNR-Y > 30 dB", test_round_trip_psnr},
	    {"force_key gives key frames", test_force_key},
	    {"keyint is honoured", test_keyint},
	    {"default speed gives identical streams", test_deterministic},
	    {"garbage to the decoder is an error", test_garbage},
	    {"bad config and close after failed init", test_bad_args_and_close},
	    {NULL, NULL},
	};

	return cb_add_suite("vp8", cases);
}
