/*
 * peer.h — one end of a call as an RTCPeerConnection is: it makes or
 * answers an offer over a signaling channel, and then sends and receives
 * on one UDP socket of its own (BUNDLE and rtcp-mux: video, audio, RTX and
 * RTCP both ways share it).  It knows the other end only from the
 * description it was given and from the wire.
 *
 *   offer/answer   the messages of signal/peer_msg.h through `ch`: the
 *                  offerer sends its offer and waits for the answer, the
 *                  answerer waits for an offer and answers it.
 *   media          what the answer agreed, each way: this end sends what
 *                  it may send (its sender: sources, encoders, SRTP with
 *                  its own SDES key, its own network emulator), receives
 *                  what the other end sends (its receiver, measured as a
 *                  call is: latency from the decoded content, capture
 *                  times from the other end's RTCP sender reports).
 *   RTCP           the receiver reads the socket; the reports and NACKs
 *                  the other end sends about this end's media (RTCP whose
 *                  sender SSRC is not one of the streams it receives) go
 *                  to this end's sender, which answers NACKs with RTX and
 *                  PLIs with a key frame.
 *   ending         when its sender has sent --duration and the emulator
 *                  has drained, it says bye; it stops when it has said
 *                  bye and the other end has too (or left, or has been
 *                  silent 10 s), after its jitter buffers have played out.
 *
 * The seeds of the two roles differ (the answerer's is mixed from the
 * run's), so two peers with the same settings draw different SSRCs,
 * pictures and network draws; each run repeats.
 */
#ifndef CB_CALL_PEER_H
#define CB_CALL_PEER_H

#include <stddef.h>

#include "call/call.h"
#include "net/addr.h"

/** The signaling channel to the other peer (a room, or memory). */
struct cb_peer_channel {
	/** Send one message (JSON text) to the other peer: 0 or a negative error. */
	int (*send)(void *user, const char *json);
	/**
	 * The next message from the other peer, waiting up to `timeout_ms`:
	 * 0 with *json (malloc'd text, the caller frees it), CB_E_TIMEOUT, or
	 * another negative error when the other peer is gone (`why` says how).
	 */
	int (*next)(void *user, char **json, int timeout_ms, char *why, size_t why_len);
	void *user;
};

struct cb_peer_cfg {
	int offer;		  /**< 1: this end offers; 0: it answers */
	int send, recv;		  /**< what this end is willing to do */
	struct cb_net_addr local; /**< the media socket's address (port 0: any) */
	int negotiate_ms;	  /**< waiting for an offer or answer (0: 20 s) */
};

/**
 * Run this end of a call.  0 with `res` filled: what it received measured
 * as a call's receiver ("half": "receiver"; "sender" when it only sent),
 * what it sent (res->sent), and res->peer; res->status says how it ended.
 * A negative error when nothing could start: bad settings (-EINVAL), a
 * description that is refused (CB_E_FORMAT, CB_E_UNSUPPORTED), the other
 * end gone or silent before the call (-ENOTCONN, CB_E_TIMEOUT); res->error
 * says why.  res is always safe to free.
 */
int cb_call_peer(const struct cb_call_cfg *cfg, const struct cb_peer_cfg *pcfg,
		 const struct cb_peer_channel *ch, const struct cb_call_hooks *hooks,
		 struct cb_run_result *res);

#endif
