/*
 * rtx.c — RTX packets (RFC 4588 §4) and the send-side packet history,
 * modelled on WebRTC's modules/rtp_rtcp/source/rtp_packet_history.cc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/error.h"
#include "rtp/rtp.h"
#include "rtp/rtx.h"

/*
 * Both directions copy the header byte for byte and rewrite only the fields
 * RFC 4588 §4 says differ: payload type, sequence number and SSRC.  The
 * marker bit, the timestamp, the CSRC list and any header extension are the
 * original's.  The P bit is cleared because padding is not carried over: it
 * is a property of one transmission, not of the media.
 */
static void rewrite_header(uint8_t *out, uint8_t pt, uint16_t seq, uint32_t ssrc)
{
	out[0] &= (uint8_t)~0x20;
	out[1] = (uint8_t)((out[1] & 0x80) | pt);
	cb_put16(out + 2, seq);
	cb_put32(out + 8, ssrc);
}

int cb_rtx_wrap(const uint8_t *in, size_t in_len, uint32_t rtx_ssrc, uint8_t rtx_pt,
		uint16_t rtx_seq, uint8_t *out, size_t *out_len)
{
	struct cb_rtp_hdr h;
	size_t need;
	int rc;

	if (!in || !out || !out_len || rtx_pt > 127)
		return -EINVAL;
	rc = cb_rtp_parse(in, in_len, &h);
	if (rc < 0)
		return rc;
	need = h.hdr_len + CB_RTX_OSN_LEN + h.payload_len;
	if (*out_len < need)
		return CB_E_NOSPACE;

	/*
	 * The payload moves two bytes towards the end, so it is moved first
	 * and with memmove: that keeps `in == out` working.  The header does
	 * not move; the OSN is written last, over what was the start of the
	 * payload.
	 */
	memmove(out + h.hdr_len + CB_RTX_OSN_LEN, in + h.hdr_len, h.payload_len);
	if (out != in)
		memcpy(out, in, h.hdr_len);
	rewrite_header(out, rtx_pt, rtx_seq, rtx_ssrc);
	cb_put16(out + h.hdr_len, h.seq);
	*out_len = need;
	return 0;
}

int cb_rtx_unwrap(const uint8_t *in, size_t in_len, uint32_t orig_ssrc, uint8_t orig_pt,
		  uint8_t *out, size_t *out_len)
{
	struct cb_rtp_hdr h;
	uint16_t osn;
	size_t need;
	int rc;

	if (!in || !out || !out_len || orig_pt > 127)
		return -EINVAL;
	rc = cb_rtp_parse(in, in_len, &h);
	if (rc < 0)
		return rc;
	if (h.payload_len < CB_RTX_OSN_LEN)
		return CB_E_BADPKT;
	need = h.hdr_len + h.payload_len - CB_RTX_OSN_LEN;
	if (*out_len < need)
		return CB_E_NOSPACE;

	/* Read the OSN before a same-buffer move overwrites it. */
	osn = (uint16_t)((uint16_t)h.payload[0] << 8 | h.payload[1]);
	if (out != in)
		memcpy(out, in, h.hdr_len);
	memmove(out + h.hdr_len, in + h.hdr_len + CB_RTX_OSN_LEN, h.payload_len - CB_RTX_OSN_LEN);
	rewrite_header(out, orig_pt, osn, orig_ssrc);
	*out_len = need;
	return 0;
}

/*
 * One stored packet.  The slot is chosen by the low bits of the sequence
 * number, so a lookup is one index and storing packet `seq` evicts packet
 * `seq - slots`: the count bound needs no bookkeeping of its own.
 */
struct slot {
	int used;
	uint16_t seq;
	uint32_t times_resent;
	cb_ns sent;	   /* first transmission: the age is counted from here */
	cb_ns last_resent; /* last retransmission, for the once-per-RTT rule */
	size_t len;
};

struct cb_rtx {
	struct cb_rtx_cfg cfg;
	struct slot *slots;
	uint8_t *data; /* slots x slot_bytes */
	size_t mask;
	cb_ns rtt; /* 0: unknown */
	int have_newest;
	uint16_t newest; /* highest sequence number stored */
	uint16_t next_seq;
	struct cb_rtx_stats st;
};

int cb_rtx_open(struct cb_rtx **out, const struct cb_rtx_cfg *cfg)
{
	struct cb_rtx *r;
	struct cb_rtx_cfg c;

	if (!out || !cfg)
		return -EINVAL;
	c = *cfg;
	if (!c.slots)
		c.slots = 1024;
	if (!c.slot_bytes)
		c.slot_bytes = 1500;
	if (!c.min_age)
		c.min_age = CB_NS_PER_S;
	if (!c.rtt_factor)
		c.rtt_factor = 3;
	/*
	 * More than 32768 slots would hold two packets whose sequence numbers
	 * are half the space apart, and cb_seq_diff() could no longer tell
	 * which is older.
	 */
	if (c.pt > 127 || c.slots & (c.slots - 1) || c.slots > 32768 ||
	    c.slot_bytes < CB_RTP_HDR_MIN || c.slot_bytes > 65535 || c.min_age < 0)
		return -EINVAL;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->slots = calloc(c.slots, sizeof(*r->slots));
	r->data = malloc(c.slots * c.slot_bytes);
	if (!r->slots || !r->data) {
		cb_rtx_close(r);
		return -ENOMEM;
	}
	r->cfg = c;
	r->mask = c.slots - 1;
	r->next_seq = c.seq_start;
	*out = r;
	return 0;
}

