/*
 * Each end's session: the source description that travels in the SDP
 * (a=x-callbench-source), capture times from the sender's reports, and a
 * call whose two ends learn of each other only from the offer, the answer
 * and the wire.
 */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "call/call.h"
#include "call/session.h"
#include "report/report.h"
#include "report_check.h"
#include "rtp/rtcp.h"
#include "rx/srmap.h"
#include "sdp/negotiate.h"
#include "sdp/sdp.h"
#include "test_util.h"

static void test_source_round_trip(void)
{
	struct cb_call_cfg c;
	struct cb_source_desc d, back;
	struct cb_sdp_kv kv[CB_SDP_MAX_SOURCE];
	size_t n = 0;
	char why[256] = "";

	cb_call_cfg_default(&c);
	c.width = 640;
	c.height = 360;
	c.native_width = 1280;
	c.native_height = 720;
	c.fps = 25;
	c.seed = 4000000001ULL;
	c.mark_period_ms = 250;
	c.audio_frame_ms = 10;
	cb_source_desc_from_cfg(&d, &c);
	d.audio_delay = 312;
	memset(&back, 0, sizeof(back));
	for (int m = 0; m < 2; m++) {
		CU_ASSERT_EQUAL_FATAL(cb_source_desc_format(&d, (enum cb_media)m, kv, &n), 0);
		CU_ASSERT_EQUAL(
		    cb_source_desc_parse(&back, (enum cb_media)m, kv, n, why, sizeof(why)), 0);
	}
	CU_ASSERT_EQUAL(back.camera.track.width, 640);
	CU_ASSERT_EQUAL(back.camera.track.height, 360);
	CU_ASSERT_EQUAL(back.camera.track.fps_num, 25);
	CU_ASSERT_EQUAL(back.camera.track.fps_den, 1);
	CU_ASSERT_EQUAL(back.camera.track.seed, 4000000001u);
	CU_ASSERT_EQUAL(back.camera.native_width, 1280);
	CU_ASSERT_EQUAL(back.camera.native_height, 720);
	CU_ASSERT_EQUAL(back.mic.frame_samples, 480);
	CU_ASSERT_EQUAL(back.mic.marks.period_ms, 250);
	CU_ASSERT_EQUAL(back.mic.marks.sample_rate, 48000);
	CU_ASSERT_DOUBLE_EQUAL(back.mic.level_dbfs, d.mic.level_dbfs, 0);
	CU_ASSERT_DOUBLE_EQUAL(back.mic.marks.level_dbfs, d.mic.marks.level_dbfs, 0);
	CU_ASSERT_EQUAL(back.mic.seed, d.mic.seed);
	CU_ASSERT_EQUAL(back.audio_delay, 312);
}

/* Parse "k=v;k=v" as a=x-callbench-source of `m`; the error text in why. */
static int parse_text(const char *text, enum cb_media m, char *why, size_t len)
{
	struct cb_sdp_kv kv[CB_SDP_MAX_SOURCE];
	struct cb_source_desc d;
	size_t n = 0;
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *t = strtok_r(buf, ";", &save); t && n < CB_SDP_MAX_SOURCE;
	     t = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(t, '=');

		CU_ASSERT_PTR_NOT_NULL_FATAL(eq);
		*eq = '\0';
		snprintf(kv[n].key, sizeof(kv[n].key), "%s", t);
		snprintf(kv[n].value, sizeof(kv[n].value), "%s", eq + 1);
		n++;
	}
	why[0] = '\0';
	return cb_source_desc_parse(&d, m, kv, n, why, len);
}

static void test_source_rejects(void)
{
	static const struct {
		const char *text;
		int video, rc;
		const char *says;
	} cases[] = {
	    {"kind=camera;width=640;height=480;fps=30;seed=1", 1, 0, ""},
	    {"kind=camera;width=640;height=480;fps=30;seed=1;later=x", 1, 0, ""},
	    {"kind=file;width=640;height=480;fps=30;seed=1", 1, CB_E_UNSUPPORTED, "kind=file"},
	    {"width=640;height=480;fps=30;seed=1", 1, CB_E_FORMAT, "no kind="},
	    {"kind=camera;width=640;fps=30;seed=1", 1, CB_E_FORMAT, "height= is missing"},
	    {"kind=camera;width=641;height=480;fps=30;seed=1", 1, CB_E_FORMAT, "even"},
	    {"kind=camera;width=64k;height=480;fps=30;seed=1", 1, CB_E_FORMAT, "width=64k"},
	    {"kind=camera;width=640;height=480;fps=0;seed=1", 1, CB_E_FORMAT, "fps=0"},
	    {"kind=camera;width=640;width=640;height=480;fps=30;seed=1", 1, CB_E_FORMAT,
	     "width given twice"},
	    {"kind=camera;width=640;height=480;fps=30;seed=1;native=12x", 1, CB_E_FORMAT,
	     "native=12x"},
	    {"kind=microphone;rate=44100;frame=960;level=-20;seed=1;mark_period=100;"
	     "mark_level=-16;mark_seed=1;delay=312",
	     0, CB_E_FORMAT, "rate=44100"},
	    {"kind=microphone;rate=48000;frame=960;level=nan;seed=1;mark_period=100;"
	     "mark_level=-16;mark_seed=1;delay=312",
	     0, CB_E_FORMAT, "level=nan"},
	    {"kind=microphone;rate=48000;frame=960;level=-20;seed=1;mark_period=100;"
	     "mark_level=-16;mark_seed=1",
	     0, CB_E_FORMAT, "delay= is missing"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[256];
		int rc = parse_text(cases[i].text, cases[i].video ? CB_MEDIA_VIDEO : CB_MEDIA_AUDIO,
				    why, sizeof(why));

		CU_ASSERT_EQUAL(rc, cases[i].rc);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, cases[i].says));
		if (rc != cases[i].rc || !strstr(why, cases[i].says))
			fprintf(stderr, "\n      %s -> %d %s\n", cases[i].text, rc, why);
	}
}

