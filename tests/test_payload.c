#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "rtp/payload.h"
#include "test_util.h"

#define VP8_DESC 4
/* A typical budget: 1200-byte packets less the RTP header and SRTP tag. */
#define BIG_BUDGET  (1200 - 12 - 10)
#define TINY_BUDGET (VP8_DESC + 3)

struct pay_state {
	const struct cb_pay_ops *ops;
	void *priv;
};

static void open_pay(struct pay_state *s, const char *name)
{
	s->ops = cb_pay_find(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->ops);
	s->priv = calloc(1, s->ops->priv_size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->priv);
	CU_ASSERT_EQUAL_FATAL(s->ops->init(s->priv), 0);
}

static void fill(uint8_t *buf, size_t len, uint64_t seed)
{
	struct cb_rng r;

	cb_rng_seed(&r, seed);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)cb_rng_next(&r);
}

/*
 * Packetize one VP8 frame of `len` bytes with `budget`, parse every payload
 * back, and check the split and the reassembled bytes.  Returns the packet
 * count.
 */
static size_t vp8_round_trip(struct pay_state *s, size_t len, size_t budget, int32_t want_pid)
{
	uint8_t *frame = malloc(len), *back = malloc(len);
	size_t cap = budget - VP8_DESC, want_n = (len + cap - 1) / cap;
	size_t got = 0, n = 0, min_sz = (size_t)-1, max_sz = 0;
	uint8_t out[2048];
	int last = 0, rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(frame);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	fill(frame, len, len * 31 + budget);
	/* Make the first byte a key frame's (P bit clear). */
	frame[0] &= 0xfe;
	CU_ASSERT_EQUAL_FATAL(s->ops->begin(s->priv, frame, len, 1), 0);
	for (;;) {
		size_t olen = sizeof(out);
		struct cb_pay_info info;

		rc = s->ops->next(s->priv, budget, out, &olen, &last);
		if (rc == 0)
			break;
		CU_ASSERT_EQUAL_FATAL(rc, 1);
		CU_ASSERT(olen <= budget);
		CU_ASSERT(olen > VP8_DESC);
		CU_ASSERT_EQUAL_FATAL(s->ops->parse(out, olen, &info), 0);
		CU_ASSERT_EQUAL(info.hdr_len, VP8_DESC);
		CU_ASSERT_EQUAL(info.picture_id, want_pid);
		CU_ASSERT_EQUAL(info.frame_start, n == 0);
		CU_ASSERT_EQUAL(!!(out[0] & 0x10), n == 0);
		CU_ASSERT_EQUAL(out[0] & 0x07, 0);
		CU_ASSERT_EQUAL(out[0] & 0x20, 0);
		CU_ASSERT_EQUAL(info.keyframe, n == 0);
		CU_ASSERT_EQUAL(last, n + 1 == want_n);
		CU_ASSERT_FATAL(got + olen - VP8_DESC <= len);
		memcpy(back + got, out + VP8_DESC, olen - VP8_DESC);
		got += olen - VP8_DESC;
		if (olen - VP8_DESC < min_sz)
			min_sz = olen - VP8_DESC;
		if (olen - VP8_DESC > max_sz)
			max_sz = olen - VP8_DESC;
		n++;
		CU_ASSERT_FATAL(n <= want_n);
	}
	CU_ASSERT_TRUE(last);
	CU_ASSERT_EQUAL(n, want_n);
	CU_ASSERT_EQUAL(got, len);
	CU_ASSERT_EQUAL(memcmp(frame, back, len), 0);
	/* Even split: sizes differ by at most one byte. */
	CU_ASSERT(max_sz - min_sz <= 1);
	/* Once done, next keeps saying so. */
	{
		size_t olen = sizeof(out);
		CU_ASSERT_EQUAL(s->ops->next(s->priv, budget, out, &olen, &last), 0);
	}
	free(frame);
	free(back);
	return n;
}

static void test_vp8_boundaries(void)
{
	static const size_t budgets[] = {BIG_BUDGET, TINY_BUDGET, VP8_DESC + 1};
	struct pay_state s;
	int32_t pid = 0;

	open_pay(&s, "vp8");
	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		size_t B = budgets[b], cap = B - VP8_DESC;
		size_t sizes[] = {1, cap, cap + 1, 2 * cap, 2 * cap + 1, 5 * cap - 1, 7 * cap + 3};

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t n = vp8_round_trip(&s, sizes[i], B, pid++);

			if (sizes[i] <= cap)
				CU_ASSERT_EQUAL(n, 1);
			if (sizes[i] == cap + 1)
				CU_ASSERT_EQUAL(n, 2);
		}
	}
	/* A large frame, as a key frame at a high bitrate would be. */
	vp8_round_trip(&s, 100000, BIG_BUDGET, pid++);
	free(s.priv);
}

