/*
 * Tests of the getUserMedia constraint resolver (constraints.h), the device
 * table (devices.h) and crop-and-scale (scale.h), built from the rules of
 * W3C Media Capture and Streams: SelectSettings and the fitness distance.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "base/image.h"
#include "media/constraints.h"
#include "media/devices.h"
#include "media/scale.h"
#include "test_util.h"

/* Resolve `json` for `kind` on the default devices; returns the select code. */
static int resolve(const char *json, enum cb_device_kind kind, struct cb_track_settings *s,
		   char *failed, size_t failed_len)
{
	struct cb_constraints *c = NULL;
	char msg[256] = "";
	int rc = cb_constraints_parse(&c, json, msg, sizeof(msg));

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (rc)
		printf("\n      parse: %s ", msg);
	rc = cb_constraints_select(c, kind, NULL, 0, s, failed, failed_len);
	cb_constraints_free(c);
	return rc;
}

static void video(const char *json, struct cb_track_settings *s)
{
	char failed[32];

	CU_ASSERT_EQUAL_FATAL(resolve(json, CB_DEVICE_VIDEOINPUT, s, failed, sizeof(failed)), 0);
}

static void audio(const char *json, struct cb_track_settings *s)
{
	char failed[32];

	CU_ASSERT_EQUAL_FATAL(resolve(json, CB_DEVICE_AUDIOINPUT, s, failed, sizeof(failed)), 0);
}

/* The constraint named by the OverconstrainedError of `json` for `kind`. */
static void overconstrained(const char *json, enum cb_device_kind kind, const char *want)
{
	struct cb_track_settings s;
	char failed[32] = "junk";

	CU_ASSERT_EQUAL(resolve(json, kind, &s, failed, sizeof(failed)), CB_E_OVERCONSTRAINED);
	CU_ASSERT_STRING_EQUAL(failed, want);
}

static void test_devices(void)
{
	size_t n = 0, cams = 0, mics = 0;
	const struct cb_device *d = cb_devices_list(&n);

	CU_ASSERT_FATAL(n >= 2);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(d[i].device_id[0] && d[i].label[0] && d[i].group_id[0]);
		CU_ASSERT_PTR_EQUAL(cb_devices_find(d[i].device_id), &d[i]);
		if (d[i].kind == CB_DEVICE_VIDEOINPUT) {
			cams++;
			CU_ASSERT_PTR_NOT_NULL_FATAL(d[i].video);
			CU_ASSERT(d[i].video->n_modes > 0);
		}
		if (d[i].kind == CB_DEVICE_AUDIOINPUT) {
			mics++;
			CU_ASSERT_PTR_NOT_NULL_FATAL(d[i].audio);
		}
	}
	CU_ASSERT(cams >= 1 && mics >= 1);
	CU_ASSERT_PTR_NOT_NULL(cb_devices_find("synthetic-camera"));
	CU_ASSERT_PTR_NULL(cb_devices_find("no-such-device"));
	CU_ASSERT_PTR_NULL(cb_devices_find(NULL));
	CU_ASSERT_STRING_EQUAL(cb_device_kind_name(CB_DEVICE_VIDEOINPUT), "videoinput");
	CU_ASSERT_STRING_EQUAL(cb_device_kind_name(CB_DEVICE_AUDIOINPUT), "audioinput");
	CU_ASSERT_STRING_EQUAL(cb_device_kind_name(CB_DEVICE_AUDIOOUTPUT), "audiooutput");
}

