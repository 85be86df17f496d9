/*
 * callbench — the command.  A table of subcommands {name, function, doc};
 * main dispatches, and help comes from the same tables as parsing.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/error.h"
#include "call/call.h"
#include "codec/codec.h"
#include "commands.h"
#include <jansson.h>

#include "media/constraints.h"
#include "media/devices.h"
#include "net/impair.h"
#include "net/transport.h"
#include "options.h"
#include "run_options.h"
#include "report/report.h"
#include "srtp/srtp.h"
#include "summary.h"
#include "report/versions.h"
#include "report/junit.h"
#include "checks.h"

#define EXIT_USAGE	 2
#define EXIT_INTERRUPTED 130

/*
 * The only process-wide state, set by SIGINT/SIGTERM.  The first signal
 * during the call stops it; the partial report is still written, marked
 * interrupted.  A signal once the call is over (the first, or a second one)
 * abandons the report: the writer stops at the next file, so no
 * summary.json is written and nothing half-written is left (a second Ctrl-C
 * used to restore the default action and kill the program where it stood,
 * leaving temporary files and, with the xdp transport, its namespaces).
 */
static atomic_int stop_requested; /* read by the call */
static atomic_int report_stop;	  /* read by the report writer */
static atomic_int call_over;

static void on_signal(int sig)
{
	(void)sig;
	if (atomic_exchange(&stop_requested, 1) || atomic_load(&call_over))
		atomic_store(&report_stop, 1);
}

static int choose_srtp(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;

	if (cb_srtp_profile_from_name(val, &c->srtp) == 0)
		return 0;
	snprintf(why, len,
		 "unknown SRTP profile '%s' (allowed: AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM)",
		 val);
	return -1;
}

static int choose_codec(const char *val, enum cb_media m, char *dst, size_t dlen, char *why,
			size_t len)
{
	const struct cb_codec_ops *ops = cb_codec_find(val);
	size_t it = 0;
	int n = 0;

	if (ops && ops->media == m && strlen(val) < dlen) {
		snprintf(dst, dlen, "%s", val);
		return 0;
	}
	n = snprintf(why, len,
		     "unknown %s codec '%s' (allowed:", m == CB_MEDIA_VIDEO ? "video" : "audio",
		     val);
	while ((ops = cb_codec_iterate(&it)))
		if (ops->media == m && n > 0 && (size_t)n < len)
			n += snprintf(why + n, len - (size_t)n, " %s", ops->name);
	if (n > 0 && (size_t)n < len)
		snprintf(why + n, len - (size_t)n, ")");
	return -1;
}

static int choose_vcodec(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;
	return choose_codec(val, CB_MEDIA_VIDEO, c->video_codec, sizeof(c->video_codec), why, len);
}

static int choose_acodec(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;
	return choose_codec(val, CB_MEDIA_AUDIO, c->audio_codec, sizeof(c->audio_codec), why, len);
}

static int choose_transport(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;
	const struct cb_transport_ops *t;
	size_t it = 0;
	int n;

	if (cb_transport_find(val) && strlen(val) < sizeof(c->transport)) {
		snprintf(c->transport, sizeof(c->transport), "%s", val);
		return 0;
	}
	n = snprintf(why, len, "unknown transport '%s' (allowed:", val);
	while ((t = cb_transport_iterate(&it)) && n > 0 && (size_t)n < len)
		n += snprintf(why + n, len - (size_t)n, " %s", t->name);
	if (n > 0 && (size_t)n < len)
		snprintf(why + n, len - (size_t)n, ")");
	return -1;
}

/* --clock real|sim */
static int choose_clock(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;

	if (strcmp(val, "real") == 0 || strcmp(val, "sim") == 0) {
		c->sim = strcmp(val, "sim") == 0;
		return 0;
	}
	snprintf(why, len, "unknown clock '%s' (allowed: real, sim)", val);
	return -1;
}

