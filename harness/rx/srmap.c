#include <string.h>

#include "base/error.h"
#include "rtp/rtcp.h"
#include "rx/srmap.h"

void cb_srmap_init(struct cb_srmap *m, uint32_t rate)
{
	memset(m, 0, sizeof(*m));
	m->rate = rate;
	m->min_transit = CB_NS_NONE;
}

void cb_srmap_update(struct cb_srmap *m, uint64_t ntp, uint32_t rtp_ts, cb_ns arrival_ntp_ns)
{
	cb_ns t = cb_ntp_to_ns(ntp, 0);

	m->have = 1;
	m->ntp_ns = t;
	m->rtp_ts = rtp_ts;
	m->reports++;
	if (m->min_transit == CB_NS_NONE || arrival_ntp_ns - t < m->min_transit)
		m->min_transit = arrival_ntp_ns - t;
}

int cb_srmap_time(const struct cb_srmap *m, uint32_t rtp_ts, cb_ns *ntp_ns)
{
	int64_t d;

	if (!m->have || !m->rate)
		return CB_E_AGAIN;
	d = (int64_t)(int32_t)(rtp_ts - m->rtp_ts);
	/* ticks to ns, rounded to the nearest */
	*ntp_ns = m->ntp_ns +
		  (d * CB_NS_PER_S + (d >= 0 ? 1 : -1) * (int64_t)(m->rate / 2)) / (int64_t)m->rate;
	return 0;
}
