/*
 * rtcp.c — RTCP packets: SR, RR, SDES, BYE (RFC 3550 §6.4–6.6), generic NACK
 * and PLI (RFC 4585 §6.2.1, §6.3.1), FIR (RFC 5104 §4.3.1); NTP time.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "base/bytes.h"
#include "base/error.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"

#define NS_PER_S 1000000000ULL

/* ---- parsing ----------------------------------------------------------- */

static void get_block(const uint8_t *p, struct cb_rtcp_report_block *b)
{
	uint32_t lost = cb_get32(p + 4) & 0xffffff;

	b->ssrc = cb_get32(p);
	b->fraction_lost = p[4];
	/* Sign-extend the 24-bit two's complement cumulative count. */
	b->cumulative_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
	b->ext_highest_seq = cb_get32(p + 8);
	b->jitter = cb_get32(p + 12);
	b->lsr = cb_get32(p + 16);
	b->dlsr = cb_get32(p + 20);
}

/*
 * Check the chunks of an SDES body without trusting any length in it: each
 * chunk is an SSRC, items of type/length/text, and a null item whose octet
 * and the padding after it reach the next 32-bit boundary.  The body must
 * hold exactly `n` chunks.  Offsets are relative to the body, which itself
 * starts on a 32-bit boundary, so "aligned" means a multiple of 4 here.
 */
static int check_sdes(const uint8_t *b, size_t len, unsigned n)
{
	size_t off = 0;

	for (unsigned c = 0; c < n; c++) {
		if (len - off < 4)
			return CB_E_BADPKT;
		off += 4;
		for (;;) {
			if (off >= len)
				return CB_E_BADPKT;
			if (b[off] == 0) {
				off = (off + 4) & ~(size_t)3;
				if (off > len)
					return CB_E_BADPKT;
				break;
			}
			if (len - off < 2 || len - off - 2 < b[off + 1])
				return CB_E_BADPKT;
			off += 2 + (size_t)b[off + 1];
		}
	}
	return off == len ? 0 : CB_E_BADPKT;
}

/*
 * Decode the sub-packet at the start of `p` (`rem` bytes left in the
 * compound packet) into `m` and its size into `*size`.  Everything the
 * public view points at is checked here, so the accessors below need no
 * checks of their own beyond the index.
 */
