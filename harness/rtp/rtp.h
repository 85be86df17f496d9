/*
 * rtp.h — RTP fixed header (RFC 3550 §5.1): write and parse.
 */
#ifndef CB_RTP_RTP_H
#define CB_RTP_RTP_H

#include <stddef.h>
#include <stdint.h>

#define CB_RTP_HDR_MIN	12
#define CB_RTP_MAX_CSRC 15

struct cb_rtp_hdr {
	uint8_t padding; /**< P bit (on parse: set when padding was present and removed) */
	uint8_t marker;	 /**< M bit */
	uint8_t pt;	 /**< payload type, 0..127 */
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t csrc_count;
	uint32_t csrc[CB_RTP_MAX_CSRC];
	uint8_t has_ext; /**< X bit; extension is skipped on parse, not written */
	uint16_t ext_profile;
	size_t hdr_len;		/**< on parse: bytes up to the payload */
	const uint8_t *payload; /**< on parse: points into the packet */
	size_t payload_len;	/**< on parse: without padding */
};

/**
 * Write the header (version 2, no extension, no padding) to `out`.
 * `*out_len` holds the room on entry and the bytes written on return;
 * CB_E_NOSPACE if the room is too small, -EINVAL for a bad field.
 */
int cb_rtp_write(const struct cb_rtp_hdr *h, uint8_t *out, size_t *out_len);

/**
 * Parse a packet.  CB_E_BADPKT for anything that is not a well-formed RTP
 * packet: short, version != 2, CSRC list, extension or padding running past
 * the end.
 */
int cb_rtp_parse(const uint8_t *pkt, size_t len, struct cb_rtp_hdr *h);

/** Does the first byte / payload type look like RTCP (RFC 5761 demux, PT 64..95)? */
int cb_rtp_is_rtcp(const uint8_t *pkt, size_t len);

/**
 * Signed distance a - b between 16-bit sequence numbers: the shorter way
 * round, in -32768..32768.  Exactly half the space apart is ambiguous; it is
 * decided by the numbers themselves, so that cb_seq_diff(a, b) is always
 * -cb_seq_diff(b, a) and no pair is each behind the other.
 */
static inline int cb_seq_diff(uint16_t a, uint16_t b)
{
	uint16_t d = (uint16_t)(a - b);

	if (d == 0x8000)
		return a > b ? 32768 : -32768;
	return (int16_t)d;
}

#endif
