/*
 * bench_call.c — `callbench bench call`: a callbench call beside the
 * GStreamer pipeline pair people would build instead, at the same settings
 * (issue 10, "no slower than the stacks people would pick instead"), as
 * `bench transport` holds udp against sockperf.
 *
 * Method.  Each pair runs both sides one after the other for the same
 * media time: GStreamer first in odd pairs, callbench first in even ones,
 * so that a drift of the machine over the bench falls on both alike.
 *
 *   GStreamer: two processes of build/callbench-gst (bench/gst/gst_peer.c),
 *     videotestsrc is-live → vp8enc → rtpvp8pay → srtpenc → udpsink ║ udpsrc
 *     → srtpdec → rtpjitterbuffer latency=0 → rtpvp8depay → vp8dec, with
 *     CLOCK_MONOTONIC stamps from pad probes; span = the source buffer
 *     leaving videotestsrc → the decoded picture leaving vp8dec, frames
 *     matched by RTP timestamp.
 *   callbench: `callbench run` (this program) with the same settings,
 *     video only, udp; span = captured_ms → decode_end_ms of frames.csv
 *     (both on the run's CLOCK_MONOTONIC).
 *
 * Both spans start when the source hands the frame over (callbench's
 * capture instant; a live videotestsrc pushes at its frame's instant after
 * rendering it, as callbench renders ahead of the instant) and end when the
 * decoder has put the picture out; neither includes display.  Each is also
 * cut in three: to the encoder's output (callbench: captured → encode end,
 * its capture wait included), between (→ the decoder takes the frame:
 * packetize, SRTP, the network, the jitter buffer, depacketize) and decode.
 * Percentiles are nearest-rank over every frame of every pair.
 *
 * CPU per media second, both ends of each side.  GStreamer: each process's
 * own CPU time from just before PLAYING until it stopped (callbench-gst
 * writes it).  callbench: the run process's CPU time (its own threads and
 * the children it reaped) read from /proc when its run folder appears,
 * which cb_report_write makes once the call is over: set-up, the call, the
 * quality worker (PSNR/SSIM: callbench run reports no split yet) and
 * merging the results, not the report files.  If the folder comes before
 * the media time is over, the whole process's CPU is taken and flagged.
 *
 * Load gate.  During each side's run the machine's busy time (/proc/stat)
 * less what the bench and its children used is other processes' load, in
 * cores.  A pair in which either side saw more than --max-load is run
 * again, up to --retries times; the last try is kept and flagged `loaded`.
 *
 * Output: a table on stdout and <out>/bench-call-<UTC time>/ with
 * bench.json, the GStreamer records and logs (gst-N-send.tsv, gst-N-recv.tsv,
 * gst-N.log) and the callbench run folders (call-N/run/) and logs, N the
 * pair ("N-tryK" for a pair's K-th try);
 * <out>/bench-call-latest points at the newest; --json FILE writes
 * bench.json there too.
 *
 * bench.json (schema "callbench.bench-call/1"), times in milliseconds:
 *   schema, created, host {cpus, kernel}, gstreamer_version
 *   settings {duration_s, runs, width, height, fps, video_kbps, speed,
 *     keyint, mtu, srtp, transport, pattern, peers (null: run's default),
 *     run_args, max_load_cores, retries}
 *   span {gstreamer, callbench}: what each span runs from and to
 *   sides {gstreamer, callbench}: {frames, expected, span_ms {n, min, mean,
 *     p50, p90, p99, max}, parts_ms {to_encoded, between, decode} (means),
 *     cpu_s_per_media_s, cpu_call_only (false: callbench's figure includes
 *     its report), cpu_total_s_per_media_s (whole processes), encoded_kbps,
 *     source_late_ms (GStreamer: mean push − nominal instant; else null),
 *     quality_worker ("none", "included", or "as run_args set it" when
 *     they hold --quality)}
 *   pairs[] {index, first, attempts, loaded, gstreamer, callbench: {frames,
 *     expected, span_ms, parts_ms, cpu_s, media_s, other_cores, encoded_kbps,
 *     dir}, ratio_p50}
 *   ratios {p50, p99, pair_p50_median, pair_p50_min, pair_p50_max}
 *   verdict {p50_at_or_below, p99_at_or_below, loaded_pairs, text}
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/error.h"
#include "bench_util.h"
#include "gst/reference.h"
#include "measure/stats.h"
#include "options.h"
#include "report/report.h"
#include "report/sweep.h"

#define PROG	     "callbench bench call"
#define EXIT_USAGE   2
#define SCHEMA	     "callbench.bench-call/1"
#define SRTP_PROFILE "AES_CM_128_HMAC_SHA1_80"
#define RUN_ID	     "run"
#define MAX_ARGS     96
#define IDLE_MS	     "1000" /* callbench-gst recv stops this long after the last frame */
#define GST_START_S                                                                                \
	30 /* the receiver says its port within this (a first gst_init scans plugins)              \
	    */
#define RECV_LINGER_S 0.3 /* after the sender ends, before the receiver is told to stop */

enum side { SIDE_GST, SIDE_CB, NSIDES };
static const char *const side_name[NSIDES] = {"gstreamer", "callbench"};

struct call_opts {
	double duration;
	int runs;
	struct cb_ref_call ref;
	char peers[32];
	char run_args[512];
	double max_load;
	int retries;
	char out[256];
	char json[PATH_MAX];
};

static int take_peers(void *base, const char *val, char *why, size_t len)
{
	struct call_opts *o = base;

	if (!val[0] || strlen(val) >= sizeof(o->peers) || strpbrk(val, " \t")) {
		snprintf(why, len, "'%s' is not a mode name", val);
		return -1;
	}
	snprintf(o->peers, sizeof(o->peers), "%s", val);
	return 0;
}

