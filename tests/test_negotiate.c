/*
 * test_negotiate.c — offer/answer: what the default caps agree, the
 * answerer's preference order, codecs in common or not (H.264 profiles,
 * VP9 profiles), RTX kept with its codec only, the direction table, the
 * SRTP suite chosen and each end's own keys, a Chrome offer and an ffmpeg
 * SDP answered, answers that do not answer their offer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "sdp/negotiate.h"
#include "test_util.h"

#include "fuzz/sdp_samples.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define OUT_MAX (CB_SDP_MAX_SIZE + 1)

/* Everything one exchange needs, on the heap. */
struct x {
	struct cb_sdp_caps oc, ac; /* the offerer's and the answerer's caps */
	struct cb_sdp offer, answer;
	struct cb_sdp_negotiated on, an; /* as the offerer and the answerer see it */
	char why[512];
	char text[OUT_MAX];
};

static struct x *x_new(void)
{
	struct x *x = calloc(1, sizeof(*x));

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	cb_sdp_caps_default(&x->oc);
	cb_sdp_caps_default(&x->ac);
	x->ac.media[0].port = 6004;
	x->ac.media[1].port = 6006;
	return x;
}

/* `d` written and read back, as signaling would carry it. */
static void through_text(struct x *x, struct cb_sdp *d)
{
	size_t n = sizeof(x->text);

	CU_ASSERT_EQUAL_FATAL(cb_sdp_write(d, x->text, &n, x->why, sizeof(x->why)), 0);
	if (cb_sdp_parse(d, x->text, n, x->why, sizeof(x->why)))
		printf("\n    %s\n%s\n", x->why, x->text);
	CU_ASSERT_EQUAL_FATAL(cb_sdp_parse(d, x->text, n, x->why, sizeof(x->why)), 0);
}

static void make_offer(struct x *x)
{
	CU_ASSERT_EQUAL_FATAL(cb_sdp_create_offer(&x->oc, &x->offer, x->why, sizeof(x->why)), 0);
	through_text(x, &x->offer);
}

/* The answer to x->offer, through text, and both ends' view of it. */
static void make_answer(struct x *x)
{
	CU_ASSERT_EQUAL_FATAL(
	    cb_sdp_create_answer(&x->ac, &x->offer, &x->answer, x->why, sizeof(x->why)), 0);
	through_text(x, &x->answer);
	CU_ASSERT_EQUAL_FATAL(
	    cb_sdp_negotiate(&x->offer, &x->answer, 1, &x->on, x->why, sizeof(x->why)), 0);
	CU_ASSERT_EQUAL_FATAL(
	    cb_sdp_negotiate(&x->offer, &x->answer, 0, &x->an, x->why, sizeof(x->why)), 0);
}

static void exchange(struct x *x)
{
	make_offer(x);
	make_answer(x);
}

/* The payload types of media `m`, in order, as "96 97 ...". */
static const char *pts(const struct cb_sdp_media *m, char *buf, size_t room)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n_formats && n < room; i++)
		n += (size_t)snprintf(buf + n, room - n, "%s%d", i ? " " : "", m->formats[i].pt);
	return buf;
}

/* The two ends' views of one media agree, mirrored. */
static void views_mirror(const struct cb_sdp_negotiated_media *o,
			 const struct cb_sdp_negotiated_media *a)
{
	CU_ASSERT_EQUAL(o->accepted, a->accepted);
	CU_ASSERT_STRING_EQUAL(o->codec, a->codec);
	CU_ASSERT_EQUAL(o->pt, a->pt);
	CU_ASSERT_EQUAL(o->rtx_pt, a->rtx_pt);
	CU_ASSERT_EQUAL(o->fb, a->fb);
	CU_ASSERT_EQUAL(o->local_dir, a->remote_dir);
	CU_ASSERT_EQUAL(o->remote_dir, a->local_dir);
	CU_ASSERT_STRING_EQUAL(o->fmtp_local, a->fmtp_remote);
	CU_ASSERT_STRING_EQUAL(o->fmtp_remote, a->fmtp_local);
	CU_ASSERT_EQUAL(o->srtp, a->srtp);
	CU_ASSERT_EQUAL(o->key_len, a->key_len);
	CU_ASSERT_EQUAL(memcmp(o->local_key, a->remote_key, o->key_len), 0);
	CU_ASSERT_EQUAL(memcmp(o->remote_key, a->local_key, o->key_len), 0);
	CU_ASSERT_EQUAL(o->local_ssrc, a->remote_ssrc);
	CU_ASSERT_EQUAL(o->remote_ssrc, a->local_ssrc);
	CU_ASSERT_EQUAL(o->local_rtx_ssrc, a->remote_rtx_ssrc);
	CU_ASSERT_EQUAL(o->remote_rtx_ssrc, a->local_rtx_ssrc);
}

