#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"
#include "rx/assembler.h"
#include "test_util.h"

/* A typical budget: 1200-byte packets less the RTP header and SRTP tag. */
#define BUDGET	 1178
#define MAX_PKTS 256
#define MAX_AU	 (64 * 1024)

/* NAL unit types used below. */
#define T_SLICE 1
#define T_IDR	5
#define T_SPS	7
#define T_PPS	8

struct nal_spec {
	int type, nri;
	size_t len; /* header byte included */
};

/* The packets of one access unit. */
struct pkts {
	uint8_t data[MAX_PKTS][2048];
	size_t len[MAX_PKTS];
	int last[MAX_PKTS];
	size_t n;
};

/* Build an Annex B access unit with 4-byte start codes (openh264's form).
 * NAL bodies have no zero bytes, so no start code can appear inside; a
 * slice's first body byte has its top bit set (first_mb_in_slice = 0). */
static size_t build_au(uint8_t *au, const struct nal_spec *nals, int count, uint64_t seed)
{
	struct cb_rng r;
	size_t off = 0;

	cb_rng_seed(&r, seed);
	for (int i = 0; i < count; i++) {
		memcpy(au + off, "\0\0\0\1", 4);
		off += 4;
		au[off] = (uint8_t)(nals[i].nri << 5 | nals[i].type);
		for (size_t k = 1; k < nals[i].len; k++)
			au[off + k] = (uint8_t)(1 + cb_rng_next(&r) % 255);
		if (nals[i].len > 1 && (nals[i].type == T_SLICE || nals[i].type == T_IDR))
			au[off + 1] |= 0x80;
		off += nals[i].len;
	}
	return off;
}

static void *open_pay(void)
{
	void *priv = calloc(1, cb_pay_h264.priv_size);

	CU_ASSERT_PTR_NOT_NULL_FATAL(priv);
	CU_ASSERT_EQUAL_FATAL(cb_pay_h264.init(priv), 0);
	return priv;
}

/* Packetize `au` with `budget`: every payload within it, `last` on the final
 * one only, and next() returns 0 after it. */
static void packetize(void *priv, const uint8_t *au, size_t len, size_t budget, struct pkts *p)
{
	int last = 0;

	p->n = 0;
	CU_ASSERT_EQUAL_FATAL(cb_pay_h264.begin(priv, au, len, 0), 0);
	while (!last) {
		size_t olen = sizeof(p->data[0]);

		CU_ASSERT_FATAL(p->n < MAX_PKTS);
		CU_ASSERT_EQUAL_FATAL(cb_pay_h264.next(priv, budget, p->data[p->n], &olen, &last),
				      1);
		CU_ASSERT(olen > 0 && olen <= budget);
		p->len[p->n] = olen;
		p->last[p->n] = last;
		p->n++;
	}
	{
		size_t olen = sizeof(p->data[0]);
		uint8_t scratch[2048];

		CU_ASSERT_EQUAL(cb_pay_h264.next(priv, budget, scratch, &olen, &last), 0);
	}
}

/* Whether a payload carries the start of a picture's first slice, which
 * parse reports as a frame start too (a receiver can resume there). */
static int carries_first_slice(const uint8_t *b, size_t len)
{
	int t = b[0] & 0x1f;

	if (t == T_SLICE || t == T_IDR)
		return len > 1 && (b[1] & 0x80);
	if (t == 28) {
		t = b[1] & 0x1f;
		return (b[1] & 0x80) && (t == T_SLICE || t == T_IDR) && (b[2] & 0x80);
	}
	t = b[3] & 0x1f; /* STAP-A: the first unit */
	return (t == T_SLICE || t == T_IDR) && (b[1] << 8 | b[2]) > 1 && (b[4] & 0x80);
}

/* Depacketize every payload and check that they rebuild `au` exactly; also
 * check what parse says about each. */
