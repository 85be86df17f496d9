/*
 * fuzz_srtp.c — SRTP and SRTCP unprotect (RFC 3711, RFC 7714) of arbitrary
 * bytes, with a fixed key, as the receiving end sees them: each packet is
 * demultiplexed RTP/RTCP (RFC 5761) and unprotected in place by one inbound
 * session, so replayed and reordered packets meet the replay window.
 *
 * Input: one byte choosing the profile (AES_CM_128_HMAC_SHA1_80 or
 * AEAD_AES_128_GCM), then records of [length, 2 bytes][packet].  The seed
 * corpus holds packets protected with the same key (tests/fuzz/seeds.c),
 * so mutations reach past authentication only where they keep it valid.
 * Beyond not crashing: unprotect never grows a packet, and a packet that
 * authenticated once is refused as a replay the second time.
 */
#include "fuzz.h"

#include "base/error.h"
#include "rtp/rtp.h"
#include "srtp/srtp.h"

#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	enum cb_srtp_profile prof = (enum cb_srtp_profile)(fz_u8(&in) % CB_SRTP_PROFILE_COUNT);
	struct cb_srtp *s = NULL;
	uint8_t buf[2048];
	const uint8_t *pkt;
	size_t len, out;
	int rc, rtcp;

	if (cb_srtp_open(&s, prof, fuzz_srtp_key, cb_srtp_key_len(prof), CB_SRTP_INBOUND))
		return 0;
	while (fz_record(&in, &pkt, &len, sizeof(buf))) {
		rtcp = cb_rtp_is_rtcp(pkt, len);
		memcpy(buf, pkt, len);
		out = 0;
		rc = rtcp ? cb_srtcp_unprotect(s, buf, len, &out)
			  : cb_srtp_unprotect(s, buf, len, &out);
		if (rc != 0)
			continue;
		FUZZ_CHECK(out <= len);
		/* the same bytes again: a replay */
		memcpy(buf, pkt, len);
		rc = rtcp ? cb_srtcp_unprotect(s, buf, len, &out)
			  : cb_srtp_unprotect(s, buf, len, &out);
		FUZZ_CHECK(rc == CB_E_REPLAY);
	}
	cb_srtp_close(s);
	return 0;
}
