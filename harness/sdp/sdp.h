/*
 * sdp.h — session descriptions (RFC 8866): the model, the writer and the
 * parser.  harness/sdp/README.md describes the lines written and read, the
 * x-callbench-source attribute and the limits.
 *
 * A description is a plain value: fixed-size fields and arrays, no
 * pointers, so it can be copied with `=` or memcpy and needs no free.  It
 * is large (a few hundred kB), so keep it on the heap (cb_sdp_new) rather
 * than on a thread's stack.  Strings are NUL-terminated and "" means "not
 * present"; counts say how much of each array is used.  Nothing here reads
 * past a count; the media slots past n_media may hold old bytes after
 * cb_sdp_reset() (the parser's), so take a new one with cb_sdp_add_media().
 *
 * What the parser reads, the writer writes back: for every description d
 * that cb_sdp_parse() accepts, cb_sdp_parse(cb_sdp_write(d)) gives a
 * description equal to d (cb_sdp_diff() finds no difference).  Attributes
 * the model does not know are kept as text, in order, and written back
 * after the known ones.  The writer ends lines with CRLF; the parser takes
 * CRLF or LF.  Errors from the parser say "line N: what is wrong".
 */
#ifndef CB_SDP_SDP_H
#define CB_SDP_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "srtp/srtp.h"

/* ---- limits: each breach is an error naming it ---- */
#define CB_SDP_MAX_SIZE	       131072 /**< bytes of a whole description */
#define CB_SDP_MAX_LINE	       1024   /**< bytes of one line, without its end */
#define CB_SDP_MAX_MEDIA       8      /**< m= sections */
#define CB_SDP_MAX_FORMATS     64     /**< payload types of one m= line */
#define CB_SDP_MAX_FMTP	       256    /**< bytes of one a=fmtp's parameters, with the NUL */
#define CB_SDP_MAX_FB_OTHER    4      /**< unknown rtcp-fb types per payload type */
#define CB_SDP_MAX_SSRCS       8      /**< SSRCs described (a=ssrc) per m= section */
#define CB_SDP_MAX_SSRC_GROUPS 4      /**< a=ssrc-group per m= section */
#define CB_SDP_MAX_GROUP_SSRCS 4      /**< SSRCs of one a=ssrc-group */
#define CB_SDP_MAX_GROUPS      4      /**< a=group of the session */
#define CB_SDP_MAX_CRYPTO      8      /**< a=crypto per m= section */
#define CB_SDP_MAX_MSID	       4      /**< a=msid per m= section */
#define CB_SDP_MAX_BW	       4      /**< b= lines per level */
#define CB_SDP_MAX_TIMES       4      /**< t= lines */
#define CB_SDP_MAX_SOURCE      16     /**< key=value pairs of a=x-callbench-source */
#define CB_SDP_MAX_TEXT	       8192   /**< bytes of kept lines per level (struct cb_sdp_lines) */
#define CB_SDP_MAX_TEXT_LINES  64     /**< kept lines per level */

/** Field sizes, with the NUL. */
#define CB_SDP_TOKEN_LEN 64  /**< mids, msid ids, cnames, addresses, user names */
#define CB_SDP_NAME_LEN	 32  /**< encoding names, protos, rtcp-fb types, source keys */
#define CB_SDP_TEXT_LEN	 256 /**< s=, i=, r=, z=, crypto session parameters */
#define CB_SDP_VALUE_LEN 128 /**< a value of a=x-callbench-source */

/** The direction attribute; UNSET when none is written (sendrecv applies). */
enum cb_sdp_dir {
	CB_SDP_DIR_UNSET = 0,
	CB_SDP_SENDRECV,
	CB_SDP_SENDONLY,
	CB_SDP_RECVONLY,
	CB_SDP_INACTIVE,
};

/** "sendrecv"... ("" for UNSET); and back (-1 when not a direction). */
const char *cb_sdp_dir_name(enum cb_sdp_dir d);
int cb_sdp_dir_from_name(const char *name);
/** 1 when `d` (UNSET meaning sendrecv) sends, resp. receives. */
int cb_sdp_dir_sends(enum cb_sdp_dir d);
int cb_sdp_dir_recvs(enum cb_sdp_dir d);
/** The direction that sends iff `send` and receives iff `recv`. */
enum cb_sdp_dir cb_sdp_dir_make(int send, int recv);

