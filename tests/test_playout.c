/*
 * Playout: the receiver's jitter buffers (rx/jitterbuf, rx/audiojb) wired
 * into a call.  Simulated clock and fixed codec times, so every figure is a
 * pure function of the settings and the seed.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call/call.h"
#include "test_util.h"

static void sim_cfg(struct cb_call_cfg *c, const char *out, uint64_t seed)
{
	cb_call_cfg_default(c);
	c->duration_s = 6.0;
	c->width = 320;
	c->height = 240;
	c->video_kbps = 500;
	c->sim = 1;
	c->codec_time_fixed = 1;
	c->seed = seed;
	snprintf(c->out_dir, sizeof(c->out_dir), "%s", out);
	snprintf(c->run_id, sizeof(c->run_id), "playout");
}

static void test_jitter_raises_target(void)
{
	char tmpl[] = "/tmp/cb-playout-XXXXXX";
	char *out = mkdtemp(tmpl);
	struct cb_call_cfg cfg;
	struct cb_run_result clean, jit;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	sim_cfg(&cfg, out, 5);
	cfg.net.delay_ms = 50;
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &clean), 0);
	cfg.net.jitter_ms = 30; /* normal, σ = 30 ms; never reordered */
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &jit), 0);
	CU_ASSERT_EQUAL(jit.status, CB_RUN_COMPLETE);

	/* Without jitter a frame leaves about as soon as it is complete;
	 * with it the target delay rises, and frames wait for it. */
	CU_ASSERT(clean.video.jb_delay_mean_ms < 5.0);
	CU_ASSERT(jit.video.jb_delay_mean_ms > clean.video.jb_delay_mean_ms + 15.0);
	/* Late frames are rare: frames leave at their release time, so the
	 * latency hardly spreads although the network spreads by ±60 ms; a
	 * late frame would stretch the upper percentiles. */
	CU_ASSERT(jit.video.e2e.p95 - jit.video.e2e.p50 < 15.0);
	CU_ASSERT(jit.video.identified * 100 >= jit.video.captured * 98);
	CU_ASSERT(jit.video.dropped_jitter_buffer * 100 <= jit.video.captured * 2);
	CU_ASSERT_EQUAL(jit.video.mismatches, 0);

	/* Audio: the buffer grows to cover the jitter, so few frames are
	 * concealed, and the marks are still found in the right places. */
	CU_ASSERT(jit.audio.jb_delay_mean_ms > clean.audio.jb_delay_mean_ms + 15.0);
	CU_ASSERT(jit.audio.concealed_frames * 100 <= jit.audio.captured * 5);
	CU_ASSERT(jit.audio.marks_identified * 100 >= jit.audio.marks_sent * 90);
	CU_ASSERT_EQUAL(jit.audio.mismatches, 0);

	cb_run_result_free(&clean);
	cb_run_result_free(&jit);
	cb_test_rm_rf(out);
}

/* A minimum playout delay holds every video frame at least that long
 * (minus the decode and render time the release leaves for). */
static void test_min_playout_delay(void)
{
	char tmpl[] = "/tmp/cb-playout-XXXXXX";
	char *out = mkdtemp(tmpl);
	struct cb_call_cfg cfg;
	struct cb_run_result r0, r1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	sim_cfg(&cfg, out, 6);
	cfg.duration_s = 3.0;
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r0), 0);
	cfg.min_playout_delay_ms = 100;
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r1), 0);
	CU_ASSERT_EQUAL(r1.video.identified, r1.video.captured);
	CU_ASSERT(r1.video.e2e.p50 - r0.video.e2e.p50 > 80.0);
	CU_ASSERT(r1.video.e2e.p50 - r0.video.e2e.p50 < 100.0);
	cb_run_result_free(&r0);
	cb_run_result_free(&r1);
	cb_test_rm_rf(out);
}

static void test_bad_settings(void)
{
	struct cb_call_cfg cfg;
	struct cb_run_result r;

	cb_call_cfg_default(&cfg);
	cfg.min_playout_delay_ms = 200;
	cfg.max_playout_delay_ms = 100;
	CU_ASSERT_EQUAL(cb_call_run(&cfg, NULL, &r), -EINVAL);
	cb_run_result_free(&r);
	cb_call_cfg_default(&cfg);
	cfg.audio_jb_initial_ms = -1;
	CU_ASSERT_EQUAL(cb_call_run(&cfg, NULL, &r), -EINVAL);
	cb_run_result_free(&r);
}

int cb_suite_playout(void)
{
	static const struct cb_test_case cases[] = {
	    {"30 ms of jitter: target rises, late frames rare, little concealment",
	     test_jitter_raises_target},
	    {"minimum playout delay holds video frames", test_min_playout_delay},
	    {"playout settings are checked", test_bad_settings},
	    {NULL, NULL},
	};

	return cb_add_suite("playout", cases);
}
