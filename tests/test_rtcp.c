#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "rtp/rtcp.h"
#include "rtp/rtp_stats.h"
#include "test_util.h"

#define NTP_EPOCH_NS (CB_NTP_UNIX_EPOCH_S * CB_NS_PER_S)
#define UNIT_NS	     (CB_NS_PER_S / 65536.0) /* one 1/65536 s step */

/*
 * Known-answer vectors, written by hand from the diagrams of RFC 3550 §6.4.1,
 * §6.4.2, §6.5, §6.6, RFC 4585 §6.1, §6.2.1, §6.3.1 and RFC 5104 §4.3.1.1.
 */

/* SR, RC=1, 52 bytes = 13 words -> length 12. */
static const uint8_t sr_vec[] = {
    0x81, 0xc8, 0x00, 0x0c, /* V=2 P=0 RC=1, PT=200, length 12 */
    0x11, 0x22, 0x33, 0x44, /* SSRC of sender */
    0xe8, 0xe3, 0xa1, 0xb2, /* NTP timestamp, most significant word */
    0x80, 0x00, 0x00, 0x00, /* NTP timestamp, least significant word (0.5 s) */
    0x00, 0x01, 0x5f, 0x90, /* RTP timestamp 90000 */
    0x00, 0x00, 0x00, 0x64, /* sender's packet count 100 */
    0x00, 0x00, 0x2e, 0xe0, /* sender's octet count 12000 */
    0xaa, 0xbb, 0xcc, 0xdd, /* SSRC_1 */
    0x40, 0x00, 0x00, 0x05, /* fraction lost 64/256, cumulative lost 5 */
    0x00, 0x01, 0x00, 0x05, /* extended highest seq: 1 cycle, seq 5 */
    0x00, 0x00, 0x00, 0x20, /* interarrival jitter 32 */
    0x12, 0x34, 0x56, 0x78, /* LSR */
    0x00, 0x01, 0x00, 0x00, /* DLSR 1 s */
};

/* RR, RC=1, cumulative lost -2 (24-bit two's complement). */
static const uint8_t rr_vec[] = {
    0x81, 0xc9, 0x00, 0x07, 0x01, 0x02, 0x03, 0x04, 0x11, 0x22, 0x33, 0x44, 0x00, 0xff, 0xff, 0xfe,
    0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Empty RR (RC=0), as sent by a receiver that has heard no one. */
static const uint8_t rr0_vec[] = {0x80, 0xc9, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04};

/* SDES, SC=1: SSRC, CNAME(1) len 3 "abc", one null octet + padding to 32 bits. */
static const uint8_t sdes_vec[] = {
    0x81, 0xca, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x01, 0x03, 0x61, 0x62, 0x63, 0x00, 0x00, 0x00,
};

/* BYE, SC=1, reason "bye" (length octet + 3 bytes fill one word exactly). */
static const uint8_t bye_vec[] = {
    0x81, 0xcb, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x03, 0x62, 0x79, 0x65,
};

/* Generic NACK: PID 100, BLP 0x0005 -> 100, 101, 103 lost. */
static const uint8_t nack_vec[] = {
    0x81, 0xcd, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x00, 0x64, 0x00, 0x05,
};

/* PLI: FMT=1, PT=206, length 2, no FCI. */
static const uint8_t pli_vec[] = {
    0x81, 0xce, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
};

/* FIR: FMT=4, media SSRC 0, FCI = SSRC 0x55667788, seq nr 7, reserved 0. */
static const uint8_t fir_vec[] = {
    0x84, 0xce, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00,
    0x00, 0x00, 0x55, 0x66, 0x77, 0x88, 0x07, 0x00, 0x00, 0x00,
};

static int block_eq(const struct cb_rtcp_report_block *a, const struct cb_rtcp_report_block *b)
{
	return a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
	       a->cumulative_lost == b->cumulative_lost &&
	       a->ext_highest_seq == b->ext_highest_seq && a->jitter == b->jitter &&
	       a->lsr == b->lsr && a->dlsr == b->dlsr;
}

struct vec {
	const char *name;
	const uint8_t *b;
	size_t len;
};

#define VEC(x)                                                                                     \
	{                                                                                          \
#x, x, sizeof(x)                                                                   \
	}
static const struct vec vecs[] = {
    VEC(sr_vec),  VEC(rr_vec),	 VEC(rr0_vec), VEC(sdes_vec),
    VEC(bye_vec), VEC(nack_vec), VEC(pli_vec), VEC(fir_vec),
};
#define N_VECS (sizeof(vecs) / sizeof(vecs[0]))

/* A callback that keeps copies of what it is given. */
struct collect {
	size_t n;
	struct cb_rtcp_msg m[16];
	int stop_at; /* return an error at this call (1-based); 0 = never */
};

static int collect_cb(void *user, const struct cb_rtcp_msg *m)
{
	struct collect *c = user;

	if (c->n < 16)
		c->m[c->n] = *m;
	c->n++;
	if (c->stop_at && (int)c->n == c->stop_at)
		return -42;
	return 0;
}

static int parse_one_msg(const uint8_t *b, size_t len, struct collect *c)
{
	memset(c, 0, sizeof(*c));
	return cb_rtcp_parse(b, len, collect_cb, c);
}

static void test_sr_known(void)
{
	struct cb_rtcp_sr sr = {.ssrc = 0x11223344,
				.ntp = 0xe8e3a1b280000000ull,
				.rtp_ts = 90000,
				.packet_count = 100,
				.octet_count = 12000,
				.n_blocks = 1};
	struct collect c;
	uint8_t buf[128];
	size_t len = sizeof(buf);
	const struct cb_rtcp_report_block *b;

	sr.blocks[0] =
	    (struct cb_rtcp_report_block){0xaabbccdd, 64, 5, 0x10005, 32, 0x12345678, 0x10000};
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_sr(&sr, buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(sr_vec));
	CU_ASSERT_EQUAL(memcmp(buf, sr_vec, len), 0);

	CU_ASSERT_EQUAL_FATAL(parse_one_msg(sr_vec, sizeof(sr_vec), &c), 1);
	CU_ASSERT_EQUAL_FATAL(c.m[0].type, CB_RTCP_SR);
	CU_ASSERT_EQUAL(c.m[0].raw_len, sizeof(sr_vec));
	CU_ASSERT_EQUAL(c.m[0].u.sr.ssrc, 0x11223344);
	CU_ASSERT_EQUAL(c.m[0].u.sr.ntp, 0xe8e3a1b280000000ull);
	CU_ASSERT_EQUAL(c.m[0].u.sr.rtp_ts, 90000);
	CU_ASSERT_EQUAL(c.m[0].u.sr.packet_count, 100);
	CU_ASSERT_EQUAL(c.m[0].u.sr.octet_count, 12000);
	CU_ASSERT_EQUAL_FATAL(c.m[0].u.sr.n_blocks, 1);
	b = &c.m[0].u.sr.blocks[0];
	CU_ASSERT_EQUAL(b->ssrc, 0xaabbccdd);
	CU_ASSERT_EQUAL(b->fraction_lost, 64);
	CU_ASSERT_EQUAL(b->cumulative_lost, 5);
	CU_ASSERT_EQUAL(b->ext_highest_seq, 0x10005);
	CU_ASSERT_EQUAL(b->jitter, 32);
	CU_ASSERT_EQUAL(b->lsr, 0x12345678);
	CU_ASSERT_EQUAL(b->dlsr, 0x10000);

	/* A full SR: 31 blocks round-trip. */
	sr.n_blocks = CB_RTCP_MAX_BLOCKS;
	for (unsigned i = 0; i < CB_RTCP_MAX_BLOCKS; i++)
		sr.blocks[i] = (struct cb_rtcp_report_block){
		    i, (uint8_t)i, -(int32_t)i, i << 16, i * 3, i * 5, i * 7};
	len = sizeof(buf);
	CU_ASSERT_EQUAL(cb_rtcp_build_sr(&sr, buf, &len), CB_E_NOSPACE);
	{
		uint8_t big[28 + 24 * 31];

		len = sizeof(big);
		CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_sr(&sr, big, &len), 0);
		CU_ASSERT_EQUAL(len, sizeof(big));
		CU_ASSERT_EQUAL_FATAL(parse_one_msg(big, len, &c), 1);
		CU_ASSERT_EQUAL_FATAL(c.m[0].u.sr.n_blocks, 31);
		for (unsigned i = 0; i < CB_RTCP_MAX_BLOCKS; i++)
			CU_ASSERT(block_eq(&c.m[0].u.sr.blocks[i], &sr.blocks[i]));
	}
	sr.n_blocks = 32;
	len = sizeof(buf);
	CU_ASSERT_EQUAL(cb_rtcp_build_sr(&sr, buf, &len), -EINVAL);
}

