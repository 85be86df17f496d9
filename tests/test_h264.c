#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/image.h"
#include "base/rng.h"
#include "codec/codec.h"
#include "media/video_source.h"
#include "media/vmark.h"
#include "codec_util.h"
#include "test_util.h"

/* The NAL unit types of an Annex B access unit, in order, into types[];
 * returns how many there were. */
static int nal_types(const uint8_t *b, size_t len, int *types, int max)
{
	int n = 0;

	for (size_t i = 0; i + 3 < len; i++)
		if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
			if (n < max)
				types[n] = b[i + 3] & 0x1f;
			n++;
			i += 2;
		}
	return n;
}

static void test_registry(void)
{
	const struct cb_codec_ops *ops = cb_codec_find("h264");
	const struct cb_codec_ops *c;
	size_t it = 0;
	int seen = 0;

	CU_ASSERT_PTR_EQUAL_FATAL(ops, &cb_codec_h264);
	CU_ASSERT_STRING_EQUAL(ops->rtp_name, "H264");
	CU_ASSERT_EQUAL(ops->media, CB_MEDIA_VIDEO);
	CU_ASSERT_EQUAL(ops->clock_rate, 90000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ops->version);
	CU_ASSERT_PTR_NOT_NULL(strstr(ops->version(), "OpenH264"));
	while ((c = cb_codec_iterate(&it)))
		seen += c == ops;
	CU_ASSERT_EQUAL(seen, 1);
}

/* Annex B with a 4-byte start code first; the first access unit carries
 * SPS, PPS and an IDR slice, the others one non-IDR slice. */
static void check_annex_b(int n, const struct cb_packet_out *pkt)
{
	int types[16], nt;

	CU_ASSERT(pkt->len > 4 && memcmp(pkt->data, "\0\0\0\1", 4) == 0);
	nt = nal_types(pkt->data, pkt->len, types, 16);
	if (n == 0) {
		CU_ASSERT(nt == 3 && types[0] == 7 && types[1] == 8 && types[2] == 5);
	} else {
		CU_ASSERT(nt == 1 && types[0] == 1);
	}
}

static void test_round_trip_psnr(void)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(640, 480, 1000, 0, 0);
	struct cb_codec_trip t;

	cb_codec_test_round_trip(&cb_codec_h264, &cfg, 60, 5, check_annex_b, &t);
	CU_ASSERT_EQUAL(t.pictures, 60);
	CU_ASSERT_EQUAL(t.keys, 1);
	CU_ASSERT(t.worst_psnr > 30.0);
	/* Rate control lands near its target over two seconds; a sanity
	 * bound, not a rate-control test. */
	CU_ASSERT(t.kbps < 1500);
	CU_ASSERT(t.kbps > 400);
}

static void test_force_key_and_keyint(void)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(320, 240, 500, 0, 0);
	struct cb_video_source *src = cb_codec_test_source(320, 240);
	struct cb_codec enc, dec;
	struct cb_image img, pic;
	int key[40];

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&img, 320, 240), 0);
	for (int pass = 0; pass < 2; pass++) {
		/* Pass 0: no periodic IDR, two forced ones.  Pass 1: an IDR
		 * every 10 frames and nothing forced. */
		cfg.keyint = pass ? 10 : 0;
		CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_h264, &cfg), 0);
		CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&dec, &cb_codec_h264, &cfg), 0);
		for (int n = 0; n < 40; n++) {
			struct cb_packet_out pkt = {0};
			int force = !pass && (n == 13 || n == 27);

			cb_video_source_render(src, (uint32_t)n, &img);
			CU_ASSERT_EQUAL(
			    enc.ops->encode(enc.priv, &img, (int64_t)n * FRAME_TICKS, force, &pkt),
			    0);
			CU_ASSERT(pkt.len > 0);
			key[n] = pkt.keyframe;
			/* A forced IDR decodes on a fresh decoder: it depends
			 * on nothing before it. */
			if (force) {
				struct cb_codec fresh;

				CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&fresh, &cb_codec_h264, NULL),
						      0);
				CU_ASSERT_EQUAL(
				    fresh.ops->decode(fresh.priv, pkt.data, pkt.len, &pic, NULL),
				    1);
				cb_codec_close(&fresh);
			}
			CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, pkt.data, pkt.len, &pic, NULL),
					1);
		}
		for (int n = 0; n < 40; n++) {
			int want = pass ? n % 10 == 0 : (n == 0 || n == 13 || n == 27);

			CU_ASSERT_EQUAL(key[n], want);
		}
		cb_codec_close(&dec);
		cb_codec_close(&enc);
	}
	cb_image_free(&img);
	cb_video_source_close(src);
}