/* --codec-time measured | fixed:VENC,VDEC[,AENC,ADEC] (milliseconds) */
static int choose_codec_time(void *base, const char *val, char *why, size_t len)
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
		if ((n == 2 || n == 4) && val[6 + used] == 0) {
			for (int i = 0; i < 4; i++)
				if (!(v[i] >= 0 && v[i] < 10000))
					n = 0;
			if (n) {
				memcpy(c->codec_ms, v, sizeof(v));
				c->codec_time_fixed = 1;
				return 0;
			}
		}
	}
	snprintf(
	    why, len,
	    "'%s' is not 'measured' or 'fixed:VENC_MS,VDEC_MS[,AENC_MS,ADEC_MS]' (each 0..10000)",
	    val);
	return -1;
}

/* ---- the allowed values of the enumerated options, for --help ---- */

static void list_codecs(char *buf, size_t len, enum cb_media m)
{
	size_t it = 0, pos = 0;
	const struct cb_codec_ops *c;

	buf[0] = 0;
	while ((c = cb_codec_iterate(&it)) && pos < len) {
		int w;

		if (c->media != m)
			continue;
		w = snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", c->name);
		if (w > 0)
			pos += (size_t)w;
	}
}

static void list_video_codecs(char *buf, size_t len)
{
	list_codecs(buf, len, CB_MEDIA_VIDEO);
}

static void list_audio_codecs(char *buf, size_t len)
{
	list_codecs(buf, len, CB_MEDIA_AUDIO);
}

static void list_transports(char *buf, size_t len)
{
	size_t it = 0, pos = 0;
	const struct cb_transport_ops *t;

	buf[0] = 0;
	while ((t = cb_transport_iterate(&it)) && pos < len) {
		int w = snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", t->name);

		if (w > 0)
			pos += (size_t)w;
	}
}

static void profile_dir(char *dir, size_t len);

static void list_net_profiles(char *buf, size_t len)
{
	char dir[600];

	profile_dir(dir, sizeof(dir));
	if (cb_impair_profile_names(dir, buf, len) < 0)
		snprintf(buf, len, "(none found in %s)", dir);
}

static void list_net_keys(char *buf, size_t len)
{
	char keys[400];

	cb_impair_keys(keys, sizeof(keys));
	snprintf(buf, len, "KEY=VALUE,... with keys %s", keys);
}

/* Named network profiles live in fixtures/net/, found from the current
 * folder or beside the program (build/../fixtures/net). */
static void profile_dir(char *dir, size_t len)
{
	char exe[512];
	ssize_t n;

	if (access("fixtures/net", R_OK) == 0) {
		snprintf(dir, len, "fixtures/net");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		snprintf(dir, len, "%.400s/../fixtures/net", exe);
		return;
	}
	snprintf(dir, len, "fixtures/net");
}

/* --net-profile NAME|FILE.json: the profile replaces the network settings;
 * --net after it changes single values. */
static int choose_net_profile(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;
	char dir[600];

	profile_dir(dir, sizeof(dir));
	return cb_impair_profile_load(dir, val, &c->net, why, len) < 0 ? -1 : 0;
}

/* --net key=value,...: see fixtures/net/README.md */
static void settings_string(const struct cb_track_settings *s, char *out, size_t len)
{
	json_t *j = cb_track_settings_json(s);
	char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;

	snprintf(out, len, "%s", txt ? txt : "");
	free(txt);
	json_decref(j);
}

/*
 * --constraints JSON|FILE: getUserMedia constraints resolved against the
 * synthetic devices (SelectSettings); the chosen settings set the tracks up,
 * and the report shows them as track.getSettings() would.
 */
static int choose_constraints(void *base, const char *val, char *why, size_t len)
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

static int choose_net(void *base, const char *val, char *why, size_t len)
{
	struct cb_call_cfg *c = base;

	return cb_impair_parse(val, &c->net, why, len) < 0 ? -1 : 0;
}