static void test_rr_known(void)
{
	struct cb_rtcp_rr rr = {.ssrc = 0x01020304, .n_blocks = 1};
	struct collect c;
	uint8_t buf[64];
	size_t len = sizeof(buf);

	rr.blocks[0] = (struct cb_rtcp_report_block){0x11223344, 0, -2, 0xffff, 7, 0, 0};
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_rr(&rr, buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(rr_vec));
	CU_ASSERT_EQUAL(memcmp(buf, rr_vec, len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(rr_vec, sizeof(rr_vec), &c), 1);
	CU_ASSERT_EQUAL_FATAL(c.m[0].type, CB_RTCP_RR);
	CU_ASSERT_EQUAL(c.m[0].u.rr.ssrc, 0x01020304);
	CU_ASSERT_EQUAL_FATAL(c.m[0].u.rr.n_blocks, 1);
	CU_ASSERT(block_eq(&c.m[0].u.rr.blocks[0], &rr.blocks[0]));

	rr.n_blocks = 0;
	len = sizeof(buf);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_rr(&rr, buf, &len), 0);
	CU_ASSERT_EQUAL(len, sizeof(rr0_vec));
	CU_ASSERT_EQUAL(memcmp(buf, rr0_vec, len), 0);

	/* Cumulative loss beyond 24 bits is clamped, both ways. */
	rr.n_blocks = 1;
	rr.blocks[0].cumulative_lost = 0x1000000;
	len = sizeof(buf);
	cb_rtcp_build_rr(&rr, buf, &len);
	CU_ASSERT_EQUAL(buf[13] << 16 | buf[14] << 8 | buf[15], 0x7fffff);
	rr.blocks[0].cumulative_lost = -0x1000000;
	len = sizeof(buf);
	cb_rtcp_build_rr(&rr, buf, &len);
	CU_ASSERT_EQUAL(buf[13] << 16 | buf[14] << 8 | buf[15], 0x800000);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(buf, len, &c), 1);
	CU_ASSERT_EQUAL(c.m[0].u.rr.blocks[0].cumulative_lost, CB_RTCP_LOST_MIN);
}

static void test_sdes_known(void)
{
	static const struct {
		const char *cname;
		size_t size;
	} sizes[] = {{"a", 12}, {"ab", 16}, {"abc", 16}, {"abcd", 16}, {"abcdef", 20}};
	struct cb_rtcp_sdes_item it;
	struct collect c;
	uint8_t buf[300];
	size_t len = sizeof(buf), pos = 0;
	char longname[257];

	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_sdes(0x11223344, "abc", buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(sdes_vec));
	CU_ASSERT_EQUAL(memcmp(buf, sdes_vec, len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(sdes_vec, sizeof(sdes_vec), &c), 1);
	CU_ASSERT_EQUAL_FATAL(c.m[0].type, CB_RTCP_SDES);
	CU_ASSERT_EQUAL(c.m[0].u.sdes.n_chunks, 1);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_sdes_next(&c.m[0], &pos, &it), 1);
	CU_ASSERT_EQUAL(it.ssrc, 0x11223344);
	CU_ASSERT_EQUAL(it.type, CB_RTCP_SDES_CNAME);
	CU_ASSERT_EQUAL_FATAL(it.len, 3);
	CU_ASSERT_EQUAL(memcmp(it.text, "abc", 3), 0);
	CU_ASSERT_EQUAL(cb_rtcp_sdes_next(&c.m[0], &pos, &it), 0);

	/* Every CNAME length ends with at least one null octet, on a word boundary. */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		len = sizeof(buf);
		CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_sdes(1, sizes[i].cname, buf, &len), 0);
		CU_ASSERT_EQUAL(len, sizes[i].size);
		CU_ASSERT_EQUAL(buf[len - 1], 0);
		CU_ASSERT_EQUAL(parse_one_msg(buf, len, &c), 1);
	}
	memset(longname, 'x', 255);
	longname[255] = 0;
	len = sizeof(buf);
	CU_ASSERT_EQUAL(cb_rtcp_build_sdes(1, longname, buf, &len), 0);
	CU_ASSERT_EQUAL(len, 4 + 264);
	longname[255] = 'x';
	longname[256] = 0;
	len = sizeof(buf);
	CU_ASSERT_EQUAL(cb_rtcp_build_sdes(1, longname, buf, &len), -EINVAL);
	CU_ASSERT_EQUAL(cb_rtcp_build_sdes(1, "", buf, &len), -EINVAL);
	len = 15;
	CU_ASSERT_EQUAL(cb_rtcp_build_sdes(1, "abc", buf, &len), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(len, 15);
}

