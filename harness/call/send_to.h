/*
 * send_to.h — one end alone: a sender that sends to a fixed address what a
 * session description it writes says (`callbench peer --sdp-out FILE --to
 * HOST:PORT`), for another stack to receive: ffmpeg/ffplay
 * (`-protocol_whitelist file,udp,rtp -i FILE`) or GStreamer.
 *
 * The description is declarative (nobody answers it): one m= section per
 * media on its own port (video on PORT, audio on PORT+2, as RTP/AVP
 * tools expect without BUNDLE), RTP/SAVP with the SDES key this end drew
 * (a=crypto), its payload type, SSRC and source description, no RTX and
 * no rtcp-mux.  The sender's reports go to each media's port + 1.
 */
#ifndef CB_CALL_SEND_TO_H
#define CB_CALL_SEND_TO_H

#include <stdint.h>

#include "call/call.h"
#include "net/addr.h"

struct cb_sender;
struct cb_path;

/**
 * Describe and send.  `description` is called once with the SDP text before
 * the first packet leaves; a non-zero return from it stops before sending
 * (its value is returned).  Real clock and udp only; one media or both.
 * 0 when something was sent (out->status says how it ended), or a negative
 * error with out->error saying why.
 */
int cb_call_send_to(const struct cb_call_cfg *cfg, const struct cb_net_addr *to,
		    const struct cb_call_hooks *hooks,
		    int (*description)(void *user, const char *sdp), void *user,
		    struct cb_send_result *out);

/** What `snd` sent, after it stopped (`c`: its settings). */
void cb_send_result_fill(struct cb_send_result *out, const struct cb_sender *snd,
			 const struct cb_call_cfg *c);

/** Wait (up to the call's drain bound each) until the `n` paths have
 * handed on what their emulators hold; NULL paths are skipped. */
void cb_path_drain(struct cb_path *const *path, int n, const struct cb_clock *clock);

#endif
