/*
 * sdp.c — the session description model: directions, kept lines, lookups,
 * fmtp parameters, base64 keys and the field-by-field comparison.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "base/error.h"
#include "sdp/sdp_int.h"

static const char *const dir_names[] = {
    [CB_SDP_DIR_UNSET] = "",	    [CB_SDP_SENDRECV] = "sendrecv", [CB_SDP_SENDONLY] = "sendonly",
    [CB_SDP_RECVONLY] = "recvonly", [CB_SDP_INACTIVE] = "inactive",
};

const char *cb_sdp_dir_name(enum cb_sdp_dir d)
{
	return (unsigned)d <= CB_SDP_INACTIVE ? dir_names[d] : "";
}

int cb_sdp_dir_from_name(const char *name)
{
	for (int d = CB_SDP_SENDRECV; d <= CB_SDP_INACTIVE; d++)
		if (!strcmp(name, dir_names[d]))
			return d;
	return -1;
}

int cb_sdp_dir_sends(enum cb_sdp_dir d)
{
	return d == CB_SDP_DIR_UNSET || d == CB_SDP_SENDRECV || d == CB_SDP_SENDONLY;
}

int cb_sdp_dir_recvs(enum cb_sdp_dir d)
{
	return d == CB_SDP_DIR_UNSET || d == CB_SDP_SENDRECV || d == CB_SDP_RECVONLY;
}

enum cb_sdp_dir cb_sdp_dir_make(int send, int recv)
{
	if (send)
		return recv ? CB_SDP_SENDRECV : CB_SDP_SENDONLY;
	return recv ? CB_SDP_RECVONLY : CB_SDP_INACTIVE;
}

int cb_sdp_lines_add(struct cb_sdp_lines *l, const char *s, size_t len)
{
	if (l->n >= CB_SDP_MAX_TEXT_LINES || len + 1 > sizeof(l->text) - l->used)
		return CB_E_RANGE;
	memcpy(l->text + l->used, s, len);
	l->text[l->used + len] = '\0';
	l->used = (uint16_t)(l->used + len + 1);
	l->n++;
	return 0;
}

const char *cb_sdp_lines_next(const struct cb_sdp_lines *l, const char *prev)
{
	const char *p = prev ? prev + strlen(prev) + 1 : l->text;

	return p < l->text + l->used ? p : NULL;
}

struct cb_sdp *cb_sdp_new(void)
{
	return calloc(1, sizeof(struct cb_sdp));
}

void cb_sdp_clear(struct cb_sdp *d)
{
	memset(d, 0, sizeof(*d));
}

void cb_sdp_reset(struct cb_sdp *d)
{
	memset(d, 0, offsetof(struct cb_sdp, media));
}

struct cb_sdp_media *cb_sdp_add_media(struct cb_sdp *d)
{
	struct cb_sdp_media *m;

	if (d->n_media >= CB_SDP_MAX_MEDIA)
		return NULL;
	m = &d->media[d->n_media++];
	memset(m, 0, sizeof(*m));
	return m;
}

int cb_sdp_is_ctl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

int cb_sdp_is_token_char(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]", c);
}

int cb_sdp_is_token(const char *s, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!cb_sdp_is_token_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int cb_sdp_is_word(const char *s, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == ' ' || cb_sdp_is_ctl((unsigned char)s[i]))
			return 0;
	return 1;
}

int cb_sdp_say(char *why, size_t why_len, int code, const char *fmt, ...)
{
	va_list ap;

	if (why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return code;
}

int cb_sdp_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		uint64_t digit = (uint64_t)(*s - '0');

		if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 ||
		    (v == UINT64_MAX / 10 && digit > UINT64_MAX % 10))
			return -1;
		v = v * 10 + digit;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int name_is(const char *text, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len >= n && !memcmp(text, name, n) && (len == n || text[n] == ':');
}

int cb_sdp_attr_is_modelled(const char *text, size_t len, enum cb_sdp_level level)
{
	static const char *const media_names[] = {
	    "rtpmap",	"fmtp",	    "rtcp-fb",	"mid",	    "msid",
	    "rtcp-mux", "rtcp",	    "crypto",	"ssrc",	    "ssrc-group",
	    "sendrecv", "sendonly", "recvonly", "inactive", "x-callbench-source",
	};
	const char *colon = memchr(text, ':', len);

	for (size_t i = 0; i < sizeof(media_names) / sizeof(media_names[0]); i++) {
		if (!name_is(text, len, media_names[i]))
			continue;
		/* payload type attributes of a section without payload types stay text */
		if (level == CB_SDP_LEVEL_OTHER && i < 3)
			return 0;
		if (!colon)
			return 1;
		if (!strcmp(media_names[i], "crypto")) {
			/* a suite callbench has no SRTP for stays text */
			const char *v = colon + 1, *end = text + len, *sp, *suite;
			enum cb_srtp_profile p;
			char name[CB_SDP_NAME_LEN];

			sp = memchr(v, ' ', (size_t)(end - v));
			if (!sp)
				return 1; /* malformed: the parser says so */
			suite = sp + 1;
			sp = memchr(suite, ' ', (size_t)(end - suite));
			if (!sp)
				sp = end;
			if ((size_t)(sp - suite) >= sizeof(name))
				return 0;
			memcpy(name, suite, (size_t)(sp - suite));
			name[sp - suite] = '\0';
			return cb_srtp_profile_from_name(name, &p) == 0;
		}
		if (!strcmp(media_names[i], "ssrc")) {
			/* only cname and msid are modelled; other SSRC attributes stay text */
			const char *v = colon + 1, *end = text + len, *sp;

			sp = memchr(v, ' ', (size_t)(end - v));
			if (!sp)
				return 1;
			sp++;
			return name_is(sp, (size_t)(end - sp), "cname") ||
			       name_is(sp, (size_t)(end - sp), "msid");
		}
		return 1;
	}
	/* "group" belongs to the session: the parser refuses it in a media section */
	return name_is(text, len, "group");
}

