/*
 * session.h — what one end of a call knows of it.
 *
 * Each end (the sender, the receiver) has its own struct cb_session: its
 * own settings, clock, start and NTP epoch, its own SRTP key and SSRCs, and
 * of the other end only what the offer/answer said (the other end's key,
 * payload types, SSRCs and, for what it receives, the description of the
 * source it will be measured against).  Nothing in one end's session points
 * into the other's, also when both ends run in one process.
 *
 * The source description travels in the SDP as a=x-callbench-source (see
 * harness/sdp/README.md for the line's syntax); its keys are:
 *
 *   video  kind=camera;width=W;height=H;fps=N;seed=S[;native=WxH]
 *   audio  kind=microphone;rate=48000;frame=SAMPLES;level=DBFS;seed=S;
 *          mark_period=MS;mark_level=DBFS;mark_seed=S;delay=SAMPLES
 *
 * `native` is the camera mode the track is cropped and scaled from; `delay`
 * is what the sender's encoder look-ahead and audio processing put between
 * a source sample and the RTP timestamp that carries it.
 */
#ifndef CB_CALL_SESSION_H
#define CB_CALL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/log.h"
#include "call/call.h"
#include "media/audio_source.h"
#include "media/camera.h"
#include "sdp/negotiate.h"
#include "srtp/srtp.h"

/** What the sender's synthetic sources draw and play (a=x-callbench-source). */
struct cb_source_desc {
	struct cb_camera_cfg camera;	/**< video */
	struct cb_audio_source_cfg mic; /**< audio: rate, frame, marks, level, seed */
	int audio_delay;		/**< samples between a source sample and its RTP time */
};

/** One media as agreed, from this end's side. */
struct cb_stream {
	int on;		/**< the sender sends it / the receiver receives it */
	char codec[16]; /**< registry name: "vp8", "opus" */
	int pt;
	int rtx_pt;		 /**< -1: no RTX */
	uint32_t ssrc, rtx_ssrc; /**< the sending end's; 0 when not described */
	unsigned fb;		 /**< CB_SDP_FB_* both ends agreed */
};

/** What one end knows of the call. */
struct cb_session {
	const struct cb_call_cfg *cfg; /**< this end's own settings */
	struct cb_clock clock;
	const struct cb_logger *log;
	/** This end's start on its own clock: the sender captures frame 0 and
	 * sample 0 then; the receiver schedules its reports from it. */
	cb_ns t0;
	cb_ns ntp_epoch; /**< this end's NTP time (ns since 1900) of its cb_ns 0 */
	enum cb_srtp_profile suite;
	size_t key_len;
	uint8_t key_local[CB_SRTP_MAX_KEY_LEN];	 /**< this end's own: what it sends */
	uint8_t key_remote[CB_SRTP_MAX_KEY_LEN]; /**< the other end's: what it receives */
	uint32_t own_ssrc;			 /**< the receiver's SSRC, for its RTCP */
	struct cb_stream media[2];		 /**< by enum cb_media */
	/** The sender's: its own sources; the receiver's: the other end's, from
	 * the description. */
	struct cb_source_desc src;
	size_t max_payload; /**< RTP payload budget under the MTU after SRTP */
};

/** This end's own part: settings, clock, log, start and NTP epoch. */
void cb_session_init(struct cb_session *ss, const struct cb_call_cfg *cfg,
		     const struct cb_logger *log);

/** The source description the settings `c` make (without the audio delay). */
void cb_source_desc_from_cfg(struct cb_source_desc *d, const struct cb_call_cfg *c);
/** As a=x-callbench-source entries of media `m`: 0, or CB_E_RANGE. */
int cb_source_desc_format(const struct cb_source_desc *d, enum cb_media m, struct cb_sdp_kv *kv,
			  size_t *n);
/**
 * From the other end's a=x-callbench-source entries of media `m`: 0, or
 * CB_E_FORMAT / CB_E_UNSUPPORTED with `why` naming the key and what is
 * wrong with it.  Only the fields of `m` are written.
 */
int cb_source_desc_parse(struct cb_source_desc *d, enum cb_media m, const struct cb_sdp_kv *kv,
			 size_t n, char *why, size_t why_len);

/**
 * What this end offers or answers: for each media of `c` that is on, the
 * codecs this end has (the configured one first), NACK/PLI/FIR and RTX as
 * `c` asks, the direction (`send`, `recv`), and, when it sends, the SSRCs
 * of `ss->media` and the source description `ss->src`; the SRTP suite of
 * `c`.
 */
int cb_session_caps(const struct cb_session *ss, int send, int recv, struct cb_sdp_caps *caps,
		    char *why, size_t why_len);

/**
 * Take what an offer and answer agreed (seen from this end) into `ss`,
 * the session of this end's sending half (`sending`) or receiving half:
 * per media the codec, payload types, the sending end's SSRCs and the
 * feedback, the keys and suite, and when receiving the source description
 * of what arrives.  A media this
 * end wanted that was rejected is CB_E_UNSUPPORTED naming it.
 */
int cb_session_apply(struct cb_session *ss, const struct cb_sdp_negotiated *n, int sending,
		     char *why, size_t why_len);

/**
 * A description that nobody answers (an SDP file, `--sdp-out`/`--sdp-in`):
 * take the first section of each media `ss->cfg` has on as the contract,
 * for this end's sending half (`sending`: it sends what the description
 * says, with the key of its first a=crypto) or receiving half (it receives
 * that, key and source description included).  Codec, payload type, RTX
 * (an rtx format whose apt= names it) and SSRC (a=ssrc) come from it.
 * 0, or CB_E_UNSUPPORTED / CB_E_FORMAT with `why` naming what is missing.
 */
int cb_session_declare(struct cb_session *ss, const struct cb_sdp *d, int sending, char *why,
		       size_t why_len);

#endif