static int parse_one(const uint8_t *p, size_t rem, struct cb_rtcp_msg *m, size_t *size)
{
	unsigned count, pt;
	size_t sz, blen, pad = 0;
	const uint8_t *b;

	if (rem < CB_RTCP_HDR_LEN || (p[0] >> 6) != 2)
		return CB_E_BADPKT;
	count = p[0] & 0x1f;
	pt = p[1];
	if (pt < 192 || pt > 223)
		return CB_E_BADPKT;
	sz = 4 * ((size_t)cb_get16(p + 2) + 1);
	if (sz > rem)
		return CB_E_BADPKT;
	if (p[0] & 0x20) {
		/*
		 * RFC 3550 §6.4.1 allows padding only on the last sub-packet of
		 * a compound, and the count includes itself, so it is at least
		 * one and never reaches into the header.
		 */
		if (sz != rem)
			return CB_E_BADPKT;
		pad = p[sz - 1];
		if (pad == 0 || pad > sz - CB_RTCP_HDR_LEN)
			return CB_E_BADPKT;
	}
	b = p + CB_RTCP_HDR_LEN;
	blen = sz - CB_RTCP_HDR_LEN - pad;

	memset(m, 0, sizeof(*m));
	m->raw = p;
	m->raw_len = sz;
	*size = sz;

	switch (pt) {
	case CB_RTCP_PT_SR:
		if (blen < 24 + (size_t)count * CB_RTCP_BLOCK_LEN)
			return CB_E_BADPKT;
		m->type = CB_RTCP_SR;
		m->u.sr.ssrc = cb_get32(b);
		m->u.sr.ntp = (uint64_t)cb_get32(b + 4) << 32 | cb_get32(b + 8);
		m->u.sr.rtp_ts = cb_get32(b + 12);
		m->u.sr.packet_count = cb_get32(b + 16);
		m->u.sr.octet_count = cb_get32(b + 20);
		m->u.sr.n_blocks = (uint8_t)count;
		for (unsigned i = 0; i < count; i++)
			get_block(b + 24 + CB_RTCP_BLOCK_LEN * i, &m->u.sr.blocks[i]);
		return 0;
	case CB_RTCP_PT_RR:
		if (blen < 4 + (size_t)count * CB_RTCP_BLOCK_LEN)
			return CB_E_BADPKT;
		m->type = CB_RTCP_RR;
		m->u.rr.ssrc = cb_get32(b);
		m->u.rr.n_blocks = (uint8_t)count;
		for (unsigned i = 0; i < count; i++)
			get_block(b + 4 + CB_RTCP_BLOCK_LEN * i, &m->u.rr.blocks[i]);
		return 0;
	case CB_RTCP_PT_SDES:
		if (check_sdes(b, blen, count) < 0)
			return CB_E_BADPKT;
		m->type = CB_RTCP_SDES;
		m->u.sdes.n_chunks = (uint8_t)count;
		m->u.sdes.chunks = b;
		m->u.sdes.len = blen;
		return 0;
	case CB_RTCP_PT_BYE:
		if (blen < 4 * (size_t)count)
			return CB_E_BADPKT;
		m->type = CB_RTCP_BYE;
		m->u.bye.n_ssrc = (uint8_t)count;
		for (unsigned i = 0; i < count; i++)
			m->u.bye.ssrc[i] = cb_get32(b + 4 * i);
		if (blen > 4 * (size_t)count) {
			const uint8_t *r = b + 4 * count;

			if (blen - 4 * count - 1 < r[0])
				return CB_E_BADPKT;
			m->u.bye.reason_len = r[0];
			m->u.bye.reason = (const char *)r + 1;
		}
		return 0;
	case CB_RTCP_PT_RTPFB:
	case CB_RTCP_PT_PSFB:
		if (blen < 8)
			return CB_E_BADPKT;
		m->u.fb.sender_ssrc = cb_get32(b);
		m->u.fb.media_ssrc = cb_get32(b + 4);
		m->u.fb.fci = b + 8;
		blen -= 8;
		if (pt == CB_RTCP_PT_RTPFB && count == CB_RTCP_FMT_NACK) {
			if (blen == 0 || blen % 4)
				return CB_E_BADPKT;
			m->type = CB_RTCP_NACK;
			m->u.fb.n_fci = blen / 4;
			return 0;
		}
		if (pt == CB_RTCP_PT_PSFB && count == CB_RTCP_FMT_PLI) {
			/* RFC 4585 §6.3.1: "the length field MUST be 2". */
			if (blen != 0)
				return CB_E_BADPKT;
			m->type = CB_RTCP_PLI;
			m->u.fb.fci = NULL;
			return 0;
		}
		if (pt == CB_RTCP_PT_PSFB && count == CB_RTCP_FMT_FIR) {
			if (blen == 0 || blen % 8)
				return CB_E_BADPKT;
			m->type = CB_RTCP_FIR;
			m->u.fb.n_fci = blen / 8;
			return 0;
		}
		memset(&m->u, 0, sizeof(m->u));
		blen += 8;
		break;
	default:
		break;
	}
	m->type = CB_RTCP_OTHER;
	m->u.other.pt = (uint8_t)pt;
	m->u.other.count = (uint8_t)count;
	m->u.other.body = b;
	m->u.other.len = blen;
	return 0;
}

