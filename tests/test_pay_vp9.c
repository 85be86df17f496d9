#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "rtp/payload.h"
#include "test_util.h"

#define DESC	 3 /* I=1, M=1: the descriptor on every packet */
#define SS	 8 /* N_S|Y|G, WIDTH, HEIGHT, N_G, one PG entry, its P_DIFF */
#define KEY_DESC (DESC + SS)
/* A typical budget: 1200-byte packets less the RTP header and SRTP tag. */
#define BIG_BUDGET  (1200 - 12 - 10)
#define TINY_BUDGET (KEY_DESC + 3)
#define HDR_LEN	    9 /* the key frame header fill() writes */

/* First-byte bits. */
#define B_I 0x80
#define B_P 0x40
#define B_L 0x20
#define B_F 0x10
#define B_B 0x08
#define B_E 0x04
#define B_V 0x02
#define B_Z 0x01

struct pay_state {
	const struct cb_pay_ops *ops;
	void *priv;
};

static void open_pay(struct pay_state *s)
{
	s->ops = cb_pay_find("vp9");
	CU_ASSERT_PTR_EQUAL_FATAL(s->ops, &cb_pay_vp9);
	s->priv = calloc(1, s->ops->priv_size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->priv);
	CU_ASSERT_EQUAL_FATAL(s->ops->init(s->priv), 0);
}

/*
 * Random bytes; for a key frame, the start of a real VP9 profile-0 key
 * frame header for a 640x480 picture (frame marker 2, profile 0,
 * show_existing 0, key, shown, error resilient, sync code 0x498342, colour
 * space 0, studio range, width-1 639, height-1 479), which the packetizer
 * reads for the SS.
 */
static void fill(uint8_t *buf, size_t len, uint64_t seed, int key)
{
	static const uint8_t hdr[HDR_LEN] = {0x83, 0x49, 0x83, 0x42, 0x00, 0x27, 0xf0, 0x1d, 0xf0};
	struct cb_rng r;

	cb_rng_seed(&r, seed);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)cb_rng_next(&r);
	if (key)
		memcpy(buf, hdr, len < sizeof(hdr) ? len : sizeof(hdr));
}

/* A key frame shorter than that header has no readable size, and its SS
 * goes without WIDTH and HEIGHT (Y=0). */
static size_t ss_len(size_t len, int key)
{
	return key ? (len >= HDR_LEN ? SS : SS - 4) : 0;
}

/* The number of packets the packetizer should make: the fewest that hold
 * the frame plus the key frame's SS. */
static size_t packets_for(size_t len, size_t budget, int key)
{
	size_t cap = budget - DESC, all = len + ss_len(len, key);

	return (all + cap - 1) / cap;
}

/*
 * Packetize one frame of `len` bytes with `budget`, parse every payload
 * back, and check the bits, the split and the reassembled bytes.  Returns
 * the packet count.
 */