static void test_sdes_many_items(void)
{
	/* Two chunks: {SSRC 1: CNAME "x", NAME "yz"}, {SSRC 2: empty}, {SSRC 3: CNAME "q"}. */
	static const uint8_t v[] = {
	    0x83, 0xca, 0x00, 0x07, /* SC=3, length 7 */
	    0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x78, 0x02, 0x02, 0x79, 0x7a, 0x00, /* chunk 1 */
	    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, /* chunk 2: no items */
	    0x00, 0x00, 0x00, 0x03, 0x01, 0x01, 0x71, 0x00, /* chunk 3 */
	};
	struct cb_rtcp_sdes_item it;
	struct collect c;
	size_t pos = 0;

	CU_ASSERT_EQUAL_FATAL(parse_one_msg(v, sizeof(v), &c), 1);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_sdes_next(&c.m[0], &pos, &it), 1);
	CU_ASSERT(it.ssrc == 1 && it.type == 1 && it.len == 1 && it.text[0] == 'x');
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_sdes_next(&c.m[0], &pos, &it), 1);
	CU_ASSERT(it.ssrc == 1 && it.type == 2 && it.len == 2 && memcmp(it.text, "yz", 2) == 0);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_sdes_next(&c.m[0], &pos, &it), 1);
	CU_ASSERT(it.ssrc == 3 && it.type == 1 && it.len == 1 && it.text[0] == 'q');
	CU_ASSERT_EQUAL(cb_rtcp_sdes_next(&c.m[0], &pos, &it), 0);
	CU_ASSERT_EQUAL(cb_rtcp_sdes_next(&c.m[0], &pos, &it), 0);
	CU_ASSERT_EQUAL(cb_rtcp_sdes_next(NULL, &pos, &it), -EINVAL);
}

static void test_bye_known(void)
{
	static const uint32_t ssrc[] = {0x11223344};
	struct collect c;
	uint8_t buf[64];
	size_t len = sizeof(buf);

	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_bye(ssrc, 1, "bye", buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(bye_vec));
	CU_ASSERT_EQUAL(memcmp(buf, bye_vec, len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(bye_vec, sizeof(bye_vec), &c), 1);
	CU_ASSERT_EQUAL_FATAL(c.m[0].type, CB_RTCP_BYE);
	CU_ASSERT_EQUAL_FATAL(c.m[0].u.bye.n_ssrc, 1);
	CU_ASSERT_EQUAL(c.m[0].u.bye.ssrc[0], 0x11223344);
	CU_ASSERT_EQUAL_FATAL(c.m[0].u.bye.reason_len, 3);
	CU_ASSERT_EQUAL(memcmp(c.m[0].u.bye.reason, "bye", 3), 0);

	/* Without a reason: header and SSRC only. */
	len = sizeof(buf);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_bye(ssrc, 1, NULL, buf, &len), 0);
	CU_ASSERT_EQUAL(len, 8);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(buf, len, &c), 1);
	CU_ASSERT_PTR_NULL(c.m[0].u.bye.reason);
	/* A 4-byte reason needs a second word: 1 + 4 = 5 -> 8 bytes. */
	len = sizeof(buf);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_bye(ssrc, 1, "gone", buf, &len), 0);
	CU_ASSERT_EQUAL(len, 16);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(buf, len, &c), 1);
	CU_ASSERT_EQUAL(c.m[0].u.bye.reason_len, 4);
}

