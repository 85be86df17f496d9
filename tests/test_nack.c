/*
 * NACK requester (rx/nack) and RTX history (rtp/rtx): time is driven by
 * hand, randomness is seeded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "rtp/rtp.h"
#include "rtp/rtx.h"
#include "rx/nack.h"
#include "test_util.h"

#define MS CB_NS_PER_MS

/* Events seen through the callback. */
struct ev_log {
	size_t n;
	struct cb_nack_event ev[64];
};

static void log_event(void *user, const struct cb_nack_event *ev)
{
	struct ev_log *l = user;

	if (l->n < sizeof(l->ev) / sizeof(l->ev[0]))
		l->ev[l->n] = *ev;
	l->n++;
}

/* A requester with a fixed 5 ms wait, a known 40 ms RTT and an event log. */
static struct cb_nack *open_fixed(struct ev_log *log, unsigned retries, cb_ns max_age,
				  size_t max_list)
{
	struct cb_nack_cfg cfg = {0};
	struct cb_nack *n = NULL;

	cfg.reorder_wait = 5 * MS;
	cfg.reorder_wait_max = 5 * MS;
	cfg.max_retries = retries;
	cfg.max_age = max_age;
	cfg.max_list = max_list;
	cfg.on_event = log ? log_event : NULL;
	cfg.user = log;
	CU_ASSERT_FATAL(cb_nack_open(&n, &cfg) == 0);
	CU_ASSERT_FATAL(cb_nack_set_rtt(n, 40 * MS) == 0);
	return n;
}

static void test_in_order(void)
{
	struct cb_nack *n = open_fixed(NULL, 0, 0, 0);
	struct cb_nack_stats st;
	uint16_t out[16];

	for (unsigned i = 0; i < 70000; i++) {
		cb_ns t = (cb_ns)i * MS;

		CU_ASSERT_EQUAL(cb_nack_on_packet(n, (uint16_t)(1000 + i), t, 0), 0);
		CU_ASSERT_EQUAL(cb_nack_due(n, t, out, 16), 0);
	}
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), CB_NS_NONE);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.packets, 70000);
	CU_ASSERT_EQUAL(st.missing, 0);
	CU_ASSERT_EQUAL(st.requests_sent, 0);
	CU_ASSERT_EQUAL(st.duplicates, 0);
	cb_nack_close(n);
}

/* Packets 0..9 and 11..20 arrive 1 ms apart; 10 is missing. */
static void feed_without_10(struct cb_nack *n)
{
	for (unsigned i = 0; i <= 20; i++)
		if (i != 10)
			CU_ASSERT_EQUAL(cb_nack_on_packet(n, (uint16_t)i, (cb_ns)i * MS, 0), 0);
}

static void test_single_loss(void)
{
	struct ev_log log = {0};
	struct cb_nack *n = open_fixed(&log, 0, 0, 0);
	struct cb_nack_stats st;
	uint16_t out[4];

	feed_without_10(n);
	/* Detected at 11 ms: first request at 16 ms, not a nanosecond before. */
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), 16 * MS);
	CU_ASSERT_EQUAL(cb_nack_due(n, 16 * MS - 1, out, 4), 0);
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 16 * MS, out, 4), 1);
	CU_ASSERT_EQUAL(out[0], 10);
	CU_ASSERT_EQUAL(cb_nack_due(n, 16 * MS, out, 4), 0);
	/* Again one RTT and the 5 ms margin later, not before. */
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), 61 * MS);
	CU_ASSERT_EQUAL(cb_nack_due(n, 56 * MS, out, 4), 0);
	CU_ASSERT_EQUAL(cb_nack_due(n, 61 * MS - 1, out, 4), 0);
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 61 * MS, out, 4), 1);
	CU_ASSERT_EQUAL(out[0], 10);
	/* A shorter RTT from RTCP applies to the next retry. */
	CU_ASSERT_EQUAL(cb_nack_set_rtt(n, 30 * MS), 0);
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), 96 * MS);

	/* The retransmission arrives at 70 ms: recovered 59 ms after detection. */
	CU_ASSERT_EQUAL(cb_nack_on_packet(n, 10, 70 * MS, CB_NACK_F_RTX), 0);
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), CB_NS_NONE);
	CU_ASSERT_EQUAL(cb_nack_due(n, 200 * MS, out, 4), 0);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.missing, 1);
	CU_ASSERT_EQUAL(st.requested, 1);
	CU_ASSERT_EQUAL(st.requests_sent, 2);
	CU_ASSERT_EQUAL(st.recovered, 1);
	CU_ASSERT_EQUAL(st.recovered_orig, 0);
	CU_ASSERT_EQUAL(st.never_recovered, 0);
	CU_ASSERT_EQUAL(st.pending, 0);
	CU_ASSERT_EQUAL(st.recovery_delay_max, 59 * MS);
	CU_ASSERT_EQUAL(st.recovery_delay_sum, 59 * MS);
	CU_ASSERT_EQUAL_FATAL(log.n, 1);
	CU_ASSERT_EQUAL(log.ev[0].kind, CB_NACK_EV_RECOVERED);
	CU_ASSERT_EQUAL(log.ev[0].seq, 10);
	CU_ASSERT_EQUAL(log.ev[0].requests, 2);
	CU_ASSERT_EQUAL(log.ev[0].rtx, 1);
	CU_ASSERT_EQUAL(log.ev[0].delay, 59 * MS);
	/* A second copy is a duplicate, not a second recovery. */
	CU_ASSERT_EQUAL(cb_nack_on_packet(n, 10, 80 * MS, CB_NACK_F_RTX), 0);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.recovered, 1);
	CU_ASSERT_EQUAL(st.duplicates, 1);
	cb_nack_close(n);
}