static size_t round_trip(struct pay_state *s, size_t len, size_t budget, int key, int32_t want_pid)
{
	uint8_t *frame = malloc(len), *back = malloc(len);
	size_t want_n = packets_for(len, budget, key), got = 0, n = 0;
	size_t min_sz = (size_t)-1, max_sz = 0;
	uint8_t out[2048];
	int last = 0, rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(frame);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	fill(frame, len, len * 31 + budget, key);
	CU_ASSERT_EQUAL_FATAL(s->ops->begin(s->priv, frame, len, key), 0);
	for (;;) {
		size_t olen = sizeof(out), desc;
		struct cb_pay_info info;

		rc = s->ops->next(s->priv, budget, out, &olen, &last);
		if (rc == 0)
			break;
		CU_ASSERT_EQUAL_FATAL(rc, 1);
		CU_ASSERT(olen <= budget);
		CU_ASSERT_EQUAL_FATAL(s->ops->parse(out, olen, &info), 0);
		desc = info.hdr_len;
		CU_ASSERT_FATAL(olen > desc);
		/* I and M always; L, F, Z never; P on delta frames. */
		CU_ASSERT_EQUAL(out[0] & (B_I | B_L | B_F | B_Z), B_I);
		CU_ASSERT_EQUAL(!!(out[0] & B_P), !key);
		CU_ASSERT(out[1] & 0x80);
		CU_ASSERT_EQUAL(info.picture_id, want_pid);
		/* B only on the first packet, E only on the last. */
		CU_ASSERT_EQUAL(!!(out[0] & B_B), n == 0);
		CU_ASSERT_EQUAL(!!(out[0] & B_E), n + 1 == want_n);
		CU_ASSERT_EQUAL(info.frame_start, n == 0);
		CU_ASSERT_EQUAL(info.keyframe, key && n == 0);
		CU_ASSERT_EQUAL(last, n + 1 == want_n);
		/* The SS, with the size, on the first packet of key frames only. */
		if (key && n == 0) {
			static const uint8_t ss[SS] = {0x18, 0x02, 0x80, 0x01,
						       0xe0, 0x01, 0x04, 0x01};
			static const uint8_t ss_noy[SS - 4] = {0x08, 0x01, 0x04, 0x01};

			CU_ASSERT(out[0] & B_V);
			CU_ASSERT_EQUAL(desc, DESC + ss_len(len, key));
			if (len >= HDR_LEN)
				CU_ASSERT_EQUAL(memcmp(out + DESC, ss, SS), 0);
			if (len < HDR_LEN)
				CU_ASSERT_EQUAL(memcmp(out + DESC, ss_noy, SS - 4), 0);
		} else {
			CU_ASSERT_FALSE(out[0] & B_V);
			CU_ASSERT_EQUAL(desc, DESC);
		}
		CU_ASSERT_FATAL(got + olen - desc <= len);
		memcpy(back + got, out + desc, olen - desc);
		got += olen - desc;
		/* Whole packets, descriptors included, split evenly. */
		if (olen < min_sz)
			min_sz = olen;
		if (olen > max_sz)
			max_sz = olen;
		n++;
		CU_ASSERT_FATAL(n <= want_n);
	}
	CU_ASSERT_TRUE(last);
	CU_ASSERT_EQUAL(n, want_n);
	CU_ASSERT_EQUAL(got, len);
	CU_ASSERT_EQUAL(memcmp(frame, back, len), 0);
	if (budget >= 2 * KEY_DESC)
		CU_ASSERT(max_sz - min_sz <= 1);
	{
		size_t olen = sizeof(out);
		CU_ASSERT_EQUAL(s->ops->next(s->priv, budget, out, &olen, &last), 0);
	}
	free(frame);
	free(back);
	return n;
}

static void test_boundaries(void)
{
	static const size_t budgets[] = {BIG_BUDGET, TINY_BUDGET, KEY_DESC + 1};
	struct pay_state s;
	int32_t pid = 0;

	open_pay(&s);
	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		size_t B = budgets[b], cap = B - DESC;

		for (int key = 0; key <= 1; key++) {
			/* One packet holds cap bytes of a delta frame, less the
			 * SS of a key frame. */
			size_t one = cap - ss_len(cap - SS, key);
			size_t sizes[] = {1,	       one,	    one + 1,	2 * cap,
					  2 * cap + 1, 5 * cap - 1, 7 * cap + 3};

			for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
				size_t n = round_trip(&s, sizes[i], B, key, pid++);

				if (sizes[i] <= one)
					CU_ASSERT_EQUAL(n, 1);
				if (sizes[i] == one + 1)
					CU_ASSERT_EQUAL(n, 2);
			}
		}
	}
	/* A large key frame, as at a high bitrate. */
	round_trip(&s, 100000, BIG_BUDGET, 1, pid++);
	free(s.priv);
}

static void test_picture_id_wraps(void)
{
	struct pay_state s;
	uint8_t frame[1] = {0}, out[16];
	struct cb_pay_info info;
	size_t olen;
	int last;

	open_pay(&s);
	for (int32_t i = 0; i < 0x8000 + 2; i++) {
		CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, 1, 0), 0);
		olen = sizeof(out);
		CU_ASSERT_EQUAL_FATAL(s.ops->next(s.priv, 100, out, &olen, &last), 1);
		CU_ASSERT_EQUAL_FATAL(s.ops->parse(out, olen, &info), 0);
		if (info.picture_id != (i & 0x7fff) || info.keyframe || !last) {
			CU_FAIL("picture id does not follow the frame count");
			break;
		}
	}
	free(s.priv);
}

/* A key frame whose header the packetizer cannot read still gets an SS,
 * without the resolution (Y=0). */
