/*
 * rtp.c — the RTP fixed header (RFC 3550 §5.1) and RTP/RTCP demultiplexing
 * (RFC 5761 §4).
 */
#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "base/error.h"
#include "rtp/rtp.h"

int cb_rtp_write(const struct cb_rtp_hdr *h, uint8_t *out, size_t *out_len)
{
	size_t need;

	if (!h || !out || !out_len)
		return -EINVAL;
	if (h->pt > 127 || h->csrc_count > CB_RTP_MAX_CSRC)
		return -EINVAL;
	need = CB_RTP_HDR_MIN + 4 * (size_t)h->csrc_count;
	if (*out_len < need)
		return CB_E_NOSPACE;

	/*
	 * The P and X bits stay clear whatever `h` says: this function writes
	 * neither padding nor an extension, so setting either bit would make
	 * the receiver strip bytes that are really payload.  Ignoring them
	 * also lets a header filled in by cb_rtp_parse() be written back.
	 */
	out[0] = (uint8_t)(0x80 | h->csrc_count);
	out[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->pt);
	cb_put16(out + 2, h->seq);
	cb_put32(out + 4, h->ts);
	cb_put32(out + 8, h->ssrc);
	for (unsigned i = 0; i < h->csrc_count; i++)
		cb_put32(out + CB_RTP_HDR_MIN + 4 * i, h->csrc[i]);
	*out_len = need;
	return 0;
}

int cb_rtp_parse(const uint8_t *pkt, size_t len, struct cb_rtp_hdr *h)
{
	struct cb_rtp_hdr r;
	size_t off, pad = 0;

	if (!pkt || !h)
		return -EINVAL;
	if (len < CB_RTP_HDR_MIN || (pkt[0] >> 6) != 2)
		return CB_E_BADPKT;

	/* Fill a local copy so that `h` is untouched when the packet is bad. */
	memset(&r, 0, sizeof(r));
	r.padding = (pkt[0] >> 5) & 1;
	r.has_ext = (pkt[0] >> 4) & 1;
	r.csrc_count = pkt[0] & 0x0f;
	r.marker = pkt[1] >> 7;
	r.pt = pkt[1] & 0x7f;
	r.seq = cb_get16(pkt + 2);
	r.ts = cb_get32(pkt + 4);
	r.ssrc = cb_get32(pkt + 8);

	off = CB_RTP_HDR_MIN;
	if (len - off < 4 * (size_t)r.csrc_count)
		return CB_E_BADPKT;
	for (unsigned i = 0; i < r.csrc_count; i++, off += 4)
		r.csrc[i] = cb_get32(pkt + off);

	if (r.has_ext) {
		size_t ext_len;

		if (len - off < 4)
			return CB_E_BADPKT;
		r.ext_profile = cb_get16(pkt + off);
		ext_len = 4 * (size_t)cb_get16(pkt + off + 2);
		off += 4;
		if (len - off < ext_len)
			return CB_E_BADPKT;
		off += ext_len;
	}

	/*
	 * RFC 3550 says the last octet of the padding counts the padding
	 * octets including itself, so zero is invalid and the count may not
	 * reach back into the header.
	 */
	if (r.padding) {
		if (len == off)
			return CB_E_BADPKT;
		pad = pkt[len - 1];
		if (pad == 0 || pad > len - off)
			return CB_E_BADPKT;
	}

	r.hdr_len = off;
	r.payload = pkt + off;
	r.payload_len = len - off - pad;
	*h = r;
	return 0;
}

int cb_rtp_is_rtcp(const uint8_t *pkt, size_t len)
{
	/*
	 * RFC 5761 §4: RTCP packet types 192..223 read, with the marker bit
	 * position masked off, as RTP payload types 64..95, which is why RTP
	 * must not use those payload types when the two share a port.
	 */
	if (!pkt || len < 2)
		return 0;
	return (pkt[1] & 0x7f) >= 64 && (pkt[1] & 0x7f) <= 95;
}
