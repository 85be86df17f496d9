/*
 * settings.c — the call's settings table (settings.h), and the few
 * settings whose value is more than a number, a name or a flag: the codec
 * time model, getUserMedia constraints, the network and its profile, and
 * a settings file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/settings.h"
#include "codec/codec.h"
#include "media/constraints.h"
#include "net/impair.h"
#include "net/transport.h"
#include "report/report.h"
#include "srtp/srtp.h"

#define CFG(m) CB_SETTING_AT(struct cb_call_cfg, m)

/* ---- names that live in registries ---- */

static const char *codec_at(size_t i, enum cb_media m)
{
	const struct cb_codec_ops *c;
	size_t it = 0;

	while ((c = cb_codec_iterate(&it)))
		if (c->media == m && i-- == 0)
			return c->name;
	return NULL;
}

static const char *video_codec_at(size_t i)
{
	return codec_at(i, CB_MEDIA_VIDEO);
}

static const char *audio_codec_at(size_t i)
{
	return codec_at(i, CB_MEDIA_AUDIO);
}

static const char *transport_at(size_t i)
{
	const struct cb_transport_ops *t;
	size_t it = 0;

	while ((t = cb_transport_iterate(&it)))
		if (i-- == 0)
			return t->name;
	return NULL;
}

/* The enum's values are 0..CB_SRTP_PROFILE_COUNT-1, named by srtp.c. */
static const char *srtp_at(size_t i)
{
	return i < CB_SRTP_PROFILE_COUNT ? cb_srtp_profile_name((enum cb_srtp_profile)i) : NULL;
}

/* ---- checks a row's range cannot say ---- */

static int check_audio_frame(const void *base, char *why, size_t len)
{
	int ms = ((const struct cb_call_cfg *)base)->audio_frame_ms;

	if (ms == 10 || ms == 20 || ms == 40 || ms == 60)
		return 0;
	snprintf(why, len, "%d ms is not an Opus frame (allowed: 10, 20, 40, 60)", ms);
	return -1;
}

static int check_run_id(const void *base, char *why, size_t len)
{
	const char *id = ((const struct cb_call_cfg *)base)->run_id;

	return id[0] && cb_run_id_check(id, why, len) < 0 ? -1 : 0;
}

/* ---- --codec-time measured | fixed:VENC,VDEC[,AENC,ADEC] (milliseconds) ---- */

static int codec_ms_ok(const double v[4])
{
	for (int i = 0; i < 4; i++)
		if (!(v[i] >= 0 && v[i] < 10000))
			return 0;
	return 1;
}

static int parse_codec_time(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;
	double v[4] = {0, 0, c->codec_ms[2], c->codec_ms[3]};
	int n = 0, used = 0;

	if (strcmp(val, "measured") == 0) {
		c->codec_time_fixed = 0;
		return 0;
	}
	if (strncmp(val, "fixed:", 6) == 0) {
		n = sscanf(val + 6, "%lf,%lf%n,%lf,%lf%n", &v[0], &v[1], &used, &v[2], &v[3],
			   &used);
		if ((n == 2 || n == 4) && val[6 + used] == 0 && codec_ms_ok(v)) {
			memcpy(c->codec_ms, v, sizeof(v));
			c->codec_time_fixed = 1;
			return 0;
		}
	}
	snprintf(
	    why, len,
	    "'%s' is not 'measured' or 'fixed:VENC_MS,VDEC_MS[,AENC_MS,ADEC_MS]' (each 0..10000)",
	    val);
	return -1;
}

static int format_codec_time(const void *base, char *buf, size_t len)
{
	const struct cb_call_cfg *c = base;
	char ms[4][32];
	int n;

	if (!c->codec_time_fixed)
		n = snprintf(buf, len, "measured");
	else {
		for (int i = 0; i < 4; i++)
			cb_setting_format_number(c->codec_ms[i], ms[i], sizeof(ms[i]));
		n = snprintf(buf, len, "fixed:%s,%s,%s,%s", ms[0], ms[1], ms[2], ms[3]);
	}
	return n >= 0 && (size_t)n < len ? 0 : CB_E_NOSPACE;
}

