/*
 * pay_h264.c — the H.264 RTP payload format (RFC 6184), packetization-mode 1.
 *
 * The encoder gives one Annex B access unit per frame.  The packetizer
 * splits it at its start codes into NAL units and sends each the way
 * libwebrtc does (modules/rtp_rtcp/source/rtp_format_h264.cc): a NAL unit
 * that fits the budget goes alone (a single NAL unit packet, §5.6) or, with
 * the small ones after it, in one STAP-A (§5.7.1: type 24, then a 16-bit
 * size before each NAL unit), which is how SPS + PPS + the start of an IDR
 * travel together; a NAL unit larger than the budget is cut into FU-A
 * fragments (§5.8: type 28, an FU indicator with the NAL's F and NRI, an FU
 * header S|E|R|type, and the NAL's payload without its header byte).
 *
 * On the receive side nothing can be stripped and joined as VP8's payloads
 * are, so `depacketize` turns each payload back into Annex B: a 4-byte start
 * code before every NAL unit (what openh264 writes, which makes the round
 * trip byte-exact for its streams), and the NAL header rebuilt from the FU
 * indicator and header on the first fragment.
 */
#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "rtp/payload.h"

#define NAL_TYPE_MASK 0x1f
#define NAL_FNRI_MASK 0xe0
#define NAL_NRI_MASK  0x60
#define NAL_F	      0x80

/* NAL unit types (H.264 Table 7-1) and the RTP-only ones (RFC 6184 §5.2). */
#define NAL_SLICE  1
#define NAL_IDR	   5
#define NAL_SEI	   6
#define NAL_SPS	   7
#define NAL_PPS	   8
#define NAL_AUD	   9
#define NAL_STAP_A 24
#define NAL_FU_A   28

#define FU_S 0x80
#define FU_E 0x40
#define FU_R 0x20

#define STAP_HDR_LEN   1 /* the STAP-A NAL header */
#define STAP_SIZE_LEN  2 /* the size before each aggregated NAL unit */
#define FU_HDR_LEN     2 /* FU indicator + FU header */
#define START_CODE_LEN 4

static const uint8_t start_code[START_CODE_LEN] = {0, 0, 0, 1};

struct h264_pay {
	const uint8_t *frame; /* borrowed from the caller of begin */
	size_t len;
	size_t pos; /* where the search for the next NAL unit resumes */
	/* The NAL unit being sent as FU-A fragments: `fu_nal` is NULL when
	 * none is; fu_off counts the NAL's bytes already sent, header
	 * included. */
	const uint8_t *fu_nal;
	size_t fu_len, fu_off;
};

/*
 * Find the NAL unit after `pos` in an Annex B stream: returns 1 with its
 * start and length, or 0 when no NAL unit is left.  A NAL unit ends at the
 * next 00 00 01; the zero bytes before that belong to the next start code
 * (its 4-byte form) or are trailing_zero_8bits, and are not part of it.
 * Emulation prevention guarantees no 00 00 01 inside a NAL unit.
 */
static int find_any_nal(const uint8_t *b, size_t len, size_t pos, size_t *nal, size_t *nal_len,
			size_t *after)
{
	size_t i = pos, start, end;

	for (;;) {
		while (i + 3 <= len && !(b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1))
			i++;
		if (i + 3 > len)
			return 0;
		start = i + 3;
		end = start;
		while (end + 3 <= len && !(b[end] == 0 && b[end + 1] == 0 && b[end + 2] == 1))
			end++;
		if (end + 3 > len)
			end = len;
		i = end;
		while (end > start && b[end - 1] == 0)
			end--;
		/* Two start codes in a row hold an empty NAL unit: skip it. */
		if (end > start)
			break;
	}
	*nal = start;
	*nal_len = end - start;
	*after = i;
	return 1;
}

/*
 * find_any_nal, passing over NAL unit types 0 and 24..31: H.264 leaves
 * them unspecified and RFC 6184 gives 24..31 their RTP meaning (STAP, MTAP,
 * FU), so sent alone they would be read as something else.  No decoder
 * needs them; they are not sent.
 */
static int find_nal(const uint8_t *b, size_t len, size_t pos, size_t *nal, size_t *nal_len,
		    size_t *after)
{
	while (find_any_nal(b, len, pos, nal, nal_len, after)) {
		uint8_t type = b[*nal] & NAL_TYPE_MASK;

		if (type != 0 && type < NAL_STAP_A)
			return 1;
		pos = *after;
	}
	return 0;
}

static int h264_init(void *priv)
{
	if (!priv)
		return -EINVAL;
	memset(priv, 0, sizeof(struct h264_pay));
	return 0;
}

static int h264_begin(void *priv, const uint8_t *frame, size_t len, int keyframe)
{
	struct h264_pay *p = priv;
	size_t nal, nal_len, after;

	/* Key frames announce themselves with their IDR NAL unit type. */
	(void)keyframe;
	if (!p || !frame || len == 0)
		return -EINVAL;
	/* An access unit without a single NAL unit is not Annex B. */
	if (!find_nal(frame, len, 0, &nal, &nal_len, &after))
		return CB_E_FORMAT;
	p->frame = frame;
	p->len = len;
	p->pos = 0;
	p->fu_nal = NULL;
	return 0;
}