/* The frame-number mark must survive a low rate: the receiver identifies
 * every frame by it. */
static void test_mark_at_300k(void)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(640, 480, 300, 0, 0);
	struct cb_codec_trip t;

	cb_codec_test_round_trip(&cb_codec_h264, &cfg, 100, 0, NULL, &t);
	CU_ASSERT_EQUAL(t.marks_ok, 100);
}

static void test_garbage(void)
{
	struct cb_codec_cfg cfg = cb_codec_test_cfg(160, 120, 300, 0, 0);
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
	CU_ASSERT_EQUAL_FATAL(cb_encoder_open(&enc, &cb_codec_h264, &cfg), 0);
	CU_ASSERT_EQUAL_FATAL(cb_decoder_open(&dec, &cb_codec_h264, &cfg), 0);
	cb_video_source_render(src, 0, &img);
	CU_ASSERT_EQUAL_FATAL(enc.ops->encode(enc.priv, &img, 0, 0, &pkt), 0);
	CU_ASSERT_FATAL(pkt.keyframe && pkt.len <= sizeof(key));
	memcpy(key, pkt.data, pkt.len);
	key_len = pkt.len;

	/* Random bytes behind a start code, to a fresh decoder: never a
	 * picture, always an error. */
	cb_rng_seed(&r, 99);
	for (int i = 0; i < 200; i++) {
		size_t len = 5 + cb_rng_next(&r) % (sizeof(buf) - 5);

		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)cb_rng_next(&r);
		memcpy(buf, "\0\0\0\1", 4);
		all_rejected &= dec.ops->decode(dec.priv, buf, len, &pic, NULL) == CB_E_CODEC;
	}
	CU_ASSERT(all_rejected);

	/* Truncated and bit-flipped key frames. */
	cb_codec_test_damaged_keys(&dec, &r, key, key_len, 1);

	/* The decoder recovers on the next good key frame. */
	CU_ASSERT_EQUAL(dec.ops->decode(dec.priv, key, key_len, &pic, NULL), 1);
	CU_ASSERT(cb_codec_test_psnr_y(&img, &pic) > 25);
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
	struct cb_codec_cfg cfg = cb_codec_test_cfg(160, 120, 300, 0, 0);
	static const struct cb_codec_test_bad bad[] = {
	    CB_CODEC_BAD(width, 161),
	    CB_CODEC_BAD(bitrate_kbps, 0),
	    CB_CODEC_BAD(fps_den, 0),
	};

	cb_codec_test_bad_cfgs(&cb_codec_h264, &cfg, bad, sizeof(bad) / sizeof(bad[0]));
}

int cb_suite_h264(void)
{
	static const struct cb_test_case cases[] = {
	    {"registry finds h264", test_registry},
	    {"640x480 at 1000 kbps: PSNR-Y > 30 dB, Annex B", test_round_trip_psnr},
	    {"forced IDR and keyint", test_force_key_and_keyint},
	    {"frame mark reads back at 300 kbps", test_mark_at_300k},
	    {"garbage to the decoder is an error", test_garbage},
	    {"bad config and close after failed init", test_bad_args_and_close},
	    {NULL, NULL}};

	return cb_add_suite("h264", cases);
}