#define CO(f) CB_SETTING_AT(struct call_opts, f)
static const struct cb_setting call_options[] = {
    {.name = "duration",
     .arg = "SECONDS",
     .help = "media time of each side's run",
     .type = CB_SETTING_DOUBLE,
     CO(duration),
     .min = 0.5,
     .max = 3600},
    {.name = "runs",
     .arg = "N",
     .help = "pairs of runs, interleaved (GStreamer first in odd pairs)",
     .type = CB_SETTING_INT,
     CO(runs),
     .min = 1,
     .max = 1000},
    {.name = "size",
     .arg = "WxH",
     .help = "video size",
     .type = CB_SETTING_SIZE,
     CO(ref.width),
     .offset2 = offsetof(struct call_opts, ref.height),
     .min = 64,
     .max = 4096},
    {.name = "fps",
     .arg = "N",
     .help = "frame rate",
     .type = CB_SETTING_INT,
     CO(ref.fps),
     .min = 1,
     .max = 240},
    {.name = "video-bitrate",
     .arg = "KBPS",
     .help = "VP8 CBR target",
     .type = CB_SETTING_INT,
     CO(ref.kbps),
     .min = 30,
     .max = 50000},
    {.name = "speed",
     .arg = "N",
     .help = "VP8 cpu-used, deadline realtime (1..16 lets libvpx adapt the speed to the time "
	     "taken, -16..-1 fixes it)",
     .type = CB_SETTING_INT,
     CO(ref.speed),
     .min = -16,
     .max = 16},
    {.name = "keyint",
     .arg = "FRAMES",
     .help = "at most this many frames between key frames",
     .type = CB_SETTING_INT,
     CO(ref.keyint),
     .min = 1,
     .max = 100000},
    {.name = "mtu",
     .arg = "BYTES",
     .help = "largest SRTP packet",
     .type = CB_SETTING_INT,
     CO(ref.mtu),
     .min = 200,
     .max = 1500},
    {.name = "pattern",
     .arg = "SPEC",
     .help = "GStreamer's picture: a videotestsrc pattern, then any of its properties "
	     "(callbench draws its synthetic camera)",
     .type = CB_SETTING_STR,
     CO(ref.pattern)},
    {.name = "peers",
     .arg = "MODE",
     .help = "passed to callbench run as --peers MODE",
     .type = CB_SETTING_CUSTOM,
     .parse = take_peers,
     .shown = "callbench run's default"},
    {.name = "run-args",
     .arg = "ARGS",
     .help = "more options for callbench run, split at spaces",
     .type = CB_SETTING_STR,
     CO(run_args)},
    {.name = "max-load",
     .arg = "CORES",
     .help = "run a pair again when other processes used more than this during either side",
     .type = CB_SETTING_DOUBLE,
     CO(max_load),
     .min = 0,
     .max = 1024},
    {.name = "retries",
     .arg = "N",
     .help = "how many times a loaded pair is run again",
     .type = CB_SETTING_INT,
     CO(retries),
     .min = 0,
     .max = 100},
    {.name = "out",
     .arg = "DIR",
     .help = "folder that receives the bench-call-<time> folder",
     .type = CB_SETTING_STR,
     CO(out)},
    {.name = "json",
     .arg = "FILE",
     .help = "also write bench.json here",
     .type = CB_SETTING_STR,
     CO(json)},
    {.name = NULL},
};

static void call_defaults(struct call_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->duration = 10;
	o->runs = 5;
	cb_ref_call_default(&o->ref);
	o->max_load = 0.25;
	o->retries = 2;
	snprintf(o->out, sizeof(o->out), "results");
}

/* ---- one side's run ---- */

struct side_run {
	size_t expected, frames;
	double *span;	/* ms, one per measured frame */
	double part[3]; /* means: to the encoder's output, between, decode */
	double late_ms; /* GStreamer: mean push − nominal instant */
	double cpu_s;	/* both ends, during the call */
	int cpu_call_only;
	double cpu_total_s; /* both ends, whole processes */
	double media_s, kbps, other_cores;
	struct cb_dist d;
	char dir[PATH_MAX];
};

static void side_free(struct side_run *r)
{
	free(r->span);
	memset(r, 0, sizeof(*r));
}

/* Where the programs are: this one (for `callbench run`) and callbench-gst. */
struct programs {
	char self[PATH_MAX];
	char gst[PATH_MAX];
};

/* An argv under construction; the strings it formats live in it. */
struct args {
	char *v[MAX_ARGS + 1];
	char buf[4096];
	size_t n, used;
	char split[512]; /* a copy of --run-args, cut at its spaces */
};

static void arg(struct args *a, const char *s)
{
	if (a->n < MAX_ARGS)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

__attribute__((format(printf, 2, 3))) static void argf(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, sizeof(a->buf) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->buf) - a->used)
		return;
	arg(a, a->buf + a->used);
	a->used += (size_t)n + 1;
}

/* `callbench run` at the bench's settings into `out_dir`. */
static void run_args(struct args *a, const struct call_opts *o, const struct programs *pg,
		     const char *out_dir)
{
	memset(a, 0, sizeof(*a));
	arg(a, pg->self);
	arg(a, "run");
	argf(a, "--duration=%g", o->duration);
	argf(a, "--size=%dx%d", o->ref.width, o->ref.height);
	argf(a, "--fps=%d", o->ref.fps);
	argf(a, "--video-bitrate=%d", o->ref.kbps);
	argf(a, "--speed=%d", o->ref.speed);
	argf(a, "--keyint=%d", o->ref.keyint);
	argf(a, "--mtu=%d", o->ref.mtu);
	arg(a, "--srtp=" SRTP_PROFILE);
	arg(a, "--transport=udp");
	arg(a, "--no-audio");
	arg(a, "--quiet");
	argf(a, "--out=%s", out_dir);
	arg(a, "--run-id=" RUN_ID);
	if (o->peers[0])
		argf(a, "--peers=%s", o->peers);
	snprintf(a->split, sizeof(a->split), "%s", o->run_args);
	for (char *save = NULL, *t = strtok_r(a->split, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save))
		arg(a, t);
}

/* The machine's busy time and the bench's own CPU time, at an instant. */
struct load_mark {
	cb_ns t;
	double busy_s, self_s;
};

static double tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void load_mark(struct load_mark *m, const struct cb_clock *clk)
{
	unsigned long long v[8] = {0};
	struct rusage ru;
	FILE *f = fopen("/proc/stat", "r");

	m->t = cb_clock_now(clk);
	m->busy_s = NAN;
	/* cpu user nice system idle iowait irq softirq steal */
	if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			&v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
		m->busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
			    (double)sysconf(_SC_CLK_TCK);
	if (f)
		fclose(f);
	getrusage(RUSAGE_SELF, &ru);
	m->self_s = tv_s(&ru.ru_utime) + tv_s(&ru.ru_stime);
}

/* Others' load between two marks, in cores: busy time less ours. */
static double other_cores(const struct load_mark *a, const struct load_mark *b, double children_s)
{
	double wall = (double)(b->t - a->t) / 1e9;
	double other = (b->busy_s - a->busy_s) - (b->self_s - a->self_s) - children_s;

	if (!(wall > 0) || isnan(other))
		return NAN;
	return other > 0 ? other / wall : 0;
}

static double ru_s(const struct rusage *ru)
{
	return tv_s(&ru->ru_utime) + tv_s(&ru->ru_stime);
}

