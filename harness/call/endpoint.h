/*
 * endpoint.h — the two ends of a call, as the call module drives them.
 * Internal to harness/call.  Each end has its own session (session.h): its
 * settings, clock, keys and what the offer/answer told it of the other end;
 * the two share nothing but the network between them.
 */
#ifndef CB_CALL_ENDPOINT_H
#define CB_CALL_ENDPOINT_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/clock.h"
#include "base/log.h"
#include "call/call.h"
#include "call/session.h"
#include "codec/codec.h"
#include "media/amark.h"
#include "rtp/payload.h"
#include "net/path.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtp/rtp_stats.h"
#include "rtp/rtx.h"
#include "rx/audiojb.h"
#include "rx/nack.h"
#include "rx/srmap.h"
#include "rx/timeline.h"
#include "net/transport.h"

/* Decoded audio kept for the quality figure: 5 minutes at 48 kHz. */
#define CB_RX_AUDIO_KEEP ((size_t)48000 * 300)

/** Per-frame and per-packet records an end keeps for itself. */
struct cb_track_log {
	struct cb_frame_log frames;
	struct cb_packet_log packets;
};

/*
 * The receiver's own records hold only what it can know and results.c puts
 * on the sender's rows: the stamps from arrival on (the last ones of the
 * chain), the content it read back and when that content was captured
 * as it learned from the wire, 112 bytes a frame and 16 a packet.
 * They are kept on disk for the length of the call and read back once.
 */
#define CB_RX_ST(s)    ((s)-CB_ST_ARRIVED) /* index of stamp `s` in cb_rx_frame.st */
#define CB_RX_ST_COUNT (CB_ST_COUNT - CB_ST_ARRIVED)
_Static_assert(CB_ST_IDENTIFIED == CB_ST_COUNT - 1, "the receiver's stamps end the chain");

/** One frame the receiver handled: a complete video frame, a played audio slot. */
struct cb_rx_frame {
	cb_ns st[CB_RX_ST_COUNT]; /**< arrived .. identified (CB_RX_ST); CB_NS_NONE unset */
	double psnr, ssim;	  /**< video: from the quality worker; NaN none */
	cb_ns captured;		  /**< video: when content_id was captured, from the sender's
				     reports (rx/srmap.h); CB_NS_NONE unknown */
	uint32_t rtp_ts;
	uint32_t bytes;	    /**< video: the assembled frame's payload bytes */
	int32_t content_id; /**< video: number read; -1 none */
	uint8_t received, decoded, identified;
	uint8_t concealed, fec; /**< audio */
};

/** One packet as the receiver took it: matched to the sender's by `seq`. */
struct cb_rx_packet {
	cb_ns received;
	uint16_t seq;
	uint8_t fate; /**< enum cb_pkt_fate */
};

/** The receiver's rows of one media, on disk (base/spool.h), opened with the receiver. */
struct cb_rx_log {
	struct cb_spool *frames;  /**< struct cb_rx_frame, in the order handled */
	struct cb_spool *packets; /**< struct cb_rx_packet, in the order taken */
};

/* ---- sender ---- */

struct cb_sender_track {
	enum cb_media media;
	int enabled;
	struct cb_codec enc;
	const struct cb_pay_ops *pay;
	void *pay_priv;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts_base;
	struct cb_track_log log;
	const struct cb_clock *clock; /* this track's timeline */
	/* The track's own SRTP context (its RTP, its SRs and, for video, the
	 * RTX stream) and the lock that guards it with the track's counters
	 * and retransmission history: audio never waits for video's protect. */
	pthread_mutex_t lock;
	struct cb_srtp *srtp;
	struct cb_packet_out pending; /* encoded, not yet sent */
	size_t pending_rec;
	int has_pending;
	pthread_t thread;
	int started;
	atomic_int done;
};