static void check_rebuild(const struct pkts *p, const uint8_t *au, size_t len, int key)
{
	uint8_t *back = malloc(MAX_AU);
	size_t off = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	for (size_t i = 0; i < p->n; i++) {
		struct cb_pay_info info;
		size_t olen = MAX_AU - off;

		CU_ASSERT_EQUAL_FATAL(cb_pay_h264.parse(p->data[i], p->len[i], &info), 0);
		CU_ASSERT_EQUAL(info.hdr_len, 0);
		CU_ASSERT_EQUAL(info.picture_id, -1);
		if (i == 0) {
			CU_ASSERT(info.frame_start);
			CU_ASSERT_EQUAL(info.keyframe, key);
		} else {
			CU_ASSERT_EQUAL(info.frame_start,
					carries_first_slice(p->data[i], p->len[i]));
			CU_ASSERT_EQUAL(info.keyframe, info.frame_start && key);
		}
		CU_ASSERT_EQUAL(p->last[i], i == p->n - 1);
		CU_ASSERT_EQUAL_FATAL(
		    cb_pay_h264.depacketize(p->data[i], p->len[i], back + off, &olen), 0);
		off += olen;
	}
	CU_ASSERT_EQUAL(off, len);
	CU_ASSERT(off == len && memcmp(back, au, len) == 0);
	free(back);
}

static void test_single_nal(void)
{
	static const struct nal_spec s[] = {{T_SLICE, 2, 500}};
	static uint8_t au[MAX_AU];
	static struct pkts p;
	void *priv = open_pay();
	size_t len = build_au(au, s, 1, 1);

	packetize(priv, au, len, BUDGET, &p);
	CU_ASSERT_EQUAL_FATAL(p.n, 1);
	/* A single NAL unit packet is the NAL unit itself, header first. */
	CU_ASSERT_EQUAL(p.len[0], 500);
	CU_ASSERT(memcmp(p.data[0], au + 4, 500) == 0);
	check_rebuild(&p, au, len, 0);
	free(priv);
}

/* NAL unit types 0 and 24..31 (unspecified in H.264; RTP's own in RFC 6184)
 * would be misread if sent alone: they are left out, the rest goes as usual. */
static void test_unspecified_nal_types_skipped(void)
{
	static const struct nal_spec s[] = {{0, 2, 40}, {T_SLICE, 2, 500}, {26, 2, 30}, {31, 0, 9}};
	static const struct nal_spec only[] = {{24, 2, 20}, {0, 0, 5}};
	static uint8_t au[MAX_AU];
	static struct pkts p;
	void *priv = open_pay();
	size_t len = build_au(au, s, 4, 7);

	packetize(priv, au, len, BUDGET, &p);
	CU_ASSERT_EQUAL_FATAL(p.n, 1);
	CU_ASSERT_EQUAL(p.len[0], 500);
	/* what comes back is the slice alone, start code and all */
	check_rebuild(&p, au + 4 + 40, 4 + 500, 0);
	len = build_au(au, only, 2, 7);
	CU_ASSERT_EQUAL(cb_pay_h264.begin(priv, au, len, 0), CB_E_FORMAT);
	free(priv);
}

