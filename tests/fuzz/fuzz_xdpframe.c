/*
 * fuzz_xdpframe.c — the xdp transport's frame parser (net/frame.c): an
 * Ethernet/IPv4/UDP frame as it comes off the AF_XDP ring.
 *
 * Input: the flow the receiving end expects (destination MAC, 6 bytes;
 * IPv4 address, 4; UDP port, 2), then the frame.  Taking the expected
 * destination from the input lets mutations reach past the address checks.
 * Beyond not crashing: an accepted payload fits inside the frame after its
 * headers, and a payload built into a frame by cb_frame_build_udp parses
 * back to the same bytes.
 */
#include "fuzz.h"

#include "base/error.h"
#include "net/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	struct cb_frame_addr fa = {.src_mac = {2, 0, 0, 0, 0, 1},
				   .src_ip = 0xc6120001, /* 198.18.0.1 */
				   .src_port = 5004};
	uint8_t payload[2048], frame[2048 + CB_FRAME_HDR_LEN];
	size_t got, out_len = sizeof(payload), frame_len = sizeof(frame);
	const uint8_t *p = fz_bytes(&in, 6, &got);
	int rc;

	memcpy(fa.dst_mac, p, got);
	fa.dst_ip = fz_u32(&in);
	fa.dst_port = fz_u16(&in);
	rc = cb_frame_parse_udp(&fa, in.p, in.n, payload, &out_len);
	if (rc == 0)
		FUZZ_CHECK(in.n >= CB_FRAME_HDR_LEN && out_len <= in.n - CB_FRAME_HDR_LEN);
	else
		FUZZ_CHECK(rc == CB_E_UNSUPPORTED || rc == CB_E_NOTFOUND || rc == CB_E_BADPKT ||
			   rc == CB_E_NOSPACE);

	/* the sending end: the rest of the input as a payload, there and back */
	if (in.n > sizeof(payload))
		return 0;
	if (cb_frame_build_udp(&fa, 7, in.p, in.n, frame, &frame_len) != 0)
		return 0;
	out_len = sizeof(payload);
	FUZZ_CHECK(cb_frame_parse_udp(&fa, frame, frame_len, payload, &out_len) == 0);
	FUZZ_CHECK(out_len == in.n && !memcmp(payload, in.p, in.n));
	return 0;
}
