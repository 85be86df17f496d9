/*
 * pay_vp8.c — the VP8 RTP payload format (RFC 7741).
 *
 * Every packet carries a 4-byte descriptor: X=1, then I=1 with a 15-bit
 * PictureID (M=1), so that a receiver can tell frames apart and notice a lost
 * one even when the RTP timestamps of two frames are equal.
 */
#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "rtp/payload.h"

#define VP8_DESC_LEN 4

/* Descriptor bits, first byte. */
#define VP8_X	     0x80
#define VP8_N	     0x20
#define VP8_S	     0x10
#define VP8_PID_MASK 0x07
/* Extension bits, second byte. */
#define VP8_I 0x80
#define VP8_L 0x40
#define VP8_T 0x20
#define VP8_K 0x10
/* PictureID byte: M selects the 15-bit form. */
#define VP8_M 0x80

#define VP8_PICTURE_ID_MASK 0x7fff

struct vp8_pay {
	const uint8_t *frame; /* borrowed from the caller of begin */
	size_t len;
	size_t off;
	uint16_t picture_id;	  /* of the frame being cut */
	uint16_t next_picture_id; /* for the next call to begin */
};

static int vp8_init(void *priv)
{
	if (!priv)
		return -EINVAL;
	/* A fixed start makes runs reproducible; RFC 7741 allows any value. */
	memset(priv, 0, sizeof(struct vp8_pay));
	return 0;
}

static int vp8_begin(void *priv, const uint8_t *frame, size_t len, int keyframe)
{
	struct vp8_pay *p = priv;

	/* The key frame flag travels inside the VP8 payload header itself. */
	(void)keyframe;
	if (!p || !frame || len == 0)
		return -EINVAL;
	p->frame = frame;
	p->len = len;
	p->off = 0;
	p->picture_id = p->next_picture_id;
	p->next_picture_id = (uint16_t)((p->next_picture_id + 1) & VP8_PICTURE_ID_MASK);
	return 0;
}

static int vp8_next(void *priv, size_t max_payload, uint8_t *out, size_t *out_len, int *last)
{
	struct vp8_pay *p = priv;
	size_t budget, cap, left, n, size;

	if (!p || !out || !out_len || !last)
		return -EINVAL;
	if (!p->frame || p->off >= p->len)
		return 0;
	budget = max_payload < *out_len ? max_payload : *out_len;
	if (budget < VP8_DESC_LEN + 1)
		return CB_E_NOSPACE;
	cap = budget - VP8_DESC_LEN;

	/*
	 * Sizing each packet from what is left, as ceil(left / n) with n the
	 * packets still needed, gives the same even split as planning the
	 * whole frame up front (sizes differ by at most one byte, larger
	 * first), and stays correct if the caller's budget changes mid-frame.
	 */
	left = p->len - p->off;
	n = left / cap + (left % cap != 0);
	size = left / n + (left % n != 0);

	out[0] = VP8_X | (p->off == 0 ? VP8_S : 0);
	out[1] = VP8_I;
	out[2] = (uint8_t)(VP8_M | (p->picture_id >> 8));
	out[3] = (uint8_t)p->picture_id;
	memcpy(out + VP8_DESC_LEN, p->frame + p->off, size);
	p->off += size;
	*out_len = VP8_DESC_LEN + size;
	*last = p->off == p->len;
	if (*last)
		p->frame = NULL;
	return 1;
}

static int vp8_parse(const uint8_t *payload, size_t len, struct cb_pay_info *info)
{
	size_t off = 1;
	int32_t picture_id = -1;
	int start;

	if (!payload || !info)
		return -EINVAL;
	if (len == 0)
		return CB_E_BADPKT;
	start = (payload[0] & VP8_S) && (payload[0] & VP8_PID_MASK) == 0;

	if (payload[0] & VP8_X) {
		uint8_t ext;

		if (off >= len)
			return CB_E_BADPKT;
		ext = payload[off++];
		if (ext & VP8_I) {
			if (off >= len)
				return CB_E_BADPKT;
			if (payload[off] & VP8_M) {
				if (len - off < 2)
					return CB_E_BADPKT;
				picture_id =
				    (int32_t)((payload[off] & 0x7f) << 8 | payload[off + 1]);
				off += 2;
			} else {
				picture_id = payload[off] & 0x7f;
				off += 1;
			}
		}
		/* TL0PICIDX, then one byte shared by TID|Y and KEYIDX. */
		if (ext & VP8_L)
			off++;
		if (ext & (VP8_T | VP8_K))
			off++;
	}

	/*
	 * A descriptor with nothing after it carries no VP8 data; treating it
	 * as malformed also guarantees the P bit below is inside the buffer.
	 */
	if (off >= len)
		return CB_E_BADPKT;

	info->hdr_len = off;
	info->frame_start = start;
	/* The VP8 payload header's P bit is 0 for a key frame (RFC 6386 §9.1). */
	info->keyframe = start ? !(payload[off] & 0x01) : 0;
	info->picture_id = picture_id;
	return 0;
}

const struct cb_pay_ops cb_pay_vp8 = {
    .name = "vp8",
    .priv_size = sizeof(struct vp8_pay),
    .init = vp8_init,
    .begin = vp8_begin,
    .next = vp8_next,
    .parse = vp8_parse,
};