/**
 * Lines kept as text, in order: attributes the model does not know (the
 * text after "a=", e.g. "extmap:1 urn:ietf:params:rtp-hdrext:toffset"), or
 * the session's u=, e= and p= lines (the whole line, "u=http://...").
 */
struct cb_sdp_lines {
	uint16_t n;		    /**< entries */
	uint16_t used;		    /**< bytes of `text` used, NULs included */
	char text[CB_SDP_MAX_TEXT]; /**< the entries one after another, each NUL-terminated */
};

/** Append `s` (len bytes, no NUL needed); CB_E_RANGE when full. */
int cb_sdp_lines_add(struct cb_sdp_lines *l, const char *s, size_t len);
/** Iterate: the entry after `prev` (NULL: the first), NULL after the last. */
const char *cb_sdp_lines_next(const struct cb_sdp_lines *l, const char *prev);

/** c= (and the address part of o=): all three present or all "". */
struct cb_sdp_addr {
	char nettype[8];	     /**< "IN" */
	char addrtype[8];	     /**< "IP4", "IP6" */
	char addr[CB_SDP_TOKEN_LEN]; /**< as written, with any /ttl/count */
};

/** b=<type>:<value> */
struct cb_sdp_bw {
	char type[16]; /**< "AS", "TIAS", "CT"... */
	uint32_t value;
};

/** t=<start> <stop>, and the r= line that follows it (as written, "" none). */
struct cb_sdp_time {
	uint64_t start, stop;
	char repeat[CB_SDP_TEXT_LEN];
};

/** o= */
struct cb_sdp_origin {
	char user[CB_SDP_TOKEN_LEN]; /**< "-" when there is none */
	uint64_t sess_id, sess_version;
	struct cb_sdp_addr addr;
};

/** a=rtcp-fb types: the three the harness uses are flags, others kept. */
#define CB_SDP_FB_NACK 1u /**< "nack" (generic NACK, RFC 4585) */
#define CB_SDP_FB_PLI  2u /**< "nack pli" */
#define CB_SDP_FB_FIR  4u /**< "ccm fir" (RFC 5104) */

struct cb_sdp_fb {
	unsigned flags; /**< CB_SDP_FB_* */
	size_t n_other;
	char other[CB_SDP_MAX_FB_OTHER][CB_SDP_NAME_LEN]; /**< "goog-remb", "transport-cc"... */
};

/** One payload type of an RTP m= line, with its a=rtpmap, a=fmtp and a=rtcp-fb. */
struct cb_sdp_format {
	int pt;			    /**< 0..127 */
	char name[CB_SDP_NAME_LEN]; /**< encoding name as written ("VP8", "opus", "rtx"); "" without
				       rtpmap */
	uint32_t clock_rate;	    /**< 0 without rtpmap */
	uint32_t channels;	    /**< rtpmap's third field; 0 when not written */
	char fmtp[CB_SDP_MAX_FMTP]; /**< a=fmtp parameters as written; "" without */
	struct cb_sdp_fb fb;	    /**< a=rtcp-fb for this payload type */
};

/** a=ssrc:<id> cname:<cname> and a=ssrc:<id> msid:<stream> <track> (RFC 5576, 8830). */
struct cb_sdp_ssrc {
	uint32_t ssrc;
	char cname[CB_SDP_TOKEN_LEN];	 /**< "" when not given */
	char msid[2 * CB_SDP_TOKEN_LEN]; /**< "<stream> <track>" as written; "" when not given */
};

/** a=ssrc-group:<semantics> <ssrc>... ("FID" pairs a media SSRC with its RTX SSRC). */
struct cb_sdp_ssrc_group {
	char semantics[16];
	size_t n;
	uint32_t ssrcs[CB_SDP_MAX_GROUP_SSRCS];
};

/** a=group:<semantics> <mid>... (session level; "BUNDLE", RFC 8843). */
struct cb_sdp_group {
	char semantics[16];
	size_t n;
	char mids[CB_SDP_MAX_MEDIA][CB_SDP_TOKEN_LEN];
};

/** a=msid:<stream id> [<track id>] (RFC 8830). */
struct cb_sdp_msid {
	char stream[CB_SDP_TOKEN_LEN];
	char track[CB_SDP_TOKEN_LEN]; /**< "" when not given */
};