/* The last line `path` holds, for a reason ("" if none). */
static void last_line(const char *path, char *out, size_t room)
{
	char line[512];
	FILE *f = fopen(path, "r");

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (line[0] != '\n')
			snprintf(out, room, "%.*s", (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
}

static int open_log(const char *dir, const char *name, char *path, size_t room)
{
	int fd;

	if (cb_path_join(path, room, dir, name) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

/* ---- GStreamer's side ---- */

struct gst_row {
	uint32_t rtp_ts;
	long long a, b, c; /* send: source, nominal, encoded; recv: depay, decoded */
	unsigned bytes;
};

struct gst_records {
	struct gst_row *v;
	size_t n;
	double cpu_s;
	int have_cpu;
};

/* callbench-gst's records: rows of `cols` numbers, then its CPU line. */
static int gst_records_read(const char *path, int cols, struct gst_records *g)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	size_t cap = 0;

	memset(g, 0, sizeof(*g));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct gst_row r = {0};
		double user, sys;

		if (line[0] == '#') {
			if (sscanf(line, "# cpu_user_s=%lf cpu_sys_s=%lf", &user, &sys) == 2) {
				g->cpu_s = user + sys;
				g->have_cpu = 1;
			}
			continue;
		}
		if (cols == 5 ? sscanf(line, "%u %lld %lld %lld %u", &r.rtp_ts, &r.a, &r.b, &r.c,
				       &r.bytes) != 5
			      : sscanf(line, "%u %lld %lld", &r.rtp_ts, &r.a, &r.b) != 3)
			continue;
		if (g->n == cap) {
			struct gst_row *nv;

			cap = cap ? 2 * cap : 512;
			nv = realloc(g->v, cap * sizeof(*nv));
			if (!nv) {
				fclose(f);
				free(g->v);
				g->v = NULL;
				return -ENOMEM;
			}
			g->v = nv;
		}
		g->v[g->n++] = r;
	}
	fclose(f);
	return g->have_cpu ? 0 : CB_E_FORMAT;
}

static int by_rtp_ts(const void *a, const void *b)
{
	uint32_t x = ((const struct gst_row *)a)->rtp_ts, y = ((const struct gst_row *)b)->rtp_ts;

	return x < y ? -1 : x > y;
}

/* Join the sender's rows to the receiver's on the RTP timestamp. */
static int gst_join(const struct gst_records *tx, const struct gst_records *rx, struct side_run *r)
{
	double sum[3] = {0}, late = 0, bytes = 0;

	r->span = malloc((rx->n + 1) * sizeof(*r->span));
	if (!r->span)
		return -ENOMEM;
	qsort(tx->v, tx->n, sizeof(*tx->v), by_rtp_ts);
	for (size_t i = 0; i < tx->n; i++) {
		late += (double)(tx->v[i].a - tx->v[i].b) / 1e6;
		bytes += tx->v[i].bytes;
	}
	for (size_t i = 0; i < rx->n; i++) {
		const struct gst_row *s =
		    bsearch(&rx->v[i], tx->v, tx->n, sizeof(*tx->v), by_rtp_ts);
		const struct gst_row *d = &rx->v[i];

		if (!s)
			continue;
		r->span[r->frames++] = (double)(d->b - s->a) / 1e6;
		sum[0] += (double)(s->c - s->a) / 1e6;
		sum[1] += (double)(d->a - s->c) / 1e6;
		sum[2] += (double)(d->b - d->a) / 1e6;
	}
	for (int k = 0; k < 3; k++)
		r->part[k] = r->frames ? sum[k] / (double)r->frames : NAN;
	r->late_ms = tx->n ? late / (double)tx->n : NAN;
	r->kbps = bytes * 8 / r->media_s / 1000;
	return 0;
}

/* callbench-gst `cmd` with what both ends share. */
static void gst_args(struct args *a, const struct programs *pg, const char *cmd, const char *key,
		     const char *ssrc, const char *frames, const char *records)
{
	memset(a, 0, sizeof(*a));
	arg(a, pg->gst);
	arg(a, cmd);
	arg(a, "--key");
	arg(a, key);
	arg(a, "--ssrc");
	arg(a, ssrc);
	arg(a, "--frames");
	arg(a, frames);
	arg(a, "--records");
	arg(a, records);
}

/* One GStreamer run, named `tag` (the pair, and the try after the first):
 * the receiver, then the sender. */
static int gst_side(const struct call_opts *o, const struct programs *pg, const char *dir,
		    const char *tag, struct side_run *r, char *why, size_t wlen)
{
	unsigned char key[30];
	uint32_t ssrc = 0;
	char hex[61], ssrc_s[16], frames_s[16], port_s[16], line[64], tx_path[PATH_MAX],
	    rx_path[PATH_MAX], log_path[PATH_MAX], name[64], last[256] = "";
	struct gst_records tx = {0}, rx = {0};
	struct rusage ru_tx = {0}, ru_rx = {0};
	struct load_mark m0, m1;
	struct cb_clock clk;
	struct args a;
	int pfd[2] = {-1, -1}, log = -1, port, st_tx = 0, st_rx = 0, rc = -1, err;
	pid_t rxp = -1, txp = -1;

	cb_clock_real_init(&clk);
	r->expected = (size_t)ceil(o->duration * o->ref.fps - 1e-9);
	r->media_s = (double)r->expected / o->ref.fps;
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	while (ssrc == 0)
		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key) ||
		    getrandom(&ssrc, sizeof(ssrc), 0) != (ssize_t)sizeof(ssrc)) {
			snprintf(why, wlen, "no random bytes for the SRTP key: %s",
				 strerror(errno));
			return -1;
		}
	for (size_t i = 0; i < sizeof(key); i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	snprintf(ssrc_s, sizeof(ssrc_s), "%u", ssrc);
	snprintf(frames_s, sizeof(frames_s), "%zu", r->expected);
	snprintf(name, sizeof(name), "gst-%s-send.tsv", tag);
	err = cb_path_join(tx_path, sizeof(tx_path), dir, name);
	snprintf(name, sizeof(name), "gst-%s-recv.tsv", tag);
	if (!err)
		err = cb_path_join(rx_path, sizeof(rx_path), dir, name);
	snprintf(name, sizeof(name), "gst-%s.log", tag);
	log = err ? -ENAMETOOLONG : open_log(dir, name, log_path, sizeof(log_path));
	if (log < 0) {
		snprintf(why, wlen, "%s/%s: %s", dir, name, cb_strerror(log));
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(why, wlen, "pipe: %s", strerror(errno));
		goto out_close_log;
	}

	load_mark(&m0, &clk);
	gst_args(&a, pg, "recv", hex, ssrc_s, frames_s, rx_path);
	arg(&a, "--idle-ms");
	arg(&a, IDLE_MS);
	rxp = bench_spawn(a.v, pfd[1], log);
	close(pfd[1]);
	if (rxp < 0) {
		snprintf(why, wlen, "cannot start %s: %s", pg->gst, cb_strerror((int)rxp));
		goto out_close_pipe;
	}
	if (bench_read(pfd[0], line, sizeof(line), cb_clock_now(&clk) + GST_START_S * CB_NS_PER_S,
		       &clk, 1) <= 0 ||
	    sscanf(line, "port %d", &port) != 1) {
		last_line(log_path, last, sizeof(last));
		snprintf(why, wlen, "the GStreamer receiver did not start%s%s (%s)",
			 last[0] ? ": " : "", last, log_path);
		goto out_reap_rx;
	}
	snprintf(port_s, sizeof(port_s), "%d", port);

	gst_args(&a, pg, "send", hex, ssrc_s, frames_s, tx_path);
	arg(&a, "--port");
	arg(&a, port_s);
	argf(&a, "--size=%dx%d", o->ref.width, o->ref.height);
	argf(&a, "--fps=%d", o->ref.fps);
	argf(&a, "--kbps=%d", o->ref.kbps);
	argf(&a, "--speed=%d", o->ref.speed);
	argf(&a, "--keyint=%d", o->ref.keyint);
	argf(&a, "--mtu=%d", o->ref.mtu);
	arg(&a, "--pattern");
	arg(&a, o->ref.pattern);
	txp = bench_spawn(a.v, log, log);
	if (txp < 0) {
		snprintf(why, wlen, "cannot start %s: %s", pg->gst, cb_strerror((int)txp));
		goto out_reap_rx;
	}
	if (bench_wait(txp, o->duration * 2 + GST_START_S, &st_tx, &ru_tx) < 0) {
		bench_reap(txp, &ru_tx);
		snprintf(why, wlen, "the GStreamer sender did not finish (%s)", log_path);
		goto out_reap_rx;
	}
	/* The receiver stops by itself once every frame came; a frame the
	 * encoder dropped never comes, so it is told to stop soon after. */
	if (bench_wait(rxp, RECV_LINGER_S, &st_rx, &ru_rx) == CB_E_TIMEOUT) {
		kill(rxp, SIGTERM);
		if (bench_wait(rxp, 5, &st_rx, &ru_rx) < 0)
			bench_reap(rxp, &ru_rx);
	}
	rxp = -1;
	load_mark(&m1, &clk);
	r->other_cores = other_cores(&m0, &m1, ru_s(&ru_tx) + ru_s(&ru_rx));
	r->cpu_total_s = ru_s(&ru_tx) + ru_s(&ru_rx);
	if (!WIFEXITED(st_tx) || WEXITSTATUS(st_tx) || !WIFEXITED(st_rx) || WEXITSTATUS(st_rx)) {
		last_line(log_path, last, sizeof(last));
		snprintf(why, wlen, "GStreamer %s failed%s%s (%s)",
			 !WIFEXITED(st_tx) || WEXITSTATUS(st_tx) ? "sender" : "receiver",
			 last[0] ? ": " : "", last, log_path);
		goto out_reap_rx;
	}
	if ((err = gst_records_read(tx_path, 5, &tx)) < 0 ||
	    (err = gst_records_read(rx_path, 3, &rx)) < 0) {
		snprintf(why, wlen, "reading %s: %s", tx.v || !rx.v ? rx_path : tx_path,
			 cb_strerror(err));
		goto out_reap_rx;
	}
	r->cpu_s = tx.cpu_s + rx.cpu_s;
	r->cpu_call_only = 1;
	if (gst_join(&tx, &rx, r) < 0) {
		snprintf(why, wlen, "out of memory");
		goto out_reap_rx;
	}
	rc = 0;

out_reap_rx:
	if (rxp > 0)
		bench_reap(rxp, NULL);
	free(tx.v);
	free(rx.v);
out_close_pipe:
	close(pfd[0]);
out_close_log:
	close(log);
	return rc;
}

/* ---- callbench's side ---- */

/* CPU time of process `pid` and of the children it reaped, from /proc. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long ut, st;
	long cut, cst;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return NAN;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* The command name may hold anything: fields count from its last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", &ut,
			 &st, &cut, &cst) != 4)
		return NAN;
	return (double)(ut + st + (unsigned long)(cut + cst)) / (double)sysconf(_SC_CLK_TCK);
}

/* A column's index in a CSV header, or -1. */
static int csv_col(char **names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* Split `line` at commas in place: at most `max` fields. */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = 0;
	for (char *p = line; p && n < max;)
		f[n++] = strsep(&p, ",");
	return n;
}

/*
 * frames.csv of the run folder: every video frame is expected; the decoded
 * ones with every stamp of the span are measured.
 */
static int frames_read(const char *run_dir, struct side_run *r, char *why, size_t wlen)
{
	enum { MEDIA, DECODED, CAPTURED, ENC_END, DEC_START, DEC_END, NCOLS };
	static const char *const want[NCOLS] = {
	    "media", "decoded", "captured_ms", "encode_end_ms", "decode_start_ms", "decode_end_ms"};
	char path[PATH_MAX], *line = NULL, *f[64];
	int col[NCOLS], n, last = 0, rc = -1;
	size_t cap = 0, room = 0;
	double sum[3] = {0};
	FILE *in;

	if (cb_path_join(path, sizeof(path), run_dir, "frames.csv") < 0 ||
	    !(in = fopen(path, "r"))) {
		snprintf(why, wlen, "%s/frames.csv: %s", run_dir, strerror(errno));
		return -1;
	}
	if (getline(&line, &cap, in) < 0) {
		snprintf(why, wlen, "%s: empty", path);
		goto out;
	}
	n = csv_split(line, f, 64);
	for (int k = 0; k < NCOLS; k++)
		if ((col[k] = csv_col(f, n, want[k])) < 0) {
			snprintf(why, wlen, "%s: no column %s", path, want[k]);
			goto out;
		} else if (col[k] > last) {
			last = col[k];
		}
	while (getline(&line, &cap, in) >= 0) {
		double t[4];
		char *end;

		n = csv_split(line, f, 64);
		if (n <= last || strcmp(f[col[MEDIA]], "video"))
			continue;
		r->expected++;
		if (strcmp(f[col[DECODED]], "1"))
			continue;
		for (int k = 0; k < 4; k++) {
			const char *s = f[col[CAPTURED + k]];

			t[k] = *s ? strtod(s, &end) : NAN;
			if (!*s || *end)
				t[k] = NAN;
		}
		if (isnan(t[0]) || isnan(t[1]) || isnan(t[2]) || isnan(t[3]))
			continue;
		if (r->frames == room) {
			double *nv = realloc(r->span, (room = room ? 2 * room : 512) * sizeof(*nv));

			if (!nv) {
				snprintf(why, wlen, "out of memory");
				goto out;
			}
			r->span = nv;
		}
		r->span[r->frames++] = t[3] - t[0];
		sum[0] += t[1] - t[0];
		sum[1] += t[2] - t[1];
		sum[2] += t[3] - t[2];
	}
	for (int k = 0; k < 3; k++)
		r->part[k] = r->frames ? sum[k] / (double)r->frames : NAN;
	rc = 0;
out:
	free(line);
	fclose(in);
	return rc;
}

/* Wait for `pid`, taking its CPU time when the run folder `name` appears in
 * the folder `ifd` watches. */
static int cb_wait(pid_t pid, int ifd, double seconds, int *status, struct rusage *ru,
		   double *cpu_at_folder, cb_ns *t_folder, const struct cb_clock *clk)
{
	cb_ns deadline = cb_clock_now(clk) + (cb_ns)(seconds * 1e9);

	for (;;) {
		struct pollfd pfd = {.fd = ifd, .events = POLLIN};
		char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

		if (poll(&pfd, 1, 50) > 0) {
			ssize_t n = read(ifd, ev, sizeof(ev));

			for (ssize_t off = 0; n > 0 && off < n;) {
				const struct inotify_event *e = (const void *)(ev + off);

				if (e->len && !strcmp(e->name, RUN_ID) && isnan(*cpu_at_folder)) {
					*cpu_at_folder = proc_cpu_s(pid);
					*t_folder = cb_clock_now(clk);
				}
				off += (ssize_t)(sizeof(*e) + e->len);
			}
		}
		if (wait4(pid, status, WNOHANG, ru) == pid)
			return 0;
		if (cb_clock_now(clk) > deadline)
			return CB_E_TIMEOUT;
	}
}

/* One `callbench run`, named `tag`, into <dir>/call-<tag>/run. */
static int cb_side(const struct call_opts *o, const struct programs *pg, const char *dir,
		   const char *tag, struct side_run *r, char *why, size_t wlen)
{
	char call_dir[PATH_MAX], log_path[PATH_MAX], name[64], last[256] = "";
	struct load_mark m0, m1;
	struct cb_sweep_fig fig;
	struct rusage ru = {0};
	struct cb_clock clk;
	struct args a;
	double cpu_at_folder = NAN;
	cb_ns t_folder = 0;
	int ifd, log, st = 0, rc = -1, err;
	pid_t pid;

	cb_clock_real_init(&clk);
	snprintf(name, sizeof(name), "call-%s", tag);
	if (cb_path_join(call_dir, sizeof(call_dir), dir, name) < 0 ||
	    cb_path_join(r->dir, sizeof(r->dir), call_dir, RUN_ID) < 0) {
		snprintf(why, wlen, "%s: path too long", dir);
		return -1;
	}
	if (mkdir(call_dir, 0755) < 0) {
		snprintf(why, wlen, "%s: %s", call_dir, strerror(errno));
		return -1;
	}
	snprintf(name, sizeof(name), "call-%s.log", tag);
	log = open_log(dir, name, log_path, sizeof(log_path));
	if (log < 0) {
		snprintf(why, wlen, "%s/%s: %s", dir, name, cb_strerror(log));
		return -1;
	}
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0 || inotify_add_watch(ifd, call_dir, IN_CREATE | IN_MOVED_TO) < 0) {
		snprintf(why, wlen, "inotify on %s: %s", call_dir, strerror(errno));
		goto out_close;
	}
	run_args(&a, o, pg, call_dir);
	load_mark(&m0, &clk);
	pid = bench_spawn(a.v, log, log);
	if (pid < 0) {
		snprintf(why, wlen, "cannot start %s run: %s", pg->self, cb_strerror((int)pid));
		goto out_close;
	}
	err = cb_wait(pid, ifd, o->duration * 3 + 120, &st, &ru, &cpu_at_folder, &t_folder, &clk);
	if (err < 0) {
		bench_reap(pid, &ru);
		snprintf(why, wlen, "callbench run did not finish (%s)", log_path);
		goto out_close;
	}
	load_mark(&m1, &clk);
	r->cpu_total_s = ru_s(&ru);
	r->other_cores = other_cores(&m0, &m1, r->cpu_total_s);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		last_line(log_path, last, sizeof(last));
		snprintf(why, wlen, "callbench run %s %d%s%s (%s)",
			 WIFEXITED(st) ? "exited with status" : "was killed by signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), last[0] ? ": " : "", last,
			 log_path);
		goto out_close;
	}
	r->media_s = o->duration;
	/* The folder appears once the call is over; earlier means this run
	 * writes it during the call, and the whole process is all we know. */
	r->cpu_call_only = !isnan(cpu_at_folder) && (double)(t_folder - m0.t) / 1e9 >= o->duration;
	r->cpu_s = r->cpu_call_only ? cpu_at_folder : r->cpu_total_s;
	if (frames_read(r->dir, r, why, wlen) < 0)
		goto out_close;
	err = cb_sweep_fig_read(r->dir, &fig);
	r->kbps = err ? NAN : fig.video_kbps;
	rc = 0;
