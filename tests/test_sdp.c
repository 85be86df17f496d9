/*
 * test_sdp.c — the SDP parser and writer: round trips of written and built
 * descriptions, a Chrome offer and an ffmpeg SDP read field by field,
 * every malformed line refused with its line number, limits, and the
 * writer refusing what would not read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "sdp/sdp.h"
#include "test_util.h"

#include "fuzz/sdp_samples.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define OUT_MAX (CB_SDP_MAX_SIZE + 1)

static char *read_fixture(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *buf = malloc(OUT_MAX);

	snprintf(path, sizeof(path), "fixtures/sdp/%s", name);
	f = fopen(path, "rb");
	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	*len = fread(buf, 1, OUT_MAX - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Every line end of `s` is CRLF. */
static int all_crlf(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return 0;
	return n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n';
}

/*
 * parse(write(d)) == d, and writing that again gives the same text; the
 * text has CRLF line ends.  Returns 0 when it all holds.
 */
static int round_trip(const struct cb_sdp *d, const char *what)
{
	struct cb_sdp *b = cb_sdp_new();
	char *t1 = malloc(OUT_MAX), *t2 = malloc(OUT_MAX), why[256] = "";
	size_t n1 = OUT_MAX, n2 = OUT_MAX;
	int bad = 1;

	CU_ASSERT_FATAL(b && t1 && t2);
	if (cb_sdp_write(d, t1, &n1, why, sizeof(why))) {
		printf("\n    %s: write: %s\n", what, why);
		goto out;
	}
	if (cb_sdp_parse(b, t1, n1, why, sizeof(why))) {
		printf("\n    %s: parse of the written text: %s\n%s\n", what, why, t1);
		goto out;
	}
	if (cb_sdp_diff(d, b, why, sizeof(why))) {
		printf("\n    %s: read back differs: %s\n", what, why);
		goto out;
	}
	if (cb_sdp_write(b, t2, &n2, why, sizeof(why)) || n1 != n2 || memcmp(t1, t2, n1)) {
		printf("\n    %s: written twice differs\n", what);
		goto out;
	}
	if (!all_crlf(t1, n1)) {
		printf("\n    %s: a line end is not CRLF\n", what);
		goto out;
	}
	bad = 0;
out:
	free(b);
	free(t1);
	free(t2);
	return bad;
}

