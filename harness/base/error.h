/*
 * error.h — the one list of callbench error codes.
 *
 * Every library function returns 0 (or a non-negative count) on success and
 * a negative code on failure.  errno values pass through unchanged as
 * -errno; the protocol and media codes below sit beside them, far from any
 * errno value.  The list is written once, as an X-macro, and generates the
 * enum, cb_strerror() and cb_err_name().
 */
#ifndef CB_BASE_ERROR_H
#define CB_BASE_ERROR_H

#define CB_ERR_MAP(XX)                                                                             \
	XX(BADPKT, -10001, "malformed packet")                                                     \
	XX(AUTH, -10002, "authentication failed")                                                  \
	XX(REPLAY, -10003, "replayed packet")                                                      \
	XX(NOSPACE, -10004, "buffer too small")                                                    \
	XX(LATE, -10005, "arrived too late")                                                       \
	XX(CODEC, -10006, "codec error")                                                           \
	XX(CRYPTO, -10007, "crypto library error")                                                 \
	XX(NOTFOUND, -10008, "no such name")                                                       \
	XX(UNSUPPORTED, -10009, "not supported")                                                   \
	XX(NOMARK, -10010, "no readable mark in content")                                          \
	XX(FORMAT, -10011, "malformed input")                                                      \
	XX(TIMEOUT, -10012, "timed out")                                                           \
	XX(AGAIN, -10013, "nothing ready yet")                                                     \
	XX(STOPPED, -10014, "stopped by request")                                                  \
	XX(RANGE, -10015, "value out of range")                                                    \
	XX(EXTERNAL, -10016, "external program failed")                                            \
	XX(STATE, -10017, "invalid state (InvalidStateError)")

enum cb_err {
#define XX(name, code, msg) CB_E_##name = (code),
	CB_ERR_MAP(XX)
#undef XX
};

/** A message for any code: ours, or a negated errno value. Never NULL. */
const char *cb_strerror(int err);

/** The symbolic name ("CB_E_AUTH", "EINVAL"...). Never NULL. */
const char *cb_err_name(int err);

#endif