/* An SR's RTP time names its NTP time; others follow at the clock rate,
 * across the 32-bit wrap, rounded to the nearest ns. */
static void test_srmap(void)
{
	struct cb_srmap m;
	const cb_ns epoch = CB_NTP_UNIX_EPOCH_S * CB_NS_PER_S;
	const cb_ns at = 5 * CB_NS_PER_S;
	cb_ns t = 0;

	cb_srmap_init(&m, 90000);
	CU_ASSERT_EQUAL(cb_srmap_time(&m, 1234, &t), CB_E_AGAIN);
	cb_srmap_update(&m, cb_ntp_from_ns(at, epoch), 0xfffff000u, at + epoch + 700000);
	CU_ASSERT_EQUAL(cb_srmap_time(&m, 0xfffff000u, &t), 0);
	CU_ASSERT(llabs(t - (at + epoch)) <= 1);
	/* 3000 ticks later, across the wrap: 1/30 s */
	CU_ASSERT_EQUAL(cb_srmap_time(&m, 0xfffff000u + 3000u, &t), 0);
	CU_ASSERT(llabs(t - (at + epoch + 33333333)) <= 1);
	CU_ASSERT_EQUAL(cb_srmap_time(&m, 0xfffff000u - 90000u, &t), 0);
	CU_ASSERT(llabs(t - (at + epoch - CB_NS_PER_S)) <= 1);
	CU_ASSERT_EQUAL(m.reports, 1);
	CU_ASSERT_EQUAL(m.min_transit, 700000);
	cb_srmap_update(&m, cb_ntp_from_ns(at + CB_NS_PER_S, epoch), 90000u - 0x1000u,
			at + CB_NS_PER_S + epoch + 400000);
	CU_ASSERT_EQUAL(m.min_transit, 400000);
	CU_ASSERT_EQUAL(m.reports, 2);
}

/*
 * A simulated call: the report says what was agreed, the folder holds the
 * offer and answer as they crossed, and the receiver's own capture times,
 * from the sender's reports alone, agree with the sender's stamps for
 * every identified picture (to half an RTP tick) and mark (to the mark
 * detector's few samples).
 */