static void test_feedback_known(void)
{
	static const struct cb_nack_entry ne[] = {{100, 0x0005}};
	static const struct cb_fir_entry fe[] = {{0x55667788, 7}};
	struct cb_nack_entry n;
	struct cb_fir_entry f;
	struct collect c;
	uint8_t buf[64];
	size_t len = sizeof(buf);

	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_nack(0x11223344, 0x55667788, ne, 1, buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(nack_vec));
	CU_ASSERT_EQUAL(memcmp(buf, nack_vec, len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(nack_vec, sizeof(nack_vec), &c), 1);
	CU_ASSERT_EQUAL_FATAL(c.m[0].type, CB_RTCP_NACK);
	CU_ASSERT_EQUAL(c.m[0].u.fb.sender_ssrc, 0x11223344);
	CU_ASSERT_EQUAL(c.m[0].u.fb.media_ssrc, 0x55667788);
	CU_ASSERT_EQUAL_FATAL(c.m[0].u.fb.n_fci, 1);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_nack_get(&c.m[0], 0, &n), 0);
	CU_ASSERT(n.pid == 100 && n.blp == 5);
	CU_ASSERT_EQUAL(cb_rtcp_nack_get(&c.m[0], 1, &n), -EINVAL);
	CU_ASSERT_EQUAL(cb_rtcp_fir_get(&c.m[0], 0, &f), -EINVAL);

	len = sizeof(buf);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_pli(0x11223344, 0x55667788, buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(pli_vec));
	CU_ASSERT_EQUAL(memcmp(buf, pli_vec, len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(pli_vec, sizeof(pli_vec), &c), 1);
	CU_ASSERT_EQUAL_FATAL(c.m[0].type, CB_RTCP_PLI);
	CU_ASSERT_EQUAL(c.m[0].u.fb.sender_ssrc, 0x11223344);
	CU_ASSERT_EQUAL(c.m[0].u.fb.media_ssrc, 0x55667788);
	CU_ASSERT_EQUAL(c.m[0].u.fb.n_fci, 0);

	len = sizeof(buf);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_fir(0x11223344, fe, 1, buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(fir_vec));
	CU_ASSERT_EQUAL(memcmp(buf, fir_vec, len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(fir_vec, sizeof(fir_vec), &c), 1);
	CU_ASSERT_EQUAL_FATAL(c.m[0].type, CB_RTCP_FIR);
	CU_ASSERT_EQUAL(c.m[0].u.fb.media_ssrc, 0);
	CU_ASSERT_EQUAL_FATAL(c.m[0].u.fb.n_fci, 1);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_fir_get(&c.m[0], 0, &f), 0);
	CU_ASSERT(f.ssrc == 0x55667788 && f.seq == 7);

	len = 11;
	CU_ASSERT_EQUAL(cb_rtcp_build_pli(1, 2, buf, &len), CB_E_NOSPACE);
	len = sizeof(buf);
	CU_ASSERT_EQUAL(cb_rtcp_build_nack(1, 2, ne, 0, buf, &len), -EINVAL);
	CU_ASSERT_EQUAL(cb_rtcp_build_fir(1, fe, 0, buf, &len), -EINVAL);
	CU_ASSERT_EQUAL(cb_rtcp_build_pli(1, 2, NULL, &len), -EINVAL);
}

static void test_other_types(void)
{
	/* APP (204), REMB-like PSFB FMT 15, and an unassigned PT 195 with no body. */
	static const uint8_t v[] = {
	    0x80, 0xcc, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x6e, 0x61, 0x6d,
	    0x65, 0x8f, 0xce, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00,
	    0x00, 0x00, 0x52, 0x45, 0x4d, 0x42, 0x80, 0xc3, 0x00, 0x00,
	};
	struct collect c;

	CU_ASSERT_EQUAL_FATAL(parse_one_msg(v, sizeof(v), &c), 3);
	CU_ASSERT_EQUAL(c.m[0].type, CB_RTCP_OTHER);
	CU_ASSERT_EQUAL(c.m[0].u.other.pt, 204);
	CU_ASSERT_EQUAL(c.m[0].u.other.len, 8);
	CU_ASSERT_EQUAL(c.m[1].type, CB_RTCP_OTHER);
	CU_ASSERT_EQUAL(c.m[1].u.other.pt, 206);
	CU_ASSERT_EQUAL(c.m[1].u.other.count, 15);
	CU_ASSERT_EQUAL(c.m[1].u.other.len, 12);
	CU_ASSERT_EQUAL(c.m[2].type, CB_RTCP_OTHER);
	CU_ASSERT_EQUAL(c.m[2].u.other.pt, 195);
	CU_ASSERT_EQUAL(c.m[2].u.other.len, 0);
}

/* Concatenate every vector into one compound packet; remember where each starts. */
static size_t make_compound(uint8_t *buf, size_t *starts)
{
	size_t off = 0;

	for (size_t i = 0; i < N_VECS; i++) {
		starts[i] = off;
		memcpy(buf + off, vecs[i].b, vecs[i].len);
		off += vecs[i].len;
	}
	return off;
}

static void test_compound(void)
{
	static const enum cb_rtcp_type want[N_VECS] = {
	    CB_RTCP_SR,	 CB_RTCP_RR,   CB_RTCP_RR,  CB_RTCP_SDES,
	    CB_RTCP_BYE, CB_RTCP_NACK, CB_RTCP_PLI, CB_RTCP_FIR,
	};
	uint8_t buf[512];
	size_t starts[N_VECS], len = make_compound(buf, starts);
	struct collect c;
	struct cb_rtcp_sr sr = {.ssrc = 0x11223344,
				.ntp = 0xe8e3a1b280000000ull,
				.rtp_ts = 90000,
				.packet_count = 100,
				.octet_count = 12000,
				.n_blocks = 1};
	struct cb_rtcp_rr rr = {.ssrc = 0x11223344};
	uint8_t out[128];
	size_t olen;

	CU_ASSERT_EQUAL_FATAL(parse_one_msg(buf, len, &c), (int)N_VECS);
	CU_ASSERT_EQUAL_FATAL(c.n, N_VECS);
	for (size_t i = 0; i < N_VECS; i++) {
		CU_ASSERT_EQUAL(c.m[i].type, want[i]);
		CU_ASSERT_PTR_EQUAL(c.m[i].raw, buf + starts[i]);
		CU_ASSERT_EQUAL(c.m[i].raw_len, vecs[i].len);
	}
	/* Validation only, and a callback that stops the walk. */
	CU_ASSERT_EQUAL(cb_rtcp_parse(buf, len, NULL, NULL), (int)N_VECS);
	memset(&c, 0, sizeof(c));
	c.stop_at = 3;
	CU_ASSERT_EQUAL(cb_rtcp_parse(buf, len, collect_cb, &c), -42);
	CU_ASSERT_EQUAL(c.n, 3);

	/* SR + SDES as one compound equals the two vectors back to back. */
	sr.blocks[0] =
	    (struct cb_rtcp_report_block){0xaabbccdd, 64, 5, 0x10005, 32, 0x12345678, 0x10000};
	olen = sizeof(out);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_report(&sr, NULL, "abc", out, &olen), 0);
	CU_ASSERT_EQUAL_FATAL(olen, sizeof(sr_vec) + sizeof(sdes_vec));
	CU_ASSERT_EQUAL(memcmp(out, sr_vec, sizeof(sr_vec)), 0);
	CU_ASSERT_EQUAL(memcmp(out + sizeof(sr_vec), sdes_vec, sizeof(sdes_vec)), 0);
	/* All or nothing when short. */
	memset(out, 0xcc, sizeof(out));
	olen = sizeof(sr_vec) + sizeof(sdes_vec) - 1;
	CU_ASSERT_EQUAL(cb_rtcp_build_report(&sr, NULL, "abc", out, &olen), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(out[0], 0xcc);
	/* RR + SDES; RR alone. */
	olen = sizeof(out);
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_report(NULL, &rr, "abc", out, &olen), 0);
	CU_ASSERT_EQUAL(olen, 8 + sizeof(sdes_vec));
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(out, olen, &c), 2);
	CU_ASSERT(c.m[0].type == CB_RTCP_RR && c.m[1].type == CB_RTCP_SDES);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtcp_build_report(NULL, &rr, NULL, out, &olen), 0);
	CU_ASSERT_EQUAL(olen, 8);
	CU_ASSERT_EQUAL(cb_rtcp_build_report(NULL, NULL, "abc", out, &olen), -EINVAL);

	/* Padding on the last sub-packet is stripped: RR + PLI with 4 padding bytes. */
	memcpy(out, rr0_vec, 8);
	memcpy(out + 8, pli_vec, 12);
	out[8] |= 0x20;
	out[11] = 3;
	memcpy(out + 20, "\0\0\0\4", 4);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(out, 24, &c), 2);
	CU_ASSERT_EQUAL(c.m[1].type, CB_RTCP_PLI);
	CU_ASSERT_EQUAL(c.m[1].raw_len, 16);
}

