/*
 * fuzz_rtp.c — the RTP fixed header parser (RFC 3550 §5.1), the RTP/RTCP
 * demultiplexer (RFC 5761) and RTX unwrap (RFC 4588) on arbitrary bytes.
 * Beyond not crashing: a parsed header's payload lies inside the packet,
 * and RTX wrap then unwrap gives back the packet's header fields and payload.
 */
#include "fuzz.h"

#include "rtp/rtp.h"
#include "rtp/rtx.h"

#define ROOM 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cb_rtp_hdr h, back;
	uint8_t rtx[ROOM], orig[ROOM];
	size_t rtx_len = sizeof(rtx), orig_len = sizeof(orig);

	(void)cb_rtp_is_rtcp(data, size);
	/* an RTX packet as it arrives: restore the packet it carries */
	if (cb_rtx_unwrap(data, size, 0x11223344, 96, orig, &orig_len) == 0) {
		FUZZ_CHECK(cb_rtp_parse(orig, orig_len, &back) == 0);
		FUZZ_CHECK(back.ssrc == 0x11223344 && back.pt == 96);
		FUZZ_CHECK(orig_len + 2 <= size);
	}
	if (cb_rtp_parse(data, size, &h) != 0)
		return 0;
	FUZZ_CHECK(h.hdr_len >= CB_RTP_HDR_MIN && h.hdr_len <= size);
	FUZZ_CHECK(h.payload == data + h.hdr_len);
	FUZZ_CHECK(h.hdr_len + h.payload_len <= size);
	FUZZ_CHECK(h.pt < 128 && h.csrc_count <= CB_RTP_MAX_CSRC);

	/* what the sender's RTX does with a packet it kept, and the receiver undoes */
	if (cb_rtx_wrap(data, size, 0x55667788, 97, 4242, rtx, &rtx_len) != 0)
		return 0;
	orig_len = sizeof(orig);
	FUZZ_CHECK(cb_rtx_unwrap(rtx, rtx_len, h.ssrc, h.pt, orig, &orig_len) == 0);
	FUZZ_CHECK(cb_rtp_parse(orig, orig_len, &back) == 0);
	FUZZ_CHECK(back.seq == h.seq && back.ts == h.ts && back.ssrc == h.ssrc);
	FUZZ_CHECK(back.pt == h.pt && back.marker == h.marker);
	FUZZ_CHECK(back.payload_len == h.payload_len);
	FUZZ_CHECK(!memcmp(back.payload, h.payload, h.payload_len));
	return 0;
}