static void test_key_without_size(void)
{
	struct pay_state s;
	uint8_t frame[20] = {0}, out[64];
	struct cb_pay_info info;
	size_t olen = sizeof(out);
	int last;

	open_pay(&s);
	CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, sizeof(frame), 1), 0);
	CU_ASSERT_EQUAL_FATAL(s.ops->next(s.priv, 100, out, &olen, &last), 1);
	CU_ASSERT_EQUAL(out[0], B_I | B_B | B_E | B_V);
	CU_ASSERT_EQUAL(out[DESC], 0x08); /* N_S 0, Y 0, G 1 */
	CU_ASSERT_EQUAL_FATAL(s.ops->parse(out, olen, &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, DESC + 4);
	CU_ASSERT_EQUAL(olen, DESC + 4 + sizeof(frame));
	CU_ASSERT_TRUE(info.keyframe);
	free(s.priv);
}

static void test_no_space(void)
{
	struct pay_state s;
	uint8_t frame[20] = {0}, out[64];
	size_t olen;
	int last = 7;

	open_pay(&s);
	CU_ASSERT_EQUAL(s.ops->begin(s.priv, frame, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(s.ops->begin(s.priv, NULL, 10, 0), -EINVAL);
	CU_ASSERT_EQUAL(s.ops->init(NULL), -EINVAL);
	/* A delta frame needs room for 3 + 1 bytes. */
	CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, sizeof(frame), 0), 0);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(s.ops->next(s.priv, DESC, out, &olen, &last), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(olen, sizeof(out));
	CU_ASSERT_EQUAL(last, 7);
	olen = DESC;
	CU_ASSERT_EQUAL(s.ops->next(s.priv, 1000, out, &olen, &last), CB_E_NOSPACE);
	/* After a refusal the frame still goes out whole, from the start. */
	olen = DESC + 1;
	CU_ASSERT_EQUAL(s.ops->next(s.priv, 1000, out, &olen, &last), 1);
	CU_ASSERT_EQUAL(olen, DESC + 1);
	CU_ASSERT(out[0] & B_B);
	CU_ASSERT_FALSE(last);
	/* A key frame's first packet needs room for the SS too. */
	fill(frame, sizeof(frame), 1, 1);
	CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, sizeof(frame), 1), 0);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(s.ops->next(s.priv, KEY_DESC, out, &olen, &last), CB_E_NOSPACE);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(s.ops->next(s.priv, KEY_DESC + 1, out, &olen, &last), 1);
	CU_ASSERT_EQUAL(olen, KEY_DESC + 1);
	free(s.priv);
}