void cb_rtx_close(struct cb_rtx *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r->data);
	free(r);
}

int cb_rtx_set_rtt(struct cb_rtx *r, cb_ns rtt)
{
	if (!r || rtt < 0)
		return -EINVAL;
	r->rtt = rtt;
	return 0;
}

cb_ns cb_rtx_max_age(const struct cb_rtx *r)
{
	cb_ns by_rtt;

	if (!r)
		return 0;
	/*
	 * WebRTC's kMinPacketDuration (1 s) and kMinPacketDurationRtt (3):
	 * a NACK needs one RTT to come back and may be repeated, so a history
	 * shorter than a few RTTs refuses requests that could still help.
	 */
	by_rtt = (cb_ns)r->cfg.rtt_factor * r->rtt;
	return by_rtt > r->cfg.min_age ? by_rtt : r->cfg.min_age;
}

int cb_rtx_put(struct cb_rtx *r, const uint8_t *pkt, size_t len, cb_ns now)
{
	struct cb_rtp_hdr h;
	struct slot *s;
	int rc;

	if (!r || !pkt)
		return -EINVAL;
	rc = cb_rtp_parse(pkt, len, &h);
	if (rc < 0)
		return rc;
	if (len > r->cfg.slot_bytes)
		return CB_E_NOSPACE;

	s = &r->slots[h.seq & r->mask];
	if (s->used && s->seq != h.seq && now - s->sent < cb_rtx_max_age(r))
		r->st.evicted_young++;
	s->used = 1;
	s->seq = h.seq;
	s->times_resent = 0;
	s->sent = now;
	s->last_resent = CB_NS_NONE;
	s->len = len;
	memcpy(r->data + (h.seq & r->mask) * r->cfg.slot_bytes, pkt, len);
	if (!r->have_newest || cb_seq_diff(h.seq, r->newest) > 0)
		r->newest = h.seq;
	r->have_newest = 1;
	r->st.stored++;
	return 0;
}

/* Why `seq` cannot be retransmitted at `now`, or 0 if it can. */
static int lookup(const struct cb_rtx *r, uint16_t seq, cb_ns now, const struct slot **out)
{
	const struct slot *s = &r->slots[seq & r->mask];

	if (!r->have_newest || cb_seq_diff(seq, r->newest) > 0)
		return CB_E_NOTFOUND;
	if (!s->used || s->seq != seq) {
		/*
		 * The slot holds another packet.  If `seq` is at least a ring
		 * behind the newest packet, it was overwritten (evicted by
		 * count); otherwise it was never stored.
		 */
		if (cb_seq_diff(r->newest, seq) >= (int)r->cfg.slots)
			return CB_E_LATE;
		return CB_E_NOTFOUND;
	}
	if (now - s->sent > cb_rtx_max_age(r))
		return CB_E_LATE;
	/*
	 * WebRTC's RtpPacketHistory::VerifyRtt: once a packet has been
	 * retransmitted, a request within one RTT of that is most likely for
	 * the copy already in flight, so it is ignored.  The first
	 * retransmission is never held back.
	 */
	if (s->times_resent > 0 && r->rtt > 0 && now - s->last_resent < r->rtt)
		return CB_E_AGAIN;
	*out = s;
	return 0;
}

int cb_rtx_resend(struct cb_rtx *r, uint16_t seq, cb_ns now, uint8_t *out, size_t *out_len)
{
	const struct slot *cs = NULL;
	struct slot *s;
	int rc;

	if (!r || !out || !out_len)
		return -EINVAL;
	r->st.requests++;
	rc = lookup(r, seq, now, &cs);
	if (rc == CB_E_NOTFOUND)
		r->st.refused_not_found++;
	else if (rc == CB_E_LATE)
		r->st.refused_too_old++;
	else if (rc == CB_E_AGAIN)
		r->st.refused_too_soon++;
	if (rc < 0)
		return rc;

	rc = cb_rtx_wrap(r->data + (seq & r->mask) * r->cfg.slot_bytes, cs->len, r->cfg.ssrc,
			 r->cfg.pt, r->next_seq, out, out_len);
	if (rc < 0)
		return rc;
	/* Only a packet really built uses up an RTX sequence number. */
	s = &r->slots[seq & r->mask];
	s->times_resent++;
	s->last_resent = now;
	r->next_seq++;
	r->st.retransmitted++;
	r->st.retransmitted_bytes += *out_len;
	return 0;
}

void cb_rtx_get_stats(const struct cb_rtx *r, struct cb_rtx_stats *st)
{
	if (!r || !st)
		return;
	*st = r->st;
}