#define CO(f) offsetof(struct run_opts, call.f)
static int take_max(void *base, const char *val, char *why, size_t len)
{
	return cb_gates_add_limit(&((struct run_opts *)base)->gates, 1, val, why, len);
}

static int take_min(void *base, const char *val, char *why, size_t len)
{
	return cb_gates_add_limit(&((struct run_opts *)base)->gates, 0, val, why, len);
}

/* --log-level error|warning|info|debug */
static int choose_log_level(void *base, const char *val, char *why, size_t len)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	for (int i = 0; i < 4; i++)
		if (strcmp(val, names[i]) == 0) {
			((struct run_opts *)base)->log_level = i;
			return 0;
		}
	snprintf(why, len, "unknown log level '%s' (allowed: error, warning, info, debug)", val);
	return -1;
}

static int take_fail_on(void *base, const char *val, char *why, size_t len)
{
	return cb_gates_add_fail_on(&((struct run_opts *)base)->gates, val, why, len);
}

int run_gates_check(struct run_opts *o, char *why, size_t len)
{
	struct cb_run_result empty;
	json_t *sum;
	int rc;

	if (o->gates.n == 0)
		return 0;
	/* An empty run with both media on has every key of the schema. */
	memset(&empty, 0, sizeof(empty));
	empty.cfg = o->call;
	empty.video.enabled = empty.audio.enabled = 1;
	empty.video.media = CB_MEDIA_VIDEO;
	empty.audio.media = CB_MEDIA_AUDIO;
	sum = cb_report_summary_build(&empty);
	if (!sum)
		return -ENOMEM;
	rc = cb_gates_check_paths(&o->gates, sum, why, len);
	json_decref(sum);
	return rc;
}

int run_gates_eval(struct run_opts *o, struct cb_run_result *res)
{
	json_t *sum;

	if (o->gates.n == 0)
		return 0;
	sum = cb_report_summary_build(res);
	if (!sum)
		return -ENOMEM;
	cb_gates_eval(&o->gates, sum);
	json_decref(sum);
	res->gates = &o->gates;
	return 0;
}

