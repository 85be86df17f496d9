/*
 * assembler.h — the receive side's video frame assembler: a packet buffer
 * indexed by sequence number that puts packets back in order, finds
 * complete frames (every packet from the one that starts the frame to the
 * one with the marker bit) and hands them out in decode order.
 *
 * A frame is handed out only when it follows the last one handed out
 * without a gap.  When packets are missing, the assembler waits up to
 * `max_wait` after a later frame completed, then gives up on the missing
 * ones and moves on (counting the frames it skipped); later issues replace
 * this with NACK, PLI and an adaptive target delay.
 *
 * The work follows the packets: an insert looks at the packets of its own
 * frame only (forward to the first gap or the marker, and back to the
 * frame's start once the marker is reached), and a frame found complete is
 * listed; pop and cb_assembler_next_wakeup look at that list, not at the
 * packet slots.  Only a slot overwritten by a wrap-around (counted as
 * overflow) costs a scan of every slot.
 */
#ifndef CB_RX_ASSEMBLER_H
#define CB_RX_ASSEMBLER_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"

struct cb_assembler_cfg {
	const struct cb_pay_ops *pay; /**< payload format of the stream */
	size_t slots;		      /**< packet slots, a power of two (default 1024) */
	cb_ns max_wait;		      /**< wait for missing packets (default 100 ms) */
};

/** A frame ready to decode; `data` is valid until the next pop. */
struct cb_asm_frame {
	const uint8_t *data;
	size_t len;
	uint32_t ts;
	uint16_t first_seq, npackets;
	int keyframe;
	int32_t picture_id;
	cb_ns arrived; /**< latest arrival at the host (kernel/ring/virtual) of its packets */
	cb_ns first_recv, last_recv, unprotected; /**< over the frame's packets */
	uint32_t frames_skipped;		  /**< given up on just before this one */
};

struct cb_assembler_stats {
	uint64_t packets, duplicates, late, frames_out, frames_skipped, overflow;
	uint64_t slots_visited; /**< packet slots looked at: the assembler's work */
};

struct cb_assembler;

int cb_assembler_open(struct cb_assembler **out, const struct cb_assembler_cfg *cfg);
/**
 * Insert one unprotected, parsed RTP packet (its payload is copied) that
 * arrived at the host at `t_arrived` and was taken by the receiver at `t_recv`.
 * CB_E_BADPKT if its payload descriptor is malformed, CB_E_LATE if its frame
 * was already handed out or given up, 0 otherwise (duplicates are counted
 * and ignored).
 */
int cb_assembler_insert(struct cb_assembler *a, const struct cb_rtp_hdr *h, cb_ns t_arrived,
			cb_ns t_recv, cb_ns t_unprotected);
/** Hand out the next frame if one is ready at `now`: 1 and *f, or 0. */
int cb_assembler_pop(struct cb_assembler *a, cb_ns now, struct cb_asm_frame *f);
/**
 * When cb_assembler_pop next has a frame to hand out: the completion time
 * of the next frame if nothing is missing before it (in the past: pop
 * now), else when its wait for the missing packets ends; CB_NS_NONE when
 * no frame is complete.
 */
cb_ns cb_assembler_next_wakeup(const struct cb_assembler *a);
/**
 * Stop waiting for packets before `seq`: they will not come (the NACK
 * requester gave up on them).  The next pop hands out the first complete
 * frame after them without waiting out max_wait.
 */
void cb_assembler_give_up_before(struct cb_assembler *a, uint16_t seq);
void cb_assembler_get_stats(const struct cb_assembler *a, struct cb_assembler_stats *st);
void cb_assembler_close(struct cb_assembler *a);

#endif