static void test_malformed(void)
{
	static const struct {
		const char *why;
		uint8_t b[24];
		size_t len;
	} bad[] = {
	    {"empty", {0}, 0},
	    {"version 1", {0x41, 0xc9, 0x00, 0x01, 1, 2, 3, 4}, 8},
	    {"version 0", {0x01, 0xc9, 0x00, 0x01, 1, 2, 3, 4}, 8},
	    {"length past end", {0x80, 0xc9, 0x00, 0x02, 1, 2, 3, 4}, 8},
	    {"stray tail bytes", {0x80, 0xc9, 0x00, 0x01, 1, 2, 3, 4, 0, 0}, 10},
	    {"zero word tail", {0x80, 0xc9, 0x00, 0x01, 1, 2, 3, 4, 0, 0, 0, 0}, 12},
	    {"short header", {0x80, 0xc9}, 2},
	    {"PT outside RTCP", {0x80, 0x60, 0x00, 0x01, 1, 2, 3, 4}, 8},
	    {"padding not last",
	     {0xa0, 0xc9, 0x00, 0x01, 1, 2, 3, 4, 0x80, 0xc9, 0x00, 0x01, 1, 2, 3, 4},
	     16},
	    {"padding count 0", {0xa0, 0xc9, 0x00, 0x02, 1, 2, 3, 4, 0, 0, 0, 0}, 12},
	    {"padding past body", {0xa0, 0xc9, 0x00, 0x01, 1, 2, 3, 9}, 8},
	    {"padding eats SSRC", {0xa0, 0xc9, 0x00, 0x01, 0, 0, 0, 4}, 8},
	    {"SR too short", {0x80, 0xc8, 0x00, 0x01, 1, 2, 3, 4}, 8},
	    {"RR blocks past end", {0x81, 0xc9, 0x00, 0x01, 1, 2, 3, 4}, 8},
	    {"SDES item past end",
	     {0x81, 0xca, 0x00, 0x02, 1, 2, 3, 4, 0x01, 0x05, 0x61, 0x62},
	     12},
	    {"SDES no null", {0x81, 0xca, 0x00, 0x02, 1, 2, 3, 4, 0x01, 0x02, 0x61, 0x62}, 12},
	    {"SDES chunk missing", {0x82, 0xca, 0x00, 0x02, 1, 2, 3, 4, 0x01, 0x01, 0x61, 0}, 12},
	    {"SDES trailing word",
	     {0x81, 0xca, 0x00, 0x03, 1, 2, 3, 4, 0x01, 0x01, 0x61, 0, 0, 0, 0, 0},
	     16},
	    {"BYE SSRC missing", {0x82, 0xcb, 0x00, 0x01, 1, 2, 3, 4}, 8},
	    {"BYE reason past end", {0x81, 0xcb, 0x00, 0x02, 1, 2, 3, 4, 5, 0x61, 0x62, 0x63}, 12},
	    {"FB too short", {0x81, 0xcd, 0x00, 0x01, 1, 2, 3, 4}, 8},
	    {"NACK no FCI", {0x81, 0xcd, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8}, 12},
	    {"NACK FCI cut by padding",
	     {0xa1, 0xcd, 0x00, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 0, 100, 0, 2},
	     16},
	    {"PLI with FCI", {0x81, 0xce, 0x00, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9}, 16},
	    {"FIR half entry", {0x84, 0xce, 0x00, 0x03, 1, 2, 3, 4, 0, 0, 0, 0, 9, 9, 9, 9}, 16},
	    {"FIR no FCI", {0x84, 0xce, 0x00, 0x02, 1, 2, 3, 4, 0, 0, 0, 0}, 12},
	    {"good RR then bad",
	     {0x80, 0xc9, 0x00, 0x01, 1, 2, 3, 4, 0x80, 0xc9, 0x00, 0x05, 1, 2, 3, 4},
	     16},
	};
	unsigned rejected = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct collect c;
		uint8_t *copy = malloc(bad[i].len ? bad[i].len : 1);
		int r;

		/* An exact-size heap copy lets sanitizers see any read past the end. */
		memcpy(copy, bad[i].b, bad[i].len);
		r = parse_one_msg(copy, bad[i].len, &c);
		if (r != CB_E_BADPKT)
			printf("\n      not rejected: %s (%d) ", bad[i].why, r);
		CU_ASSERT_EQUAL(r, CB_E_BADPKT);
		CU_ASSERT_EQUAL(c.n, 0);
		rejected += r == CB_E_BADPKT;
		free(copy);
	}
	CU_ASSERT_EQUAL(rejected, sizeof(bad) / sizeof(bad[0]));
	CU_ASSERT_EQUAL(cb_rtcp_parse(NULL, 8, NULL, NULL), -EINVAL);
}

/*
 * Cut the compound of every vector at every length: the result is either
 * CB_E_BADPKT with no callback, or — exactly at a sub-packet boundary — the
 * valid prefix.
 */
static void test_truncation(void)
{
	uint8_t buf[512];
	size_t starts[N_VECS], len = make_compound(buf, starts);

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		struct collect c;
		int r, boundary = -1;

		memcpy(copy, buf, cut);
		for (size_t i = 1; i < N_VECS; i++)
			if (starts[i] == cut)
				boundary = (int)i;
		r = parse_one_msg(copy, cut, &c);
		if (boundary > 0) {
			CU_ASSERT_EQUAL(r, boundary);
			CU_ASSERT_EQUAL(c.n, (size_t)boundary);
		} else {
			CU_ASSERT_EQUAL(r, CB_E_BADPKT);
			CU_ASSERT_EQUAL(c.n, 0);
		}
		free(copy);
	}
	/* Each vector alone, cut short anywhere, is rejected. */
	for (size_t v = 0; v < N_VECS; v++)
		for (size_t cut = 0; cut < vecs[v].len; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);

			memcpy(copy, vecs[v].b, cut);
			CU_ASSERT_EQUAL(cb_rtcp_parse(copy, cut, NULL, NULL), CB_E_BADPKT);
			free(copy);
		}
}

/* Walk everything a parsed message exposes, as a caller would. */
static int touch_cb(void *user, const struct cb_rtcp_msg *m)
{
	unsigned *sum = user;
	struct cb_rtcp_sdes_item it;
	struct cb_nack_entry n;
	struct cb_fir_entry f;
	size_t pos = 0;

	*sum += m->raw[m->raw_len - 1];
	switch (m->type) {
	case CB_RTCP_SDES:
		while (cb_rtcp_sdes_next(m, &pos, &it) == 1)
			for (unsigned i = 0; i < it.len; i++)
				*sum += (uint8_t)it.text[i];
		break;
	case CB_RTCP_NACK:
		for (size_t i = 0; i < m->u.fb.n_fci; i++)
			if (cb_rtcp_nack_get(m, i, &n) == 0)
				*sum += n.pid;
		break;
	case CB_RTCP_FIR:
		for (size_t i = 0; i < m->u.fb.n_fci; i++)
			if (cb_rtcp_fir_get(m, i, &f) == 0)
				*sum += f.seq;
		break;
	case CB_RTCP_BYE:
		for (unsigned i = 0; i < m->u.bye.reason_len; i++)
			*sum += (uint8_t)m->u.bye.reason[i];
		break;
	case CB_RTCP_OTHER:
		for (size_t i = 0; i < m->u.other.len; i++)
			*sum += m->u.other.body[i];
		break;
	default:
		break;
	}
	return 0;
}

/* Seeded mutations of the compound: any answer but a crash or an overread. */
static void test_mutations(void)
{
	uint8_t buf[512];
	size_t starts[N_VECS], len = make_compound(buf, starts);
	struct cb_rng rng;
	unsigned ok = 0, bad = 0, sum = 0;

	cb_rng_seed(&rng, 4);
	for (int iter = 0; iter < 20000; iter++) {
		size_t cut = len - cb_rng_next(&rng) % 64;
		uint8_t *copy = malloc(cut);
		int flips = 1 + (int)(cb_rng_next(&rng) % 4), r;

		memcpy(copy, buf, cut);
		for (int k = 0; k < flips; k++)
			copy[cb_rng_next(&rng) % cut] ^= (uint8_t)(1u << (cb_rng_next(&rng) % 8));
		r = cb_rtcp_parse(copy, cut, touch_cb, &sum);
		CU_ASSERT(r > 0 || r == CB_E_BADPKT);
		if (r > 0)
			ok++;
		else
			bad++;
		free(copy);
	}
	/* Both outcomes happen, so the test exercises both paths. */
	CU_ASSERT(ok > 0);
	CU_ASSERT(bad > 0);
}

/* ---- NACK lists ---------------------------------------------------------- */

static void check_encode(const uint16_t *seqs, size_t n, const struct cb_nack_entry *want,
			 size_t n_want)
{
	struct cb_nack_entry e[64];
	uint16_t back[1024];
	size_t ne = 64, nb = 1024;

	CU_ASSERT_EQUAL_FATAL(cb_nack_encode(seqs, n, e, &ne), 0);
	CU_ASSERT_EQUAL_FATAL(ne, n_want);
	for (size_t i = 0; i < ne; i++) {
		CU_ASSERT_EQUAL(e[i].pid, want[i].pid);
		CU_ASSERT_EQUAL(e[i].blp, want[i].blp);
	}
	CU_ASSERT_EQUAL_FATAL(cb_nack_decode(e, ne, back, &nb), 0);
	CU_ASSERT_EQUAL_FATAL(nb, n);
	CU_ASSERT(n == 0 || memcmp(back, seqs, n * sizeof(*seqs)) == 0);
}

