/*
 * write.c — the SDP writer: struct cb_sdp into text, CRLF line ends.
 *
 * Lines come in RFC 8866's order (v o s i u e p c b t r z a, then per
 * media m i c b a).  In a media section the modelled attributes come first
 * in a fixed order (rtcp, mid, msid, direction, rtcp-mux, crypto, then
 * rtpmap/fmtp/rtcp-fb per payload type in m= line order, rtcp-fb:*,
 * ssrc-group, ssrc, x-callbench-source), then the unknown ones as kept.
 *
 * The writer refuses a description that the parser would not read back
 * the same (see cb_sdp_write), naming the field; that is what makes
 * parse(write(d)) == d hold for every d it writes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "sdp/sdp_int.h"

struct writer {
	char *out;
	size_t room, len;
	int line;
	int err;
	char *why;
	size_t why_len;
};

static int bad(struct writer *w, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct writer *w, int code, const char *fmt, ...)
{
	va_list ap;

	if (w->err)
		return w->err;
	w->err = code;
	if (w->why_len) {
		va_start(ap, fmt);
		vsnprintf(w->why, w->why_len, fmt, ap);
		va_end(ap);
	}
	return code;
}

static void emit(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line, checked for length and control characters, then CRLF. */
static void emit(struct writer *w, const char *fmt, ...)
{
	char buf[CB_SDP_MAX_LINE + 2];
	va_list ap;
	int n;

	if (w->err)
		return;
	w->line++;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n > CB_SDP_MAX_LINE) {
		bad(w, CB_E_FORMAT, "line %d (\"%.24s...\") would be longer than %d bytes", w->line,
		    buf, CB_SDP_MAX_LINE);
		return;
	}
	for (int i = 0; i < n; i++)
		if (cb_sdp_is_ctl((unsigned char)buf[i])) {
			bad(w, CB_E_FORMAT,
			    "line %d (\"%.24s\") would hold control character 0x%02x", w->line, buf,
			    (unsigned char)buf[i]);
			return;
		}
	if (w->len + (size_t)n + 2 > CB_SDP_MAX_SIZE) {
		bad(w, CB_E_RANGE, "the description would pass %d bytes", CB_SDP_MAX_SIZE);
		return;
	}
	if (w->len + (size_t)n + 3 > w->room) {
		bad(w, CB_E_NOSPACE, "the description does not fit in %zu bytes", w->room);
		return;
	}
	memcpy(w->out + w->len, buf, (size_t)n);
	memcpy(w->out + w->len + n, "\r\n", 3);
	w->len += (size_t)n + 2;
}

/* ---- checks: what the parser would read back differently ---- */

static int word(struct writer *w, const char *s, const char *what, const char *where)
{
	if (!cb_sdp_is_word(s, strlen(s)))
		return bad(w, CB_E_FORMAT, "%s%s \"%.32s\" is empty or has a space in it", where,
			   what, s);
	return 0;
}

static int token(struct writer *w, const char *s, const char *what, const char *where)
{
	if (!cb_sdp_is_token(s, strlen(s)))
		return bad(w, CB_E_FORMAT, "%s%s \"%.32s\" is not a token", where, what, s);
	return 0;
}

/* Words joined by single spaces, as the parser joins them ("" allowed when `empty_ok`). */
static int words(struct writer *w, const char *s, int empty_ok, const char *what, const char *where)
{
	size_t n = strlen(s);

	if (!n && empty_ok)
		return 0;
	if (!n || s[0] == ' ' || s[n - 1] == ' ' || strstr(s, "  "))
		return bad(w, CB_E_FORMAT, "%s%s \"%.32s\" is not words with single spaces", where,
			   what, s);
	return 0;
}

static int addr(struct writer *w, const struct cb_sdp_addr *a, const char *where, int optional)
{
	if (optional && !a->nettype[0] && !a->addrtype[0] && !a->addr[0])
		return 0;
	if (word(w, a->nettype, "network type", where) ||
	    word(w, a->addrtype, "address type", where) || word(w, a->addr, "address", where))
		return w->err;
	return 0;
}

