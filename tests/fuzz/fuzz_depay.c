/*
 * fuzz_depay.c — the receive side of every RTP payload format (VP8
 * RFC 7741, VP9 draft-ietf-payload-vp9, H.264 RFC 6184, Opus RFC 7587):
 * the descriptor parser and, where the format has one, the depacketizer.
 *
 * Input: one byte choosing the format (its index in the registry, modulo
 * the count), then the payload.  Beyond not crashing: the descriptor lies
 * inside the payload, the picture id is -1 or 15 bits, the depacketizer
 * writes no more than the room it was given and says CB_E_NOSPACE (not a
 * short write) for one byte less.  For formats whose frame is the payloads
 * joined, the input is also packetized as a frame and joined back: the
 * frame must come back byte for byte.
 */
#include "fuzz.h"

#include "base/error.h"
#include "rtp/payload.h"

#define MAX_PAYLOAD 4096

static const struct cb_pay_ops *pick(uint8_t sel)
{
	const struct cb_pay_ops *ops;
	size_t it = 0, n = 0;

	while (cb_pay_iterate(&it))
		n++;
	if (!n)
		return NULL;
	it = 0;
	for (n = sel % n;; n--) {
		ops = cb_pay_iterate(&it);
		if (!n)
			return ops;
	}
}

static void depay(const struct cb_pay_ops *ops, const uint8_t *p, size_t len)
{
	struct cb_pay_info info;
	uint8_t *out;
	size_t room = 2 * len + 16, got = room, less;
	int rc;

	if (ops->parse(p, len, &info) != 0)
		return;
	FUZZ_CHECK(info.hdr_len <= len);
	FUZZ_CHECK(info.picture_id >= -1 && info.picture_id <= 0x7fff);
	if (!ops->depacketize)
		return;
	out = malloc(room);
	if (!out)
		return;
	rc = ops->depacketize(p, len, out, &got);
	if (rc == 0) {
		FUZZ_CHECK(got <= room);
		if (got > 0) {
			less = got - 1;
			FUZZ_CHECK(ops->depacketize(p, len, out, &less) == CB_E_NOSPACE);
		}
	} else {
		FUZZ_CHECK(rc == CB_E_BADPKT || rc == CB_E_NOSPACE);
	}
	free(out);
}

/* Packetize `frame` and join the payloads back (formats without a depacketizer). */
static void roundtrip(const struct cb_pay_ops *ops, const uint8_t *frame, size_t len,
		      size_t max_payload)
{
	_Alignas(16) uint8_t priv[1024];
	uint8_t pkt[MAX_PAYLOAD];
	uint8_t *joined;
	size_t n = 0, pkt_len;
	struct cb_pay_info info;
	int last = 0, rc, first = 1;

	if (ops->depacketize || !len || ops->priv_size > sizeof(priv))
		return;
	memset(priv, 0, sizeof(priv));
	if ((ops->init && ops->init(priv) != 0) || ops->begin(priv, frame, len, 0) != 0)
		return;
	joined = malloc(len);
	if (!joined)
		return;
	for (;;) {
		pkt_len = sizeof(pkt);
		rc = ops->next(priv, max_payload, pkt, &pkt_len, &last);
		if (rc != 1)
			break;
		FUZZ_CHECK(pkt_len <= max_payload);
		FUZZ_CHECK(ops->parse(pkt, pkt_len, &info) == 0);
		FUZZ_CHECK(info.frame_start == first);
		FUZZ_CHECK(n + pkt_len - info.hdr_len <= len);
		memcpy(joined + n, pkt + info.hdr_len, pkt_len - info.hdr_len);
		n += pkt_len - info.hdr_len;
		first = 0;
		if (last)
			break;
	}
	if (rc == 1 || rc == 0)
		FUZZ_CHECK(n == len && !memcmp(joined, frame, len));
	else
		FUZZ_CHECK(rc == CB_E_NOSPACE);
	free(joined);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	const struct cb_pay_ops *ops = pick(fz_u8(&in));
	size_t max_payload;

	if (!ops)
		return 0;
	depay(ops, in.p, in.n);
	/* a budget from 1 to 1200 bytes, from the first payload byte */
	max_payload = in.n ? 1 + (size_t)in.p[0] * 1200 / 256 : 1200;
	roundtrip(ops, in.p, in.n, max_payload);
	return 0;
}