static void test_reordered_not_requested(void)
{
	struct cb_nack *n = open_fixed(NULL, 0, 0, 0);
	struct cb_nack_stats st;
	uint16_t out[4];

	/* 10 comes 4 ms after 11 (2 packets later): within the 5 ms wait. */
	for (unsigned i = 0; i <= 30; i++) {
		cb_ns t = (cb_ns)i * MS;

		if (i != 10)
			cb_nack_on_packet(n, (uint16_t)i, t, 0);
		if (i == 15)
			cb_nack_on_packet(n, 10, t, 0);
		CU_ASSERT_EQUAL(cb_nack_due(n, t, out, 4), 0);
	}
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.missing, 1);
	CU_ASSERT_EQUAL(st.reordered, 1);
	CU_ASSERT_EQUAL(st.requested, 0);
	CU_ASSERT_EQUAL(st.requests_sent, 0);
	CU_ASSERT_EQUAL(st.pending, 0);
	cb_nack_close(n);
}

static void test_reorder_wait_adapts(void)
{
	struct cb_nack_cfg cfg = {0}; /* defaults: 5 ms floor, 50 ms cap */
	struct cb_nack *n = NULL;
	struct cb_nack_stats st;
	uint16_t out[4];

	CU_ASSERT_FATAL(cb_nack_open(&n, &cfg) == 0);
	cb_nack_on_packet(n, 0, 0, 0);
	cb_nack_on_packet(n, 2, 1 * MS, 0);
	CU_ASSERT_EQUAL(cb_nack_due(n, 6 * MS, out, 4), 1); /* the floor: 1 + 5 ms */
	/* The original comes 20 ms after the gap: the request was spurious. */
	cb_nack_on_packet(n, 1, 21 * MS, 0);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.recovered, 1);
	CU_ASSERT_EQUAL(st.recovered_orig, 1);
	CU_ASSERT_EQUAL(st.reorder_wait, 25 * MS); /* 20 ms and a quarter */

	/* The next gap gets the learnt wait ... */
	cb_nack_on_packet(n, 4, 21 * MS, 0);
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), 46 * MS);
	CU_ASSERT_EQUAL(cb_nack_due(n, 45 * MS, out, 4), 0);
	CU_ASSERT_EQUAL(cb_nack_due(n, 46 * MS, out, 4), 1);
	/* ... and the wait decays back to the floor within about a second. */
	cb_nack_on_packet(n, 3, 2000 * MS, CB_NACK_F_RTX);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.reorder_wait, 5 * MS);
	cb_nack_close(n);
}

static void test_give_up_retries(void)
{
	struct ev_log log = {0};
	struct cb_nack *n = open_fixed(&log, 3, 0, 0);
	struct cb_nack_stats st;
	uint16_t out[4];
	cb_ns t;
	unsigned sent = 0;

	feed_without_10(n);
	/* Requests at 16, 61 and 106 ms; given up one interval after the last. */
	while ((t = cb_nack_next_deadline(n)) != CB_NS_NONE) {
		size_t k = cb_nack_due(n, t, out, 4);

		if (k) {
			CU_ASSERT_EQUAL(t, (16 + 45 * (cb_ns)sent) * MS);
			sent++;
		} else {
			CU_ASSERT_EQUAL(t, 151 * MS);
		}
		CU_ASSERT_FATAL(sent <= 3);
	}
	CU_ASSERT_EQUAL(sent, 3);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.never_recovered, 1);
	CU_ASSERT_EQUAL(st.gave_up_retries, 1);
	CU_ASSERT_EQUAL(st.requests_sent, 3);
	CU_ASSERT_EQUAL_FATAL(log.n, 1);
	CU_ASSERT_EQUAL(log.ev[0].kind, CB_NACK_EV_GAVE_UP);
	CU_ASSERT_EQUAL(log.ev[0].reason, CB_NACK_GIVEUP_RETRIES);
	CU_ASSERT_EQUAL(log.ev[0].at, 151 * MS);

	/* It shows up after all: late, once; a second copy is a duplicate. */
	cb_nack_on_packet(n, 10, 160 * MS, CB_NACK_F_RTX);
	cb_nack_on_packet(n, 10, 161 * MS, CB_NACK_F_RTX);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.late, 1);
	CU_ASSERT_EQUAL(st.duplicates, 1);
	CU_ASSERT_EQUAL(st.recovered, 0);
	CU_ASSERT_EQUAL_FATAL(log.n, 2);
	CU_ASSERT_EQUAL(log.ev[1].kind, CB_NACK_EV_LATE);
	CU_ASSERT_EQUAL(log.ev[1].seq, 10);
	cb_nack_close(n);
}