out_close:
	if (ifd >= 0)
		close(ifd);
	close(log);
	return rc;
}

/* ---- the pairs and what they add up to ---- */

struct pair {
	int cb_first, attempts, loaded;
	struct side_run s[NSIDES];
};

struct totals {
	size_t frames, expected;
	double *span;
	double part[3], cpu_s, cpu_total_s, media_s, kbps, late_ms;
	int cpu_call_only;
	struct cb_dist d;
};

static void summarize(struct side_run *r)
{
	double *v = malloc((r->frames + 1) * sizeof(*v));

	if (v && r->frames)
		memcpy(v, r->span, r->frames * sizeof(*v));
	cb_dist_compute(v, v ? r->frames : 0, &r->d);
	free(v);
}

static int add_up(const struct pair *pairs, int n, enum side s, struct totals *t)
{
	double part[3] = {0}, kbps = 0, late = 0;
	int nk = 0, nl = 0;

	memset(t, 0, sizeof(*t));
	t->cpu_call_only = 1;
	for (int i = 0; i < n; i++)
		t->frames += pairs[i].s[s].frames;
	t->span = malloc((t->frames + 1) * sizeof(*t->span));
	if (!t->span)
		return -ENOMEM;
	t->frames = 0;
	for (int i = 0; i < n; i++) {
		const struct side_run *r = &pairs[i].s[s];

		memcpy(t->span + t->frames, r->span, r->frames * sizeof(*r->span));
		for (int k = 0; r->frames && k < 3; k++)
			part[k] += r->part[k] * (double)r->frames;
		t->frames += r->frames;
		t->expected += r->expected;
		t->cpu_s += r->cpu_s;
		t->cpu_total_s += r->cpu_total_s;
		t->media_s += r->media_s;
		t->cpu_call_only &= r->cpu_call_only;
		if (!isnan(r->kbps)) {
			kbps += r->kbps;
			nk++;
		}
		if (!isnan(r->late_ms) && s == SIDE_GST) {
			late += r->late_ms;
			nl++;
		}
	}
	for (int k = 0; k < 3; k++)
		t->part[k] = t->frames ? part[k] / (double)t->frames : NAN;
	t->kbps = nk ? kbps / nk : NAN;
	t->late_ms = nl ? late / nl : NAN;
	cb_dist_compute(t->span, t->frames, &t->d);
	return 0;
}