struct cb_sender {
	const struct cb_session *ss;
	struct cb_path *path;	  /* the way out */
	struct cb_path *mpath[2]; /* per media (RTP and its SRs): `path` unless set apart */
	/* The way out is one transport end (the mem and xdp rings take one
	 * producer) behind one emulator: send_lock serializes only handing
	 * packets to it, after each track protected its own. */
	pthread_mutex_t send_lock;
	const atomic_int *stop; /* the user's stop */
	atomic_int abort;	/* an error in either track stops both */
	atomic_uint_fast64_t packets_sent;
	atomic_uint_fast64_t packets_expected; /* copies the network will deliver */
	int err;
	char errmsg[160];
	struct cb_sender_track video, audio;
	/* feedback from the receiver (RTCP), see feedback.c */
	struct cb_srtp *srtcp_in;      /* receiver -> sender */
	struct cb_rtx *rtx;	       /* video retransmission history */
	atomic_int force_key;	       /* a PLI asked for a key frame */
	const struct cb_clock *fclock; /* the feedback timeline */
	struct cb_transport *fb_tp;    /* where feedback arrives (real time) */
	pthread_t fb_thread;
	int fb_started;
	atomic_int fb_stop;
	cb_ns next_sr;
	uint32_t pkt_count[2], octet_count[2]; /* per track, for SRs */
	struct cb_recovery rec;		       /* sender half */
	uint64_t rtx_duplicated;	       /* retransmissions the emulator sent twice */
	struct cb_rtcp_sample *rtcp;
	size_t n_rtcp, rtcp_cap;
	struct video_src_state *vsrc; /* opaque media state (sender.c) */
	struct audio_src_state *asrc;
};

/* The tracks: sources, encoders, SSRCs (before the offer/answer). */
int cb_sender_open(struct cb_sender *s, const struct cb_session *ss, const atomic_int *stop,
		   const struct cb_clock *vclock, const struct cb_clock *aclock);
/* What the tracks put in this end's description: their SSRCs and the
 * audio delay of the source description. */
void cb_sender_describe(const struct cb_sender *s, struct cb_session *ss);
/* After the offer/answer (the session holds the agreed keys and payload
 * types): the SRTP session and the way out. */
int cb_sender_connect(struct cb_sender *s, struct cb_path *path);
/* Media `m` (its RTP, RTX and SRs) goes out on `path` instead (another
 * destination); call after cb_sender_connect. */
void cb_sender_route(struct cb_sender *s, enum cb_media m, struct cb_path *path);
/* Real time: start one thread per track. */
int cb_sender_start(struct cb_sender *s);
/* Stepping (the simulator): render the first frames, then capture, encode and
 * send frame n at its instant; the caller sets the track's clock first. */
int cb_sender_prepare(struct cb_sender *s);
int cb_sender_encode(struct cb_sender *s, enum cb_media m, uint32_t idx);
int cb_sender_send(struct cb_sender *s, enum cb_media m);
cb_ns cb_sender_video_due(const struct cb_sender *s, uint32_t n);
cb_ns cb_sender_audio_due(const struct cb_sender *s, uint32_t m);
uint32_t cb_sender_video_frames(const struct cb_sender *s);
uint32_t cb_sender_audio_frames(const struct cb_sender *s);
/* Samples by which the audio processing delays the microphone (0 without). */
int cb_sender_apm_delay(const struct cb_sender *s);
/* What the audio processing did, measured over the call so far; p->on = 0
 * when the microphone was the near talker alone. */
void cb_sender_apm_effect(const struct cb_sender *s, struct cb_audio_processing *p);
/** 1 when both tracks have finished capturing (or failed). */
int cb_sender_done(struct cb_sender *s);
void cb_sender_join(struct cb_sender *s);
void cb_sender_close(struct cb_sender *s);

/* ---- receiver ---- */

struct cb_rx_hit {
	struct cb_amark_hit hit;
	size_t rx_index; /**< receiver audio record whose decode released out_sample */
	cb_ns t_avail;	 /**< when out_sample became available decoded */
	cb_ns t_identified;
	cb_ns t_captured; /**< the mark's capture, from the sender's reports; CB_NS_NONE unknown */
};

