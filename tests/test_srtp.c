#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "srtp/srtp.h"
#include "test_util.h"

#define PAYLOAD_LEN 160
#define RTP_LEN	    (12 + PAYLOAD_LEN)
#define CANARY	    0xa5

struct pair {
	struct cb_srtp *tx, *rx;
	uint8_t key[CB_SRTP_MAX_KEY_LEN];
};

static void open_pair(struct pair *p, enum cb_srtp_profile prof)
{
	size_t klen = cb_srtp_key_len(prof);

	memset(p, 0, sizeof(*p));
	CU_ASSERT_EQUAL_FATAL(cb_random_bytes(p->key, klen), 0);
	CU_ASSERT_EQUAL_FATAL(cb_srtp_open(&p->tx, prof, p->key, klen, CB_SRTP_OUTBOUND), 0);
	CU_ASSERT_EQUAL_FATAL(cb_srtp_open(&p->rx, prof, p->key, klen, CB_SRTP_INBOUND), 0);
}

static void close_pair(struct pair *p)
{
	cb_srtp_close(p->tx);
	cb_srtp_close(p->rx);
}

/* An RTP packet: V=2, PT 96, the given sequence number, a seeded payload. */
static size_t make_rtp(uint8_t *buf, uint16_t seq)
{
	struct cb_rng r;

	memset(buf, 0, 12);
	buf[0] = 0x80;
	buf[1] = 96;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[7] = 0x10;
	buf[8] = 0xca;
	buf[9] = 0xfe;
	buf[10] = 0xba;
	buf[11] = 0xbe;
	cb_rng_seed(&r, seq);
	for (size_t i = 12; i < RTP_LEN; i++)
		buf[i] = (uint8_t)cb_rng_next(&r);
	return RTP_LEN;
}

static void round_trip(enum cb_srtp_profile prof)
{
	struct pair p;
	size_t oh = cb_srtp_overhead(prof);

	open_pair(&p, prof);
	for (uint16_t seq = 65530; seq != 10; seq++) {
		uint8_t orig[RTP_LEN], buf[RTP_LEN + 64];
		size_t len, plain;

		make_rtp(orig, seq);
		memcpy(buf, orig, RTP_LEN);
		memset(buf + RTP_LEN, CANARY, sizeof(buf) - RTP_LEN);
		CU_ASSERT_EQUAL_FATAL(cb_srtp_protect(p.tx, buf, RTP_LEN, RTP_LEN + oh, &len), 0);
		CU_ASSERT_EQUAL(len, RTP_LEN + oh);
		/* Nothing past the room given was touched. */
		for (size_t i = RTP_LEN + oh; i < sizeof(buf); i++)
			CU_ASSERT_EQUAL(buf[i], CANARY);
		/* The header stays in the clear, the payload does not. */
		CU_ASSERT_EQUAL(memcmp(buf, orig, 12), 0);
		CU_ASSERT_NOT_EQUAL(memcmp(buf + 12, orig + 12, PAYLOAD_LEN), 0);
		CU_ASSERT_EQUAL_FATAL(cb_srtp_unprotect(p.rx, buf, len, &plain), 0);
		CU_ASSERT_EQUAL(plain, RTP_LEN);
		CU_ASSERT_EQUAL(memcmp(buf, orig, RTP_LEN), 0);
	}
	close_pair(&p);
}

static void test_round_trip_cm(void)
{
	round_trip(CB_SRTP_AES128_CM_SHA1_80);
}

static void test_round_trip_gcm(void)
{
	round_trip(CB_SRTP_AEAD_AES_128_GCM);
}