static void test_give_up_age(void)
{
	struct cb_nack *n = open_fixed(NULL, 10, 100 * MS, 0);
	struct cb_nack_stats st;
	uint16_t out[4];

	feed_without_10(n);
	CU_ASSERT_EQUAL(cb_nack_due(n, 16 * MS, out, 4), 1);
	CU_ASSERT_EQUAL(cb_nack_due(n, 61 * MS, out, 4), 1);
	CU_ASSERT_EQUAL(cb_nack_due(n, 106 * MS, out, 4), 1);
	/* The next retry would be at 151 ms, but it is 100 ms old at 111 ms. */
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), 111 * MS);
	CU_ASSERT_EQUAL(cb_nack_due(n, 111 * MS, out, 4), 0);
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), CB_NS_NONE);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.gave_up_age, 1);
	CU_ASSERT_EQUAL(st.never_recovered, 1);
	CU_ASSERT_EQUAL(st.pending, 0);
	cb_nack_close(n);
}

static void test_wrap(void)
{
	struct cb_nack *n = open_fixed(NULL, 0, 0, 0);
	struct cb_nack_stats st;
	uint16_t out[8];

	/* 65530..65534 arrive, 65535, 0 and 1 are lost, 2 arrives. */
	for (unsigned i = 0; i < 5; i++)
		cb_nack_on_packet(n, (uint16_t)(65530 + i), (cb_ns)i * MS, 0);
	cb_nack_on_packet(n, 2, 8 * MS, 0);
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 13 * MS, out, 8), 3);
	CU_ASSERT_EQUAL(out[0], 65535);
	CU_ASSERT_EQUAL(out[1], 0);
	CU_ASSERT_EQUAL(out[2], 1);
	/* A batch limited by room: the rest stays due. */
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 58 * MS, out, 2), 2);
	CU_ASSERT_EQUAL(out[0], 65535);
	CU_ASSERT_EQUAL(out[1], 0);
	CU_ASSERT_EQUAL(cb_nack_next_deadline(n), 58 * MS);
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 58 * MS, out, 8), 1);
	CU_ASSERT_EQUAL(out[0], 1);
	cb_nack_on_packet(n, 0, 60 * MS, CB_NACK_F_RTX);
	cb_nack_on_packet(n, 65535, 61 * MS, CB_NACK_F_RTX);
	cb_nack_on_packet(n, 3, 62 * MS, 0);
	CU_ASSERT_EQUAL(cb_nack_due(n, 103 * MS - 1, out, 8), 0);
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 103 * MS, out, 8), 1);
	CU_ASSERT_EQUAL(out[0], 1);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.missing, 3);
	CU_ASSERT_EQUAL(st.recovered, 2);
	CU_ASSERT_EQUAL(st.pending, 1);
	cb_nack_close(n);
}

static void test_overflow(void)
{
	struct cb_nack *n = open_fixed(NULL, 0, 0, 10);
	struct cb_nack_stats st;
	uint16_t out[16];

	/* 1..8 missing, then 10..14: three too many, no key frame to cut at. */
	cb_nack_on_packet(n, 0, 0, 0);
	CU_ASSERT_EQUAL(cb_nack_on_packet(n, 9, 1 * MS, 0), 0);
	CU_ASSERT_EQUAL(cb_nack_on_packet(n, 15, 2 * MS, 0), CB_NACK_KEYFRAME_NEEDED);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.pending, 10);
	CU_ASSERT_EQUAL(st.gave_up_overflow, 3);
	CU_ASSERT_EQUAL(st.keyframes_needed, 1);
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 100 * MS, out, 16), 10);
	CU_ASSERT_EQUAL(out[0], 4); /* 1..3 went */
	CU_ASSERT_EQUAL(out[9], 14);

	/* A key frame starts at 16: on the next overflow everything before it goes. */
	cb_nack_on_packet(n, 16, 3 * MS, CB_NACK_F_KEYFRAME);
	CU_ASSERT_EQUAL(cb_nack_on_packet(n, 20, 4 * MS, 0), 0);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.pending, 3);
	CU_ASSERT_EQUAL(st.gave_up_overflow, 13);
	CU_ASSERT_EQUAL(st.keyframes_needed, 1);

	/* A gap longer than the list: only its newest 10 are kept. */
	CU_ASSERT_EQUAL(cb_nack_on_packet(n, 71, 5 * MS, 0), CB_NACK_KEYFRAME_NEEDED);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.pending, 10);
	CU_ASSERT_EQUAL(st.missing, 8 + 5 + 3 + 50);
	CU_ASSERT_EQUAL(st.gave_up_overflow, 13 + 3 + 40);
	CU_ASSERT_EQUAL(st.never_recovered, st.gave_up_overflow);
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 100 * MS, out, 16), 10);
	CU_ASSERT_EQUAL(out[0], 61);
	CU_ASSERT_EQUAL(out[9], 70);
	cb_nack_close(n);
}

