/*
 * pay_vp9.c — the VP9 RTP payload format (RFC 9628).
 *
 * The packetizer sends what a browser sends for single-layer VP9: non-flexible
 * mode (F=0) without layer indices (L=0), and on every packet I=1 with a
 * 15-bit PictureID (M=1).  P says whether the picture is inter predicted, B
 * marks the first packet of the frame and E the last.  The first packet of a
 * key frame also carries a scalability structure (V=1): one spatial layer,
 * its resolution, and a picture group of one picture that refers to the
 * picture before it — so a receiver learns the size before decoding and that
 * each delta frame needs exactly its predecessor.
 *
 * The parser reads every field RFC 9628 defines, flexible mode and layers
 * included, so that streams from other senders parse too.
 */
#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "rtp/payload.h"

/* First byte. */
#define VP9_I 0x80
#define VP9_P 0x40
#define VP9_L 0x20
#define VP9_F 0x10
#define VP9_B 0x08
#define VP9_E 0x04
#define VP9_V 0x02
#define VP9_Z 0x01
/* PictureID byte: M selects the 15-bit form. */
#define VP9_M		    0x80
#define VP9_PICTURE_ID_MASK 0x7fff
/* Layer indices byte: TID(3) U SID(3) D. */
#define VP9_SID(b) (((b) >> 1) & 0x07)
/* P_DIFF byte: P_DIFF(7) N, N = another P_DIFF follows. */
#define VP9_N	       0x01
#define VP9_MAX_P_DIFF 3
/* SS first byte: N_S(3) Y G - - -. */
#define VP9_SS_NS(b) ((b) >> 5)
#define VP9_SS_Y     0x10
#define VP9_SS_G     0x08
/* Picture group entry: TID(3) U R(2) - -. */
#define VP9_PG_R(b) (((b) >> 2) & 0x03)

/* I + 15-bit PictureID. */
#define VP9_DESC_LEN 3
/* SS as sent: N_S|Y|G byte, WIDTH, HEIGHT, N_G = 1, one entry with R = 1
 * and its P_DIFF. */
#define VP9_SS_LEN 8
#define VP9_SS_NOY (VP9_SS_LEN - 4)

struct vp9_pay {
	const uint8_t *frame; /* borrowed from the caller of begin */
	size_t len;
	size_t off;
	int keyframe;
	int have_size;		  /* width/height read from the key frame */
	uint16_t width, height;	  /* of the key frame being cut */
	uint16_t picture_id;	  /* of the frame being cut */
	uint16_t next_picture_id; /* for the next call to begin */
};

/* A most-significant-bit-first reader over the VP9 uncompressed header. */
struct bits {
	const uint8_t *p;
	size_t len, pos; /* pos in bits */
};

static int read_bits(struct bits *b, int n, uint32_t *v)
{
	*v = 0;
	if (b->pos + (size_t)n > b->len * 8)
		return -1;
	for (int i = 0; i < n; i++, b->pos++)
		*v = *v << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1u);
	return 0;
}

/*
 * The frame size of a VP9 key frame, from its uncompressed header (VP9
 * bitstream specification §6.2): frame marker, profile, show_existing_frame,
 * frame_type, show_frame, error_resilient_mode, sync code, colour config,
 * then width - 1 and height - 1 in 16 bits each.  -1 when `frame` is not a
 * key frame this reader understands; the SS then goes without the size.
 */
