/*
 * rtcp.h — RTCP packets (RFC 3550 §6.4–6.6, RFC 4585 §6, RFC 5104 §4.3.1):
 * build and parse SR, RR, SDES, BYE, generic NACK, PLI and FIR, alone or
 * stacked into a compound packet; NACK lost-list packing; NTP time.
 *
 * Parsing is all or nothing.  cb_rtcp_parse() first checks the whole
 * compound packet and only then hands each sub-packet to the callback, in
 * order, so a caller never acts on the front half of a packet whose back
 * half is malformed.  Rules:
 *   - every sub-packet has version 2, a payload type in 192..223 (the RTCP
 *     range of RFC 5761 §4) and a length that stays inside the packet; the
 *     sub-packets fill the packet exactly (no stray tail bytes);
 *   - padding (P bit) only on the last sub-packet, with a count of 1 up to
 *     the sub-packet's body size;
 *   - SR/RR report blocks, SDES chunks and items, BYE reason and feedback
 *     FCI must fit in the (unpadded) body; NACK needs at least one FCI entry,
 *     PLI exactly none, FIR a non-zero multiple of 8 bytes;
 *   - sub-packets in any order: the first need not be SR or RR, and SDES
 *     need not be present (reduced-size RTCP, RFC 5506);
 *   - known payload types with an unknown FMT (REMB, transport-cc...), APP,
 *     XR and anything else in 192..223 are valid and reach the callback as
 *     CB_RTCP_OTHER, so that a caller may skip or count them.
 * Anything else is CB_E_BADPKT; callers keep their own count of those.
 *
 * Building follows the buffer contract of the house: each builder writes one
 * sub-packet at `out`, `*out_len` holds the room on entry and the bytes
 * written on return, CB_E_NOSPACE leaves `out` untouched.  A compound packet
 * is the concatenation of sub-packets: build the next one at `out + used`
 * with room `size - used` (cb_rtcp_build_report() does SR/RR + SDES in one
 * call).  Builders never write padding.
 *
 * Bad arguments (NULL pointers, more than 31 report blocks, a CNAME longer
 * than 255 bytes...) are -EINVAL.
 */
#ifndef CB_RTP_RTCP_H
#define CB_RTP_RTCP_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"

#define CB_RTCP_PT_SR	 200
#define CB_RTCP_PT_RR	 201
#define CB_RTCP_PT_SDES	 202
#define CB_RTCP_PT_BYE	 203
#define CB_RTCP_PT_APP	 204
#define CB_RTCP_PT_RTPFB 205 /**< transport-layer feedback (RFC 4585) */
#define CB_RTCP_PT_PSFB	 206 /**< payload-specific feedback (RFC 4585) */

#define CB_RTCP_FMT_NACK 1 /**< RTPFB generic NACK */
#define CB_RTCP_FMT_PLI	 1 /**< PSFB picture loss indication */
#define CB_RTCP_FMT_FIR	 4 /**< PSFB full intra request (RFC 5104) */

#define CB_RTCP_HDR_LEN	   4
#define CB_RTCP_BLOCK_LEN  24 /**< one report block */
#define CB_RTCP_MAX_BLOCKS 31 /**< the 5-bit count field */
#define CB_RTCP_SDES_CNAME 1

/** 24-bit signed range of the cumulative-lost field; builders clamp to it. */
#define CB_RTCP_LOST_MAX 0x7fffff
#define CB_RTCP_LOST_MIN (-0x800000)

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
#define CB_NTP_UNIX_EPOCH_S 2208988800LL

enum cb_rtcp_type {
	CB_RTCP_SR = 1,
	CB_RTCP_RR,
	CB_RTCP_SDES,
	CB_RTCP_BYE,
	CB_RTCP_NACK,
	CB_RTCP_PLI,
	CB_RTCP_FIR,
	CB_RTCP_OTHER, /**< valid RTCP this module does not decode */
};

/** One reception report block (RFC 3550 §6.4.1). */
struct cb_rtcp_report_block {
	uint32_t ssrc;		  /**< source this block reports on */
	uint8_t fraction_lost;	  /**< lost / expected since last report, × 256 */
	int32_t cumulative_lost;  /**< 24-bit signed on the wire; may be negative */
	uint32_t ext_highest_seq; /**< cycles << 16 | highest seq */
	uint32_t jitter;	  /**< interarrival jitter, RTP timestamp units */
	uint32_t lsr;		  /**< middle 32 bits of the last SR's NTP time, 0 = none */
	uint32_t dlsr;		  /**< delay since that SR, 1/65536 s */
};

