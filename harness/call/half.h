/*
 * half.h — the sending end as the receiving end can infer it, so that a
 * receiver alone (`callbench peer --sdp-in`) measures what it received
 * exactly as a whole call does.  What the receiver knows of the sender is
 * what the description and the wire said:
 *
 *   frames   one per content number up to the highest it read (a picture's
 *            number, an audio frame's RTP time), each captured when the
 *            sender's reports say its RTP time was (rx/srmap.h);
 *   packets  one per sequence number from the first to the highest it got:
 *            RFC 3550's "expected" (appendix A.3); those that never came are
 *            lost.
 *
 * So a frame the sender's encoder dropped counts as lost on the way, and
 * the stages before the network (capture wait to send) and the network
 * itself are not known: their stamps stay empty.
 */
#ifndef CB_CALL_HALF_H
#define CB_CALL_HALF_H

#include "call/call.h"
#include "call/endpoint.h"

/**
 * Fill `s` (zeroed here; close with cb_half_sender_free) as the sender that
 * `r` (stopped, capture times filled) received from, with `ss` and `cfg`
 * (the caller's storage) as its session and settings, drawn from `r`'s.
 * 0 or -ENOMEM / an I/O error of the receiver's records.
 */
int cb_half_infer_sender(struct cb_receiver *r, struct cb_sender *s, struct cb_session *ss,
			 struct cb_call_cfg *cfg);
void cb_half_sender_free(struct cb_sender *s);

/**
 * A receiving half's settings and result before the call: its codecs,
 * picture size and rate are what the description of what arrives says
 * (`ss`, declared or negotiated), its playout and recovery its own (`c`,
 * changed here); `res` begun (cb_call_result_begin) as "receiver" on the
 * real clock, with what was agreed.  `remote_dir` names the sending end's
 * direction as the report shows it ("sendrecv", "(a file)").
 */
void cb_half_begin(struct cb_run_result *res, struct cb_call_cfg *c, const struct cb_session *ss,
		   const char *remote_dir);

/**
 * After the receiver `r` stopped (its result's status set): infer the
 * sender (cb_half_infer_sender, `tss` and `tcfg` the caller's storage),
 * merge as a whole call does, and leave out what a receiver cannot know
 * (the sender's targets, audio frame sizes, the capture-time check).  A
 * merge that fails turns a complete result into a failed one, saying why.
 */
void cb_half_finish(struct cb_run_result *res, struct cb_receiver *r, struct cb_session *tss,
		    struct cb_call_cfg *tcfg);

#endif