static void tamper(enum cb_srtp_profile prof)
{
	struct pair p;
	size_t oh = cb_srtp_overhead(prof);
	uint8_t prot[RTP_LEN + CB_SRTP_MAX_OVERHEAD], orig[RTP_LEN], buf[sizeof(prot)];
	/* A bit in the header, in the payload, and in the tag. */
	const size_t where[] = {1, 3, 9, 12, RTP_LEN / 2, RTP_LEN - 1, RTP_LEN, RTP_LEN + oh - 1};
	size_t len, plain;

	open_pair(&p, prof);
	make_rtp(orig, 100);
	memcpy(prot, orig, RTP_LEN);
	CU_ASSERT_EQUAL_FATAL(cb_srtp_protect(p.tx, prot, RTP_LEN, sizeof(prot), &len), 0);
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		memcpy(buf, prot, len);
		buf[where[i]] ^= 0x04;
		plain = 12345;
		CU_ASSERT_EQUAL(cb_srtp_unprotect(p.rx, buf, len, &plain), CB_E_AUTH);
		CU_ASSERT_EQUAL(plain, 12345);
	}
	/* A truncated packet is never accepted either. */
	memcpy(buf, prot, len);
	CU_ASSERT(cb_srtp_unprotect(p.rx, buf, len - 1, &plain) < 0);
	CU_ASSERT_EQUAL(cb_srtp_unprotect(p.rx, buf, 12, &plain), CB_E_BADPKT);
	/* The failures did not poison the session: the real packet still passes. */
	memcpy(buf, prot, len);
	CU_ASSERT_EQUAL(cb_srtp_unprotect(p.rx, buf, len, &plain), 0);
	CU_ASSERT_EQUAL(memcmp(buf, orig, RTP_LEN), 0);
	close_pair(&p);
}

static void test_tamper(void)
{
	tamper(CB_SRTP_AES128_CM_SHA1_80);
	tamper(CB_SRTP_AEAD_AES_128_GCM);
}

static void replay(enum cb_srtp_profile prof)
{
	struct pair p;
	uint8_t prot[RTP_LEN + CB_SRTP_MAX_OVERHEAD], buf[sizeof(prot)];
	size_t len, plain;

	open_pair(&p, prof);
	make_rtp(prot, 7);
	CU_ASSERT_EQUAL_FATAL(cb_srtp_protect(p.tx, prot, RTP_LEN, sizeof(prot), &len), 0);
	memcpy(buf, prot, len);
	CU_ASSERT_EQUAL(cb_srtp_unprotect(p.rx, buf, len, &plain), 0);
	memcpy(buf, prot, len);
	CU_ASSERT_EQUAL(cb_srtp_unprotect(p.rx, buf, len, &plain), CB_E_REPLAY);
	/* The sender refuses to reuse a sequence number (allow_repeat_tx = 0). */
	make_rtp(buf, 7);
	CU_ASSERT_EQUAL(cb_srtp_protect(p.tx, buf, RTP_LEN, sizeof(buf), &len), CB_E_REPLAY);
	close_pair(&p);
}

static void test_replay(void)
{
	replay(CB_SRTP_AES128_CM_SHA1_80);
	replay(CB_SRTP_AEAD_AES_128_GCM);
}

static void test_wrong_key(void)
{
	for (int prof = 0; prof < CB_SRTP_PROFILE_COUNT; prof++) {
		struct pair p;
		struct cb_srtp *other;
		uint8_t buf[RTP_LEN + CB_SRTP_MAX_OVERHEAD];
		size_t klen = cb_srtp_key_len(prof), len, plain;

		open_pair(&p, prof);
		p.key[klen / 2] ^= 1;
		CU_ASSERT_EQUAL_FATAL(cb_srtp_open(&other, prof, p.key, klen, CB_SRTP_INBOUND), 0);
		make_rtp(buf, 1);
		CU_ASSERT_EQUAL_FATAL(cb_srtp_protect(p.tx, buf, RTP_LEN, sizeof(buf), &len), 0);
		CU_ASSERT_EQUAL(cb_srtp_unprotect(other, buf, len, &plain), CB_E_AUTH);
		cb_srtp_close(other);
		close_pair(&p);
	}
}