static void test_nack_lists(void)
{
	static const uint16_t one[] = {100};
	static const struct cb_nack_entry one_e[] = {{100, 0}};
	static const uint16_t three[] = {100, 102, 120};
	static const struct cb_nack_entry three_e[] = {{100, 0x0002}, {120, 0}};
	static const uint16_t wrap[] = {65534, 65535, 0, 1, 20};
	static const struct cb_nack_entry wrap_e[] = {{65534, 0x0007}, {20, 0}};
	static const uint16_t edge[] = {65519, 0}; /* 0 - 65519 = 17: just out of reach */
	static const struct cb_nack_entry edge_e[] = {{65519, 0}, {0, 0}};
	static const uint16_t edge2[] = {65520, 0}; /* 16: the top BLP bit */
	static const struct cb_nack_entry edge2_e[] = {{65520, 0x8000}};
	uint16_t run[18], dup[] = {5, 5, 6, 6}, unsorted[] = {10, 5};
	struct cb_nack_entry run_e[] = {{100, 0xffff}, {117, 0}}, e[4];
	size_t ne;

	check_encode(one, 1, one_e, 1);
	for (unsigned i = 0; i < 18; i++)
		run[i] = (uint16_t)(100 + i);
	check_encode(run, 17, run_e, 1);
	check_encode(run, 18, run_e, 2);
	check_encode(three, 3, three_e, 2);
	check_encode(wrap, 5, wrap_e, 2);
	check_encode(edge, 2, edge_e, 2);
	check_encode(edge2, 2, edge2_e, 1);
	check_encode(NULL, 0, NULL, 0);

	/* Repeats merge; disorder and a short output are refused untouched. */
	ne = 4;
	CU_ASSERT_EQUAL(cb_nack_encode(dup, 4, e, &ne), 0);
	CU_ASSERT(ne == 1 && e[0].pid == 5 && e[0].blp == 1);
	ne = 4;
	CU_ASSERT_EQUAL(cb_nack_encode(unsorted, 2, e, &ne), -EINVAL);
	CU_ASSERT_EQUAL(ne, 4);
	ne = 1;
	CU_ASSERT_EQUAL(cb_nack_encode(three, 3, e, &ne), CB_E_NOSPACE);
	ne = 1;
	CU_ASSERT_EQUAL(cb_nack_decode(three_e, 1, run, &ne), CB_E_NOSPACE);
	ne = 2;
	CU_ASSERT_EQUAL(cb_nack_decode(three_e, 1, run, &ne), 0);
	CU_ASSERT(ne == 2 && run[0] == 100 && run[1] == 102);
}

/*
 * A lower bound on any packing: walk the sorted set picking points more than
 * 16 after the last pick.  No entry covers two picks, so at least that many
 * entries are needed; an encoder that matches it is optimal.
 */
static size_t nack_lower_bound(const uint16_t *s, size_t n)
{
	size_t k = 0;
	uint16_t last = 0;

	for (size_t i = 0; i < n; i++)
		if (k == 0 || (uint16_t)(s[i] - last) > 16) {
			last = s[i];
			k++;
		}
	return k;
}

static void test_nack_random(void)
{
	struct cb_rng rng;
	uint16_t seqs[300], back[300 * 17];
	struct cb_nack_entry e[300];
	uint8_t pkt[12 + 4 * 300];

	cb_rng_seed(&rng, 20240405);
	for (int iter = 0; iter < 1000; iter++) {
		size_t n = 1 + cb_rng_next(&rng) % 300, ne = 300, nb = sizeof(back) / 2;
		uint16_t s = (uint16_t)cb_rng_next(&rng);
		unsigned maxgap = 1 + (unsigned)(cb_rng_next(&rng) % 40);
		struct collect c;
		size_t plen = sizeof(pkt);

		/* Spans stay under 300 * 40 < 32768, as RTP ordering needs. */
		for (size_t i = 0; i < n; i++) {
			seqs[i] = s;
			s = (uint16_t)(s + 1 + cb_rng_next(&rng) % maxgap);
		}
		CU_ASSERT_EQUAL_FATAL(cb_nack_encode(seqs, n, e, &ne), 0);
		CU_ASSERT_EQUAL(ne, nack_lower_bound(seqs, n));
		CU_ASSERT_EQUAL_FATAL(cb_nack_decode(e, ne, back, &nb), 0);
		CU_ASSERT_EQUAL_FATAL(nb, n);
		CU_ASSERT_EQUAL(memcmp(back, seqs, n * 2), 0);

		/* And through the wire format. */
		CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_nack(1, 2, e, ne, pkt, &plen), 0);
		CU_ASSERT_EQUAL_FATAL(parse_one_msg(pkt, plen, &c), 1);
		CU_ASSERT_EQUAL_FATAL(c.m[0].u.fb.n_fci, ne);
		for (size_t i = 0; i < ne; i++) {
			struct cb_nack_entry g;

			CU_ASSERT_EQUAL(cb_rtcp_nack_get(&c.m[0], i, &g), 0);
			CU_ASSERT(g.pid == e[i].pid && g.blp == e[i].blp);
		}
	}
}

/* ---- receive statistics --------------------------------------------------- */

static int feed(struct cb_rtp_rx_stats *st, uint16_t seq)
{
	/* Sequence-only tests: timestamps and arrivals follow the seq (no jitter). */
	return cb_rtp_rx_stats_update(st, seq, seq * 960u, (cb_ns)seq * 20 * CB_NS_PER_MS, 48000);
}

static void test_stats_loss(void)
{
	static const uint16_t first[] = {0, 1, 2, 4, 3, 5, 8, 9};
	struct cb_rtp_rx_stats st;
	struct cb_rtcp_report_block b;

	CU_ASSERT_EQUAL(cb_rtp_rx_stats_init(&st, 0xabc), 0);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b), CB_E_AGAIN);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_update(&st, 0, 0, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(st.started, 0);

	/* 0..9 with 3 and 4 swapped and 6, 7 lost: 10 expected, 8 received. */
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		CU_ASSERT_EQUAL(feed(&st, first[i]), i == 0	     ? CB_RTP_SEQ_FIRST
						     : first[i] == 3 ? CB_RTP_SEQ_LATE
								     : CB_RTP_SEQ_NEW);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_ext_max(&st), 9);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_expected(&st), 10);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_lost(&st), 2);
	CU_ASSERT_EQUAL_FATAL(cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b), 0);
	CU_ASSERT_EQUAL(b.ssrc, 0xabc);
	CU_ASSERT_EQUAL(b.fraction_lost, 51); /* 2 * 256 / 10 = 51.2 */
	CU_ASSERT_EQUAL(b.cumulative_lost, 2);
	CU_ASSERT_EQUAL(b.ext_highest_seq, 9);
	CU_ASSERT_EQUAL(b.jitter, 0);
	CU_ASSERT_EQUAL(b.lsr, 0);
	CU_ASSERT_EQUAL(b.dlsr, 0);

	/* Next interval: 10, 11, 11 again, 12: 3 expected, 4 received. */
	feed(&st, 10);
	feed(&st, 11);
	CU_ASSERT_EQUAL(feed(&st, 11), CB_RTP_SEQ_LATE);
	feed(&st, 12);
	CU_ASSERT_EQUAL_FATAL(cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b), 0);
	CU_ASSERT_EQUAL(b.fraction_lost, 0);
	CU_ASSERT_EQUAL(b.cumulative_lost, 1);
	CU_ASSERT_EQUAL(b.ext_highest_seq, 12);

	/* An empty interval reports 0, not a division by zero. */
	CU_ASSERT_EQUAL_FATAL(cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b), 0);
	CU_ASSERT_EQUAL(b.fraction_lost, 0);

	/* Half of the next 4 lost: 13, 16 -> 4 expected, 2 received -> 128. */
	feed(&st, 13);
	feed(&st, 16);
	cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b);
	CU_ASSERT_EQUAL(b.fraction_lost, 128);
	CU_ASSERT_EQUAL(b.cumulative_lost, 3);
}