/* The next FU-A fragment of p->fu_nal.  Fragments are sized evenly, as
 * ceil(left / n) with n the fragments still needed (the VP8 packetizer's
 * rule), so no fragment is a runt. */
static int fu_next(struct h264_pay *p, size_t budget, uint8_t *out, size_t *out_len, int *nal_done)
{
	size_t cap = budget - FU_HDR_LEN, left, n, size;
	int first = p->fu_off == 1;

	left = p->fu_len - p->fu_off;
	n = left / cap + (left % cap != 0);
	size = left / n + (left % n != 0);
	out[0] = (uint8_t)((p->fu_nal[0] & NAL_FNRI_MASK) | NAL_FU_A);
	out[1] = (uint8_t)((first ? FU_S : 0) | (size == left ? FU_E : 0) |
			   (p->fu_nal[0] & NAL_TYPE_MASK));
	memcpy(out + FU_HDR_LEN, p->fu_nal + p->fu_off, size);
	p->fu_off += size;
	*out_len = FU_HDR_LEN + size;
	*nal_done = p->fu_off == p->fu_len;
	if (*nal_done)
		p->fu_nal = NULL;
	return 1;
}

static int h264_next(void *priv, size_t max_payload, uint8_t *out, size_t *out_len, int *last)
{
	struct h264_pay *p = priv;
	size_t budget, nal, nal_len, after, used, count;
	size_t n2, n2_len, after2;
	uint8_t fnri;
	int nal_done = 1;

	if (!p || !out || !out_len || !last)
		return -EINVAL;
	if (!p->frame)
		return 0;
	budget = max_payload < *out_len ? max_payload : *out_len;

	if (p->fu_nal) {
		if (budget < FU_HDR_LEN + 1)
			return CB_E_NOSPACE;
		fu_next(p, budget, out, out_len, &nal_done);
		goto out_done;
	}
	if (!find_nal(p->frame, p->len, p->pos, &nal, &nal_len, &after)) {
		p->frame = NULL;
		return 0;
	}

	if (nal_len > budget) {
		/* A NAL unit of one byte always fits a budget of one, so
		 * nal_len >= 2 here and there is payload to fragment. */
		if (budget < FU_HDR_LEN + 1)
			return CB_E_NOSPACE;
		p->fu_nal = p->frame + nal;
		p->fu_len = nal_len;
		p->fu_off = 1; /* the header byte travels in the FU indicator/header */
		p->pos = after;
		fu_next(p, budget, out, out_len, &nal_done);
		goto out_done;
	}

	/* Gather the NAL units after this one for as long as a STAP-A holding
	 * them all still fits the budget. */
	used = STAP_HDR_LEN + STAP_SIZE_LEN + nal_len;
	count = 1;
	fnri = 0;
	for (size_t q = after;
	     nal_len <= 0xffff && find_nal(p->frame, p->len, q, &n2, &n2_len, &after2) &&
	     used + STAP_SIZE_LEN + n2_len <= budget && n2_len <= 0xffff;
	     q = after2) {
		used += STAP_SIZE_LEN + n2_len;
		count++;
	}

	if (count == 1) {
		memcpy(out, p->frame + nal, nal_len);
		*out_len = nal_len;
		p->pos = after;
		goto out_done;
	}

	/* STAP-A: F is set if any unit's is, NRI is the highest of theirs
	 * (RFC 6184 §5.7). */
	*out_len = STAP_HDR_LEN;
	for (size_t k = 0; k < count; k++) {
		find_nal(p->frame, p->len, p->pos, &nal, &nal_len, &after);
		fnri |= p->frame[nal] & NAL_F;
		if ((p->frame[nal] & NAL_NRI_MASK) > (fnri & NAL_NRI_MASK))
			fnri = (uint8_t)((fnri & NAL_F) | (p->frame[nal] & NAL_NRI_MASK));
		out[*out_len] = (uint8_t)(nal_len >> 8);
		out[*out_len + 1] = (uint8_t)nal_len;
		memcpy(out + *out_len + STAP_SIZE_LEN, p->frame + nal, nal_len);
		*out_len += STAP_SIZE_LEN + nal_len;
		p->pos = after;
	}
	out[0] = (uint8_t)(fnri | NAL_STAP_A);

out_done:
	/* The access unit ends when the NAL unit just finished was its last. */
	*last = nal_done && !find_nal(p->frame, p->len, p->pos, &n2, &n2_len, &after2);
	if (*last)
		p->frame = NULL;
	return 1;
}

/* Whether a NAL unit (or the first fragment of one, `b` pointing at the
 * bytes after its header) can only begin an access unit, as H.264 §7.4.1.2.3
 * orders them: an access unit delimiter, SEI or parameter set, or the first
 * slice of a picture (first_mb_in_slice = 0, which ue(v) codes as one 1
 * bit). */
