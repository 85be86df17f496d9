/*
 * rtx.h — retransmission on the send side: a packet history sized by time
 * and count, and RTX packets (RFC 4588) built from it; plus the receive
 * side's unwrap back to the original packet.
 *
 * An RTX packet (RFC 4588 §4, SSRC-multiplexed as in WebRTC) is the
 * original packet with its own SSRC, its own payload type (`rtx/90000`,
 * `apt=` the original's) and its own sequence numbers; the timestamp, marker
 * bit, CSRC list and header extension are the original's, and the payload
 * is the original sequence number (OSN, 16 bits, network order) followed by
 * the original payload.
 *
 * The history follows WebRTC's RtpPacketHistory: a packet stays retrievable
 * for max(`min_age`, `rtt_factor` x RTT) after it was first sent (1 s and 3
 * by default), at most `slots` packets are kept, and a packet is not
 * retransmitted again within one RTT of its last retransmission.  There are
 * no threads and no clock inside: every time comes in as `now`.
 */
#ifndef CB_RTP_RTX_H
#define CB_RTP_RTX_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"

/** Bytes RTX adds to a packet: the original sequence number. */
#define CB_RTX_OSN_LEN 2

/**
 * Wrap the RTP packet `in` as an RTX packet with SSRC `rtx_ssrc`, payload
 * type `rtx_pt` and sequence number `rtx_seq`.  Padding of the original is
 * dropped (the P bit is cleared); everything else of the header is kept.
 * `*out_len` holds the room on entry and the bytes written on return
 * (in_len + 2 without padding).  `in` and `out` may be the same buffer.
 * CB_E_BADPKT if `in` is not RTP, CB_E_NOSPACE if the room is too small,
 * -EINVAL for a bad argument.
 */
int cb_rtx_wrap(const uint8_t *in, size_t in_len, uint32_t rtx_ssrc, uint8_t rtx_pt,
		uint16_t rtx_seq, uint8_t *out, size_t *out_len);

/**
 * Restore the original packet from the RTX packet `in`: sequence number
 * from the first two payload bytes, SSRC `orig_ssrc`, payload type
 * `orig_pt`, payload without the OSN.  The caller demultiplexes by SSRC /
 * payload type before calling this.  Same buffer contract as cb_rtx_wrap();
 * CB_E_BADPKT also for a payload shorter than 2 bytes (an empty RTX packet,
 * as used for padding, carries nothing to restore).
 */
int cb_rtx_unwrap(const uint8_t *in, size_t in_len, uint32_t orig_ssrc, uint8_t orig_pt,
		  uint8_t *out, size_t *out_len);

struct cb_rtx_cfg {
	uint32_t ssrc;	     /**< the RTX stream's SSRC */
	uint8_t pt;	     /**< the RTX payload type, 0..127 */
	uint16_t seq_start;  /**< first RTX sequence number (RFC 3550: random) */
	size_t slots;	     /**< packets kept at most, a power of two (default 1024) */
	size_t slot_bytes;   /**< largest packet stored (default 1500) */
	cb_ns min_age;	     /**< keep packets at least this long (default 1 s) */
	unsigned rtt_factor; /**< ... and at least this many RTTs (default 3) */
};

struct cb_rtx_stats {
	uint64_t stored;	      /**< packets put into the history */
	uint64_t evicted_young;	      /**< overwritten before max age: `slots` too small */
	uint64_t requests;	      /**< cb_rtx_resend() calls with valid arguments */
	uint64_t retransmitted;	      /**< RTX packets built */
	uint64_t retransmitted_bytes; /**< their bytes (RTP header + OSN + payload) */
	uint64_t refused_not_found;   /**< never stored (or a gap in what was stored) */
	uint64_t refused_too_old;     /**< older than max age, or evicted by count */
	uint64_t refused_too_soon;    /**< retransmitted less than one RTT ago */
};

struct cb_rtx;

/** Create a history; -EINVAL for a bad configuration, -ENOMEM. */
int cb_rtx_open(struct cb_rtx **out, const struct cb_rtx_cfg *cfg);
/** Free the history; safe on NULL. */
void cb_rtx_close(struct cb_rtx *r);

/**
 * The round-trip time from RTCP; 0 (the start) means unknown: packets are
 * then kept `min_age` and a retransmission is never refused as too soon
 * (as WebRTC does before it has an RTT).
 */
int cb_rtx_set_rtt(struct cb_rtx *r, cb_ns rtt);

/** How long a packet stays retrievable now: max(min_age, rtt_factor x RTT). */
cb_ns cb_rtx_max_age(const struct cb_rtx *r);

/**
 * Remember the RTP packet `pkt` (plain RTP, before SRTP), first sent at
 * `now`.  The bytes are copied.  CB_E_BADPKT if it is not RTP, CB_E_NOSPACE
 * if it is longer than `slot_bytes`.
 */
int cb_rtx_put(struct cb_rtx *r, const uint8_t *pkt, size_t len, cb_ns now);

/**
 * A NACK asked for `seq` at `now`: build its RTX packet into `out` (buffer
 * contract as cb_rtx_wrap; room for slot_bytes + 2 always suffices) and
 * count it as retransmitted.  Refusals, each counted:
 * CB_E_NOTFOUND (never stored), CB_E_LATE (too old or evicted),
 * CB_E_AGAIN (retransmitted less than one RTT ago).
 */
int cb_rtx_resend(struct cb_rtx *r, uint16_t seq, cb_ns now, uint8_t *out, size_t *out_len);

void cb_rtx_get_stats(const struct cb_rtx *r, struct cb_rtx_stats *st);

#endif