const struct opt run_options[] = {
    {"media", NULL, NULL, OPT_GROUP},
    {"duration", "SECONDS", "media time to capture", OPT_DOUBLE, CO(duration_s), 0, 0.1, 86400,
     NULL, NULL},
    {"size", "WxH", "video resolution", OPT_SIZE, CO(width), CO(height), 64, 4096, NULL, NULL},
    {"fps", "N", "video frame rate", OPT_INT, CO(fps), 0, 1, 240, NULL, NULL},
    {"video-codec", "NAME", "video codec", OPT_CHOICE, 0, 0, 0, 0, choose_vcodec, "vp8",
     list_video_codecs},
    {"video-bitrate", "KBPS", "video target bitrate", OPT_INT, CO(video_kbps), 0, 30, 50000, NULL,
     NULL},
    {"keyint", "FRAMES", "at most this many frames between key frames", OPT_INT, CO(keyint), 0, 1,
     100000, NULL, NULL},
    {"speed", "N", "VP8 cpu-used: -16..-1 fixed speed (faster as it grows in size), 1..16 adaptive",
     OPT_INT, CO(speed), 0, -16, 16, NULL, NULL},
    {"audio-codec", "NAME", "audio codec", OPT_CHOICE, 0, 0, 0, 0, choose_acodec, "opus",
     list_audio_codecs},
    {"audio-bitrate", "KBPS", "audio target bitrate", OPT_INT, CO(audio_kbps), 0, 6, 510, NULL,
     NULL},
    {"audio-frame", "MS", "Opus frame duration (10, 20, 40, 60)", OPT_INT, CO(audio_frame_ms), 0,
     10, 60, NULL, NULL},
    {"opus-complexity", "N", "Opus encoder complexity", OPT_INT, CO(opus_complexity), 0, 0, 10,
     NULL, NULL},
    {"mark-period", "MS", "spacing of audio marks", OPT_INT, CO(mark_period_ms), 0, 100, 10000,
     NULL, NULL},
    {"no-video", NULL, "send no video track", OPT_FLAG_OFF, CO(video), 0, 0, 0, NULL, NULL},
    {"no-audio", NULL, "send no audio track", OPT_FLAG_OFF, CO(audio), 0, 0, 0, NULL, NULL},
    {"constraints", "JSON|FILE", "getUserMedia constraints, resolved against the synthetic devices",
     OPT_CHOICE, 0, 0, 0, 0, choose_constraints, "{\"video\":{...},\"audio\":{...}}"},
    {"audio processing and the microphone's scene", NULL, NULL, OPT_GROUP},
    {"echo-cancellation", NULL, "audio: echo canceller on the microphone (speexdsp)", OPT_FLAG_ON,
     CO(echo_cancellation), 0, 0, 0, NULL, NULL},
    {"noise-suppression", NULL, "audio: noise suppressor on the microphone (speexdsp)", OPT_FLAG_ON,
     CO(noise_suppression), 0, 0, 0, NULL, NULL},
    {"auto-gain-control", NULL, "audio: automatic gain control on the microphone (speexdsp)",
     OPT_FLAG_ON, CO(auto_gain_control), 0, 0, 0, NULL, NULL},
    {"echo", "DB", "audio: far-end echo in the microphone at this gain (-60..-1; 0 = none)",
     OPT_DOUBLE, CO(echo_db), 0, -60, 0, NULL, NULL},
    {"echo-delay", "MS", "audio: loudspeaker-to-microphone delay of the echo", OPT_INT,
     CO(echo_delay_ms), 0, 0, 500, NULL, NULL},
    {"noise", "DBFS", "audio: background noise in the microphone (-90..-10; 0 = none)", OPT_DOUBLE,
     CO(noise_dbfs), 0, -90, 0, NULL, NULL},
    {"network", NULL, NULL, OPT_GROUP},
    {"transport", "NAME", "how packets travel", OPT_CHOICE, 0, 0, 0, 0, choose_transport, "udp",
     list_transports},
    {"net", "SPEC",
     "network impairment, e.g. delay=50,jitter=10,loss=5,burst=3,rate=500,queue=30 (jitter "
     "without reorder holds packets back to keep order: mean delay above delay=)",
     OPT_CHOICE, 0, 0, 0, 0, choose_net, "none", list_net_keys},
    {"net-profile", "NAME", "network profile from fixtures/net/ (or a .json path)", OPT_CHOICE, 0,
     0, 0, 0, choose_net_profile, "perfect", list_net_profiles},
    {"mtu", "BYTES", "largest SRTP packet", OPT_INT, CO(mtu), 0, 200, 1500, NULL, NULL},
    {"srtp", "PROFILE", "SRTP protection profile", OPT_CHOICE, 0, 0, 0, 0, choose_srtp,
     "AES_CM_128_HMAC_SHA1_80 | AEAD_AES_128_GCM"},
    {"recovery", NULL, NULL, OPT_GROUP},
    {"no-nack", NULL, "no NACK/RTX retransmission (PLI and key frames still recover)", OPT_FLAG_OFF,
     CO(nack), 0, 0, 0, NULL, NULL},
    {"no-opus-fec", NULL, "no Opus in-band FEC (loss is concealed by PLC only)", OPT_FLAG_OFF,
     CO(opus_fec), 0, 0, 0, NULL, NULL},
    {"rtcp-interval", "MS", "interval of sender and receiver reports", OPT_INT,
     CO(rtcp_interval_ms), 0, 10, 60000, NULL, NULL},
    {"playout", NULL, NULL, OPT_GROUP},
    {"min-playout-delay", "MS", "video: lower bound of the jitter buffer's target delay", OPT_INT,
     CO(min_playout_delay_ms), 0, 0, 10000, NULL, NULL},
    {"max-playout-delay", "MS", "video: upper bound of the jitter buffer's target delay", OPT_INT,
     CO(max_playout_delay_ms), 0, 0, 10000, NULL, NULL},
    {"audio-jb-min", "MS", "audio: floor of the jitter buffer's target delay", OPT_INT,
     CO(audio_jb_min_ms), 0, 0, 1000, NULL, NULL},
    {"audio-jb-initial", "MS", "audio: jitter buffer delay before the first playout", OPT_INT,
     CO(audio_jb_initial_ms), 0, 0, 1000, NULL, NULL},
    {"clock", NULL, NULL, OPT_GROUP},
    {"clock", "real|sim", "real time, or a discrete-event simulation in virtual time", OPT_CHOICE,
     0, 0, 0, 0, choose_clock, "real"},
    {"codec-time", "MODEL",
     "sim clock: charge codec work as 'measured' or 'fixed:VENC,VDEC[,AENC,ADEC]' ms", OPT_CHOICE,
     0, 0, 0, 0, choose_codec_time, "measured"},
    {"seed", "N", "seed for everything random but the SRTP keys", OPT_U64, CO(seed), 0, 0, 0, NULL,
     NULL},
    {"output", NULL, NULL, OPT_GROUP},
    {"out", "DIR", "folder that receives the run folder", OPT_STR, CO(out_dir), 0, 0,
     sizeof(((struct cb_call_cfg *)0)->out_dir), NULL, NULL},
    {"run-id", "ID", "name of the run folder", OPT_STR, CO(run_id), 0, 0,
     sizeof(((struct cb_call_cfg *)0)->run_id), NULL, NULL},
    {"percentile", "P", "latency percentile whose band is the verdict", OPT_DOUBLE, CO(verdict_pct),
     0, 1, 100, NULL, NULL},
    {"quiet", NULL, "no live progress", OPT_FLAG_ON, offsetof(struct run_opts, quiet), 0, 0, 0,
     NULL, NULL},
    {"log-level", "LEVEL",
     "library messages on stderr up to this level: error, warning, info (adds the transport's "
     "addresses and ports, the report folder), debug",
     OPT_CHOICE, 0, 0, 0, 0, choose_log_level, "warning"},
    {"json", NULL, "print summary.json on stdout (the human summary goes to stderr)", OPT_FLAG_ON,
     offsetof(struct run_opts, json), 0, 0, 0, NULL, NULL},
    {"junit", "FILE", "write the run's checks (completed, measured, every limit) as JUnit XML",
     OPT_STR, offsetof(struct run_opts, junit), 0, 0, sizeof(((struct run_opts *)0)->junit), NULL,
     NULL},
    {"gates (exit 1 when breached)", NULL, NULL, OPT_GROUP},
    {"fail-on", "BAND", "exit 1 if the verdict is BAND or worse", OPT_CHOICE, 0, 0, 0, 0,
     take_fail_on, "excellent | good | acceptable | poor | unusable"},
    {"max", "METRIC=VALUE",
     "exit 1 if this summary.json figure is above VALUE (e.g. video.latency_ms.p95=150); "
     "repeatable",
     OPT_CHOICE, 0, 0, 0, 0, take_max, "none"},
    {"min", "METRIC=VALUE",
     "exit 1 if this summary.json figure is below VALUE (e.g. video.identified_pct=99); "
     "repeatable",
     OPT_CHOICE, 0, 0, 0, 0, take_min, "none"},
    {NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL},
};

