/*
 * record.h — what is measured per frame and per packet.
 *
 * Every frame carries one stamp per stage boundary, all on the run's one
 * clock.  "arrived" is when the frame's last packet reached the receiving
 * host (the kernel's receive timestamp on udp, the ring on mem, the virtual
 * arrival in a simulation); "last_received" is when the application took it.  The stamps that form
 * the chain below telescope: the stage times (differences of neighbours in the chain) add up
 * exactly to end-to-end. first_sent and first_received are kept beside the chain (the spread of a
 * frame's packets on the wire) but are not stages of it.
 */
#ifndef CB_MEASURE_RECORD_H
#define CB_MEASURE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/spool.h"
#include "codec/codec.h"

/* name in enum, column name in frames.csv / summary.json */
#define CB_STAMP_MAP(XX)                                                                           \
	XX(CAPTURED, "captured")                                                                   \
	XX(ENC_START, "encode_start")                                                              \
	XX(ENC_END, "encode_end")                                                                  \
	XX(PACKETIZED, "packetized")                                                               \
	XX(PROTECTED, "protected")                                                                 \
	XX(FIRST_SENT, "first_sent")                                                               \
	XX(LAST_SENT, "last_sent")                                                                 \
	XX(ARRIVED, "arrived")                                                                     \
	XX(FIRST_RECV, "first_received")                                                           \
	XX(LAST_RECV, "last_received")                                                             \
	XX(UNPROTECTED, "unprotected")                                                             \
	XX(JB_OUT, "jitter_buffer_out")                                                            \
	XX(DEC_START, "decode_start")                                                              \
	XX(DEC_END, "decode_end")                                                                  \
	XX(IDENTIFIED, "identified")

enum cb_stamp {
#define XX(n, s) CB_ST_##n,
	CB_STAMP_MAP(XX)
#undef XX
	    CB_ST_COUNT
};

/* stage: name, from stamp, to stamp.  The chain, in order. */
#define CB_STAGE_MAP(XX)                                                                           \
	XX(CAPTURE_WAIT, "capture_wait", CAPTURED, ENC_START)                                      \
	XX(ENCODE, "encode", ENC_START, ENC_END)                                                   \
	XX(PACKETIZE, "packetize", ENC_END, PACKETIZED)                                            \
	XX(PROTECT, "protect", PACKETIZED, PROTECTED)                                              \
	XX(SEND, "send", PROTECTED, LAST_SENT)                                                     \
	XX(NETWORK, "network", LAST_SENT, ARRIVED)                                                 \
	XX(RECEIVE, "receive", ARRIVED, LAST_RECV)                                                 \
	XX(UNPROTECT, "unprotect", LAST_RECV, UNPROTECTED)                                         \
	XX(JITTER_BUFFER, "jitter_buffer", UNPROTECTED, JB_OUT)                                    \
	XX(DECODE_WAIT, "decode_wait", JB_OUT, DEC_START)                                          \
	XX(DECODE, "decode", DEC_START, DEC_END)                                                   \
	XX(ANALYZE, "analyze", DEC_END, IDENTIFIED)

enum cb_stage {
#define XX(n, s, a, b) CB_SG_##n,
	CB_STAGE_MAP(XX)
#undef XX
	    CB_SG_COUNT
};

const char *cb_stamp_name(enum cb_stamp s);
const char *cb_stage_name(enum cb_stage s);
enum cb_stamp cb_stage_from(enum cb_stage s);
enum cb_stamp cb_stage_to(enum cb_stage s);
const char *cb_media_name(enum cb_media m); /* "video" / "audio" */

/**
 * One frame of one media, as the merged (sender + receiver) record.  A long
 * call keeps one per frame (80 a second with the default tracks), so the
 * small fields are packed ahead of the 8-byte ones: 184 bytes.
 */
