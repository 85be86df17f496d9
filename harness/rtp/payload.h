/*
 * payload.h — RTP payload formats.  Each is one const struct cb_pay_ops:
 * a packetizer that cuts one encoded frame into payloads no larger than a
 * budget, and a parser that reads a payload's descriptor on the receive side.
 *
 * VP8 follows RFC 7741: descriptor with X=1, I=1 and a 15-bit PictureID (M=1)
 * on every packet, S=1 and PID=0 on the first packet of a frame; the caller
 * sets the RTP marker on the packet `next` flags as last.
 * Opus follows RFC 7587: one Opus packet per RTP payload, no descriptor.
 */
#ifndef CB_RTP_PAYLOAD_H
#define CB_RTP_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/** What the receive side learns from one payload. */
struct cb_pay_info {
	size_t hdr_len;	    /**< payload descriptor bytes to strip */
	int frame_start;    /**< first packet of a frame (VP8: S=1 and PID=0) */
	int keyframe;	    /**< known only on a frame start: 1 key, 0 delta */
	int32_t picture_id; /**< -1 when the format has none */
};

struct cb_pay_ops {
	const char *name; /**< "vp8", "opus" (matches the codec name) */
	size_t priv_size;
	int (*init)(void *priv);
	/**
	 * Start packetizing one frame.  `frame` must stay valid until `next`
	 * returns 0.  -EINVAL for an empty frame.
	 */
	int (*begin)(void *priv, const uint8_t *frame, size_t len, int keyframe);
	/**
	 * Write the next payload (descriptor + data) to `out`, at most
	 * `max_payload` bytes and at most the room in *out_len; on return
	 * *out_len is the size and *last is 1 on the frame's last payload.
	 * Returns 1 when a payload was written, 0 when the frame is done,
	 * CB_E_NOSPACE when the budget cannot hold a descriptor plus 1 byte
	 * (or, for formats that cannot fragment, the whole frame).
	 * Payloads are sized evenly: a frame of L bytes becomes
	 * ceil(L / (max_payload - descriptor)) payloads of near-equal size.
	 */
	int (*next)(void *priv, size_t max_payload, uint8_t *out, size_t *out_len, int *last);
	/** Parse a received payload's descriptor.  CB_E_BADPKT if malformed. */
	int (*parse)(const uint8_t *payload, size_t len, struct cb_pay_info *info);
	/**
	 * Optional (NULL for formats whose frame is the payloads joined after
	 * `hdr_len`): turn one received payload, whole and as `parse` accepted
	 * it, into the bytes it adds to the frame (H.264: Annex B, rebuilt from
	 * single NAL units, STAP-A and FU-A).  *out_len carries the room in and
	 * the bytes written out; CB_E_NOSPACE if the room is too small,
	 * CB_E_BADPKT if the payload is malformed.
	 */
	int (*depacketize)(const uint8_t *payload, size_t len, uint8_t *out, size_t *out_len);
};

const struct cb_pay_ops *cb_pay_find(const char *name);
const struct cb_pay_ops *cb_pay_iterate(size_t *it);

extern const struct cb_pay_ops cb_pay_vp8;
extern const struct cb_pay_ops cb_pay_opus;
extern const struct cb_pay_ops cb_pay_h264;
extern const struct cb_pay_ops cb_pay_vp9;

#endif