const char *cb_sdp_fb_flag_name(unsigned flag)
{
	switch (flag) {
	case CB_SDP_FB_NACK:
		return "nack";
	case CB_SDP_FB_PLI:
		return "nack pli";
	case CB_SDP_FB_FIR:
		return "ccm fir";
	}
	return "";
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail) && (n == t || s[n - t - 1] == '/');
}

int cb_sdp_proto_is_rtp(const char *proto)
{
	return ends_with(proto, "RTP/AVP") || ends_with(proto, "RTP/AVPF") ||
	       ends_with(proto, "RTP/SAVP") || ends_with(proto, "RTP/SAVPF");
}

int cb_sdp_proto_is_srtp(const char *proto)
{
	return ends_with(proto, "RTP/SAVP") || ends_with(proto, "RTP/SAVPF");
}

int cb_sdp_proto_has_fb(const char *proto)
{
	return ends_with(proto, "RTP/AVPF") || ends_with(proto, "RTP/SAVPF");
}

enum cb_sdp_dir cb_sdp_media_dir(const struct cb_sdp *d, const struct cb_sdp_media *m)
{
	if (m->dir != CB_SDP_DIR_UNSET)
		return m->dir;
	return d->dir != CB_SDP_DIR_UNSET ? d->dir : CB_SDP_SENDRECV;
}

const struct cb_sdp_addr *cb_sdp_media_conn(const struct cb_sdp *d, const struct cb_sdp_media *m)
{
	if (m->conn.addr[0])
		return &m->conn;
	return d->conn.addr[0] ? &d->conn : NULL;
}

const struct cb_sdp_format *cb_sdp_media_format_c(const struct cb_sdp_media *m, int pt)
{
	for (size_t i = 0; i < m->n_formats; i++)
		if (m->formats[i].pt == pt)
			return &m->formats[i];
	return NULL;
}