static void test_default_call(void)
{
	struct x *x = x_new();
	const struct cb_sdp_media *ov, *oa, *av;
	const struct cb_sdp_negotiated_media *v, *a;
	char buf[128];

	exchange(x);
	ov = &x->offer.media[0];
	oa = &x->offer.media[1];
	av = &x->answer.media[0];
	CU_ASSERT_STRING_EQUAL(ov->proto, "RTP/SAVPF");
	CU_ASSERT_STRING_EQUAL(oa->proto, "RTP/SAVPF"); /* one profile for the bundle */
	CU_ASSERT_STRING_EQUAL(pts(ov, buf, sizeof(buf)), "96 97 98 99 100 101");
	CU_ASSERT_STRING_EQUAL(ov->formats[1].name, "rtx");
	CU_ASSERT_STRING_EQUAL(ov->formats[1].fmtp, "apt=96");
	CU_ASSERT_STRING_EQUAL(ov->formats[4].name, "H264");
	CU_ASSERT_STRING_EQUAL(ov->formats[0].name, "VP8");
	CU_ASSERT_EQUAL(ov->formats[0].fb.flags, CB_SDP_FB_NACK | CB_SDP_FB_PLI | CB_SDP_FB_FIR);
	CU_ASSERT_EQUAL(ov->formats[1].fb.flags, 0);
	CU_ASSERT_STRING_EQUAL(pts(oa, buf, sizeof(buf)), "111"); /* audio from 111, as Chromium */
	CU_ASSERT_STRING_EQUAL(oa->formats[0].name, "opus");
	CU_ASSERT_EQUAL(oa->formats[0].channels, 2);
	CU_ASSERT_STRING_EQUAL(oa->formats[0].fmtp, "minptime=10;useinbandfec=1;stereo=0");
	CU_ASSERT_EQUAL_FATAL(ov->n_crypto, 2);
	CU_ASSERT_EQUAL(ov->crypto[0].suite, CB_SRTP_AES128_CM_SHA1_80);
	CU_ASSERT_EQUAL(ov->crypto[1].suite, CB_SRTP_AEAD_AES_128_GCM);
	CU_ASSERT_NOT_EQUAL(memcmp(ov->crypto[0].key, ov->crypto[1].key, 28), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(ov->crypto[0].key, oa->crypto[0].key, 30), 0);
	CU_ASSERT_EQUAL(ov->n_ssrc_groups, 1);
	CU_ASSERT_STRING_EQUAL(ov->ssrcs[0].cname, oa->ssrcs[0].cname);
	CU_ASSERT_STRING_EQUAL(ov->mid, "0");
	CU_ASSERT_PTR_NOT_NULL(cb_sdp_find_group(&x->offer, "BUNDLE"));
	CU_ASSERT(ov->rtcp_mux);

	CU_ASSERT_STRING_EQUAL(pts(av, buf, sizeof(buf)), "96 97 98 99 100 101");
	CU_ASSERT_EQUAL(av->n_crypto, 1);
	CU_ASSERT_EQUAL(av->crypto[0].tag, 1);
	CU_ASSERT_EQUAL(av->dir, CB_SDP_SENDRECV);
	CU_ASSERT_EQUAL(av->port, 6004);

	CU_ASSERT_EQUAL_FATAL(x->on.n_media, 2);
	CU_ASSERT_EQUAL(x->on.bundle, 1);
	v = &x->on.media[0];
	a = &x->on.media[1];
	CU_ASSERT(v->accepted && a->accepted);
	CU_ASSERT_STRING_EQUAL(v->codec, "vp8");
	CU_ASSERT_EQUAL(v->pt, 96);
	CU_ASSERT_EQUAL(v->clock_rate, 90000);
	CU_ASSERT_EQUAL(v->rtx_pt, 97);
	CU_ASSERT_EQUAL(v->fb, CB_SDP_FB_NACK | CB_SDP_FB_PLI | CB_SDP_FB_FIR);
	CU_ASSERT_STRING_EQUAL(v->mid, "0");
	CU_ASSERT_EQUAL(v->srtp, 1);
	CU_ASSERT_EQUAL(v->suite, CB_SRTP_AES128_CM_SHA1_80);
	CU_ASSERT_EQUAL(v->key_len, 30);
	CU_ASSERT_NOT_EQUAL(memcmp(v->local_key, v->remote_key, 30), 0);
	CU_ASSERT_EQUAL(memcmp(v->local_key, ov->crypto[0].key, 30), 0);
	CU_ASSERT_EQUAL(memcmp(v->remote_key, av->crypto[0].key, 30), 0);
	CU_ASSERT_NOT_EQUAL(v->local_ssrc, 0);
	CU_ASSERT_NOT_EQUAL(v->local_rtx_ssrc, 0);
	CU_ASSERT_NOT_EQUAL(v->local_ssrc, v->local_rtx_ssrc);
	CU_ASSERT_EQUAL(v->remote_ssrc, av->ssrc_groups[0].ssrcs[0]);
	CU_ASSERT_STRING_EQUAL(v->remote_cname, av->ssrcs[0].cname);
	CU_ASSERT_EQUAL(v->rtcp_mux, 1);
	CU_ASSERT_STRING_EQUAL(v->remote_addr, "127.0.0.1");
	CU_ASSERT_EQUAL(v->remote_port, 6004);
	CU_ASSERT_EQUAL(v->remote_rtcp_port, 6004);
	CU_ASSERT_EQUAL(a->remote_port, 6004); /* bundled on the first mid's transport */
	CU_ASSERT_STRING_EQUAL(a->codec, "opus");
	CU_ASSERT_EQUAL(a->pt, 111);
	CU_ASSERT_EQUAL(a->channels, 2);
	CU_ASSERT_EQUAL(a->rtx_pt, -1);
	CU_ASSERT_EQUAL(a->local_rtx_ssrc, 0);
	CU_ASSERT_EQUAL(x->an.media[0].remote_port, 5004);
	for (size_t i = 0; i < 2; i++)
		views_mirror(&x->on.media[i], &x->an.media[i]);
	free(x);
}

