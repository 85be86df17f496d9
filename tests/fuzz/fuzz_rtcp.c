/*
 * fuzz_rtcp.c — RTCP compound packets (RFC 3550 §6, RFC 4585 feedback):
 * the compound check, then every sub-packet and, through the accessors the
 * receiver and sender use, every SDES item, NACK and FIR entry of it, and
 * the NACK entries decoded to sequence numbers.  Beyond not crashing: each
 * sub-packet lies inside the packet, and the sub-packets tile it.
 */
#include "fuzz.h"

#include "rtp/rtcp.h"

struct walk {
	const uint8_t *pkt;
	size_t len, covered;
};

static int on_msg(void *user, const struct cb_rtcp_msg *m)
{
	struct walk *w = user;
	struct cb_rtcp_sdes_item item;
	struct cb_nack_entry e;
	struct cb_fir_entry fir;
	uint16_t seqs[17];
	size_t pos = 0, i, n;

	FUZZ_CHECK(m->raw == w->pkt + w->covered);
	FUZZ_CHECK(m->raw_len >= 4 && w->covered + m->raw_len <= w->len);
	w->covered += m->raw_len;
	if (m->type == CB_RTCP_SDES)
		while (cb_rtcp_sdes_next(m, &pos, &item) == 1)
			FUZZ_CHECK(pos <= m->raw_len);
	for (i = 0; cb_rtcp_nack_get(m, i, &e) == 0; i++) {
		n = sizeof(seqs) / sizeof(seqs[0]);
		FUZZ_CHECK(cb_nack_decode(&e, 1, seqs, &n) == 0 && n >= 1 && n <= 17);
		FUZZ_CHECK(seqs[0] == e.pid);
	}
	for (i = 0; cb_rtcp_fir_get(m, i, &fir) == 0; i++)
		;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk w = {data, size, 0};
	int n = cb_rtcp_parse(data, size, on_msg, &w);

	FUZZ_CHECK(n != 0);
	if (n > 0)
		FUZZ_CHECK(w.covered == size);
	FUZZ_CHECK((cb_rtcp_parse(data, size, NULL, NULL) > 0) == (n > 0));
	return 0;
}