static void test_clear_before(void)
{
	struct cb_nack *n = open_fixed(NULL, 0, 0, 0);
	struct cb_nack_stats st;
	uint16_t out[16];

	cb_nack_on_packet(n, 65530, 0, 0);
	cb_nack_on_packet(n, 10, 1 * MS, 0); /* 65531..9 missing: 15 */
	CU_ASSERT_EQUAL(cb_nack_clear_before(n, 5), 10);
	CU_ASSERT_EQUAL_FATAL(cb_nack_due(n, 10 * MS, out, 16), 5);
	CU_ASSERT_EQUAL(out[0], 5);
	CU_ASSERT_EQUAL(out[4], 9);
	/* Cleared ones that arrive later are late. */
	cb_nack_on_packet(n, 65535, 20 * MS, CB_NACK_F_RTX);
	cb_nack_get_stats(n, &st);
	CU_ASSERT_EQUAL(st.gave_up_cleared, 10);
	CU_ASSERT_EQUAL(st.late, 1);
	CU_ASSERT_EQUAL(cb_nack_clear_before(n, 65000), 0);
	cb_nack_close(n);
}

static void test_nack_args(void)
{
	struct cb_nack_cfg cfg = {0};
	struct cb_nack *n = NULL;
	uint16_t out[1];

	CU_ASSERT_EQUAL(cb_nack_open(NULL, &cfg), -EINVAL);
	CU_ASSERT_EQUAL(cb_nack_open(&n, NULL), -EINVAL);
	cfg.reorder_wait = 2 * CB_NS_PER_S; /* longer than max_age */
	CU_ASSERT_EQUAL(cb_nack_open(&n, &cfg), -EINVAL);
	CU_ASSERT_PTR_NULL(n);
	CU_ASSERT_EQUAL(cb_nack_on_packet(NULL, 1, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(cb_nack_set_rtt(NULL, MS), -EINVAL);
	CU_ASSERT_EQUAL(cb_nack_clear_before(NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(cb_nack_due(NULL, 0, out, 1), 0);
	CU_ASSERT_EQUAL(cb_nack_next_deadline(NULL), CB_NS_NONE);
	cb_nack_close(NULL);
}

/* ---- RTX ---- */

/* A random RTP packet: 0..3 CSRCs, sometimes an extension, `plen` payload. */
static size_t make_packet(struct cb_rng *rng, uint16_t seq, size_t plen, uint8_t *buf, size_t room)
{
	struct cb_rtp_hdr h = {0};
	size_t len = room, ext = 0;

	h.marker = (uint8_t)(cb_rng_next(rng) & 1);
	h.pt = 96;
	h.seq = seq;
	h.ts = (uint32_t)cb_rng_next(rng);
	h.ssrc = 0x11223344;
	h.csrc_count = (uint8_t)(cb_rng_next(rng) % 4);
	for (unsigned i = 0; i < h.csrc_count; i++)
		h.csrc[i] = (uint32_t)cb_rng_next(rng);
	CU_ASSERT_FATAL(cb_rtp_write(&h, buf, &len) == 0);
	if (cb_rng_next(rng) % 3 == 0) {
		/* One-byte header extension (RFC 8285), two words of data. */
		buf[0] |= 0x10;
		memcpy(buf + len, "\xbe\xde\x00\x02", 4);
		for (unsigned i = 0; i < 8; i++)
			buf[len + 4 + i] = (uint8_t)cb_rng_next(rng);
		ext = 12;
	}
	len += ext;
	CU_ASSERT_FATAL(len + plen <= room);
	for (size_t i = 0; i < plen; i++)
		buf[len + i] = (uint8_t)cb_rng_next(rng);
	return len + plen;
}

static void test_rtx_round_trip(void)
{
	struct cb_rng rng;
	uint8_t pkt[1500], rtx[1500], back[1500];

	cb_rng_seed(&rng, 4588);
	for (size_t plen = 0; plen <= 1300; plen += 1 + plen / 8) {
		uint16_t seq = (uint16_t)cb_rng_next(&rng);
		size_t len = make_packet(&rng, seq, plen, pkt, sizeof(pkt));
		size_t rlen = sizeof(rtx), blen = sizeof(back);
		struct cb_rtp_hdr o, r;

		CU_ASSERT_FATAL(cb_rtx_wrap(pkt, len, 0xdeadbeef, 97, 777, rtx, &rlen) == 0);
		CU_ASSERT_EQUAL(rlen, len + 2);
		CU_ASSERT_FATAL(cb_rtp_parse(pkt, len, &o) == 0);
		CU_ASSERT_FATAL(cb_rtp_parse(rtx, rlen, &r) == 0);
		CU_ASSERT_EQUAL(r.ssrc, 0xdeadbeef);
		CU_ASSERT_EQUAL(r.pt, 97);
		CU_ASSERT_EQUAL(r.seq, 777);
		CU_ASSERT_EQUAL(r.ts, o.ts);
		CU_ASSERT_EQUAL(r.marker, o.marker);
		CU_ASSERT_EQUAL(r.csrc_count, o.csrc_count);
		CU_ASSERT_EQUAL(r.payload_len, o.payload_len + 2);
		CU_ASSERT_EQUAL(r.payload[0] << 8 | r.payload[1], seq);

		CU_ASSERT_FATAL(cb_rtx_unwrap(rtx, rlen, 0x11223344, 96, back, &blen) == 0);
		CU_ASSERT_EQUAL_FATAL(blen, len);
		CU_ASSERT(memcmp(back, pkt, len) == 0);

		/* The same, in place. */
		memcpy(back, pkt, len);
		blen = sizeof(back);
		CU_ASSERT_FATAL(cb_rtx_wrap(back, len, 0xdeadbeef, 97, 777, back, &blen) == 0);
		CU_ASSERT(blen == rlen && memcmp(back, rtx, rlen) == 0);
		CU_ASSERT_FATAL(cb_rtx_unwrap(back, blen, 0x11223344, 96, back, &blen) == 0);
		CU_ASSERT(blen == len && memcmp(back, pkt, len) == 0);

		/* One byte short is an error, not an overflow. */
		rlen = len + 1;
		CU_ASSERT_EQUAL(cb_rtx_wrap(pkt, len, 1, 97, 1, rtx, &rlen), CB_E_NOSPACE);
		blen = len - 1;
		CU_ASSERT_EQUAL(cb_rtx_unwrap(rtx, len + 2, 1, 96, back, &blen), CB_E_NOSPACE);
	}
}

static void test_rtx_bad_input(void)
{
	uint8_t pkt[64] = {0x80, 96}, out[64];
	size_t len = sizeof(out);

	/* Padding is dropped: the P bit goes and so do the padding bytes. */
	pkt[0] = 0xa0;
	memcpy(pkt + 12, "ab\0\0\x03", 5);
	CU_ASSERT_EQUAL(cb_rtx_wrap(pkt, 17, 5, 97, 9, out, &len), 0);
	CU_ASSERT_EQUAL(len, 12 + 2 + 2);
	CU_ASSERT_EQUAL(out[0], 0x80);
	/* An RTX packet with no OSN (RTX padding) carries nothing to restore. */
	pkt[0] = 0x80;
	len = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtx_unwrap(pkt, 13, 5, 96, out, &len), CB_E_BADPKT);
	CU_ASSERT_EQUAL(cb_rtx_unwrap(pkt, 11, 5, 96, out, &len), CB_E_BADPKT);
	CU_ASSERT_EQUAL(cb_rtx_wrap(pkt, 12, 5, 128, 9, out, &len), -EINVAL);
	CU_ASSERT_EQUAL(cb_rtx_wrap(NULL, 12, 5, 97, 9, out, &len), -EINVAL);
	pkt[0] = 0x40; /* version 1 */
	CU_ASSERT_EQUAL(cb_rtx_wrap(pkt, 20, 5, 97, 9, out, &len), CB_E_BADPKT);
}

static struct cb_rtx *open_history(size_t slots, cb_ns min_age)
{
	struct cb_rtx_cfg cfg = {0};
	struct cb_rtx *r = NULL;

	cfg.ssrc = 0xabcdef01;
	cfg.pt = 97;
	cfg.seq_start = 65535;
	cfg.slots = slots;
	cfg.min_age = min_age;
	CU_ASSERT_FATAL(cb_rtx_open(&r, &cfg) == 0);
	return r;
}

static void test_history(void)
{
	struct cb_rtx *r = open_history(16, 100 * MS);
	struct cb_rtx_stats st;
	struct cb_rng rng;
	uint8_t pkt[40][200], out[1600];
	size_t len[40], olen;
	struct cb_rtp_hdr h;

	cb_rng_seed(&rng, 7);
	/* Sequence numbers 65520..23 (wrapping), 1 ms apart; 14 is skipped. */
	for (unsigned i = 0; i < 40; i++) {
		len[i] = make_packet(&rng, (uint16_t)(65520 + i), 20 + i, pkt[i], sizeof(pkt[i]));
		if (i != 30)
			CU_ASSERT_EQUAL(cb_rtx_put(r, pkt[i], len[i], (cb_ns)i * MS), 0);
	}

	/* The newest packet comes back exactly, under the RTX stream's numbers. */
	olen = sizeof(out);
	CU_ASSERT_EQUAL_FATAL(cb_rtx_resend(r, 23, 40 * MS, out, &olen), 0);
	CU_ASSERT_FATAL(cb_rtp_parse(out, olen, &h) == 0);
	CU_ASSERT_EQUAL(h.ssrc, 0xabcdef01);
	CU_ASSERT_EQUAL(h.pt, 97);
	CU_ASSERT_EQUAL(h.seq, 65535);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 22, 40 * MS, out, &olen), 0);
	CU_ASSERT_FATAL(cb_rtp_parse(out, olen, &h) == 0);
	CU_ASSERT_EQUAL(h.seq, 0); /* the RTX numbers wrap too */
	{
		uint8_t back[1600];
		size_t blen = sizeof(back);

		CU_ASSERT_FATAL(cb_rtx_unwrap(out, olen, 0x11223344, 96, back, &blen) == 0);
		CU_ASSERT(blen == len[38] && memcmp(back, pkt[38], blen) == 0);
	}

	/* Evicted by count (16 slots): 7 is 16 behind 23. */
	olen = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 7, 40 * MS, out, &olen), CB_E_LATE);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 8, 40 * MS, out, &olen), 0);
	/* Never stored: the skipped one, and one not sent yet. */
	olen = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 14, 40 * MS, out, &olen), CB_E_NOTFOUND);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 24, 40 * MS, out, &olen), CB_E_NOTFOUND);

	/* Evicted by age: 9 was sent at 25 ms, kept 100 ms. */
	olen = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 9, 126 * MS, out, &olen), CB_E_LATE);
	/* A longer RTT keeps packets 3 RTTs: 180 ms. */
	CU_ASSERT_EQUAL(cb_rtx_set_rtt(r, 60 * MS), 0);
	CU_ASSERT_EQUAL(cb_rtx_max_age(r), 180 * MS);
	olen = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 9, 126 * MS, out, &olen), 0);
	/* Too soon: 9 was just retransmitted; allowed again one RTT later. */
	olen = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 9, 185 * MS, out, &olen), CB_E_AGAIN);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 9, 186 * MS, out, &olen), 0);
	/* A packet never retransmitted is not held back. */
	olen = sizeof(out);
	CU_ASSERT_EQUAL(cb_rtx_resend(r, 10, 127 * MS, out, &olen), 0);

	cb_rtx_get_stats(r, &st);
	CU_ASSERT_EQUAL(st.stored, 39);
	CU_ASSERT_EQUAL(st.requests, 11);
	CU_ASSERT_EQUAL(st.retransmitted, 6);
	CU_ASSERT_EQUAL(st.refused_too_old, 2);
	CU_ASSERT_EQUAL(st.refused_not_found, 2);
	CU_ASSERT_EQUAL(st.refused_too_soon, 1);
	CU_ASSERT_EQUAL(st.evicted_young, 23);

	/* Too large for a slot, not RTP, bad arguments. */
	{
		static uint8_t big[1600] = {0x80, 96};

		CU_ASSERT_EQUAL(cb_rtx_put(r, big, sizeof(big), 0), CB_E_NOSPACE);
		CU_ASSERT_EQUAL(cb_rtx_put(r, big, 5, 0), CB_E_BADPKT);
		CU_ASSERT_EQUAL(cb_rtx_put(NULL, big, 20, 0), -EINVAL);
		CU_ASSERT_EQUAL(cb_rtx_resend(r, 1, 0, NULL, &olen), -EINVAL);
		CU_ASSERT_EQUAL(cb_rtx_set_rtt(r, -1), -EINVAL);
	}
	cb_rtx_close(r);
	cb_rtx_close(NULL);
	{
		struct cb_rtx_cfg cfg = {.slots = 1000};

		r = NULL;
		CU_ASSERT_EQUAL(cb_rtx_open(&r, &cfg), -EINVAL);
		CU_ASSERT_PTR_NULL(r);
	}
}

