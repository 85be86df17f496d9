/*
 * negotiate.c — offers, answers and what they agree (RFC 3264, RFC 4568).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "sdp/negotiate.h"
#include "sdp/sdp_int.h"

/* Dynamic payload types as Chromium numbers them: video codecs and their
 * RTX from 96 up, audio from 111 up (opus on 111); unique across the offer. */
#define FIRST_DYNAMIC_PT 96
#define FIRST_AUDIO_PT	 111

static int draw(const struct cb_sdp_caps *c, uint8_t *buf, size_t len)
{
	return c->random ? c->random(c->random_user, buf, len) : cb_random_bytes(buf, len);
}

static int draw_id(const struct cb_sdp_caps *c, char *out, size_t room)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t b[16];
	size_t n = room - 1 < sizeof(b) ? room - 1 : sizeof(b);
	int rc = draw(c, b, n);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[b[i] % (sizeof(alphabet) - 1)];
	out[n] = '\0';
	return 0;
}

/* A non-zero SSRC unlike `other`; a source that keeps giving those is broken. */
static int draw_ssrc(const struct cb_sdp_caps *c, uint32_t *ssrc, uint32_t other)
{
	uint8_t b[4];
	int rc;

	for (int tries = 0; tries < 8; tries++) {
		if ((rc = draw(c, b, sizeof(b))))
			return rc;
		*ssrc = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		if (*ssrc != 0 && *ssrc != other)
			return 0;
	}
	*ssrc = 0;
	return CB_E_CRYPTO;
}