static int bws(struct writer *w, size_t n, const struct cb_sdp_bw *bw, const char *where)
{
	if (n > CB_SDP_MAX_BW)
		return bad(w, CB_E_RANGE, "%smore than %d b= lines", where, CB_SDP_MAX_BW);
	for (size_t i = 0; i < n; i++)
		if (token(w, bw[i].type, "b= type", where))
			return w->err;
	return 0;
}

static int kept_attrs(struct writer *w, const struct cb_sdp_lines *l, enum cb_sdp_level level,
		      const char *where)
{
	for (const char *a = NULL; (a = cb_sdp_lines_next(l, a));) {
		size_t len = strlen(a), nl = strcspn(a, ":");

		if (!cb_sdp_is_token(a, nl))
			return bad(w, CB_E_FORMAT, "%sattribute \"%.32s\" has no token name", where,
				   a);
		if (cb_sdp_attr_is_modelled(a, len, level))
			return bad(w, CB_E_FORMAT,
				   "%sunknown attribute \"%.32s\" is one the model holds", where,
				   a);
	}
	return 0;
}

static int fb_check(struct writer *w, const struct cb_sdp_fb *fb, const char *where)
{
	if (fb->flags & ~(unsigned)CB_SDP_FB_ALL || fb->n_other > CB_SDP_MAX_FB_OTHER)
		return bad(w, CB_E_FORMAT, "%srtcp-fb flags or count out of range", where);
	for (size_t i = 0; i < fb->n_other; i++) {
		if (words(w, fb->other[i], 0, "rtcp-fb type", where))
			return w->err;
		for (unsigned f = 1; f <= CB_SDP_FB_FIR; f <<= 1)
			if (!strcmp(fb->other[i], cb_sdp_fb_flag_name(f)))
				return bad(w, CB_E_FORMAT, "%srtcp-fb \"%s\" belongs in the flags",
					   where, fb->other[i]);
	}
	return 0;
}

static int is_lifetime(const char *s)
{
	uint64_t v;

	return !strncmp(s, "2^", 2) ? !cb_sdp_parse_u64(s + 2, 64, &v)
				    : !cb_sdp_parse_u64(s, UINT64_MAX, &v);
}

static int is_mki(const char *s)
{
	char buf[sizeof(((struct cb_sdp_crypto *)0)->mki)];
	char *colon;
	uint64_t v, len;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (!colon)
		return 0;
	*colon = '\0';
	return !cb_sdp_parse_u64(buf, UINT64_MAX, &v) && !cb_sdp_parse_u64(colon + 1, 128, &len) &&
	       len > 0;
}

static int crypto_check(struct writer *w, const struct cb_sdp_media *m, const char *where)
{
	if (m->n_crypto > CB_SDP_MAX_CRYPTO)
		return bad(w, CB_E_RANGE, "%smore than %d a=crypto", where, CB_SDP_MAX_CRYPTO);
	for (size_t i = 0; i < m->n_crypto; i++) {
		const struct cb_sdp_crypto *c = &m->crypto[i];

		if (c->tag > 999999999 || (unsigned)c->suite >= CB_SRTP_PROFILE_COUNT)
			return bad(w, CB_E_FORMAT, "%sa=crypto %zu: tag or suite out of range",
				   where, i);
		if (c->key_len != cb_srtp_key_len(c->suite))
			return bad(w, CB_E_FORMAT, "%sa=crypto %u: a %s key is %zu bytes, not %zu",
				   where, c->tag, cb_srtp_profile_name(c->suite),
				   cb_srtp_key_len(c->suite), c->key_len);
		for (size_t k = 0; k < i; k++)
			if (m->crypto[k].tag == c->tag)
				return bad(w, CB_E_FORMAT, "%sa=crypto tag %u is used twice", where,
					   c->tag);
		if ((c->lifetime[0] && !is_lifetime(c->lifetime)) || (c->mki[0] && !is_mki(c->mki)))
			return bad(w, CB_E_FORMAT, "%sa=crypto %u: lifetime or MKI malformed",
				   where, c->tag);
		if (words(w, c->params, 1, "a=crypto session parameters", where))
			return w->err;
	}
	return 0;
}

