/*
 * parse.c — the SDP parser (RFC 8866): text into struct cb_sdp, one line at
 * a time, every error "line N: what is wrong".
 *
 * The first three lines must be v=0, o= and s=, in that order; after them
 * the session's lines may come in any order up to the first m=, and each
 * m= starts a media section whose lines follow it.  t= must come before
 * the first m=.  Attributes the model holds are checked as they are read
 * (a payload type an attribute names must be on the m= line, a mid is not
 * used twice, a key has its suite's length...); the rest are kept as text.
 * What can only be checked at the end (a c= for every media section, the
 * mids a group names) is checked there, with the line it concerns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "sdp/sdp_int.h"

#define MAX_TOKENS 80

struct parser {
	struct cb_sdp *d;
	struct cb_sdp_media *m; /* the section being read; NULL before the first m= */
	int line;
	char prev_type; /* the type letter of the line before */
	int media_line[CB_SDP_MAX_MEDIA];
	int group_line[CB_SDP_MAX_GROUPS];
	char *why;
	size_t why_len;
};

static int fail(struct parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->why_len) {
		n = snprintf(p->why, p->why_len, "line %d: ", p->line);
		if (n >= 0 && (size_t)n < p->why_len) {
			va_start(ap, fmt);
			vsnprintf(p->why + n, p->why_len - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return code;
}

/* Split `s` at runs of spaces, in place; the number of tokens (only the
 * first `max` stored). */
static size_t split(char *s, char **tok, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return n;
		if (n < max)
			tok[n] = s;
		n++;
		while (*s && *s != ' ')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int copy(struct parser *p, char *dst, size_t room, const char *src, const char *what)
{
	size_t n = strlen(src);

	if (n >= room)
		return fail(p, CB_E_RANGE, "%s is longer than %zu bytes", what, room - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

/* Join tokens with single spaces into dst. */
static int join(struct parser *p, char *dst, size_t room, char **tok, size_t n, const char *what)
{
	size_t used = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(tok[i]);

		if (used + l + (i > 0) >= room)
			return fail(p, CB_E_RANGE, "%s is longer than %zu bytes", what, room - 1);
		if (i)
			dst[used++] = ' ';
		memcpy(dst + used, tok[i], l + 1);
		used += l;
	}
	return 0;
}

static int parse_addr(struct parser *p, struct cb_sdp_addr *a, char **tok, const char *what)
{
	int rc;

	if ((rc = copy(p, a->nettype, sizeof(a->nettype), tok[0], "network type")) ||
	    (rc = copy(p, a->addrtype, sizeof(a->addrtype), tok[1], "address type")) ||
	    (rc = copy(p, a->addr, sizeof(a->addr), tok[2], what)))
		return rc;
	return 0;
}

/* A payload type number 0..127. */
static int parse_pt(struct parser *p, const char *s, int *pt)
{
	uint64_t v;

	if (cb_sdp_parse_u64(s, 127, &v))
		return fail(p, CB_E_FORMAT, "payload type \"%.16s\" is not a number from 0 to 127",
			    s);
	*pt = (int)v;
	return 0;
}

/* The format of payload type `s` on the current m= line, for attribute `attr`. */
static int listed_format(struct parser *p, const char *s, const char *attr,
			 struct cb_sdp_format **f)
{
	int pt = 0, rc;

	if ((rc = parse_pt(p, s, &pt)))
		return rc;
	*f = cb_sdp_media_format(p->m, pt);
	if (!*f)
		return fail(p, CB_E_FORMAT,
			    "a=%s for payload type %d, which the m= line does not list", attr, pt);
	return 0;
}

/* ---- the session's lines ---- */

static int line_origin(struct parser *p, char *v)
{
	struct cb_sdp_origin *o = &p->d->origin;
	char *tok[7];
	int rc;

	if (split(v, tok, 7) != 6)
		return fail(p, CB_E_FORMAT,
			    "o= needs 6 fields (user, session id, version, network type, address "
			    "type, address)");
	if ((rc = copy(p, o->user, sizeof(o->user), tok[0], "o= user name")))
		return rc;
	if (cb_sdp_parse_u64(tok[1], UINT64_MAX, &o->sess_id))
		return fail(p, CB_E_FORMAT, "o= session id \"%.24s\" is not a number below 2^64",
			    tok[1]);
	if (cb_sdp_parse_u64(tok[2], UINT64_MAX, &o->sess_version))
		return fail(p, CB_E_FORMAT,
			    "o= session version \"%.24s\" is not a number below 2^64", tok[2]);
	return parse_addr(p, &o->addr, tok + 3, "o= address");
}

static int line_conn(struct parser *p, char *v)
{
	struct cb_sdp_addr *a = p->m ? &p->m->conn : &p->d->conn;
	char *tok[4];

	if (a->addr[0])
		return fail(p, CB_E_FORMAT, "a second c= line for %s",
			    p->m ? "this m= section" : "the session");
	if (split(v, tok, 4) != 3)
		return fail(p, CB_E_FORMAT,
			    "c= needs 3 fields (network type, address type, address)");
	return parse_addr(p, a, tok, "c= address");
}

static int line_bw(struct parser *p, char *v)
{
	size_t *n = p->m ? &p->m->n_bw : &p->d->n_bw;
	struct cb_sdp_bw *bw = p->m ? p->m->bw : p->d->bw;
	char *colon = strchr(v, ':');
	uint64_t val;
	int rc;

	if (!colon || !cb_sdp_is_token(v, (size_t)(colon - v)))
		return fail(p, CB_E_FORMAT, "b= needs <type>:<bandwidth>");
	if (*n >= CB_SDP_MAX_BW)
		return fail(p, CB_E_RANGE, "more than %d b= lines", CB_SDP_MAX_BW);
	*colon = '\0';
	if (cb_sdp_parse_u64(colon + 1, UINT32_MAX, &val))
		return fail(p, CB_E_FORMAT, "b= bandwidth \"%.24s\" is not a number below 2^32",
			    colon + 1);
	if ((rc = copy(p, bw[*n].type, sizeof(bw[*n].type), v, "b= type")))
		return rc;
	bw[(*n)++].value = (uint32_t)val;
	return 0;
}

static int line_time(struct parser *p, char *v)
{
	struct cb_sdp *d = p->d;
	char *tok[3];

	if (d->n_times >= CB_SDP_MAX_TIMES)
		return fail(p, CB_E_RANGE, "more than %d t= lines", CB_SDP_MAX_TIMES);
	if (split(v, tok, 3) != 2)
		return fail(p, CB_E_FORMAT, "t= needs 2 fields (start and stop time)");
	if (cb_sdp_parse_u64(tok[0], UINT64_MAX, &d->times[d->n_times].start) ||
	    cb_sdp_parse_u64(tok[1], UINT64_MAX, &d->times[d->n_times].stop))
		return fail(p, CB_E_FORMAT, "t= times must be numbers below 2^64");
	d->n_times++;
	return 0;
}

/* ---- attributes ---- */

static int no_value(struct parser *p, const char *name, const char *val)
{
	if (val)
		return fail(p, CB_E_FORMAT, "a=%s takes no value", name);
	return 0;
}

/* A value with something but spaces in it (so that split() finds a token). */
static int need_value(struct parser *p, const char *name, const char *val)
{
	if (!val || !val[strspn(val, " ")])
		return fail(p, CB_E_FORMAT, "a=%s needs a value", name);
	return 0;
}

static int attr_dir(struct parser *p, enum cb_sdp_dir *dir, const char *name, const char *val)
{
	int rc;

	if ((rc = no_value(p, name, val)))
		return rc;
	if (*dir != CB_SDP_DIR_UNSET)
		return fail(p, CB_E_FORMAT, "a second direction attribute (%s after %s)", name,
			    cb_sdp_dir_name(*dir));
	*dir = (enum cb_sdp_dir)cb_sdp_dir_from_name(name);
	return 0;
}

/*
 * "<semantics> <item>..." of a=group and a=ssrc-group: the semantics (a
 * token) copied, the items (at most `max`) in tok[]; their number, or a
 * negative code.
 */
static int split_group(struct parser *p, const char *name, char *val, char **tok, size_t max,
		       char *semantics, size_t room)
{
	size_t n;
	int rc;

	if ((rc = need_value(p, name, val)))
		return rc;
	n = split(val, tok, max + 2);
	if (n > max + 1)
		return fail(p, CB_E_RANGE, "a=%s lists more than %zu items", name, max);
	if (!cb_sdp_is_token(tok[0], strlen(tok[0])))
		return fail(p, CB_E_FORMAT, "a=%s semantics \"%.32s\" is not a token", name,
			    tok[0]);
	if ((rc = copy(p, semantics, room, tok[0], "semantics")))
		return rc;
	return (int)n - 1;
}

static int attr_group(struct parser *p, char *val)
{
	struct cb_sdp *d = p->d;
	struct cb_sdp_group *g = &d->groups[d->n_groups];
	char *tok[CB_SDP_MAX_MEDIA + 2];
	int n, rc;

	if (d->n_groups >= CB_SDP_MAX_GROUPS)
		return fail(p, CB_E_RANGE, "more than %d a=group lines", CB_SDP_MAX_GROUPS);
	memset(g, 0, sizeof(*g));
	n = split_group(p, "group", val, tok, CB_SDP_MAX_MEDIA, g->semantics, sizeof(g->semantics));
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if ((rc = copy(p, g->mids[i], sizeof(g->mids[0]), tok[i + 1], "a=group mid")))
			return rc;
	g->n = (size_t)n;
	p->group_line[d->n_groups++] = p->line;
	return 0;
}

static int attr_mid(struct parser *p, const char *val)
{
	int rc;

	if ((rc = need_value(p, "mid", val)))
		return rc;
	if (p->m->mid[0])
		return fail(p, CB_E_FORMAT, "a second a=mid in this m= section");
	if (!cb_sdp_is_word(val, strlen(val)))
		return fail(p, CB_E_FORMAT, "a=mid \"%.64s\" has a space in it", val);
	for (size_t i = 0; i + 1 < p->d->n_media; i++)
		if (!strcmp(p->d->media[i].mid, val))
			return fail(p, CB_E_FORMAT,
				    "mid \"%.64s\" is already used by the m= section on line %d",
				    val, p->media_line[i]);
	return copy(p, p->m->mid, sizeof(p->m->mid), val, "a=mid");
}

static int attr_msid(struct parser *p, char *val)
{
	struct cb_sdp_media *m = p->m;
	char *tok[3];
	size_t n;
	int rc;

	if ((rc = need_value(p, "msid", val)))
		return rc;
	if (m->n_msid >= CB_SDP_MAX_MSID)
		return fail(p, CB_E_RANGE, "more than %d a=msid in this m= section",
			    CB_SDP_MAX_MSID);
	n = split(val, tok, 3);
	if (n < 1 || n > 2)
		return fail(p, CB_E_FORMAT, "a=msid takes a stream id and an optional track id");
	if ((rc = copy(p, m->msid[m->n_msid].stream, CB_SDP_TOKEN_LEN, tok[0], "msid stream id")) ||
	    (n == 2 &&
	     (rc = copy(p, m->msid[m->n_msid].track, CB_SDP_TOKEN_LEN, tok[1], "msid track id"))))
		return rc;
	m->n_msid++;
	return 0;
}

static int attr_rtcp(struct parser *p, char *val)
{
	struct cb_sdp_media *m = p->m;
	char *tok[5];
	uint64_t port;
	size_t n;
	int rc;

	if ((rc = need_value(p, "rtcp", val)))
		return rc;
	if (m->rtcp_port)
		return fail(p, CB_E_FORMAT, "a second a=rtcp in this m= section");
	n = split(val, tok, 5);
	if (n != 1 && n != 4)
		return fail(p, CB_E_FORMAT,
			    "a=rtcp takes a port and an optional network type, address type and "
			    "address");
	if (cb_sdp_parse_u64(tok[0], 65535, &port) || port == 0)
		return fail(p, CB_E_FORMAT, "a=rtcp port \"%.16s\" is not a number from 1 to 65535",
			    tok[0]);
	if (n == 4 &&
	    (rc = join(p, m->rtcp_addr, sizeof(m->rtcp_addr), tok + 1, 3, "a=rtcp address")))
		return rc;
	m->rtcp_port = (uint16_t)port;
	return 0;
}

/* "<key>[|<lifetime>][|<MKI>:<length>]" after "inline:" */
static int crypto_key_info(struct parser *p, struct cb_sdp_crypto *c, char *info)
{
	uint8_t key[CB_SDP_MAX_LINE];
	char *part[4];
	size_t n = 0, len = sizeof(key), want = cb_srtp_key_len(c->suite);
	int rc;

	if (strchr(info, ';'))
		return fail(p, CB_E_FORMAT, "more than one key in one a=crypto is not supported");
	for (char *s = info;; s++) {
		char *bar = strchr(s, '|');

		if (n == 3)
			return fail(p, CB_E_FORMAT,
				    "a=crypto key takes at most a lifetime and an MKI after it");
		part[n++] = s;
		if (!bar)
			break;
		*bar = '\0';
		s = bar;
	}
	if (cb_sdp_base64_decode(part[0], strlen(part[0]), key, &len))
		return fail(p, CB_E_FORMAT, "a=crypto key \"%.48s\" is not valid base64", part[0]);
	if (len != want)
		return fail(p, CB_E_FORMAT,
			    "a=crypto key for %s must be %zu bytes (master key and salt), got %zu",
			    cb_srtp_profile_name(c->suite), want, len);
	memcpy(c->key, key, len);
	c->key_len = len;
	for (size_t i = 1; i < n; i++) {
		char *colon = strchr(part[i], ':');
		uint64_t v;

		if (colon) {
			*colon = '\0';
			if (cb_sdp_parse_u64(part[i], UINT64_MAX, &v) ||
			    cb_sdp_parse_u64(colon + 1, 128, &v) || v == 0)
				return fail(p, CB_E_FORMAT,
					    "a=crypto MKI must be <value>:<length> with a length "
					    "from 1 to 128");
			*colon = ':';
			if ((rc = copy(p, c->mki, sizeof(c->mki), part[i], "a=crypto MKI")))
				return rc;
			continue;
		}
		if (i == 2 || c->mki[0])
			return fail(p, CB_E_FORMAT, "a=crypto lifetime must come before the MKI");
		if (!strncmp(part[i], "2^", 2) ? cb_sdp_parse_u64(part[i] + 2, 64, &v)
					       : cb_sdp_parse_u64(part[i], UINT64_MAX, &v))
			return fail(p, CB_E_FORMAT,
				    "a=crypto lifetime \"%.24s\" is not a number or 2^<n>",
				    part[i]);
		if ((rc = copy(p, c->lifetime, sizeof(c->lifetime), part[i], "a=crypto lifetime")))
			return rc;
	}
	return 0;
}

static int attr_crypto(struct parser *p, char *val)
{
	struct cb_sdp_media *m = p->m;
	struct cb_sdp_crypto *c;
	char *tok[MAX_TOKENS];
	uint64_t tag;
	size_t n;
	int rc;

	if ((rc = need_value(p, "crypto", val)))
		return rc;
	if (m->n_crypto >= CB_SDP_MAX_CRYPTO)
		return fail(p, CB_E_RANGE, "more than %d a=crypto in this m= section",
			    CB_SDP_MAX_CRYPTO);
	n = split(val, tok, MAX_TOKENS);
	if (n < 3)
		return fail(p, CB_E_FORMAT, "a=crypto needs <tag> <suite> inline:<key>");
	if (n > MAX_TOKENS)
		return fail(p, CB_E_RANGE, "a=crypto has more than %d fields", MAX_TOKENS);
	c = &m->crypto[m->n_crypto];
	memset(c, 0, sizeof(*c));
	if (strlen(tok[0]) > 9 || cb_sdp_parse_u64(tok[0], 999999999, &tag))
		return fail(p, CB_E_FORMAT, "a=crypto tag \"%.16s\" is not 1 to 9 digits", tok[0]);
	for (size_t i = 0; i < m->n_crypto; i++)
		if (m->crypto[i].tag == tag)
			return fail(p, CB_E_FORMAT, "a=crypto tag %u is used twice", (unsigned)tag);
	c->tag = (uint32_t)tag;
	if (cb_srtp_profile_from_name(tok[1],
				      &c->suite)) /* the classifier let only known ones by */
		return fail(p, CB_E_FORMAT, "a=crypto suite \"%.32s\" is not known", tok[1]);
	if (strncmp(tok[2], "inline:", 7))
		return fail(p, CB_E_FORMAT, "a=crypto key must be inline:<base64 key and salt>");
	if ((rc = crypto_key_info(p, c, tok[2] + 7)) ||
	    (rc = join(p, c->params, sizeof(c->params), tok + 3, n - 3,
		       "a=crypto session parameters"))) {
		memset(c, 0, sizeof(*c));
		return rc;
	}
	m->n_crypto++;
	return 0;
}

static int attr_ssrc(struct parser *p, char *val)
{
	struct cb_sdp_media *m = p->m;
	struct cb_sdp_ssrc *s = NULL;
	char *sp, *what;
	uint64_t id;
	int cname;

	if (!val || !(sp = strchr(val, ' ')))
		return fail(p, CB_E_FORMAT, "a=ssrc needs <ssrc> <attribute>:<value>");
	*sp = '\0';
	if (cb_sdp_parse_u64(val, UINT32_MAX, &id))
		return fail(p, CB_E_FORMAT, "a=ssrc \"%.16s\" is not a number below 2^32", val);
	what = sp + 1;
	cname = !strncmp(what, "cname", 5); /* else "msid" (the classifier let only these by) */
	val = what + (cname ? 5 : 4);
	if (*val != ':' || !val[1])
		return fail(p, CB_E_FORMAT, "a=ssrc %s needs a value", cname ? "cname" : "msid");
	val++;
	for (size_t i = 0; i < m->n_ssrcs; i++)
		if (m->ssrcs[i].ssrc == id)
			s = &m->ssrcs[i];
	if (!s) {
		if (m->n_ssrcs >= CB_SDP_MAX_SSRCS)
			return fail(p, CB_E_RANGE, "more than %d SSRCs in this m= section",
				    CB_SDP_MAX_SSRCS);
		s = &m->ssrcs[m->n_ssrcs];
		memset(s, 0, sizeof(*s));
		s->ssrc = (uint32_t)id;
	}
	if (cname ? s->cname[0] : s->msid[0])
		return fail(p, CB_E_FORMAT, "a second %s for SSRC %u", cname ? "cname" : "msid",
			    (unsigned)id);
	if (cname ? copy(p, s->cname, sizeof(s->cname), val, "a=ssrc cname")
		  : copy(p, s->msid, sizeof(s->msid), val, "a=ssrc msid"))
		return CB_E_RANGE;
	if (s == &m->ssrcs[m->n_ssrcs])
		m->n_ssrcs++;
	return 0;
}

static int attr_ssrc_group(struct parser *p, char *val)
{
	struct cb_sdp_media *m = p->m;
	struct cb_sdp_ssrc_group *g = &m->ssrc_groups[m->n_ssrc_groups];
	char *tok[CB_SDP_MAX_GROUP_SSRCS + 2];
	int n;

	if (m->n_ssrc_groups >= CB_SDP_MAX_SSRC_GROUPS)
		return fail(p, CB_E_RANGE, "more than %d a=ssrc-group in this m= section",
			    CB_SDP_MAX_SSRC_GROUPS);
	memset(g, 0, sizeof(*g));
	n = split_group(p, "ssrc-group", val, tok, CB_SDP_MAX_GROUP_SSRCS, g->semantics,
			sizeof(g->semantics));
	if (n < 0)
		return n;
	if (n == 0)
		return fail(p, CB_E_FORMAT, "a=ssrc-group needs <semantics> <ssrc>...");
	for (int i = 1; i <= n; i++) {
		uint64_t v;

		if (cb_sdp_parse_u64(tok[i], UINT32_MAX, &v))
			return fail(p, CB_E_FORMAT,
				    "a=ssrc-group SSRC \"%.16s\" is not a number below 2^32",
				    tok[i]);
		g->ssrcs[g->n++] = (uint32_t)v;
	}
	m->n_ssrc_groups++;
	return 0;
}

static int attr_rtpmap(struct parser *p, char *val)
{
	struct cb_sdp_format *f;
	char *tok[3], *part[4], *s;
	size_t n, np = 0;
	uint64_t clock, ch = 0;
	int rc;

	if ((rc = need_value(p, "rtpmap", val)))
		return rc;
	n = split(val, tok, 3);
	if ((rc = listed_format(p, tok[0], "rtpmap", &f)))
		return rc;
	if (f->name[0])
		return fail(p, CB_E_FORMAT, "a second a=rtpmap for payload type %d", f->pt);
	if (n != 2)
		return fail(p, CB_E_FORMAT,
			    "a=rtpmap for payload type %d needs <encoding name>/<clock rate>",
			    f->pt);
	for (s = tok[1]; np < 4; s++) {
		char *slash = strchr(s, '/');

		part[np++] = s;
		if (!slash)
			break;
		*slash = '\0';
		s = slash;
	}
	if (np < 2 || np > 3 || !cb_sdp_is_token(part[0], strlen(part[0])))
		return fail(p, CB_E_FORMAT,
			    "a=rtpmap for payload type %d needs <encoding name>/<clock rate>",
			    f->pt);
	if (cb_sdp_parse_u64(part[1], UINT32_MAX, &clock) || clock == 0)
		return fail(p, CB_E_FORMAT,
			    "a=rtpmap clock rate \"%.16s\" is not a positive number", part[1]);
	if (np == 3 && (cb_sdp_parse_u64(part[2], 255, &ch) || ch == 0))
		return fail(p, CB_E_FORMAT,
			    "a=rtpmap channel count \"%.16s\" is not a number from 1 to 255",
			    part[2]);
	if ((rc = copy(p, f->name, sizeof(f->name), part[0], "a=rtpmap encoding name")))
		return rc;
	f->clock_rate = (uint32_t)clock;
	f->channels = (uint32_t)ch;
	return 0;
}

static int attr_fmtp(struct parser *p, char *val)
{
	struct cb_sdp_format *f;
	char *sp;
	int rc;

	if ((rc = need_value(p, "fmtp", val)))
		return rc;
	sp = strchr(val, ' ');
	if (sp)
		*sp++ = '\0';
	if ((rc = listed_format(p, val, "fmtp", &f)))
		return rc;
	while (sp && *sp == ' ')
		sp++;
	if (!sp || !*sp)
		return fail(p, CB_E_FORMAT, "a=fmtp for payload type %d needs parameters", f->pt);
	if (f->fmtp[0])
		return fail(p, CB_E_FORMAT, "a second a=fmtp for payload type %d", f->pt);
	if (strlen(sp) >= sizeof(f->fmtp))
		return fail(p, CB_E_RANGE,
			    "a=fmtp parameters of payload type %d are longer than %zu bytes", f->pt,
			    sizeof(f->fmtp) - 1);
	strcpy(f->fmtp, sp);
	return 0;
}

static int attr_rtcp_fb(struct parser *p, char *val)
{
	struct cb_sdp_format *f = NULL;
	struct cb_sdp_fb *fb;
	char *tok[MAX_TOKENS], type[CB_SDP_NAME_LEN];
	size_t n;
	int rc;

	if ((rc = need_value(p, "rtcp-fb", val)))
		return rc;
	n = split(val, tok, MAX_TOKENS);
	if (n < 2)
		return fail(p, CB_E_FORMAT, "a=rtcp-fb needs <payload type or *> <type>");
	if (n > MAX_TOKENS)
		return fail(p, CB_E_RANGE, "a=rtcp-fb has more than %d fields", MAX_TOKENS);
	if (strcmp(tok[0], "*") && (rc = listed_format(p, tok[0], "rtcp-fb", &f)))
		return rc;
	fb = f ? &f->fb : &p->m->fb_all;
	if ((rc = join(p, type, sizeof(type), tok + 1, n - 1, "a=rtcp-fb type")))
		return rc;
	for (unsigned flag = 1; flag <= CB_SDP_FB_FIR; flag <<= 1)
		if (!strcmp(type, cb_sdp_fb_flag_name(flag))) {
			fb->flags |= flag;
			return 0;
		}
	if (fb->n_other >= CB_SDP_MAX_FB_OTHER)
		return fail(p, CB_E_RANGE, "more than %d other a=rtcp-fb types for %s%s",
			    CB_SDP_MAX_FB_OTHER, f ? "payload type " : "", tok[0]);
	strcpy(fb->other[fb->n_other++], type);
	return 0;
}

static int is_key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int attr_source(struct parser *p, char *val)
{
	struct cb_sdp_media *m = p->m;
	int rc;

	if ((rc = need_value(p, "x-callbench-source", val)))
		return rc;
	if (m->n_source)
		return fail(p, CB_E_FORMAT, "a second a=x-callbench-source in this m= section");
	for (char *s = val;;) {
		char *semi = strchr(s, ';'), *eq;
		struct cb_sdp_kv *kv = &m->source[m->n_source];
		size_t kl;

		if (semi)
			*semi = '\0';
		while (*s == ' ')
			s++;
		eq = strchr(s, '=');
		kl = eq ? (size_t)(eq - s) : 0;
		for (size_t i = 0; i < kl; i++)
			if (!is_key_char((unsigned char)s[i]))
				kl = 0;
		if (!kl) {
			m->n_source = 0;
			return fail(p, CB_E_FORMAT,
				    "a=x-callbench-source entry \"%.32s\" is not <key>=<value> "
				    "(keys of letters, digits, '.', '_', '-')",
				    s);
		}
		if (m->n_source >= CB_SDP_MAX_SOURCE) {
			m->n_source = 0;
			return fail(p, CB_E_RANGE, "a=x-callbench-source has more than %d entries",
				    CB_SDP_MAX_SOURCE);
		}
		*eq = '\0';
		if ((rc = copy(p, kv->key, sizeof(kv->key), s, "a=x-callbench-source key")) ||
		    (rc = copy(p, kv->value, sizeof(kv->value), eq + 1,
			       "a=x-callbench-source value"))) {
			m->n_source = 0;
			return rc;
		}
		m->n_source++;
		if (!semi)
			return 0;
		s = semi + 1;
	}
}

static int media_attr(struct parser *p, const char *name, char *val)
{
	struct cb_sdp_media *m = p->m;

	if (!strcmp(name, "group"))
		return fail(p, CB_E_FORMAT,
			    "a=group belongs to the session, before the first m= line");
	if (cb_sdp_dir_from_name(name) > 0)
		return attr_dir(p, &m->dir, name, val);
	if (!strcmp(name, "mid"))
		return attr_mid(p, val);
	if (!strcmp(name, "msid"))
		return attr_msid(p, val);
	if (!strcmp(name, "rtcp-mux")) {
		m->rtcp_mux = 1;
		return no_value(p, name, val);
	}
	if (!strcmp(name, "rtcp"))
		return attr_rtcp(p, val);
	if (!strcmp(name, "crypto"))
		return attr_crypto(p, val);
	if (!strcmp(name, "ssrc"))
		return attr_ssrc(p, val);
	if (!strcmp(name, "ssrc-group"))
		return attr_ssrc_group(p, val);
	if (!strcmp(name, "rtpmap"))
		return attr_rtpmap(p, val);
	if (!strcmp(name, "fmtp"))
		return attr_fmtp(p, val);
	if (!strcmp(name, "rtcp-fb"))
		return attr_rtcp_fb(p, val);
	return attr_source(p, val); /* the classifier's last name */
}

static int line_attr(struct parser *p, char *v)
{
	size_t len = strlen(v);
	char *colon = strchr(v, ':'), *val = NULL;
	size_t nl = colon ? (size_t)(colon - v) : len;
	enum cb_sdp_level level = !p->m				     ? CB_SDP_LEVEL_SESSION
				  : cb_sdp_proto_is_rtp(p->m->proto) ? CB_SDP_LEVEL_RTP
								     : CB_SDP_LEVEL_OTHER;
	struct cb_sdp_lines *kept = p->m ? &p->m->attrs : &p->d->attrs;

	if (!nl)
		return fail(p, CB_E_FORMAT, "a= needs an attribute name");
	if (!cb_sdp_is_token(v, nl))
		return fail(p, CB_E_FORMAT, "attribute name \"%.*s\" is not a token",
			    (int)(nl > 32 ? 32 : nl), v);
	if (!cb_sdp_attr_is_modelled(v, len, level)) {
		if (cb_sdp_lines_add(kept, v, len))
			return fail(p, CB_E_RANGE,
				    "more than %d unknown attributes, or %d bytes of them, in %s",
				    CB_SDP_MAX_TEXT_LINES, CB_SDP_MAX_TEXT,
				    p->m ? "this m= section" : "the session");
		return 0;
	}
	if (colon) {
		*colon = '\0';
		val = colon + 1;
	}
	if (p->m)
		return media_attr(p, v, val);
	if (!strcmp(v, "group"))
		return attr_group(p, val);
	if (cb_sdp_dir_from_name(v) > 0)
		return attr_dir(p, &p->d->dir, v, val);
	return fail(p, CB_E_FORMAT, "a=%s belongs to an m= section, after its m= line", v);
}

static int line_media(struct parser *p, char *v)
{
	struct cb_sdp *d = p->d;
	struct cb_sdp_media *m;
	char *tok[CB_SDP_MAX_FORMATS + 4], *slash;
	uint64_t port, count = 0;
	size_t n;
	int rc;

	if (!d->n_times)
		return fail(p, CB_E_FORMAT, "m= line before any t= line");
	if (d->n_media >= CB_SDP_MAX_MEDIA)
		return fail(p, CB_E_RANGE, "more than %d m= sections", CB_SDP_MAX_MEDIA);
	n = split(v, tok, CB_SDP_MAX_FORMATS + 4);
	if (n < 4)
		return fail(p, CB_E_FORMAT,
			    "m= line needs at least 4 fields (media, port, proto, format), got %zu",
			    n);
	m = cb_sdp_add_media(d);
	p->m = m;
	p->media_line[d->n_media - 1] = p->line;
	if (!cb_sdp_is_token(tok[0], strlen(tok[0])))
		return fail(p, CB_E_FORMAT, "m= media type \"%.16s\" is not a token", tok[0]);
	if ((rc = copy(p, m->type, sizeof(m->type), tok[0], "m= media type")))
		return rc;
	slash = strchr(tok[1], '/');
	if (slash)
		*slash = '\0';
	if (cb_sdp_parse_u64(tok[1], 65535, &port))
		return fail(p, CB_E_FORMAT, "m= port \"%.16s\" is not a number from 0 to 65535",
			    tok[1]);
	if (slash && (cb_sdp_parse_u64(slash + 1, 65535, &count) || count == 0))
		return fail(p, CB_E_FORMAT,
			    "m= port count \"%.16s\" is not a number from 1 to 65535", slash + 1);
	m->port = (uint16_t)port;
	m->port_count = (uint16_t)count;
	if ((rc = copy(p, m->proto, sizeof(m->proto), tok[2], "m= proto")))
		return rc;
	if (!cb_sdp_proto_is_rtp(m->proto))
		return n > CB_SDP_MAX_FORMATS + 3
			   ? fail(p, CB_E_RANGE, "m= line lists more than %d formats",
				  CB_SDP_MAX_FORMATS)
			   : join(p, m->fmt_text, sizeof(m->fmt_text), tok + 3, n - 3,
				  "m= formats");
	if (n > CB_SDP_MAX_FORMATS + 3)
		return fail(p, CB_E_RANGE, "m= line lists more than %d payload types",
			    CB_SDP_MAX_FORMATS);
	for (size_t i = 3; i < n; i++) {
		int pt = 0;

		if ((rc = parse_pt(p, tok[i], &pt)))
			return rc;
		if (cb_sdp_media_format(m, pt))
			return fail(p, CB_E_FORMAT, "payload type %d is listed twice", pt);
		m->formats[m->n_formats++].pt = pt;
	}
	return 0;
}

static int session_only(struct parser *p, char type)
{
	if (p->m)
		return fail(p, CB_E_FORMAT, "%c= belongs to the session, before the first m= line",
			    type);
	return 0;
}

static int one_line(struct parser *p, char *s, size_t len)
{
	struct cb_sdp *d = p->d;
	char type = s[0], *v = s + 2;
	static const char first[] = "vos";
	int rc;

	if (len < 2 || s[1] != '=' || type < 'a' || type > 'z')
		return fail(p, CB_E_FORMAT, "expected <letter>=<value>, got \"%.40s\"", s);
	if (p->line <= 3 && type != first[p->line - 1])
		return fail(
		    p, CB_E_FORMAT,
		    "expected %c= here (v=, o=, s= come first, in that order), got \"%.40s\"",
		    first[p->line - 1], s);
	if (p->line > 3 && strchr(first, type))
		return fail(p, CB_E_FORMAT, "%c= only on line %d", type,
			    (int)(strchr(first, type) - first) + 1);
	switch (type) {
	case 'v':
		if (strcmp(v, "0"))
			return fail(p, CB_E_FORMAT, "version must be 0, got \"%.16s\"", v);
		return 0;
	case 'o':
		return line_origin(p, v);
	case 's':
		return copy(p, d->name, sizeof(d->name), v, "s= session name");
	case 'i': {
		char *info = p->m ? p->m->info : d->info;

		if (info[0])
			return fail(p, CB_E_FORMAT, "a second i= line");
		return copy(p, info, CB_SDP_TEXT_LEN, v, "i= information");
	}
	case 'u':
	case 'e':
	case 'p':
		if ((rc = session_only(p, type)))
			return rc;
		if (cb_sdp_lines_add(&d->extra, s, len))
			return fail(p, CB_E_RANGE, "more than %d u=, e= and p= lines",
				    CB_SDP_MAX_TEXT_LINES);
		return 0;
	case 'c':
		return line_conn(p, v);
	case 'b':
		return line_bw(p, v);
	case 't':
		if ((rc = session_only(p, type)))
			return rc;
		return line_time(p, v);
	case 'r':
		if (p->prev_type != 't')
			return fail(p, CB_E_FORMAT, "r= must follow its t= line (one r= per t=)");
		return copy(p, d->times[d->n_times - 1].repeat, CB_SDP_TEXT_LEN, v,
			    "r= repeat time");
	case 'z':
		if ((rc = session_only(p, type)))
			return rc;
		if (d->zone[0])
			return fail(p, CB_E_FORMAT, "a second z= line");
		return copy(p, d->zone, sizeof(d->zone), v, "z= time zones");
	case 'k':
		return fail(
		    p, CB_E_FORMAT,
		    "k= (encryption key) is obsolete (RFC 8866 section 5.12); use a=crypto");
	case 'm':
		return line_media(p, v);
	case 'a':
		return line_attr(p, v);
	}
	return fail(p, CB_E_FORMAT, "unknown line type '%c'", type);
}

/* What can only be checked when every line is read. */
static int finish(struct parser *p)
{
	struct cb_sdp *d = p->d;

	if (p->line < 3)
		return fail(p, CB_E_FORMAT, "the description ends before its s= line");
	if (!d->n_times)
		return fail(p, CB_E_FORMAT, "the description has no t= line");
	for (size_t i = 0; i < d->n_media; i++)
		if (!cb_sdp_media_conn(d, &d->media[i])) {
			p->line = p->media_line[i];
			return fail(p, CB_E_FORMAT,
				    "this m= section has no c= line, and the session has none");
		}
	for (size_t g = 0; g < d->n_groups; g++)
		for (size_t k = 0; k < d->groups[g].n; k++)
			if (!cb_sdp_find_mid(d, d->groups[g].mids[k])) {
				p->line = p->group_line[g];
				return fail(p, CB_E_FORMAT,
					    "a=group:%s names mid \"%s\", which no m= section has",
					    d->groups[g].semantics, d->groups[g].mids[k]);
			}
	return 0;
}

/* 1 when text[from..len) is only line ends. */
static int only_line_ends(const char *text, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++)
		if (text[i] != '\r' && text[i] != '\n')
			return 0;
	return 1;
}

static int parse_lines(struct parser *p, const char *text, size_t len)
{
	char buf[CB_SDP_MAX_LINE + 1];
	size_t pos = 0, total = 0;
	int rc;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;

		p->line++;
		if (n && text[end - 1] == '\r')
			n--;
		if (n == 0) {
			if (only_line_ends(text, pos, len))
				break;
			return fail(p, CB_E_FORMAT, "empty line");
		}
		/* counted as the writer writes it, with CRLF: what is read can be written */
		total += n + 2;
		if (total > CB_SDP_MAX_SIZE)
			return fail(p, CB_E_RANGE, "the description passes %d bytes",
				    CB_SDP_MAX_SIZE);
		if (n > CB_SDP_MAX_LINE)
			return fail(p, CB_E_RANGE, "longer than %d bytes", CB_SDP_MAX_LINE);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)text[pos + i];

			if (c == '\r')
				return fail(p, CB_E_FORMAT, "carriage return inside the line");
			if (c == 0)
				return fail(p, CB_E_FORMAT, "NUL byte");
			if (cb_sdp_is_ctl(c))
				return fail(p, CB_E_FORMAT, "control character 0x%02x", c);
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		if ((rc = one_line(p, buf, n)))
			return rc;
		p->prev_type = buf[0];
		pos = end + 1;
	}
	return finish(p);
}

int cb_sdp_parse(struct cb_sdp *d, const char *text, size_t len, char *why, size_t why_len)
{
	struct parser p = {.d = d, .why = why, .why_len = why_len};
	int rc;

	if (why_len)
		why[0] = '\0';
	cb_sdp_reset(d);
	if (!len) {
		p.line = 1;
		return fail(&p, CB_E_FORMAT, "the description is empty (it must start with v=0)");
	}
	rc = parse_lines(&p, text, len);
	if (rc)
		cb_sdp_reset(d);
	return rc;
}