static void test_answerer_preference(void)
{
	struct x *x = x_new();
	struct cb_sdp_media_caps *v = &x->ac.media[0];
	char buf[128];

	/* the answerer prefers H.264, then VP8; it has no VP9 */
	v->n_codecs = 2;
	v->codecs[0] = x->oc.media[0].codecs[2];
	v->codecs[1] = x->oc.media[0].codecs[0];
	exchange(x);
	CU_ASSERT_STRING_EQUAL(pts(&x->answer.media[0], buf, sizeof(buf)), "100 101 96 97");
	CU_ASSERT_STRING_EQUAL(x->on.media[0].codec, "h264");
	CU_ASSERT_EQUAL(x->on.media[0].pt, 100);
	CU_ASSERT_EQUAL(x->on.media[0].rtx_pt, 101);
	CU_ASSERT_STRING_EQUAL(x->on.media[0].fmtp_remote, v->codecs[0].fmtp);
	views_mirror(&x->on.media[0], &x->an.media[0]);
	free(x);
}

static void test_no_codec_in_common(void)
{
	struct x *x = x_new();
	const struct cb_sdp_group *g;

	x->oc.media[0].n_codecs = 1;
	x->oc.media[0].codecs[0] = x->oc.media[0].codecs[1]; /* VP9 only */
	x->ac.media[0].n_codecs = 1;			     /* VP8 only */
	make_offer(x);
	CU_ASSERT_EQUAL_FATAL(
	    cb_sdp_create_answer(&x->ac, &x->offer, &x->answer, x->why, sizeof(x->why)), 0);
	CU_ASSERT_STRING_EQUAL(x->why, "media 0: no codec in common");
	make_answer(x);
	CU_ASSERT_EQUAL(x->answer.media[0].port, 0);
	CU_ASSERT_EQUAL(x->answer.media[0].n_formats, 1); /* at least one, as SDP needs */
	CU_ASSERT_EQUAL(x->answer.media[0].n_crypto, 0);
	CU_ASSERT_STRING_EQUAL(x->answer.media[0].mid, "0");
	CU_ASSERT_EQUAL(x->answer.media[1].port, 6006);
	CU_ASSERT_EQUAL(x->on.media[0].accepted, 0);
	CU_ASSERT_STRING_EQUAL(x->on.media[0].why, "rejected in the answer");
	CU_ASSERT_EQUAL(x->on.media[1].accepted, 1);
	CU_ASSERT_STRING_EQUAL(x->on.media[1].codec, "opus");
	/* the bundle goes on without the rejected section */
	g = cb_sdp_find_group(&x->answer, "BUNDLE");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->n, 1);
	CU_ASSERT_STRING_EQUAL(g->mids[0], "1");
	CU_ASSERT_EQUAL(x->on.media[1].remote_port, 6006);
	free(x);
}

static void test_h264_profiles(void)
{
	static const struct {
		const char *a, *b;
		int same;
	} cases[] = {
	    {"profile-level-id=42e01f;packetization-mode=1",
	     "packetization-mode=1;profile-level-id=42e01f", 1},
	    {"profile-level-id=42e01f;packetization-mode=1",
	     "profile-level-id=42e00a;packetization-mode=1", 1}, /* level differs */
	    {"profile-level-id=42e01f;packetization-mode=1",
	     "profile-level-id=42C01F;packetization-mode=1", 1}, /* both constrained baseline */
	    {"profile-level-id=4d801f;packetization-mode=1",
	     "profile-level-id=42e01f;packetization-mode=1", 1}, /* CB written as main + set1 */
	    {"profile-level-id=42001f;packetization-mode=1",
	     "profile-level-id=42e01f;packetization-mode=1", 0}, /* baseline vs CB */
	    {"profile-level-id=4d001f;packetization-mode=1",
	     "profile-level-id=42e01f;packetization-mode=1", 0}, /* main */
	    {"profile-level-id=640c1f;packetization-mode=1",
	     "profile-level-id=64001f;packetization-mode=1", 0}, /* constrained high vs high */
	    {"profile-level-id=42e01f;packetization-mode=0",
	     "profile-level-id=42e01f;packetization-mode=1", 0},
	    {"profile-level-id=42e01f", "profile-level-id=42e01f;packetization-mode=0",
	     1},				/* absent = 0 */
	    {"", "profile-level-id=42001f", 1}, /* absent = 42000a, baseline */
	    {"profile-level-id=zz001f", "profile-level-id=zz001f", 0},
	    {"profile-level-id=42e01", "profile-level-id=42e01", 0},
	};
	const struct cb_codec_ops *h264 = cb_codec_find("h264"), *vp9 = cb_codec_find("vp9");
	struct x *x;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h264);
	for (size_t i = 0; i < N(cases); i++) {
		int got = cb_sdp_fmtp_compatible(h264, cases[i].a, cases[i].b);

		if (got != cases[i].same)
			printf("\n    %s | %s: %d\n", cases[i].a, cases[i].b, got);
		CU_ASSERT_EQUAL(got, cases[i].same);
		CU_ASSERT_EQUAL(cb_sdp_fmtp_compatible(h264, cases[i].b, cases[i].a),
				cases[i].same);
	}
	CU_ASSERT_EQUAL(cb_sdp_fmtp_compatible(vp9, "profile-id=0", ""), 1);
	CU_ASSERT_EQUAL(cb_sdp_fmtp_compatible(vp9, "profile-id=0", "profile-id=2"), 0);
	CU_ASSERT_EQUAL(cb_sdp_fmtp_compatible(cb_codec_find("vp8"), "x=1", "y=2"), 1);

	/* end to end: an offer of H.264 Main only, an answerer of Constrained Baseline only */
	x = x_new();
	x->oc.media[0].n_codecs = 1;
	x->oc.media[0].codecs[0] = x->oc.media[0].codecs[2];
	snprintf(x->oc.media[0].codecs[0].fmtp, CB_SDP_MAX_FMTP,
		 "packetization-mode=1;profile-level-id=4d001f");
	x->ac.media[0].n_codecs = 1;
	x->ac.media[0].codecs[0] = x->ac.media[0].codecs[2];
	exchange(x);
	CU_ASSERT_EQUAL(x->answer.media[0].port, 0);
	CU_ASSERT_EQUAL(x->an.media[0].accepted, 0);
	CU_ASSERT_EQUAL(x->an.media[1].accepted, 1);
	/* the same with the offer in Constrained Baseline at another level: taken */
	snprintf(x->oc.media[0].codecs[0].fmtp, CB_SDP_MAX_FMTP,
		 "packetization-mode=1;profile-level-id=42e034");
	exchange(x);
	CU_ASSERT_EQUAL(x->an.media[0].accepted, 1);
	CU_ASSERT_STRING_EQUAL(x->an.media[0].codec, "h264");
	CU_ASSERT_STRING_EQUAL(x->an.media[0].fmtp_remote,
			       "packetization-mode=1;profile-level-id=42e034");
	free(x);
}