/* The brief's example: min is required, ideal pulls toward 1280, max caps the rate. */
static void test_required_vs_ideal(void)
{
	struct cb_track_settings s;

	video("{\"video\":{\"width\":{\"min\":640,\"ideal\":1280},\"frameRate\":{\"max\":30}}}",
	      &s);
	CU_ASSERT_EQUAL(s.width, 1280);
	CU_ASSERT_EQUAL(s.height, 720);
	CU_ASSERT_DOUBLE_EQUAL(s.frame_rate, 30, 1e-9);
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "none");
	CU_ASSERT_STRING_EQUAL(s.device_id, "synthetic-camera");
	CU_ASSERT_STRING_EQUAL(s.facing_mode, "user");
	CU_ASSERT_EQUAL(s.native.width, 1280);
	CU_ASSERT_DOUBLE_EQUAL(s.fitness, 0, 1e-12);

	/* An ideal out of reach is only a wish: the nearest width wins, distance > 0. */
	video("{\"video\":{\"width\":{\"ideal\":5000},\"resizeMode\":\"none\"}}", &s);
	CU_ASSERT_EQUAL(s.width, 1920);
	CU_ASSERT_DOUBLE_EQUAL(s.fitness, (5000.0 - 1920) / 5000, 1e-9);
	/* ...while the same number as min is required. */
	overconstrained("{\"video\":{\"width\":{\"min\":5000}}}", CB_DEVICE_VIDEOINPUT, "width");

	/* max is required: no 60 fps mode may win even though 60 is ideal. */
	video("{\"video\":{\"frameRate\":{\"ideal\":60,\"max\":30}}}", &s);
	CU_ASSERT_DOUBLE_EQUAL(s.frame_rate, 30, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s.fitness, 0.5, 1e-9);
}

/* Spec: bare values are ideal in the basic set and exact in advanced sets. */
static void test_bare_values(void)
{
	struct cb_track_settings s;

	video("{\"video\":{\"width\":5000}}", &s);
	CU_ASSERT_EQUAL(s.width, 1920);
	video("{\"video\":{\"facingMode\":\"environment\"}}", &s);
	CU_ASSERT_STRING_EQUAL(s.facing_mode, "user");
	CU_ASSERT_DOUBLE_EQUAL(s.fitness, 1, 1e-12);

	video("{\"video\":{\"advanced\":[{\"width\":5000}]}}", &s);
	CU_ASSERT_EQUAL(s.n_advanced, 1);
	CU_ASSERT_EQUAL(s.advanced_applied, 0);
	CU_ASSERT_EQUAL(s.width, 640); /* the default, as if the set were absent */

	video("{\"video\":{\"advanced\":[{\"facingMode\":\"environment\"}]}}", &s);
	CU_ASSERT_EQUAL(s.advanced_applied, 0);

	/* Exact in advanced: 1000 is not a native width, only crop-and-scale meets it. */
	video("{\"video\":{\"advanced\":[{\"width\":1000}]}}", &s);
	CU_ASSERT_EQUAL(s.advanced_applied, 1);
	CU_ASSERT_EQUAL(s.width, 1000);
	CU_ASSERT_EQUAL(s.height, 562);
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "crop-and-scale");
	CU_ASSERT_EQUAL(s.native.width, 1280);
	CU_ASSERT_EQUAL(s.native.height, 720);
}

static void test_advanced_order(void)
{
	struct cb_track_settings s;

	/* The first set decides; the second contradicts it and is skipped. */
	video("{\"video\":{\"advanced\":[{\"width\":1280,\"height\":720},{\"width\":640}]}}", &s);
	CU_ASSERT_EQUAL(s.advanced_applied, 1u);
	CU_ASSERT_EQUAL(s.width, 1280);
	CU_ASSERT_EQUAL(s.height, 720);
	/* Reversed, the other one wins. */
	video("{\"video\":{\"advanced\":[{\"width\":640},{\"width\":1280,\"height\":720}]}}", &s);
	CU_ASSERT_EQUAL(s.advanced_applied, 1u);
	CU_ASSERT_EQUAL(s.width, 640);
	/* An unsatisfiable set is skipped and the next one still applies. */
	video("{\"video\":{\"advanced\":[{\"width\":{\"min\":9999}},{\"frameRate\":60}]}}", &s);
	CU_ASSERT_EQUAL(s.advanced_applied, 2u);
	CU_ASSERT_DOUBLE_EQUAL(s.frame_rate, 60, 1e-9);
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "none");
	CU_ASSERT_EQUAL(s.width, 640);
	/* Advanced sets filter, but the basic set's distance still picks among what is left. */
	video("{\"video\":{\"width\":{\"ideal\":1920},\"advanced\":[{\"resizeMode\":\"none\","
	      "\"frameRate\":{\"min\":50}}]}}",
	      &s);
	CU_ASSERT_EQUAL(s.advanced_applied, 1u);
	CU_ASSERT_EQUAL(s.width, 1280);
	CU_ASSERT_DOUBLE_EQUAL(s.frame_rate, 60, 1e-9);
	/* Advanced sets never cause an OverconstrainedError. */
	video("{\"video\":{\"advanced\":[{\"deviceId\":\"nope\"},{\"facingMode\":\"left\"}]}}", &s);
	CU_ASSERT_EQUAL(s.advanced_applied, 0);
}