static int check_codec_time(const void *base, char *why, size_t len)
{
	if (codec_ms_ok(((const struct cb_call_cfg *)base)->codec_ms))
		return 0;
	snprintf(why, len, "codec time must be 0..10000 ms");
	return -1;
}

static int codec_time_to_json(const void *base, json_t *obj)
{
	const struct cb_call_cfg *c = base;
	json_t *t =
	    c->codec_time_fixed
		? json_pack("{s:s, s:f, s:f, s:f, s:f}", "model", "fixed", "video_encode_ms",
			    c->codec_ms[0], "video_decode_ms", c->codec_ms[1], "audio_encode_ms",
			    c->codec_ms[2], "audio_decode_ms", c->codec_ms[3])
		: json_pack("{s:s}", "model", "measured");

	return json_object_set_new(obj, "codec_time", t);
}

static int codec_time_from_json(void *base, const json_t *obj)
{
	static const char *const keys[4] = {"video_encode_ms", "video_decode_ms", "audio_encode_ms",
					    "audio_decode_ms"};
	struct cb_call_cfg *c = base;
	const json_t *t = json_object_get(obj, "codec_time");
	const char *model = json_string_value(json_object_get(t, "model"));

	if (!model)
		return 0;
	c->codec_time_fixed = strcmp(model, "fixed") == 0;
	for (int i = 0; i < 4 && c->codec_time_fixed; i++) {
		json_t *v = json_object_get(t, keys[i]);

		if (json_is_number(v))
			c->codec_ms[i] = json_number_value(v);
	}
	return 0;
}

/* ---- --constraints JSON|FILE ---- */

static void settings_string(const struct cb_track_settings *s, char *out, size_t len)
{
	json_t *j = cb_track_settings_json(s);
	char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;

	snprintf(out, len, "%s", txt ? txt : "");
	free(txt);
	json_decref(j);
}

/*
 * getUserMedia constraints resolved against the synthetic devices
 * (SelectSettings); the chosen settings set the tracks up, and the report
 * shows them as track.getSettings() would.
 */
static int parse_constraints(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;
	struct cb_constraints *cs = NULL;
	struct cb_track_settings vs, as;
	char failed[64] = "";
	int rc;

	if (cb_constraints_parse_arg(&cs, val, why, len) < 0)
		return -1;
	c->video = cb_constraints_requested(cs, CB_DEVICE_VIDEOINPUT);
	c->audio = cb_constraints_requested(cs, CB_DEVICE_AUDIOINPUT);
	c->video_settings[0] = c->audio_settings[0] = 0;
	if (c->video) {
		rc = cb_constraints_select(cs, CB_DEVICE_VIDEOINPUT, NULL, 0, &vs, failed,
					   sizeof(failed));
		if (rc < 0)
			goto out_fail;
		c->width = vs.width;
		c->height = vs.height;
		c->fps = (int)(vs.frame_rate + 0.5);
		c->native_width = vs.native.width;
		c->native_height = vs.native.height;
		settings_string(&vs, c->video_settings, sizeof(c->video_settings));
	}
	if (c->audio) {
		rc = cb_constraints_select(cs, CB_DEVICE_AUDIOINPUT, NULL, 0, &as, failed,
					   sizeof(failed));
		if (rc < 0)
			goto out_fail;
		if (as.sample_rate != 48000 || as.channel_count != 1) {
			snprintf(
			    why, len,
			    "the call path runs at 48000 Hz mono; the constraints chose %d Hz, %d "
			    "channel(s)",
			    as.sample_rate, as.channel_count);
			cb_constraints_free(cs);
			return -1;
		}
		c->audio_frame_ms = (int)(as.latency * 1000 + 0.5);
		c->echo_cancellation = as.echo_cancellation;
		c->noise_suppression = as.noise_suppression;
		c->auto_gain_control = as.auto_gain_control;
		settings_string(&as, c->audio_settings, sizeof(c->audio_settings));
	}
	cb_constraints_free(cs);
	return 0;

out_fail:
	if (rc == CB_E_OVERCONSTRAINED)
		snprintf(why, len, "OverconstrainedError: constraint \"%s\" cannot be satisfied",
			 failed);
	else
		snprintf(why, len, "%s", cb_strerror(rc));
	cb_constraints_free(cs);
	return -1;
}