static void test_rtx_with_its_codec(void)
{
	struct x *x = x_new();
	char buf[128];

	/* VP8 (96, rtx 97), VP9 (98, rtx 99) offered; the answerer has VP9 only */
	x->oc.media[0].n_codecs = 2;
	x->ac.media[0].n_codecs = 1;
	x->ac.media[0].codecs[0] = x->ac.media[0].codecs[1];
	exchange(x);
	CU_ASSERT_STRING_EQUAL(pts(&x->answer.media[0], buf, sizeof(buf)), "98 99");
	CU_ASSERT_STRING_EQUAL(x->answer.media[0].formats[1].fmtp, "apt=98");
	CU_ASSERT_EQUAL(x->an.media[0].rtx_pt, 99);
	CU_ASSERT_NOT_EQUAL(x->an.media[0].local_rtx_ssrc, 0);
	CU_ASSERT_EQUAL(x->answer.media[0].n_ssrc_groups, 1);

	/* an answerer without RTX keeps none, and says no RTX SSRC */
	x->ac.media[0].rtx = 0;
	make_answer(x);
	CU_ASSERT_STRING_EQUAL(pts(&x->answer.media[0], buf, sizeof(buf)), "98");
	CU_ASSERT_EQUAL(x->answer.media[0].n_ssrc_groups, 0);
	CU_ASSERT_EQUAL(x->an.media[0].rtx_pt, -1);
	CU_ASSERT_EQUAL(x->on.media[0].rtx_pt, -1);
	CU_ASSERT_EQUAL(x->on.media[0].local_rtx_ssrc, 0);
	CU_ASSERT_EQUAL(x->on.media[0].remote_rtx_ssrc, 0);

	/* an rtx whose apt names no kept codec is not kept */
	x->ac.media[0].rtx = 1;
	snprintf(x->offer.media[0].formats[3].fmtp, CB_SDP_MAX_FMTP, "apt=120");
	make_answer(x);
	CU_ASSERT_STRING_EQUAL(pts(&x->answer.media[0], buf, sizeof(buf)), "98");
	free(x);
}

static void test_direction_table(void)
{
	/* [offered][answerer wants] -> answered, RFC 3264 section 6.1 */
	static const enum cb_sdp_dir S = CB_SDP_SENDRECV, SO = CB_SDP_SENDONLY,
				     RO = CB_SDP_RECVONLY, IN = CB_SDP_INACTIVE;
	static const enum cb_sdp_dir dirs[4] = {CB_SDP_SENDRECV, CB_SDP_SENDONLY, CB_SDP_RECVONLY,
						CB_SDP_INACTIVE};
	static const enum cb_sdp_dir want[4][4] = {
	    /* offer sendrecv */ {S, SO, RO, IN},
	    /* offer sendonly */ {RO, IN, RO, IN},
	    /* offer recvonly */ {SO, SO, IN, IN},
	    /* offer inactive */ {IN, IN, IN, IN},
	};
	struct x *x = x_new();

	for (int o = 0; o < 4; o++)
		for (int a = 0; a < 4; a++) {
			const struct cb_sdp_media *am;

			x->oc.media[0].dir = dirs[o];
			x->ac.media[0].dir = dirs[a];
			exchange(x);
			am = &x->answer.media[0];
			if (am->dir != want[o][a])
				printf("\n    offer %s, answerer %s: %s\n",
				       cb_sdp_dir_name(dirs[o]), cb_sdp_dir_name(dirs[a]),
				       cb_sdp_dir_name(am->dir));
			CU_ASSERT_EQUAL(am->dir, want[o][a]);
			CU_ASSERT_EQUAL(x->on.media[0].local_dir, dirs[o]);
			CU_ASSERT_EQUAL(x->on.media[0].remote_dir, want[o][a]);
			views_mirror(&x->on.media[0], &x->an.media[0]);
			/* SSRCs are described by an end that sends */
			CU_ASSERT_EQUAL(am->n_ssrcs > 0, cb_sdp_dir_sends(want[o][a]));
			CU_ASSERT_EQUAL(x->offer.media[0].n_ssrcs > 0, cb_sdp_dir_sends(dirs[o]));
		}
	/* an answer that sends what the offer will not receive is no answer */
	x->oc.media[0].dir = CB_SDP_SENDONLY;
	x->ac.media[0].dir = CB_SDP_SENDRECV;
	exchange(x);
	x->answer.media[0].dir = CB_SDP_SENDRECV;
	CU_ASSERT_EQUAL(cb_sdp_negotiate(&x->offer, &x->answer, 1, &x->on, x->why, sizeof(x->why)),
			CB_E_FORMAT);
	CU_ASSERT_STRING_EQUAL(x->why, "answer media 0: sendrecv does not answer sendonly");
	CU_ASSERT_EQUAL(x->on.n_media, 0);
	free(x);
}