/* Ties: the first candidate in the documented order (devices.h / constraints.h). */
static void test_ties(void)
{
	static const struct cb_video_mode modes[] = {{640, 480, 30}, {1280, 720, 30}};
	static const struct cb_video_caps caps = {
	    .facing_mode = "user",
	    .modes = modes,
	    .n_modes = 2,
	    .min_width = 64,
	    .min_height = 64,
	    .min_frame_rate = 1,
	};
	static const struct cb_device two[] = {
	    {"cam-a", CB_DEVICE_VIDEOINPUT, "A", "g-a", &caps, NULL},
	    {"cam-b", CB_DEVICE_VIDEOINPUT, "B", "g-b", &caps, NULL},
	};
	struct cb_constraints *c = NULL;
	struct cb_track_settings s;
	char failed[32];

	video("{\"video\":true}", &s); /* all distances 0: the default mode */
	CU_ASSERT_EQUAL(s.width, 640);
	CU_ASSERT_EQUAL(s.height, 480);
	CU_ASSERT_DOUBLE_EQUAL(s.frame_rate, 30, 1e-9);
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "none");
	/* 640x480@60 native ties with 1280x720@60 scaled and native: the first native wins. */
	video("{\"video\":{\"frameRate\":60}}", &s);
	CU_ASSERT_EQUAL(s.width, 640);
	CU_ASSERT_DOUBLE_EQUAL(s.frame_rate, 60, 1e-9);
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "none");
	/* A native mode beats an equally fit scaled picture of the same size. */
	video("{\"video\":{\"width\":1280,\"height\":720}}", &s);
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "none");

	/* Two identical cameras: the first in the table, unless deviceId says otherwise. */
	CU_ASSERT_EQUAL_FATAL(cb_constraints_parse(&c, "{\"video\":true}", NULL, 0), 0);
	CU_ASSERT_EQUAL(cb_constraints_select(c, CB_DEVICE_VIDEOINPUT, two, 2, &s, failed, 32), 0);
	CU_ASSERT_STRING_EQUAL(s.device_id, "cam-a");
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "none"); /* no crop_and_scale on these */
	cb_constraints_free(c);
	CU_ASSERT_EQUAL_FATAL(
	    cb_constraints_parse(&c, "{\"video\":{\"deviceId\":\"cam-b\"}}", NULL, 0), 0);
	CU_ASSERT_EQUAL(cb_constraints_select(c, CB_DEVICE_VIDEOINPUT, two, 2, &s, failed, 32), 0);
	CU_ASSERT_STRING_EQUAL(s.device_id, "cam-b");
	CU_ASSERT_STRING_EQUAL(s.group_id, "g-b");
	/* No microphone in that table: NotFoundError, not OverconstrainedError. */
	cb_constraints_free(c);
	CU_ASSERT_EQUAL_FATAL(cb_constraints_parse(&c, "{\"audio\":true}", NULL, 0), 0);
	CU_ASSERT_EQUAL(cb_constraints_select(c, CB_DEVICE_AUDIOINPUT, two, 2, &s, failed, 32),
			CB_E_NOTFOUND);
	/* Not requested: nothing to select. */
	CU_ASSERT_EQUAL(cb_constraints_select(c, CB_DEVICE_VIDEOINPUT, NULL, 0, &s, failed, 32),
			CB_E_NOTFOUND);
	cb_constraints_free(c);
}