int cb_rtcp_parse(const uint8_t *pkt, size_t len, cb_rtcp_msg_fn cb, void *user)
{
	struct cb_rtcp_msg m;
	size_t off, sz;
	int n = 0, err;

	if (!pkt && len)
		return -EINVAL;
	if (len == 0)
		return CB_E_BADPKT;

	/*
	 * Two passes: the first checks every sub-packet, the second delivers
	 * them.  Decoding twice costs little next to the guarantee that a
	 * callback never sees part of a packet that is then rejected.
	 */
	for (off = 0; off < len; off += sz) {
		if (parse_one(pkt + off, len - off, &m, &sz) < 0)
			return CB_E_BADPKT;
		n++;
	}
	if (!cb)
		return n;
	for (off = 0; off < len; off += sz) {
		parse_one(pkt + off, len - off, &m, &sz);
		err = cb(user, &m);
		if (err < 0)
			return err;
	}
	return n;
}

int cb_rtcp_sdes_next(const struct cb_rtcp_msg *m, size_t *pos, struct cb_rtcp_sdes_item *item)
{
	const uint8_t *b;
	size_t off, len, chunk;

	if (!m || !pos || !item || m->type != CB_RTCP_SDES)
		return -EINVAL;
	b = m->u.sdes.chunks;
	len = m->u.sdes.len;
	off = *pos;

	/*
	 * `*pos` is the offset of the next item, or of the next chunk when it
	 * sits on a 32-bit boundary at which a chunk starts.  To tell the two
	 * apart the walk restarts from the front: SDES packets are a few dozen
	 * bytes, and keeping no hidden state makes a stale `*pos` harmless.
	 */
	chunk = 0;
	while (chunk < len) {
		size_t o = chunk + 4;

		while (b[o] != 0) {
			if (o >= off) {
				item->ssrc = cb_get32(b + chunk);
				item->type = b[o];
				item->len = b[o + 1];
				item->text = (const char *)b + o + 2;
				*pos = o + 2 + b[o + 1];
				return 1;
			}
			o += 2 + (size_t)b[o + 1];
		}
		chunk = (o + 4) & ~(size_t)3;
	}
	*pos = len;
	return 0;
}

int cb_rtcp_nack_get(const struct cb_rtcp_msg *m, size_t i, struct cb_nack_entry *e)
{
	if (!m || !e || m->type != CB_RTCP_NACK || i >= m->u.fb.n_fci)
		return -EINVAL;
	e->pid = cb_get16(m->u.fb.fci + 4 * i);
	e->blp = cb_get16(m->u.fb.fci + 4 * i + 2);
	return 0;
}

int cb_rtcp_fir_get(const struct cb_rtcp_msg *m, size_t i, struct cb_fir_entry *e)
{
	if (!m || !e || m->type != CB_RTCP_FIR || i >= m->u.fb.n_fci)
		return -EINVAL;
	e->ssrc = cb_get32(m->u.fb.fci + 8 * i);
	e->seq = m->u.fb.fci[8 * i + 4];
	return 0;
}

/* ---- building ---------------------------------------------------------- */

static void put_hdr(uint8_t *p, unsigned count, unsigned pt, size_t size)
{
	p[0] = (uint8_t)(0x80 | count);
	p[1] = (uint8_t)pt;
	cb_put16(p + 2, (uint16_t)(size / 4 - 1));
}

static void put_block(uint8_t *p, const struct cb_rtcp_report_block *b)
{
	int32_t lost = b->cumulative_lost;

	/* RFC 3550 A.3 clamps the count rather than letting it wrap. */
	if (lost > CB_RTCP_LOST_MAX)
		lost = CB_RTCP_LOST_MAX;
	if (lost < CB_RTCP_LOST_MIN)
		lost = CB_RTCP_LOST_MIN;
	cb_put32(p, b->ssrc);
	cb_put32(p + 4, (uint32_t)b->fraction_lost << 24 | ((uint32_t)lost & 0xffffff));
	cb_put32(p + 8, b->ext_highest_seq);
	cb_put32(p + 12, b->jitter);
	cb_put32(p + 16, b->lsr);
	cb_put32(p + 20, b->dlsr);
}