static void log_stderr(void *user, enum cb_log_level level, const char *module, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	int *progress_line = user;

	if (*progress_line) {
		fputc('\n', stderr);
		*progress_line = 0;
	}
	fprintf(stderr, "callbench: %s: %s: %s\n", names[level], module, msg);
}

/* The terminal's width, for a progress line that must not wrap. */
static int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* One line, redrawn in place: media time elapsed of total, then what fits. */
static void show_progress(void *user, const struct cb_call_progress *p)
{
	int *progress_line = user;
	int cols = term_width(), width = cols >= 100 ? 24 : cols >= 70 ? 12 : 0;
	int done = p->duration_s > 0 ? (int)(width * p->media_s / p->duration_s) : 0;
	char bar[32] = "", line[512];
	int n;

	if (done > width)
		done = width;
	if (width) {
		bar[0] = '[';
		memset(bar + 1, '#', (size_t)done);
		memset(bar + 1 + done, '.', (size_t)(width - done));
		bar[width + 1] = ']';
		bar[width + 2] = ' ';
		bar[width + 3] = 0;
	}
	n = snprintf(line, sizeof(line), "%s%.1f/%.1f s  video %llu", bar, p->media_s,
		     p->duration_s, (unsigned long long)p->video_frames_identified);
	if (n > 0 && (size_t)n < sizeof(line) && !isnan(p->last_video_ms))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %.1f ms", p->last_video_ms);
	if (n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  audio %llu",
			      (unsigned long long)p->audio_marks_identified);
	if (n > 0 && (size_t)n < sizeof(line) && !isnan(p->last_audio_ms))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %.1f ms", p->last_audio_ms);
	/* Never wider than the terminal: a wrapped line cannot be redrawn. */
	if (cols - 1 < (int)sizeof(line))
		line[cols - 1] = 0;
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	*progress_line = 1;
}