struct cb_receiver {
	const struct cb_session *ss;
	struct cb_transport *tp;
	const struct cb_clock *clock;
	struct cb_srtp *srtp;
	atomic_int stop;
	pthread_t thread;
	int started;
	int err;
	char errmsg[160];
	struct cb_rx_log video, audio; /* frames: one per decoded/handled frame */
	struct cb_timeline playout;    /* audio as heard: one slot per audio record */
	struct cb_rx_hit *hits;
	size_t n_hits, hits_cap;
	/* Refused before a media could be named (cb_run_result.stray: cut by
	 * the transport, too short or not RTP version 2, an unknown payload
	 * type); per media, under a foreign SSRC, by SRTP's authentication or
	 * replay check, unparsable (the authenticated ones that the assembler
	 * or the audio path refuse are also in the packet log, with their
	 * fate), and authenticated RTX that does not unwrap. */
	uint64_t stray_truncated, stray_malformed, stray_unknown_pt;
	uint64_t rejected_foreign[2], rejected_auth[2], rejected_replay[2];
	uint64_t rejected_malformed[2], rtx_malformed;
	int have_rtx_ssrc; /* the RTX stream's SSRC, from its first authenticated packet */
	uint32_t rtx_ssrc;
	uint64_t decode_errors[2];
	struct cb_recv_stats recv; /* the receive thread's calls (real time) */
	atomic_uint_fast64_t packets_seen;
	/* frames and audio slots the jitter buffers still hold, after each poll */
	atomic_uint_fast64_t backlog;
	/* live figures for progress, written by the receiver thread only */
	atomic_uint_fast64_t video_identified, audio_identified;
	atomic_int_fast64_t last_video_ns, last_audio_ns;
	int16_t *audio_pcm; /* decoded audio as played, up to CB_RX_AUDIO_KEEP samples */
	size_t audio_pcm_n, audio_pcm_cap;
	uint64_t quality_skipped;  /* pictures the quality worker could not take */
	uint64_t quality_pictures; /* and those it measured */
	double quality_cpu_s;	   /* its thread's CPU time */
	struct rx_state *st;	   /* codecs, assembler, detector (receiver.c) */
	/* feedback to the sender (RTCP), see feedback.c */
	struct cb_srtp *srtcp_out;     /* receiver -> sender */
	struct cb_path *rpath;	       /* the way back */
	struct cb_nack *nack;	       /* video */
	const struct cb_pay_ops *vpay; /* the video payload format */
	struct cb_rtp_rx_stats rxs[2]; /* per media */
	int have_ssrc[2];
	uint32_t media_ssrc[2];
	uint32_t last_sr_mid[2];
	struct cb_srmap srmap[2]; /* the sender's capture clock, from its SRs */
	cb_ns last_sr_arrival[2];
	cb_ns next_rr, last_pli;
	int broken; /* video decoder lost its reference: only a key frame helps */
	cb_ns broken_since;
	cb_ns loss_since;	/* earliest gap the NACK requester gave up on */
	int had_keyframe;	/* a decoder starts from a key frame */
	struct cb_recovery rec; /* receiver half */
	/* RTCP on this transport that is not from the stream it receives (a
	 * two-way peer's one socket: the other end's reports about what this
	 * end sends), handed on untouched; NULL: it counts as rejected. */
	void (*rtcp_other)(void *user, struct cb_net_pkt *p);
	void *rtcp_other_user;
	/* playout: what the jitter buffers did (rx/jitterbuf.h, rx/audiojb.h) */
	uint64_t jb_dropped[4]; /* video frames dropped, by enum cb_jb_drop */
	double *recovery_ms, *keyframe_wait_ms;
	size_t n_recovery, n_keyframe_wait, recovery_cap, keyframe_wait_cap;
};

int cb_receiver_open(struct cb_receiver *r, const struct cb_session *ss, struct cb_transport *tp,
		     const struct cb_clock *clock);
/* Real time: a thread that receives from the transport. */
int cb_receiver_start(struct cb_receiver *r);
/* Stepping (the simulator): one packet arrives (p->t_recv set); then let
 * frames that are ready out of the jitter buffer. */
void cb_receiver_handle(struct cb_receiver *r, struct cb_net_pkt *p);
int cb_receiver_poll(struct cb_receiver *r);
/* When the jitter buffers next need cb_receiver_poll (a frame due, a slot
 * to play); CB_NS_NONE if nothing is waiting.  May lie in the past. */
