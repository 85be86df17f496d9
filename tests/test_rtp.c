#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "rtp/rtp.h"
#include "test_util.h"

static void check_same(const struct cb_rtp_hdr *a, const struct cb_rtp_hdr *b)
{
	CU_ASSERT_EQUAL(a->marker != 0, b->marker != 0);
	CU_ASSERT_EQUAL(a->pt, b->pt);
	CU_ASSERT_EQUAL(a->seq, b->seq);
	CU_ASSERT_EQUAL(a->ts, b->ts);
	CU_ASSERT_EQUAL(a->ssrc, b->ssrc);
	CU_ASSERT_EQUAL_FATAL(a->csrc_count, b->csrc_count);
	for (unsigned i = 0; i < a->csrc_count; i++)
		CU_ASSERT_EQUAL(a->csrc[i], b->csrc[i]);
}

static void test_round_trip(void)
{
	static const struct {
		uint8_t marker, pt;
		uint16_t seq;
		uint32_t ts, ssrc;
		uint8_t cc;
	} cases[] = {
	    {0, 96, 1234, 90000, 0x11223344, 0},
	    {1, 127, 0xffff, 0xffffffff, 0xffffffff, 1},
	    {1, 0, 0, 0, 0, 2},
	    {0, 111, 0x8000, 0x80000000, 1, 15},
	};
	uint8_t buf[256];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct cb_rtp_hdr h = {0}, p;
		size_t len = sizeof(buf), hlen;

		h.marker = cases[c].marker;
		h.pt = cases[c].pt;
		h.seq = cases[c].seq;
		h.ts = cases[c].ts;
		h.ssrc = cases[c].ssrc;
		h.csrc_count = cases[c].cc;
		for (unsigned i = 0; i < h.csrc_count; i++)
			h.csrc[i] = 0xa0000000u + i * 0x01010101u;
		CU_ASSERT_EQUAL_FATAL(cb_rtp_write(&h, buf, &len), 0);
		hlen = CB_RTP_HDR_MIN + 4u * h.csrc_count;
		CU_ASSERT_EQUAL(len, hlen);
		CU_ASSERT_EQUAL(buf[0] >> 6, 2);
		memset(buf + len, 0x5a, 7);
		CU_ASSERT_EQUAL_FATAL(cb_rtp_parse(buf, len + 7, &p), 0);
		check_same(&h, &p);
		CU_ASSERT_EQUAL(p.hdr_len, hlen);
		CU_ASSERT_PTR_EQUAL(p.payload, buf + hlen);
		CU_ASSERT_EQUAL(p.payload_len, 7);
		CU_ASSERT_EQUAL(p.padding, 0);
		CU_ASSERT_EQUAL(p.has_ext, 0);
	}
}

static void test_known_bytes(void)
{
	static const uint8_t want[] = {0x80, 0xe0, 0x12, 0x34, 0x00, 0x01,
				       0x5f, 0x90, 0xde, 0xad, 0xbe, 0xef};
	struct cb_rtp_hdr h = {
	    .marker = 1, .pt = 96, .seq = 0x1234, .ts = 90000, .ssrc = 0xdeadbeef};
	uint8_t buf[CB_RTP_HDR_MIN];
	size_t len = sizeof(buf);

	/* The P and X bits are never written, whatever the struct says. */
	h.padding = 1;
	h.has_ext = 1;
	CU_ASSERT_EQUAL_FATAL(cb_rtp_write(&h, buf, &len), 0);
	CU_ASSERT_EQUAL(len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof(want)), 0);
}