/**
 * a=crypto:<tag> <suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>]
 * [<session parameters>] (RFC 4568 SDES).  Only the suites callbench's SRTP
 * has are modelled (AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM); a line with
 * another suite is kept as an unknown attribute.  The key must be the
 * suite's master key + salt length (cb_srtp_key_len).  One key per line.
 */
struct cb_sdp_crypto {
	uint32_t tag; /**< 0..999999999 */
	enum cb_srtp_profile suite;
	uint8_t key[CB_SRTP_MAX_KEY_LEN];
	size_t key_len;
	char lifetime[24];	      /**< as written after '|' ("2^31"); "" without */
	char mki[24];		      /**< "<value>:<length>" as written; "" without */
	char params[CB_SDP_TEXT_LEN]; /**< session parameters as written ("KDR=1"); "" without */
};

/** One key=value of a=x-callbench-source. */
struct cb_sdp_kv {
	char key[CB_SDP_NAME_LEN];    /**< [A-Za-z0-9._-]+ */
	char value[CB_SDP_VALUE_LEN]; /**< any text but ';' (may be empty) */
};

/** One m= section. */
struct cb_sdp_media {
	char type[16];		     /**< "audio", "video", "application"... */
	uint16_t port;		     /**< 0: rejected or disabled */
	uint16_t port_count;	     /**< the "/<n>" after the port; 0 when not written */
	char proto[CB_SDP_NAME_LEN]; /**< "RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "RTP/AVP"... */
	/** RTP protos (cb_sdp_proto_is_rtp): the payload types in m= line order. */
	size_t n_formats;
	struct cb_sdp_format formats[CB_SDP_MAX_FORMATS];
	/** Other protos: the formats as written, joined by single spaces. */
	char fmt_text[CB_SDP_TEXT_LEN];
	char info[CB_SDP_TEXT_LEN]; /**< i= */
	struct cb_sdp_addr conn;    /**< c=; all "" when absent (the session's applies) */
	size_t n_bw;
	struct cb_sdp_bw bw[CB_SDP_MAX_BW];
	enum cb_sdp_dir dir;
	char mid[CB_SDP_TOKEN_LEN]; /**< a=mid */
	size_t n_msid;
	struct cb_sdp_msid msid[CB_SDP_MAX_MSID];
	int rtcp_mux;	    /**< a=rtcp-mux */
	uint16_t rtcp_port; /**< a=rtcp:<port>; 0 without */
	char rtcp_addr[96]; /**< its "IN IP4 addr" as written; "" without */
	size_t n_crypto;
	struct cb_sdp_crypto crypto[CB_SDP_MAX_CRYPTO];
	struct cb_sdp_fb fb_all; /**< a=rtcp-fb:* (applies to every payload type) */
	size_t n_ssrcs;
	struct cb_sdp_ssrc ssrcs[CB_SDP_MAX_SSRCS];
	size_t n_ssrc_groups;
	struct cb_sdp_ssrc_group ssrc_groups[CB_SDP_MAX_SSRC_GROUPS];
	/** a=x-callbench-source:<key=value;...>: what the sender of this media
	 * draws or plays, for a receiver to render the same reference (see
	 * README.md).  Kept in order, not interpreted here. */
	size_t n_source;
	struct cb_sdp_kv source[CB_SDP_MAX_SOURCE];
	struct cb_sdp_lines attrs; /**< attributes the model does not know */
};

/** A session description. */
struct cb_sdp {
	struct cb_sdp_origin origin; /**< o= */
	char name[CB_SDP_TEXT_LEN];  /**< s= (may be empty or " ") */
	char info[CB_SDP_TEXT_LEN];  /**< i= */
	struct cb_sdp_lines extra;   /**< u=, e=, p= lines as written, in order */
	struct cb_sdp_addr conn;     /**< c= of the session */
	size_t n_bw;
	struct cb_sdp_bw bw[CB_SDP_MAX_BW];
	size_t n_times;
	struct cb_sdp_time times[CB_SDP_MAX_TIMES]; /**< at least one */
	char zone[CB_SDP_TEXT_LEN];		    /**< z= as written; "" without */
	size_t n_groups;
	struct cb_sdp_group groups[CB_SDP_MAX_GROUPS];
	enum cb_sdp_dir dir;	   /**< session-level direction (media without one take it) */
	struct cb_sdp_lines attrs; /**< session attributes the model does not know */
	size_t n_media;
	struct cb_sdp_media media[CB_SDP_MAX_MEDIA];
};

