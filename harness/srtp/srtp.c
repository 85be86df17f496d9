/*
 * srtp.c — SRTP and SRTCP sessions over libsrtp2.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <srtp2/srtp.h>

#include "base/error.h"
#include "srtp/srtp.h"

/* SRTCP adds a 4-byte E flag and SRTCP index word before the tag (RFC 3711 §3.4). */
#define SRTCP_INDEX_LEN 4
#define RTP_HDR_MIN	12
#define RTCP_HDR_MIN	8

struct profile_desc {
	const char *name;
	size_t key_len;
	size_t tag_len;
	void (*set_policy)(srtp_crypto_policy_t *p);
};

static const struct profile_desc profiles[CB_SRTP_PROFILE_COUNT] = {
    [CB_SRTP_AES128_CM_SHA1_80] = {"AES_CM_128_HMAC_SHA1_80", 30, 10,
				   srtp_crypto_policy_set_rtp_default},
    [CB_SRTP_AEAD_AES_128_GCM] = {"AEAD_AES_128_GCM", 28, 16,
				  srtp_crypto_policy_set_aes_gcm_128_16_auth},
};

struct cb_srtp {
	srtp_t ctx;
	enum cb_srtp_profile profile;
	enum cb_srtp_dir dir;
};

/*
 * srtp_init() registers libsrtp's ciphers in process-wide tables and must run
 * exactly once; pthread_once makes that safe when two endpoints open their
 * sessions on different threads.  The status is written only inside the once
 * routine and read after pthread_once returns, so it needs no lock.
 * srtp_shutdown() is never called, because another session in the same
 * process may still be using the library.
 */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_init_fail;
static int init_errno;

/*
 * libsrtp reports a crypto library that could not start as a bare "init
 * failed"; out of file descriptors is the usual reason (the crypto library
 * opens its configuration and random source), and says what to change.
 */
static int fd_shortage(int e)
{
	return e == EMFILE || e == ENFILE ? -e : 0;
}

static void init_library(void)
{
	errno = 0;
	init_status = srtp_init();
	init_errno = errno;
}

static int map_status(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
		return CB_E_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return CB_E_REPLAY;
	case srtp_err_status_alloc_fail:
		return -ENOMEM;
	default:
		return CB_E_CRYPTO;
	}
}

static int valid_profile(enum cb_srtp_profile p)
{
	return (unsigned)p < CB_SRTP_PROFILE_COUNT;
}

int cb_srtp_profile_from_name(const char *name, enum cb_srtp_profile *p)
{
	if (!name || !p)
		return -EINVAL;
	for (int i = 0; i < CB_SRTP_PROFILE_COUNT; i++) {
		if (strcmp(profiles[i].name, name) == 0) {
			*p = (enum cb_srtp_profile)i;
			return 0;
		}
	}
	return CB_E_NOTFOUND;
}

const char *cb_srtp_profile_name(enum cb_srtp_profile p)
{
	return valid_profile(p) ? profiles[p].name : NULL;
}

size_t cb_srtp_key_len(enum cb_srtp_profile p)
{
	return valid_profile(p) ? profiles[p].key_len : 0;
}

size_t cb_srtp_overhead(enum cb_srtp_profile p)
{
	return valid_profile(p) ? profiles[p].tag_len : 0;
}

const char *cb_srtp_version(void)
{
	return srtp_get_version_string();
}

