/*
 * negotiate.h — offer/answer (RFC 3264) over struct cb_sdp, for SDES-keyed
 * (RFC 4568) or plain RTP calls.
 *
 * Each end describes what it can do in a struct cb_sdp_caps: per media its
 * codecs in preference order (registry names, cb_codec_find) with the fmtp
 * it wants, the feedback and RTX it wants, its direction, port and SSRCs;
 * and the SRTP suites in preference order.  From them:
 *
 *   cb_sdp_create_offer    one m= section per caps media; every codec gets a
 *                          payload type, video from 96 and audio from 111 up
 *                          as Chromium numbers them (unique across the offer,
 *                          as BUNDLE needs), each video codec an rtx/90000
 *                          with apt= when RTX is wanted; one a=crypto per
 *                          suite, each with its own fresh key.
 *   cb_sdp_create_answer   per offered m= line, in the offer's order: the
 *                          codecs both have, in the ANSWERER's preference
 *                          order, numbered as the offer numbered them; the
 *                          RTX of a kept codec only; rtcp-fb intersected;
 *                          the direction answered as RFC 3264 section 6.1
 *                          says; one crypto suite (the answerer's first
 *                          choice among those offered) with the answerer's
 *                          own fresh key under the offered tag.  A section
 *                          with nothing in common is rejected with port 0
 *                          and the others go on.
 *   cb_sdp_negotiate       an offer and its answer -> what was agreed, per
 *                          media, seen from one end (struct cb_sdp_negotiated).
 *
 * Codecs match on the encoding name (without case) and clock rate of the
 * registry codec (opus needs /2 channels); H.264 also on profile-level-id's
 * profile (the profile_idc and constraint flags, as libwebrtc reads them;
 * the level may differ) and on packetization-mode (absent means 0), VP9 on
 * profile-id (absent means 0).  The answer carries the answerer's own fmtp
 * for each codec (fmtp parameters describe what their writer receives).
 *
 * An offered a=crypto with an MKI or session parameters is not taken (the
 * SRTP sessions have neither).  Keys come from the caps' random source,
 * cb_random_bytes() unless another is set.
 */
#ifndef CB_SDP_NEGOTIATE_H
#define CB_SDP_NEGOTIATE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "sdp/sdp.h"
#include "srtp/srtp.h"

#define CB_SDP_MAX_CODECS 8 /**< codecs per caps media */

/** A source of random bytes: 0 or a negative code. */
typedef int (*cb_sdp_random_fn)(void *user, uint8_t *buf, size_t len);

/** One codec an end can use, with the fmtp it writes for it. */
struct cb_sdp_codec_pref {
	char name[16];		    /**< registry name: "vp8", "vp9", "h264", "opus" */
	char fmtp[CB_SDP_MAX_FMTP]; /**< "" for none */
};

/** What one end can do for one media. */
struct cb_sdp_media_caps {
	enum cb_media kind;
	size_t n_codecs;
	struct cb_sdp_codec_pref codecs[CB_SDP_MAX_CODECS]; /**< in preference order */
	unsigned fb;					    /**< CB_SDP_FB_* wanted */
	int rtx;		    /**< video: an RTX stream (RFC 4588) for every codec */
	enum cb_sdp_dir dir;	    /**< what this end wants to do (UNSET: sendrecv) */
	uint16_t port;		    /**< where this end receives RTP */
	uint32_t ssrc;		    /**< this end's media SSRC (0: drawn by cb_sdp_caps_fill) */
	uint32_t rtx_ssrc;	    /**< its RTX SSRC (0: drawn when RTX is wanted) */
	char mid[CB_SDP_TOKEN_LEN]; /**< offer: the a=mid ("" : its index, "0", "1"...) */
	char track_id[CB_SDP_TOKEN_LEN]; /**< msid track id ("" : drawn) */
	/** a=x-callbench-source of what this end sends (written when it sends). */
	size_t n_source;
	struct cb_sdp_kv source[CB_SDP_MAX_SOURCE];
};

/** What one end can do. */
struct cb_sdp_caps {
	size_t n_media;
	struct cb_sdp_media_caps media[CB_SDP_MAX_MEDIA];
	/** SRTP suites in preference order; none: plain RTP (RTP/AVP or AVPF) */
	size_t n_suites;
	enum cb_srtp_profile suites[CB_SRTP_PROFILE_COUNT];
	int require_srtp;		  /**< answerer: reject an m= line that offers plain RTP */
	int bundle;			  /**< offer a=group:BUNDLE / accept the offered one */
	int rtcp_mux;			  /**< offer / accept a=rtcp-mux */
	char addr[CB_SDP_TOKEN_LEN];	  /**< c= and o= address ("127.0.0.1"; ':' means IP6) */
	char cname[CB_SDP_TOKEN_LEN];	  /**< RTCP CNAME ("" : drawn) */
	char stream_id[CB_SDP_TOKEN_LEN]; /**< msid stream id ("" : drawn) */
	uint64_t session_id;		  /**< o= session id (0: drawn) */
	uint64_t session_version;	  /**< o= version written */
	cb_sdp_random_fn random;	  /**< NULL: cb_random_bytes */
	void *random_user;
};