static void test_suite_choice(void)
{
	struct x *x = x_new();

	/* the answerer's first choice among the offered suites */
	x->ac.suites[0] = CB_SRTP_AEAD_AES_128_GCM;
	x->ac.suites[1] = CB_SRTP_AES128_CM_SHA1_80;
	exchange(x);
	CU_ASSERT_EQUAL(x->answer.media[0].crypto[0].tag, 2);
	CU_ASSERT_EQUAL(x->answer.media[0].crypto[0].suite, CB_SRTP_AEAD_AES_128_GCM);
	CU_ASSERT_EQUAL(x->on.media[0].suite, CB_SRTP_AEAD_AES_128_GCM);
	CU_ASSERT_EQUAL(x->on.media[0].key_len, 28);
	CU_ASSERT_EQUAL(memcmp(x->on.media[0].local_key, x->offer.media[0].crypto[1].key, 28), 0);
	views_mirror(&x->on.media[0], &x->an.media[0]);
	/* an offered line with an MKI is not taken: the next suite is */
	snprintf(x->offer.media[0].crypto[1].mki, 24, "1:4");
	make_answer(x);
	CU_ASSERT_EQUAL(x->answer.media[0].crypto[0].suite, CB_SRTP_AES128_CM_SHA1_80);
	CU_ASSERT_EQUAL(x->answer.media[0].crypto[0].tag, 1);
	/* only CM offered, only GCM answered: nothing in common, every section */
	x->oc.n_suites = 1;
	x->ac.n_suites = 1;
	exchange(x);
	CU_ASSERT(!x->on.media[0].accepted && !x->on.media[1].accepted);
	CU_ASSERT_EQUAL(cb_sdp_create_answer(&x->ac, &x->offer, &x->answer, x->why, sizeof(x->why)),
			0);
	CU_ASSERT_STRING_EQUAL(x->why, "media 0: no offered SRTP suite in common; "
				       "media 1: no offered SRTP suite in common");
	/* plain RTP offered: refused while SRTP is required, taken when not */
	x->oc.n_suites = 0;
	make_offer(x);
	CU_ASSERT_STRING_EQUAL(x->offer.media[0].proto, "RTP/AVPF");
	CU_ASSERT_EQUAL(x->offer.media[0].n_crypto, 0);
	x->ac.n_suites = 2;
	make_answer(x);
	CU_ASSERT_EQUAL(x->on.media[0].accepted, 0);
	x->ac.require_srtp = 0;
	make_answer(x);
	CU_ASSERT_EQUAL(x->on.media[0].accepted, 1);
	CU_ASSERT_EQUAL(x->on.media[0].srtp, 0);
	CU_ASSERT_EQUAL(x->answer.media[0].n_crypto, 0);
	CU_ASSERT_STRING_EQUAL(x->answer.media[0].proto, "RTP/AVPF");
	/* no feedback wanted anywhere: plain RTP/AVP (and SAVP), no rtcp-fb */
	for (int i = 0; i < 2; i++) {
		x->oc.media[i].fb = 0;
		x->oc.media[i].rtx = 0;
	}
	make_offer(x);
	CU_ASSERT_STRING_EQUAL(x->offer.media[0].proto, "RTP/AVP");
	CU_ASSERT_EQUAL(x->offer.media[0].formats[0].fb.flags, 0);
	x->oc.n_suites = 1;
	make_offer(x);
	CU_ASSERT_STRING_EQUAL(x->offer.media[0].proto, "RTP/SAVP");
	free(x);
}

