/*
 * sdp_int.h — what the SDP parser, writer and model share inside
 * harness/sdp/ (not a public header).
 */
#ifndef CB_SDP_SDP_INT_H
#define CB_SDP_SDP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sdp/sdp.h"

/** RFC 8866 token-char: printable ASCII but space and "(),/:;<=>?@[\]. */
int cb_sdp_is_token_char(int c);
/** A non-empty run of `len` token chars. */
int cb_sdp_is_token(const char *s, size_t len);
/** A non-empty run of bytes that are neither spaces nor control characters. */
int cb_sdp_is_word(const char *s, size_t len);
/** A decimal number (digits only) no larger than `max`: 0, or -1. */
int cb_sdp_parse_u64(const char *s, uint64_t max, uint64_t *out);
/** A byte the writer may not put in a line (control characters, DEL). */
int cb_sdp_is_ctl(int c);

/** Where an attribute is: the session, an RTP m= section, another m= section. */
enum cb_sdp_level { CB_SDP_LEVEL_SESSION, CB_SDP_LEVEL_RTP, CB_SDP_LEVEL_OTHER };

/**
 * 1 when the attribute `text` ("name" or "name:value", len bytes) is one
 * the model holds at `level` (or, for "group" in a media section and the
 * media attributes at the session level, one the parser refuses there), 0
 * when it is kept as an unknown attribute.  The parser decides with it, and
 * the writer checks that an unknown attribute would come back as one.
 */
int cb_sdp_attr_is_modelled(const char *text, size_t len, enum cb_sdp_level level);

/** Write the message into why[0..why_len) (when why_len > 0) and return `code`. */
int cb_sdp_say(char *why, size_t why_len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** "nack", "nack pli", "ccm fir" for one CB_SDP_FB_* flag. */
const char *cb_sdp_fb_flag_name(unsigned flag);
#define CB_SDP_FB_ALL (CB_SDP_FB_NACK | CB_SDP_FB_PLI | CB_SDP_FB_FIR)

#endif
