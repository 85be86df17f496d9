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

#include "media/devices.h"
#include "options.h"
#include "run_options.h"
#include "run_peers.h"
#include "report/report.h"
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

static int take_max(void *base, const char *val, char *why, size_t len)
{
	return cb_gates_add_limit(&((struct run_opts *)base)->gates, 1, val, why, len);
}

static int take_min(void *base, const char *val, char *why, size_t len)
{
	return cb_gates_add_limit(&((struct run_opts *)base)->gates, 0, val, why, len);
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

void run_opts_default(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	cb_call_cfg_default(&o->call);
	o->log_level = CB_LOG_WARN;
}

#define RO(m) CB_SETTING_AT(struct run_opts, m)

/* The call's settings (call/settings.h), then the program's own options. */
const struct cb_setting run_options[] = {
    {.name = "call settings",
     .type = CB_SETTING_TABLE,
     .offset = offsetof(struct run_opts, call),
     .table = cb_call_settings},
    {.name = "quiet",
     .help = "no live progress",
     .group = "output",
     .type = CB_SETTING_FLAG,
     RO(quiet),
     .flag = 1},
    {.name = "log-level",
     .arg = "LEVEL",
     .help = "library messages on stderr up to this level: error, warning, info (adds the "
	     "transport's addresses and ports, the report folder), debug",
     .group = "output",
     .type = CB_SETTING_ENUM,
     RO(log_level),
     .choices = (const char *const[]){"error", "warning", "info", "debug", NULL},
     .what = "log level"},
    {.name = "json",
     .help = "print summary.json on stdout (the human summary goes to stderr)",
     .group = "output",
     .type = CB_SETTING_FLAG,
     RO(json),
     .flag = 1},
    {.name = "junit",
     .arg = "FILE",
     .help = "write the run's checks (completed, measured, every limit) as JUnit XML",
     .group = "output",
     .type = CB_SETTING_STR,
     RO(junit)},
    {.name = "fail-on",
     .arg = "BAND",
     .help = "exit 1 if the verdict is BAND or worse",
     .group = "gates (exit 1 when breached)",
     .type = CB_SETTING_CUSTOM,
     .parse = take_fail_on,
     .shown = "excellent | good | acceptable | poor | unusable"},
    {.name = "max",
     .arg = "METRIC=VALUE",
     .help = "exit 1 if this summary.json figure is above VALUE (e.g. "
	     "video.latency_ms.p95=150); repeatable",
     .group = "gates (exit 1 when breached)",
     .type = CB_SETTING_CUSTOM,
     .parse = take_max,
     .shown = "none"},
    {.name = "min",
     .arg = "METRIC=VALUE",
     .help = "exit 1 if this summary.json figure is below VALUE (e.g. "
	     "video.identified_pct=99); repeatable",
     .group = "gates (exit 1 when breached)",
     .type = CB_SETTING_CUSTOM,
     .parse = take_min,
     .shown = "none"},
    {.name = NULL},
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
	struct run_opts d;

	run_opts_default(&d);
	fprintf(out,
		"usage: callbench run [options]\n\n"
		"Run one loopback call (synthetic video and audio through encode, RTP, SRTP,\n"
		"the transport and decode), measure latency from the decoded content and\n"
		"write a report folder under --out (results/latest points at it).\n\n"
		"  --peers MODE          thread (one process, the default), process (two\n"
		"                        callbench peer programs through a private signaling\n"
		"                        server) or netns (the two in network namespaces of\n"
		"                        their own, joined by a veth: two hosts; needs root)\n"
		"  --netem \"SPEC\"        with --peers netns: Linux netem on the veth (tc ...\n"
		"                        netem SPEC, e.g. \"delay 50ms 5ms loss 2%%\")\n\n"
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
	struct run_opts o;
	struct cb_run_result res;
	struct cb_call_hooks hooks = {0};
	struct sigaction sa = {0};
	char why[400];
	const char *peers = NULL, *netem = NULL;
	int help, pos, rc, progress_line = 0;

	run_opts_default(&o);
	if (run_take_peers(&argc, argv, &peers, &netem) < 0)
		return EXIT_USAGE;
	if (peers && strcmp(peers, "thread") && strcmp(peers, "process") &&
	    strcmp(peers, "netns")) {
		fprintf(stderr, "callbench run: --peers %s: thread, process or netns\n", peers);
		return EXIT_USAGE;
	}
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
	if (out_dir_check(o.call.out_dir, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench run: --out %s\n", why);
		return EXIT_USAGE;
	}
	if (netem && (!peers || strcmp(peers, "netns"))) {
		fprintf(stderr,
			"callbench run: --netem needs --peers netns (netem sits on the veth "
			"between the two namespaces)\n");
		return EXIT_USAGE;
	}
	if (peers && strcmp(peers, "thread"))
		return run_peers(argc, argv, &o, peers, netem);
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
	return run_finish("callbench run", &o, &res, &hooks.log, &report_stop);
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
    {"peer", cb_cmd_peer,
     "one end of a call: through a signaling room, or an SDP file out or in (peer --help)"},
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