static int key_frame_size(const uint8_t *frame, size_t len, uint16_t *w, uint16_t *h)
{
	struct bits b = {.p = frame, .len = len};
	uint32_t marker, lo, hi, v, cs, fw, fh, profile;

	if (read_bits(&b, 2, &marker) || marker != 2 || read_bits(&b, 1, &lo) ||
	    read_bits(&b, 1, &hi))
		return -1;
	profile = hi << 1 | lo;
	if (profile == 3 && read_bits(&b, 1, &v))
		return -1;
	/* show_existing_frame, then frame_type: 0 is a key frame. */
	if (read_bits(&b, 1, &v) || v || read_bits(&b, 1, &v) || v)
		return -1;
	/* show_frame, error_resilient_mode, sync code 0x49 0x83 0x42. */
	if (read_bits(&b, 2, &v) || read_bits(&b, 24, &v) || v != 0x498342)
		return -1;
	if (profile >= 2 && read_bits(&b, 1, &v))
		return -1;
	if (read_bits(&b, 3, &cs))
		return -1;
	if (cs != 7) { /* not sRGB: colour range, and subsampling in 1 and 3 */
		if (read_bits(&b, 1, &v) ||
		    ((profile == 1 || profile == 3) && read_bits(&b, 3, &v)))
			return -1;
	} else if ((profile == 1 || profile == 3) && read_bits(&b, 1, &v)) {
		return -1;
	}
	if (read_bits(&b, 16, &fw) || read_bits(&b, 16, &fh))
		return -1;
	*w = (uint16_t)(fw + 1);
	*h = (uint16_t)(fh + 1);
	return 0;
}

static int vp9_init(void *priv)
{
	if (!priv)
		return -EINVAL;
	/* A fixed start makes runs reproducible; RFC 9628 allows any value. */
	memset(priv, 0, sizeof(struct vp9_pay));
	return 0;
}

static int vp9_begin(void *priv, const uint8_t *frame, size_t len, int keyframe)
{
	struct vp9_pay *p = priv;

	if (!p || !frame || len == 0)
		return -EINVAL;
	p->frame = frame;
	p->len = len;
	p->off = 0;
	/* Unlike VP8's, the VP9 payload descriptor carries the frame type (P),
	 * so the encoder's word for it is what goes out. */
	p->keyframe = keyframe != 0;
	p->have_size = p->keyframe && key_frame_size(frame, len, &p->width, &p->height) == 0;
	p->picture_id = p->next_picture_id;
	p->next_picture_id = (uint16_t)((p->next_picture_id + 1) & VP9_PICTURE_ID_MASK);
	return 0;
}

/* Write the scalability structure; returns its length. */
static size_t write_ss(const struct vp9_pay *p, uint8_t *out)
{
	size_t n = 0;

	/* N_S = 0: one spatial layer. */
	out[n++] = (uint8_t)((p->have_size ? VP9_SS_Y : 0) | VP9_SS_G);
	if (p->have_size) {
		out[n++] = (uint8_t)(p->width >> 8);
		out[n++] = (uint8_t)p->width;
		out[n++] = (uint8_t)(p->height >> 8);
		out[n++] = (uint8_t)p->height;
	}
	/* One picture per group: TID 0, U 0, R = 1 reference, P_DIFF 1. */
	out[n++] = 1;
	out[n++] = 1 << 2;
	out[n++] = 1;
	return n;
}

static int vp9_next(void *priv, size_t max_payload, uint8_t *out, size_t *out_len, int *last)
{
	struct vp9_pay *p = priv;
	size_t budget, cap, left, n, size, extra, desc;

	if (!p || !out || !out_len || !last)
		return -EINVAL;
	if (!p->frame || p->off >= p->len)
		return 0;
	budget = max_payload < *out_len ? max_payload : *out_len;
	/* The SS makes the key frame's first descriptor longer than the rest. */
	extra = p->off == 0 && p->keyframe ? (p->have_size ? VP9_SS_LEN : VP9_SS_NOY) : 0;
	desc = VP9_DESC_LEN + extra;
	if (budget < desc + 1)
		return CB_E_NOSPACE;
	cap = budget - VP9_DESC_LEN;

	/*
	 * As in pay_vp8.c, each packet is sized from what is left, so the
	 * split is even (sizes differ by at most a byte) and follows a budget
	 * that changes mid-frame.  The SS is counted as data of the first
	 * packet, so that packet carries correspondingly less of the frame
	 * and the packets, descriptors included, stay near-equal in size;
	 * that is also the fewest packets that can hold the frame.
	 */
	left = p->len - p->off + extra;
	n = left / cap + (left % cap != 0);
	size = left / n + (left % n != 0) - extra;
	/* With a tiny budget the SS can take more than its even share; the
	 * first packet then carries one byte, and the rest split evenly. */
	if (size < 1 || size > p->len - p->off)
		size = 1;
	if (size > cap - extra)
		size = cap - extra;

	out[0] = (uint8_t)(VP9_I | (p->keyframe ? 0 : VP9_P) | (p->off == 0 ? VP9_B : 0));
	out[1] = (uint8_t)(VP9_M | (p->picture_id >> 8));
	out[2] = (uint8_t)p->picture_id;
	if (extra) {
		out[0] |= VP9_V;
		write_ss(p, out + VP9_DESC_LEN);
	}
	memcpy(out + desc, p->frame + p->off, size);
	p->off += size;
	*last = p->off == p->len;
	if (*last) {
		out[0] |= VP9_E;
		p->frame = NULL;
	}
	*out_len = desc + size;
	return 1;
}