static void test_samples_round_trip(void)
{
	struct cb_sdp *d = cb_sdp_new();
	char why[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (size_t i = 0; i < N(sdp_good); i++) {
		int rc = cb_sdp_parse(d, sdp_good[i], strlen(sdp_good[i]), why, sizeof(why));

		if (rc)
			printf("\n    sample %zu: %s\n", i, why);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(round_trip(d, "sample"), 0);
	}
	free(d);
}

static void test_fixtures_round_trip(void)
{
	static const char *const files[] = {"chrome-offer.sdp", "ffmpeg-srtp.sdp"};
	struct cb_sdp *d = cb_sdp_new();
	char why[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (size_t i = 0; i < N(files); i++) {
		size_t n;
		char *text = read_fixture(files[i], &n);

		if (!text)
			CB_SKIP("fixtures/sdp not found (run from the repository root)");
		CU_ASSERT_EQUAL(cb_sdp_parse(d, text, n, why, sizeof(why)), 0);
		CU_ASSERT_EQUAL(round_trip(d, files[i]), 0);
		free(text);
	}
	free(d);
}

/* The same description with LF and with CRLF line ends reads the same. */
static void test_lf_and_crlf(void)
{
	struct cb_sdp *a = cb_sdp_new(), *b = cb_sdp_new();
	const char *lf = sdp_good[1];
	char *crlf = malloc(2 * strlen(lf) + 1), why[256];
	size_t n = 0;

	CU_ASSERT_FATAL(a && b && crlf);
	for (const char *p = lf; *p; p++) {
		if (*p == '\n')
			crlf[n++] = '\r';
		crlf[n++] = *p;
	}
	CU_ASSERT_EQUAL(cb_sdp_parse(a, lf, strlen(lf), why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_sdp_parse(b, crlf, n, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_sdp_diff(a, b, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(a->n_media, 2);
	CU_ASSERT_EQUAL(a->media[1].dir, CB_SDP_RECVONLY); /* the last line, without a line end */
	free(a);
	free(b);
	free(crlf);
}

static int count_lines(const struct cb_sdp_lines *l, const char *prefix)
{
	int n = 0;

	for (const char *a = NULL; (a = cb_sdp_lines_next(l, a));)
		n += !strncmp(a, prefix, strlen(prefix));
	return n;
}

static void test_chrome_offer(void)
{
	struct cb_sdp *d = cb_sdp_new();
	const struct cb_sdp_media *a, *v;
	const struct cb_sdp_format *f;
	const struct cb_sdp_group *g;
	char *text, why[256];
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	text = read_fixture("chrome-offer.sdp", &n);
	if (!text) {
		free(d);
		CB_SKIP("fixtures/sdp not found (run from the repository root)");
	}
	CU_ASSERT_EQUAL_FATAL(cb_sdp_parse(d, text, n, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(d->origin.sess_id, 4611731400430051336ull);
	CU_ASSERT_EQUAL(d->origin.sess_version, 2);
	CU_ASSERT_EQUAL_FATAL(d->n_media, 2);
	g = cb_sdp_find_group(d, "BUNDLE");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->n, 2);
	CU_ASSERT_STRING_EQUAL(g->mids[1], "1");
	CU_ASSERT_EQUAL(count_lines(&d->attrs, "msid-semantic:"), 1);
	CU_ASSERT_EQUAL(count_lines(&d->attrs, "extmap-allow-mixed"), 1);

	a = &d->media[0];
	CU_ASSERT_STRING_EQUAL(a->type, "audio");
	CU_ASSERT_STRING_EQUAL(a->proto, "UDP/TLS/RTP/SAVPF");
	CU_ASSERT(cb_sdp_proto_is_srtp(a->proto) && cb_sdp_proto_has_fb(a->proto));
	CU_ASSERT_EQUAL(a->n_formats, 8);
	f = cb_sdp_media_format_c(a, 111);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->name, "opus");
	CU_ASSERT_EQUAL(f->clock_rate, 48000);
	CU_ASSERT_EQUAL(f->channels, 2);
	CU_ASSERT_STRING_EQUAL(f->fmtp, "minptime=10;useinbandfec=1");
	CU_ASSERT_EQUAL(f->fb.flags, 0);
	CU_ASSERT_EQUAL(f->fb.n_other, 1);
	CU_ASSERT_STRING_EQUAL(f->fb.other[0], "transport-cc");
	CU_ASSERT_EQUAL(a->ssrcs[0].ssrc, 3735928559u);
	CU_ASSERT_EQUAL(a->n_crypto, 0);
	CU_ASSERT_EQUAL(count_lines(&a->attrs, "extmap:"), 4);
	CU_ASSERT_EQUAL(count_lines(&a->attrs, "fingerprint:sha-256 4C:0E"), 1);

	v = &d->media[1];
	CU_ASSERT_STRING_EQUAL(v->mid, "1");
	CU_ASSERT_EQUAL(v->n_formats, 23);
	CU_ASSERT_EQUAL(v->dir, CB_SDP_SENDRECV);
	CU_ASSERT_EQUAL(v->rtcp_mux, 1);
	CU_ASSERT_EQUAL(v->rtcp_port, 9);
	CU_ASSERT_STRING_EQUAL(v->rtcp_addr, "IN IP4 0.0.0.0");
	CU_ASSERT_STRING_EQUAL(v->conn.addr, "0.0.0.0");
	f = &v->formats[0];
	CU_ASSERT_EQUAL(f->pt, 96);
	CU_ASSERT_STRING_EQUAL(f->name, "VP8");
	CU_ASSERT_EQUAL(f->fb.flags, CB_SDP_FB_NACK | CB_SDP_FB_PLI | CB_SDP_FB_FIR);
	CU_ASSERT_EQUAL(f->fb.n_other, 2);
	CU_ASSERT_STRING_EQUAL(f->fb.other[0], "goog-remb");
	f = cb_sdp_media_format_c(v, 97);
	CU_ASSERT_STRING_EQUAL(f->name, "rtx");
	CU_ASSERT_STRING_EQUAL(f->fmtp, "apt=96");
	f = cb_sdp_media_format_c(v, 104);
	CU_ASSERT_STRING_EQUAL(
	    f->fmtp, "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f");
	CU_ASSERT_EQUAL(v->n_msid, 1);
	CU_ASSERT_STRING_EQUAL(v->msid[0].stream, "5c3b4e9a-1f0d-4b1e-9d7a-2f6c0e8b7a41");
	CU_ASSERT_STRING_EQUAL(v->msid[0].track, "a7c1e0b4-3d92-4f58-b6e3-09d2c4f1a8e5");
	CU_ASSERT_EQUAL_FATAL(v->n_ssrc_groups, 1);
	CU_ASSERT_STRING_EQUAL(v->ssrc_groups[0].semantics, "FID");
	CU_ASSERT_EQUAL(v->ssrc_groups[0].ssrcs[0], 2882400001u);
	CU_ASSERT_EQUAL(v->ssrc_groups[0].ssrcs[1], 2882400002u);
	CU_ASSERT_EQUAL(v->n_ssrcs, 2);
	CU_ASSERT_STRING_EQUAL(v->ssrcs[1].cname, "Yq3k9Lw2Tz7bNc1p");
	CU_ASSERT_STRING_EQUAL(v->ssrcs[1].msid, "5c3b4e9a-1f0d-4b1e-9d7a-2f6c0e8b7a41 "
						 "a7c1e0b4-3d92-4f58-b6e3-09d2c4f1a8e5");
	/* extmap and the rest kept, in order */
	CU_ASSERT_EQUAL(count_lines(&v->attrs, "extmap:"), 11);
	CU_ASSERT_STRING_EQUAL(cb_sdp_lines_next(&v->attrs, NULL), "ice-ufrag:Qx8T");
	CU_ASSERT_EQUAL(count_lines(&v->attrs, "rtcp-rsize"), 1);
	free(text);
	free(d);
}

static void test_ffmpeg_sdp(void)
{
	static const uint8_t key_start[] = {'Y', 'S', '_', '_'};
	struct cb_sdp *d = cb_sdp_new();
	const struct cb_sdp_media *v, *a;
	char *text, why[256];
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	text = read_fixture("ffmpeg-srtp.sdp", &n);
	if (!text) {
		free(d);
		CB_SKIP("fixtures/sdp not found (run from the repository root)");
	}
	CU_ASSERT_EQUAL_FATAL(cb_sdp_parse(d, text, n, why, sizeof(why)), 0);
	CU_ASSERT_STRING_EQUAL(d->name, "No Name");
	CU_ASSERT_STRING_EQUAL(d->conn.addr, "127.0.0.1");
	CU_ASSERT_EQUAL(d->n_groups, 0);
	CU_ASSERT_EQUAL(count_lines(&d->attrs, "tool:libavformat"), 1);
	CU_ASSERT_EQUAL_FATAL(d->n_media, 2);
	v = &d->media[0];
	a = &d->media[1];
	CU_ASSERT_STRING_EQUAL(v->proto, "RTP/SAVP");
	CU_ASSERT(cb_sdp_proto_is_srtp(v->proto) && !cb_sdp_proto_has_fb(v->proto));
	CU_ASSERT_EQUAL(v->port, 5004);
	CU_ASSERT_EQUAL(v->mid[0], '\0');
	CU_ASSERT_PTR_NULL(v->conn.addr[0] ? v : NULL);
	CU_ASSERT_PTR_EQUAL(cb_sdp_media_conn(d, v), &d->conn);
	CU_ASSERT_EQUAL(v->n_bw, 1);
	CU_ASSERT_STRING_EQUAL(v->bw[0].type, "AS");
	CU_ASSERT_EQUAL(v->bw[0].value, 1000);
	CU_ASSERT_EQUAL_FATAL(v->n_crypto, 1);
	CU_ASSERT_EQUAL(v->crypto[0].tag, 1);
	CU_ASSERT_EQUAL(v->crypto[0].suite, CB_SRTP_AES128_CM_SHA1_80);
	CU_ASSERT_EQUAL(v->crypto[0].key_len, 30);
	CU_ASSERT_EQUAL(memcmp(v->crypto[0].key, key_start, sizeof(key_start)), 0);
	CU_ASSERT_EQUAL(cb_sdp_media_dir(d, v), CB_SDP_SENDRECV);
	CU_ASSERT_STRING_EQUAL(a->formats[0].name, "opus");
	CU_ASSERT_EQUAL(a->formats[0].channels, 2);
	CU_ASSERT_STRING_EQUAL(a->formats[0].fmtp, "sprop-stereo=0");
	free(text);
	free(d);
}

/* Each malformed description refused with its line and what is wrong. */
static void test_malformed(void)
{
	struct cb_sdp *d = cb_sdp_new();
	char why[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (size_t i = 0; i < N(sdp_bad); i++) {
		int rc = cb_sdp_parse(d, sdp_bad[i].sdp, strlen(sdp_bad[i].sdp), why, sizeof(why));

		if (!strstr(why, sdp_bad[i].why))
			printf("\n    bad %zu: got \"%s\", want \"%s\"\n", i, why, sdp_bad[i].why);
		CU_ASSERT_EQUAL(rc, sdp_bad[i].range ? CB_E_RANGE : CB_E_FORMAT);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, sdp_bad[i].why));
		CU_ASSERT_EQUAL(strncmp(why, "line ", 5), 0);
		/* nothing half-read is left */
		CU_ASSERT_EQUAL(d->n_media, 0);
		CU_ASSERT_EQUAL(d->origin.user[0], '\0');
	}
	free(d);
}

/* A description of SDP_HEAD, one m= line and `extra` lines of text. */
static size_t with_lines(char *buf, size_t room, const char *extra)
{
	return (size_t)snprintf(buf, room, SDP_HEAD "m=video 9 RTP/AVP 96\n%s", extra);
}

static void test_limits(void)
{
	struct cb_sdp *d = cb_sdp_new();
	char *buf = malloc(2 * OUT_MAX), *line = malloc(CB_SDP_MAX_LINE + 64), why[256];
	size_t n;

	CU_ASSERT_FATAL(d && buf && line);
	/* a line of exactly the limit is read, one byte more is not */
	memset(line, 'x', CB_SDP_MAX_LINE);
	memcpy(line, "a=", 2);
	strcpy(line + CB_SDP_MAX_LINE, "\n");
	n = with_lines(buf, 2 * OUT_MAX, line);
	CU_ASSERT_EQUAL(cb_sdp_parse(d, buf, n, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(strlen(cb_sdp_lines_next(&d->media[0].attrs, NULL)), CB_SDP_MAX_LINE - 2);
	CU_ASSERT_EQUAL(round_trip(d, "longest line"), 0);
	memset(line, 'x', CB_SDP_MAX_LINE + 1);
	memcpy(line, "a=", 2);
	strcpy(line + CB_SDP_MAX_LINE + 1, "\n");
	n = with_lines(buf, 2 * OUT_MAX, line);
	CU_ASSERT_EQUAL(cb_sdp_parse(d, buf, n, why, sizeof(why)), CB_E_RANGE);
	CU_ASSERT_STRING_EQUAL(why, "line 7: longer than 1024 bytes");

	/* fmtp parameters past their field */
	memset(line, 'p', CB_SDP_MAX_FMTP + 20);
	memcpy(line, "a=fmtp:96 ", 10);
	strcpy(line + CB_SDP_MAX_FMTP + 20, "\n");
	n = with_lines(buf, 2 * OUT_MAX, line);
	CU_ASSERT_EQUAL(cb_sdp_parse(d, buf, n, why, sizeof(why)), CB_E_RANGE);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(why, "line 7: a=fmtp parameters of payload type 96 are longer"));

	/* more unknown attributes than are kept */
	n = with_lines(buf, 2 * OUT_MAX, "");
	for (int i = 0; i <= CB_SDP_MAX_TEXT_LINES; i++)
		n += (size_t)snprintf(buf + n, 2 * OUT_MAX - n, "a=unknown-%d\n", i);
	CU_ASSERT_EQUAL(cb_sdp_parse(d, buf, n, why, sizeof(why)), CB_E_RANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "line 71: more than 64 unknown attributes"));

	/* more payload types than an m= line may list */
	n = (size_t)snprintf(buf, 2 * OUT_MAX, SDP_HEAD "m=video 9 RTP/AVP");
	for (int pt = 0; pt <= CB_SDP_MAX_FORMATS; pt++)
		n += (size_t)snprintf(buf + n, 2 * OUT_MAX - n, " %d", pt);
	CU_ASSERT_EQUAL(cb_sdp_parse(d, buf, n, why, sizeof(why)), CB_E_RANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "line 6: m= line lists more than 64 payload types"));

	/* a whole description past its limit (counted with CRLF line ends) */
	n = with_lines(buf, 2 * OUT_MAX, "");
	while (n < CB_SDP_MAX_SIZE)
		n += (size_t)snprintf(buf + n, 2 * OUT_MAX - n, "a=rtcp-mux\n");
	CU_ASSERT_EQUAL(cb_sdp_parse(d, buf, n, why, sizeof(why)), CB_E_RANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "the description passes 131072 bytes"));
	free(buf);
	free(line);
	free(d);
}

static void set(char *dst, size_t room, const char *s)
{
	snprintf(dst, room, "%s", s);
}

#define SET(dst, s) set(dst, sizeof(dst), s)

static void add_line(struct cb_sdp_lines *l, const char *s)
{
	CU_ASSERT_EQUAL(cb_sdp_lines_add(l, s, strlen(s)), 0);
}

static void base_session(struct cb_sdp *d)
{
	cb_sdp_clear(d);
	SET(d->origin.user, "-");
	d->origin.sess_id = 42;
	d->origin.sess_version = 1;
	SET(d->origin.addr.nettype, "IN");
	SET(d->origin.addr.addrtype, "IP4");
	SET(d->origin.addr.addr, "127.0.0.1");
	d->conn = d->origin.addr;
	SET(d->name, "-");
	d->n_times = 1;
}

/* Every field the model has, set by hand. */
static void full_description(struct cb_sdp *d)
{
	struct cb_sdp_media *m;
	struct cb_sdp_format *f;

	base_session(d);
	d->origin.sess_id = UINT64_MAX;
	SET(d->info, "all fields");
	add_line(&d->extra, "u=http://example.com/");
	add_line(&d->extra, "e=cb@example.com");
	d->n_bw = 1;
	SET(d->bw[0].type, "CT");
	d->bw[0].value = 4000;
	d->n_times = 2;
	d->times[0] = (struct cb_sdp_time){.start = 3724394400u, .stop = 3724398000u};
	SET(d->times[0].repeat, "7d 1h 0 25h");
	SET(d->zone, "2882844526 -1h");
	d->n_groups = 2;
	SET(d->groups[0].semantics, "BUNDLE");
	d->groups[0].n = 2;
	SET(d->groups[0].mids[0], "v");
	SET(d->groups[0].mids[1], "a");
	SET(d->groups[1].semantics, "LS");
	d->dir = CB_SDP_SENDONLY;
	add_line(&d->attrs, "ice-lite");
	d->n_media = 3;

	m = &d->media[0];
	SET(m->type, "video");
	m->port = 40000;
	m->port_count = 2;
	SET(m->proto, "RTP/SAVPF");
	m->n_formats = 3;
	f = &m->formats[0];
	f->pt = 100;
	SET(f->name, "H264");
	f->clock_rate = 90000;
	SET(f->fmtp, "profile-level-id=42e01f;packetization-mode=1");
	f->fb.flags = CB_SDP_FB_NACK | CB_SDP_FB_FIR;
	f->fb.n_other = 2;
	SET(f->fb.other[0], "ccm tmmbr");
	SET(f->fb.other[1], "goog-remb");
	f = &m->formats[1];
	f->pt = 101;
	SET(f->name, "rtx");
	f->clock_rate = 90000;
	SET(f->fmtp, "apt=100");
	m->formats[2].pt = 34; /* no rtpmap */
	m->formats[2].fb.flags = CB_SDP_FB_PLI;
	SET(m->info, "camera");
	SET(m->conn.nettype, "IN");
	SET(m->conn.addrtype, "IP6");
	SET(m->conn.addr, "2001:db8::1");
	m->n_bw = 2;
	SET(m->bw[0].type, "AS");
	m->bw[0].value = 900;
	SET(m->bw[1].type, "TIAS");
	m->bw[1].value = 880000;
	m->dir = CB_SDP_RECVONLY;
	SET(m->mid, "v");
	m->n_msid = 2;
	SET(m->msid[0].stream, "s1");
	SET(m->msid[0].track, "t1");
	SET(m->msid[1].stream, "s2");
	m->rtcp_mux = 1;
	m->rtcp_port = 40001;
	SET(m->rtcp_addr, "IN IP6 2001:db8::1");
	m->n_crypto = 2;
	m->crypto[0].tag = 999999999;
	m->crypto[0].suite = CB_SRTP_AES128_CM_SHA1_80;
	m->crypto[0].key_len = 30;
	for (int i = 0; i < 30; i++)
		m->crypto[0].key[i] = (uint8_t)(i * 7 + 1);
	SET(m->crypto[0].lifetime, "2^31");
	SET(m->crypto[0].mki, "5:2");
	SET(m->crypto[0].params, "FEC_ORDER=FEC_SRTP");
	m->crypto[1].tag = 2;
	m->crypto[1].suite = CB_SRTP_AEAD_AES_128_GCM;
	m->crypto[1].key_len = 28;
	memset(m->crypto[1].key, 0xff, 28);
	m->fb_all.flags = CB_SDP_FB_NACK;
	m->fb_all.n_other = 1;
	SET(m->fb_all.other[0], "transport-cc");
	m->n_ssrcs = 2;
	m->ssrcs[0].ssrc = 0;
	SET(m->ssrcs[0].cname, "with space and: colon");
	m->ssrcs[1].ssrc = UINT32_MAX;
	SET(m->ssrcs[1].msid, "s1 t1");
	m->n_ssrc_groups = 1;
	SET(m->ssrc_groups[0].semantics, "FID");
	m->ssrc_groups[0].n = 2;
	m->ssrc_groups[0].ssrcs[0] = 0;
	m->ssrc_groups[0].ssrcs[1] = UINT32_MAX;
	m->n_source = 3;
	SET(m->source[0].key, "kind");
	SET(m->source[0].value, "camera");
	SET(m->source[1].key, "text.v-1_x");
	SET(m->source[1].value, "a b=c, d");
	SET(m->source[2].key, "empty");
	add_line(&m->attrs, "extmap:1 urn:ietf:params:rtp-hdrext:toffset");
	add_line(&m->attrs, "ssrc:5 label:x");
	add_line(&m->attrs, "crypto:9 AES_256_CM_HMAC_SHA1_80 inline:abc");

	m = &d->media[1];
	SET(m->type, "audio");
	SET(m->proto, "RTP/AVP");
	m->n_formats = 1;
	m->formats[0].pt = 0;
	SET(m->mid, "a");

	m = &d->media[2];
	SET(m->type, "application");
	m->port = 9;
	SET(m->proto, "UDP/DTLS/SCTP");
	SET(m->fmt_text, "webrtc-datachannel");
	add_line(&m->attrs, "sctp-port:5000");
	add_line(&m->attrs, "fmtp:5000 not-a-payload-type");
}

static void test_built_round_trip(void)
{
	struct cb_sdp *d = cb_sdp_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	full_description(d);
	CU_ASSERT_EQUAL(round_trip(d, "every field"), 0);
	base_session(d);
	CU_ASSERT_EQUAL(round_trip(d, "no media"), 0);
	free(d);
}

static const char *pick(struct cb_rng *r, const char *const *list, size_t n)
{
	return list[cb_rng_next(r) % n];
}

#define PICK(r, list) pick(r, list, N(list))

/* A random description of what the model holds, all of it valid. */
static void random_description(struct cb_sdp *d, struct cb_rng *r)
{
	static const char *const protos[] = {"RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF",
					     "UDP/TLS/RTP/SAVPF"};
	static const char *const names[] = {"VP8", "VP9", "H264", "opus", "rtx", "red", "", ""};
	static const char *const fmtps[] = {"", "apt=96", "profile-id=2", "a=1; b=2 ", "x"};
	static const char *const others[] = {"goog-remb", "transport-cc", "ccm tmmbr", "nack sli"};
	static const char *const unknown[] = {"extmap:3 urn:x", "ice-ufrag:abc", "rtcp-rsize",
					      "ptime:20", "ssrc:1 mslabel:y"};

	base_session(d);
	d->origin.sess_id = cb_rng_next(r);
	d->dir = (enum cb_sdp_dir)(cb_rng_next(r) % 5);
	d->n_media = cb_rng_next(r) % (CB_SDP_MAX_MEDIA + 1);
	for (size_t i = 0; i < d->n_media; i++) {
		struct cb_sdp_media *m = &d->media[i];

		snprintf(m->mid, sizeof(m->mid), "m%zu", i);
		m->port = (uint16_t)cb_rng_next(r);
		m->dir = (enum cb_sdp_dir)(cb_rng_next(r) % 5);
		m->rtcp_mux = cb_rng_next(r) & 1;
		if (cb_rng_next(r) % 4 == 0) {
			SET(m->type, "application");
			SET(m->proto, "UDP/DTLS/SCTP");
			SET(m->fmt_text, "webrtc-datachannel 5000");
			continue;
		}
		SET(m->type, cb_rng_next(r) & 1 ? "video" : "audio");
		SET(m->proto, PICK(r, protos));
		m->n_formats = 1 + cb_rng_next(r) % CB_SDP_MAX_FORMATS;
		for (size_t k = 0; k < m->n_formats; k++) {
			struct cb_sdp_format *f = &m->formats[k];

			f->pt = (int)((k * 37 + i) % 128); /* 37 is prime to 128: all differ */
			SET(f->name, PICK(r, names));
			if (f->name[0]) {
				f->clock_rate = 1 + (uint32_t)(cb_rng_next(r) % 96000);
				f->channels = (uint32_t)(cb_rng_next(r) % 3);
			}
			SET(f->fmtp, PICK(r, fmtps));
			f->fb.flags = (unsigned)(cb_rng_next(r) % 8);
			f->fb.n_other = cb_rng_next(r) % (CB_SDP_MAX_FB_OTHER + 1);
			for (size_t j = 0; j < f->fb.n_other; j++)
				SET(f->fb.other[j], PICK(r, others));
		}
		if (cb_sdp_proto_is_srtp(m->proto)) {
			m->n_crypto = 1 + cb_rng_next(r) % 2;
			for (size_t c = 0; c < m->n_crypto; c++) {
				m->crypto[c].tag = (uint32_t)c + 1;
				m->crypto[c].suite = (enum cb_srtp_profile)(cb_rng_next(r) % 2);
				m->crypto[c].key_len = cb_srtp_key_len(m->crypto[c].suite);
				for (size_t b = 0; b < m->crypto[c].key_len; b++)
					m->crypto[c].key[b] = (uint8_t)cb_rng_next(r);
			}
		}
		m->n_ssrcs = cb_rng_next(r) % 3;
		for (size_t s = 0; s < m->n_ssrcs; s++) {
			m->ssrcs[s].ssrc = (uint32_t)cb_rng_next(r) | 1u << (s + 1);
			m->ssrcs[s].ssrc &= ~(uint32_t)(s ? 1 : 2); /* the two differ */
			SET(m->ssrcs[s].cname, "cname");
		}
		if (cb_rng_next(r) & 1) {
			m->n_source = 2;
			SET(m->source[0].key, "seed");
			snprintf(m->source[0].value, sizeof(m->source[0].value), "%llu",
				 (unsigned long long)cb_rng_next(r));
			SET(m->source[1].key, "pattern");
			SET(m->source[1].value, "bars");
		}
		for (size_t u = cb_rng_next(r) % 4; u; u--) {
			const char *a = PICK(r, unknown);

			cb_sdp_lines_add(&m->attrs, a, strlen(a));
		}
	}
	if (d->n_media && cb_rng_next(r) & 1) {
		d->n_groups = 1;
		SET(d->groups[0].semantics, "BUNDLE");
		d->groups[0].n = d->n_media;
		for (size_t i = 0; i < d->n_media; i++)
			SET(d->groups[0].mids[i], d->media[i].mid);
	}
}

static void test_random_round_trips(void)
{
	struct cb_sdp *d = cb_sdp_new();
	struct cb_rng r;
	int failed = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	cb_rng_seed(&r, 20240531);
	for (int i = 0; i < 300 && !failed; i++) {
		random_description(d, &r);
		failed = round_trip(d, "random description");
	}
	CU_ASSERT_EQUAL(failed, 0);
	free(d);
}

/* What the parser would not read back the same is refused, naming it. */
static void test_writer_refuses(void)
{
	struct cb_sdp *d = cb_sdp_new();
	char *out = malloc(OUT_MAX), why[256];
	size_t n;

	CU_ASSERT_FATAL(d && out);
#define REFUSED(code, text)                                                                        \
	do {                                                                                       \
		n = OUT_MAX;                                                                       \
		CU_ASSERT_EQUAL(cb_sdp_write(d, out, &n, why, sizeof(why)), code);                 \
		if (!strstr(why, text))                                                            \
			printf("\n    refused: \"%s\", want \"%s\"\n", why, text);                 \
		CU_ASSERT_PTR_NOT_NULL(strstr(why, text));                                         \
		full_description(d);                                                               \
	} while (0)

	full_description(d);
	SET(d->media[2].mid, "a b");
	REFUSED(CB_E_FORMAT, "media 2: mid \"a b\" is empty or has a space in it");
	add_line(&d->media[1].attrs, "rtpmap:0 PCMU/8000");
	REFUSED(CB_E_FORMAT, "media 1: unknown attribute \"rtpmap:0 PCMU/8000\" is one the model");
	SET(d->media[0].formats[0].fb.other[0], "nack pli");
	REFUSED(CB_E_FORMAT, "rtcp-fb \"nack pli\" belongs in the flags");
	d->n_times = 0;
	REFUSED(CB_E_FORMAT, "session: needs 1 to 4 t= lines");
	d->media[0].crypto[1].key_len = 30;
	REFUSED(CB_E_FORMAT, "a=crypto 2: a AEAD_AES_128_GCM key is 28 bytes, not 30");
	SET(d->groups[0].mids[1], "nope");
	REFUSED(CB_E_FORMAT, "group BUNDLE names mid \"nope\"");
	SET(d->media[0].source[0].value, "a;b");
	REFUSED(CB_E_FORMAT, "x-callbench-source entry \"kind\"");
	SET(d->info, "two\r\nlines");
	REFUSED(CB_E_FORMAT, "would hold control character 0x0d");
	/* the longest fmtp is written */
	memset(d->media[0].formats[0].fmtp, 'f', CB_SDP_MAX_FMTP - 1);
	d->media[0].formats[0].fmtp[CB_SDP_MAX_FMTP - 1] = '\0';
	n = OUT_MAX;
	CU_ASSERT_EQUAL(cb_sdp_write(d, out, &n, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(round_trip(d, "longest fmtp"), 0);
	full_description(d);
	memset(&d->media[0].conn, 0, sizeof(d->media[0].conn));
	memset(&d->conn, 0, sizeof(d->conn));
	REFUSED(CB_E_FORMAT, "media 0: no c= line for it or the session");
	d->media[2].n_formats = 1;
	REFUSED(CB_E_FORMAT, "media 2: a UDP/DTLS/SCTP m= section has no payload types");
	/* a buffer too small */
	n = 40;
	CU_ASSERT_EQUAL(cb_sdp_write(d, out, &n, why, sizeof(why)), CB_E_NOSPACE);
	CU_ASSERT_EQUAL(n, 40); /* unchanged on failure */
#undef REFUSED
	free(out);
	free(d);
}

static void test_helpers(void)
{
	struct cb_sdp *a = cb_sdp_new(), *b = cb_sdp_new();
	uint8_t key[46], back[46];
	char v[32], b64[4 * ((sizeof(key) + 2) / 3) + 1], where[128];
	size_t n;

	CU_ASSERT_FATAL(a && b);
	CU_ASSERT_EQUAL(
	    cb_sdp_fmtp_get("a=1; Profile-Level-Id=42e01f ;x=", "profile-level-id", v, sizeof(v)),
	    1);
	CU_ASSERT_STRING_EQUAL(v, "42e01f");
	CU_ASSERT_EQUAL(cb_sdp_fmtp_get("a=1;x=", "x", v, sizeof(v)), 1);
	CU_ASSERT_STRING_EQUAL(v, "");
	CU_ASSERT_EQUAL(cb_sdp_fmtp_get("apt=96", "ap", v, sizeof(v)), 0);
	CU_ASSERT_EQUAL(cb_sdp_fmtp_get("", "apt", v, sizeof(v)), 0);
	for (size_t len = 1; len <= sizeof(key); len++) {
		for (size_t i = 0; i < len; i++)
			key[i] = (uint8_t)(i * 91 + len);
		cb_sdp_base64_encode(key, len, b64);
		n = sizeof(back);
		CU_ASSERT_EQUAL(cb_sdp_base64_decode(b64, strlen(b64), back, &n), 0);
		CU_ASSERT_EQUAL(n, len);
		CU_ASSERT_EQUAL(memcmp(key, back, len), 0);
	}
	n = 2;
	CU_ASSERT_EQUAL(cb_sdp_base64_decode("AAAA", 4, back, &n), -1); /* 3 bytes, room 2 */
	n = sizeof(back);
	CU_ASSERT_EQUAL(cb_sdp_base64_decode("AA=A", 4, back, &n), -1);
	CU_ASSERT_EQUAL(cb_sdp_dir_from_name("sendonly"), CB_SDP_SENDONLY);
	CU_ASSERT_EQUAL(cb_sdp_dir_from_name("send"), -1);
	CU_ASSERT(cb_sdp_proto_is_rtp("UDP/TLS/RTP/SAVPF") &&
		  !cb_sdp_proto_is_rtp("UDP/DTLS/SCTP"));
	CU_ASSERT(!cb_sdp_proto_is_rtp("XRTP/AVP") && !cb_sdp_proto_is_srtp("RTP/AVPF"));
	/* the diff names the first difference */
	full_description(a);
	full_description(b);
	CU_ASSERT_EQUAL(cb_sdp_diff(a, b, where, sizeof(where)), 0);
	SET(b->media[0].formats[1].fmtp, "apt=101");
	CU_ASSERT_EQUAL(cb_sdp_diff(a, b, where, sizeof(where)), 1);
	CU_ASSERT_STRING_EQUAL(where, "media 0 format 1 fmtp: \"apt=100\" vs \"apt=101\"");
	full_description(b);
	b->media[0].crypto[1].key[27] ^= 1;
	CU_ASSERT_EQUAL(cb_sdp_diff(a, b, where, sizeof(where)), 1);
	CU_ASSERT_STRING_EQUAL(where, "media 0 crypto 1 key differs");
	full_description(b);
	add_line(&b->media[2].attrs, "x");
	CU_ASSERT_EQUAL(cb_sdp_diff(a, b, where, sizeof(where)), 1);
	CU_ASSERT_STRING_EQUAL(where, "media 2 attributes: 2 vs 3 lines");
	free(a);
	free(b);
}

int cb_suite_sdp(void)
{
	static const struct cb_test_case cases[] = {
	    {"sample descriptions read, write and read back the same", test_samples_round_trip},
	    {"the fixtures read, write and read back the same", test_fixtures_round_trip},
	    {"LF and CRLF line ends read the same", test_lf_and_crlf},
	    {"a Chrome offer, field by field", test_chrome_offer},
	    {"an ffmpeg SRTP SDP, field by field", test_ffmpeg_sdp},
	    {"malformed lines refused with their line number", test_malformed},
	    {"limits: line length, fmtp, kept attributes, payload types", test_limits},
	    {"a description with every field round-trips", test_built_round_trip},
	    {"300 random descriptions round-trip", test_random_round_trips},
	    {"the writer refuses what would not read back", test_writer_refuses},
	    {"fmtp parameters, base64 keys, directions, the diff", test_helpers},
	    {NULL, NULL},
	};

	return cb_add_suite("sdp", cases);
}