static void test_vp8_even_split(void)
{
	struct pay_state s;
	uint8_t frame[BIG_BUDGET - VP8_DESC + 1], out[BIG_BUDGET];
	size_t olen;
	int last;

	/* One byte over a packet becomes two packets of near-equal size, not N + 1. */
	open_pay(&s, "vp8");
	memset(frame, 1, sizeof(frame));
	CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, sizeof(frame), 0), 0);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(s.ops->next(s.priv, BIG_BUDGET, out, &olen, &last), 1);
	CU_ASSERT_EQUAL(olen, VP8_DESC + (sizeof(frame) + 1) / 2);
	CU_ASSERT_FALSE(last);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(s.ops->next(s.priv, BIG_BUDGET, out, &olen, &last), 1);
	CU_ASSERT_EQUAL(olen, VP8_DESC + sizeof(frame) / 2);
	CU_ASSERT_TRUE(last);
	free(s.priv);
}

static void test_vp8_picture_id_wraps(void)
{
	struct pay_state s;
	uint8_t frame[1] = {0x01}, out[16];
	struct cb_pay_info info;
	size_t olen;
	int last;

	open_pay(&s, "vp8");
	for (int32_t i = 0; i < 0x8000 + 2; i++) {
		CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, 1, 0), 0);
		olen = sizeof(out);
		CU_ASSERT_EQUAL_FATAL(s.ops->next(s.priv, 100, out, &olen, &last), 1);
		CU_ASSERT_EQUAL_FATAL(s.ops->parse(out, olen, &info), 0);
		if (info.picture_id != (i & 0x7fff)) {
			CU_FAIL("picture id does not follow the frame count");
			break;
		}
		/* P bit set: a delta frame. */
		CU_ASSERT_EQUAL(info.keyframe, 0);
	}
	free(s.priv);
}

