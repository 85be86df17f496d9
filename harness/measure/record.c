#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/record.h"

static const char *const stamp_names[CB_ST_COUNT] = {
#define XX(n, s) [CB_ST_##n] = s,
    CB_STAMP_MAP(XX)
#undef XX
};

static const struct {
	const char *name;
	enum cb_stamp from, to;
} stages[CB_SG_COUNT] = {
#define XX(n, s, a, b) [CB_SG_##n] = {s, CB_ST_##a, CB_ST_##b},
    CB_STAGE_MAP(XX)
#undef XX
};

static const char *const fate_names[CB_PKT_FATE_COUNT] = {
    [CB_PKT_DELIVERED] = "delivered",	[CB_PKT_LOST] = "lost",
    [CB_PKT_MALFORMED] = "malformed",	[CB_PKT_LATE] = "late",
    [CB_PKT_NET_LOSS] = "dropped_loss", [CB_PKT_NET_QUEUE] = "dropped_queue",
    [CB_PKT_RECOVERED] = "recovered",
};

const char *cb_stamp_name(enum cb_stamp s)
{
	return (unsigned)s < CB_ST_COUNT ? stamp_names[s] : "?";
}

const char *cb_stage_name(enum cb_stage s)
{
	return (unsigned)s < CB_SG_COUNT ? stages[s].name : "?";
}

/*
 * An out-of-range stage maps to CB_ST_COUNT, which no stamp array holds, so
 * a caller that forgets to check gets an obvious failure in review rather
 * than a plausible-looking wrong stamp.
 */
enum cb_stamp cb_stage_from(enum cb_stage s)
{
	return (unsigned)s < CB_SG_COUNT ? stages[s].from : CB_ST_COUNT;
}

enum cb_stamp cb_stage_to(enum cb_stage s)
{
	return (unsigned)s < CB_SG_COUNT ? stages[s].to : CB_ST_COUNT;
}

const char *cb_media_name(enum cb_media m)
{
	switch (m) {
	case CB_MEDIA_VIDEO:
		return "video";
	case CB_MEDIA_AUDIO:
		return "audio";
	}
	return "?";
}

const char *cb_pkt_fate_name(enum cb_pkt_fate f)
{
	return (unsigned)f < CB_PKT_FATE_COUNT ? fate_names[f] : "?";
}

void cb_frame_rec_init(struct cb_frame_rec *r, enum cb_media media, uint32_t index)
{
	memset(r, 0, sizeof(*r));
	r->media = media;
	r->index = index;
	r->content_id = -1;
	for (int i = 0; i < CB_ST_COUNT; i++)
		r->st[i] = CB_NS_NONE;
	r->e2e_ms = NAN;
	r->algo_ms = NAN;
	r->psnr = NAN;
	r->ssim = NAN;
}

/*
 * Grow by doubling so that appending a frame per 20 ms for an hour costs a
 * handful of reallocations; the old array stays valid if realloc fails.
 */
int cb_log_grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 256;
	if (ncap > SIZE_MAX / elem)
		return -ENOMEM;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

struct cb_frame_rec *cb_frame_log_add(struct cb_frame_log *log, enum cb_media media, uint32_t index)
{
	struct cb_frame_rec *r;

	if (!log || cb_log_grow((void **)&log->v, &log->cap, log->n, sizeof(*log->v)))
		return NULL;
	r = &log->v[log->n++];
	cb_frame_rec_init(r, media, index);
	return r;
}

void cb_frame_log_free(struct cb_frame_log *log)
{
	if (!log)
		return;
	free(log->v);
	log->v = NULL;
	log->n = log->cap = 0;
}

int cb_packet_log_spool(struct cb_packet_log *log, const char *dir)
{
	if (!log || log->n || log->spool)
		return -EINVAL;
	return cb_spool_open(&log->spool, dir, sizeof(struct cb_packet_rec));
}

struct cb_packet_rec *cb_packet_log_add(struct cb_packet_log *log)
{
	struct cb_packet_rec *p;

	if (!log)
		return NULL;
	if (log->spool) {
		p = cb_spool_append(log->spool);
		if (!p)
			return NULL;
		log->n++;
	} else {
		if (cb_log_grow((void **)&log->v, &log->cap, log->n, sizeof(*log->v)))
			return NULL;
		p = &log->v[log->n++];
		memset(p, 0, sizeof(*p));
	}
	p->sent = CB_NS_NONE;
	p->received = CB_NS_NONE;
	p->net_delay = CB_NS_NONE;
	p->queue_delay = CB_NS_NONE;
	return p;
}

struct cb_packet_rec *cb_packet_log_at(const struct cb_packet_log *log, size_t i)
{
	if (!log || i >= log->n)
		return NULL;
	return log->spool ? cb_spool_at(log->spool, i) : &log->v[i];
}

int cb_packet_log_error(const struct cb_packet_log *log)
{
	return log && log->spool ? cb_spool_error(log->spool) : 0;
}

void cb_packet_log_free(struct cb_packet_log *log)
{
	if (!log)
		return;
	free(log->v);
	cb_spool_close(log->spool);
	log->v = NULL;
	log->spool = NULL;
	log->n = log->cap = 0;
}