static void test_no_space_and_args(void)
{
	struct pair p;
	uint8_t buf[RTP_LEN + CB_SRTP_MAX_OVERHEAD + 8];
	size_t oh = cb_srtp_overhead(CB_SRTP_AES128_CM_SHA1_80), len = 999;
	struct cb_srtp *s = (struct cb_srtp *)1;

	open_pair(&p, CB_SRTP_AES128_CM_SHA1_80);
	make_rtp(buf, 3);
	CU_ASSERT_EQUAL(cb_srtp_protect(p.tx, buf, RTP_LEN, RTP_LEN + oh - 1, &len), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(cb_srtp_protect(p.tx, buf, RTP_LEN, RTP_LEN, &len), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(len, 999);
	CU_ASSERT_EQUAL(cb_srtcp_protect(p.tx, buf, 28, 28 + oh + 3, &len), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(cb_srtp_protect(p.tx, buf, RTP_LEN, RTP_LEN + oh, &len), 0);
	CU_ASSERT_EQUAL(len, RTP_LEN + oh);

	/* Sessions go one way only. */
	CU_ASSERT_EQUAL(cb_srtp_unprotect(p.tx, buf, len, &len), -EINVAL);
	make_rtp(buf, 4);
	CU_ASSERT_EQUAL(cb_srtp_protect(p.rx, buf, RTP_LEN, sizeof(buf), &len), -EINVAL);
	CU_ASSERT_EQUAL(cb_srtp_protect(p.tx, buf, (size_t)1 << 40, (size_t)1 << 41, &len),
			-EINVAL);
	CU_ASSERT_EQUAL(cb_srtp_protect(p.tx, buf, 11, sizeof(buf), &len), -EINVAL);

	/* Bad keys and profiles leave *out untouched. */
	CU_ASSERT_EQUAL(cb_srtp_open(&s, CB_SRTP_AES128_CM_SHA1_80, p.key, 28, CB_SRTP_INBOUND),
			-EINVAL);
	CU_ASSERT_EQUAL(cb_srtp_open(&s, CB_SRTP_PROFILE_COUNT, p.key, 30, CB_SRTP_INBOUND),
			-EINVAL);
	CU_ASSERT_EQUAL(cb_srtp_open(&s, CB_SRTP_AES128_CM_SHA1_80, NULL, 30, CB_SRTP_INBOUND),
			-EINVAL);
	CU_ASSERT_PTR_EQUAL(s, (struct cb_srtp *)1);
	cb_srtp_close(NULL);
	close_pair(&p);
}

static void test_srtcp(void)
{
	/* A receiver report with one report block. */
	static const uint8_t rr[] = {0x81, 201,	 0x00, 0x07, 0xca, 0xfe, 0xba, 0xbe,
				     0x11, 0x22, 0x33, 0x44, 0x05, 0x00, 0x00, 0x02,
				     0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x20,
				     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

	for (int prof = 0; prof < CB_SRTP_PROFILE_COUNT; prof++) {
		struct pair p;
		uint8_t buf[sizeof(rr) + CB_SRTP_MAX_OVERHEAD + 4], copy[sizeof(buf)];
		size_t oh = cb_srtp_overhead(prof) + 4, len, plain;

		open_pair(&p, prof);
		memcpy(buf, rr, sizeof(rr));
		CU_ASSERT_EQUAL_FATAL(
		    cb_srtcp_protect(p.tx, buf, sizeof(rr), sizeof(rr) + oh, &len), 0);
		CU_ASSERT_EQUAL(len, sizeof(rr) + oh);
		memcpy(copy, buf, len);
		copy[20] ^= 0x80;
		CU_ASSERT_EQUAL(cb_srtcp_unprotect(p.rx, copy, len, &plain), CB_E_AUTH);
		memcpy(copy, buf, len);
		CU_ASSERT_EQUAL_FATAL(cb_srtcp_unprotect(p.rx, buf, len, &plain), 0);
		CU_ASSERT_EQUAL(plain, sizeof(rr));
		CU_ASSERT_EQUAL(memcmp(buf, rr, sizeof(rr)), 0);
		CU_ASSERT_EQUAL(cb_srtcp_unprotect(p.rx, copy, len, &plain), CB_E_REPLAY);
		close_pair(&p);
	}
}

static void test_profiles(void)
{
	enum cb_srtp_profile pr = CB_SRTP_PROFILE_COUNT;

	CU_ASSERT_EQUAL(cb_srtp_profile_from_name("AES_CM_128_HMAC_SHA1_80", &pr), 0);
	CU_ASSERT_EQUAL(pr, CB_SRTP_AES128_CM_SHA1_80);
	CU_ASSERT_EQUAL(cb_srtp_profile_from_name("AEAD_AES_128_GCM", &pr), 0);
	CU_ASSERT_EQUAL(pr, CB_SRTP_AEAD_AES_128_GCM);
	CU_ASSERT_EQUAL(cb_srtp_profile_from_name("AES_CM_128_HMAC_SHA1_32", &pr), CB_E_NOTFOUND);
	CU_ASSERT_EQUAL(cb_srtp_profile_from_name("", &pr), CB_E_NOTFOUND);
	CU_ASSERT_EQUAL(pr, CB_SRTP_AEAD_AES_128_GCM);
	for (int i = 0; i < CB_SRTP_PROFILE_COUNT; i++) {
		const char *name = cb_srtp_profile_name(i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(name);
		CU_ASSERT_EQUAL(cb_srtp_profile_from_name(name, &pr), 0);
		CU_ASSERT_EQUAL((int)pr, i);
		CU_ASSERT(cb_srtp_key_len(i) <= CB_SRTP_MAX_KEY_LEN);
		CU_ASSERT(cb_srtp_overhead(i) <= CB_SRTP_MAX_OVERHEAD);
	}
	CU_ASSERT_PTR_NULL(cb_srtp_profile_name(CB_SRTP_PROFILE_COUNT));
	CU_ASSERT_EQUAL(cb_srtp_key_len(CB_SRTP_AES128_CM_SHA1_80), 30);
	CU_ASSERT_EQUAL(cb_srtp_key_len(CB_SRTP_AEAD_AES_128_GCM), 28);
	CU_ASSERT_EQUAL(cb_srtp_overhead(CB_SRTP_AES128_CM_SHA1_80), 10);
	CU_ASSERT_EQUAL(cb_srtp_overhead(CB_SRTP_AEAD_AES_128_GCM), 16);
	CU_ASSERT_PTR_NOT_NULL(cb_srtp_version());
}

static void test_random(void)
{
	uint8_t a[64] = {0}, b[64] = {0}, z[64] = {0};

	CU_ASSERT_EQUAL(cb_random_bytes(a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(cb_random_bytes(b, sizeof(b)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a, z, sizeof(a)), 0);
	CU_ASSERT_EQUAL(cb_random_bytes(NULL, 0), 0);
	CU_ASSERT_EQUAL(cb_random_bytes(NULL, 1), -EINVAL);
}

int cb_suite_srtp(void)
{
	static const struct cb_test_case cases[] = {
	    {"AES-CM/HMAC-SHA1-80 round trip", test_round_trip_cm},
	    {"AES-GCM round trip", test_round_trip_gcm},
	    {"tampered packets fail authentication", test_tamper},
	    {"replayed packets are refused", test_replay},
	    {"wrong key fails authentication", test_wrong_key},
	    {"room and argument checks", test_no_space_and_args},
	    {"SRTCP round trip, tamper and replay", test_srtcp},
	    {"profile names, key lengths, overheads", test_profiles},
	    {"random bytes", test_random},
	    {NULL, NULL},
	};

	return cb_add_suite("srtp", cases);
}