static int format_check(struct writer *w, const struct cb_sdp_media *m, const char *where)
{
	if (m->n_formats < 1 || m->n_formats > CB_SDP_MAX_FORMATS || m->fmt_text[0])
		return bad(w, CB_E_FORMAT, "%san RTP m= line needs 1 to %d payload types", where,
			   CB_SDP_MAX_FORMATS);
	for (size_t i = 0; i < m->n_formats; i++) {
		const struct cb_sdp_format *f = &m->formats[i];

		if (f->pt < 0 || f->pt > 127 || cb_sdp_media_format_c(m, f->pt) != f)
			return bad(w, CB_E_FORMAT, "%spayload type %d out of range or listed twice",
				   where, f->pt);
		if (f->name[0] ? !cb_sdp_is_token(f->name, strlen(f->name)) || !f->clock_rate ||
				     f->channels > 255
			       : f->clock_rate || f->channels)
			return bad(w, CB_E_FORMAT,
				   "%spayload type %d: rtpmap \"%s/%u/%u\" malformed", where, f->pt,
				   f->name, f->clock_rate, f->channels);
		if (f->fmtp[0] == ' ')
			return bad(w, CB_E_FORMAT, "%spayload type %d: fmtp starts with a space",
				   where, f->pt);
		if (fb_check(w, &f->fb, where))
			return w->err;
	}
	return 0;
}

static int ssrc_check(struct writer *w, const struct cb_sdp_media *m, const char *where)
{
	if (m->n_ssrcs > CB_SDP_MAX_SSRCS || m->n_ssrc_groups > CB_SDP_MAX_SSRC_GROUPS)
		return bad(w, CB_E_RANGE, "%stoo many SSRCs or SSRC groups", where);
	for (size_t i = 0; i < m->n_ssrcs; i++) {
		const struct cb_sdp_ssrc *s = &m->ssrcs[i];

		if (!s->cname[0] && !s->msid[0])
			return bad(w, CB_E_FORMAT, "%sSSRC %u has neither cname nor msid", where,
				   s->ssrc);
		for (size_t k = 0; k < i; k++)
			if (m->ssrcs[k].ssrc == s->ssrc)
				return bad(w, CB_E_FORMAT, "%sSSRC %u is listed twice", where,
					   s->ssrc);
	}
	for (size_t i = 0; i < m->n_ssrc_groups; i++) {
		const struct cb_sdp_ssrc_group *g = &m->ssrc_groups[i];

		if (token(w, g->semantics, "ssrc-group semantics", where))
			return w->err;
		if (g->n < 1 || g->n > CB_SDP_MAX_GROUP_SSRCS)
			return bad(w, CB_E_FORMAT, "%sssrc-group %s needs 1 to %d SSRCs", where,
				   g->semantics, CB_SDP_MAX_GROUP_SSRCS);
	}
	return 0;
}