static void test_stats_wrap(void)
{
	static const uint16_t seqs[] = {65533, 65534, 65535, 1, 2};
	struct cb_rtp_rx_stats st;
	struct cb_rtcp_report_block b;
	struct collect c;
	struct cb_rtcp_rr rr = {.ssrc = 9, .n_blocks = 1};
	uint8_t pkt[64];
	size_t len = sizeof(pkt);

	cb_rtp_rx_stats_init(&st, 1);
	for (size_t i = 0; i < 5; i++)
		feed(&st, seqs[i]);
	/* Across the wrap: one cycle, highest 2; 0 is missing. */
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_ext_max(&st), 0x10002);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_expected(&st), 6);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_lost(&st), 1);
	cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b);
	CU_ASSERT_EQUAL(b.fraction_lost, 42); /* 256 / 6 */
	CU_ASSERT_EQUAL(b.ext_highest_seq, 0x10002);

	/* 0 arrives late: counted, the cycle count does not move. */
	CU_ASSERT_EQUAL(feed(&st, 0), CB_RTP_SEQ_LATE);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_ext_max(&st), 0x10002);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_lost(&st), 0);

	/* Then two duplicates: loss goes negative and survives the wire. */
	feed(&st, 2);
	feed(&st, 2);
	cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b);
	CU_ASSERT_EQUAL(b.cumulative_lost, -2);
	CU_ASSERT_EQUAL(b.fraction_lost, 0);
	rr.blocks[0] = b;
	CU_ASSERT_EQUAL_FATAL(cb_rtcp_build_rr(&rr, pkt, &len), 0);
	CU_ASSERT_EQUAL_FATAL(parse_one_msg(pkt, len, &c), 1);
	CU_ASSERT_EQUAL(c.m[0].u.rr.blocks[0].cumulative_lost, -2);
	CU_ASSERT_EQUAL(c.m[0].u.rr.blocks[0].ext_highest_seq, 0x10002);
}

static void test_stats_jumps(void)
{
	struct cb_rtp_rx_stats st;

	cb_rtp_rx_stats_init(&st, 1);
	feed(&st, 100);
	feed(&st, 101);
	/* A gap under 3000 is loss. */
	CU_ASSERT_EQUAL(feed(&st, 2000), CB_RTP_SEQ_NEW);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_lost(&st), 1898);
	/* A lone far packet is ignored; the stream goes on. */
	CU_ASSERT_EQUAL(feed(&st, 40000), CB_RTP_SEQ_JUMP);
	CU_ASSERT_EQUAL(st.received, 3);
	CU_ASSERT_EQUAL(feed(&st, 2001), CB_RTP_SEQ_NEW);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_ext_max(&st), 2001);
	/* Two in a row mean a restart: counting starts again at the second. */
	CU_ASSERT_EQUAL(feed(&st, 50000), CB_RTP_SEQ_JUMP);
	CU_ASSERT_EQUAL(feed(&st, 50001), CB_RTP_SEQ_RESTART);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_ext_max(&st), 50001);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_expected(&st), 1);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_lost(&st), 0);
	/* Up to 100 behind is late, not a jump. */
	CU_ASSERT_EQUAL(feed(&st, 49902), CB_RTP_SEQ_LATE);
}

static void test_jitter(void)
{
	struct cb_rtp_rx_stats st;
	struct cb_rtcp_report_block b;
	const cb_ns k = 5 * CB_NS_PER_MS, base = 123456789;

	/* Constant transit: 90 kHz video, 20 ms apart, any fixed delay -> 0. */
	cb_rtp_rx_stats_init(&st, 1);
	for (uint16_t i = 0; i < 500; i++)
		cb_rtp_rx_stats_update(&st, i, 7777u + i * 1800u,
				       base + 20 * CB_NS_PER_MS * i + 37 * CB_NS_PER_MS, 90000);
	CU_ASSERT_EQUAL(st.jitter, 0.0);
	cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b);
	CU_ASSERT_EQUAL(b.jitter, 0);

	/*
	 * Transit alternating +k, -k: every |D| is 2k = 10 ms = 900 ticks at
	 * 90 kHz.  J_n = 900 (1 - (15/16)^n); its fixed point J = J + (900 -
	 * J)/16 is J = 900.  After the first two differences: 56.25 and
	 * 56.25 + 843.75 / 16 = 108.984375, exact in binary.
	 */
	cb_rtp_rx_stats_init(&st, 1);
	for (uint16_t i = 0; i < 3; i++)
		cb_rtp_rx_stats_update(&st, i, i * 1800u,
				       base + 20 * CB_NS_PER_MS * i + (i % 2 ? k : -k), 90000);
	CU_ASSERT_DOUBLE_EQUAL(st.jitter, 108.984375, 1e-9);
	for (uint16_t i = 3; i < 200; i++)
		cb_rtp_rx_stats_update(&st, i, i * 1800u,
				       base + 20 * CB_NS_PER_MS * i + (i % 2 ? k : -k), 90000);
	/* 900 (15/16)^199 is about 0.002 below the fixed point. */
	CU_ASSERT(st.jitter < 900.0 && st.jitter > 899.99);
	cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b);
	CU_ASSERT_EQUAL(b.jitter, 900);

	/* Opus at 48 kHz, ±2 ms: |D| = 4 ms = 192 samples. */
	cb_rtp_rx_stats_init(&st, 1);
	for (uint16_t i = 0; i < 300; i++)
		cb_rtp_rx_stats_update(&st, i, i * 960u,
				       20 * CB_NS_PER_MS * i + (i % 2 ? 2 : -2) * CB_NS_PER_MS,
				       48000);
	cb_rtp_rx_stats_report_block(&st, 0, 0, CB_NS_NONE, &b);
	CU_ASSERT_EQUAL(b.jitter, 192);
}

/* ---- NTP and RTT ------------------------------------------------------------ */