static size_t sdes_size(size_t cname_len)
{
	/* Header, SSRC, type, length, text, then at least one null octet to a word. */
	return CB_RTCP_HDR_LEN + ((4 + 2 + cname_len + 1 + 3) & ~(size_t)3);
}

int cb_rtcp_build_sr(const struct cb_rtcp_sr *sr, uint8_t *out, size_t *out_len)
{
	size_t need;

	if (!sr || !out || !out_len || sr->n_blocks > CB_RTCP_MAX_BLOCKS)
		return -EINVAL;
	need = 28 + (size_t)CB_RTCP_BLOCK_LEN * sr->n_blocks;
	if (*out_len < need)
		return CB_E_NOSPACE;
	put_hdr(out, sr->n_blocks, CB_RTCP_PT_SR, need);
	cb_put32(out + 4, sr->ssrc);
	cb_put32(out + 8, (uint32_t)(sr->ntp >> 32));
	cb_put32(out + 12, (uint32_t)sr->ntp);
	cb_put32(out + 16, sr->rtp_ts);
	cb_put32(out + 20, sr->packet_count);
	cb_put32(out + 24, sr->octet_count);
	for (unsigned i = 0; i < sr->n_blocks; i++)
		put_block(out + 28 + CB_RTCP_BLOCK_LEN * i, &sr->blocks[i]);
	*out_len = need;
	return 0;
}

int cb_rtcp_build_rr(const struct cb_rtcp_rr *rr, uint8_t *out, size_t *out_len)
{
	size_t need;

	if (!rr || !out || !out_len || rr->n_blocks > CB_RTCP_MAX_BLOCKS)
		return -EINVAL;
	need = 8 + (size_t)CB_RTCP_BLOCK_LEN * rr->n_blocks;
	if (*out_len < need)
		return CB_E_NOSPACE;
	put_hdr(out, rr->n_blocks, CB_RTCP_PT_RR, need);
	cb_put32(out + 4, rr->ssrc);
	for (unsigned i = 0; i < rr->n_blocks; i++)
		put_block(out + 8 + CB_RTCP_BLOCK_LEN * i, &rr->blocks[i]);
	*out_len = need;
	return 0;
}

int cb_rtcp_build_sdes(uint32_t ssrc, const char *cname, uint8_t *out, size_t *out_len)
{
	size_t len, need;

	if (!cname || !out || !out_len)
		return -EINVAL;
	len = strlen(cname);
	if (len == 0 || len > 255)
		return -EINVAL;
	need = sdes_size(len);
	if (*out_len < need)
		return CB_E_NOSPACE;
	put_hdr(out, 1, CB_RTCP_PT_SDES, need);
	cb_put32(out + 4, ssrc);
	out[8] = CB_RTCP_SDES_CNAME;
	out[9] = (uint8_t)len;
	memcpy(out + 10, cname, len);
	memset(out + 10 + len, 0, need - 10 - len);
	*out_len = need;
	return 0;
}

int cb_rtcp_build_bye(const uint32_t *ssrc, size_t n, const char *reason, uint8_t *out,
		      size_t *out_len)
{
	size_t rlen = 0, need;

	if ((!ssrc && n) || !out || !out_len || n > CB_RTCP_MAX_BLOCKS)
		return -EINVAL;
	if (reason) {
		rlen = strlen(reason);
		if (rlen > 255)
			return -EINVAL;
	}
	need = CB_RTCP_HDR_LEN + 4 * n + (reason ? (1 + rlen + 3) & ~(size_t)3 : 0);
	if (*out_len < need)
		return CB_E_NOSPACE;
	put_hdr(out, (unsigned)n, CB_RTCP_PT_BYE, need);
	for (size_t i = 0; i < n; i++)
		cb_put32(out + 4 + 4 * i, ssrc[i]);
	if (reason) {
		uint8_t *r = out + 4 + 4 * n;

		r[0] = (uint8_t)rlen;
		memcpy(r + 1, reason, rlen);
		memset(r + 1 + rlen, 0, (size_t)(out + need - (r + 1 + rlen)));
	}
	*out_len = need;
	return 0;
}