static int starts_access_unit(int type, const uint8_t *b, size_t len)
{
	switch (type) {
	case NAL_AUD:
	case NAL_SEI:
	case NAL_SPS:
	case NAL_PPS:
		return 1;
	case NAL_SLICE:
	case NAL_IDR:
		return len > 0 && (b[0] & 0x80);
	default:
		return 0;
	}
}

static int is_key_nal(int type)
{
	return type == NAL_IDR || type == NAL_SPS;
}

static int h264_parse(const uint8_t *payload, size_t len, struct cb_pay_info *info)
{
	int type, start = 0, key = 0;

	if (!payload || !info)
		return -EINVAL;
	if (len == 0)
		return CB_E_BADPKT;
	type = payload[0] & NAL_TYPE_MASK;

	if (type >= 1 && type <= 23) {
		start = starts_access_unit(type, payload + 1, len - 1);
		key = is_key_nal(type);
	} else if (type == NAL_STAP_A) {
		size_t off = STAP_HDR_LEN;

		if (len == off)
			return CB_E_BADPKT;
		while (off < len) {
			size_t sz;
			int t;

			if (len - off < STAP_SIZE_LEN)
				return CB_E_BADPKT;
			sz = (size_t)payload[off] << 8 | payload[off + 1];
			off += STAP_SIZE_LEN;
			if (sz == 0 || sz > len - off)
				return CB_E_BADPKT;
			t = payload[off] & NAL_TYPE_MASK;
			if (off == STAP_HDR_LEN + STAP_SIZE_LEN)
				start = starts_access_unit(t, payload + off + 1, sz - 1);
			key |= is_key_nal(t);
			off += sz;
		}
	} else if (type == NAL_FU_A) {
		int s, e, t;

		/* An FU carries at least one byte; S and E on one fragment
		 * would be a NAL unit sent whole, which RFC 6184 forbids. */
		if (len < FU_HDR_LEN + 1)
			return CB_E_BADPKT;
		s = !!(payload[1] & FU_S);
		e = !!(payload[1] & FU_E);
		t = payload[1] & NAL_TYPE_MASK;
		if ((s && e) || t == 0 || t > 23)
			return CB_E_BADPKT;
		if (s) {
			start = starts_access_unit(t, payload + FU_HDR_LEN, len - FU_HDR_LEN);
			key = is_key_nal(t);
		}
	} else {
		/* STAP-B, MTAP and FU-B belong to the interleaved mode, which
		 * packetization-mode 1 does not allow; 0, 30 and 31 are not
		 * defined. */
		return CB_E_BADPKT;
	}

	/* The whole payload goes through depacketize: nothing to strip. */
	info->hdr_len = 0;
	info->frame_start = start;
	info->keyframe = start ? key : 0;
	info->picture_id = -1;
	return 0;
}

/* Append `n` bytes to out, or fail with CB_E_NOSPACE. */
static int put(uint8_t *out, size_t room, size_t *off, const uint8_t *b, size_t n)
{
	if (n > room - *off)
		return CB_E_NOSPACE;
	memcpy(out + *off, b, n);
	*off += n;
	return 0;
}

static int h264_depacketize(const uint8_t *payload, size_t len, uint8_t *out, size_t *out_len)
{
	struct cb_pay_info info;
	size_t room, off = 0;
	int rc, type;

	if (!payload || !out || !out_len)
		return -EINVAL;
	/* The same checks as the receive side's parse, so a payload that
	 * reaches the copies below is known to be well-formed. */
	rc = h264_parse(payload, len, &info);
	if (rc < 0)
		return rc;
	room = *out_len;
	type = payload[0] & NAL_TYPE_MASK;

	if (type == NAL_STAP_A) {
		for (size_t p = STAP_HDR_LEN; p < len;) {
			size_t sz = (size_t)payload[p] << 8 | payload[p + 1];

			p += STAP_SIZE_LEN;
			if ((rc = put(out, room, &off, start_code, START_CODE_LEN)) < 0 ||
			    (rc = put(out, room, &off, payload + p, sz)) < 0)
				return rc;
			p += sz;
		}
	} else if (type == NAL_FU_A) {
		if (payload[1] & FU_S) {
			uint8_t hdr =
			    (uint8_t)((payload[0] & NAL_FNRI_MASK) | (payload[1] & NAL_TYPE_MASK));

			if ((rc = put(out, room, &off, start_code, START_CODE_LEN)) < 0 ||
			    (rc = put(out, room, &off, &hdr, 1)) < 0)
				return rc;
		}
		rc = put(out, room, &off, payload + FU_HDR_LEN, len - FU_HDR_LEN);
		if (rc < 0)
			return rc;
	} else {
		if ((rc = put(out, room, &off, start_code, START_CODE_LEN)) < 0 ||
		    (rc = put(out, room, &off, payload, len)) < 0)
			return rc;
	}
	*out_len = off;
	return 0;
}

const struct cb_pay_ops cb_pay_h264 = {
    .name = "h264",
    .priv_size = sizeof(struct h264_pay),
    .init = h264_init,
    .begin = h264_begin,
    .next = h264_next,
    .parse = h264_parse,
    .depacketize = h264_depacketize,
};