/**
 * Defaults: video (vp8, vp9 profile-id=0, h264 constrained baseline
 * 42e01f with packetization-mode=1 and level-asymmetry-allowed=1; NACK,
 * PLI, FIR, RTX; port 5004) and audio (opus/48000/2 with
 * minptime=10;useinbandfec=1;stereo=0; port 5006), both sendrecv;
 * AES_CM_128_HMAC_SHA1_80 then AEAD_AES_128_GCM, SRTP required; BUNDLE and
 * rtcp-mux; address 127.0.0.1.  SSRCs, CNAME and ids are left to draw.
 */
void cb_sdp_caps_default(struct cb_sdp_caps *c);

/**
 * Draw what `c` leaves open (SSRCs, RTX SSRCs, CNAME, stream and track
 * ids, session id) from its random source, so that offers and answers made
 * from it later agree with each other.  Create offer/answer draw them for
 * their own description when they are still open.
 */
int cb_sdp_caps_fill(struct cb_sdp_caps *c);

/** 0, or CB_E_NOTFOUND / CB_E_RANGE / CB_E_FORMAT with `why` naming what in `c` is wrong. */
int cb_sdp_create_offer(const struct cb_sdp_caps *c, struct cb_sdp *offer, char *why,
			size_t why_len);
int cb_sdp_create_answer(const struct cb_sdp_caps *c, const struct cb_sdp *offer,
			 struct cb_sdp *answer, char *why, size_t why_len);

/** The registry codec an RTP format names (name, clock rate, opus channels), or NULL. */
const struct cb_codec_ops *cb_sdp_format_codec(const struct cb_sdp_format *f);
/**
 * 1 when two fmtp strings of codec `ops` describe the same stream format
 * (H.264: profile and packetization-mode; VP9: profile-id; others: always).
 */
int cb_sdp_fmtp_compatible(const struct cb_codec_ops *ops, const char *a, const char *b);

/** What was agreed for one m= section, from one end's point of view. */
struct cb_sdp_negotiated_media {
	int accepted; /**< 0: rejected (port 0) or unusable; `why` says which */
	char why[128];
	char type[16]; /**< "video", "audio"... */
	char mid[CB_SDP_TOKEN_LEN];
	/* the codec: the first the answer lists that callbench has */
	char codec[16]; /**< registry name: "vp8", "vp9", "h264", "opus" */
	int pt;
	uint32_t clock_rate, channels;
	char fmtp_local[CB_SDP_MAX_FMTP];  /**< what this end wrote for it */
	char fmtp_remote[CB_SDP_MAX_FMTP]; /**< what the other end wrote (honour when sending) */
	int rtx_pt;			   /**< -1: no RTX */
	unsigned fb;			   /**< CB_SDP_FB_* both ends wrote for the codec */
	enum cb_sdp_dir local_dir, remote_dir;
	int rtcp_mux;
	/* SRTP: srtp == 0 for plain RTP */
	int srtp;
	enum cb_srtp_profile suite;
	size_t key_len;
	uint8_t local_key[CB_SRTP_MAX_KEY_LEN];	 /**< protects what this end sends */
	uint8_t remote_key[CB_SRTP_MAX_KEY_LEN]; /**< protects what it receives */
	/* SSRCs (0: not described): from a=ssrc-group:FID (media, RTX) or the first a=ssrc */
	uint32_t local_ssrc, local_rtx_ssrc, remote_ssrc, remote_rtx_ssrc;
	char remote_cname[CB_SDP_TOKEN_LEN];
	/* where the other end receives (the BUNDLE transport's when bundled) */
	char remote_addr[CB_SDP_TOKEN_LEN];
	uint16_t remote_port, remote_rtcp_port;
	/** the other end's a=x-callbench-source: what this end receives */
	size_t n_source;
	struct cb_sdp_kv source[CB_SDP_MAX_SOURCE];
};

struct cb_sdp_negotiated {
	int provisional; /**< from a pranswer (set by the caller, see pc.h) */
	int bundle;	 /**< the answer has a=group:BUNDLE */
	size_t n_media;
	struct cb_sdp_negotiated_media media[CB_SDP_MAX_MEDIA];
};

/**
 * What `offer` and its `answer` agree, seen from the offerer
 * (local_is_offerer = 1) or the answerer.  An answer that is not one to
 * this offer (other m= lines, a payload type or suite not offered, a
 * direction that does not answer the offered one, missing keys) is
 * CB_E_FORMAT with `why` saying what; `out` is then cleared.
 */
int cb_sdp_negotiate(const struct cb_sdp *offer, const struct cb_sdp *answer, int local_is_offerer,
		     struct cb_sdp_negotiated *out, char *why, size_t why_len);

#endif