static int source_check(struct writer *w, const struct cb_sdp_media *m, const char *where)
{
	if (m->n_source > CB_SDP_MAX_SOURCE)
		return bad(w, CB_E_RANGE, "%smore than %d x-callbench-source entries", where,
			   CB_SDP_MAX_SOURCE);
	for (size_t i = 0; i < m->n_source; i++) {
		const char *k = m->source[i].key;

		if (!*k ||
		    k[strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789._-")] ||
		    strchr(m->source[i].value, ';'))
			return bad(w, CB_E_FORMAT,
				   "%sx-callbench-source entry \"%.32s\": the key must be letters, "
				   "digits, '.', '_', '-' and the value have no ';'",
				   where, k);
	}
	return 0;
}

static int media_check(struct writer *w, const struct cb_sdp *d, size_t mi)
{
	const struct cb_sdp_media *m = &d->media[mi];
	int rtp = cb_sdp_proto_is_rtp(m->proto);
	char where[32];

	snprintf(where, sizeof(where), "media %zu: ", mi);
	if (token(w, m->type, "media type", where) || word(w, m->proto, "proto", where) ||
	    addr(w, &m->conn, where, 1) || bws(w, m->n_bw, m->bw, where) ||
	    crypto_check(w, m, where) || ssrc_check(w, m, where) || source_check(w, m, where) ||
	    kept_attrs(w, &m->attrs, rtp ? CB_SDP_LEVEL_RTP : CB_SDP_LEVEL_OTHER, where))
		return w->err;
	if (rtp ? format_check(w, m, where) || fb_check(w, &m->fb_all, where)
		: words(w, m->fmt_text, 0, "formats", where))
		return w->err;
	if (!rtp && (m->n_formats || m->fb_all.flags || m->fb_all.n_other))
		return bad(w, CB_E_FORMAT, "%sa %s m= section has no payload types", where,
			   m->proto);
	if (!cb_sdp_media_conn(d, m))
		return bad(w, CB_E_FORMAT, "%sno c= line for it or the session", where);
	if ((unsigned)m->dir > CB_SDP_INACTIVE || m->n_msid > CB_SDP_MAX_MSID)
		return bad(w, CB_E_FORMAT, "%sdirection or msid count out of range", where);
	if (m->mid[0]) {
		if (word(w, m->mid, "mid", where))
			return w->err;
		for (size_t k = 0; k < mi; k++)
			if (!strcmp(d->media[k].mid, m->mid))
				return bad(w, CB_E_FORMAT, "%smid \"%s\" is used twice", where,
					   m->mid);
	}
	for (size_t i = 0; i < m->n_msid; i++)
		if (word(w, m->msid[i].stream, "msid stream", where) ||
		    (m->msid[i].track[0] && word(w, m->msid[i].track, "msid track", where)))
			return w->err;
	if (m->rtcp_port ? words(w, m->rtcp_addr, 1, "rtcp address", where)
			 : m->rtcp_addr[0] != '\0')
		return bad(w, CB_E_FORMAT, "%sa=rtcp address without a port, or malformed", where);
	return 0;
}

static int session_check(struct writer *w, const struct cb_sdp *d)
{
	const char *where = "session: ";

	if (word(w, d->origin.user, "o= user", where) || addr(w, &d->origin.addr, "o= ", 0) ||
	    addr(w, &d->conn, where, 1) || bws(w, d->n_bw, d->bw, where) ||
	    kept_attrs(w, &d->attrs, CB_SDP_LEVEL_SESSION, where))
		return w->err;
	for (const char *l = NULL; (l = cb_sdp_lines_next(&d->extra, l));)
		if (strlen(l) < 2 || l[1] != '=' || !strchr("uep", l[0]))
			return bad(w, CB_E_FORMAT,
				   "session: line \"%.32s\" is not u=, e= or p=", l);
	if (d->n_times < 1 || d->n_times > CB_SDP_MAX_TIMES)
		return bad(w, CB_E_FORMAT, "session: needs 1 to %d t= lines", CB_SDP_MAX_TIMES);
	if ((unsigned)d->dir > CB_SDP_INACTIVE || d->n_groups > CB_SDP_MAX_GROUPS ||
	    d->n_media > CB_SDP_MAX_MEDIA)
		return bad(w, CB_E_FORMAT, "session: direction, group or media count out of range");
	for (size_t g = 0; g < d->n_groups; g++) {
		if (token(w, d->groups[g].semantics, "group semantics", where))
			return w->err;
		if (d->groups[g].n > CB_SDP_MAX_MEDIA)
			return bad(w, CB_E_RANGE, "session: group names too many mids");
		for (size_t k = 0; k < d->groups[g].n; k++)
			if (!cb_sdp_find_mid(d, d->groups[g].mids[k]))
				return bad(
				    w, CB_E_FORMAT,
				    "session: group %s names mid \"%.32s\", which no media has",
				    d->groups[g].semantics, d->groups[g].mids[k]);
	}
	for (size_t i = 0; i < d->n_media; i++)
		if (media_check(w, d, i))
			return w->err;
	return 0;
}

/* ---- lines ---- */

static void emit_fb(struct writer *w, const char *pt, const struct cb_sdp_fb *fb)
{
	for (unsigned f = 1; f <= CB_SDP_FB_FIR; f <<= 1)
		if (fb->flags & f)
			emit(w, "a=rtcp-fb:%s %s", pt, cb_sdp_fb_flag_name(f));
	for (size_t i = 0; i < fb->n_other; i++)
		emit(w, "a=rtcp-fb:%s %s", pt, fb->other[i]);
}

static void emit_kept(struct writer *w, const struct cb_sdp_lines *l, const char *prefix)
{
	for (const char *a = NULL; (a = cb_sdp_lines_next(l, a));)
		emit(w, "%s%s", prefix, a);
}

static void emit_addr(struct writer *w, const char *type, const struct cb_sdp_addr *a)
{
	if (a->addr[0])
		emit(w, "%s=%s %s %s", type, a->nettype, a->addrtype, a->addr);
}

static void emit_bw(struct writer *w, size_t n, const struct cb_sdp_bw *bw)
{
	for (size_t i = 0; i < n; i++)
		emit(w, "b=%s:%u", bw[i].type, bw[i].value);
}

static void emit_crypto(struct writer *w, const struct cb_sdp_crypto *c)
{
	char key[4 * ((CB_SRTP_MAX_KEY_LEN + 2) / 3) + 1];

	cb_sdp_base64_encode(c->key, c->key_len, key);
	emit(w, "a=crypto:%u %s inline:%s%s%s%s%s%s%s", c->tag, cb_srtp_profile_name(c->suite), key,
	     c->lifetime[0] ? "|" : "", c->lifetime, c->mki[0] ? "|" : "", c->mki,
	     c->params[0] ? " " : "", c->params);
}

static void emit_media(struct writer *w, const struct cb_sdp_media *m)
{
	char port[16], fmts[CB_SDP_MAX_FORMATS * 4 + 1] = "";
	size_t n = 0;

	if (m->port_count)
		snprintf(port, sizeof(port), "%u/%u", m->port, m->port_count);
	else
		snprintf(port, sizeof(port), "%u", m->port);
	for (size_t i = 0; i < m->n_formats; i++)
		n += (size_t)snprintf(fmts + n, sizeof(fmts) - n, "%s%d", i ? " " : "",
				      m->formats[i].pt);
	emit(w, "m=%s %s %s %s", m->type, port, m->proto, m->n_formats ? fmts : m->fmt_text);
	if (m->info[0])
		emit(w, "i=%s", m->info);
	emit_addr(w, "c", &m->conn);
	emit_bw(w, m->n_bw, m->bw);
	if (m->rtcp_port)
		emit(w, "a=rtcp:%u%s%s", m->rtcp_port, m->rtcp_addr[0] ? " " : "", m->rtcp_addr);
	if (m->mid[0])
		emit(w, "a=mid:%s", m->mid);
	for (size_t i = 0; i < m->n_msid; i++)
		emit(w, "a=msid:%s%s%s", m->msid[i].stream, m->msid[i].track[0] ? " " : "",
		     m->msid[i].track);
	if (m->dir)
		emit(w, "a=%s", cb_sdp_dir_name(m->dir));
	if (m->rtcp_mux)
		emit(w, "a=rtcp-mux");
	for (size_t i = 0; i < m->n_crypto; i++)
		emit_crypto(w, &m->crypto[i]);
	for (size_t i = 0; i < m->n_formats; i++) {
		const struct cb_sdp_format *f = &m->formats[i];
		char pt[8];

		snprintf(pt, sizeof(pt), "%d", f->pt);
		if (f->name[0] && f->channels)
			emit(w, "a=rtpmap:%d %s/%u/%u", f->pt, f->name, f->clock_rate, f->channels);
		else if (f->name[0])
			emit(w, "a=rtpmap:%d %s/%u", f->pt, f->name, f->clock_rate);
		if (f->fmtp[0])
			emit(w, "a=fmtp:%d %s", f->pt, f->fmtp);
		emit_fb(w, pt, &f->fb);
	}
	emit_fb(w, "*", &m->fb_all);
	for (size_t i = 0; i < m->n_ssrc_groups; i++) {
		const struct cb_sdp_ssrc_group *g = &m->ssrc_groups[i];
		char ids[CB_SDP_MAX_GROUP_SSRCS * 11 + 1] = "";
		size_t k = 0;

		for (size_t j = 0; j < g->n; j++)
			k += (size_t)snprintf(ids + k, sizeof(ids) - k, " %u", g->ssrcs[j]);
		emit(w, "a=ssrc-group:%s%s", g->semantics, ids);
	}
	for (size_t i = 0; i < m->n_ssrcs; i++) {
		if (m->ssrcs[i].cname[0])
			emit(w, "a=ssrc:%u cname:%s", m->ssrcs[i].ssrc, m->ssrcs[i].cname);
		if (m->ssrcs[i].msid[0])
			emit(w, "a=ssrc:%u msid:%s", m->ssrcs[i].ssrc, m->ssrcs[i].msid);
	}
	if (m->n_source) {
		char src[CB_SDP_MAX_LINE + 1];
		size_t k = 0;

		for (size_t i = 0; i < m->n_source && k < sizeof(src); i++)
			k += (size_t)snprintf(src + k, sizeof(src) - k, "%s%s=%s", i ? ";" : "",
					      m->source[i].key, m->source[i].value);
		if (k >= sizeof(src))
			bad(w, CB_E_FORMAT,
			    "line %d: a=x-callbench-source would be longer than %d bytes",
			    w->line + 1, CB_SDP_MAX_LINE);
		emit(w, "a=x-callbench-source:%s", src);
	}
	emit_kept(w, &m->attrs, "a=");
}

int cb_sdp_write(const struct cb_sdp *d, char *out, size_t *out_len, char *why, size_t why_len)
{
	struct writer w = {.out = out, .room = *out_len, .why = why, .why_len = why_len};

	if (why_len)
		why[0] = '\0';
	if (session_check(&w, d))
		return w.err;
	emit(&w, "v=0");
	emit(&w, "o=%s %llu %llu %s %s %s", d->origin.user, (unsigned long long)d->origin.sess_id,
	     (unsigned long long)d->origin.sess_version, d->origin.addr.nettype,
	     d->origin.addr.addrtype, d->origin.addr.addr);
	emit(&w, "s=%s", d->name);
	if (d->info[0])
		emit(&w, "i=%s", d->info);
	emit_kept(&w, &d->extra, "");
	emit_addr(&w, "c", &d->conn);
	emit_bw(&w, d->n_bw, d->bw);
	for (size_t i = 0; i < d->n_times; i++) {
		emit(&w, "t=%llu %llu", (unsigned long long)d->times[i].start,
		     (unsigned long long)d->times[i].stop);
		if (d->times[i].repeat[0])
			emit(&w, "r=%s", d->times[i].repeat);
	}
	if (d->zone[0])
		emit(&w, "z=%s", d->zone);
	for (size_t g = 0; g < d->n_groups; g++) {
		char mids[CB_SDP_MAX_MEDIA * CB_SDP_TOKEN_LEN + 1] = "";
		size_t k = 0;

		for (size_t i = 0; i < d->groups[g].n; i++)
			k += (size_t)snprintf(mids + k, sizeof(mids) - k, " %s",
					      d->groups[g].mids[i]);
		emit(&w, "a=group:%s%s", d->groups[g].semantics, mids);
	}
	if (d->dir)
		emit(&w, "a=%s", cb_sdp_dir_name(d->dir));
	emit_kept(&w, &d->attrs, "a=");
	for (size_t i = 0; i < d->n_media; i++)
		emit_media(&w, &d->media[i]);
	if (w.err)
		return w.err;
	*out_len = w.len;
	return 0;
}
