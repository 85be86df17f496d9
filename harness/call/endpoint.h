/*
 * endpoint.h — the two ends of a call, as the call module drives them.
 * Internal to harness/call: the sender and receiver share nothing but the
 * transport and the session they agreed on before the call (this struct
 * stands in for an SDP offer/answer and an SDES key exchange).
 */
#ifndef CB_CALL_ENDPOINT_H
#define CB_CALL_ENDPOINT_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/clock.h"
#include "base/log.h"
#include "call/call.h"
#include "codec/codec.h"
#include "media/amark.h"
#include "rtp/payload.h"
#include "net/path.h"
#include "net/transport.h"

#define CB_PT_VIDEO 96
#define CB_PT_AUDIO 111

/* Decoded audio kept for the quality figure: 5 minutes at 48 kHz. */
#define CB_RX_AUDIO_KEEP ((size_t)48000 * 300)

/** What both ends agreed before the call (the "SDP"). */
struct cb_session {
	const struct cb_call_cfg *cfg;
	struct cb_clock clock;
	cb_ns t0; /**< capture start: frame 0 / sample 0 (NTP-like) */
	uint8_t key[CB_SRTP_MAX_KEY_LEN];
	size_t key_len;
	struct cb_amark_cfg marks;
	int audio_frame_samples;
	int opus_lookahead; /**< samples; filled by the sender at set-up */
	size_t max_payload; /**< RTP payload budget under the MTU after SRTP */
	const struct cb_logger *log;
};

/** Per-frame and per-packet records an end keeps for itself. */
struct cb_track_log {
	struct cb_frame_log frames;
	struct cb_packet_log packets;
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
	const struct cb_clock *clock;	/* this track's timeline */
	struct cb_packet_out pending;	/* encoded, not yet sent */
	size_t pending_rec;
	int has_pending;
	pthread_t thread;
	int started;
	atomic_int done;
};

struct cb_sender {
	const struct cb_session *ss;
	struct cb_path *path;
	struct cb_srtp *srtp;
	pthread_mutex_t send_lock; /* one SRTP session and one transport end, two tracks */
	const atomic_int *stop;	   /* the user's stop */
	atomic_int abort;	   /* an error in either track stops both */
	atomic_uint_fast64_t packets_sent;
	atomic_uint_fast64_t packets_expected;	/* copies the network will deliver */
	int err;
	char errmsg[160];
	struct cb_sender_track video, audio;
	struct video_src_state *vsrc; /* opaque media state (sender.c) */
	struct audio_src_state *asrc;
};

int cb_sender_open(struct cb_sender *s, const struct cb_session *ss, struct cb_path *path,
		   const atomic_int *stop, const struct cb_clock *vclock, const struct cb_clock *aclock);
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
/* The captured audio, re-rendered (it is a pure function of the sample index). */
int cb_sender_source_audio(struct cb_sender *s, uint64_t first, int16_t *out, size_t n);
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
	struct cb_track_log video, audio; /* frames: one per decoded/handled frame */
	uint64_t *audio_stream_pos;	  /* start sample of each audio record */
	size_t audio_stream_cap;
	struct cb_rx_hit *hits;
	size_t n_hits, hits_cap;
	uint64_t rejected_auth, rejected_replay, rejected_malformed, rtcp_ignored;
	uint64_t decode_errors[2];
	atomic_uint_fast64_t packets_seen;
	/* live figures for progress, written by the receiver thread only */
	atomic_uint_fast64_t video_identified, audio_identified;
	atomic_int_fast64_t last_video_ns, last_audio_ns;
	int16_t *audio_pcm; /* decoded audio as played, up to CB_RX_AUDIO_KEEP samples */
	size_t audio_pcm_n, audio_pcm_cap;
	uint64_t quality_skipped; /* pictures the quality worker could not take */
	struct rx_state *st; /* codecs, assembler, detector (receiver.c) */
};

int cb_receiver_open(struct cb_receiver *r, const struct cb_session *ss, struct cb_transport *tp,
		     const struct cb_clock *clock);
/* Real time: a thread that receives from the transport. */
int cb_receiver_start(struct cb_receiver *r);
/* Stepping (the simulator): one packet arrives (p->t_recv set); then let
 * frames that are ready out of the jitter buffer. */
void cb_receiver_handle(struct cb_receiver *r, struct cb_net_pkt *p);
int cb_receiver_poll(struct cb_receiver *r);
void cb_receiver_stop_join(struct cb_receiver *r);
void cb_receiver_close(struct cb_receiver *r);

#endif
