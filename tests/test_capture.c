/*
 * Capture settings from getUserMedia constraints, in a whole call: the
 * resolved size comes from a native camera mode centre-cropped and scaled
 * (libyuv), the frame number stays readable, quality is measured against the
 * same crop, and the report carries track.getSettings().
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call/call.h"
#include "media/constraints.h"
#include "test_util.h"

static void resolve(struct cb_call_cfg *c, const char *json)
{
	struct cb_constraints *cs = NULL;
	struct cb_track_settings vs;
	char msg[256] = "", failed[64] = "";
	json_t *j;
	char *txt;

	CU_ASSERT_EQUAL_FATAL(cb_constraints_parse(&cs, json, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL_FATAL(
	    cb_constraints_select(cs, CB_DEVICE_VIDEOINPUT, NULL, 0, &vs, failed, sizeof(failed)),
	    0);
	c->width = vs.width;
	c->height = vs.height;
	c->fps = (int)(vs.frame_rate + 0.5);
	c->native_width = vs.native.width;
	c->native_height = vs.native.height;
	j = cb_track_settings_json(&vs);
	txt = json_dumps(j, JSON_COMPACT);
	snprintf(c->video_settings, sizeof(c->video_settings), "%s", txt);
	free(txt);
	json_decref(j);
	cb_constraints_free(cs);
}

static void test_crop_and_scale_call(void)
{
	struct cb_call_cfg cfg;
	struct cb_run_result r;

	cb_call_cfg_default(&cfg);
	cfg.audio = 0;
	cfg.duration_s = 2;
	cfg.sim = 1;
	cfg.codec_time_fixed = 1;
	cfg.video_kbps = 600;
	/* 16:9 out of a 4:3 camera: a centre crop and a scale. */
	resolve(&cfg, "{\"video\":{\"width\":{\"exact\":480},\"height\":{\"exact\":270},"
		      "\"resizeMode\":\"crop-and-scale\"}}");
	CU_ASSERT_EQUAL(cfg.width, 480);
	CU_ASSERT_EQUAL(cfg.height, 270);
	CU_ASSERT(cfg.native_width > 480);
	CU_ASSERT(strstr(cfg.video_settings, "\"resizeMode\":\"crop-and-scale\"") != NULL);
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, CB_RUN_COMPLETE);
	CU_ASSERT_EQUAL(r.video.identified, r.video.captured);
	CU_ASSERT_EQUAL(r.video.mismatches, 0);
	/* Quality is held against the same crop: a wrong reference would
	 * score far lower. */
	CU_ASSERT(r.video.psnr.mean > 30.0);
	cb_run_result_free(&r);
}

int cb_suite_capture(void)
{
	static const struct cb_test_case cases[] = {
	    {"constraints choose a cropped, scaled track; the call measures it",
	     test_crop_and_scale_call},
	    {NULL, NULL},
	};
	return cb_add_suite("capture", cases);
}