/* Skip the scalability structure at `*off`; CB_E_BADPKT if it runs past `len`. */
static int skip_ss(const uint8_t *b, size_t len, size_t *off)
{
	size_t o = *off, layers, groups;
	uint8_t ss;

	if (o >= len)
		return CB_E_BADPKT;
	ss = b[o++];
	layers = (size_t)VP9_SS_NS(ss) + 1;
	if (ss & VP9_SS_Y) {
		if (len - o < 4 * layers)
			return CB_E_BADPKT;
		o += 4 * layers;
	}
	if (ss & VP9_SS_G) {
		if (o >= len)
			return CB_E_BADPKT;
		groups = b[o++];
		for (size_t g = 0; g < groups; g++) {
			size_t r;

			if (o >= len)
				return CB_E_BADPKT;
			r = VP9_PG_R(b[o]);
			o++;
			if (len - o < r)
				return CB_E_BADPKT;
			o += r;
		}
	}
	*off = o;
	return 0;
}

static int vp9_parse(const uint8_t *payload, size_t len, struct cb_pay_info *info)
{
	size_t off = 1;
	int32_t picture_id = -1;
	int sid = 0, rc;
	uint8_t h;

	if (!payload || !info)
		return -EINVAL;
	if (len == 0)
		return CB_E_BADPKT;
	h = payload[0];

	if (h & VP9_I) {
		if (off >= len)
			return CB_E_BADPKT;
		if (payload[off] & VP9_M) {
			if (len - off < 2)
				return CB_E_BADPKT;
			picture_id = (int32_t)((payload[off] & 0x7f) << 8 | payload[off + 1]);
			off += 2;
		} else {
			picture_id = payload[off] & 0x7f;
			off += 1;
		}
	}
	if (h & VP9_L) {
		/* TID|U|SID|D, and in non-flexible mode TL0PICIDX after it. */
		size_t need = (h & VP9_F) ? 1 : 2;

		if (len - off < need)
			return CB_E_BADPKT;
		sid = VP9_SID(payload[off]);
		off += need;
	}
	if ((h & VP9_F) && (h & VP9_P)) {
		/* Flexible mode: one to three P_DIFF bytes, chained by N. */
		int k = 0;

		do {
			if (off >= len || ++k > VP9_MAX_P_DIFF)
				return CB_E_BADPKT;
		} while (payload[off++] & VP9_N);
	}
	if (h & VP9_V) {
		rc = skip_ss(payload, len, &off);
		if (rc < 0)
			return rc;
	}
	/* A descriptor with no VP9 data after it is of no use to anyone. */
	if (off >= len)
		return CB_E_BADPKT;

	info->hdr_len = off;
	info->frame_start = !!(h & VP9_B);
	/*
	 * A key frame starts (B) without inter-picture prediction (P=0).  In
	 * an upper spatial layer P=0 only means no temporal reference: the
	 * layer may still lean on the one below, so only the base counts.
	 */
	info->keyframe = (h & VP9_B) && !(h & VP9_P) && sid == 0;
	info->picture_id = picture_id;
	return 0;
}

const struct cb_pay_ops cb_pay_vp9 = {
    .name = "vp9",
    .priv_size = sizeof(struct vp9_pay),
    .init = vp9_init,
    .begin = vp9_begin,
    .next = vp9_next,
    .parse = vp9_parse,
};