/** Sender report (PT 200). Profile extensions after the blocks are skipped on parse. */
struct cb_rtcp_sr {
	uint32_t ssrc;
	uint64_t ntp; /**< 32.32 fixed point seconds since 1900 */
	uint32_t rtp_ts;
	uint32_t packet_count;
	uint32_t octet_count;
	uint8_t n_blocks; /**< 0..31 */
	struct cb_rtcp_report_block blocks[CB_RTCP_MAX_BLOCKS];
};

/** Receiver report (PT 201). */
struct cb_rtcp_rr {
	uint32_t ssrc;
	uint8_t n_blocks; /**< 0..31 */
	struct cb_rtcp_report_block blocks[CB_RTCP_MAX_BLOCKS];
};

/** Source description (PT 202): the checked chunks, walked with cb_rtcp_sdes_next(). */
struct cb_rtcp_sdes {
	uint8_t n_chunks;
	const uint8_t *chunks; /**< points into the packet */
	size_t len;
};

/** One SDES item, as yielded by cb_rtcp_sdes_next(). */
struct cb_rtcp_sdes_item {
	uint32_t ssrc;	  /**< SSRC/CSRC of the chunk holding the item */
	uint8_t type;	  /**< CB_RTCP_SDES_CNAME, ... */
	uint8_t len;	  /**< bytes of text (not NUL-terminated) */
	const char *text; /**< points into the packet */
};

/** Goodbye (PT 203). */
struct cb_rtcp_bye {
	uint8_t n_ssrc;
	uint32_t ssrc[CB_RTCP_MAX_BLOCKS];
	uint8_t reason_len;
	const char *reason; /**< points into the packet, not NUL-terminated; NULL if none */
};

/**
 * Feedback (PT 205/206): NACK, PLI and FIR.  `n_fci` counts NACK entries
 * (4 bytes each) or FIR entries (8 bytes each); read them with
 * cb_rtcp_nack_get() / cb_rtcp_fir_get().
 */
struct cb_rtcp_fb {
	uint32_t sender_ssrc;
	uint32_t media_ssrc; /**< 0 for FIR (RFC 5104 §4.3.1.2) */
	const uint8_t *fci;  /**< points into the packet */
	size_t n_fci;
};

/** Any other valid sub-packet (APP, XR, REMB, transport-cc, ...). */
struct cb_rtcp_other {
	uint8_t pt;
	uint8_t count;	     /**< the 5-bit RC/SC/FMT field */
	const uint8_t *body; /**< after the 4-byte header, without padding */
	size_t len;
};

/** A parsed view of one sub-packet; pointers point into the parsed buffer. */
struct cb_rtcp_msg {
	enum cb_rtcp_type type;
	const uint8_t *raw; /**< the whole sub-packet, header and padding included */
	size_t raw_len;
	union {
		struct cb_rtcp_sr sr;
		struct cb_rtcp_rr rr;
		struct cb_rtcp_sdes sdes;
		struct cb_rtcp_bye bye;
		struct cb_rtcp_fb fb; /**< CB_RTCP_NACK, CB_RTCP_PLI, CB_RTCP_FIR */
		struct cb_rtcp_other other;
	} u;
};

/** One generic NACK FCI entry: PID lost, and PID+i+1 lost for each set bit i of BLP. */
struct cb_nack_entry {
	uint16_t pid;
	uint16_t blp;
};

/** One FIR FCI entry. */
struct cb_fir_entry {
	uint32_t ssrc;
	uint8_t seq;
};

/** Called once per sub-packet, in order; return 0 to go on, a negative value to stop. */
typedef int (*cb_rtcp_msg_fn)(void *user, const struct cb_rtcp_msg *m);

/**
 * Check a compound packet, then call `cb` (may be NULL: check only) for each
 * sub-packet.  Returns the number of sub-packets (>= 1), CB_E_BADPKT without
 * any call when the packet breaks a rule above, or the first negative value
 * the callback returned.
 */
int cb_rtcp_parse(const uint8_t *pkt, size_t len, cb_rtcp_msg_fn cb, void *user);

/**
 * Walk the items of a parsed SDES message.  Set `*pos` to 0 first; each call
 * fills `item` and returns 1, then 0 at the end.  -EINVAL if `m` is not SDES.
 */
int cb_rtcp_sdes_next(const struct cb_rtcp_msg *m, size_t *pos, struct cb_rtcp_sdes_item *item);

/** Entry `i` of a parsed NACK. -EINVAL for another type or `i` out of range. */
int cb_rtcp_nack_get(const struct cb_rtcp_msg *m, size_t i, struct cb_nack_entry *e);

/** Entry `i` of a parsed FIR. -EINVAL for another type or `i` out of range. */
int cb_rtcp_fir_get(const struct cb_rtcp_msg *m, size_t i, struct cb_fir_entry *e);