/*
 * What a CI job reads: 0 complete, measured and within every limit; 1 a
 * limit breached, nothing measured, the run failed or its report could not
 * be written; 130 interrupted (the partial report is written).
 */
static int run_exit_status(const struct cb_run_result *res, int report_failed)
{
	const struct cb_media_result *w = cb_run_worst_media(res);

	fflush(stdout); /* the summary before the reason, also through a pipe */
	if (report_failed || res->status == CB_RUN_FAILED)
		return 1;
	if (res->status == CB_RUN_INTERRUPTED)
		return EXIT_INTERRUPTED;
	if (!w || w->verdict == CB_BAND_NONE) {
		fprintf(stderr, "callbench run: nothing was measured (verdict none): exit 1\n");
		return 1;
	}
	if (res->gates && res->gates->breached) {
		fprintf(stderr, "callbench run: %zu limit%s breached: exit 1\n",
			res->gates->breached, res->gates->breached == 1 ? "" : "s");
		return 1;
	}
	return 0;
}

/* The run as JUnit: did it complete, was it measured, and every limit. */
static int run_write_junit(const char *path, const struct cb_run_result *res)
{
	struct run_checks k;
	struct cb_junit_suite s;
	char suite[96];

	snprintf(suite, sizeof(suite), "callbench run %s", res->run_id);
	run_checks_make(&k, res, suite);
	s = run_checks_suite(&k);
	return cb_junit_write(path, "callbench run", &s, 1);
}

/* --out must be a folder we can write into, before the call starts. */
static int out_dir_check(const char *dir, char *why, size_t len)
{
	const char *d = dir[0] ? dir : "results";
	int err = cb_mkdir_p(d);

	if (err) {
		if (snprintf(why, len, "%s: cannot make it: %s", d, cb_strerror(err)) < 0)
			why[0] = 0;
		return -1;
	}
	if (access(d, W_OK | X_OK) < 0) {
		if (snprintf(why, len, "%s: not writable: %s", d, strerror(errno)) < 0)
			why[0] = 0;
		return -1;
	}
	return 0;
}

