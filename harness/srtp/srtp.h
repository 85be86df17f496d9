/*
 * srtp.h — SRTP sessions over libsrtp2.
 *
 * One cb_srtp is one direction of one endpoint, as on two hosts: the sender
 * holds an outbound session, the receiver an inbound one made from the same
 * master key and salt (exchanged out of band, as SDES or DTLS-SRTP would).
 * Protection is in place: the buffer must have room for the auth tag.
 * A tampered packet gives CB_E_AUTH and a replayed one CB_E_REPLAY; neither
 * is ever handed on.
 */
#ifndef CB_SRTP_SRTP_H
#define CB_SRTP_SRTP_H

#include <stddef.h>
#include <stdint.h>

enum cb_srtp_profile {
	CB_SRTP_AES128_CM_SHA1_80 = 0, /**< RFC 3711 default, 10-byte tag */
	CB_SRTP_AEAD_AES_128_GCM = 1,  /**< RFC 7714, 16-byte tag */
	CB_SRTP_PROFILE_COUNT
};

#define CB_SRTP_MAX_KEY_LEN  46 /* largest master key + salt */
#define CB_SRTP_MAX_OVERHEAD 16 /* largest RTP auth tag */

/** "AES_CM_128_HMAC_SHA1_80" / "AEAD_AES_128_GCM" (RFC names) <-> enum. */
int cb_srtp_profile_from_name(const char *name, enum cb_srtp_profile *p);
const char *cb_srtp_profile_name(enum cb_srtp_profile p);
/** Master key + salt length in bytes (30 for CM, 28 for GCM). */
size_t cb_srtp_key_len(enum cb_srtp_profile p);
/** Bytes SRTP adds to an RTP packet (10 or 16). */
size_t cb_srtp_overhead(enum cb_srtp_profile p);
/** libsrtp's version string. */
const char *cb_srtp_version(void);

/** Fill `buf` with `len` bytes from the kernel's CSPRNG (getrandom). */
int cb_random_bytes(uint8_t *buf, size_t len);

enum cb_srtp_dir { CB_SRTP_OUTBOUND, CB_SRTP_INBOUND };

struct cb_srtp;

/**
 * Open a session for any SSRC in one direction.  `key` holds
 * cb_srtp_key_len(profile) bytes of master key then salt.  libsrtp's own
 * one-time initialisation is done here, thread-safely.
 */
int cb_srtp_open(struct cb_srtp **out, enum cb_srtp_profile profile, const uint8_t *key,
		 size_t key_len, enum cb_srtp_dir dir);
/** Protect the RTP packet in pkt[0..len) in place; `room` is the buffer size. */
int cb_srtp_protect(struct cb_srtp *s, uint8_t *pkt, size_t len, size_t room, size_t *out_len);
/** Unprotect in place; *out_len is the plain RTP length. */
int cb_srtp_unprotect(struct cb_srtp *s, uint8_t *pkt, size_t len, size_t *out_len);
/** The same for RTCP (SRTCP), for later issues. */
int cb_srtcp_protect(struct cb_srtp *s, uint8_t *pkt, size_t len, size_t room, size_t *out_len);
int cb_srtcp_unprotect(struct cb_srtp *s, uint8_t *pkt, size_t len, size_t *out_len);
void cb_srtp_close(struct cb_srtp *s);

#endif
