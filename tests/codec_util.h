/* Helpers shared by the video codec suites (test_vp8.c, test_vp9.c, test_h264.c). */
#ifndef CB_TEST_CODEC_UTIL_H
#define CB_TEST_CODEC_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/image.h"
#include "base/rng.h"
#include "codec/codec.h"
#include "media/video_source.h"

#define FRAME_TICKS 3000 /* one frame at 30 fps on the 90 kHz RTP clock */

/* A 30 fps, one-thread configuration; the test says whether it wants
 * error resilience (the VPx suites do, as the call sets it up). */
struct cb_codec_cfg cb_codec_test_cfg(int w, int h, int kbps, int keyint, int error_resilient);

/* The seeded test pattern, w x h at 30 fps; a failure to open fails the test. */
struct cb_video_source *cb_codec_test_source(int w, int h);

/* PSNR of the luma planes of two pictures of the same size; 99 when equal. */
double cb_codec_test_psnr_y(const struct cb_image *a, const struct cb_image *b);

/* Encode `frames` source frames with `ops`, forcing a key frame where
 * force[n] (NULL: never), recording which came out as key frames. */
void cb_codec_test_encode_keys(const struct cb_codec_ops *ops, const struct cb_codec_cfg *cfg,
			       int frames, const int *force, int *key);

/*
 * Feed `dec` 100 truncated and 100 bit-flipped copies of the key frame
 * `key` (160x120) drawn from `r`: any outcome but a crash, and an error or
 * a picture (of exactly 160x120 when `exact_size`, since for some codecs a
 * flipped header bit may change the size).
 */
void cb_codec_test_damaged_keys(struct cb_codec *dec, struct cb_rng *r, const uint8_t *key,
				size_t key_len, int exact_size);

/* An encoder opened with `cfg` refuses an image of another size and no
 * image; closing it twice is harmless. */
void cb_codec_test_wrong_size(const struct cb_codec_ops *ops, const struct cb_codec_cfg *cfg);

/* What one encode-decode run of source frames gave. */
struct cb_codec_trip {
	double mean_psnr, worst_psnr; /* luma, over decoded frames from `skip` on */
	double kbps;		      /* encoded bits over the run's media time */
	int pictures, keys, marks_ok; /* decoded, key frames out, frame numbers read back */
	double min_mark_conf;	      /* smallest confidence of a mark read back right */
};

/*
 * Encode `frames` frames of the test pattern with `cfg` and decode each:
 * asserts that every input gives a frame (no frame dropping is configured),
 * that only the first is a key frame and that pictures come back borrowed at
 * the configured size; measures PSNR, rate and the frame-number marks.
 * `check` (may be NULL) sees every encoded frame, for format-specific checks.
 */
void cb_codec_test_round_trip(const struct cb_codec_ops *ops, const struct cb_codec_cfg *cfg,
			      int frames, int skip,
			      void (*check)(int n, const struct cb_packet_out *pkt),
			      struct cb_codec_trip *t);

/* Key frames come exactly where forced (and first), and with keyint 10 at
 * most every 10 frames without forcing. */
void cb_codec_test_force_key(const struct cb_codec_ops *ops, int error_resilient);
void cb_codec_test_keyint(const struct cb_codec_ops *ops, int error_resilient);

/** One bad setting: an int member of struct cb_codec_cfg and a value it must refuse. */
struct cb_codec_test_bad {
	size_t offset;
	int value;
};
#define CB_CODEC_BAD(field, v)                                                                     \
	{                                                                                          \
		offsetof(struct cb_codec_cfg, field), (v)                                          \
	}

/*
 * Each bad setting on its own makes encoder init fail with -EINVAL and leave
 * nothing open (a close after it, and a second one, are harmless); a NULL
 * config fails too; both close functions are safe on zeroed private state,
 * as after an init that failed first thing; and a picture of another size
 * than configured is refused.
 */
void cb_codec_test_bad_cfgs(const struct cb_codec_ops *ops, const struct cb_codec_cfg *cfg,
			    const struct cb_codec_test_bad *bad, size_t n);

#endif