static void run_help(FILE *out)
{
	struct run_opts d = {0};

	cb_call_cfg_default(&d.call);
	fprintf(out, "usage: callbench run [options]\n\n"
		     "Run one loopback call (synthetic video and audio through encode, RTP, SRTP,\n"
		     "the transport and decode), measure latency from the decoded content and\n"
		     "write a report folder under --out (results/latest points at it).\n\n"
		     "options [default; range]:\n");
	opts_help(run_options, &d, out);
	fprintf(out,
		"\nExit status: 0 complete, measured and within every limit; 1 a limit breached,\n"
		"nothing measured (verdict none), the run failed or its report could not be\n"
		"written; 2 bad usage (an option, a limit naming no figure, an unwritable\n"
		"--out); 130 interrupted (a partial report is still written and marked so).\n"
		"SIGINT or SIGTERM during the call stops it and writes that partial report; a\n"
		"signal while the report is being written (the first, if the call was over, or\n"
		"a second one) abandons the report: the run folder is left without\n"
		"summary.json, `latest` is not moved, and no temporary file is left.\n");
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	struct cb_run_result res;
	struct cb_call_hooks hooks = {0};
	struct sigaction sa = {0};
	char dir[512] = "", why[400];
	int help, pos, rc, exit_rc, progress_line = 0;

	cb_call_cfg_default(&o.call);
	o.log_level = CB_LOG_WARN;
	if (opts_parse("callbench run", run_options, &o, argc, argv, &help, &pos) < 0)
		return EXIT_USAGE;
	if (help) {
		run_help(stdout);
		return 0;
	}
	if (pos < argc) {
		fprintf(stderr, "callbench run: unexpected argument '%s' (see --help)\n",
			argv[pos]);
		return EXIT_USAGE;
	}
	if (run_gates_check(&o, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench run: --max/--min: %s\n", why);
		return EXIT_USAGE;
	}
	if (o.call.run_id[0] && cb_run_id_check(o.call.run_id, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench run: --run-id: %s\n", why);
		return EXIT_USAGE;
	}
	if (out_dir_check(o.call.out_dir, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench run: --out %s\n", why);
		return EXIT_USAGE;
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	hooks.log = (struct cb_logger){
	    .fn = log_stderr, .user = &progress_line, .max_level = (enum cb_log_level)o.log_level};
	hooks.stop = &stop_requested;
	hooks.user = &progress_line;
	if (!o.quiet && isatty(STDERR_FILENO))
		hooks.progress = show_progress;
	rc = cb_call_run(&o.call, &hooks, &res);
	/* A signal that came after the call had settled its status stopped
	 * nothing of it: it is one for the report. */
	atomic_store(&call_over, 1);
	if (atomic_load(&stop_requested) && res.status != CB_RUN_INTERRUPTED)
		atomic_store(&report_stop, 1);
	if (progress_line)
		fputc('\n', stderr);
	if (rc < 0) {
		fprintf(stderr, "callbench run: %s\n", res.error[0] ? res.error : cb_strerror(rc));
		cb_run_result_free(&res);
		return rc == -EINVAL || rc == CB_E_NOTFOUND ? EXIT_USAGE : 1;
	}
	if (run_gates_eval(&o, &res) < 0) {
		fprintf(stderr, "callbench run: evaluating the limits: out of memory\n");
		cb_run_result_free(&res);
		return 1;
	}
	rc = cb_report_write(&res, &hooks.log, &report_stop, dir, sizeof(dir));
	if (rc == CB_E_STOPPED) {
		fprintf(stderr,
			"callbench run: interrupted while writing the report: %s/%s is left "
			"without summary.json (not a finished run)\n",
			o.call.out_dir[0] ? o.call.out_dir : "results", res.run_id);
		dir[0] = 0;
	} else if (rc < 0) {
		fprintf(stderr,
			"callbench run: writing the report into %s/%s failed: %s (the folder is "
			"left without summary.json)\n",
			o.call.out_dir[0] ? o.call.out_dir : "results", res.run_id,
			cb_strerror(rc));
		dir[0] = 0;
	}
	print_run_summary(o.json ? stderr : stdout, &res, dir);
	if (o.json) {
		char *text = cb_report_summary_text(&res);

		if (text) {
			fputs(text, stdout);
			fputc('\n', stdout);
			free(text);
		}
	}
	exit_rc = rc == CB_E_STOPPED ? EXIT_INTERRUPTED : run_exit_status(&res, rc < 0);
	if (o.junit[0] && rc != CB_E_STOPPED) {
		int jr = run_write_junit(o.junit, &res);

		if (jr < 0) {
			fprintf(stderr, "callbench run: --junit %s: %s\n", o.junit,
				cb_strerror(jr));
			exit_rc = exit_rc ? exit_rc : 1;
		}
	}
	cb_run_result_free(&res);
	return exit_rc;
}

static int cmd_codecs(int argc, char **argv)
{
	const struct cb_codec_ops *c;
	size_t it = 0;

	(void)argc;
	(void)argv;
	printf("%-8s %-6s %-8s %s\n", "name", "media", "rtp", "library");
	while ((c = cb_codec_iterate(&it)))
		printf("%-8s %-6s %-8s %s\n", c->name,
		       c->media == CB_MEDIA_VIDEO ? "video" : "audio", c->rtp_name, c->version());
	return 0;
}

/* callbench devices: what enumerateDevices() would list, with capabilities. */
static int cmd_devices(int argc, char **argv)
{
	size_t n;
	const struct cb_device *d = cb_devices_list(&n);

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < n; i++, d++) {
		printf("%-12s %-22s %s (groupId %s)\n", cb_device_kind_name(d->kind), d->device_id,
		       d->label, d->group_id);
		if (d->video) {
			printf("  facingMode %s, resizeMode none%s; modes:",
			       d->video->facing_mode[0] ? d->video->facing_mode : "-",
			       d->video->crop_and_scale ? "|crop-and-scale" : "");
			for (size_t m = 0; m < d->video->n_modes; m++)
				printf(" %dx%d@%g", d->video->modes[m].width,
				       d->video->modes[m].height, d->video->modes[m].frame_rate);
			printf("\n");
		}
		if (d->audio) {
			printf("  sampleRate");
			for (size_t k = 0; k < d->audio->n_sample_rates; k++)
				printf(" %d", d->audio->sample_rates[k]);
			printf(", sampleSize %d, channelCount %d, latency", d->audio->sample_size,
			       d->audio->channel_count);
			for (size_t k = 0; k < d->audio->n_latencies; k++)
				printf(" %gs", d->audio->latencies[k]);
			printf(", echoCancellation/autoGainControl/noiseSuppression %s\n",
			       d->audio->echo_cancellation ? "true|false" : "fixed");
		}
	}
	return 0;
}

static int cmd_help(int argc, char **argv);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *doc;
};

static const struct command commands[] = {
    {"run", cmd_run, "run one loopback call and write a report (callbench run --help)"},
    {"devices", cmd_devices, "list the synthetic capture devices and their capabilities"},
    {"codecs", cmd_codecs, "list the codecs this build has"},
    {"bench", cb_cmd_bench, "microbenchmarks: callbench bench transport --help"},
    {"compare", cb_cmd_compare, "a run or sweep against a baseline: compare --help"},
    {"sweep", cb_cmd_sweep, "run a grid of calls, one comparison report (sweep --help)"},
    {"report", cb_cmd_report, "merge run or sweep folders into one comparison (report --help)"},
    {"signal", cb_cmd_signal, "a WebSocket signaling server with rooms (signal --help)"},
    {"peer", cb_cmd_peer, "one end alone: send to an address an SDP describes (peer --help)"},
    {"help", cmd_help, "show this help"},
    {NULL, NULL, NULL},
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: callbench COMMAND [options]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		printf("  %-8s %s\n", c->name, c->doc);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(0, NULL);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(0, NULL);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		struct cb_version v[16];
		size_t n = cb_versions(v, 16);

		for (size_t i = 0; i < n; i++)
			printf("%-10s %s\n", v[i].name, v[i].version);
		return 0;
	}
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, argv[1]) == 0)
			return c->fn(argc - 2, argv + 2);
	fprintf(stderr, "callbench: unknown command '%s' (see callbench help)\n", argv[1]);
	return EXIT_USAGE;
}
