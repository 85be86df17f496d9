/*
 * receive_from.h — one end alone: a receiver that takes the stream a
 * session description says will arrive (`callbench peer --sdp-in FILE`)
 * on its section's c= address and port, and measures it exactly as a call
 * does: latency from the decoded content, capture times from the sender's
 * RTCP reports, stages from arrival on, quality against the reference the
 * description's a=x-callbench-source re-renders.  The sending end is known
 * only as the description and the wire tell it (half.h): no NACK or PLI
 * goes back (there is no address for them).
 *
 * It ends when the description's media time has passed since the first
 * packet (with the drain), when packets stop for 2 s, or on a stop; with
 * nothing in 20 s it fails, saying so.
 */
#ifndef CB_CALL_RECEIVE_FROM_H
#define CB_CALL_RECEIVE_FROM_H

#include <stddef.h>

#include "call/call.h"

/**
 * `cfg`: this end's settings (duration, playout, quality, out_dir...);
 * --no-video / --no-audio leave a section out.  0 with `res` filled (its
 * status says how it ended), or a negative error with res->error saying
 * why (a bad description names its line).
 */
int cb_call_receive_from(const struct cb_call_cfg *cfg, const char *sdp, size_t sdp_len,
			 const struct cb_call_hooks *hooks, struct cb_run_result *res);

#endif