static void test_overconstrained(void)
{
	overconstrained("{\"video\":{\"facingMode\":{\"exact\":\"environment\"}}}",
			CB_DEVICE_VIDEOINPUT, "facingMode");
	overconstrained("{\"audio\":{\"sampleRate\":{\"exact\":44100}}}", CB_DEVICE_AUDIOINPUT,
			"sampleRate");
	overconstrained("{\"video\":{\"deviceId\":{\"exact\":\"nope\"}}}", CB_DEVICE_VIDEOINPUT,
			"deviceId");
	overconstrained("{\"audio\":{\"deviceId\":{\"exact\":[\"a\",\"b\"]}}}",
			CB_DEVICE_AUDIOINPUT, "deviceId");
	overconstrained("{\"video\":{\"width\":{\"min\":800,\"max\":700}}}", CB_DEVICE_VIDEOINPUT,
			"width");
	overconstrained("{\"audio\":{\"latency\":{\"max\":0.005}}}", CB_DEVICE_AUDIOINPUT,
			"latency");
	overconstrained("{\"audio\":{\"channelCount\":{\"exact\":2}}}", CB_DEVICE_AUDIOINPUT,
			"channelCount");
	/* Several individually impossible: the first in the documented order. */
	overconstrained("{\"video\":{\"deviceId\":{\"exact\":\"x\"},\"height\":{\"min\":4000}}}",
			CB_DEVICE_VIDEOINPUT, "height");
	/*
	 * Each met alone, not together: 1900 wide exists only at 30 fps, 50 fps
	 * only on the smaller modes; frameRate is the one that empties the set.
	 */
	overconstrained("{\"video\":{\"width\":{\"min\":1900},\"frameRate\":{\"min\":50}}}",
			CB_DEVICE_VIDEOINPUT, "frameRate");
	/* Constraints of the other kind do not apply (distance 0), even when required. */
	{
		struct cb_track_settings s;

		audio("{\"audio\":{\"width\":{\"exact\":12345}}}", &s);
		CU_ASSERT_EQUAL(s.sample_rate, 48000);
	}
}

static void test_aspect_ratio(void)
{
	struct cb_track_settings s;

	/* Both 640x480 and 1280x720 satisfy; the ideal 4:3 prefers 640x480. */
	video("{\"video\":{\"height\":{\"min\":480},\"aspectRatio\":{\"ideal\":1.3333333333},"
	      "\"resizeMode\":{\"exact\":\"none\"}}}",
	      &s);
	CU_ASSERT_EQUAL(s.width, 640);
	CU_ASSERT_EQUAL(s.height, 480);
	CU_ASSERT_DOUBLE_EQUAL(s.aspect_ratio, 4.0 / 3, 1e-12);
	video("{\"video\":{\"height\":{\"min\":480},\"aspectRatio\":{\"ideal\":1.7777777778},"
	      "\"resizeMode\":{\"exact\":\"none\"}}}",
	      &s);
	CU_ASSERT_EQUAL(s.width, 1280);
	CU_ASSERT_EQUAL(s.height, 720);
	/* An exact ratio with a tolerance of 1e-6. */
	video("{\"video\":{\"aspectRatio\":{\"exact\":1.777778},\"width\":{\"max\":1600}}}", &s);
	CU_ASSERT_EQUAL(s.width, 1280);
	CU_ASSERT_EQUAL(s.height, 720);
}