/* ---- A lossy call: NACK and RTX across the same lossy channel ---- */

enum sim_kind { SIM_SEND, SIM_MEDIA, SIM_NACK, SIM_TIMER };

struct sim_ev {
	cb_ns t;
	uint64_t order;
	enum sim_kind kind;
	size_t len;
	uint8_t data[256]; /* a packet, or a list of sequence numbers */
};

struct sim {
	struct sim_ev heap[1024];
	size_t n;
	uint64_t order;
	struct cb_rng rng;
	double loss;
	cb_ns delay, jitter; /* each packet takes delay + uniform [0, jitter) */
	uint64_t dropped_media, dropped_rtx, dropped_nack;
};

static int sim_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void sim_push(struct sim *s, const struct sim_ev *e)
{
	size_t i;

	CU_ASSERT_FATAL(s->n < sizeof(s->heap) / sizeof(s->heap[0]));
	i = s->n++;
	s->heap[i] = *e;
	s->heap[i].order = s->order++;
	while (i > 0 && sim_before(&s->heap[i], &s->heap[(i - 1) / 2])) {
		struct sim_ev tmp = s->heap[i];

		s->heap[i] = s->heap[(i - 1) / 2];
		s->heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static void sim_pop(struct sim *s, struct sim_ev *out)
{
	size_t i = 0;

	*out = s->heap[0];
	s->heap[0] = s->heap[--s->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < s->n && sim_before(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->n && sim_before(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			break;
		struct sim_ev tmp = s->heap[i];

		s->heap[i] = s->heap[m];
		s->heap[m] = tmp;
		i = m;
	}
}

/* Hand `e` to the channel at `now`: lost with the channel's probability. */
static int sim_channel(struct sim *s, struct sim_ev *e, cb_ns now)
{
	if (cb_rng_uniform(&s->rng) < s->loss)
		return 0;
	e->t = now + s->delay + (cb_ns)(cb_rng_uniform(&s->rng) * (double)s->jitter);
	sim_push(s, e);
	return 1;
}

#define SIM_PACKETS 10000
#define SIM_TAIL    20 /* sent after the counted ones, so the last losses are seen */
#define SIM_SSRC    0x5eed0001
#define SIM_RTX	    0x5eed0002

static size_t sim_media(uint16_t seq0, unsigned i, uint8_t *buf, size_t room)
{
	struct cb_rtp_hdr h = {0};
	size_t len = room;

	h.pt = 96;
	h.seq = (uint16_t)(seq0 + i);
	h.ts = 90 * i;
	h.ssrc = SIM_SSRC;
	h.marker = i % 3 == 0;
	CU_ASSERT_FATAL(cb_rtp_write(&h, buf, &len) == 0);
	for (unsigned k = 0; k < 100; k++)
		buf[len + k] = (uint8_t)(cb_mix64(i) >> (k % 8 * 8)) ^ (uint8_t)k;
	return len + 100;
}

struct sim_events {
	cb_ns max_delay;
	unsigned max_requests;
	uint64_t recovered;
};

static void sim_on_event(void *user, const struct cb_nack_event *ev)
{
	struct sim_events *se = user;

	if (ev->kind != CB_NACK_EV_RECOVERED)
		return;
	se->recovered++;
	if (ev->delay > se->max_delay)
		se->max_delay = ev->delay;
	if (ev->requests > se->max_requests)
		se->max_requests = ev->requests;
}

static void lossy_call(cb_ns jitter)
{
	static struct sim s;
	static uint8_t got[SIM_PACKETS + SIM_TAIL], lost[SIM_PACKETS + SIM_TAIL];
	const uint16_t seq0 = 60000; /* wraps during the call */
	/* What RTCP would measure: the mean round trip (each way: delay + jitter / 2). */
	const cb_ns rtt = 40 * MS + jitter;
	struct sim_events se = {0};
	struct cb_nack_cfg ncfg = {0};
	struct cb_rtx_cfg rcfg = {0};
	struct cb_nack *n = NULL;
	struct cb_rtx *r = NULL;
	struct cb_nack_stats ns;
	struct cb_rtx_stats rs;
	struct sim_ev e = {0};
	cb_ns timer_at = CB_NS_NONE;
	uint64_t lost_count = 0, recovered = 0;

	memset(&s, 0, sizeof(s));
	memset(got, 0, sizeof(got));
	memset(lost, 0, sizeof(lost));
	cb_rng_seed(&s.rng, 20240605);
	s.loss = 0.05;
	s.delay = 20 * MS;
	s.jitter = jitter;

	ncfg.on_event = sim_on_event;
	ncfg.user = &se;
	CU_ASSERT_FATAL(cb_nack_open(&n, &ncfg) == 0);
	CU_ASSERT_FATAL(cb_nack_set_rtt(n, rtt) == 0);
	rcfg.ssrc = SIM_RTX;
	rcfg.pt = 97;
	rcfg.seq_start = 1234;
	CU_ASSERT_FATAL(cb_rtx_open(&r, &rcfg) == 0);
	CU_ASSERT_FATAL(cb_rtx_set_rtt(r, rtt) == 0);

	e.kind = SIM_SEND;
	e.t = 0;
	e.len = 0; /* index of the packet to send */
	sim_push(&s, &e);

	while (s.n > 0) {
		struct sim_ev ev;
		cb_ns now, next;

		sim_pop(&s, &ev);
		now = ev.t;
		switch (ev.kind) {
		case SIM_SEND: {
			unsigned i = (unsigned)ev.len;
			struct sim_ev m = {.kind = SIM_MEDIA};

			m.len = sim_media(seq0, i, m.data, sizeof(m.data));
			CU_ASSERT_EQUAL(cb_rtx_put(r, m.data, m.len, now), 0);
			if (!sim_channel(&s, &m, now)) {
				lost[i] = 1;
				s.dropped_media++;
			}
			if (i + 1 < SIM_PACKETS + SIM_TAIL) {
				ev.t = now + 1 * MS;
				ev.len = i + 1;
				sim_push(&s, &ev);
			}
			break;
		}
		case SIM_MEDIA: {
			struct cb_rtp_hdr h;
			uint8_t orig[256], want[256];
			size_t olen = sizeof(orig), wlen;
			unsigned i;
			int is_rtx;

			CU_ASSERT_FATAL(cb_rtp_parse(ev.data, ev.len, &h) == 0);
			is_rtx = h.ssrc == SIM_RTX;
			if (is_rtx) {
				CU_ASSERT_FATAL(
				    cb_rtx_unwrap(ev.data, ev.len, SIM_SSRC, 96, orig, &olen) == 0);
				CU_ASSERT_FATAL(cb_rtp_parse(orig, olen, &h) == 0);
			} else {
				memcpy(orig, ev.data, ev.len);
				olen = ev.len;
			}
			i = (uint16_t)(h.seq - seq0);
			CU_ASSERT_FATAL(i < SIM_PACKETS + SIM_TAIL);
			/* What comes back is byte for byte what was sent. */
			wlen = sim_media(seq0, i, want, sizeof(want));
			CU_ASSERT(olen == wlen && memcmp(orig, want, wlen) == 0);
			if (is_rtx && lost[i] && !got[i])
				recovered += i < SIM_PACKETS;
			got[i] = 1;
			CU_ASSERT(cb_nack_on_packet(n, h.seq, now, is_rtx ? CB_NACK_F_RTX : 0) >=
				  0);
			break;
		}
		case SIM_TIMER: {
			struct sim_ev nk = {.kind = SIM_NACK};
			uint16_t *list = (uint16_t *)(void *)nk.data;
			size_t k;

			if (now == timer_at)
				timer_at = CB_NS_NONE;
			k = cb_nack_due(n, now, list, sizeof(nk.data) / sizeof(uint16_t));
			if (k) {
				nk.len = k;
				if (!sim_channel(&s, &nk, now))
					s.dropped_nack++;
			}
			break;
		}
		case SIM_NACK: {
			const uint16_t *list = (const uint16_t *)(const void *)ev.data;

			for (size_t k = 0; k < ev.len; k++) {
				struct sim_ev m = {.kind = SIM_MEDIA};

				m.len = sizeof(m.data);
				if (cb_rtx_resend(r, list[k], now, m.data, &m.len) == 0 &&
				    !sim_channel(&s, &m, now))
					s.dropped_rtx++;
			}
			break;
		}
		}
		/* The receiver's timer, as a discrete-event loop schedules it. */
		next = cb_nack_next_deadline(n);
		if (next != CB_NS_NONE && (timer_at == CB_NS_NONE || next < timer_at)) {
			struct sim_ev t = {.kind = SIM_TIMER};

			timer_at = next > now ? next : now;
			t.t = timer_at;
			sim_push(&s, &t);
		}
	}

	for (unsigned i = 0; i < SIM_PACKETS; i++)
		lost_count += lost[i];
	cb_nack_get_stats(n, &ns);
	cb_rtx_get_stats(r, &rs);
	printf("\n      jitter %d ms: %u packets, %llu lost, %llu recovered (%.2f%%), never %llu, "
	       "max delay %.1f ms, max requests %u, requests %llu, rtx %llu, "
	       "refused too soon %llu, dropped nack %llu rtx %llu, dup %llu ",
	       (int)(jitter / MS), SIM_PACKETS, (unsigned long long)lost_count,
	       (unsigned long long)recovered, 100.0 * (double)recovered / (double)lost_count,
	       (unsigned long long)ns.never_recovered, (double)se.max_delay / MS, se.max_requests,
	       (unsigned long long)ns.requests_sent, (unsigned long long)rs.retransmitted,
	       (unsigned long long)rs.refused_too_soon, (unsigned long long)s.dropped_nack,
	       (unsigned long long)s.dropped_rtx, (unsigned long long)ns.duplicates);
	printf("reordered %llu recovered %llu (as original %llu) requested %llu wait %.1f ms ",
	       (unsigned long long)ns.reordered, (unsigned long long)ns.recovered,
	       (unsigned long long)ns.recovered_orig, (unsigned long long)ns.requested,
	       (double)ns.reorder_wait / MS);

	CU_ASSERT(lost_count > 400 && lost_count < 600);
	CU_ASSERT(recovered * 1000 >= lost_count * 995);
	CU_ASSERT_EQUAL(ns.pending, 0);
	CU_ASSERT_EQUAL(ns.missing, ns.reordered + ns.recovered + ns.never_recovered);
	CU_ASSERT_EQUAL(rs.refused_not_found, 0);
	CU_ASSERT_EQUAL(rs.refused_too_old, 0);
	if (jitter == 0) {
		/*
		 * A steady path: each recovery within the 5 ms wait and at most
		 * six rounds of one retry interval (RTT + 5 ms) each; nothing
		 * reordered, so no spurious request and no duplicate.
		 */
		CU_ASSERT(se.max_delay <= 5 * MS + 6 * (rtt + 5 * MS));
		CU_ASSERT(se.max_requests <= 6);
		CU_ASSERT_EQUAL(ns.reordered, 0);
		CU_ASSERT_EQUAL(ns.recovered_orig, 0);
		CU_ASSERT_EQUAL(ns.duplicates, 0);
	} else {
		/* Jitter reorders: the wait must have learnt some of it. */
		CU_ASSERT(ns.reordered > 0);
		CU_ASSERT(ns.reorder_wait > 5 * MS);
		CU_ASSERT(se.max_delay <= 50 * MS + 6 * (rtt + jitter + 5 * MS));
	}
	cb_nack_close(n);
	cb_rtx_close(r);
}

static void test_lossy_call(void)
{
	lossy_call(0);
}

static void test_lossy_call_jitter(void)
{
	lossy_call(10 * MS);
}

int cb_suite_nack(void)
{
	static const struct cb_test_case cases[] = {
	    {"in-order stream: no NACKs", test_in_order},
	    {"single loss: wait, request, RTT, recover", test_single_loss},
	    {"reordered within the wait: never requested", test_reordered_not_requested},
	    {"reordering wait learns and decays", test_reorder_wait_adapts},
	    {"give up after max_retries; late arrival", test_give_up_retries},
	    {"give up after max_age", test_give_up_age},
	    {"gaps across 65535 -> 0", test_wrap},
	    {"list overflow: key frame, oldest, long gap", test_overflow},
	    {"clear_before", test_clear_before},
	    {"nack arguments", test_nack_args},
	    {"RTX wrap/unwrap byte-exact", test_rtx_round_trip},
	    {"RTX bad input, padding", test_rtx_bad_input},
	    {"history: count, age, too soon, not found", test_history},
	    {"lossy call: 5% loss, 40 ms RTT", test_lossy_call},
	    {"lossy call with 0-10 ms jitter (reordering)", test_lossy_call_jitter},
	    {NULL, NULL},
	};

	return cb_add_suite("nack", cases);
}