/* What getUserMedia chose, as track.getSettings() shows it, and the camera mode. */
static int constraints_to_json(const void *base, json_t *obj)
{
	const struct cb_call_cfg *c = base;

	if (c->video_settings[0] || c->audio_settings[0]) {
		json_t *ts = json_object();

		if (!ts)
			return -1;
		if (c->video_settings[0])
			json_object_set_new(ts, "video", json_loads(c->video_settings, 0, NULL));
		if (c->audio_settings[0])
			json_object_set_new(ts, "audio", json_loads(c->audio_settings, 0, NULL));
		if (json_object_set_new(obj, "track_settings", ts))
			return -1;
	}
	if (json_object_set_new(obj, "native_width", json_integer(c->native_width)) ||
	    json_object_set_new(obj, "native_height", json_integer(c->native_height)))
		return -1;
	return 0;
}

static void track_settings_from_json(const json_t *v, char *out, size_t len)
{
	char *txt = json_is_object(v) ? json_dumps(v, JSON_COMPACT) : NULL;

	if (txt && strlen(txt) < len)
		snprintf(out, len, "%s", txt);
	free(txt);
}

static int constraints_from_json(void *base, const json_t *obj)
{
	struct cb_call_cfg *c = base;
	const json_t *ts = json_object_get(obj, "track_settings");
	json_t *w = json_object_get(obj, "native_width"),
	       *h = json_object_get(obj, "native_height");

	track_settings_from_json(json_object_get(ts, "video"), c->video_settings,
				 sizeof(c->video_settings));
	track_settings_from_json(json_object_get(ts, "audio"), c->audio_settings,
				 sizeof(c->audio_settings));
	if (json_is_integer(w) && json_is_integer(h) && llabs(json_integer_value(w)) < 65536 &&
	    llabs(json_integer_value(h)) < 65536) {
		c->native_width = (int)json_integer_value(w);
		c->native_height = (int)json_integer_value(h);
	}
	return 0;
}

/* ---- the network: --net SPEC, --net-profile NAME|FILE.json ---- */

static int parse_net(void *base, const char *val, char *why, size_t len)
{
	return cb_impair_parse(val, &((struct cb_call_cfg *)base)->net, why, len) < 0 ? -1 : 0;
}

static int check_net(const void *base, char *why, size_t len)
{
	return cb_impair_cfg_check(&((const struct cb_call_cfg *)base)->net, why, len) < 0 ? -1 : 0;
}

/*
 * The network as set: its profile, a line for people, and every model
 * parameter by its row of the emulator's table (net/impair.h); the netem
 * gemodel parameters as one array.
 */
static int net_to_json(const void *base, json_t *obj)
{
	const struct cb_impair_cfg *n = &((const struct cb_call_cfg *)base)->net;
	char desc[256];
	json_t *o;

	cb_impair_describe(n, desc, sizeof(desc));
	o = json_pack("{s:s, s:s}", "profile", n->name, "description", desc);
	if (!o || cb_settings_to_json(cb_impair_settings, n, o) < 0 ||
	    json_object_set_new(o, "gemodel_p_r_1h_1k",
				json_pack("[f,f,f,f]", n->ge_p, n->ge_r, n->ge_1h, n->ge_1k))) {
		json_decref(o);
		return -1;
	}
	return json_object_set_new(obj, "network", o);
}

