/*
 * rx_state.h — the receiver's private state, shared by the files that make
 * up the receiving end (receiver.c: packets in, video, the thread; rx_audio.c:
 * audio playout and its marks).  Internal to harness/call.
 */
#ifndef CB_CALL_RX_STATE_H
#define CB_CALL_RX_STATE_H

#include "call/endpoint.h"
#include "codec/codec.h"
#include "media/amark.h"
#include "media/audio_source.h"
#include "rtp/rtp.h"
#include "rx/assembler.h"
#include "rx/audiojb.h"
#include "rx/jitterbuf.h"
#include "rx/qworker.h"
#include "rx/seqref.h"

#define RX_BATCH 32
/* The receive thread looks at its stop flag at least this often. */
#define RX_MAX_WAIT (50 * CB_NS_PER_MS)
/* Audio packets whose receive stamps are kept until they play: 5 s of 20 ms
 * frames, beyond the audio jitter buffer's 1 s ceiling. */
#define AINFO_SLOTS 256

/* What the receiver knew of an audio packet when it went into the jitter
 * buffer, for the record made when it plays. */
struct apkt_info {
	int valid;
	uint16_t seq;
	uint32_t len;
	cb_ns arrived, recv, unprot;
};

struct rx_state {
	struct cb_codec vdec, adec;
	struct cb_assembler *asmb;
	struct cb_jitterbuf *jb;
	struct cb_seqref seqref; /* picture ids for a format without them */
	struct cb_audiojb *ajb;
	struct cb_amark_detector *det;
	int16_t *pcm;
	size_t pcm_room;
	struct apkt_info ainfo[AINFO_SLOTS];
	/* Video sequence numbers whose packet last came by retransmission: a
	 * frame holding one tells the jitter buffer so (see cb_jb_frame). */
	uint8_t rtx_seq[65536 / 8];
	struct cb_qworker *qw; /* PSNR/SSIM of identified pictures, off the receive path */
	uint32_t cut_pending;  /* audio samples to cut to shrink the delay (see pick_cut) */
	int64_t mark_anchor;   /* stream position of the last audio mark found; -1 none */
	/* The sender's RTP time of content 0 (frame 0, source sample 0), from
	 * the first identified picture and mark: content numbers to RTP times,
	 * and through the sender's reports to capture times. */
	int have_base[2];
	uint32_t rtp_base[2];
	struct cb_audio_source *ref_audio; /* the source re-rendered (its description) */
	uint8_t rtx_buf[CB_NET_MAX_PKT];
	uint8_t bufs[RX_BATCH][CB_NET_MAX_PKT];
};

/* Record the first error; the receiver stops on it. */
void cb_rx_fail(struct cb_receiver *r, int err, const char *what);
/* One packet as the receiver took it, into media `m`'s log. */
void cb_rx_log_packet(struct cb_receiver *r, enum cb_media m, uint16_t seq, enum cb_pkt_fate fate,
		      cb_ns t);
/* A new frame record of `l` ("nothing reached"), or NULL; and the error then. */
struct cb_rx_frame *cb_rx_frame_add(struct cb_rx_log *l);
int cb_rx_frame_error(const struct cb_rx_log *l);

/* ---- audio (rx_audio.c) ---- */

/* An authenticated audio packet: into the jitter buffer; *fate if refused. */
int cb_rx_audio_packet(struct cb_receiver *r, const struct cb_rtp_hdr *h, cb_ns t_arrived,
		       cb_ns t_recv, cb_ns t_unprot, enum cb_pkt_fate *fate);
/* Play the slots that are due. */
int cb_rx_audio_poll(struct cb_receiver *r);
/* The audio RTP time of source sample 0 from every mark found (the median). */
void cb_rx_audio_base(struct cb_receiver *r);

#endif