static void test_keys_per_peer(void)
{
	struct x *x = x_new();
	struct cb_sdp *again = cb_sdp_new();
	uint8_t from = 0;
	size_t want;

	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	exchange(x);
	/* each end its own key; a new offer new keys */
	CU_ASSERT_NOT_EQUAL(memcmp(x->on.media[0].local_key, x->on.media[0].remote_key, 30), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(x->on.media[0].local_key, x->on.media[1].local_key, 30), 0);
	CU_ASSERT_EQUAL(cb_sdp_create_offer(&x->oc, again, x->why, sizeof(x->why)), 0);
	CU_ASSERT_NOT_EQUAL(
	    memcmp(again->media[0].crypto[0].key, x->offer.media[0].crypto[0].key, 30), 0);
	/* the keys come from the caps' random source, in order */
	x->oc.random = sdp_counting_random;
	x->oc.random_user = &from;
	x->oc.cname[0] = 'c'; /* nothing else left to draw first */
	x->oc.stream_id[0] = 's';
	x->oc.session_id = 1;
	for (int i = 0; i < 2; i++) {
		x->oc.media[i].ssrc = 10u + (unsigned)i;
		x->oc.media[i].rtx_ssrc = 20u + (unsigned)i;
		x->oc.media[i].track_id[0] = 't';
	}
	make_offer(x);
	for (size_t i = 0; i < 30; i++)
		CU_ASSERT_EQUAL(x->offer.media[0].crypto[0].key[i], i);
	CU_ASSERT_EQUAL(x->offer.media[0].crypto[1].key[0], 30);
	want = 30 + 28;
	CU_ASSERT_EQUAL(x->offer.media[1].crypto[0].key[0], want);
	CU_ASSERT_EQUAL(x->offer.media[0].ssrcs[0].ssrc, 10);
	CU_ASSERT_EQUAL(x->offer.media[0].ssrcs[1].ssrc, 20);
	/* what the caps leave open is drawn, and differs */
	x->oc.random = NULL;
	memset(x->oc.media[0].track_id, 0, CB_SDP_TOKEN_LEN);
	x->oc.media[0].ssrc = x->oc.media[0].rtx_ssrc = 0;
	x->oc.cname[0] = '\0';
	CU_ASSERT_EQUAL(cb_sdp_caps_fill(&x->oc), 0);
	CU_ASSERT(x->oc.media[0].ssrc && x->oc.media[0].rtx_ssrc &&
		  x->oc.media[0].ssrc != x->oc.media[0].rtx_ssrc);
	CU_ASSERT_EQUAL(strlen(x->oc.cname), 16);
	CU_ASSERT_EQUAL(strlen(x->oc.media[0].track_id), 16);
	free(again);
	free(x);
}

/* A failing random source fails the offer, leaving nothing half made. */
static int broken(void *user, uint8_t *buf, size_t len)
{
	return -EIO;
}

/* A source of zeros: no SSRC can be drawn from it. */
static int zeros(void *user, uint8_t *buf, size_t len)
{
	memset(buf, 0, len);
	return 0;
}

static void test_random_failure(void)
{
	struct x *x = x_new();

	x->oc.random = broken;
	CU_ASSERT_EQUAL(cb_sdp_create_offer(&x->oc, &x->offer, x->why, sizeof(x->why)), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(x->why, "drawing"));
	CU_ASSERT_EQUAL(x->offer.n_media, 0);
	x->oc.random = zeros; /* ends, with an error, rather than drawing for ever */
	CU_ASSERT_EQUAL(cb_sdp_create_offer(&x->oc, &x->offer, x->why, sizeof(x->why)),
			CB_E_CRYPTO);
	CU_ASSERT_EQUAL(x->offer.n_media, 0);
	free(x);
}