static int net_from_json(void *base, const json_t *obj)
{
	struct cb_impair_cfg *n = &((struct cb_call_cfg *)base)->net;
	const json_t *o = json_object_get(obj, "network"), *ge;
	double *ges[4] = {&n->ge_p, &n->ge_r, &n->ge_1h, &n->ge_1k};
	const char *name;

	if (!json_is_object(o))
		return 0;
	name = json_string_value(json_object_get(o, "profile"));
	if (name && strlen(name) < sizeof(n->name))
		snprintf(n->name, sizeof(n->name), "%s", name);
	cb_settings_from_json(cb_impair_settings, n, o);
	ge = json_object_get(o, "gemodel_p_r_1h_1k");
	for (size_t k = 0; k < 4 && json_array_size(ge) == 4; k++)
		if (json_is_number(json_array_get(ge, k)))
			*ges[k] = json_number_value(json_array_get(ge, k));
	return 0;
}

static void list_net_keys(char *buf, size_t len)
{
	char keys[400];

	cb_impair_keys(keys, sizeof(keys));
	snprintf(buf, len, "KEY=VALUE,... with keys %s", keys);
}

/* The profile replaces the network settings; --net after it changes single values. */
static int parse_net_profile(void *base, const char *val, char *why, size_t len)
{
	return cb_impair_profile_load(NULL, val, &((struct cb_call_cfg *)base)->net, why, len) < 0
		   ? -1
		   : 0;
}

static int format_net_profile(const void *base, char *buf, size_t len)
{
	const char *name = ((const struct cb_call_cfg *)base)->net.name;

	return (size_t)snprintf(buf, len, "%s", name) < len ? 0 : CB_E_NOSPACE;
}

static void list_net_profiles(char *buf, size_t len)
{
	char dir[600];

	if (cb_impair_profile_names(NULL, buf, len) < 0) {
		cb_impair_profile_dir(dir, sizeof(dir));
		snprintf(buf, len, "(none found in %s)", dir);
	}
}

/* ---- --settings FILE.json: an object of settings by name ---- */