struct cb_sdp_format *cb_sdp_media_format(struct cb_sdp_media *m, int pt)
{
	return (struct cb_sdp_format *)cb_sdp_media_format_c(m, pt);
}

const struct cb_sdp_media *cb_sdp_find_mid(const struct cb_sdp *d, const char *mid)
{
	for (size_t i = 0; i < d->n_media; i++)
		if (d->media[i].mid[0] && !strcmp(d->media[i].mid, mid))
			return &d->media[i];
	return NULL;
}

const struct cb_sdp_group *cb_sdp_find_group(const struct cb_sdp *d, const char *semantics)
{
	for (size_t i = 0; i < d->n_groups; i++)
		if (!strcmp(d->groups[i].semantics, semantics))
			return &d->groups[i];
	return NULL;
}

int cb_sdp_fmtp_get(const char *fmtp, const char *name, char *val, size_t val_len)
{
	size_t n = strlen(name);
	const char *p = fmtp;

	while (*p) {
		const char *end = strchr(p, ';'), *eq;

		if (!end)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			p++;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq && (size_t)(eq - p) == n && !strncasecmp(p, name, n)) {
			size_t vl = (size_t)(end - eq - 1);

			while (vl && eq[vl] == ' ') /* "a=1 ; b=2" */
				vl--;
			if (val_len) {
				if (vl >= val_len)
					vl = val_len - 1;
				memcpy(val, eq + 1, vl);
				val[vl] = '\0';
			}
			return 1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

void cb_sdp_base64_encode(const uint8_t *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int cb_sdp_base64_decode(const char *s, size_t len, uint8_t *out, size_t *out_len)
{
	/* EVP_DecodeBlock skips white space and decodes '=' as zero bits, so the
	 * form is checked here and the padding taken off its count. */
	unsigned char tmp[3 * (CB_SDP_MAX_LINE / 4) + 3];
	size_t pad = 0;
	int n;

	if (len == 0 || len % 4 || len > CB_SDP_MAX_LINE)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=') {
			if (i < len - 2)
				return -1;
			pad++;
		} else if (pad || !(c == '+' || c == '/' || (c >= '0' && c <= '9') ||
				    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
			return -1;
		}
	}
	n = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad > *out_len)
		return -1;
	*out_len = (size_t)n - pad;
	memcpy(out, tmp, *out_len);
	return 0;
}

/* ---- comparison ---- */

struct differ {
	char *where;
	size_t len;
	int found;
};

static int differ_at(struct differ *df, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int differ_at(struct differ *df, const char *fmt, ...)
{
	va_list ap;

	if (df->found)
		return 1;
	df->found = 1;
	if (df->len) {
		va_start(ap, fmt);
		vsnprintf(df->where, df->len, fmt, ap);
		va_end(ap);
	}
	return 1;
}

#define SAME_STR(df, path, a, b, field)                                                            \
	do {                                                                                       \
		if (strcmp((a)->field, (b)->field))                                                \
			return differ_at(df, "%s" #field ": \"%s\" vs \"%s\"", path, (a)->field,   \
					 (b)->field);                                              \
	} while (0)

#define SAME_NUM(df, path, a, b, field)                                                            \
	do {                                                                                       \
		if ((a)->field != (b)->field)                                                      \
			return differ_at(df, "%s" #field ": %llu vs %llu", path,                   \
					 (unsigned long long)(a)->field,                           \
					 (unsigned long long)(b)->field);                          \
	} while (0)

static int diff_lines(struct differ *df, const char *path, const struct cb_sdp_lines *a,
		      const struct cb_sdp_lines *b)
{
	const char *x = NULL, *y = NULL;

	for (int i = 0;; i++) {
		x = cb_sdp_lines_next(a, x);
		y = cb_sdp_lines_next(b, y);
		if (!x || !y) {
			if (x || y)
				return differ_at(df, "%s: %u vs %u lines", path, a->n, b->n);
			return 0;
		}
		if (strcmp(x, y))
			return differ_at(df, "%s %d: \"%s\" vs \"%s\"", path, i, x, y);
	}
}

static int diff_addr(struct differ *df, const char *path, const struct cb_sdp_addr *a,
		     const struct cb_sdp_addr *b)
{
	SAME_STR(df, path, a, b, nettype);
	SAME_STR(df, path, a, b, addrtype);
	SAME_STR(df, path, a, b, addr);
	return 0;
}

static int diff_bw(struct differ *df, const char *path, size_t na, const struct cb_sdp_bw *a,
		   size_t nb, const struct cb_sdp_bw *b)
{
	if (na != nb)
		return differ_at(df, "%sb= lines: %zu vs %zu", path, na, nb);
	for (size_t i = 0; i < na; i++) {
		SAME_STR(df, path, &a[i], &b[i], type);
		SAME_NUM(df, path, &a[i], &b[i], value);
	}
	return 0;
}

static int diff_fb(struct differ *df, const char *path, const struct cb_sdp_fb *a,
		   const struct cb_sdp_fb *b)
{
	SAME_NUM(df, path, a, b, flags);
	SAME_NUM(df, path, a, b, n_other);
	for (size_t i = 0; i < a->n_other; i++)
		if (strcmp(a->other[i], b->other[i]))
			return differ_at(df, "%srtcp-fb \"%s\" vs \"%s\"", path, a->other[i],
					 b->other[i]);
	return 0;
}

static int diff_media(struct differ *df, size_t mi, const struct cb_sdp_media *a,
		      const struct cb_sdp_media *b)
{
	char path[96];

	snprintf(path, sizeof(path), "media %zu ", mi);
	SAME_STR(df, path, a, b, type);
	SAME_NUM(df, path, a, b, port);
	SAME_NUM(df, path, a, b, port_count);
	SAME_STR(df, path, a, b, proto);
	SAME_NUM(df, path, a, b, n_formats);
	for (size_t i = 0; i < a->n_formats; i++) {
		const struct cb_sdp_format *x = &a->formats[i], *y = &b->formats[i];

		snprintf(path, sizeof(path), "media %zu format %zu ", mi, i);
		SAME_NUM(df, path, x, y, pt);
		SAME_STR(df, path, x, y, name);
		SAME_NUM(df, path, x, y, clock_rate);
		SAME_NUM(df, path, x, y, channels);
		SAME_STR(df, path, x, y, fmtp);
		if (diff_fb(df, path, &x->fb, &y->fb))
			return 1;
	}
	snprintf(path, sizeof(path), "media %zu ", mi);
	SAME_STR(df, path, a, b, fmt_text);
	SAME_STR(df, path, a, b, info);
	if (diff_addr(df, path, &a->conn, &b->conn) ||
	    diff_bw(df, path, a->n_bw, a->bw, b->n_bw, b->bw))
		return 1;
	SAME_NUM(df, path, a, b, dir);
	SAME_STR(df, path, a, b, mid);
	SAME_NUM(df, path, a, b, n_msid);
	for (size_t i = 0; i < a->n_msid; i++) {
		SAME_STR(df, path, &a->msid[i], &b->msid[i], stream);
		SAME_STR(df, path, &a->msid[i], &b->msid[i], track);
	}
	SAME_NUM(df, path, a, b, rtcp_mux);
	SAME_NUM(df, path, a, b, rtcp_port);
	SAME_STR(df, path, a, b, rtcp_addr);
	SAME_NUM(df, path, a, b, n_crypto);
	for (size_t i = 0; i < a->n_crypto; i++) {
		const struct cb_sdp_crypto *x = &a->crypto[i], *y = &b->crypto[i];

		snprintf(path, sizeof(path), "media %zu crypto %zu ", mi, i);
		SAME_NUM(df, path, x, y, tag);
		SAME_NUM(df, path, x, y, suite);
		SAME_NUM(df, path, x, y, key_len);
		if (memcmp(x->key, y->key, x->key_len))
			return differ_at(df, "%skey differs", path);
		SAME_STR(df, path, x, y, lifetime);
		SAME_STR(df, path, x, y, mki);
		SAME_STR(df, path, x, y, params);
	}
	snprintf(path, sizeof(path), "media %zu ", mi);
	if (diff_fb(df, path, &a->fb_all, &b->fb_all))
		return 1;
	SAME_NUM(df, path, a, b, n_ssrcs);
	for (size_t i = 0; i < a->n_ssrcs; i++) {
		SAME_NUM(df, path, &a->ssrcs[i], &b->ssrcs[i], ssrc);
		SAME_STR(df, path, &a->ssrcs[i], &b->ssrcs[i], cname);
		SAME_STR(df, path, &a->ssrcs[i], &b->ssrcs[i], msid);
	}
	SAME_NUM(df, path, a, b, n_ssrc_groups);
	for (size_t i = 0; i < a->n_ssrc_groups; i++) {
		const struct cb_sdp_ssrc_group *x = &a->ssrc_groups[i], *y = &b->ssrc_groups[i];

		SAME_STR(df, path, x, y, semantics);
		SAME_NUM(df, path, x, y, n);
		for (size_t k = 0; k < x->n; k++)
			SAME_NUM(df, path, x, y, ssrcs[k]);
	}
	SAME_NUM(df, path, a, b, n_source);
	for (size_t i = 0; i < a->n_source; i++) {
		SAME_STR(df, path, &a->source[i], &b->source[i], key);
		SAME_STR(df, path, &a->source[i], &b->source[i], value);
	}
	snprintf(path, sizeof(path), "media %zu attributes", mi);
	return diff_lines(df, path, &a->attrs, &b->attrs);
}

int cb_sdp_diff(const struct cb_sdp *a, const struct cb_sdp *b, char *where, size_t where_len)
{
	struct differ df = {.where = where, .len = where_len};
	const char *s = "";

	if (where_len)
		where[0] = '\0';
	SAME_STR(&df, "origin ", &a->origin, &b->origin, user);
	SAME_NUM(&df, "origin ", &a->origin, &b->origin, sess_id);
	SAME_NUM(&df, "origin ", &a->origin, &b->origin, sess_version);
	if (diff_addr(&df, "origin ", &a->origin.addr, &b->origin.addr))
		return 1;
	SAME_STR(&df, s, a, b, name);
	SAME_STR(&df, s, a, b, info);
	if (diff_lines(&df, "session lines", &a->extra, &b->extra) ||
	    diff_addr(&df, "session ", &a->conn, &b->conn) ||
	    diff_bw(&df, "session ", a->n_bw, a->bw, b->n_bw, b->bw))
		return 1;
	SAME_NUM(&df, s, a, b, n_times);
	for (size_t i = 0; i < a->n_times; i++) {
		SAME_NUM(&df, "t= ", &a->times[i], &b->times[i], start);
		SAME_NUM(&df, "t= ", &a->times[i], &b->times[i], stop);
		SAME_STR(&df, "t= ", &a->times[i], &b->times[i], repeat);
	}
	SAME_STR(&df, s, a, b, zone);
	SAME_NUM(&df, s, a, b, n_groups);
	for (size_t i = 0; i < a->n_groups; i++) {
		const struct cb_sdp_group *x = &a->groups[i], *y = &b->groups[i];

		SAME_STR(&df, "group ", x, y, semantics);
		SAME_NUM(&df, "group ", x, y, n);
		for (size_t k = 0; k < x->n; k++)
			SAME_STR(&df, "group ", x, y, mids[k]);
	}
	SAME_NUM(&df, "session ", a, b, dir);
	if (diff_lines(&df, "session attributes", &a->attrs, &b->attrs))
		return 1;
	SAME_NUM(&df, s, a, b, n_media);
	for (size_t i = 0; i < a->n_media; i++)
		if (diff_media(&df, i, &a->media[i], &b->media[i]))
			return 1;
	return 0;
}