static void test_vp8_no_space(void)
{
	struct pay_state s;
	uint8_t frame[10] = {0}, out[64];
	size_t olen;
	int last = 7;

	open_pay(&s, "vp8");
	CU_ASSERT_EQUAL(s.ops->begin(s.priv, frame, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(s.ops->begin(s.priv, NULL, 10, 0), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, sizeof(frame), 1), 0);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(s.ops->next(s.priv, VP8_DESC, out, &olen, &last), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(olen, sizeof(out));
	CU_ASSERT_EQUAL(last, 7);
	/* The room in *out_len is a budget too. */
	olen = VP8_DESC;
	CU_ASSERT_EQUAL(s.ops->next(s.priv, 1000, out, &olen, &last), CB_E_NOSPACE);
	/* After a refusal the frame still goes out whole, from the start. */
	olen = 6;
	CU_ASSERT_EQUAL(s.ops->next(s.priv, 1000, out, &olen, &last), 1);
	CU_ASSERT_EQUAL(olen, 6);
	CU_ASSERT(out[0] & 0x10);
	CU_ASSERT_FALSE(last);
	free(s.priv);
}

static void test_vp8_parse_descriptors(void)
{
	const struct cb_pay_ops *ops = cb_pay_find("vp8");
	struct cb_pay_info info;
	/* X=0: one-byte descriptor, S=1, PID=0, key frame. */
	static const uint8_t minimal[] = {0x10, 0x9c};
	/* X=1, I=1 with a 7-bit PictureID, S=1, PID=0, delta frame. */
	static const uint8_t pid7[] = {0x90, 0x80, 0x55, 0x01};
	/* X=1, I L T K all set, 15-bit PictureID 0x1234, S=1, PID=1. */
	static const uint8_t full[] = {0x91, 0xf0, 0x92, 0x34, 0x07, 0x40, 0x00};
	/* X=1, only L and K. */
	static const uint8_t lk[] = {0x80, 0x50, 0x07, 0x40, 0xaa};
	static const uint8_t *trunc_src[] = {pid7, full, lk};
	static const size_t trunc_len[] = {sizeof(pid7), sizeof(full), sizeof(lk)};

	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	CU_ASSERT_EQUAL_FATAL(ops->parse(minimal, sizeof(minimal), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 1);
	CU_ASSERT_EQUAL(info.frame_start, 1);
	CU_ASSERT_EQUAL(info.keyframe, 1);
	CU_ASSERT_EQUAL(info.picture_id, -1);

	CU_ASSERT_EQUAL_FATAL(ops->parse(pid7, sizeof(pid7), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 3);
	CU_ASSERT_EQUAL(info.picture_id, 0x55);
	CU_ASSERT_EQUAL(info.frame_start, 1);
	CU_ASSERT_EQUAL(info.keyframe, 0);

	CU_ASSERT_EQUAL_FATAL(ops->parse(full, sizeof(full), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 6);
	CU_ASSERT_EQUAL(info.picture_id, 0x1234);
	CU_ASSERT_EQUAL(info.frame_start, 0);
	CU_ASSERT_EQUAL(info.keyframe, 0);

	CU_ASSERT_EQUAL_FATAL(ops->parse(lk, sizeof(lk), &info), 0);
	CU_ASSERT_EQUAL(info.hdr_len, 4);
	CU_ASSERT_EQUAL(info.picture_id, -1);
	CU_ASSERT_EQUAL(info.frame_start, 0);

	/* Every truncation, down to the empty payload, is malformed. */
	for (size_t k = 0; k < 3; k++)
		for (size_t len = 0; len < trunc_len[k]; len++)
			CU_ASSERT_EQUAL(ops->parse(trunc_src[k], len, &info), CB_E_BADPKT);
	CU_ASSERT_EQUAL(ops->parse(minimal, 1, &info), CB_E_BADPKT);
	CU_ASSERT_EQUAL(ops->parse(minimal, 0, &info), CB_E_BADPKT);
}

static void test_opus(void)
{
	struct pay_state s;
	uint8_t frame[BIG_BUDGET + 1], out[2048];
	static const size_t sizes[] = {1, TINY_BUDGET, BIG_BUDGET};
	struct cb_pay_info info;
	size_t olen;
	int last;

	open_pay(&s, "opus");
	fill(frame, sizeof(frame), 7);
	for (size_t i = 0; i < 3; i++) {
		size_t budget = sizes[i] == 1 ? TINY_BUDGET : sizes[i];

		CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, sizes[i], 0), 0);
		olen = sizeof(out);
		last = 0;
		CU_ASSERT_EQUAL_FATAL(s.ops->next(s.priv, budget, out, &olen, &last), 1);
		CU_ASSERT_EQUAL(olen, sizes[i]);
		CU_ASSERT_TRUE(last);
		CU_ASSERT_EQUAL(memcmp(out, frame, sizes[i]), 0);
		CU_ASSERT_EQUAL(s.ops->parse(out, olen, &info), 0);
		CU_ASSERT_EQUAL(info.hdr_len, 0);
		CU_ASSERT_EQUAL(info.frame_start, 1);
		CU_ASSERT_EQUAL(info.picture_id, -1);
		olen = sizeof(out);
		CU_ASSERT_EQUAL(s.ops->next(s.priv, budget, out, &olen, &last), 0);
	}

	/* Opus cannot fragment: one byte over the budget is refused. */
	CU_ASSERT_EQUAL_FATAL(s.ops->begin(s.priv, frame, BIG_BUDGET + 1, 0), 0);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(s.ops->next(s.priv, BIG_BUDGET, out, &olen, &last), CB_E_NOSPACE);
	olen = 10;
	CU_ASSERT_EQUAL(s.ops->next(s.priv, BIG_BUDGET + 1, out, &olen, &last), CB_E_NOSPACE);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(s.ops->next(s.priv, BIG_BUDGET + 1, out, &olen, &last), 1);
	CU_ASSERT_EQUAL(olen, BIG_BUDGET + 1);

	CU_ASSERT_EQUAL(s.ops->begin(s.priv, frame, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(s.ops->parse(out, 0, &info), CB_E_BADPKT);
	free(s.priv);
}

static void test_registry(void)
{
	const struct cb_pay_ops *p;
	size_t it = 0, n = 0;
	int vp8 = 0, opus = 0;

	CU_ASSERT_PTR_EQUAL(cb_pay_find("vp8"), &cb_pay_vp8);
	CU_ASSERT_PTR_EQUAL(cb_pay_find("opus"), &cb_pay_opus);
	CU_ASSERT_PTR_EQUAL(cb_pay_find("VP8"), &cb_pay_vp8);
	CU_ASSERT_PTR_EQUAL(cb_pay_find("h264"), &cb_pay_h264);
	CU_ASSERT_PTR_EQUAL(cb_pay_find("VP9"), &cb_pay_vp9);
	CU_ASSERT_PTR_NULL(cb_pay_find("h263"));
	CU_ASSERT_PTR_NULL(cb_pay_find(NULL));
	while ((p = cb_pay_iterate(&it))) {
		vp8 += p == &cb_pay_vp8;
		opus += p == &cb_pay_opus;
		CU_ASSERT_PTR_EQUAL(cb_pay_find(p->name), p);
		n++;
	}
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(vp8, 1);
	CU_ASSERT_EQUAL(opus, 1);
	CU_ASSERT_PTR_NULL(cb_pay_iterate(&it));
}

int cb_suite_payload(void)
{
	static const struct cb_test_case cases[] = {
	    {"VP8 round trips at frame-size boundaries", test_vp8_boundaries},
	    {"VP8 splits evenly", test_vp8_even_split},
	    {"VP8 picture ID increments and wraps", test_vp8_picture_id_wraps},
	    {"VP8 budget too small", test_vp8_no_space},
	    {"VP8 parser reads and rejects descriptors", test_vp8_parse_descriptors},
	    {"Opus one packet per payload", test_opus},
	    {"registry find and iterate", test_registry},
	    {NULL, NULL},
	};

	return cb_add_suite("payload", cases);
}