static int parse_settings_file(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg tmp = *(struct cb_call_cfg *)base;
	json_error_t jerr;
	json_t *root = json_load_file(val, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!root) {
		snprintf(why, len, "%s:%d:%d: %s", val, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	/* One file, not a chain of them: a file naming itself would never end. */
	if (json_object_get(root, "settings")) {
		snprintf(why, len, "%s: member 'settings': a settings file cannot name another",
			 val);
		json_decref(root);
		return -1;
	}
	rc = cb_settings_read_json(cb_call_settings, &tmp, root, val, why, len);
	json_decref(root);
	if (rc < 0)
		return -1;
	*(struct cb_call_cfg *)base = tmp;
	return 0;
}

/*
 * The rows, in the order of `callbench run --help`.  The options of the
 * program itself (--quiet, --json, the gates, ...) are bench's own rows
 * (bench/run_options.h); everything that changes the call is here.
 */
const struct cb_setting cb_call_settings[] = {
    {.name = "settings",
     .arg = "FILE.json",
     .help = "a JSON object of these options by name, e.g. {\"size\": \"1280x720\", "
	     "\"no-audio\": true}; options after it change single values",
     .group = "settings file",
     .type = CB_SETTING_CUSTOM,
     .parse = parse_settings_file,
     .shown = "none"},
    {.name = "duration",
     .arg = "SECONDS",
     .help = "media time to capture",
     .group = "media",
     .type = CB_SETTING_DOUBLE,
     CFG(duration_s),
     .min = 0.1,
     .max = 86400,
     .json = "duration_s"},
    {.name = "size",
     .arg = "WxH",
     .help = "video resolution",
     .group = "media",
     .type = CB_SETTING_SIZE,
     CFG(width),
     .offset2 = offsetof(struct cb_call_cfg, height),
     .min = 64,
     .max = 4096,
     .json = "width",
     .json2 = "height"},
    {.name = "fps",
     .arg = "N",
     .help = "video frame rate",
     .group = "media",
     .type = CB_SETTING_INT,
     CFG(fps),
     .min = 1,
     .max = 240,
     .json = "fps"},
    {.name = "video-codec",
     .arg = "NAME",
     .help = "video codec",
     .group = "media",
     .type = CB_SETTING_STR,
     CFG(video_codec),
     .names = video_codec_at,
     .what = "video codec",
     .json = "video_codec"},
    {.name = "video-bitrate",
     .arg = "KBPS",
     .help = "video target bitrate",
     .group = "media",
     .type = CB_SETTING_INT,
     CFG(video_kbps),
     .min = 30,
     .max = 50000,
     .json = "video_kbps"},
    {.name = "keyint",
     .arg = "FRAMES",
     .help = "at most this many frames between key frames",
     .group = "media",
     .type = CB_SETTING_INT,
     CFG(keyint),
     .min = 1,
     .max = 100000,
     .json = "keyint"},
    {.name = "speed",
     .arg = "N",
     .help = "VP8 cpu-used: -16..-1 fixed speed (faster as it grows in size), 1..16 adaptive",
     .group = "media",
     .type = CB_SETTING_INT,
     CFG(speed),
     .min = -16,
     .max = 16,
     .json = "speed"},
    {.name = "audio-codec",
     .arg = "NAME",
     .help = "audio codec",
     .group = "media",
     .type = CB_SETTING_STR,
     CFG(audio_codec),
     .names = audio_codec_at,
     .what = "audio codec",
     .json = "audio_codec"},
    {.name = "audio-bitrate",
     .arg = "KBPS",
     .help = "audio target bitrate",
     .group = "media",
     .type = CB_SETTING_INT,
     CFG(audio_kbps),
     .min = 6,
     .max = 510,
     .json = "audio_kbps"},
    {.name = "audio-frame",
     .arg = "MS",
     .help = "Opus frame duration (10, 20, 40, 60)",
     .group = "media",
     .type = CB_SETTING_INT,
     CFG(audio_frame_ms),
     .min = 10,
     .max = 60,
     .check = check_audio_frame,
     .json = "audio_frame_ms"},
    {.name = "opus-complexity",
     .arg = "N",
     .help = "Opus encoder complexity",
     .group = "media",
     .type = CB_SETTING_INT,
     CFG(opus_complexity),
     .min = 0,
     .max = 10,
     .json = "opus_complexity"},
    {.name = "mark-period",
     .arg = "MS",
     .help = "spacing of audio marks",
     .group = "media",
     .type = CB_SETTING_INT,
     CFG(mark_period_ms),
     .min = 100,
     .max = 10000,
     .json = "mark_period_ms"},
    {.name = "no-video",
     .help = "send no video track",
     .group = "media",
     .type = CB_SETTING_FLAG,
     CFG(video),
     .flag = 0,
     .json = "video"},
    {.name = "no-audio",
     .help = "send no audio track",
     .group = "media",
     .type = CB_SETTING_FLAG,
     CFG(audio),
     .flag = 0,
     .json = "audio"},
    {.name = "constraints",
     .arg = "JSON|FILE",
     .help = "getUserMedia constraints, resolved against the synthetic devices",
     .group = "media",
     .type = CB_SETTING_CUSTOM,
     .parse = parse_constraints,
     .to_json = constraints_to_json,
     .from_json = constraints_from_json,
     .shown = "{\"video\":{...},\"audio\":{...}}"},
    {.name = "echo-cancellation",
     .help = "audio: echo canceller on the microphone (speexdsp)",
     .group = "audio processing and the microphone's scene",
     .type = CB_SETTING_FLAG,
     CFG(echo_cancellation),
     .flag = 1,
     .json = "echo_cancellation"},
    {.name = "noise-suppression",
     .help = "audio: noise suppressor on the microphone (speexdsp)",
     .group = "audio processing and the microphone's scene",
     .type = CB_SETTING_FLAG,
     CFG(noise_suppression),
     .flag = 1,
     .json = "noise_suppression"},
    {.name = "auto-gain-control",
     .help = "audio: automatic gain control on the microphone (speexdsp)",
     .group = "audio processing and the microphone's scene",
     .type = CB_SETTING_FLAG,
     CFG(auto_gain_control),
     .flag = 1,
     .json = "auto_gain_control"},
    {.name = "echo",
     .arg = "DB",
     .help = "audio: far-end echo in the microphone at this gain (-60..-1; 0 = none)",
     .group = "audio processing and the microphone's scene",
     .type = CB_SETTING_DOUBLE,
     CFG(echo_db),
     .min = -60,
     .max = -1,
     .flags = CB_SETTING_ZERO_OFF,
     .json = "echo_db"},
    {.name = "echo-delay",
     .arg = "MS",
     .help = "audio: loudspeaker-to-microphone delay of the echo",
     .group = "audio processing and the microphone's scene",
     .type = CB_SETTING_INT,
     CFG(echo_delay_ms),
     .min = 0,
     .max = 500,
     .json = "echo_delay_ms"},
    {.name = "noise",
     .arg = "DBFS",
     .help = "audio: background noise in the microphone (-90..-10; 0 = none)",
     .group = "audio processing and the microphone's scene",
     .type = CB_SETTING_DOUBLE,
     CFG(noise_dbfs),
     .min = -90,
     .max = -10,
     .flags = CB_SETTING_ZERO_OFF,
     .json = "noise_dbfs"},
    {.name = "transport",
     .arg = "NAME",
     .help = "how packets travel",
     .group = "network",
     .type = CB_SETTING_STR,
     CFG(transport),
     .names = transport_at,
     .what = "transport",
     .json = "transport"},
    {.name = "net",
     .arg = "SPEC",
     .help = "network impairment, e.g. delay=50,jitter=10,loss=5,burst=3,rate=500,queue=30 "
	     "(jitter without reorder holds packets back to keep order: mean delay above "
	     "delay=)",
     .group = "network",
     .type = CB_SETTING_CUSTOM,
     .parse = parse_net,
     .check = check_net,
     .to_json = net_to_json,
     .from_json = net_from_json,
     .values = list_net_keys,
     .shown = "none"},
    {.name = "net-profile",
     .arg = "NAME",
     .help = "network profile from fixtures/net/ (or a .json path)",
     .group = "network",
     .type = CB_SETTING_CUSTOM,
     .parse = parse_net_profile,
     .format = format_net_profile,
     .values = list_net_profiles},
    {.name = "mtu",
     .arg = "BYTES",
     .help = "largest SRTP packet",
     .group = "network",
     .type = CB_SETTING_INT,
     CFG(mtu),
     .min = 200,
     .max = 1500,
     .json = "mtu"},
    {.name = "srtp",
     .arg = "PROFILE",
     .help = "SRTP protection profile",
     .group = "network",
     .type = CB_SETTING_ENUM,
     CFG(srtp),
     .names = srtp_at,
     .what = "SRTP profile",
     .json = "srtp"},
    {.name = "no-nack",
     .help = "no NACK/RTX retransmission (PLI and key frames still recover)",
     .group = "recovery",
     .type = CB_SETTING_FLAG,
     CFG(nack),
     .flag = 0,
     .json = "nack"},
    {.name = "no-opus-fec",
     .help = "no Opus in-band FEC (loss is concealed by PLC only)",
     .group = "recovery",
     .type = CB_SETTING_FLAG,
     CFG(opus_fec),
     .flag = 0,
     .json = "opus_fec"},
    {.name = "rtcp-interval",
     .arg = "MS",
     .help = "interval of sender and receiver reports",
     .group = "recovery",
     .type = CB_SETTING_INT,
     CFG(rtcp_interval_ms),
     .min = 10,
     .max = 60000,
     .json = "rtcp_interval_ms"},
    {.name = "min-playout-delay",
     .arg = "MS",
     .help = "video: lower bound of the jitter buffer's target delay",
     .group = "playout",
     .type = CB_SETTING_INT,
     CFG(min_playout_delay_ms),
     .min = 0,
     .max = 10000,
     .json = "min_playout_delay_ms"},
    {.name = "max-playout-delay",
     .arg = "MS",
     .help = "video: upper bound of the jitter buffer's target delay",
     .group = "playout",
     .type = CB_SETTING_INT,
     CFG(max_playout_delay_ms),
     .min = 0,
     .max = 10000,
     .json = "max_playout_delay_ms"},
    {.name = "render-delay",
     .arg = "MS",
     .help = "video: decode-to-display time the target allows for (WebRTC's 10 ms); moves the "
	     "render time, not the release",
     .group = "playout",
     .type = CB_SETTING_INT,
     CFG(render_delay_ms),
     .min = 0,
     .max = 1000,
     .json = "render_delay_ms"},
    {.name = "quality",
     .arg = "MODE",
     .help = "video PSNR/SSIM on a worker thread: every identified picture, one in 10, or none",
     .group = "playout",
     .type = CB_SETTING_ENUM,
     CFG(quality),
     .choices = (const char *const[]){"all", "sample", "off", NULL},
     .what = "quality mode",
     .json = "quality"},
    {.name = "audio-jb-min",
     .arg = "MS",
     .help = "audio: floor of the jitter buffer's target delay",
     .group = "playout",
     .type = CB_SETTING_INT,
     CFG(audio_jb_min_ms),
     .min = 0,
     .max = 1000,
     .json = "audio_jb_min_ms"},
    {.name = "audio-jb-initial",
     .arg = "MS",
     .help = "audio: jitter buffer delay before the first playout",
     .group = "playout",
     .type = CB_SETTING_INT,
     CFG(audio_jb_initial_ms),
     .min = 0,
     .max = 1000,
     .json = "audio_jb_initial_ms"},
    {.name = "clock",
     .arg = "real|sim",
     .help = "real time, or a discrete-event simulation in virtual time",
     .group = "clock",
     .type = CB_SETTING_ENUM,
     CFG(sim),
     .choices = (const char *const[]){"real", "sim", NULL},
     .what = "clock",
     .json = "clock"},
    {.name = "codec-time",
     .arg = "MODEL",
     .help = "sim clock: charge codec work as 'measured' or 'fixed:VENC,VDEC[,AENC,ADEC]' ms",
     .group = "clock",
     .type = CB_SETTING_CUSTOM,
     .parse = parse_codec_time,
     .format = format_codec_time,
     .check = check_codec_time,
     .to_json = codec_time_to_json,
     .from_json = codec_time_from_json},
    {.name = "seed",
     .arg = "N",
     .help = "seed for everything random but the SRTP keys",
     .group = "clock",
     .type = CB_SETTING_U64,
     CFG(seed),
     .json = "seed"},
    {.name = "out",
     .arg = "DIR",
     .help = "folder that receives the run folder",
     .group = "output",
     .type = CB_SETTING_STR,
     CFG(out_dir),
     .flags = CB_SETTING_NO_AXIS,
     .json = "out_dir"},
    {.name = "run-id",
     .arg = "ID",
     .help = "name of the run folder",
     .group = "output",
     .type = CB_SETTING_STR,
     CFG(run_id),
     .check = check_run_id,
     .flags = CB_SETTING_NO_AXIS,
     .json = "run_id"},
    {.name = "percentile",
     .arg = "P",
     .help = "latency percentile whose band is the verdict",
     .group = "output",
     .type = CB_SETTING_DOUBLE,
     CFG(verdict_pct),
     .min = 1,
     .max = 100,
     .json = "verdict_pct"},
    {.name = NULL},
};

json_t *cb_call_settings_json(const struct cb_call_cfg *c)
{
	json_t *s = json_object();

	if (s && cb_settings_to_json(cb_call_settings, c, s) < 0) {
		json_decref(s);
		return NULL;
	}
	return s;
}

const struct cb_setting *cb_call_setting_axis(const char *name, char *why, size_t len)
{
	const struct cb_setting *row = cb_settings_find(cb_call_settings, name, strlen(name), NULL);

	if (row && !(row->flags & CB_SETTING_NO_AXIS))
		return row;
	if (row)
		snprintf(why, len, "'%s' says where a run's files go: it cannot vary", name);
	else
		cb_settings_say_unknown(cb_call_settings, name, why, len);
	return NULL;
}