/* A figure in a column, or "-" when it was not measured. */
static void col(double v, int width, int prec)
{
	if (isfinite(v))
		printf(" %*.*f", width, prec, v);
	else
		printf(" %*s", width, "-");
}

static void print_row(const char *label, const char *side, size_t frames, size_t expected,
		      const struct cb_dist *d, const double part[3], double cpu, double others)
{
	char fr[32];

	snprintf(fr, sizeof(fr), "%zu/%zu", frames, expected);
	printf("%-5s %-10s %9s", label, side, fr);
	col(d->p50, 7, 2);
	col(d->p90, 7, 2);
	col(d->p99, 7, 2);
	col(d->mean, 7, 2);
	printf(" |");
	for (int k = 0; k < 3; k++)
		col(part[k], 7, 2);
	printf(" |");
	col(cpu, 7, 3);
	if (!isnan(others))
		col(others, 6, 2);
	printf("\n");
}

static json_t *dist_json(const struct cb_dist *d)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "n", (json_int_t)d->n, "min",
			 bench_num(d->min), "mean", bench_num(d->mean), "p50", bench_num(d->p50),
			 "p90", bench_num(d->p90), "p99", bench_num(d->p99), "max",
			 bench_num(d->max));
}

static json_t *parts_json(const double part[3])
{
	return json_pack("{s:o, s:o, s:o}", "to_encoded", bench_num(part[0]), "between",
			 bench_num(part[1]), "decode", bench_num(part[2]));
}

