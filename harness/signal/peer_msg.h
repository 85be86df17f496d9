/*
 * peer_msg.h — what two callbench peers say to each other through a room
 * (the `data` of a signaling `message`, PROTOCOL.md "Call messages"): the
 * browser's RTCSessionDescriptionInit for an offer or answer, and a bye.
 *
 *   {"type":"offer","sdp":"v=0\r\n..."}
 *   {"type":"answer","sdp":"v=0\r\n..."}
 *   {"type":"bye","reason":"done"}        reason optional
 *
 * Anything else with a string "type" (a "candidate" of a browser that
 * trickles ICE) parses as CB_PEER_MSG_OTHER, for the caller to skip.
 */
#ifndef CB_SIGNAL_PEER_MSG_H
#define CB_SIGNAL_PEER_MSG_H

#include <stddef.h>

/** Longest SDP a peer takes (sdp/sdp.h's CB_SDP_MAX_SIZE). */
#define CB_PEER_MSG_SDP_MAX 131072

enum cb_peer_msg_type {
	CB_PEER_MSG_OFFER = 0,
	CB_PEER_MSG_ANSWER,
	CB_PEER_MSG_BYE,
	CB_PEER_MSG_OTHER,
};

struct cb_peer_msg {
	enum cb_peer_msg_type type;
	char name[24]; /**< the "type" as sent (cut to fit): "candidate" */
	char *sdp;     /**< offer, answer: the description (owned) */
	size_t sdp_len;
	char reason[64]; /**< bye: why, "" when not said */
};

/**
 * Parse one message's data (JSON text of `len` bytes).  0 with `m`
 * filled (clear it), CB_E_FORMAT with `why` naming what is wrong (not an
 * object, no "type", an offer without a string "sdp" or with one too
 * long or holding a NUL), or -ENOMEM.
 */
int cb_peer_msg_parse(const char *json, size_t len, struct cb_peer_msg *m, char *why,
		      size_t why_len);
void cb_peer_msg_clear(struct cb_peer_msg *m);

/** The JSON text of an offer/answer (`text`: the SDP) or a bye (`text`:
 * the reason, may be NULL); malloc'd, NULL when memory ran out. */
char *cb_peer_msg_build(enum cb_peer_msg_type t, const char *text);

const char *cb_peer_msg_type_name(enum cb_peer_msg_type t);

#endif
