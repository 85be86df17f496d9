/*
 * pay_opus.c — the Opus RTP payload format (RFC 7587): one Opus packet is
 * one RTP payload, with no descriptor of its own.
 */
#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "rtp/payload.h"

struct opus_pay {
	const uint8_t *frame; /* borrowed from the caller of begin */
	size_t len;
	int pending;
};

static int opus_init(void *priv)
{
	if (!priv)
		return -EINVAL;
	memset(priv, 0, sizeof(struct opus_pay));
	return 0;
}

static int opus_begin(void *priv, const uint8_t *frame, size_t len, int keyframe)
{
	struct opus_pay *p = priv;

	(void)keyframe;
	if (!p || !frame || len == 0)
		return -EINVAL;
	p->frame = frame;
	p->len = len;
	p->pending = 1;
	return 0;
}

static int opus_next(void *priv, size_t max_payload, uint8_t *out, size_t *out_len, int *last)
{
	struct opus_pay *p = priv;
	size_t budget;

	if (!p || !out || !out_len || !last)
		return -EINVAL;
	if (!p->pending)
		return 0;
	budget = max_payload < *out_len ? max_payload : *out_len;
	/*
	 * RFC 7587 has no fragmentation: an Opus packet larger than the budget
	 * cannot be sent at all, and the state stays as it was so that the
	 * caller may retry with more room.
	 */
	if (p->len > budget)
		return CB_E_NOSPACE;
	memcpy(out, p->frame, p->len);
	*out_len = p->len;
	*last = 1;
	p->pending = 0;
	p->frame = NULL;
	return 1;
}

static int opus_parse(const uint8_t *payload, size_t len, struct cb_pay_info *info)
{
	if (!payload || !info)
		return -EINVAL;
	/* A zero-length Opus packet is not valid (RFC 6716 §3.4, R1). */
	if (len == 0)
		return CB_E_BADPKT;
	info->hdr_len = 0;
	info->frame_start = 1;
	/* Every Opus packet can be decoded on its own, so each is a start point. */
	info->keyframe = 1;
	info->picture_id = -1;
	return 0;
}

const struct cb_pay_ops cb_pay_opus = {
    .name = "opus",
    .priv_size = sizeof(struct opus_pay),
    .init = opus_init,
    .begin = opus_begin,
    .next = opus_next,
    .parse = opus_parse,
};