static void test_write_errors(void)
{
	struct cb_rtp_hdr h = {.pt = 96, .csrc_count = 2};
	uint8_t buf[64];
	size_t len;

	memset(buf, 0xcc, sizeof(buf));
	len = CB_RTP_HDR_MIN + 7;
	CU_ASSERT_EQUAL(cb_rtp_write(&h, buf, &len), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(len, CB_RTP_HDR_MIN + 7);
	CU_ASSERT_EQUAL(buf[0], 0xcc);
	len = 0;
	CU_ASSERT_EQUAL(cb_rtp_write(&h, buf, &len), CB_E_NOSPACE);
	len = CB_RTP_HDR_MIN + 8;
	CU_ASSERT_EQUAL(cb_rtp_write(&h, buf, &len), 0);
	CU_ASSERT_EQUAL(buf[CB_RTP_HDR_MIN + 8], 0xcc);

	len = sizeof(buf);
	h.pt = 128;
	CU_ASSERT_EQUAL(cb_rtp_write(&h, buf, &len), -EINVAL);
	h.pt = 96;
	h.csrc_count = 16;
	CU_ASSERT_EQUAL(cb_rtp_write(&h, buf, &len), -EINVAL);
	CU_ASSERT_EQUAL(cb_rtp_write(NULL, buf, &len), -EINVAL);
	CU_ASSERT_EQUAL(cb_rtp_write(&h, buf, NULL), -EINVAL);
}

static size_t base_packet(uint8_t *buf, uint8_t cc)
{
	struct cb_rtp_hdr h = {.pt = 100, .seq = 7, .ts = 8, .ssrc = 9, .csrc_count = cc};
	size_t len = 64;

	for (unsigned i = 0; i < cc; i++)
		h.csrc[i] = i + 1;
	cb_rtp_write(&h, buf, &len);
	return len;
}

static void test_extension_and_padding(void)
{
	uint8_t buf[128];
	struct cb_rtp_hdr p;
	size_t n = base_packet(buf, 1);

	/* Extension: profile 0xbede, two words, then 5 payload bytes and 3 padding. */
	buf[0] |= 0x10 | 0x20;
	memcpy(buf + n, (const uint8_t[]){0xbe, 0xde, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8}, 12);
	n += 12;
	memcpy(buf + n, "hello", 5);
	n += 5;
	memcpy(buf + n, (const uint8_t[]){0, 0, 3}, 3);
	n += 3;
	CU_ASSERT_EQUAL_FATAL(cb_rtp_parse(buf, n, &p), 0);
	CU_ASSERT_EQUAL(p.has_ext, 1);
	CU_ASSERT_EQUAL(p.ext_profile, 0xbede);
	CU_ASSERT_EQUAL(p.padding, 1);
	CU_ASSERT_EQUAL(p.csrc_count, 1);
	CU_ASSERT_EQUAL(p.csrc[0], 1);
	CU_ASSERT_EQUAL(p.hdr_len, 12 + 4 + 12);
	CU_ASSERT_EQUAL(p.payload_len, 5);
	CU_ASSERT_EQUAL(memcmp(p.payload, "hello", 5), 0);

	/* Padding may take the whole payload; the count byte counts itself. */
	n = base_packet(buf, 0);
	buf[0] |= 0x20;
	buf[n++] = 1;
	CU_ASSERT_EQUAL_FATAL(cb_rtp_parse(buf, n, &p), 0);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(p.hdr_len, 12);
}

static void test_parse_rejects(void)
{
	uint8_t buf[128];
	struct cb_rtp_hdr p, orig;
	size_t n;

	memset(&orig, 0x77, sizeof(orig));
	p = orig;
	n = base_packet(buf, 0);
	for (size_t i = 0; i < CB_RTP_HDR_MIN; i++)
		CU_ASSERT_EQUAL(cb_rtp_parse(buf, i, &p), CB_E_BADPKT);
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n, &p), 0);

	/* Versions 0, 1 and 3. */
	for (uint8_t v = 0; v < 4; v++) {
		if (v == 2)
			continue;
		buf[0] = (uint8_t)((buf[0] & 0x3f) | v << 6);
		p = orig;
		CU_ASSERT_EQUAL(cb_rtp_parse(buf, n, &p), CB_E_BADPKT);
		CU_ASSERT_EQUAL(memcmp(&p, &orig, sizeof(p)), 0);
	}

	/* CSRC count claims 3 but the packet holds 2 CSRCs. */
	n = base_packet(buf, 2);
	buf[0] = (buf[0] & 0xf0) | 3;
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n, &p), CB_E_BADPKT);
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n + 3, &p), CB_E_BADPKT);
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n + 4, &p), 0);

	/* Extension header cut short, then extension body running past the end. */
	n = base_packet(buf, 0);
	buf[0] |= 0x10;
	memcpy(buf + n, (const uint8_t[]){0x10, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0}, 11);
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n + 3, &p), CB_E_BADPKT);
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n + 11, &p), CB_E_BADPKT);
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n + 12, &p), 0);
	CU_ASSERT_EQUAL(p.payload_len, 0);

	/* Padding count of zero, and padding reaching into the header. */
	n = base_packet(buf, 0);
	buf[0] |= 0x20;
	memcpy(buf + n, (const uint8_t[]){9, 9, 0}, 3);
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n + 3, &p), CB_E_BADPKT);
	buf[n + 2] = 4;
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n + 3, &p), CB_E_BADPKT);
	buf[n + 2] = 3;
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n + 3, &p), 0);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	/* P set with no byte after the header at all. */
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n, &p), CB_E_BADPKT);

	CU_ASSERT_EQUAL(cb_rtp_parse(NULL, n, &p), -EINVAL);
	CU_ASSERT_EQUAL(cb_rtp_parse(buf, n, NULL), -EINVAL);
}