static void test_crop_and_scale_choice(void)
{
	struct cb_track_settings s;

	video("{\"video\":{\"width\":{\"exact\":800},\"height\":{\"exact\":600}}}", &s);
	CU_ASSERT_EQUAL(s.width, 800);
	CU_ASSERT_EQUAL(s.height, 600);
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "crop-and-scale");
	CU_ASSERT_EQUAL(s.native.width, 1280); /* the first mode that holds 800x600 */
	CU_ASSERT_EQUAL(s.native.height, 720);
	CU_ASSERT_DOUBLE_EQUAL(s.aspect_ratio, 4.0 / 3, 1e-12);
	/* Frame rate decimation is crop-and-scale too. */
	video("{\"video\":{\"frameRate\":{\"exact\":15}}}", &s);
	CU_ASSERT_DOUBLE_EQUAL(s.frame_rate, 15, 1e-9);
	CU_ASSERT_STRING_EQUAL(s.resize_mode, "crop-and-scale");
	CU_ASSERT_EQUAL(s.native.width, 640);
	CU_ASSERT_DOUBLE_EQUAL(s.native.frame_rate, 30, 1e-9);
	/*
	 * ...and forbidden with resizeMode none.  Each is met alone; in the
	 * documented order frameRate keeps the scaled candidates and resizeMode
	 * then leaves none, so resizeMode is named.
	 */
	overconstrained("{\"video\":{\"frameRate\":{\"exact\":15},\"resizeMode\":{\"exact\":"
			"\"none\"}}}",
			CB_DEVICE_VIDEOINPUT, "resizeMode");
	/* Sizes are even: an odd exact width cannot be made. */
	overconstrained("{\"video\":{\"width\":{\"exact\":641}}}", CB_DEVICE_VIDEOINPUT, "width");
}

static void test_audio_booleans(void)
{
	struct cb_track_settings s;

	audio("{\"audio\":true}", &s);
	CU_ASSERT_STRING_EQUAL(s.device_id, "synthetic-microphone");
	CU_ASSERT_EQUAL(s.sample_rate, 48000);
	CU_ASSERT_EQUAL(s.sample_size, 16);
	CU_ASSERT_EQUAL(s.channel_count, 1);
	CU_ASSERT_DOUBLE_EQUAL(s.latency, 0.02, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.volume, 1, 1e-12);
	CU_ASSERT(s.echo_cancellation && s.auto_gain_control && s.noise_suppression);

	audio("{\"audio\":{\"echoCancellation\":false}}", &s);
	CU_ASSERT_EQUAL(s.echo_cancellation, 0);
	CU_ASSERT_EQUAL(s.auto_gain_control, 1);
	CU_ASSERT_EQUAL(s.noise_suppression, 1);
	audio("{\"audio\":{\"autoGainControl\":{\"exact\":false},\"noiseSuppression\":{\"ideal\":"
	      "false},\"echoCancellation\":{\"exact\":true}}}",
	      &s);
	CU_ASSERT_EQUAL(s.echo_cancellation, 1);
	CU_ASSERT_EQUAL(s.auto_gain_control, 0);
	CU_ASSERT_EQUAL(s.noise_suppression, 0);

	audio("{\"audio\":{\"sampleRate\":16000,\"latency\":{\"ideal\":0.01},\"volume\":0.5,"
	      "\"channelCount\":2}}",
	      &s);
	CU_ASSERT_EQUAL(s.sample_rate, 16000);
	CU_ASSERT_DOUBLE_EQUAL(s.latency, 0.01, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.volume, 0.5, 1e-12);
	CU_ASSERT_EQUAL(s.channel_count, 1);
	CU_ASSERT_DOUBLE_EQUAL(s.fitness, 0.5, 1e-9); /* |1 - 2| / 2 */
	/* Nearest supported rate to an ideal 44100 is 48000. */
	audio("{\"audio\":{\"sampleRate\":{\"ideal\":44100}}}", &s);
	CU_ASSERT_EQUAL(s.sample_rate, 48000);
	audio("{\"audio\":{\"sampleRate\":{\"max\":20000}}}", &s);
	CU_ASSERT_EQUAL(s.sample_rate, 16000);
	audio("{\"audio\":{\"advanced\":[{\"echoCancellation\":false,\"sampleRate\":8000}]}}", &s);
	CU_ASSERT_EQUAL(s.advanced_applied, 1u);
	CU_ASSERT_EQUAL(s.echo_cancellation, 0);
	CU_ASSERT_EQUAL(s.sample_rate, 8000);
}

/* Parse `json`, expecting CB_E_FORMAT with `needle` in the message. */
static void bad(const char *json, const char *needle)
{
	struct cb_constraints *c = (struct cb_constraints *)&c;
	char msg[256] = "";

	CU_ASSERT_EQUAL(cb_constraints_parse(&c, json, msg, sizeof(msg)), CB_E_FORMAT);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, needle));
	if (!strstr(msg, needle))
		printf("\n      message: %s ", msg);
}