static int build_fb(unsigned fmt, unsigned pt, uint32_t sender, uint32_t media, size_t fci_len,
		    uint8_t *out, size_t *out_len)
{
	size_t need = 12 + fci_len;

	if (*out_len < need)
		return CB_E_NOSPACE;
	put_hdr(out, fmt, pt, need);
	cb_put32(out + 4, sender);
	cb_put32(out + 8, media);
	*out_len = need;
	return 0;
}

int cb_rtcp_build_nack(uint32_t sender_ssrc, uint32_t media_ssrc, const struct cb_nack_entry *e,
		       size_t n, uint8_t *out, size_t *out_len)
{
	int err;

	if (!e || !out || !out_len || n == 0 || n > 65533)
		return -EINVAL;
	err = build_fb(CB_RTCP_FMT_NACK, CB_RTCP_PT_RTPFB, sender_ssrc, media_ssrc, 4 * n, out,
		       out_len);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		cb_put16(out + 12 + 4 * i, e[i].pid);
		cb_put16(out + 14 + 4 * i, e[i].blp);
	}
	return 0;
}

int cb_rtcp_build_pli(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t *out, size_t *out_len)
{
	if (!out || !out_len)
		return -EINVAL;
	return build_fb(CB_RTCP_FMT_PLI, CB_RTCP_PT_PSFB, sender_ssrc, media_ssrc, 0, out, out_len);
}

int cb_rtcp_build_fir(uint32_t sender_ssrc, const struct cb_fir_entry *e, size_t n, uint8_t *out,
		      size_t *out_len)
{
	int err;

	if (!e || !out || !out_len || n == 0 || n > 32766)
		return -EINVAL;
	err = build_fb(CB_RTCP_FMT_FIR, CB_RTCP_PT_PSFB, sender_ssrc, 0, 8 * n, out, out_len);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		cb_put32(out + 12 + 8 * i, e[i].ssrc);
		cb_put32(out + 16 + 8 * i, (uint32_t)e[i].seq << 24);
	}
	return 0;
}

int cb_rtcp_build_report(const struct cb_rtcp_sr *sr, const struct cb_rtcp_rr *rr,
			 const char *cname, uint8_t *out, size_t *out_len)
{
	size_t need, first, rest;
	uint32_t ssrc;
	int err;

	if ((!sr && !rr) || !out || !out_len)
		return -EINVAL;
	if (sr ? sr->n_blocks > CB_RTCP_MAX_BLOCKS : rr->n_blocks > CB_RTCP_MAX_BLOCKS)
		return -EINVAL;
	if (cname && (strlen(cname) == 0 || strlen(cname) > 255))
		return -EINVAL;

	/* Size the whole compound first so that a short buffer gets nothing. */
	first = sr ? 28 + (size_t)CB_RTCP_BLOCK_LEN * sr->n_blocks
		   : 8 + (size_t)CB_RTCP_BLOCK_LEN * rr->n_blocks;
	need = first + (cname ? sdes_size(strlen(cname)) : 0);
	if (*out_len < need)
		return CB_E_NOSPACE;
	err = sr ? cb_rtcp_build_sr(sr, out, &first) : cb_rtcp_build_rr(rr, out, &first);
	if (err)
		return err;
	ssrc = sr ? sr->ssrc : rr->ssrc;
	if (cname) {
		rest = need - first;
		err = cb_rtcp_build_sdes(ssrc, cname, out + first, &rest);
		if (err)
			return err;
	}
	*out_len = need;
	return 0;
}

/* ---- NACK lists -------------------------------------------------------- */