/** Write an SR with `sr->n_blocks` report blocks. */
int cb_rtcp_build_sr(const struct cb_rtcp_sr *sr, uint8_t *out, size_t *out_len);

/** Write an RR with `rr->n_blocks` report blocks (0 is a valid, empty RR). */
int cb_rtcp_build_rr(const struct cb_rtcp_rr *rr, uint8_t *out, size_t *out_len);

/** Write an SDES with one chunk holding one CNAME item (`cname`: 1..255 bytes, NUL-terminated). */
int cb_rtcp_build_sdes(uint32_t ssrc, const char *cname, uint8_t *out, size_t *out_len);

/** Write a BYE for `n` (0..31) sources, with an optional reason (NULL or up to 255 bytes). */
int cb_rtcp_build_bye(const uint32_t *ssrc, size_t n, const char *reason, uint8_t *out,
		      size_t *out_len);

/** Write a generic NACK with `n` (1..65533) entries, e.g. from cb_nack_encode(). */
int cb_rtcp_build_nack(uint32_t sender_ssrc, uint32_t media_ssrc, const struct cb_nack_entry *e,
		       size_t n, uint8_t *out, size_t *out_len);

/** Write a PLI (12 bytes). */
int cb_rtcp_build_pli(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t *out, size_t *out_len);

/**
 * Write a FIR with `n` (1..32766) entries; the media SSRC of the header is 0
 * as RFC 5104 §4.3.1.2 requires.  The sender increments each entry's `seq`
 * per new request (§4.3.1.1), not per retransmission of the same request.
 */
int cb_rtcp_build_fir(uint32_t sender_ssrc, const struct cb_fir_entry *e, size_t n, uint8_t *out,
		      size_t *out_len);

/**
 * The regular report compound: an SR when `sr` is not NULL, else an RR from
 * `rr`, followed by an SDES CNAME chunk for the same SSRC when `cname` is
 * not NULL.  All or nothing: CB_E_NOSPACE writes nothing.
 */
int cb_rtcp_build_report(const struct cb_rtcp_sr *sr, const struct cb_rtcp_rr *rr,
			 const char *cname, uint8_t *out, size_t *out_len);

/**
 * Pack lost sequence numbers into the fewest generic NACK entries.  `seqs`
 * is sorted in RTP order (each one after its predecessor by 0..32767 in
 * cb_seq_diff() terms, so 65534, 65535, 0, 1 is sorted); repeats are merged.
 * Greedy packing is optimal: see rtcp.c.  `*n_out` holds the room (entries)
 * on entry and the entries written on return.  -EINVAL for unsorted input,
 * CB_E_NOSPACE when the room is too small.
 */
int cb_nack_encode(const uint16_t *seqs, size_t n, struct cb_nack_entry *out, size_t *n_out);

/**
 * Expand NACK entries into sequence numbers, entry by entry, PID first then
 * the BLP bits from bit 0 up.  `*n_seqs` holds the room on entry and the
 * count written on return; CB_E_NOSPACE when too small.
 */
int cb_nack_decode(const struct cb_nack_entry *e, size_t n, uint16_t *seqs, size_t *n_seqs);

/*
 * NTP time.  The run's monotonic timeline (cb_ns) maps onto NTP time by one
 * fixed offset: `epoch_offset` is the NTP time, in nanoseconds since
 * 1900-01-01, of cb_ns 0.  For the real clock the caller measures it once
 * (CLOCK_REALTIME − CLOCK_MONOTONIC + CB_NTP_UNIX_EPOCH_S × 10^9); for the
 * simulated clock any constant does, e.g. CB_NTP_UNIX_EPOCH_S × 10^9, which
 * keeps runs reproducible.  Both ends of a loopback call may use the same
 * offset: RTT does not depend on it.  int64 nanoseconds since 1900 last
 * until the year 2192.
 */

/** 32.32 NTP time of `t`, the fraction rounded to nearest; 0 if `t` falls before 1900. */
uint64_t cb_ntp_from_ns(cb_ns t, cb_ns epoch_offset);

/** The cb_ns time of a 64-bit NTP time (rounded to nearest ns); inverse of cb_ntp_from_ns(). */
cb_ns cb_ntp_to_ns(uint64_t ntp, cb_ns epoch_offset);

/** The middle 32 bits (16.16 seconds) used by LSR and by RTT arithmetic. */
static inline uint32_t cb_ntp_mid32(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/** A duration in 1/65536 s (DLSR, RTT) from ns, rounded; clamped to 0..UINT32_MAX. */
uint32_t cb_ntp_short_from_ns(cb_ns d);

/** A duration in 1/65536 s to ns, rounded. */
cb_ns cb_ntp_short_to_ns(uint32_t s);

#endif