void cb_sdp_caps_default(struct cb_sdp_caps *c)
{
	static const struct cb_sdp_codec_pref video[] = {
	    {"vp8", ""},
	    {"vp9", "profile-id=0"},
	    {"h264", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"},
	};
	struct cb_sdp_media_caps *v = &c->media[0], *a = &c->media[1];

	memset(c, 0, sizeof(*c));
	c->n_media = 2;
	v->kind = CB_MEDIA_VIDEO;
	v->n_codecs = sizeof(video) / sizeof(video[0]);
	memcpy(v->codecs, video, sizeof(video));
	v->fb = CB_SDP_FB_NACK | CB_SDP_FB_PLI | CB_SDP_FB_FIR;
	v->rtx = 1;
	v->dir = CB_SDP_SENDRECV;
	v->port = 5004;
	a->kind = CB_MEDIA_AUDIO;
	a->n_codecs = 1;
	snprintf(a->codecs[0].name, sizeof(a->codecs[0].name), "opus");
	snprintf(a->codecs[0].fmtp, sizeof(a->codecs[0].fmtp),
		 "minptime=10;useinbandfec=1;stereo=0");
	a->dir = CB_SDP_SENDRECV;
	a->port = 5006;
	c->n_suites = 2;
	c->suites[0] = CB_SRTP_AES128_CM_SHA1_80;
	c->suites[1] = CB_SRTP_AEAD_AES_128_GCM;
	c->require_srtp = 1;
	c->bundle = 1;
	c->rtcp_mux = 1;
	snprintf(c->addr, sizeof(c->addr), "127.0.0.1");
}

int cb_sdp_caps_fill(struct cb_sdp_caps *c)
{
	int rc = 0;

	if (!c->cname[0])
		rc = draw_id(c, c->cname, sizeof(c->cname));
	if (!rc && !c->stream_id[0])
		rc = draw_id(c, c->stream_id, sizeof(c->stream_id));
	if (!rc && !c->session_id) {
		uint8_t b[8];

		/* JSEP 5.2.1: a 63-bit number */
		if (!(rc = draw(c, b, sizeof(b))))
			for (int i = 0; i < 8; i++)
				c->session_id = c->session_id << 8 | b[i];
		c->session_id = (c->session_id >> 1) | 1;
	}
	for (size_t i = 0; !rc && i < c->n_media && i < CB_SDP_MAX_MEDIA; i++) {
		struct cb_sdp_media_caps *m = &c->media[i];

		if (!m->ssrc)
			rc = draw_ssrc(c, &m->ssrc, m->rtx_ssrc);
		if (!rc && m->rtx && m->kind == CB_MEDIA_VIDEO && !m->rtx_ssrc)
			rc = draw_ssrc(c, &m->rtx_ssrc, m->ssrc);
		if (!rc && !m->track_id[0])
			rc = draw_id(c, m->track_id, sizeof(m->track_id));
	}
	return rc;
}

/* ---- codec matching ---- */

const struct cb_codec_ops *cb_sdp_format_codec(const struct cb_sdp_format *f)
{
	const struct cb_codec_ops *ops;
	size_t it = 0;

	while ((ops = cb_codec_iterate(&it)))
		if (!strcasecmp(f->name, ops->rtp_name) && f->clock_rate == ops->clock_rate &&
		    (ops->media != CB_MEDIA_AUDIO || strcmp(ops->name, "opus") || f->channels == 2))
			return ops;
	return NULL;
}

static int hex_byte(const char *s)
{
	int v = 0;

	for (int i = 0; i < 2; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * The H.264 profile of profile-level-id (RFC 6184 8.1; absent: 42000a):
 * profile_idc and the profile-iop constraint bits, as libwebrtc's
 * h264_profile_level_id.cc tells them apart.  -1 when it is none of them.
 */
static int h264_profile(const char *fmtp)
{
	static const struct {
		int idc, mask, value, profile;
	} patterns[] = {
	    {0x42, 0x4f, 0x40, 0}, /* constrained baseline: x1xx0000 */
	    {0x4d, 0x8f, 0x80, 0}, /* 1xxx0000 */
	    {0x58, 0xcf, 0xc0, 0}, /* 11xx0000 */
	    {0x42, 0x4f, 0x00, 1}, /* baseline: x0xx0000 */
	    {0x58, 0xcf, 0x80, 1}, /* 10xx0000 */
	    {0x4d, 0xaf, 0x00, 2}, /* main: 0x0x0000 */
	    {0x64, 0xff, 0x00, 3}, /* high */
	    {0x64, 0xff, 0x0c, 4}, /* constrained high */
	    {0xf4, 0xff, 0x00, 5}, /* predictive high 4:4:4 */
	};
	char v[16] = "42000a";
	int idc, iop;

	cb_sdp_fmtp_get(fmtp, "profile-level-id", v, sizeof(v));
	if (strlen(v) != 6 || (idc = hex_byte(v)) < 0 || (iop = hex_byte(v + 2)) < 0 ||
	    hex_byte(v + 4) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (patterns[i].idc == idc && (iop & patterns[i].mask) == patterns[i].value)
			return patterns[i].profile;
	return -1;
}

/* A parameter as a number; `dflt` when absent, -1 when not a number. */
static long fmtp_num(const char *fmtp, const char *name, long dflt)
{
	char v[24];
	uint64_t n;

	if (!cb_sdp_fmtp_get(fmtp, name, v, sizeof(v)))
		return dflt;
	return cb_sdp_parse_u64(v, 1000000, &n) ? -1 : (long)n;
}

int cb_sdp_fmtp_compatible(const struct cb_codec_ops *ops, const char *a, const char *b)
{
	if (!strcmp(ops->name, "h264")) {
		int pa = h264_profile(a);
		long ma = fmtp_num(a, "packetization-mode", 0);

		return pa >= 0 && pa == h264_profile(b) && ma >= 0 &&
		       ma == fmtp_num(b, "packetization-mode", 0);
	}
	if (!strcmp(ops->name, "vp9")) {
		long pa = fmtp_num(a, "profile-id", 0);

		return pa >= 0 && pa == fmtp_num(b, "profile-id", 0);
	}
	return 1;
}

static int media_kind(const char *type)
{
	if (!strcmp(type, "video"))
		return CB_MEDIA_VIDEO;
	if (!strcmp(type, "audio"))
		return CB_MEDIA_AUDIO;
	return -1;
}

/* ---- building descriptions ---- */

static void session_init(struct cb_sdp *d, const struct cb_sdp_caps *c)
{
	const char *type = strchr(c->addr, ':') ? "IP6" : "IP4";

	cb_sdp_reset(d);
	snprintf(d->origin.user, sizeof(d->origin.user), "-");
	d->origin.sess_id = c->session_id;
	d->origin.sess_version = c->session_version;
	snprintf(d->origin.addr.nettype, sizeof(d->origin.addr.nettype), "IN");
	snprintf(d->origin.addr.addrtype, sizeof(d->origin.addr.addrtype), "%s", type);
	snprintf(d->origin.addr.addr, sizeof(d->origin.addr.addr), "%s", c->addr);
	d->conn = d->origin.addr;
	snprintf(d->name, sizeof(d->name), "-");
	d->n_times = 1; /* t=0 0 */
}

static int add_crypto(struct cb_sdp_media *m, uint32_t tag, enum cb_srtp_profile suite,
		      const struct cb_sdp_caps *c)
{
	struct cb_sdp_crypto *k = &m->crypto[m->n_crypto];

	memset(k, 0, sizeof(*k));
	k->tag = tag;
	k->suite = suite;
	k->key_len = cb_srtp_key_len(suite);
	m->n_crypto++;
	return draw(c, k->key, k->key_len);
}

static struct cb_sdp_format *add_format(struct cb_sdp_media *m, int pt, const char *name,
					uint32_t clock, uint32_t channels, const char *fmtp)
{
	struct cb_sdp_format *f = &m->formats[m->n_formats++];

	memset(f, 0, sizeof(*f));
	f->pt = pt;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->clock_rate = clock;
	f->channels = channels;
	snprintf(f->fmtp, sizeof(f->fmtp), "%s", fmtp);
	return f;
}

static struct cb_sdp_format *add_rtx(struct cb_sdp_media *m, int pt, const struct cb_sdp_format *of)
{
	char apt[16];

	snprintf(apt, sizeof(apt), "apt=%d", of->pt);
	return add_format(m, pt, "rtx", of->clock_rate, 0, apt);
}

/* What an end that sends writes: SSRCs with CNAME and msid, FID, its source. */
static void add_sender(struct cb_sdp_media *m, const struct cb_sdp_caps *c,
		       const struct cb_sdp_media_caps *mc, int rtx)
{
	uint32_t ids[2] = {mc->ssrc, mc->rtx_ssrc};
	size_t n = rtx && mc->rtx_ssrc ? 2 : 1;

	snprintf(m->msid[0].stream, sizeof(m->msid[0].stream), "%s", c->stream_id);
	snprintf(m->msid[0].track, sizeof(m->msid[0].track), "%s", mc->track_id);
	m->n_msid = 1;
	for (size_t i = 0; i < n; i++) {
		m->ssrcs[i].ssrc = ids[i];
		snprintf(m->ssrcs[i].cname, sizeof(m->ssrcs[i].cname), "%s", c->cname);
		snprintf(m->ssrcs[i].msid, sizeof(m->ssrcs[i].msid), "%s %s", c->stream_id,
			 mc->track_id);
	}
	m->n_ssrcs = n;
	if (n == 2) {
		snprintf(m->ssrc_groups[0].semantics, sizeof(m->ssrc_groups[0].semantics), "FID");
		m->ssrc_groups[0].n = 2;
		memcpy(m->ssrc_groups[0].ssrcs, ids, sizeof(ids));
		m->n_ssrc_groups = 1;
	}
	m->n_source = mc->n_source;
	memcpy(m->source, mc->source, mc->n_source * sizeof(mc->source[0]));
}

static const char *proto_for(int srtp, int fb)
{
	if (srtp)
		return fb ? "RTP/SAVPF" : "RTP/SAVP";
	return fb ? "RTP/AVPF" : "RTP/AVP";
}

static int caps_check(const struct cb_sdp_caps *c, char *why, size_t why_len)
{
	if (c->n_media > CB_SDP_MAX_MEDIA || c->n_suites > CB_SRTP_PROFILE_COUNT)
		return cb_sdp_say(why, why_len, CB_E_RANGE, "caps: more than %d media or %d suites",
				  CB_SDP_MAX_MEDIA, CB_SRTP_PROFILE_COUNT);
	for (size_t s = 0; s < c->n_suites; s++)
		if ((unsigned)c->suites[s] >= CB_SRTP_PROFILE_COUNT)
			return cb_sdp_say(why, why_len, CB_E_RANGE,
					  "caps: suite %zu is not an SRTP profile", s);
	if (!cb_sdp_is_word(c->addr, strlen(c->addr)))
		return cb_sdp_say(why, why_len, CB_E_FORMAT,
				  "caps: address \"%s\" is empty or has a space", c->addr);
	for (size_t i = 0; i < c->n_media; i++) {
		const struct cb_sdp_media_caps *mc = &c->media[i];

		if (mc->n_codecs < 1 || mc->n_codecs > CB_SDP_MAX_CODECS)
			return cb_sdp_say(why, why_len, CB_E_RANGE,
					  "caps media %zu: needs 1 to %d codecs", i,
					  CB_SDP_MAX_CODECS);
		if (mc->n_source > CB_SDP_MAX_SOURCE)
			return cb_sdp_say(why, why_len, CB_E_RANGE,
					  "caps media %zu: too many source entries", i);
		for (size_t k = 0; k < mc->n_codecs; k++) {
			const struct cb_codec_ops *ops = cb_codec_find(mc->codecs[k].name);

			if (!ops || ops->media != mc->kind)
				return cb_sdp_say(
				    why, why_len, CB_E_NOTFOUND,
				    "caps media %zu: \"%s\" is not a %s codec callbench has", i,
				    mc->codecs[k].name,
				    mc->kind == CB_MEDIA_VIDEO ? "video" : "audio");
		}
	}
	return 0;
}

static int wants_fb(const struct cb_sdp_media_caps *mc)
{
	return mc->fb || (mc->kind == CB_MEDIA_VIDEO && mc->rtx);
}

/* Media `i` of the offer; `fb`: the feedback profile (one proto for all, as BUNDLE wants). */
static int offer_media(struct cb_sdp *d, const struct cb_sdp_caps *c, size_t i, int fb,
		       int *next_vpt, int *next_apt, char *why, size_t why_len)
{
	const struct cb_sdp_media_caps *mc = &c->media[i];
	struct cb_sdp_media *m =
	    cb_sdp_add_media(d); /* caps_check: never more than there is room */
	int video = mc->kind == CB_MEDIA_VIDEO, rtx = video && mc->rtx;
	int *next_pt = video ? next_vpt : next_apt;
	const int last = video ? FIRST_AUDIO_PT - 1 : 127;
	int rc;

	snprintf(m->type, sizeof(m->type), "%s", video ? "video" : "audio");
	m->port = mc->port;
	snprintf(m->proto, sizeof(m->proto), "%s", proto_for(c->n_suites > 0, fb));
	if (mc->mid[0])
		snprintf(m->mid, sizeof(m->mid), "%s", mc->mid);
	else
		snprintf(m->mid, sizeof(m->mid), "%zu", i);
	m->dir = mc->dir ? mc->dir : CB_SDP_SENDRECV;
	m->rtcp_mux = c->rtcp_mux;
	for (size_t s = 0; s < c->n_suites; s++)
		if ((rc = add_crypto(m, (uint32_t)s + 1, c->suites[s], c)))
			return cb_sdp_say(why, why_len, rc, "drawing a key: %s", cb_strerror(rc));
	for (size_t k = 0; k < mc->n_codecs; k++) {
		const struct cb_codec_ops *ops = cb_codec_find(mc->codecs[k].name);
		struct cb_sdp_format *f;

		if (*next_pt + rtx > last)
			return cb_sdp_say(why, why_len, CB_E_RANGE,
					  "more %s codecs than dynamic payload types (%s)",
					  video ? "video" : "audio",
					  video ? "96 to 110" : "111 to 127");
		f = add_format(m, (*next_pt)++, ops->rtp_name, ops->clock_rate,
			       ops->media == CB_MEDIA_AUDIO && !strcmp(ops->name, "opus") ? 2 : 0,
			       mc->codecs[k].fmtp);
		f->fb.flags = mc->fb & CB_SDP_FB_ALL;
		if (rtx)
			add_rtx(m, (*next_pt)++, f);
	}
	if (cb_sdp_dir_sends(m->dir))
		add_sender(m, c, mc, rtx);
	return 0;
}

int cb_sdp_create_offer(const struct cb_sdp_caps *caps, struct cb_sdp *offer, char *why,
			size_t why_len)
{
	struct cb_sdp_caps *c;
	int next_vpt = FIRST_DYNAMIC_PT, next_apt = FIRST_AUDIO_PT, fb = 0, rc;

	if (why_len)
		why[0] = '\0';
	if ((rc = caps_check(caps, why, why_len)))
		return rc;
	c = malloc(sizeof(*c));
	if (!c)
		return cb_sdp_say(why, why_len, -ENOMEM, "out of memory");
	*c = *caps;
	if ((rc = cb_sdp_caps_fill(c))) {
		cb_sdp_say(why, why_len, rc, "drawing ids: %s", cb_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < c->n_media; i++)
		fb |= wants_fb(&c->media[i]);
	session_init(offer, c);
	for (size_t i = 0; i < c->n_media; i++)
		if ((rc = offer_media(offer, c, i, fb, &next_vpt, &next_apt, why, why_len)))
			goto out;
	if (c->bundle && c->n_media) {
		struct cb_sdp_group *g = &offer->groups[offer->n_groups++];

		snprintf(g->semantics, sizeof(g->semantics), "BUNDLE");
		for (size_t i = 0; i < offer->n_media; i++)
			snprintf(g->mids[g->n++], sizeof(g->mids[0]), "%s", offer->media[i].mid);
	}
out:
	if (rc)
		cb_sdp_reset(offer);
	free(c);
	return rc;
}

/* ---- answers ---- */

/* Why an offered m= line gets port 0, or NULL when it can be answered. */
struct answer_ctx {
	const struct cb_sdp_caps *c;
	const struct cb_sdp *offer;
	int used[CB_SDP_MAX_MEDIA]; /* caps media already answering an m= line */
	char *why;
	size_t why_len, why_used;
};

static void note_rejected(struct answer_ctx *a, size_t i, const char *reason)
{
	if (a->why_used < a->why_len) {
		int n = snprintf(a->why + a->why_used, a->why_len - a->why_used, "%smedia %zu: %s",
				 a->why_used ? "; " : "", i, reason);

		if (n > 0)
			a->why_used += (size_t)n;
		if (a->why_used >= a->why_len)
			a->why_used = a->why_len - 1;
	}
}

static void reject(struct cb_sdp_media *am, const struct cb_sdp_media *om)
{
	memset(am, 0, sizeof(*am));
	snprintf(am->type, sizeof(am->type), "%s", om->type);
	snprintf(am->proto, sizeof(am->proto), "%s", om->proto);
	snprintf(am->mid, sizeof(am->mid), "%s", om->mid);
	if (om->n_formats) {
		am->n_formats = 1;
		am->formats[0].pt = om->formats[0].pt;
	} else {
		snprintf(am->fmt_text, sizeof(am->fmt_text), "%s", om->fmt_text);
	}
}

/* The offered crypto line the answerer takes: its first suite that is offered usably. */
static const struct cb_sdp_crypto *choose_crypto(const struct cb_sdp_caps *c,
						 const struct cb_sdp_media *om)
{
	for (size_t s = 0; s < c->n_suites; s++)
		for (size_t k = 0; k < om->n_crypto; k++) {
			const struct cb_sdp_crypto *x = &om->crypto[k];

			if (x->suite == c->suites[s] && !x->mki[0] && !x->params[0])
				return x;
		}
	return NULL;
}

/* The offered format of codec preference `pref`, not yet taken, or NULL. */
static const struct cb_sdp_format *match_codec(const struct cb_sdp_media *om,
					       const struct cb_sdp_media *am,
					       const struct cb_sdp_codec_pref *pref)
{
	const struct cb_codec_ops *ops = cb_codec_find(pref->name);

	for (size_t i = 0; i < om->n_formats; i++) {
		const struct cb_sdp_format *f = &om->formats[i];

		if (cb_sdp_format_codec(f) == ops && !cb_sdp_media_format_c(am, f->pt) &&
		    cb_sdp_fmtp_compatible(ops, pref->fmtp, f->fmtp))
			return f;
	}
	return NULL;
}

/* The offered rtx format whose apt is `pt`, or NULL. */
static const struct cb_sdp_format *find_rtx(const struct cb_sdp_media *m, int pt, uint32_t clock)
{
	for (size_t i = 0; i < m->n_formats; i++) {
		const struct cb_sdp_format *f = &m->formats[i];

		if (!strcasecmp(f->name, "rtx") && f->clock_rate == clock &&
		    fmtp_num(f->fmtp, "apt", -1) == pt)
			return f;
	}
	return NULL;
}

static int answer_media(struct answer_ctx *a, size_t i, struct cb_sdp_media *am)
{
	const struct cb_sdp_caps *c = a->c;
	const struct cb_sdp_media *om = &a->offer->media[i];
	const struct cb_sdp_media_caps *mc = NULL;
	const struct cb_sdp_crypto *key = NULL;
	int kind = media_kind(om->type), srtp = cb_sdp_proto_is_srtp(om->proto);
	int fb_ok = cb_sdp_proto_has_fb(om->proto), send, recv, rc;
	enum cb_sdp_dir od = cb_sdp_media_dir(a->offer, om), cd;
	size_t k;

	reject(am, om);
	if (!om->port)
		return note_rejected(a, i, "disabled in the offer (port 0)"), 0;
	if (!cb_sdp_proto_is_rtp(om->proto) || kind < 0)
		return note_rejected(a, i, "not audio or video over RTP"), 0;
	for (k = 0; k < c->n_media; k++)
		if (!a->used[k] && (int)c->media[k].kind == kind) {
			mc = &c->media[k];
			break;
		}
	if (!mc)
		return note_rejected(a, i, "no more media of this kind to answer with"), 0;
	if (srtp) {
		key = choose_crypto(c, om);
		if (!key)
			return note_rejected(a, i,
					     om->n_crypto ? "no offered SRTP suite in common"
							  : "SRTP keyed by DTLS (no a=crypto); "
							    "callbench has SDES only"),
			       0;
	} else if (c->require_srtp) {
		return note_rejected(a, i, "plain RTP offered, SRTP required"), 0;
	}
	am->n_formats = 0; /* reject() left a placeholder */
	for (size_t p = 0; p < mc->n_codecs; p++) {
		const struct cb_sdp_format *of = match_codec(om, am, &mc->codecs[p]), *orx;
		struct cb_sdp_format *f;

		if (!of)
			continue;
		f = add_format(am, of->pt, of->name, of->clock_rate, of->channels,
			       mc->codecs[p].fmtp);
		if (fb_ok)
			f->fb.flags = (of->fb.flags | om->fb_all.flags) & mc->fb & CB_SDP_FB_ALL;
		orx =
		    kind == CB_MEDIA_VIDEO && mc->rtx ? find_rtx(om, of->pt, of->clock_rate) : NULL;
		if (orx && !cb_sdp_media_format_c(am, orx->pt))
			add_rtx(am, orx->pt, f);
	}
	if (!am->n_formats) {
		reject(am, om);
		return note_rejected(a, i, "no codec in common"), 0;
	}
	a->used[k] = 1;
	cd = mc->dir ? mc->dir : CB_SDP_SENDRECV;
	send = cb_sdp_dir_sends(cd) && cb_sdp_dir_recvs(od);
	recv = cb_sdp_dir_recvs(cd) && cb_sdp_dir_sends(od);
	am->dir = cb_sdp_dir_make(send, recv);
	am->port = mc->port;
	am->rtcp_mux = c->rtcp_mux && om->rtcp_mux;
	if (key && (rc = add_crypto(am, key->tag, key->suite, c)))
		return cb_sdp_say(a->why, a->why_len, rc, "drawing a key: %s", cb_strerror(rc));
	if (send)
		add_sender(am, c, mc,
			   find_rtx(am, am->formats[0].pt, am->formats[0].clock_rate) != NULL);
	return 0;
}

int cb_sdp_create_answer(const struct cb_sdp_caps *caps, const struct cb_sdp *offer,
			 struct cb_sdp *answer, char *why, size_t why_len)
{
	struct answer_ctx a = {.offer = offer, .why = why, .why_len = why_len};
	struct cb_sdp_caps *c;
	const struct cb_sdp_group *og = cb_sdp_find_group(offer, "BUNDLE");
	int rc;

	if (why_len)
		why[0] = '\0';
	if (offer == answer)
		return cb_sdp_say(why, why_len, -EINVAL,
				  "the answer cannot be written over its offer");
	if ((rc = caps_check(caps, why, why_len)))
		return rc;
	c = malloc(sizeof(*c));
	if (!c)
		return cb_sdp_say(why, why_len, -ENOMEM, "out of memory");
	*c = *caps;
	a.c = c;
	if ((rc = cb_sdp_caps_fill(c))) {
		cb_sdp_say(why, why_len, rc, "drawing ids: %s", cb_strerror(rc));
		goto out;
	}
	session_init(answer, c);
	for (size_t i = 0; i < offer->n_media; i++)
		if ((rc = answer_media(&a, i, cb_sdp_add_media(answer))))
			goto out;
	if (c->bundle && og) {
		struct cb_sdp_group *g = &answer->groups[0];

		snprintf(g->semantics, sizeof(g->semantics), "BUNDLE");
		for (size_t k = 0; k < og->n; k++) {
			const struct cb_sdp_media *m = cb_sdp_find_mid(answer, og->mids[k]);

			if (m && m->port)
				snprintf(g->mids[g->n++], sizeof(g->mids[0]), "%s", m->mid);
		}
		answer->n_groups = g->n > 0;
	}
out:
	if (rc)
		cb_sdp_reset(answer);
	free(c);
	return rc;
}

/* ---- what an offer and its answer agree ---- */

/* An end's media and RTX SSRC: the FID group's, or the first a=ssrc. */
static void side_ssrcs(const struct cb_sdp_media *m, uint32_t *ssrc, uint32_t *rtx)
{
	*ssrc = *rtx = 0;
	for (size_t i = 0; i < m->n_ssrc_groups; i++)
		if (!strcmp(m->ssrc_groups[i].semantics, "FID") && m->ssrc_groups[i].n >= 2) {
			*ssrc = m->ssrc_groups[i].ssrcs[0];
			*rtx = m->ssrc_groups[i].ssrcs[1];
			return;
		}
	if (m->n_ssrcs)
		*ssrc = m->ssrcs[0].ssrc;
}

static const char *ssrc_cname(const struct cb_sdp_media *m, uint32_t ssrc)
{
	for (size_t i = 0; i < m->n_ssrcs; i++)
		if (m->ssrcs[i].ssrc == ssrc)
			return m->ssrcs[i].cname;
	return "";
}

/* The answer's formats must be offered ones, named alike. */
static int answer_formats_offered(const struct cb_sdp_media *om, const struct cb_sdp_media *am,
				  size_t i, char *why, size_t why_len)
{
	for (size_t k = 0; k < am->n_formats; k++) {
		const struct cb_sdp_format *af = &am->formats[k];
		const struct cb_sdp_format *of = cb_sdp_media_format_c(om, af->pt);
		const struct cb_codec_ops *ops;

		if (!of)
			return cb_sdp_say(why, why_len, CB_E_FORMAT,
					  "answer media %zu: payload type %d was not offered", i,
					  af->pt);
		if (af->name[0] &&
		    (strcasecmp(af->name, of->name) || af->clock_rate != of->clock_rate))
			return cb_sdp_say(
			    why, why_len, CB_E_FORMAT,
			    "answer media %zu: payload type %d is %s/%u, offered as %s/%u", i,
			    af->pt, af->name, af->clock_rate, of->name, of->clock_rate);
		ops = cb_sdp_format_codec(of);
		if (ops && !cb_sdp_fmtp_compatible(ops, of->fmtp, af->fmtp))
			return cb_sdp_say(
			    why, why_len, CB_E_FORMAT,
			    "answer media %zu: payload type %d (%s) has another profile or "
			    "packetization mode than offered",
			    i, af->pt, ops->name);
	}
	return 0;
}

static int agree_keys(const struct cb_sdp_media *om, const struct cb_sdp_media *am, size_t i,
		      int local_is_offerer, struct cb_sdp_negotiated_media *nm, char *why,
		      size_t why_len)
{
	const struct cb_sdp_crypto *ac = &am->crypto[0], *oc = NULL;

	if (am->n_crypto != 1)
		return cb_sdp_say(why, why_len, CB_E_FORMAT,
				  "answer media %zu: needs exactly one a=crypto for %s, has %zu", i,
				  om->proto, am->n_crypto);
	for (size_t k = 0; k < om->n_crypto; k++)
		if (om->crypto[k].tag == ac->tag)
			oc = &om->crypto[k];
	if (!oc || oc->suite != ac->suite)
		return cb_sdp_say(why, why_len, CB_E_FORMAT,
				  "answer media %zu: a=crypto tag %u with %s was not offered", i,
				  ac->tag, cb_srtp_profile_name(ac->suite));
	if (ac->mki[0] || oc->mki[0])
		return cb_sdp_say(why, why_len, CB_E_FORMAT,
				  "answer media %zu: a=crypto with an MKI", i);
	nm->srtp = 1;
	nm->suite = ac->suite;
	nm->key_len = ac->key_len;
	memcpy(nm->local_key, local_is_offerer ? oc->key : ac->key, ac->key_len);
	memcpy(nm->remote_key, local_is_offerer ? ac->key : oc->key, ac->key_len);
	return 0;
}

/* Where the remote end receives media `rm`: its own m= line, or the BUNDLE one's. */
static void agree_transport(const struct cb_sdp *remote, const struct cb_sdp_media *rm,
			    const struct cb_sdp *answer, struct cb_sdp_negotiated_media *nm)
{
	const struct cb_sdp_group *g = cb_sdp_find_group(answer, "BUNDLE");
	const struct cb_sdp_media *tm = rm;
	const struct cb_sdp_addr *conn;

	if (g && g->n) {
		for (size_t k = 0; k < g->n; k++)
			if (!strcmp(g->mids[k], rm->mid)) {
				const struct cb_sdp_media *t = cb_sdp_find_mid(remote, g->mids[0]);

				tm = t ? t : rm;
				break;
			}
	}
	conn = cb_sdp_media_conn(remote, tm);
	snprintf(nm->remote_addr, sizeof(nm->remote_addr), "%s", conn ? conn->addr : "");
	nm->remote_port = tm->port;
	nm->remote_rtcp_port = nm->rtcp_mux    ? tm->port
			       : tm->rtcp_port ? tm->rtcp_port
					       : (uint16_t)(tm->port + 1);
}

static int agree_media(const struct cb_sdp *offer, const struct cb_sdp *answer, size_t i,
		       int local_is_offerer, struct cb_sdp_negotiated_media *nm, char *why,
		       size_t why_len)
{
	const struct cb_sdp_media *om = &offer->media[i], *am = &answer->media[i];
	const struct cb_sdp_media *lm = local_is_offerer ? om : am,
				  *rm = local_is_offerer ? am : om;
	const struct cb_sdp *remote = local_is_offerer ? answer : offer;
	enum cb_sdp_dir od = cb_sdp_media_dir(offer, om), ad = cb_sdp_media_dir(answer, am);
	const struct cb_sdp_format *af = NULL, *of, *rtx;
	const struct cb_codec_ops *ops = NULL;
	int kind = media_kind(om->type), rc;

	snprintf(nm->type, sizeof(nm->type), "%s", om->type);
	snprintf(nm->mid, sizeof(nm->mid), "%s", om->mid);
	nm->rtx_pt = -1;
	if (strcmp(om->type, am->type) || strcmp(om->mid, am->mid))
		return cb_sdp_say(why, why_len, CB_E_FORMAT,
				  "answer media %zu is %s mid \"%s\", the offer's %s mid \"%s\"", i,
				  am->type, am->mid, om->type, om->mid);
	if (!om->port || !am->port) {
		snprintf(nm->why, sizeof(nm->why), "%s",
			 !om->port ? "disabled in the offer" : "rejected in the answer");
		return 0;
	}
	if (!cb_sdp_proto_is_rtp(om->proto) || kind < 0) {
		snprintf(nm->why, sizeof(nm->why), "not audio or video over RTP");
		return 0;
	}
	if (strcmp(om->proto, am->proto))
		return cb_sdp_say(why, why_len, CB_E_FORMAT,
				  "answer media %zu: proto %s, offered %s", i, am->proto,
				  om->proto);
	if ((rc = answer_formats_offered(om, am, i, why, why_len)))
		return rc;
	for (size_t k = 0; k < am->n_formats && !ops; k++) {
		af = &am->formats[k];
		of = cb_sdp_media_format_c(om, af->pt);
		ops = cb_sdp_format_codec(of);
		if (ops && (int)ops->media != kind)
			ops = NULL;
	}
	if (!ops) {
		snprintf(nm->why, sizeof(nm->why), "the answer has no codec callbench has");
		return 0;
	}
	if ((cb_sdp_dir_sends(ad) && !cb_sdp_dir_recvs(od)) ||
	    (cb_sdp_dir_recvs(ad) && !cb_sdp_dir_sends(od)))
		return cb_sdp_say(why, why_len, CB_E_FORMAT,
				  "answer media %zu: %s does not answer %s", i, cb_sdp_dir_name(ad),
				  cb_sdp_dir_name(od));
	nm->rtcp_mux = om->rtcp_mux && am->rtcp_mux;
	if (cb_sdp_proto_is_srtp(om->proto) &&
	    (rc = agree_keys(om, am, i, local_is_offerer, nm, why, why_len)))
		return rc;
	of = cb_sdp_media_format_c(om, af->pt);
	snprintf(nm->codec, sizeof(nm->codec), "%s", ops->name);
	nm->pt = af->pt;
	nm->clock_rate = of->clock_rate;
	nm->channels = of->channels;
	snprintf(nm->fmtp_local, sizeof(nm->fmtp_local), "%s",
		 local_is_offerer ? of->fmtp : af->fmtp);
	snprintf(nm->fmtp_remote, sizeof(nm->fmtp_remote), "%s",
		 local_is_offerer ? af->fmtp : of->fmtp);
	rtx = find_rtx(am, af->pt, of->clock_rate);
	if (rtx && find_rtx(om, af->pt, of->clock_rate))
		nm->rtx_pt = rtx->pt;
	nm->fb =
	    (af->fb.flags | am->fb_all.flags) & (of->fb.flags | om->fb_all.flags) & CB_SDP_FB_ALL;
	nm->local_dir = local_is_offerer ? od : ad;
	nm->remote_dir = local_is_offerer ? ad : od;
	side_ssrcs(lm, &nm->local_ssrc, &nm->local_rtx_ssrc);
	side_ssrcs(rm, &nm->remote_ssrc, &nm->remote_rtx_ssrc);
	if (nm->rtx_pt < 0) { /* an RTX SSRC without RTX is no use */
		nm->local_rtx_ssrc = nm->remote_rtx_ssrc = 0;
	}
	snprintf(nm->remote_cname, sizeof(nm->remote_cname), "%s", ssrc_cname(rm, nm->remote_ssrc));
	agree_transport(remote, rm, answer, nm);
	nm->n_source = rm->n_source;
	memcpy(nm->source, rm->source, rm->n_source * sizeof(rm->source[0]));
	nm->accepted = 1;
	return 0;
}

int cb_sdp_negotiate(const struct cb_sdp *offer, const struct cb_sdp *answer, int local_is_offerer,
		     struct cb_sdp_negotiated *out, char *why, size_t why_len)
{
	int rc = 0;

	if (why_len)
		why[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (offer->n_media != answer->n_media)
		return cb_sdp_say(why, why_len, CB_E_FORMAT,
				  "the answer has %zu m= lines, the offer %zu", answer->n_media,
				  offer->n_media);
	out->n_media = offer->n_media;
	out->bundle = cb_sdp_find_group(answer, "BUNDLE") != NULL;
	for (size_t i = 0; !rc && i < offer->n_media; i++)
		rc = agree_media(offer, answer, i, local_is_offerer, &out->media[i], why, why_len);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}