static void test_ntp(void)
{
	struct cb_rng rng;

	/* cb_ns 0 at the Unix epoch: NTP seconds 2208988800 = 0x83aa7e80. */
	CU_ASSERT_EQUAL(cb_ntp_from_ns(0, NTP_EPOCH_NS), 0x83aa7e8000000000ull);
	CU_ASSERT_EQUAL(cb_ntp_from_ns(CB_NS_PER_S / 2, NTP_EPOCH_NS), 0x83aa7e8080000000ull);
	CU_ASSERT_EQUAL(cb_ntp_from_ns(CB_NS_PER_S / 4, 0), 0x40000000ull);
	CU_ASSERT_EQUAL(cb_ntp_from_ns(-1, 0), 0);
	CU_ASSERT_EQUAL(cb_ntp_mid32(0x83aa7e8080000000ull), 0x7e808000u);
	CU_ASSERT_EQUAL(cb_ntp_to_ns(0x83aa7e8080000000ull, NTP_EPOCH_NS), CB_NS_PER_S / 2);
	/*
	 * ns -> NTP -> ns is exact, the fraction being finer than a nanosecond,
	 * as long as the time stays in NTP era 0 (until 2036, 66 years after
	 * this epoch).
	 */
	cb_rng_seed(&rng, 7);
	for (int i = 0; i < 10000; i++) {
		cb_ns t = (cb_ns)(cb_rng_next(&rng) % (60ull * 365 * 86400 * CB_NS_PER_S));

		CU_ASSERT_EQUAL(cb_ntp_to_ns(cb_ntp_from_ns(t, NTP_EPOCH_NS), NTP_EPOCH_NS), t);
	}
	CU_ASSERT_EQUAL(cb_ntp_short_from_ns(CB_NS_PER_S), 65536);
	CU_ASSERT_EQUAL(cb_ntp_short_from_ns(10 * CB_NS_PER_MS), 655); /* 655.36 */
	CU_ASSERT_EQUAL(cb_ntp_short_from_ns(-5), 0);
	CU_ASSERT_EQUAL(cb_ntp_short_from_ns(INT64_MAX), UINT32_MAX);
	CU_ASSERT_EQUAL(cb_ntp_short_to_ns(65536), CB_NS_PER_S);
	CU_ASSERT_EQUAL(cb_ntp_short_to_ns(1), 15259); /* 15258.79 */
}

/*
 * One SR/RR exchange over a path of 20 ms each way: the SR leaves the sender
 * at t0, reaches the receiver at t0 + 20 ms, the receiver answers 10 ms
 * later (DLSR 10 ms) and the report reaches the sender at t0 + 50 ms: RTT 40 ms.
 */
static cb_ns rtt_exchange(cb_ns t0, cb_ns epoch)
{
	struct cb_rtp_rx_stats st;
	struct cb_rtcp_report_block b;
	uint32_t lsr = cb_ntp_mid32(cb_ntp_from_ns(t0, epoch));
	cb_ns rtt = -1;

	cb_rtp_rx_stats_init(&st, 1);
	cb_rtp_rx_stats_update(&st, 1, 0, t0, 90000);
	CU_ASSERT_EQUAL(cb_rtp_rx_stats_report_block(&st, t0 + 30 * CB_NS_PER_MS, lsr,
						     t0 + 20 * CB_NS_PER_MS, &b),
			0);
	CU_ASSERT_EQUAL(b.lsr, lsr);
	CU_ASSERT_EQUAL(b.dlsr, 655);
	CU_ASSERT_EQUAL(
	    cb_rtt_from_report_block(cb_ntp_mid32(cb_ntp_from_ns(t0 + 50 * CB_NS_PER_MS, epoch)),
				     b.lsr, b.dlsr, &rtt),
	    0);
	return rtt;
}

static void test_rtt(void)
{
	struct cb_rng rng;
	cb_ns rtt, worst = 0;

	/*
	 * t0 on a whole second: A - LSR = trunc(3276.8) = 3276, DLSR = 655,
	 * RTT = 2621 units = 39.9939 ms, 0.44 unit from 40 ms.
	 */
	rtt = rtt_exchange(1000 * CB_NS_PER_S, NTP_EPOCH_NS);
	CU_ASSERT_EQUAL(rtt, cb_ntp_short_to_ns(2621));
	CU_ASSERT(llabs(rtt - 40 * CB_NS_PER_MS) <= UNIT_NS);

	/*
	 * Anywhere else A - LSR is 3276.8 units with each side truncated to the
	 * middle 32 bits, so it reads 3276 or 3277; less DLSR 655 that is 0.44
	 * below or 0.56 above 40 ms: always within one unit (15.3 µs).
	 */
	cb_rng_seed(&rng, 40);
	for (int i = 0; i < 1000; i++) {
		cb_ns t0 = (cb_ns)(cb_rng_next(&rng) % (86400ull * 365 * 50 * CB_NS_PER_S));
		cb_ns err = llabs(rtt_exchange(t0, NTP_EPOCH_NS) - 40 * CB_NS_PER_MS);

		if (err > worst)
			worst = err;
	}
	CU_ASSERT(worst <= UNIT_NS);

	/* No SR yet; a report claiming more delay than elapsed; the 16-bit wrap. */
	CU_ASSERT_EQUAL(cb_rtt_from_report_block(1000, 0, 0, &rtt), CB_E_AGAIN);
	CU_ASSERT_EQUAL(cb_rtt_from_report_block(1000, 900, 200, &rtt), CB_E_RANGE);
	CU_ASSERT_EQUAL(cb_rtt_from_report_block(0x00000100, 0xffffff00, 0x100, &rtt), 0);
	CU_ASSERT_EQUAL(rtt, cb_ntp_short_to_ns(0x100));
	CU_ASSERT_EQUAL(cb_rtt_from_report_block(1, 1, 0, NULL), -EINVAL);
}

int cb_suite_rtcp(void)
{
	static const struct cb_test_case cases[] = {
	    {"SR known answer", test_sr_known},
	    {"RR known answer", test_rr_known},
	    {"SDES known answer", test_sdes_known},
	    {"SDES several chunks and items", test_sdes_many_items},
	    {"BYE known answer", test_bye_known},
	    {"NACK, PLI, FIR known answer", test_feedback_known},
	    {"APP, unknown FMT and PT are skipped", test_other_types},
	    {"compound packets", test_compound},
	    {"malformed packets rejected", test_malformed},
	    {"truncation at every length", test_truncation},
	    {"seeded mutations", test_mutations},
	    {"NACK list packing", test_nack_lists},
	    {"NACK random sets, minimal", test_nack_random},
	    {"stats: loss, reordering, intervals", test_stats_loss},
	    {"stats: wrap and duplicates", test_stats_wrap},
	    {"stats: jumps and restart", test_stats_jumps},
	    {"stats: jitter", test_jitter},
	    {"NTP conversions", test_ntp},
	    {"RTT from a report block", test_rtt},
	    {NULL, NULL},
	};

	return cb_add_suite("rtcp", cases);
}