static struct cb_sdp *read_offer(const char *name, struct x *x)
{
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "fixtures/sdp/%s", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	n = fread(x->text, 1, sizeof(x->text), f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(cb_sdp_parse(&x->offer, x->text, n, x->why, sizeof(x->why)), 0);
	return &x->offer;
}

static void test_chrome_offer_answered(void)
{
	static const uint8_t key[30] = {1, 2, 3};
	struct x *x = x_new();
	const struct cb_sdp_media *v;
	char buf[128];

	if (!read_offer("chrome-offer.sdp", x)) {
		free(x);
		CB_SKIP("fixtures/sdp not found (run from the repository root)");
	}
	/* Chrome keys SRTP with DTLS: nothing an SDES end can take */
	CU_ASSERT_EQUAL(cb_sdp_create_answer(&x->ac, &x->offer, &x->answer, x->why, sizeof(x->why)),
			0);
	CU_ASSERT_PTR_NOT_NULL(strstr(x->why, "media 0: SRTP keyed by DTLS (no a=crypto)"));
	CU_ASSERT(x->answer.media[0].port == 0 && x->answer.media[1].port == 0);
	CU_ASSERT_EQUAL(x->answer.n_groups, 0);
	/* the same offer with SDES keys, as an SDES-capable browser would send */
	for (int i = 0; i < 2; i++) {
		struct cb_sdp_crypto *c = &x->offer.media[i].crypto[0];

		x->offer.media[i].n_crypto = 1;
		c->tag = 1;
		c->suite = CB_SRTP_AES128_CM_SHA1_80;
		c->key_len = 30;
		memcpy(c->key, key, 30);
	}
	make_answer(x);
	v = &x->answer.media[0];
	CU_ASSERT_STRING_EQUAL(x->answer.media[0].type, "audio");
	CU_ASSERT_STRING_EQUAL(pts(&x->answer.media[0], buf, sizeof(buf)), "111");
	CU_ASSERT_STRING_EQUAL(x->answer.media[0].formats[0].fmtp,
			       "minptime=10;useinbandfec=1;stereo=0");
	v = &x->answer.media[1];
	CU_ASSERT_STRING_EQUAL(v->proto, "UDP/TLS/RTP/SAVPF");
	/* VP8, VP9 profile 0 (not 100, profile 2), H.264 CB mode 1 (106: not 102
	 * baseline, not 108 mode 0), each with its rtx */
	CU_ASSERT_STRING_EQUAL(pts(v, buf, sizeof(buf)), "96 97 98 99 106 107");
	CU_ASSERT_EQUAL(v->formats[0].fb.flags, CB_SDP_FB_NACK | CB_SDP_FB_PLI | CB_SDP_FB_FIR);
	CU_ASSERT_EQUAL(v->formats[0].fb.n_other, 0); /* goog-remb, transport-cc: not ours */
	CU_ASSERT_STRING_EQUAL(v->mid, "1");
	CU_ASSERT_EQUAL(x->answer.n_groups, 1);
	CU_ASSERT_EQUAL(x->answer.groups[0].n, 2);
	CU_ASSERT_EQUAL(x->an.media[1].accepted, 1);
	CU_ASSERT_STRING_EQUAL(x->an.media[1].codec, "vp8");
	CU_ASSERT_EQUAL(x->an.media[1].rtx_pt, 97);
	CU_ASSERT_EQUAL(x->an.media[1].remote_ssrc, 2882400001u);
	CU_ASSERT_EQUAL(x->an.media[1].remote_rtx_ssrc, 2882400002u);
	CU_ASSERT_STRING_EQUAL(x->an.media[1].remote_cname, "Yq3k9Lw2Tz7bNc1p");
	CU_ASSERT_EQUAL(memcmp(x->an.media[1].remote_key, key, 30), 0);
	CU_ASSERT_STRING_EQUAL(x->an.media[0].codec, "opus");
	CU_ASSERT_EQUAL(x->an.media[0].remote_ssrc, 3735928559u);
	CU_ASSERT_STRING_EQUAL(x->an.media[0].fmtp_remote, "minptime=10;useinbandfec=1");
	CU_ASSERT_STRING_EQUAL(x->an.media[1].remote_addr, "0.0.0.0");
	CU_ASSERT_EQUAL(x->an.media[1].remote_port, 9);
	free(x);
}

static void test_ffmpeg_sdp_answered(void)
{
	struct x *x = x_new();

	if (!read_offer("ffmpeg-srtp.sdp", x)) {
		free(x);
		CB_SKIP("fixtures/sdp not found (run from the repository root)");
	}
	make_answer(x);
	CU_ASSERT_EQUAL(x->answer.n_groups, 0); /* none offered */
	CU_ASSERT_EQUAL(x->answer.media[0].rtcp_mux, 0);
	CU_ASSERT_STRING_EQUAL(x->answer.media[0].proto, "RTP/SAVP");
	CU_ASSERT_EQUAL(x->answer.media[0].formats[0].fb.flags, 0); /* no feedback profile */
	CU_ASSERT(x->an.media[0].accepted && x->an.media[1].accepted);
	CU_ASSERT_STRING_EQUAL(x->an.media[0].codec, "vp8");
	CU_ASSERT_EQUAL(x->an.media[0].rtx_pt, -1);
	CU_ASSERT_STRING_EQUAL(x->an.media[1].codec, "opus");
	CU_ASSERT_EQUAL(x->an.media[1].pt, 97);
	CU_ASSERT_EQUAL(x->an.media[1].remote_port, 5006);
	CU_ASSERT_EQUAL(x->an.media[1].remote_rtcp_port, 5007);
	CU_ASSERT_STRING_EQUAL(x->an.media[1].remote_addr, "127.0.0.1");
	CU_ASSERT_EQUAL(memcmp(x->an.media[0].remote_key, x->offer.media[0].crypto[0].key, 30), 0);
	CU_ASSERT_EQUAL(x->an.media[0].remote_ssrc, 0); /* ffmpeg does not say */
	free(x);
}

static void test_answers_that_do_not_answer(void)
{
	struct x *x = x_new();
	struct cb_sdp *bad = cb_sdp_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
	exchange(x);
#define NOT_AN_ANSWER(change, text)                                                                \
	do {                                                                                       \
		*bad = x->answer;                                                                  \
		change;                                                                            \
		CU_ASSERT_EQUAL(                                                                   \
		    cb_sdp_negotiate(&x->offer, bad, 0, &x->an, x->why, sizeof(x->why)),           \
		    CB_E_FORMAT);                                                                  \
		if (strcmp(x->why, text))                                                          \
			printf("\n    got \"%s\"\n", x->why);                                      \
		CU_ASSERT_STRING_EQUAL(x->why, text);                                              \
	} while (0)

	NOT_AN_ANSWER(bad->n_media = 1, "the answer has 1 m= lines, the offer 2");
	NOT_AN_ANSWER(bad->media[0].formats[0].pt = 120,
		      "answer media 0: payload type 120 was not offered");
	NOT_AN_ANSWER(snprintf(bad->media[0].formats[0].name, CB_SDP_NAME_LEN, "VP9"),
		      "answer media 0: payload type 96 is VP9/90000, offered as VP8/90000");
	NOT_AN_ANSWER(
	    bad->media[0].crypto[0].tag = 5,
	    "answer media 0: a=crypto tag 5 with AES_CM_128_HMAC_SHA1_80 was not offered");
	NOT_AN_ANSWER(
	    (bad->media[0].crypto[1] = bad->media[0].crypto[0], bad->media[0].n_crypto = 2),
	    "answer media 0: needs exactly one a=crypto for RTP/SAVPF, has 2");
	NOT_AN_ANSWER(
	    snprintf(bad->media[0].formats[4].fmtp, CB_SDP_MAX_FMTP,
		     "profile-level-id=64001f;packetization-mode=1"),
	    "answer media 0: payload type 100 (h264) has another profile or packetization "
	    "mode than offered");
	NOT_AN_ANSWER(snprintf(bad->media[1].mid, CB_SDP_TOKEN_LEN, "x"),
		      "answer media 1 is audio mid \"x\", the offer's audio mid \"1\"");
	NOT_AN_ANSWER(snprintf(bad->media[1].proto, CB_SDP_NAME_LEN, "RTP/AVPF"),
		      "answer media 1: proto RTP/AVPF, offered RTP/SAVPF");
#undef NOT_AN_ANSWER
	free(bad);
	free(x);
}

static void test_source_description(void)
{
	struct x *x = x_new();
	struct cb_sdp_media_caps *v = &x->oc.media[0], *a = &x->ac.media[1];

	v->n_source = 2;
	snprintf(v->source[0].key, CB_SDP_NAME_LEN, "pattern");
	snprintf(v->source[0].value, CB_SDP_VALUE_LEN, "bars");
	snprintf(v->source[1].key, CB_SDP_NAME_LEN, "seed");
	snprintf(v->source[1].value, CB_SDP_VALUE_LEN, "42");
	a->n_source = 1;
	snprintf(a->source[0].key, CB_SDP_NAME_LEN, "tone");
	snprintf(a->source[0].value, CB_SDP_VALUE_LEN, "440");
	exchange(x);
	CU_ASSERT_EQUAL(x->offer.media[0].n_source, 2);
	CU_ASSERT_EQUAL_FATAL(x->an.media[0].n_source, 2);
	CU_ASSERT_STRING_EQUAL(x->an.media[0].source[1].key, "seed");
	CU_ASSERT_STRING_EQUAL(x->an.media[0].source[1].value, "42");
	CU_ASSERT_EQUAL(x->on.media[0].n_source, 0); /* the answerer sends no video source */
	CU_ASSERT_EQUAL_FATAL(x->on.media[1].n_source, 1);
	CU_ASSERT_STRING_EQUAL(x->on.media[1].source[0].value, "440");
	/* a receive-only end describes no source */
	v->dir = CB_SDP_RECVONLY;
	make_offer(x);
	CU_ASSERT_EQUAL(x->offer.media[0].n_source, 0);
	free(x);
}

static void test_caps_errors(void)
{
	struct x *x = x_new();

	snprintf(x->oc.media[0].codecs[1].name, 16, "av1");
	CU_ASSERT_EQUAL(cb_sdp_create_offer(&x->oc, &x->offer, x->why, sizeof(x->why)),
			CB_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(x->why, "caps media 0: \"av1\" is not a video codec callbench has");
	snprintf(x->oc.media[0].codecs[1].name, 16, "opus");
	CU_ASSERT_EQUAL(cb_sdp_create_offer(&x->oc, &x->offer, x->why, sizeof(x->why)),
			CB_E_NOTFOUND);
	cb_sdp_caps_default(&x->oc);
	x->oc.media[1].n_codecs = 0;
	CU_ASSERT_EQUAL(cb_sdp_create_offer(&x->oc, &x->offer, x->why, sizeof(x->why)), CB_E_RANGE);
	CU_ASSERT_STRING_EQUAL(x->why, "caps media 1: needs 1 to 8 codecs");
	cb_sdp_caps_default(&x->oc);
	x->oc.addr[0] = '\0';
	CU_ASSERT_EQUAL(cb_sdp_create_offer(&x->oc, &x->offer, x->why, sizeof(x->why)),
			CB_E_FORMAT);
	/* an IPv6 address is written as one */
	cb_sdp_caps_default(&x->oc);
	snprintf(x->oc.addr, sizeof(x->oc.addr), "::1");
	make_offer(x);
	CU_ASSERT_STRING_EQUAL(x->offer.conn.addrtype, "IP6");
	free(x);
}

int cb_suite_negotiate(void)
{
	static const struct cb_test_case cases[] = {
	    {"default caps: what the offer, the answer and both ends say", test_default_call},
	    {"the answer keeps the answerer's preference order", test_answerer_preference},
	    {"no codec in common: port 0, the other media goes on", test_no_codec_in_common},
	    {"H.264 profiles and packetization modes, VP9 profiles", test_h264_profiles},
	    {"RTX kept only with its codec", test_rtx_with_its_codec},
	    {"the direction table (RFC 3264 6.1)", test_direction_table},
	    {"the SRTP suite: the answerer's choice among those offered", test_suite_choice},
	    {"each end its own keys, from the caps' random source", test_keys_per_peer},
	    {"a failing random source fails the offer", test_random_failure},
	    {"a Chrome offer answered", test_chrome_offer_answered},
	    {"an ffmpeg SDP answered", test_ffmpeg_sdp_answered},
	    {"answers that do not answer their offer", test_answers_that_do_not_answer},
	    {"x-callbench-source carried to the receiver", test_source_description},
	    {"caps errors", test_caps_errors},
	    {NULL, NULL},
	};

	return cb_add_suite("negotiate", cases);
}