/** A zeroed description on the heap (NULL on ENOMEM); free() it. */
struct cb_sdp *cb_sdp_new(void);
/** Zero all of `d`: no media, nothing written. */
void cb_sdp_clear(struct cb_sdp *d);
/**
 * Empty `d` as cb_sdp_clear does, zeroing only the session's fields and
 * n_media (not the media slots, most of its size).
 */
void cb_sdp_reset(struct cb_sdp *d);
/** The next media slot, zeroed, counted in n_media; NULL when all are used. */
struct cb_sdp_media *cb_sdp_add_media(struct cb_sdp *d);

/**
 * Parse `len` bytes of `text` (NUL bytes are an error).  On success `d`
 * holds the description; on failure `d` is reset (no media), the return is
 * CB_E_FORMAT (malformed) or CB_E_RANGE (a limit exceeded) and `why`
 * says "line N: what is wrong".
 */
int cb_sdp_parse(struct cb_sdp *d, const char *text, size_t len, char *why, size_t why_len);

/**
 * Write `d` as text with CRLF line ends into out[0..*out_len), NUL
 * terminated; *out_len becomes its length (without the NUL).  CB_E_NOSPACE
 * when it does not fit; CB_E_FORMAT when `d` holds what the parser would
 * not read back the same (a space inside a token, a control character, a
 * line past CB_SDP_MAX_LINE, a known attribute among the unknown ones...),
 * with `why` naming the field.
 */
int cb_sdp_write(const struct cb_sdp *d, char *out, size_t *out_len, char *why, size_t why_len);

/**
 * Compare two descriptions field by field: 0 when equal, 1 when not, with
 * the first difference in `where` ("media 1 format 96 fmtp: \"a\" vs \"b\"").
 */
int cb_sdp_diff(const struct cb_sdp *a, const struct cb_sdp *b, char *where, size_t where_len);

/* ---- helpers ---- */

/** 1 when `proto` carries RTP ("RTP/AVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF"...). */
int cb_sdp_proto_is_rtp(const char *proto);
/** 1 when `proto` is a secure RTP profile (".../SAVP", ".../SAVPF"). */
int cb_sdp_proto_is_srtp(const char *proto);
/** 1 when `proto` is a feedback profile (AVPF, SAVPF). */
int cb_sdp_proto_has_fb(const char *proto);

/** The direction that applies to media `m` of `d` (UNSET becomes SENDRECV). */
enum cb_sdp_dir cb_sdp_media_dir(const struct cb_sdp *d, const struct cb_sdp_media *m);
/** The c= that applies to `m` (its own or the session's); NULL when none. */
const struct cb_sdp_addr *cb_sdp_media_conn(const struct cb_sdp *d, const struct cb_sdp_media *m);
/** The format of payload type `pt`, or NULL. */
struct cb_sdp_format *cb_sdp_media_format(struct cb_sdp_media *m, int pt);
const struct cb_sdp_format *cb_sdp_media_format_c(const struct cb_sdp_media *m, int pt);
/** The media with a=mid `mid`, or NULL. */
const struct cb_sdp_media *cb_sdp_find_mid(const struct cb_sdp *d, const char *mid);
/** The session's a=group with these semantics ("BUNDLE"), or NULL. */
const struct cb_sdp_group *cb_sdp_find_group(const struct cb_sdp *d, const char *semantics);

/**
 * One parameter of an fmtp string ("a=1;b=2", spaces after ';' allowed,
 * names compared without case): 1 with its value in `val` when present,
 * 0 when absent.
 */
int cb_sdp_fmtp_get(const char *fmtp, const char *name, char *val, size_t val_len);

/** Base64 (RFC 4648, OpenSSL's EVP_EncodeBlock) of a key: out needs 4*ceil(n/3)+1. */
void cb_sdp_base64_encode(const uint8_t *in, size_t n, char *out);
/**
 * Decode strict base64 (padding only at the end, no spaces) of `len` chars
 * into out (room `*out_len`, set to the bytes decoded).  -1 when `s` is
 * not base64 or does not fit.
 */
int cb_sdp_base64_decode(const char *s, size_t len, uint8_t *out, size_t *out_len);

#endif