/* Descriptors laid out by hand from RFC 9628 §4.2 and §4.2.1. */
static void test_parse_vectors(void)
{
	const struct cb_pay_ops *ops = &cb_pay_vp9;
	struct cb_pay_info info;
	/* No optional fields: B E, key frame, no PictureID. */
	static const uint8_t minimal[] = {0x0c, 0xaa};
	/* I with a 7-bit PictureID 0x55, P B: a delta frame's start. */
	static const uint8_t pid7[] = {0xc8, 0x55, 0xaa};
	/* Non-flexible, I M (0x1234) L (TID 2 U SID 1 D) TL0PICIDX, E. */
	static const uint8_t layers[] = {0xe4, 0x92, 0x34, 0x53, 0x07, 0xaa};
	/* Flexible: I M (0x7fff) P L F B, layer byte (SID 0), three P_DIFFs. */
	static const uint8_t flex[] = {0xf8, 0xff, 0xff, 0x00, 0x03, 0x05, 0x06, 0xaa};
	/* Key frame start with the SS of a 2-layer stream: 320x240 and
	 * 640x480, G with two pictures: TID 0 with R=0, and TID 1 with U and
	 * R=2 (P_DIFF 1 and 2). */
	static const uint8_t ss2[] = {0x8a, 0x3a, 0x38, 0x01, 0x40, 0x00, 0xf0, 0x02, 0x80,
				      0x01, 0xe0, 0x02, 0x00, 0x38, 0x01, 0x02, 0xaa};
	/* Key frame base layer with L: SID 0 counts, SID 1 does not. */
	static const uint8_t sid0[] = {0xa8, 0x01, 0x00, 0x00, 0xaa};
	static const uint8_t sid1[] = {0xa8, 0x01, 0x02, 0x00, 0xaa};
	/* Four chained P_DIFFs: one too many. */
	static const uint8_t pdiff4[] = {0x58, 0x03, 0x03, 0x03, 0x02, 0xaa};
	static const uint8_t *trunc_src[] = {pid7, layers, flex, ss2};
	static const size_t trunc_len[] = {sizeof(pid7), sizeof(layers), sizeof(flex), sizeof(ss2)};

	CU_ASSERT_EQUAL_FATAL(ops->parse(minimal, sizeof(minimal), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 1);
	CU_ASSERT_EQUAL(info.frame_start, 1);
	CU_ASSERT_EQUAL(info.keyframe, 1);
	CU_ASSERT_EQUAL(info.picture_id, -1);

	CU_ASSERT_EQUAL_FATAL(ops->parse(pid7, sizeof(pid7), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 2);
	CU_ASSERT_EQUAL(info.picture_id, 0x55);
	CU_ASSERT_EQUAL(info.frame_start, 1);
	CU_ASSERT_EQUAL(info.keyframe, 0);

	CU_ASSERT_EQUAL_FATAL(ops->parse(layers, sizeof(layers), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 5);
	CU_ASSERT_EQUAL(info.picture_id, 0x1234);
	CU_ASSERT_EQUAL(info.frame_start, 0);
	CU_ASSERT_EQUAL(info.keyframe, 0);

	CU_ASSERT_EQUAL_FATAL(ops->parse(flex, sizeof(flex), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 7);
	CU_ASSERT_EQUAL(info.picture_id, 0x7fff);
	CU_ASSERT_EQUAL(info.frame_start, 1);
	CU_ASSERT_EQUAL(info.keyframe, 0);

	CU_ASSERT_EQUAL_FATAL(ops->parse(ss2, sizeof(ss2), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, sizeof(ss2) - 1);
	CU_ASSERT_EQUAL(info.picture_id, 0x3a);
	CU_ASSERT_EQUAL(info.frame_start, 1);
	CU_ASSERT_EQUAL(info.keyframe, 1);

	CU_ASSERT_EQUAL_FATAL(ops->parse(sid0, sizeof(sid0), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 4);
	CU_ASSERT_EQUAL(info.keyframe, 1);
	CU_ASSERT_EQUAL_FATAL(ops->parse(sid1, sizeof(sid1), &info), 0);
	CU_ASSERT_EQUAL(info.keyframe, 0);
	CU_ASSERT_EQUAL(info.frame_start, 1);

	CU_ASSERT_EQUAL(ops->parse(pdiff4, sizeof(pdiff4), &info), CB_E_BADPKT);
	/* Every truncation, down to the empty payload, is malformed: a
	 * descriptor must be whole and followed by at least one byte. */
	for (size_t k = 0; k < 4; k++)
		for (size_t len = 0; len < trunc_len[k]; len++)
			CU_ASSERT_EQUAL(ops->parse(trunc_src[k], len, &info), CB_E_BADPKT);
	CU_ASSERT_EQUAL(ops->parse(minimal, 1, &info), CB_E_BADPKT);
	CU_ASSERT_EQUAL(ops->parse(NULL, 4, &info), -EINVAL);
	CU_ASSERT_EQUAL(ops->parse(minimal, sizeof(minimal), NULL), -EINVAL);
}

/* Random payloads never crash the parser, and an accepted one has its
 * descriptor inside the payload with data after it. */
static void test_parse_random(void)
{
	struct cb_rng r;
	uint8_t buf[32];
	int accepted = 0;

	cb_rng_seed(&r, 5);
	for (int i = 0; i < 20000; i++) {
		size_t len = cb_rng_next(&r) % sizeof(buf);
		struct cb_pay_info info;

		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)cb_rng_next(&r);
		if (cb_pay_vp9.parse(buf, len, &info) != 0)
			continue;
		accepted++;
		CU_ASSERT_FATAL(info.hdr_len < len);
		CU_ASSERT(info.picture_id >= -1 && info.picture_id <= 0x7fff);
	}
	CU_ASSERT(accepted > 1000);
}

int cb_suite_pay_vp9(void)
{
	static const struct cb_test_case cases[] = {
	    {"round trips at frame-size boundaries", test_boundaries},
	    {"picture ID increments and wraps", test_picture_id_wraps},
	    {"key frame without a readable size", test_key_without_size},
	    {"budget too small", test_no_space},
	    {"parser known-answer vectors and truncation", test_parse_vectors},
	    {"parser survives random payloads", test_parse_random},
	    {NULL, NULL},
	};

	return cb_add_suite("pay_vp9", cases);
}