/*
 * Why greedy packing is optimal.  Read the sorted list as points on a line
 * (it spans less than half the sequence space, so RTP order is a total
 * order).  An entry covers the window PID..PID+16 and must start on a lost
 * number.  Greedy opens a window at the first uncovered point p1, then at
 * the first point p2 > p1 + 16, and so on, producing points p1 < p2 < ...
 * that are pairwise more than 16 apart.  No window of width 17 can hold two
 * of them, so every packing needs at least as many entries as greedy used.
 */
int cb_nack_encode(const uint16_t *seqs, size_t n, struct cb_nack_entry *out, size_t *n_out)
{
	size_t k = 0, room;

	if ((!seqs && n) || !out || !n_out)
		return -EINVAL;
	room = *n_out;

	/* Check the order before writing anything. */
	for (size_t i = 1; i < n; i++)
		if (cb_seq_diff(seqs[i], seqs[i - 1]) < 0)
			return -EINVAL;

	for (size_t i = 0; i < n;) {
		uint16_t pid = seqs[i], blp = 0;

		for (i++; i < n; i++) {
			uint16_t d = (uint16_t)(seqs[i] - pid);

			if (d > 16)
				break;
			if (d > 0)
				blp |= (uint16_t)(1u << (d - 1));
		}
		if (k == room)
			return CB_E_NOSPACE;
		out[k].pid = pid;
		out[k].blp = blp;
		k++;
	}
	*n_out = k;
	return 0;
}

int cb_nack_decode(const struct cb_nack_entry *e, size_t n, uint16_t *seqs, size_t *n_seqs)
{
	size_t k = 0, room;

	if ((!e && n) || !seqs || !n_seqs)
		return -EINVAL;
	room = *n_seqs;
	for (size_t i = 0; i < n; i++) {
		if (k == room)
			return CB_E_NOSPACE;
		seqs[k++] = e[i].pid;
		for (unsigned b = 0; b < 16; b++) {
			if (!(e[i].blp & (1u << b)))
				continue;
			if (k == room)
				return CB_E_NOSPACE;
			seqs[k++] = (uint16_t)(e[i].pid + b + 1);
		}
	}
	*n_seqs = k;
	return 0;
}

/* ---- NTP time ---------------------------------------------------------- */

uint64_t cb_ntp_from_ns(cb_ns t, cb_ns epoch_offset)
{
	uint64_t total, s, frac;

	/* Sum in a way that cannot overflow int64; times before 1900 read as 0. */
	if ((epoch_offset > 0 && t > INT64_MAX - epoch_offset) ||
	    (epoch_offset < 0 && t < INT64_MIN - epoch_offset))
		return 0;
	if (t + epoch_offset < 0)
		return 0;
	total = (uint64_t)(t + epoch_offset);
	s = total / NS_PER_S;
	frac = ((total % NS_PER_S << 32) + NS_PER_S / 2) / NS_PER_S;
	if (frac >> 32) {
		s++;
		frac = 0;
	}
	/* Seconds past 2036 wrap into the next NTP era, as on the wire. */
	return (s & 0xffffffffu) << 32 | frac;
}

cb_ns cb_ntp_to_ns(uint64_t ntp, cb_ns epoch_offset)
{
	uint64_t s = ntp >> 32, frac = ntp & 0xffffffffu;
	uint64_t ns = s * NS_PER_S + ((frac * NS_PER_S + (1ULL << 31)) >> 32);

	return (cb_ns)ns - epoch_offset;
}

uint32_t cb_ntp_short_from_ns(cb_ns d)
{
	uint64_t v;

	if (d <= 0)
		return 0;
	v = (uint64_t)d / NS_PER_S * 65536 +
	    ((uint64_t)d % NS_PER_S * 65536 + NS_PER_S / 2) / NS_PER_S;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

cb_ns cb_ntp_short_to_ns(uint32_t s)
{
	return (cb_ns)(((uint64_t)s * NS_PER_S + 32768) >> 16);
}