static void test_stap_a(void)
{
	/* SPS, PPS and a small IDR: one STAP-A, as browsers send them. */
	static const struct nal_spec key[] = {{T_SPS, 3, 15}, {T_PPS, 3, 4}, {T_IDR, 3, 300}};
	/* The same with an IDR too big to join: SPS + PPS aggregated, then
	 * the IDR in FU-A fragments. */
	static const struct nal_spec big[] = {{T_SPS, 3, 15}, {T_PPS, 3, 4}, {T_IDR, 3, 3000}};
	/* Slices with different NRI: the STAP-A takes the highest. */
	static const struct nal_spec mix[] = {{T_SLICE, 1, 40}, {T_SLICE, 2, 50}};
	static uint8_t au[MAX_AU];
	static struct pkts p;
	void *priv = open_pay();
	size_t len;

	len = build_au(au, key, 3, 2);
	packetize(priv, au, len, BUDGET, &p);
	CU_ASSERT_EQUAL_FATAL(p.n, 1);
	CU_ASSERT_EQUAL(p.data[0][0], 0x60 | 24);
	CU_ASSERT_EQUAL(p.len[0], 1 + 2 + 15 + 2 + 4 + 2 + 300);
	/* Each unit behind its 16-bit size. */
	CU_ASSERT(p.data[0][1] == 0 && p.data[0][2] == 15);
	CU_ASSERT_EQUAL(p.data[0][3] & 0x1f, T_SPS);
	CU_ASSERT(p.data[0][18] == 0 && p.data[0][19] == 4);
	CU_ASSERT(p.data[0][24] == 300 >> 8 && p.data[0][25] == (300 & 0xff));
	check_rebuild(&p, au, len, 1);

	/* A budget of exactly the STAP-A still takes all three; one byte
	 * less leaves the IDR on its own. */
	packetize(priv, au, len, 1 + 2 + 15 + 2 + 4 + 2 + 300, &p);
	CU_ASSERT_EQUAL(p.n, 1);
	packetize(priv, au, len, 1 + 2 + 15 + 2 + 4 + 2 + 300 - 1, &p);
	CU_ASSERT_EQUAL_FATAL(p.n, 2);
	CU_ASSERT_EQUAL(p.data[0][0] & 0x1f, 24);
	CU_ASSERT_EQUAL(p.data[1][0] & 0x1f, T_IDR);
	check_rebuild(&p, au, len, 1);

	len = build_au(au, big, 3, 3);
	packetize(priv, au, len, BUDGET, &p);
	CU_ASSERT_EQUAL_FATAL(p.n, 4);
	CU_ASSERT_EQUAL(p.data[0][0] & 0x1f, 24);
	for (size_t i = 1; i < p.n; i++)
		CU_ASSERT_EQUAL(p.data[i][0] & 0x1f, 28);
	check_rebuild(&p, au, len, 1);

	len = build_au(au, mix, 2, 4);
	packetize(priv, au, len, BUDGET, &p);
	CU_ASSERT_EQUAL_FATAL(p.n, 1);
	CU_ASSERT_EQUAL(p.data[0][0], 0x40 | 24);
	check_rebuild(&p, au, len, 0);
	free(priv);
}

/* Fragment one IDR NAL unit of `nal_len` bytes with `budget`: returns the
 * packet count after checking the FU-A headers and the even split. */
static size_t fu_case(void *priv, size_t nal_len, size_t budget)
{
	struct nal_spec s = {T_IDR, 3, nal_len};
	static uint8_t au[MAX_AU];
	static struct pkts p;
	size_t len = build_au(au, &s, 1, nal_len), lo = (size_t)-1, hi = 0;

	packetize(priv, au, len, budget, &p);
	check_rebuild(&p, au, len, 1);
	if (p.n == 1)
		return 1;
	for (size_t i = 0; i < p.n; i++) {
		/* FU indicator: the NAL's F and NRI, type 28; FU header:
		 * S on the first, E on the last, R clear, the NAL's type. */
		CU_ASSERT_EQUAL(p.data[i][0], 0x60 | 28);
		CU_ASSERT_EQUAL(p.data[i][1] & 0x80, i == 0 ? 0x80 : 0);
		CU_ASSERT_EQUAL(p.data[i][1] & 0x40, i == p.n - 1 ? 0x40 : 0);
		CU_ASSERT_EQUAL(p.data[i][1] & 0x20, 0);
		CU_ASSERT_EQUAL(p.data[i][1] & 0x1f, T_IDR);
		if (p.len[i] < lo)
			lo = p.len[i];
		if (p.len[i] > hi)
			hi = p.len[i];
	}
	CU_ASSERT(hi - lo <= 1);
	/* The fragments carry the NAL unit without its header byte. */
	CU_ASSERT_EQUAL(p.n, (nal_len - 1 + budget - 3) / (budget - 2));
	return p.n;
}

