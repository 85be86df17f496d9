/*
 * Numbers that cannot flatter (issue 8): what a viewer sees and a listener
 * hears, drops charged to the phase that made them, stage means that add
 * up.  Simulated clock and fixed codec time, so every figure is exact.
 */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call/call.h"
#include "measure/experience.h"
#include "report/report.h"
#include "rx/timeline.h"
#include "test_util.h"

static void truth_cfg(struct cb_call_cfg *c, double duration_s)
{
	const double ms[4] = {5.0, 1.0, 0.5, 0.1}; /* --codec-time fixed:5,1 */

	cb_test_sim_cfg(c, duration_s, ms, 1);
}

static void run(const struct cb_call_cfg *cfg, struct cb_run_result *res)
{
	CU_ASSERT_EQUAL_FATAL(cb_call_run(cfg, NULL, res), 0);
	CU_ASSERT_EQUAL(res->status, CB_RUN_COMPLETE);
}

/* ---- the pure parts ---- */

static void test_screen_age_frozen(void)
{
	/* 30 fps, 10 ms latency; frames 10..39 never arrive (a 1 s freeze). */
	struct cb_shown sh[70];
	cb_ns cap[70];
	struct cb_experience e;
	size_t n = 0;

	for (int i = 0; i < 70; i++) {
		cap[i] = (cb_ns)i * CB_NS_PER_S / 30;
		if (i >= 10 && i < 40)
			continue;
		sh[n].captured = cap[i];
		sh[n].at = cap[i] + 10 * CB_NS_PER_MS + (i == 50 ? 5 * CB_NS_PER_MS : 0);
		n++;
	}
	/* Given out of order: the function sorts. */
	{
		struct cb_shown t = sh[0];
		sh[0] = sh[5];
		sh[5] = t;
	}
	cb_experience_init(&e);
	CU_ASSERT_EQUAL_FATAL(cb_experience_screen(&e, cap, 70, sh, n), 0);
	CU_ASSERT_EQUAL(e.n, 70);
	/* A shown frame is seen at its latency. */
	CU_ASSERT_DOUBLE_EQUAL(e.v[0].age_ms, 10.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(e.v[5].age_ms, 10.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(e.v[50].age_ms, 15.0, 1e-6);
	/* During the freeze the picture of frame 9 ages, a frame per frame. */
	CU_ASSERT_DOUBLE_EQUAL(e.v[10].age_ms, 10.0 + 1000.0 / 30, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(e.v[39].age_ms, 10.0 + 30 * 1000.0 / 30, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(e.v[40].age_ms, 10.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(e.age.max, 1010.0, 1e-3);
	CU_ASSERT_EQUAL(e.age.n, 70);
	/* 30 of 70 instants frozen: the p50 is fresh, the p95 is not. */
	CU_ASSERT(e.age.p50 < 20);
	CU_ASSERT(e.age.p95 > 900);
	cb_experience_count(&e, 70, 30);
	CU_ASSERT_DOUBLE_EQUAL(e.unseen_pct, 100.0 * 30 / 70, 1e-9);
	cb_experience_free(&e);

	cb_experience_init(&e);
	CU_ASSERT_EQUAL(cb_experience_screen(&e, cap, 70, NULL, 0), 0);
	CU_ASSERT_EQUAL(e.n, 0);
	CU_ASSERT(isnan(e.age.p50));
	CU_ASSERT_EQUAL(cb_experience_screen(&e, NULL, 3, sh, n), -EINVAL);
	cb_experience_free(&e);
}

static void test_timeline_continuous(void)
{
	struct cb_timeline tl;
	const cb_ns f = 20 * CB_NS_PER_MS;

	cb_timeline_init(&tl, 48000);
	/* Slots ready every 20 ms: back to back. */
	CU_ASSERT_EQUAL(cb_timeline_add(&tl, CB_PLAY_FRESH, 0, 960, 0, 0, 0, 100 * CB_NS_PER_MS),
			0);
	CU_ASSERT_EQUAL(
	    cb_timeline_add(&tl, CB_PLAY_FRESH, 960, 960, 0, 0, 0, 100 * CB_NS_PER_MS + f), 0);
	/* Ready 5 ms early (the buffer shrank without cutting): the samples
	 * queue behind the previous slot instead of playing over it. */
	CU_ASSERT_EQUAL(cb_timeline_add(&tl, CB_PLAY_FRESH, 1920, 960, 0, 0, 0,
					100 * CB_NS_PER_MS + 2 * f - 5 * CB_NS_PER_MS),
			0);
	CU_ASSERT_EQUAL(tl.v[2].t, 100 * CB_NS_PER_MS + 2 * f);
	/* 240 samples cut from sample 100 of this slot: 5 ms less delay. */
	CU_ASSERT_EQUAL(cb_timeline_add(&tl, CB_PLAY_FRESH, 2880, 960, 240, 100, 0,
					100 * CB_NS_PER_MS + 3 * f - 5 * CB_NS_PER_MS),
			0);
	CU_ASSERT_EQUAL(tl.v[3].samples, 720);
	CU_ASSERT_EQUAL(tl.cut_samples, 240);
	CU_ASSERT_EQUAL(cb_timeline_slot_sample(&tl, tl.v[3].pos + 99), 99);
	CU_ASSERT_EQUAL(cb_timeline_slot_sample(&tl, tl.v[3].pos + 100), 340);
	/* The next slot is ready just when the timeline gets there. */
	CU_ASSERT_EQUAL(cb_timeline_add(&tl, CB_PLAY_FRESH, 3840, 960, 0, 0, 0,
					100 * CB_NS_PER_MS + 4 * f - 5 * CB_NS_PER_MS),
			0);
	CU_ASSERT_EQUAL(tl.v[4].t, 100 * CB_NS_PER_MS + 4 * f - 5 * CB_NS_PER_MS);
	CU_ASSERT_EQUAL(tl.underruns, 0);
	/* A slot ready 30 ms late: an underrun, the timeline restarts. */
	CU_ASSERT_EQUAL(cb_timeline_add(&tl, CB_PLAY_CONCEAL, 4800, 960, 0, 0, 0,
					100 * CB_NS_PER_MS + 5 * f + 25 * CB_NS_PER_MS),
			0);
	CU_ASSERT_EQUAL(tl.underruns, 1);
	CU_ASSERT_EQUAL(tl.slip, 30 * CB_NS_PER_MS);
	CU_ASSERT(tl.v[5].underrun);
	/* No two samples at one time, anywhere. */
	for (size_t i = 1; i < tl.n; i++)
		CU_ASSERT(tl.v[i].t >=
			  tl.v[i - 1].t + (cb_ns)tl.v[i - 1].samples * CB_NS_PER_S / 48000);
	CU_ASSERT_EQUAL(cb_timeline_time(&tl, tl.v[1].pos + 480), tl.v[1].t + 10 * CB_NS_PER_MS);
	CU_ASSERT_EQUAL(cb_timeline_time(&tl, tl.pos), CB_NS_NONE);
	CU_ASSERT_EQUAL(cb_timeline_add(&tl, CB_PLAY_FRESH, 0, 960, 900, 100, 0, 0), -EINVAL);
	cb_timeline_free(&tl);
}

/* ---- defect 1: a frozen screen is graded ---- */

static void test_frozen_screen_graded(void)
{
	struct cb_call_cfg cfg;
	struct cb_run_result res;

	/* 20 % loss without NACK: few pictures get through. */
	truth_cfg(&cfg, 10);
	cfg.audio = 0;
	cfg.net.loss_pct = 20;
	cfg.nack = 0;
	run(&cfg, &res);
	CU_ASSERT(res.video.identified < res.video.captured / 4);
	/* Those that did were quick: that alone would grade the call well. */
	CU_ASSERT(res.video.band_latency <= CB_BAND_GOOD);
	/* The screen was old most of the time, and the verdict says so. */
	CU_ASSERT(res.video.seen.age.p95 > 1000);
	CU_ASSERT(res.video.verdict >= res.video.band_age);
	CU_ASSERT_EQUAL(res.video.verdict, CB_BAND_UNUSABLE);
	CU_ASSERT(res.video.verdict_by == CB_VERDICT_BY_AGE ||
		  res.video.verdict_by == CB_VERDICT_BY_MISSING);
	CU_ASSERT(res.video.seen.unseen_pct > 50);
	/* Stage means add up over one set of frames, lost frames or not. */
	{
		double sum = 0;

		for (int s = 0; s < CB_SG_COUNT; s++)
			sum += res.video.stage[s].mean;
		CU_ASSERT_DOUBLE_EQUAL(sum, res.video.stage_total_ms, 1e-6);
		CU_ASSERT_EQUAL(res.video.stage_frames, res.video.e2e.n);
		CU_ASSERT_DOUBLE_EQUAL(sum, res.video.e2e.mean, 1e-3);
	}
	cb_run_result_free(&res);

	/* A 1 s outage: the screen freezes though every delivered frame is fast. */
	truth_cfg(&cfg, 6);
	cfg.audio = 0;
	cfg.net.outage_at_s = 2;
	cfg.net.outage_s = 1;
	run(&cfg, &res);
	CU_ASSERT_EQUAL(res.video.band_latency, CB_BAND_EXCELLENT);
	CU_ASSERT(res.video.seen.age.max > 1000);
	CU_ASSERT(res.video.verdict >= res.video.band_age);
	CU_ASSERT(res.video.verdict >= CB_BAND_POOR);
	cb_run_result_free(&res);
}

/* ---- defect 2: one playout timeline; defect 3: drops by phase ---- */

/* Every played sample has its own time; each mark's latency is where the
 * timeline put it: between two marks it changes by exactly what the
 * timeline did between them (samples cut or removed, slots inserted,
 * restarts late). */
static void check_audio_timeline(const struct cb_run_result *res, const char *what)
{
	const struct cb_timeline *tl = &res->audio.playout;
	const struct cb_frame_log *fl = &res->audio.frames;
	const int fsz = 48 * res->cfg.audio_frame_ms;
	double prev_heard = NAN, prev_e2e = NAN;
	size_t checked = 0;

	CU_ASSERT_FATAL(tl->n > 0);
	for (size_t i = 1; i < tl->n; i++) {
		cb_ns end = tl->v[i - 1].t + (cb_ns)tl->v[i - 1].samples * CB_NS_PER_S / 48000;

		if (tl->v[i].t < end - 1) {
			printf("\n      %s: slot %zu plays %lld ns over slot %zu ", what, i,
			       (long long)(end - tl->v[i].t), i - 1);
			CU_FAIL("two samples share a time");
			return;
		}
	}
	for (size_t f = 0; f < fl->n; f++) {
		const struct cb_frame_rec *r = &fl->v[f];
		double heard, want = 0;

		if (!r->identified || r->mismatch || isnan(r->e2e_ms))
			continue;
		/* The mark starts at the frame's first sample (period is a
		 * multiple of the frame): captured one frame before the
		 * frame was handed over. */
		heard = (double)(r->st[CB_ST_CAPTURED] - (cb_ns)fsz * CB_NS_PER_S / 48000) / 1e6 +
			r->e2e_ms;
		if (!isnan(prev_heard)) {
			for (size_t i = 0; i < tl->n; i++) {
				const struct cb_play_seg *g = &tl->v[i];
				double t = (double)g->t / 1e6, tc;
				double end =
				    i ? (double)tl->v[i - 1].t / 1e6 + tl->v[i - 1].samples / 48.0
				      : t;

				tc = t + g->cut_at / 48.0;
				if (tc > prev_heard && tc <= heard)
					want -= g->cut / 48.0;
				if (t > prev_heard && t <= heard) {
					want += t - end; /* a late restart */
					want -= g->removed_before * (double)fsz / 48.0;
					if (g->kind == CB_PLAY_EXPAND)
						want += g->samples / 48.0;
				}
			}
			if (fabs((r->e2e_ms - prev_e2e) - want) > 0.05) {
				printf("\n      %s: mark at %.3f ms reads %.3f ms, the timeline "
				       "says %.3f ",
				       what, heard, r->e2e_ms, prev_e2e + want);
				CU_FAIL("a mark's latency is not its place on the timeline");
				return;
			}
			checked++;
		}
		prev_heard = heard;
		prev_e2e = r->e2e_ms;
	}
	CU_ASSERT(checked > 10);
	/* No drop is the network's when the network lost nothing. */
	if (res->audio.packets_lost == 0)
		CU_ASSERT_EQUAL(res->audio.dropped_network, 0);
}

static void test_audio_one_timeline(void)
{
	static const struct {
		int frame_ms, mark_ms;
		double jitter_ms;
	} matrix[] = {{20, 100, 0}, {10, 100, 0},  {40, 120, 0},
		      {60, 120, 0}, {20, 100, 10}, {20, 100, 30}};

	for (size_t k = 0; k < sizeof(matrix) / sizeof(matrix[0]); k++) {
		struct cb_call_cfg cfg;
		struct cb_run_result res;
		char what[64];

		truth_cfg(&cfg, 10);
		cfg.video = 0;
		cfg.audio_frame_ms = matrix[k].frame_ms;
		cfg.mark_period_ms = matrix[k].mark_ms;
		cfg.net.jitter_ms = matrix[k].jitter_ms;
		snprintf(what, sizeof(what), "audio-frame %d, jitter %g", matrix[k].frame_ms,
			 matrix[k].jitter_ms);
		run(&cfg, &res);
		check_audio_timeline(&res, what);
		/* What the listener heard is graded too, and is never younger
		 * than the delivered marks say. */
		CU_ASSERT(res.audio.seen.age.n > 0);
		CU_ASSERT(res.audio.verdict >= res.audio.band_latency);
		cb_run_result_free(&res);
	}
}

static void test_jb_drops_not_network(void)
{
	struct cb_call_cfg cfg;
	struct cb_run_result res;

	/* 10 ms frames: the buffer discards a frame to shrink its delay. */
	truth_cfg(&cfg, 20);
	cfg.video = 0;
	cfg.audio_frame_ms = 10;
	run(&cfg, &res);
	CU_ASSERT_EQUAL(res.audio.packets_lost, 0);
	CU_ASSERT_EQUAL(res.audio.dropped_network, 0);
	CU_ASSERT(res.audio.dropped_jitter_buffer >= 1);
	CU_ASSERT_EQUAL(res.audio.dropped_jitter_buffer, res.audio.playout.removed_frames);
	cb_run_result_free(&res);

	/* Real loss is still the network's. */
	truth_cfg(&cfg, 5);
	cfg.video = 0;
	cfg.net.loss_pct = 10;
	run(&cfg, &res);
	CU_ASSERT(res.audio.packets_lost > 0);
	CU_ASSERT_EQUAL(res.audio.dropped_network, res.audio.packets_lost);
	cb_run_result_free(&res);
}

/* ---- defect 4: a low target is met (frames dropped), or flagged ---- */

static void test_low_bitrate_met(void)
{
	const char *codecs[] = {"vp8", "vp9", "h264"};

	for (size_t c = 0; c < 3; c++) {
		struct cb_call_cfg cfg;
		struct cb_run_result r50, r100;

		truth_cfg(&cfg, 10);
		cfg.audio = 0;
		cfg.width = 640;
		cfg.height = 480;
		snprintf(cfg.video_codec, sizeof(cfg.video_codec), "%s", codecs[c]);
		cfg.video_kbps = 50;
		run(&cfg, &r50);
		cfg.video_kbps = 100;
		run(&cfg, &r100);
		/* Before: both ~385 kbps (VP8), byte for byte the same stream. */
		CU_ASSERT(r50.video.payload_bytes != r100.video.payload_bytes);
		/* Near the target (openh264 overshoots 50 kbps by ~16 %: flagged). */
		CU_ASSERT(r50.video.achieved_kbps < 75);
		CU_ASSERT(r100.video.achieved_kbps < 120);
		CU_ASSERT_EQUAL(r50.video.target_missed, fabs(r50.video.rate_miss_pct) > 10);
		CU_ASSERT_FALSE(r100.video.target_missed);
		if (c < 2)
			CU_ASSERT_FALSE(r50.video.target_missed);
		/* The encoder met it by dropping frames, and they are counted. */
		CU_ASSERT(r50.video.dropped_encoder > 0);
		CU_ASSERT_EQUAL(r50.video.dropped_encoder, r50.video.captured - r50.video.encoded);
		cb_run_result_free(&r50);
		cb_run_result_free(&r100);
	}
}

int cb_suite_truth(void)
{
	static const struct cb_test_case cases[] = {
	    {"on-screen age: a freeze ages the picture, a steady stream does not",
	     test_screen_age_frozen},
	    {"playout timeline: samples queue, cuts and underruns are counted",
	     test_timeline_continuous},
	    {"a frozen screen is graded by its age, not by what got through",
	     test_frozen_screen_graded},
	    {"audio plays on one timeline; marks read their place on it", test_audio_one_timeline},
	    {"jitter-buffer drops are not charged to the network", test_jb_drops_not_network},
	    {"--video-bitrate 50 and 100 differ and meet the target", test_low_bitrate_met},
	    {NULL, NULL},
	};
	return cb_add_suite("truth", cases);
}