struct cb_frame_rec {
	uint32_t index; /**< video: frame number; audio: 20 ms frame index */
	uint32_t rtp_ts;
	uint32_t bytes; /**< encoded frame size */
	uint16_t first_seq;
	uint16_t npackets;
	uint8_t media; /**< enum cb_media */
	uint8_t keyframe;
	uint8_t encoded, sent, received, decoded; /**< received = complete */
	uint8_t identified; /**< content read back (video mark / audio mark) */
	uint8_t mismatch;   /**< content disagrees with the RTP timestamp */
	uint8_t concealed;  /**< audio: played as loss concealment (PLC) instead of decoded data */
	uint8_t fec;	    /**< audio: rebuilt from the next packet's in-band FEC */
	int32_t content_id; /**< video: number read; audio: mark k in this frame; -1 none */
	cb_ns st[CB_ST_COUNT]; /**< CB_NS_NONE where not reached */
	double e2e_ms;	       /**< from the content; NaN where not identified */
	double algo_ms;	       /**< audio: framing + codec look-ahead share of e2e_ms; else NaN */
	double psnr,
	    ssim; /**< video: decoded picture against the source frame it shows; NaN if none */
};

/** A growable array of frame records. */
struct cb_frame_log {
	struct cb_frame_rec *v;
	size_t n, cap;
};

/** Append a record initialised to "nothing reached"; NULL on ENOMEM. */
struct cb_frame_rec *cb_frame_log_add(struct cb_frame_log *log, enum cb_media media,
				      uint32_t index);
void cb_frame_rec_init(struct cb_frame_rec *r, enum cb_media media, uint32_t index);
void cb_frame_log_free(struct cb_frame_log *log);

enum cb_pkt_fate {
	CB_PKT_DELIVERED = 0, /**< received and accepted */
	CB_PKT_LOST,	      /**< never arrived, and the emulator did not drop it */
	/* What SRTP refuses is counted, not logged: the receiver cannot know
	 * which sent packet, if any, it claims to be. */
	CB_PKT_MALFORMED, /**< authenticated, but refused by the assembler or the audio path */
	CB_PKT_LATE,	  /**< arrived after its frame was given up */
	CB_PKT_NET_LOSS,  /**< dropped by the impairment emulator's loss model */
	CB_PKT_NET_QUEUE, /**< dropped by the emulated link's full queue */
	CB_PKT_RECOVERED, /**< lost, then arrived as a retransmission (RTX) */
	CB_PKT_FATE_COUNT
};
const char *cb_pkt_fate_name(enum cb_pkt_fate f);

/** One RTP packet (48 bytes: one per packet is kept for the whole call). */
struct cb_packet_rec {
	uint32_t rtp_ts;
	uint16_t seq;
	uint16_t size; /**< bytes on the wire (SRTP) */
	uint8_t media; /**< enum cb_media */
	uint8_t marker;
	uint8_t fate;	      /**< enum cb_pkt_fate */
	uint8_t duplicated;   /**< the emulator sent a second copy */
	cb_ns sent, received; /**< received: CB_NS_NONE if never */
	cb_ns net_delay;   /**< delay the emulator gave it (queue, serialization, delay, jitter) */
	cb_ns queue_delay; /**< its share of net_delay spent waiting in the link queue */
};

/**
 * The packet rows of a call: in memory, or (after cb_packet_log_spool) in a
 * spool on disk, so that a long call does not hold one row per packet in
 * memory (base/spool.h).  Either way `n` counts them and cb_packet_log_at
 * reaches them; `v` is the array only for a log in memory.
 */
struct cb_packet_log {
	struct cb_packet_rec *v;
	size_t n, cap;
	struct cb_spool *spool; /**< NULL: in memory */
};

/**
 * Keep the rows of the (empty) `log` on disk from now on, in a nameless
 * file in `dir` (see cb_spool_open).  0 or a negative errno.
 */
int cb_packet_log_spool(struct cb_packet_log *log, const char *dir);

/** Append a row initialised to "nothing happened"; NULL on ENOMEM or an I/O error. */
struct cb_packet_rec *cb_packet_log_add(struct cb_packet_log *log);

/**
 * Row `i` (< n) to read or change; NULL out of range or on an I/O error.
 * For a spooled log the pointer is good until the next call on the log.
 */
struct cb_packet_rec *cb_packet_log_at(const struct cb_packet_log *log, size_t i);

/** 0, or the spool's I/O error (a full disk) once one happened. */
int cb_packet_log_error(const struct cb_packet_log *log);

/**
 * Make room in the growable array `*v` (`*cap` elements of `elem` bytes) for
 * element `n`: doubling from 256, the array unchanged on failure.  0 or
 * -ENOMEM.  The logs above use it.
 */
int cb_log_grow(void **v, size_t *cap, size_t n, size_t elem);
void cb_packet_log_free(struct cb_packet_log *log);

#endif