static void test_fu_a_boundaries(void)
{
	void *priv = open_pay();

	CU_ASSERT_EQUAL(fu_case(priv, BUDGET, BUDGET), 1);
	CU_ASSERT_EQUAL(fu_case(priv, BUDGET + 1, BUDGET), 2);
	CU_ASSERT_EQUAL(fu_case(priv, 10 * BUDGET, BUDGET), 11);
	CU_ASSERT_EQUAL(fu_case(priv, 40000, BUDGET), 35);
	/* The smallest budget that can fragment: one byte per fragment. */
	CU_ASSERT_EQUAL(fu_case(priv, 20, 3), 19);
	free(priv);
}

/* Random access units, random budgets: always rebuilt byte for byte. */
static void test_random_round_trips(void)
{
	static uint8_t au[MAX_AU];
	static struct pkts p;
	void *priv = open_pay();
	struct cb_rng r;

	cb_rng_seed(&r, 7);
	for (int it = 0; it < 300; it++) {
		struct nal_spec s[8];
		int count = 1 + (int)(cb_rng_next(&r) % 8), key = it % 3 == 0;
		size_t budget = 40 + cb_rng_next(&r) % 1400, len;

		for (int i = 0; i < count; i++) {
			s[i].type = i == 0 ? (key ? T_SPS : T_SLICE) : (key ? T_IDR : T_SLICE);
			s[i].nri = (int)(cb_rng_next(&r) % 4);
			s[i].len = 2 + cb_rng_next(&r) % (cb_rng_next(&r) % 2 ? 60 : 4000);
			/* Later units may be one byte: a header alone. */
			if (i && cb_rng_next(&r) % 8 == 0)
				s[i].len = 1;
		}
		/* Only the first slice of a picture starts the access unit. */
		len = build_au(au, s, count, (uint64_t)it);
		for (size_t o = 4 + s[0].len, i = 1; i < (size_t)count; o += 4 + s[i].len, i++)
			if (s[i].len > 1)
				au[o + 5] &= 0x7f;
		packetize(priv, au, len, budget, &p);
		check_rebuild(&p, au, len, key);
	}
	free(priv);
}