cb_ns cb_receiver_next_wakeup(const struct cb_receiver *r);
/* When media `m`'s RTP time `rtp_ts` was captured, on the receiver's clock,
 * from the sender's reports (rx/srmap.h): 0, or CB_E_AGAIN before the
 * first SR.  Both ends' wallclocks are taken to agree (one host). */
int cb_receiver_capture_time(const struct cb_receiver *r, enum cb_media m, uint32_t rtp_ts,
			     cb_ns *t);
/* The sender's RTP time of content 0 of media `m` (frame 0, source sample
 * 0), learned from what was identified: 0, or CB_E_AGAIN before that. */
int cb_receiver_rtp_base(const struct cb_receiver *r, enum cb_media m, uint32_t *base);
/* The captured audio, re-rendered from the source description. */
int cb_receiver_source_audio(struct cb_receiver *r, uint64_t first, int16_t *out, size_t n);
/* The audio jitter buffer's counters (all zero without audio). */
void cb_receiver_audio_jb_stats(const struct cb_receiver *r, struct cb_ajb_stats *st);

/* The most packet slots the video assembler is given (each ~2 kB). */
#define CB_ASM_SLOTS_MAX 16384
/* Packets an average video frame of `c` takes (bitrate, frame rate, MTU). */
size_t cb_video_packets_per_frame(const struct cb_call_cfg *c);
/* Assembler slots for `c`: room for eight average frames (a key frame is
 * several), at least 1024; 0 when that is more than CB_ASM_SLOTS_MAX. */
size_t cb_video_asm_slots(const struct cb_call_cfg *c);
/* The NACK requester gave up on video packet `seq`: stop waiting for it. */
void cb_receiver_gave_up(struct cb_receiver *r, uint16_t seq);

/* ---- feedback (feedback.c): RTCP both ways, NACK/RTX, PLI ---- */

int cb_feedback_sender_open(struct cb_sender *s, struct cb_transport *fb_tp,
			    const struct cb_clock *fclock);
/* One RTCP packet arrived at the sender (p->t_recv set). */
void cb_feedback_sender_handle(struct cb_sender *s, struct cb_net_pkt *p);
/* Send what is due from the sender (SRs). */
int cb_feedback_sender_poll(struct cb_sender *s);
/* Real time: a thread receiving feedback on fb_tp and sending the SRs;
 * with fb_tp NULL it only sends them, and the feedback is handed to
 * cb_feedback_sender_handle by whoever reads the transport (one thread). */
int cb_feedback_sender_start(struct cb_sender *s);
void cb_feedback_sender_stop(struct cb_sender *s);
void cb_feedback_sender_close(struct cb_sender *s);
/* After sending a video packet (plain RTP): keep it for retransmission. */
void cb_feedback_sender_sent(struct cb_sender *s, const uint8_t *rtp, size_t len, cb_ns now);

int cb_feedback_receiver_open(struct cb_receiver *r, struct cb_path *rpath);
/* A media packet (after SRTP, parsed) was received: statistics and NACK. */
void cb_feedback_receiver_media(struct cb_receiver *r, enum cb_media m, const struct cb_rtp_hdr *h,
				cb_ns arrival, int is_rtx);
/* An SRTCP packet arrived at the receiver (SRs). */
void cb_feedback_receiver_rtcp(struct cb_receiver *r, struct cb_net_pkt *p);
/* 1 when an RTCP packet comes from the stream `r` receives: its sender's
 * SSRC (in the clear, before SRTCP) is one the description named. */
int cb_feedback_receiver_owns(const struct cb_receiver *r, const struct cb_net_pkt *p);
/* The video decoder lost its reference (1) or got a key frame back (0). */
void cb_feedback_receiver_broken(struct cb_receiver *r, int broken, cb_ns now);
/* Send what is due from the receiver (RR, NACK, PLI). */
int cb_feedback_receiver_poll(struct cb_receiver *r);
/* When cb_feedback_receiver_poll next has something to send; CB_NS_NONE
 * without a way back.  May lie in the past. */
cb_ns cb_feedback_receiver_next_wakeup(const struct cb_receiver *r);
void cb_feedback_receiver_close(struct cb_receiver *r);
void cb_receiver_stop_join(struct cb_receiver *r);
void cb_receiver_close(struct cb_receiver *r);

#endif
