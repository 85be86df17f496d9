/*
 * pc.h — the signaling half of an RTCPeerConnection: the offer/answer
 * state machine over struct cb_sdp, with the W3C WebRTC API's names and
 * rules (W3C webrtc-pc "set the session description", JSEP RFC 8829
 * section 5.5-5.7).
 *
 *   state                 setLocal             setRemote
 *   stable                offer                offer
 *   have-local-offer      offer, rollback      answer, pranswer, rollback,
 *                                              offer (implicit rollback)
 *   have-remote-offer     answer, pranswer,    offer, rollback
 *                         rollback
 *   have-local-pranswer   answer, pranswer     -
 *   have-remote-pranswer  -                    answer, pranswer
 *   closed                -                    -
 *
 * offer leads to have-{local,remote}-offer, pranswer to
 * have-{local,remote}-pranswer, answer and rollback to stable.  Anything
 * else is CB_E_STATE, the InvalidStateError, with a message naming the call
 * and the state; nothing changes.  A rollback (from either side, as JSEP
 * allows) drops the pending offer and returns to stable; the W3C API
 * refuses it in stable and in the pranswer states.  A remote offer in
 * have-local-offer rolls the local offer back first, as the W3C API's
 * "perfect negotiation" (implicit rollback) does.
 *
 * createOffer works in every state but closed, createAnswer in
 * have-remote-offer and have-local-pranswer (W3C).  An answer or pranswer
 * set on either side must answer the pending offer (cb_sdp_negotiate), or
 * the call fails with CB_E_FORMAT and nothing changes; when it does, what
 * was agreed is kept (cb_pc_negotiated).  Offers are made from the caps
 * given at open; a re-offer keeps the m= lines (kinds and mids) of the
 * current local description in their order, as JSEP asks.
 */
#ifndef CB_SDP_PC_H
#define CB_SDP_PC_H

#include "sdp/negotiate.h"
#include "sdp/sdp.h"

enum cb_pc_state {
	CB_PC_STABLE = 0,
	CB_PC_HAVE_LOCAL_OFFER,
	CB_PC_HAVE_REMOTE_OFFER,
	CB_PC_HAVE_LOCAL_PRANSWER,
	CB_PC_HAVE_REMOTE_PRANSWER,
	CB_PC_CLOSED,
};

/** RTCSdpType */
enum cb_sdp_type {
	CB_SDP_TYPE_OFFER = 0,
	CB_SDP_TYPE_PRANSWER,
	CB_SDP_TYPE_ANSWER,
	CB_SDP_TYPE_ROLLBACK,
};

/** "stable", "have-local-offer"...; "offer", "pranswer", "answer", "rollback". */
const char *cb_pc_state_name(enum cb_pc_state s);
const char *cb_sdp_type_name(enum cb_sdp_type t);
/** The type named `name` (as signaling carries it): 0, or CB_E_NOTFOUND. */
int cb_sdp_type_from_name(const char *name, enum cb_sdp_type *t);

struct cb_pc;

/**
 * A connection that negotiates with what `caps` allows.  What the caps
 * leave to draw (SSRCs, CNAME, ids, session id) is drawn here, once, so
 * every offer and answer of this connection agrees.  `user` is the
 * caller's, returned by cb_pc_user().
 */
int cb_pc_open(struct cb_pc **out, const struct cb_sdp_caps *caps, void *user);
/** Free `pc` (NULL is fine). */
void cb_pc_free(struct cb_pc *pc);
/** close(): the state becomes closed; every later call is an InvalidStateError. */
void cb_pc_close(struct cb_pc *pc);

enum cb_pc_state cb_pc_signaling_state(const struct cb_pc *pc);
void *cb_pc_user(const struct cb_pc *pc);
/** The caps as drawn at open. */
const struct cb_sdp_caps *cb_pc_caps(const struct cb_pc *pc);

/** createOffer / createAnswer into `out` (nothing else changes). */
int cb_pc_create_offer(struct cb_pc *pc, struct cb_sdp *out, char *why, size_t why_len);
int cb_pc_create_answer(struct cb_pc *pc, struct cb_sdp *out, char *why, size_t why_len);

/**
 * setLocalDescription / setRemoteDescription.  `d` is copied; it is not
 * read for a rollback (NULL is fine).  For a local offer, answer or
 * pranswer, d == NULL creates one first (setLocalDescription() without a
 * description).
 */
int cb_pc_set_local(struct cb_pc *pc, enum cb_sdp_type type, const struct cb_sdp *d, char *why,
		    size_t why_len);
int cb_pc_set_remote(struct cb_pc *pc, enum cb_sdp_type type, const struct cb_sdp *d, char *why,
		     size_t why_len);

/** localDescription (pending, else current), and the two apart; NULL when none. */
const struct cb_sdp *cb_pc_local_description(const struct cb_pc *pc);
const struct cb_sdp *cb_pc_current_local(const struct cb_pc *pc);
const struct cb_sdp *cb_pc_pending_local(const struct cb_pc *pc);
const struct cb_sdp *cb_pc_remote_description(const struct cb_pc *pc);
const struct cb_sdp *cb_pc_current_remote(const struct cb_pc *pc);
const struct cb_sdp *cb_pc_pending_remote(const struct cb_pc *pc);

/**
 * What the last answer agreed (seen from this end), or in a pranswer
 * state what the pranswer provisionally agrees (provisional = 1); NULL
 * before any answer.
 */
const struct cb_sdp_negotiated *cb_pc_negotiated(const struct cb_pc *pc);

#endif
