/*
 * fuzz_peermsg.c — the call messages two peers exchange through a room
 * (cb_peer_msg_parse: offer, answer, bye), as they arrive from the other
 * end.  Beyond not crashing: a refused message says why and holds nothing;
 * an offer or answer holds an SDP of the length it says, within the bound,
 * with no NUL; what was taken, written again (cb_peer_msg_build), parses
 * back to the same message.
 */
#include "fuzz.h"

#include "signal/peer_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cb_peer_msg m, back;
	char why[200] = "", *again;

	if (cb_peer_msg_parse((const char *)data, size, &m, why, sizeof(why)) != 0) {
		FUZZ_CHECK(why[0] != '\0');
		FUZZ_CHECK(m.sdp == NULL);
		return 0;
	}
	FUZZ_CHECK(m.type <= CB_PEER_MSG_OTHER && m.name[0]);
	if (m.type == CB_PEER_MSG_OFFER || m.type == CB_PEER_MSG_ANSWER) {
		FUZZ_CHECK(m.sdp && m.sdp_len == strlen(m.sdp));
		FUZZ_CHECK(m.sdp_len > 0 && m.sdp_len <= CB_PEER_MSG_SDP_MAX);
	} else {
		FUZZ_CHECK(m.sdp == NULL);
	}
	if (m.type != CB_PEER_MSG_OTHER) {
		again = cb_peer_msg_build(m.type, m.sdp ? m.sdp : m.reason[0] ? m.reason : NULL);
		FUZZ_CHECK(again != NULL);
		FUZZ_CHECK(cb_peer_msg_parse(again, strlen(again), &back, why, sizeof(why)) == 0);
		FUZZ_CHECK(back.type == m.type);
		FUZZ_CHECK(!m.sdp || (back.sdp && strcmp(back.sdp, m.sdp) == 0));
		/* A reason is kept to its room: the cut one reads back whole. */
		FUZZ_CHECK(strcmp(back.reason, m.reason) == 0);
		cb_peer_msg_clear(&back);
		free(again);
	}
	cb_peer_msg_clear(&m);
	return 0;
}
