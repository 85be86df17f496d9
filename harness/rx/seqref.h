/*
 * seqref.h — picture ids from sequence numbers, for a video payload format
 * that carries none (H.264, RFC 6184), so that its frames go through the
 * same jitter buffer as VP8's (after libwebrtc's RtpSeqNumOnlyRefFinder).
 *
 * The jitter buffer (rx/jitterbuf.h) reads dependencies off picture ids: a
 * key frame depends on nothing, a delta frame on the frame whose id is one
 * less.  H.264 as callbench sends it (one slice per picture, no B frames,
 * each P frame predicted from the one before) has the same chain, so a
 * frame's references follow from where its packets sit in the sequence
 * number space:
 *
 * - a frame whose first packet comes right after the previous frame's last
 *   (the one with the marker) continues the chain: it gets the previous
 *   frame's id + 1;
 * - a frame after a gap in sequence numbers follows packets that never
 *   formed a frame: at least one frame is missing, so it gets the previous
 *   id + 2.  A key frame there is still decodable; a delta frame waits in
 *   the jitter buffer for a reference that never comes, is dropped as
 *   undecodable and the buffer asks for a key frame (PLI), as a VP8 frame
 *   after a lost one does.
 *
 * Frames must come in decode order, as the assembler hands them out
 * (rx/assembler.h): a frame that does not start after the previous one's
 * last packet is refused.  Whether a frame is a key frame does not change
 * its id: that is the jitter buffer's to act on.
 *
 * The state is the caller's (no allocation): zero it with cb_seqref_init.
 */
#ifndef CB_RX_SEQREF_H
#define CB_RX_SEQREF_H

#include <stdint.h>

/** Picture ids are 15-bit, as VP8's PictureID (0..32767, then wraps). */
#define CB_SEQREF_ID_MOD 32768

struct cb_seqref {
	/* private */
	int have_last;
	uint16_t last_seq; /* last packet (marker) of the previous frame */
	int32_t last_id;
};

void cb_seqref_init(struct cb_seqref *r);

/**
 * The picture id of the next frame in decode order, whose packets are
 * `first_seq` .. `first_seq + npackets - 1`: 0..32767, or -EINVAL (no
 * packets), CB_E_LATE (it does not start after the previous frame's last
 * packet: not in decode order; the state is unchanged).  The first frame
 * gets id 0.
 */
int32_t cb_seqref_frame(struct cb_seqref *r, uint16_t first_seq, uint16_t npackets);

#endif