int cb_random_bytes(uint8_t *buf, size_t len)
{
	if (!buf && len)
		return -EINVAL;
	/*
	 * getrandom() may return fewer bytes than asked for requests above
	 * 256 bytes or when a signal arrives, so loop until the buffer is full.
	 */
	while (len) {
		ssize_t n = getrandom(buf, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int cb_srtp_open(struct cb_srtp **out, enum cb_srtp_profile profile, const uint8_t *key,
		 size_t key_len, enum cb_srtp_dir dir)
{
	const struct profile_desc *pd;
	unsigned char key_copy[CB_SRTP_MAX_KEY_LEN];
	srtp_policy_t policy;
	struct cb_srtp *s;
	int err;

	if (!out || !key || !valid_profile(profile))
		return -EINVAL;
	if (dir != CB_SRTP_OUTBOUND && dir != CB_SRTP_INBOUND)
		return -EINVAL;
	pd = &profiles[profile];
	if (key_len != pd->key_len)
		return -EINVAL;

	pthread_once(&init_once, init_library);
	if (init_status != srtp_err_status_ok)
		return fd_shortage(init_errno) ? fd_shortage(init_errno) : CB_E_CRYPTO;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->profile = profile;
	s->dir = dir;

	/*
	 * libsrtp's policy takes a non-const key pointer; a local copy keeps
	 * the caller's const promise, and is wiped once libsrtp has derived
	 * its session keys from it.
	 */
	memcpy(key_copy, key, key_len);
	memset(&policy, 0, sizeof(policy));
	pd->set_policy(&policy.rtp);
	pd->set_policy(&policy.rtcp);
	policy.ssrc.type = dir == CB_SRTP_OUTBOUND ? ssrc_any_outbound : ssrc_any_inbound;
	policy.key = key_copy;
	policy.window_size = 1024;
	policy.allow_repeat_tx = 0;
	policy.next = NULL;

	errno = 0;
	err = map_status(srtp_create(&s->ctx, &policy));
	if (err == CB_E_CRYPTO && fd_shortage(errno))
		err = fd_shortage(errno);
	explicit_bzero(key_copy, sizeof(key_copy));
	if (err)
		goto out_free_session;
	*out = s;
	return 0;

out_free_session:
	free(s);
	return err;
}

/*
 * Checks shared by the RTP and RTCP protect paths: the session must be an
 * outbound one, the packet must hold at least a fixed header, and both the
 * room and the protected length must fit libsrtp's int lengths.
 */
static int check_protect(const struct cb_srtp *s, const uint8_t *pkt, size_t len, size_t room,
			 const size_t *out_len, size_t hdr_min, size_t overhead)
{
	if (!s || !pkt || !out_len)
		return -EINVAL;
	if (s->dir != CB_SRTP_OUTBOUND)
		return -EINVAL;
	if (len < hdr_min || len > (size_t)INT_MAX - overhead)
		return -EINVAL;
	if (room < len + overhead)
		return CB_E_NOSPACE;
	return 0;
}

static int check_unprotect(const struct cb_srtp *s, const uint8_t *pkt, size_t len,
			   const size_t *out_len, size_t min_len)
{
	if (!s || !pkt || !out_len)
		return -EINVAL;
	if (s->dir != CB_SRTP_INBOUND)
		return -EINVAL;
	if (len > INT_MAX)
		return -EINVAL;
	/*
	 * A packet too short to hold a header and a tag came off the wire
	 * malformed; saying so is more useful than libsrtp's generic error.
	 */
	if (len < min_len)
		return CB_E_BADPKT;
	return 0;
}

int cb_srtp_protect(struct cb_srtp *s, uint8_t *pkt, size_t len, size_t room, size_t *out_len)
{
	int n, err;

	err = check_protect(s, pkt, len, room, out_len, RTP_HDR_MIN,
			    s ? profiles[s->profile].tag_len : 0);
	if (err)
		return err;
	n = (int)len;
	err = map_status(srtp_protect(s->ctx, pkt, &n));
	if (err)
		return err;
	*out_len = (size_t)n;
	return 0;
}

int cb_srtp_unprotect(struct cb_srtp *s, uint8_t *pkt, size_t len, size_t *out_len)
{
	int n, err;

	err = check_unprotect(s, pkt, len, out_len,
			      RTP_HDR_MIN + (s ? profiles[s->profile].tag_len : 0));
	if (err)
		return err;
	n = (int)len;
	err = map_status(srtp_unprotect(s->ctx, pkt, &n));
	if (err)
		return err;
	*out_len = (size_t)n;
	return 0;
}

int cb_srtcp_protect(struct cb_srtp *s, uint8_t *pkt, size_t len, size_t room, size_t *out_len)
{
	int n, err;

	err = check_protect(s, pkt, len, room, out_len, RTCP_HDR_MIN,
			    s ? profiles[s->profile].tag_len + SRTCP_INDEX_LEN : 0);
	if (err)
		return err;
	n = (int)len;
	err = map_status(srtp_protect_rtcp(s->ctx, pkt, &n));
	if (err)
		return err;
	*out_len = (size_t)n;
	return 0;
}

int cb_srtcp_unprotect(struct cb_srtp *s, uint8_t *pkt, size_t len, size_t *out_len)
{
	int n, err;

	err = check_unprotect(s, pkt, len, out_len,
			      RTCP_HDR_MIN + SRTCP_INDEX_LEN +
				  (s ? profiles[s->profile].tag_len : 0));
	if (err)
		return err;
	n = (int)len;
	err = map_status(srtp_unprotect_rtcp(s->ctx, pkt, &n));
	if (err)
		return err;
	*out_len = (size_t)n;
	return 0;
}

void cb_srtp_close(struct cb_srtp *s)
{
	if (!s)
		return;
	if (s->ctx)
		srtp_dealloc(s->ctx);
	free(s);
}
