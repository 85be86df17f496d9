/*
 * payload.c — the registry of RTP payload formats.
 */
#include <strings.h>

#include "rtp/payload.h"

static const struct cb_pay_ops *const pay_list[] = {
    &cb_pay_vp8, &cb_pay_opus, &cb_pay_h264, &cb_pay_vp9, NULL,
};

const struct cb_pay_ops *cb_pay_find(const char *name)
{
	if (!name)
		return NULL;
	/*
	 * Encoding names in SDP are case-insensitive (RFC 4855 §3), so "VP8"
	 * from an offer finds the same format as "vp8" from a codec.
	 */
	for (size_t i = 0; pay_list[i]; i++)
		if (strcasecmp(pay_list[i]->name, name) == 0)
			return pay_list[i];
	return NULL;
}

const struct cb_pay_ops *cb_pay_iterate(size_t *it)
{
	const struct cb_pay_ops *p;

	if (!it)
		return NULL;
	p = pay_list[*it];
	if (p)
		(*it)++;
	return p;
}