static const char *const span_doc[NSIDES] = {
    "videotestsrc pushes the source buffer -> vp8dec pushes the decoded picture "
    "(callbench-gst pad probes, CLOCK_MONOTONIC, matched by RTP timestamp)",
    "capture instant -> decode end (frames.csv captured_ms -> decode_end_ms)",
};

/* The pairs' p50 ratios, callbench over GStreamer. */
static struct cb_dist pair_ratios(const struct pair *pairs, int n)
{
	double *v = malloc(((size_t)n + 1) * sizeof(*v));
	struct cb_dist d;

	for (int i = 0; v && i < n; i++)
		v[i] = pairs[i].s[SIDE_CB].d.p50 / pairs[i].s[SIDE_GST].d.p50;
	cb_dist_compute(v, v ? (size_t)n : 0, &d);
	free(v);
	return d;
}

static json_t *bench_call_json(const struct call_opts *o, const char *created, const char *gstv,
			       const struct pair *pairs, int n, const struct totals t[NSIDES],
			       const struct cb_dist *pr, int loaded, const char *verdict)
{
	json_t *root, *sides = json_object(), *jp = json_array();
	double r50 = t[SIDE_CB].d.p50 / t[SIDE_GST].d.p50,
	       r99 = t[SIDE_CB].d.p99 / t[SIDE_GST].d.p99;

	for (int s = 0; s < NSIDES; s++)
		json_object_set_new(
		    sides, side_name[s],
		    json_pack("{s:I, s:I, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:s}", "frames",
			      (json_int_t)t[s].frames, "expected", (json_int_t)t[s].expected,
			      "span_ms", dist_json(&t[s].d), "parts_ms", parts_json(t[s].part),
			      "cpu_s_per_media_s", bench_num(t[s].cpu_s / t[s].media_s),
			      "cpu_call_only", t[s].cpu_call_only, "cpu_total_s_per_media_s",
			      bench_num(t[s].cpu_total_s / t[s].media_s), "encoded_kbps",
			      bench_num(t[s].kbps), "source_late_ms", bench_num(t[s].late_ms),
			      "quality_worker",
			      s == SIDE_GST			 ? "none"
			      : strstr(o->run_args, "--quality") ? "as run_args set it"
								 : "included"));
	for (int i = 0; i < n; i++) {
		json_t *e =
		    json_pack("{s:i, s:s, s:i, s:b, s:o}", "index", i + 1, "first",
			      side_name[pairs[i].cb_first ? SIDE_CB : SIDE_GST], "attempts",
			      pairs[i].attempts, "loaded", pairs[i].loaded, "ratio_p50",
			      bench_num(pairs[i].s[SIDE_CB].d.p50 / pairs[i].s[SIDE_GST].d.p50));

		for (int s = 0; s < NSIDES; s++) {
			const struct side_run *r = &pairs[i].s[s];

			json_object_set_new(
			    e, side_name[s],
			    json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "frames",
				      (json_int_t)r->frames, "expected", (json_int_t)r->expected,
				      "span_ms", dist_json(&r->d), "parts_ms", parts_json(r->part),
				      "cpu_s", bench_num(r->cpu_s), "media_s",
				      bench_num(r->media_s), "other_cores",
				      bench_num(r->other_cores), "encoded_kbps", bench_num(r->kbps),
				      "dir", r->dir));
		}
		json_array_append_new(jp, e);
	}
	root = json_pack("{s:s, s:s, s:o, s:s}", "schema", SCHEMA, "created", created, "host",
			 bench_host_json(), "gstreamer_version", gstv);
	json_object_set_new(
	    root, "settings",
	    json_pack("{s:f, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:o, s:s, s:f, "
		      "s:i}",
		      "duration_s", o->duration, "runs", o->runs, "width", o->ref.width, "height",
		      o->ref.height, "fps", o->ref.fps, "video_kbps", o->ref.kbps, "speed",
		      o->ref.speed, "keyint", o->ref.keyint, "mtu", o->ref.mtu, "srtp",
		      SRTP_PROFILE, "transport", "udp", "pattern", o->ref.pattern, "peers",
		      o->peers[0] ? json_string(o->peers) : json_null(), "run_args", o->run_args,
		      "max_load_cores", o->max_load, "retries", o->retries));
	json_object_set_new(root, "span",
			    json_pack("{s:s, s:s}", "gstreamer", span_doc[SIDE_GST], "callbench",
				      span_doc[SIDE_CB]));
	json_object_set_new(root, "sides", sides);
	json_object_set_new(root, "pairs", jp);
	json_object_set_new(root, "ratios",
			    json_pack("{s:o, s:o, s:o, s:o, s:o}", "p50", bench_num(r50), "p99",
				      bench_num(r99), "pair_p50_median", bench_num(pr->p50),
				      "pair_p50_min", bench_num(pr->min), "pair_p50_max",
				      bench_num(pr->max)));
	json_object_set_new(root, "verdict",
			    json_pack("{s:b, s:b, s:i, s:s}", "p50_at_or_below", r50 <= 1.0,
				      "p99_at_or_below", r99 <= 1.0, "loaded_pairs", loaded, "text",
				      verdict));
	return root;
}

/* ---- before the first pair ---- */