static void test_call_agrees_from_the_wire(void)
{
	const double ms[4] = {4.0, 1.5, 0.4, 0.1};
	struct cb_call_cfg cfg;
	struct cb_run_result res;
	char dir[600], path[700], why[256];
	struct cb_sdp *d = cb_sdp_new();
	json_t *root, *neg;
	char *text;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	cb_test_sim_cfg(&cfg, 4.0, ms, 9);
	snprintf(cfg.video_codec, sizeof(cfg.video_codec), "vp9");
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &res), 0);
	CU_ASSERT_EQUAL(res.status, CB_RUN_COMPLETE);
	CU_ASSERT(res.negotiated.done);
	CU_ASSERT_STRING_EQUAL(res.negotiated.media[CB_MEDIA_VIDEO].codec, "vp9");
	CU_ASSERT_EQUAL(res.negotiated.media[CB_MEDIA_VIDEO].pt, 96);
	CU_ASSERT_EQUAL(res.negotiated.media[CB_MEDIA_VIDEO].rtx_pt, 97);
	CU_ASSERT_EQUAL(res.negotiated.media[CB_MEDIA_AUDIO].pt, 111);
	CU_ASSERT_STRING_EQUAL(res.negotiated.media[CB_MEDIA_VIDEO].local_dir, "sendonly");
	CU_ASSERT_STRING_EQUAL(res.negotiated.media[CB_MEDIA_VIDEO].remote_dir, "recvonly");
	CU_ASSERT_STRING_EQUAL(res.negotiated.suite, "AES_CM_128_HMAC_SHA1_80");
	CU_ASSERT(res.video.identified > 100);
	CU_ASSERT_EQUAL(res.video.capture_checked, res.video.identified);
	CU_ASSERT(res.video.capture_err_max_us <= 5.6);
	CU_ASSERT(res.audio.marks_identified > 30);
	CU_ASSERT_EQUAL(res.audio.capture_checked, res.audio.marks_identified);
	/* Audio's content numbers come from where the marks were found, which
	 * the detector places to a few samples (here 2: 41.7 us): 3 at most. */
	CU_ASSERT(res.audio.capture_err_max_us <= 62.5 + 0.1);
	if (res.audio.capture_err_max_us > 62.6)
		fprintf(stderr, "audio capture error %.1f us over %llu\n",
			res.audio.capture_err_max_us,
			(unsigned long long)res.audio.capture_checked);
	CU_ASSERT(res.sr_count[CB_MEDIA_VIDEO] >= 4);
	cb_test_write_checked(&res, dir, sizeof(dir));

	/* The offer as written: the sender's keys, source, directions. */
	snprintf(path, sizeof(path), "%s/offer.sdp", dir);
	text = cb_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(cb_sdp_parse(d, text, strlen(text), why, sizeof(why)), 0);
	CU_ASSERT_EQUAL_FATAL(d->n_media, 2);
	CU_ASSERT_EQUAL(d->media[0].dir, CB_SDP_SENDONLY);
	CU_ASSERT_EQUAL(d->media[0].n_crypto, 1);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(text, "a=x-callbench-source:kind=camera;width=320;height=240"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "a=rtpmap:96 VP9/90000"));
	free(text);
	snprintf(path, sizeof(path), "%s/answer.sdp", dir);
	text = cb_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(cb_sdp_parse(d, text, strlen(text), why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(d->media[1].dir, CB_SDP_RECVONLY);
	/* each end drew its own key */
	CU_ASSERT(d->media[0].n_crypto == 1 && strstr(text, "a=crypto:1 AES_CM_128_HMAC_SHA1_80"));
	free(text);

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	root = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	neg = json_object_get(root, "negotiated");
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(
		json_object_get(json_object_get(json_object_get(neg, "media"), "video"), "codec")),
	    "vp9");
	CU_ASSERT_EQUAL(
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(neg, "capture_times"), "audio"), "checked")),
	    (json_int_t)res.audio.marks_identified);
	json_decref(root);
	cb_run_result_free(&res);
	free(d);
}

/* --quality: every identified picture, one in 10 (by picture number), or
 * none; the worker's pictures and CPU time are reported apart. */
static void test_quality_modes(void)
{
	const double ms[4] = {4.0, 1.5, 0.4, 0.1};
	uint64_t pics[3] = {0, 0, 0}, ident[3] = {0, 0, 0};
	size_t psnr_n[3] = {0, 0, 0};

	for (int q = 0; q < 3; q++) {
		struct cb_call_cfg cfg;
		struct cb_run_result res;

		cb_test_sim_cfg(&cfg, 3.0, ms, 4);
		cfg.audio = 0;
		cfg.quality = q;
		CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &res), 0);
		pics[q] = res.video.quality_pictures;
		ident[q] = res.video.identified;
		psnr_n[q] = res.video.psnr.n;
		if (q != CB_QUALITY_OFF)
			CU_ASSERT(res.video.quality_cpu_s > 0);
		cb_run_result_free(&res);
	}
	CU_ASSERT(ident[0] == 90 && ident[1] == 90 && ident[2] == 90);
	CU_ASSERT_EQUAL(pics[CB_QUALITY_ALL], ident[0]);
	CU_ASSERT_EQUAL(psnr_n[CB_QUALITY_ALL], ident[0]);
	CU_ASSERT_EQUAL(pics[CB_QUALITY_SAMPLE], 9); /* pictures 0, 10, ... 80 */
	CU_ASSERT_EQUAL(psnr_n[CB_QUALITY_SAMPLE], 9);
	CU_ASSERT_EQUAL(pics[CB_QUALITY_OFF], 0);
	CU_ASSERT_EQUAL(psnr_n[CB_QUALITY_OFF], 0);
}

int cb_suite_session(void)
{
	static const struct cb_test_case cases[] = {
	    {"source description: written and read back the same", test_source_round_trip},
	    {"source description: what a receiver refuses, and why", test_source_rejects},
	    {"sender reports map RTP times to capture times", test_srmap},
	    {"a call: agreed in SDP, capture times from the wire", test_call_agrees_from_the_wire},
	    {"--quality all, sample, off: what the worker measured and cost", test_quality_modes},
	    {NULL, NULL},
	};
	return cb_add_suite("session", cases);
}