static void test_parse_errors(void)
{
	struct cb_constraints *c = NULL;

	bad("{\"video\":{\"width\":", "line 1");
	bad("not json", "constraints");
	bad("[1,2]", "object");
	bad("{}", "neither");
	bad("{\"video\":false,\"audio\":false}", "neither");
	bad("{\"video\":3}", "video");
	bad("{\"video\":{\"width\":\"wide\"}}", "video.width");
	bad("{\"video\":{\"width\":-1}}", "video.width");
	bad("{\"video\":{\"width\":{\"min\":\"640\"}}}", "video.width.min");
	bad("{\"video\":{\"frameRate\":true}}", "frameRate");
	bad("{\"video\":{\"facingMode\":5}}", "facingMode");
	bad("{\"video\":{\"facingMode\":[\"user\",5]}}", "facingMode");
	bad("{\"audio\":{\"echoCancellation\":\"yes\"}}", "audio.echoCancellation");
	bad("{\"audio\":{\"echoCancellation\":{\"exact\":1}}}", "echoCancellation");
	bad("{\"video\":{\"advanced\":{}}}", "video.advanced");
	bad("{\"video\":{\"advanced\":[5]}}", "video.advanced[0]");
	bad("{\"video\":{\"advanced\":[{},{\"height\":\"x\"}]}}", "video.advanced[1].height");
	bad("{\"video\":{\"width\":1,\"width\":2}}", "duplicate");

	CU_ASSERT_EQUAL(cb_constraints_parse(NULL, "{}", NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(cb_constraints_parse(&c, NULL, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(cb_constraints_load(&c, "/nonexistent/constraints.json", NULL, 0), -ENOENT);
	CU_ASSERT_EQUAL(cb_constraints_select(NULL, CB_DEVICE_VIDEOINPUT, NULL, 0, NULL, NULL, 0),
			-EINVAL);
}

static void test_parse_accepts(void)
{
	struct cb_constraints *c = NULL;
	struct cb_track_settings s;
	char path[] = "/tmp/cb-constraints-XXXXXX", msg[256] = "";
	const char *text = "{\"audio\":{\"sampleRate\":{\"exact\":16000}}}";
	FILE *f;
	int fd;

	/* Unknown members are ignored but recorded; known ones still work. */
	CU_ASSERT_EQUAL_FATAL(
	    cb_constraints_parse(&c,
				 "{\"video\":{\"torch\":true,\"width\":{\"exact\":320,\"foo\":1},"
				 "\"advanced\":[{\"zoom\":2}]},\"peerIdentity\":\"x\"}",
				 msg, sizeof(msg)),
	    0);
	CU_ASSERT_EQUAL(cb_constraints_requested(c, CB_DEVICE_VIDEOINPUT), 1);
	CU_ASSERT_EQUAL(cb_constraints_requested(c, CB_DEVICE_AUDIOINPUT), 0);
	CU_ASSERT_EQUAL_FATAL(cb_constraints_n_unknown(c), 3);
	CU_ASSERT_STRING_EQUAL(cb_constraints_unknown(c, 0), "peerIdentity");
	CU_ASSERT_STRING_EQUAL(cb_constraints_unknown(c, 1), "video.torch");
	CU_ASSERT_STRING_EQUAL(cb_constraints_unknown(c, 2), "video.advanced[0].zoom");
	CU_ASSERT_PTR_NULL(cb_constraints_unknown(c, 3));
	CU_ASSERT_EQUAL(cb_constraints_select(c, CB_DEVICE_VIDEOINPUT, NULL, 0, &s, NULL, 0), 0);
	CU_ASSERT_EQUAL(s.width, 320);
	cb_constraints_free(c);

	/* WebIDL unsigned long truncates; an empty string list constrains nothing. */
	video("{\"video\":{\"width\":{\"exact\":320.9},\"deviceId\":{\"exact\":[]}}}", &s);
	CU_ASSERT_EQUAL(s.width, 320);
	/* String lists: exact is any of them. */
	video("{\"video\":{\"facingMode\":{\"exact\":[\"environment\",\"user\"]}}}", &s);
	CU_ASSERT_STRING_EQUAL(s.facing_mode, "user");

	/* From a file, and through the command-line helper. */
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
	CU_ASSERT_EQUAL(cb_constraints_parse_arg(&c, path, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(cb_constraints_select(c, CB_DEVICE_AUDIOINPUT, NULL, 0, &s, NULL, 0), 0);
	CU_ASSERT_EQUAL(s.sample_rate, 16000);
	cb_constraints_free(c);
	unlink(path);
	CU_ASSERT_EQUAL(cb_constraints_parse_arg(&c, "  {\"video\":true}", msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(cb_constraints_requested(c, CB_DEVICE_VIDEOINPUT), 1);
	cb_constraints_free(c);
	cb_constraints_free(NULL);
}

static void test_settings_json(void)
{
	struct cb_track_settings s;
	json_t *j;
	char *text;

	video("{\"video\":{\"width\":{\"min\":640,\"ideal\":1280},\"frameRate\":{\"max\":30}}}",
	      &s);
	j = cb_track_settings_json(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	text = json_dumps(j, JSON_COMPACT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text,
			       "{\"aspectRatio\":1.7777777777777777,\"deviceId\":\"synthetic-"
			       "camera\",\"facingMode\":\"user\",\"frameRate\":30,\"groupId\":"
			       "\"synthetic-camera-group\",\"height\":720,\"resizeMode\":"
			       "\"none\",\"width\":1280}");
	free(text);
	json_decref(j);

	audio("{\"audio\":{\"echoCancellation\":false}}", &s);
	j = cb_track_settings_json(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	text = json_dumps(j, JSON_COMPACT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text,
			       "{\"autoGainControl\":true,\"channelCount\":1,\"deviceId\":"
			       "\"synthetic-microphone\",\"echoCancellation\":false,"
			       "\"groupId\":\"synthetic-microphone-group\",\"latency\":0.02,"
			       "\"noiseSuppression\":true,\"sampleRate\":48000,\"sampleSize\":"
			       "16,\"volume\":1}");
	free(text);
	json_decref(j);
	CU_ASSERT_PTR_NULL(cb_track_settings_json(NULL));
}

/* ---- crop-and-scale ---- */

static void fill(struct cb_image *img, uint8_t y, uint8_t u, uint8_t v)
{
	const uint8_t val[3] = {y, u, v};

	for (int p = 0; p < 3; p++)
		for (int r = 0; r < cb_image_plane_h(img, p); r++)
			memset(img->plane[p] + (size_t)r * img->stride[p], val[p],
			       (size_t)cb_image_plane_w(img, p));
}

static int all_equal(const struct cb_image *img, int p, uint8_t want)
{
	for (int r = 0; r < cb_image_plane_h(img, p); r++)
		for (int x = 0; x < cb_image_plane_w(img, p); x++)
			if (img->plane[p][(size_t)r * img->stride[p] + x] != want)
				return 0;
	return 1;
}

static void test_crop_rect(void)
{
	struct cb_crop_rect r;

	CU_ASSERT_EQUAL(cb_scale_crop_rect(1920, 1080, 640, 480, &r), 0);
	CU_ASSERT(r.x == 240 && r.y == 0 && r.width == 1440 && r.height == 1080);
	CU_ASSERT_EQUAL(cb_scale_crop_rect(640, 480, 1280, 720, &r), 0);
	CU_ASSERT(r.x == 0 && r.y == 60 && r.width == 640 && r.height == 360);
	CU_ASSERT_EQUAL(cb_scale_crop_rect(1280, 720, 640, 360, &r), 0);
	CU_ASSERT(r.x == 0 && r.y == 0 && r.width == 1280 && r.height == 720);
	CU_ASSERT_EQUAL(cb_scale_crop_rect(1280, 720, 0, 360, &r), -EINVAL);
	CU_ASSERT_EQUAL(cb_scale_crop_rect(1280, 720, 640, 360, NULL), -EINVAL);
}

static void test_scale_flat_and_size(void)
{
	struct cb_image src, dst;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&src, 1280, 720), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&dst, 640, 480), 0);
	fill(&src, 81, 90, 240);
	fill(&dst, 0, 0, 0);
	CU_ASSERT_EQUAL(cb_scale_crop_i420(&src, &dst), 0);
	CU_ASSERT_EQUAL(dst.width, 640);
	CU_ASSERT_EQUAL(dst.height, 480);
	CU_ASSERT(all_equal(&dst, 0, 81));
	CU_ASSERT(all_equal(&dst, 1, 90));
	CU_ASSERT(all_equal(&dst, 2, 240));
	cb_image_free(&dst);
	/* Odd or tiny sizes are refused, planeless images too. */
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&dst, 64, 64), 0);
	dst.width = 63;
	CU_ASSERT_EQUAL(cb_scale_crop_i420(&src, &dst), CB_E_RANGE);
	dst.width = 64;
	CU_ASSERT_EQUAL(cb_scale_crop_i420(NULL, &dst), -EINVAL);
	cb_image_free(&dst);
	memset(&dst, 0, sizeof(dst));
	dst.width = dst.height = 64;
	CU_ASSERT_EQUAL(cb_scale_crop_i420(&src, &dst), -EINVAL);
	cb_image_free(&src);
}

/*
 * 320x240 to 160x160 crops the centre 240x240 (x 40..279): paint the
 * columns outside it dark and the inside bright, with a horizontal ramp in
 * the inside's chroma; the result must be all bright, the ramp kept in
 * order from left to right.
 */
static void test_scale_center_crop(void)
{
	struct cb_image src, dst;
	int ramp_ok = 1;

	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&src, 320, 240), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&dst, 160, 160), 0);
	fill(&src, 200, 128, 128);
	for (int r = 0; r < 240; r++)
		for (int x = 0; x < 320; x++)
			if (x < 40 || x >= 280)
				src.plane[0][(size_t)r * src.stride[0] + x] = 20;
	for (int r = 0; r < 120; r++)
		for (int x = 20; x < 140; x++)
			src.plane[1][(size_t)r * src.stride[1] + x] = (uint8_t)(16 + (x - 20) * 2);
	CU_ASSERT_EQUAL(cb_scale_crop_i420(&src, &dst), 0);
	CU_ASSERT(all_equal(&dst, 0, 200));
	for (int r = 0; r < 80; r++)
		for (int x = 1; x < 80; x++)
			ramp_ok &= dst.plane[1][(size_t)r * dst.stride[1] + x] >=
				   dst.plane[1][(size_t)r * dst.stride[1] + x - 1];
	CU_ASSERT(ramp_ok);
	/* The ramp's ends map to the crop's edges: 16 .. 16 + 119 * 2. */
	CU_ASSERT(dst.plane[1][0] <= 20);
	CU_ASSERT(dst.plane[1][79] >= 246);
	cb_image_free(&src);
	cb_image_free(&dst);
}

int cb_suite_constraints(void)
{
	static const struct cb_test_case cases[] = {
	    {"device table", test_devices},
	    {"required min/max/exact vs ideal", test_required_vs_ideal},
	    {"bare value: ideal in basic, exact in advanced", test_bare_values},
	    {"advanced sets in order, unsatisfiable ones skipped", test_advanced_order},
	    {"ties go to the documented order", test_ties},
	    {"OverconstrainedError names the constraint", test_overconstrained},
	    {"aspectRatio ideal picks the closer mode", test_aspect_ratio},
	    {"crop-and-scale chosen when only it fits", test_crop_and_scale_choice},
	    {"audio: booleans, rates, latency, volume", test_audio_booleans},
	    {"malformed input is CB_E_FORMAT naming the member", test_parse_errors},
	    {"unknown members, truncation, files", test_parse_accepts},
	    {"getSettings() JSON", test_settings_json},
	    {"crop rectangle", test_crop_rect},
	    {"scale: size, flat colour stays flat, errors", test_scale_flat_and_size},
	    {"scale: centre crop keeps the centre", test_scale_center_crop},
	    {NULL, NULL},
	};

	return cb_add_suite("constraints", cases);
}
