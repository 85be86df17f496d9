#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "rtp/rtp.h"
#include "rx/seqref.h"

void cb_seqref_init(struct cb_seqref *r)
{
	if (r)
		memset(r, 0, sizeof(*r));
}

int32_t cb_seqref_frame(struct cb_seqref *r, uint16_t first_seq, uint16_t npackets)
{
	int32_t step;
	int d;

	if (!r || npackets == 0)
		return -EINVAL;
	if (!r->have_last) {
		r->last_id = 0;
		step = 0;
	} else {
		/* d = 0: right after the previous frame's marker packet. */
		d = cb_seq_diff(first_seq, (uint16_t)(r->last_seq + 1));
		if (d < 0)
			return CB_E_LATE;
		/* How many frames the missing packets held is unknown; one
		 * id left out is enough to break the chain there. */
		step = d == 0 ? 1 : 2;
	}
	r->have_last = 1;
	r->last_seq = (uint16_t)(first_seq + npackets - 1);
	r->last_id = (r->last_id + step) % CB_SEQREF_ID_MOD;
	return r->last_id;
}
