/*
 * pair.h — two ends of a call in one process agree as two peers would: the
 * sending end makes an offer from its session, it is written as SDP text
 * and parsed by the receiving end, which answers the same way; each end
 * then takes what it learned into its own session.  This is the signaling
 * of `--peers thread`, in memory.
 */
#ifndef CB_CALL_PAIR_H
#define CB_CALL_PAIR_H

#include <stddef.h>

#include "call/call.h"
#include "call/session.h"

/**
 * Offer from `tx` (sends), answer from `rx` (receives); both sessions are
 * filled from what each end learned.  `out` gets the SDP texts (owned, free
 * with cb_negotiated_free) and what was agreed.  0, or an error with `why`
 * naming the step and what went wrong.
 */
int cb_pair_negotiate(struct cb_session *tx, struct cb_session *rx, struct cb_negotiated *out,
		      char *why, size_t why_len);

/** What `ss` agreed, as the report tells it; keeps out->offer and answer. */
void cb_negotiated_fill(struct cb_negotiated *out, const struct cb_session *ss,
			const struct cb_sdp_negotiated *n);

#endif