static void test_begin_and_budget_errors(void)
{
	static const struct nal_spec s[] = {{T_SLICE, 2, 100}};
	uint8_t au[256], out[64];
	void *priv = open_pay();
	size_t len = build_au(au, s, 1, 5), olen = sizeof(out);
	int last;

	CU_ASSERT_EQUAL(cb_pay_h264.begin(priv, au, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(cb_pay_h264.begin(priv, NULL, 10, 0), -EINVAL);
	/* No start code: not Annex B. */
	CU_ASSERT_EQUAL(cb_pay_h264.begin(priv, au + 4, 50, 0), CB_E_FORMAT);
	/* Only start codes and zeros hold no NAL unit either. */
	CU_ASSERT_EQUAL(cb_pay_h264.begin(priv, (const uint8_t *)"\0\0\0\1\0\0\1", 7, 0),
			CB_E_FORMAT);
	/* A budget of two cannot carry an FU-A fragment. */
	CU_ASSERT_EQUAL_FATAL(cb_pay_h264.begin(priv, au, len, 0), 0);
	CU_ASSERT_EQUAL(cb_pay_h264.next(priv, 2, out, &olen, &last), CB_E_NOSPACE);
	/* The room in *out_len bounds the payload as the budget does. */
	olen = 10;
	CU_ASSERT_EQUAL(cb_pay_h264.next(priv, BUDGET, out, &olen, &last), 1);
	CU_ASSERT(olen <= 10 && !last);
	free(priv);
}

static void test_parse_rejects(void)
{
	struct cb_pay_info info;
	uint8_t out[64];
	size_t olen;
	/* Each is malformed. */
	static const struct {
		uint8_t b[8];
		size_t len;
	} bad[] = {
	    {{0x78}, 1},			 /* STAP-A with no unit */
	    {{0x78, 0x00}, 2},			 /* STAP-A: half a size */
	    {{0x78, 0x00, 0x05, 0x67, 0x42}, 5}, /* STAP-A: unit cut short */
	    {{0x78, 0x00, 0x00, 0x67}, 4},	 /* STAP-A: empty unit */
	    {{0x78, 0x00, 0x01, 0x67, 0x00}, 5}, /* STAP-A: trailing byte */
	    {{0x7c, 0x85}, 2},			 /* FU-A with no data */
	    {{0x7c}, 1},			 /* FU-A with no FU header */
	    {{0x7c, 0xc5, 0x11}, 3},		 /* FU-A with S and E */
	    {{0x7c, 0x80, 0x11}, 3},		 /* FU-A of type 0 */
	    {{0x7c, 0x98, 0x11}, 3},		 /* FU-A of a STAP-A */
	    {{0x79, 0x11, 0x22}, 3},		 /* STAP-B */
	    {{0x7a, 0x11, 0x22}, 3},		 /* MTAP16 */
	    {{0x7d, 0x85, 0x11, 0x22}, 4},	 /* FU-B */
	    {{0x60, 0x11}, 2},			 /* type 0 */
	    {{0x7f, 0x11}, 2},			 /* type 31 */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(cb_pay_h264.parse(bad[i].b, bad[i].len, &info), CB_E_BADPKT);
		olen = sizeof(out);
		CU_ASSERT_EQUAL(cb_pay_h264.depacketize(bad[i].b, bad[i].len, out, &olen),
				CB_E_BADPKT);
	}
	CU_ASSERT_EQUAL(cb_pay_h264.parse(out, 0, &info), CB_E_BADPKT);
	CU_ASSERT_EQUAL(cb_pay_h264.parse(NULL, 3, &info), -EINVAL);

	/* Good payloads: what starts a frame and what is a key frame. */
	{
		static const uint8_t first_slice[] = {0x41, 0x9a, 0x22};
		static const uint8_t later_slice[] = {0x41, 0x1a, 0x22};
		static const uint8_t fu_start[] = {0x7c, 0x85, 0xb8};
		static const uint8_t fu_mid[] = {0x7c, 0x05, 0xb8};
		static const uint8_t fu_end[] = {0x7c, 0x45, 0xb8};
		static const uint8_t stap[] = {0x78, 0x00, 0x02, 0x67, 0x42,
					       0x00, 0x02, 0x68, 0xce};

		CU_ASSERT_EQUAL_FATAL(cb_pay_h264.parse(first_slice, 3, &info), 0);
		CU_ASSERT(info.frame_start && !info.keyframe);
		CU_ASSERT_EQUAL_FATAL(cb_pay_h264.parse(later_slice, 3, &info), 0);
		CU_ASSERT(!info.frame_start && !info.keyframe);
		CU_ASSERT_EQUAL_FATAL(cb_pay_h264.parse(fu_start, 3, &info), 0);
		CU_ASSERT(info.frame_start && info.keyframe);
		CU_ASSERT_EQUAL_FATAL(cb_pay_h264.parse(fu_mid, 3, &info), 0);
		CU_ASSERT(!info.frame_start && !info.keyframe);
		CU_ASSERT_EQUAL_FATAL(cb_pay_h264.parse(fu_end, 3, &info), 0);
		CU_ASSERT(!info.frame_start);
		CU_ASSERT_EQUAL_FATAL(cb_pay_h264.parse(stap, sizeof(stap), &info), 0);
		CU_ASSERT(info.frame_start && info.keyframe);

		/* The rebuilt NAL header of a first fragment, and too little
		 * room for the output. */
		olen = sizeof(out);
		CU_ASSERT_EQUAL(cb_pay_h264.depacketize(fu_start, 3, out, &olen), 0);
		CU_ASSERT(olen == 6 && memcmp(out, "\0\0\0\1\x65\xb8", 6) == 0);
		olen = sizeof(out);
		CU_ASSERT_EQUAL(cb_pay_h264.depacketize(fu_mid, 3, out, &olen), 0);
		CU_ASSERT(olen == 1 && out[0] == 0xb8);
		olen = 5;
		CU_ASSERT_EQUAL(cb_pay_h264.depacketize(fu_start, 3, out, &olen), CB_E_NOSPACE);
		olen = 11;
		CU_ASSERT_EQUAL(cb_pay_h264.depacketize(stap, sizeof(stap), out, &olen),
				CB_E_NOSPACE);
		olen = 12;
		CU_ASSERT_EQUAL(cb_pay_h264.depacketize(stap, sizeof(stap), out, &olen), 0);
		CU_ASSERT(olen == 12 && memcmp(out, "\0\0\0\1\x67\x42\0\0\0\1\x68\xce", 12) == 0);
	}
}

/* Through the receive side's assembler: reordered packets of two access
 * units come out as the two Annex B streams. */
static void test_assembler(void)
{
	static const struct nal_spec key[] = {{T_SPS, 3, 15}, {T_PPS, 3, 4}, {T_IDR, 3, 5000}};
	static const struct nal_spec delta[] = {{T_SLICE, 2, 900}};
	static uint8_t au[2][MAX_AU];
	static struct pkts p[2];
	struct cb_assembler_cfg cfg = {.pay = &cb_pay_h264};
	struct cb_assembler *a = NULL;
	struct cb_asm_frame f;
	void *priv = open_pay();
	size_t len[2];
	uint16_t seq = 65530;

	len[0] = build_au(au[0], key, 3, 11);
	len[1] = build_au(au[1], delta, 1, 12);
	CU_ASSERT_EQUAL_FATAL(cb_assembler_open(&a, &cfg), 0);
	for (int k = 0; k < 2; k++)
		packetize(priv, au[k], len[k], BUDGET, &p[k]);
	CU_ASSERT_FATAL(p[0].n == 6 && p[1].n == 1);
	/* Insert the key frame's packets backwards, across the seq wrap. */
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < p[k].n; i++) {
			size_t j = k == 0 ? p[k].n - 1 - i : i;
			struct cb_rtp_hdr h = {.seq = (uint16_t)(seq + (k ? 6 : 0) + j),
					       .ts = 90000u + (uint32_t)k * 3000,
					       .marker = (uint8_t)p[k].last[j],
					       .payload = p[k].data[j],
					       .payload_len = p[k].len[j]};

			CU_ASSERT_EQUAL(cb_assembler_insert(a, &h, 0, 0, 0), 0);
		}
	for (int k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL_FATAL(cb_assembler_pop(a, 0, &f), 1);
		CU_ASSERT_EQUAL(f.keyframe, k == 0);
		CU_ASSERT_EQUAL(f.picture_id, -1);
		CU_ASSERT_EQUAL(f.npackets, p[k].n);
		CU_ASSERT(f.len == len[k] && memcmp(f.data, au[k], len[k]) == 0);
	}
	CU_ASSERT_EQUAL(cb_assembler_pop(a, 0, &f), 0);
	cb_assembler_close(a);
	free(priv);
}

static void test_registry(void)
{
	CU_ASSERT_PTR_EQUAL(cb_pay_find("h264"), &cb_pay_h264);
	CU_ASSERT_PTR_EQUAL(cb_pay_find("H264"), &cb_pay_h264);
	CU_ASSERT_PTR_NOT_NULL(cb_pay_h264.depacketize);
}

int cb_suite_pay_h264(void)
{
	static const struct cb_test_case cases[] = {
	    {"registry", test_registry},
	    {"single NAL unit packet", test_single_nal},
	    {"NAL unit types 0 and 24..31 are not sent", test_unspecified_nal_types_skipped},
	    {"STAP-A aggregates SPS, PPS and a small IDR", test_stap_a},
	    {"FU-A at the budget boundaries", test_fu_a_boundaries},
	    {"random access units rebuild byte-exactly", test_random_round_trips},
	    {"begin and budget errors", test_begin_and_budget_errors},
	    {"parser rejects malformed STAP-A and FU-A", test_parse_rejects},
	    {"assembler rebuilds Annex B", test_assembler},
	    {NULL, NULL}};

	return cb_add_suite("pay_h264", cases);
}