/* callbench-gst is beside this program and every element is installed;
 * `check` names what is missing on its stderr (ours) and prints
 * GStreamer's version. */
static int gst_ready(const struct programs *pg, char *version, size_t vlen)
{
	char *const argv[] = {(char *)pg->gst, "check", NULL};
	struct cb_clock clk;
	int pfd[2], st = 0;
	pid_t pid;

	cb_clock_real_init(&clk);
	if (access(pg->gst, X_OK) < 0) {
		fprintf(stderr,
			PROG ": %s: %s (make builds it; GStreamer comes from "
			     "scripts/install-deps.sh)\n",
			pg->gst, strerror(errno));
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = bench_spawn(argv, pfd[1], 2);
	close(pfd[1]);
	version[0] = 0;
	if (pid > 0)
		bench_read(pfd[0], version, vlen, cb_clock_now(&clk) + GST_START_S * CB_NS_PER_S,
			   &clk, 1);
	close(pfd[0]);
	version[strcspn(version, "\n")] = 0;
	if (pid < 0 || bench_wait(pid, GST_START_S, &st, NULL) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		if (pid > 0)
			bench_reap(pid, NULL);
		fprintf(stderr, PROG ": GStreamer cannot run the reference pipeline pair "
				     "(scripts/install-deps.sh installs its packages)\n");
		return -1;
	}
	return 0;
}

/* `callbench run` takes these options: it parses them all before --help. */
static int run_accepts(const struct call_opts *o, const struct programs *pg, const char *dir)
{
	struct cb_clock clk;
	struct args a;
	char out[4096];
	int pfd[2], st = 0, null;
	pid_t pid;

	cb_clock_real_init(&clk);
	run_args(&a, o, pg, dir);
	arg(&a, "--help");
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid = bench_spawn(a.v, null, pfd[1]);
	close(pfd[1]);
	if (null >= 0)
		close(null);
	out[0] = 0;
	if (pid > 0)
		bench_read(pfd[0], out, sizeof(out), cb_clock_now(&clk) + 30 * CB_NS_PER_S, &clk,
			   0);
	close(pfd[0]);
	if (pid < 0 || bench_wait(pid, 30, &st, NULL) < 0) {
		fprintf(stderr, PROG ": cannot start %s run\n", pg->self);
		return -1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	fprintf(stderr, PROG ": callbench run refuses the options this bench passes it%s%s",
		o->peers[0] || o->run_args[0] ? " (--peers, --run-args)" : "",
		out[0] ? ":\n" : "\n");
	fputs(out, stderr);
	return -1;
}

static void bench_call_help(FILE *out)
{
	struct call_opts d;

	call_defaults(&d);
	fprintf(out,
		"usage: callbench bench call [options]\n\n"
		"A callbench call beside the GStreamer pipeline pair people would build\n"
		"instead, at the same settings (VP8 CBR, SRTP " SRTP_PROFILE ", udp loopback,\n"
		"video only), each for the same media time, interleaved over several pairs:\n"
		"  GStreamer: videotestsrc -> vp8enc -> rtpvp8pay -> srtpenc -> udpsink ||\n"
		"    udpsrc -> srtpdec -> rtpjitterbuffer latency=0 -> rtpvp8depay -> vp8dec,\n"
		"    two processes; from the source buffer leaving videotestsrc to the decoded\n"
		"    picture leaving vp8dec\n"
		"  callbench: callbench run; from the capture instant to decode end\n"
		"Reports p50/p90/p99/mean of both spans, frames measured, CPU seconds per\n"
		"media second of both ends, and callbench/GStreamer at p50 and p99.  A pair\n"
		"during which other processes used the machine is run again (--max-load).\n"
		"Writes <out>/bench-call-<time>/ (bench.json, records, run folders);\n"
		"<out>/bench-call-latest points at it.\n\n"
		"options [default; range]:\n");
	opts_help(call_options, &d, out);
}

static void verdict_text(char *out, size_t len, const struct totals t[NSIDES], int loaded)
{
	double r50 = t[SIDE_CB].d.p50 / t[SIDE_GST].d.p50,
	       r99 = t[SIDE_CB].d.p99 / t[SIDE_GST].d.p99;
	int met = r50 <= 1.0 && r99 <= 1.0;
	int n;

	if (isnan(r50) || isnan(r99)) {
		snprintf(out, len, "nothing measured on one side: no comparison");
		return;
	}
	n = snprintf(out, len,
		     "callbench is %s GStreamer at p50 (%.2fx) and %s at p99 (%.2fx): issue 10's "
		     "target (both at or below 1.00x) is %s",
		     r50 <= 1.0 ? "at or below" : "slower than", r50,
		     r99 <= 1.0 ? "at or below it" : "slower", r99, met ? "met" : "not met");
	if (loaded && n > 0 && (size_t)n < len)
		snprintf(out + n, len - (size_t)n,
			 " (%d pair%s ran on a busy machine: not a final figure)", loaded,
			 loaded == 1 ? "" : "s");
}

int cb_bench_call(int argc, char **argv)
{
	struct call_opts o;
	struct programs pg;
	struct bench_folder bf;
	struct pair *pairs = NULL;
	struct totals t[NSIDES] = {0};
	struct cb_dist pr;
	char why[3 * PATH_MAX], path[PATH_MAX], verdict[400], gstv[64], dir[PATH_MAX];
	json_t *root;
	int help, pos, rc = 1, loaded = 0, err;

	call_defaults(&o);
	if (opts_parse(PROG, call_options, &o, argc, argv, &help, &pos) < 0)
		return EXIT_USAGE;
	if (help) {
		bench_call_help(stdout);
		return 0;
	}
	if (pos < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n", argv[pos]);
		return EXIT_USAGE;
	}
	if (!cb_ref_pattern_ok(o.ref.pattern)) {
		fprintf(stderr, PROG ": --pattern: '%s' is not " CB_REF_PATTERN_RULE "\n",
			o.ref.pattern);
		return EXIT_USAGE;
	}
	bench_self_dir(dir, sizeof(dir));
	if (!dir[0] || cb_path_join(pg.self, sizeof(pg.self), dir, "callbench") < 0 ||
	    cb_path_join(pg.gst, sizeof(pg.gst), dir, "callbench-gst") < 0) {
		fprintf(stderr, PROG ": cannot find this program's folder\n");
		return 1;
	}
	/* run reads --help after every option and before it touches --out. */
	if (run_accepts(&o, &pg, o.out) < 0)
		return EXIT_USAGE;
	if (gst_ready(&pg, gstv, sizeof(gstv)) < 0)
		return 1;
	err = bench_folder_make(&bf, PROG, o.out, "bench-call");
	if (err)
		return err;
	pairs = calloc((size_t)o.runs, sizeof(*pairs));
	if (!pairs) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}

	printf("%dx%d@%d, VP8 cpu-used %d (deadline realtime), %d kbps CBR, SRTP %s, udp loopback, "
	       "video only\n",
	       o.ref.width, o.ref.height, o.ref.fps, o.ref.speed, o.ref.kbps, SRTP_PROFILE);
	printf("%d pair%s of %.1f s runs, interleaved; span in ms:\n  gstreamer: %s\n"
	       "  callbench: %s\n",
	       o.runs, o.runs == 1 ? "" : "s", o.duration, span_doc[SIDE_GST], span_doc[SIDE_CB]);
	printf("parts (means): to the encoder's output | between (packetize, SRTP, network, jitter "
	       "buffer) | decode; CPU-s per media-s of both ends; others: other processes' load "
	       "in cores\n\n");
	printf("%-5s %-10s %9s %7s %7s %7s %7s | %7s %7s %7s | %7s %6s\n", "pair", "side", "frames",
	       "p50", "p90", "p99", "mean", "encoded", "between", "decode", "CPU-s/s", "others");
	fflush(stdout);

	for (int i = 0; i < o.runs; i++) {
		struct pair *p = &pairs[i];
		char label[16];

		p->cb_first = i % 2;
		for (int attempt = 0; attempt <= o.retries; attempt++) {
			double worst = 0;
			char tag[32];

			for (int s = 0; s < NSIDES; s++)
				side_free(&p->s[s]);
			if (attempt)
				snprintf(tag, sizeof(tag), "%d-try%d", i + 1, attempt + 1);
			else
				snprintf(tag, sizeof(tag), "%d", i + 1);
			for (int k = 0; k < NSIDES; k++) {
				enum side s = (enum side)(p->cb_first ? 1 - k : k);

				err =
				    s == SIDE_GST
					? gst_side(&o, &pg, bf.dir, tag, &p->s[s], why, sizeof(why))
					: cb_side(&o, &pg, bf.dir, tag, &p->s[s], why, sizeof(why));
				if (err < 0) {
					fprintf(stderr, PROG ": pair %d, %s: %s\n", i + 1,
						side_name[s], why);
					goto out_free;
				}
				summarize(&p->s[s]);
				if (p->s[s].other_cores > worst)
					worst = p->s[s].other_cores;
			}
			p->attempts = attempt + 1;
			p->loaded = worst > o.max_load;
			if (!p->loaded || attempt == o.retries)
				break;
			printf("%-5d other processes used %.2f cores (more than --max-load %.2f): "
			       "again\n",
			       i + 1, worst, o.max_load);
			fflush(stdout);
		}
		loaded += p->loaded;
		snprintf(label, sizeof(label), "%d%s", i + 1, p->loaded ? "*" : "");
		/* In the order they ran. */
		for (int k = 0; k < NSIDES; k++) {
			enum side s = (enum side)(p->cb_first ? 1 - k : k);
			const struct side_run *r = &p->s[s];

			print_row(label, side_name[s], r->frames, r->expected, &r->d, r->part,
				  r->cpu_s / r->media_s, r->other_cores);
		}
		fflush(stdout);
	}
	for (int s = 0; s < NSIDES; s++)
		if (add_up(pairs, o.runs, (enum side)s, &t[s]) < 0) {
			fprintf(stderr, PROG ": out of memory\n");
			goto out_free;
		}
	pr = pair_ratios(pairs, o.runs);
	verdict_text(verdict, sizeof(verdict), t, loaded);

	printf("\n");
	for (int s = 0; s < NSIDES; s++)
		print_row("all", side_name[s], t[s].frames, t[s].expected, &t[s].d, t[s].part,
			  t[s].cpu_s / t[s].media_s, NAN);
	if (loaded)
		printf("(* %d pair%s in which other processes used more than %.2f cores)\n", loaded,
		       loaded == 1 ? "" : "s", o.max_load);
	printf("\ncallbench / GStreamer: p50 %.2fx (%.2f / %.2f ms), p99 %.2fx (%.2f / %.2f ms); "
	       "the pairs' p50 ratios: median %.2fx (%.2fx .. %.2fx)\n",
	       t[SIDE_CB].d.p50 / t[SIDE_GST].d.p50, t[SIDE_CB].d.p50, t[SIDE_GST].d.p50,
	       t[SIDE_CB].d.p99 / t[SIDE_GST].d.p99, t[SIDE_CB].d.p99, t[SIDE_GST].d.p99, pr.p50,
	       pr.min, pr.max);
	printf(
	    "mean span, callbench - GStreamer: %+.2f ms = to the encoder's output %+.2f, between "
	    "%+.2f, decode %+.2f (the encoders' share depends on the picture: --pattern)\n",
	    t[SIDE_CB].d.mean - t[SIDE_GST].d.mean, t[SIDE_CB].part[0] - t[SIDE_GST].part[0],
	    t[SIDE_CB].part[1] - t[SIDE_GST].part[1], t[SIDE_CB].part[2] - t[SIDE_GST].part[2]);
	printf("CPU-s per media-s, both ends: gstreamer %.3f, callbench %.3f%s (its quality "
	       "worker included: callbench run reports no split)\n",
	       t[SIDE_GST].cpu_s / t[SIDE_GST].media_s, t[SIDE_CB].cpu_s / t[SIDE_CB].media_s,
	       t[SIDE_CB].cpu_call_only ? "" : " (whole process, report included)");
	printf("GStreamer's source pushed %.3f ms after its frames' instants on average (not in "
	       "its span; callbench's capture wait is in its own)\n",
	       t[SIDE_GST].late_ms);
	printf("verdict: %s\n", verdict);

	root = bench_call_json(&o, bf.created, gstv, pairs, o.runs, t, &pr, loaded, verdict);
	err = root ? cb_path_join(path, sizeof(path), bf.dir, "bench.json") : -ENOMEM;
	if (!err)
		err = bench_json_write(root, path);
	if (!err && o.json[0] && (err = bench_json_write(root, o.json)) < 0)
		snprintf(path, sizeof(path), "%s", o.json);
	json_decref(root);
	if (err < 0) {
		fprintf(stderr, PROG ": writing %s: %s\n", path, cb_strerror(err));
		goto out_free;
	}
	bench_folder_latest(&bf, PROG);
	printf("\nresults: %s/bench.json%s%s\n", bf.dir, o.json[0] ? " and " : "", o.json);
	rc = 0;
	for (int s = 0; s < NSIDES; s++)
		if (t[s].frames == 0) {
			fprintf(stderr, PROG ": no frame of %s was measured\n", side_name[s]);
			rc = 1;
		}

out_free:
	for (int s = 0; s < NSIDES; s++)
		free(t[s].span);
	for (int i = 0; pairs && i < o.runs; i++)
		for (int s = 0; s < NSIDES; s++)
			side_free(&pairs[i].s[s]);
	free(pairs);
	return rc;
}