static void test_seq_diff(void)
{
	CU_ASSERT_EQUAL(cb_seq_diff(5, 3), 2);
	CU_ASSERT_EQUAL(cb_seq_diff(3, 5), -2);
	CU_ASSERT_EQUAL(cb_seq_diff(0, 0xffff), 1);
	CU_ASSERT_EQUAL(cb_seq_diff(0xffff, 0), -1);
	CU_ASSERT_EQUAL(cb_seq_diff(2, 0xfffe), 4);
	/* Half the space apart: one way ahead, the other behind, never both
	 * behind each other. */
	CU_ASSERT_EQUAL(cb_seq_diff(0x8000, 0), 32768);
	CU_ASSERT_EQUAL(cb_seq_diff(0, 0x8000), -32768);
	CU_ASSERT_EQUAL(cb_seq_diff(0x9234, 0x1234), 32768);
	CU_ASSERT_EQUAL(cb_seq_diff(0x1234, 0x9234), -32768);
	{
		int antisymmetric = 1;

		for (uint32_t a = 0; a < 65536; a += 251)
			for (uint32_t b = 0; b < 65536; b++)
				antisymmetric &= cb_seq_diff((uint16_t)a, (uint16_t)b) ==
						 -cb_seq_diff((uint16_t)b, (uint16_t)a);
		CU_ASSERT(antisymmetric);
	}
	CU_ASSERT_EQUAL(cb_seq_diff(0x7fff, 0), 32767);
	CU_ASSERT_EQUAL(cb_seq_diff(1234, 1234), 0);
}

static void test_is_rtcp(void)
{
	uint8_t b[4] = {0x80, 0, 0, 1};

	for (int pt = 0; pt < 256; pt++) {
		int want = (pt & 0x7f) >= 64 && (pt & 0x7f) <= 95;

		b[1] = (uint8_t)pt;
		CU_ASSERT_EQUAL(cb_rtp_is_rtcp(b, sizeof(b)) != 0, want);
	}
	/* SR, RR, SDES, BYE, APP, RTPFB, PSFB as they appear on the wire. */
	for (int pt = 200; pt <= 206; pt++) {
		b[1] = (uint8_t)pt;
		CU_ASSERT_TRUE(cb_rtp_is_rtcp(b, sizeof(b)));
	}
	b[1] = 96;
	CU_ASSERT_FALSE(cb_rtp_is_rtcp(b, sizeof(b)));
	b[1] = 0x80 | 111; /* Opus with the marker set. */
	CU_ASSERT_FALSE(cb_rtp_is_rtcp(b, sizeof(b)));
	b[1] = 200;
	CU_ASSERT_FALSE(cb_rtp_is_rtcp(b, 1));
	CU_ASSERT_FALSE(cb_rtp_is_rtcp(NULL, 4));
}

int cb_suite_rtp(void)
{
	static const struct cb_test_case cases[] = {
	    {"header round trips (marker, max PT, extremes, CSRCs)", test_round_trip},
	    {"header bytes match RFC 3550 layout", test_known_bytes},
	    {"write checks room and fields", test_write_errors},
	    {"parse skips extension and strips padding", test_extension_and_padding},
	    {"parse rejects malformed packets", test_parse_rejects},
	    {"sequence number distance wraps", test_seq_diff},
	    {"RTP/RTCP demux by payload type", test_is_rtcp},
	    {NULL, NULL},
	};

	return cb_add_suite("rtp", cases);
}
