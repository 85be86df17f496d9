/*
 * bench_transport.c — `callbench bench transport`: one-way latency of each
 * transport under an open-loop load, the highest packet rate it sustains,
 * and sockperf's UDP ping-pong on loopback as an outside reference.
 *
 * Method.  A sender thread sends packet i at its scheduled time
 * t0 + i / rate (sleeping until shortly before, then spinning on the clock),
 * writing the sequence number and the scheduled time into the payload.  A
 * receiver thread, on the other core, records latency = t_recv - scheduled
 * for every packet.  Measuring from the schedule, not from when the sender
 * got round to sending, keeps a stall visible: every packet queued behind it
 * is late too (coordinated omission, after Gil Tene / wrk2).  Packets
 * scheduled in the first 400 ms are sent but not counted (the warm-up
 * sockperf uses too).  Percentiles are nearest-rank over every counted
 * packet.  When the transport gives kernel receive stamps, latency is split
 * into stack = t_kernel - scheduled (send call and kernel path) and
 * app = t_recv - t_kernel (socket queue, wake-up, receive call).
 *
 * The highest sustained rate doubles the offered rate from 10,000 packets/s
 * in short runs (0.5 s, 100 ms warm-up) until a run loses a packet or
 * achieves less than 95% of what was offered, then bisects between the
 * last rate that held and the first that did not.
 *
 * sockperf ping-pong measures round trips and prints RTT/2; our figure is
 * one-way.  Both are "one-way on loopback", so they are compared directly,
 * with our lowest offered rate (nearest to sockperf's unloaded ping-pong).
 *
 * The emulator's own cost: on udp at the lowest offered rate, the same run
 * is made straight to the transport and through the impairment emulator
 * (net/path.c) set to a fixed 1 ms delay, side by side; what the second
 * adds beyond the 1 ms is the emulator's (thread wake-up, hand-off).
 *
 * Output: a table on stdout and <out>/bench-transport-<UTC time>/ with
 * bench.json, latency.dat, plots.gp, latency.png, latency.svg, sockperf.log;
 * <out>/bench-transport-latest points at the newest.
 *
 * bench.json (schema "callbench.bench-transport/1"), times in microseconds:
 *   schema, created (UTC, ISO 8601), host {cpus, kernel}
 *   settings {size_bytes, duration_s, warmup_s, rates_pps[], max_rate_run_s}
 *   transports[] {
 *     name, description, caps[] ("kernel_ts", "zero_syscall", "needs_root"),
 *     skipped: null or why it could not be opened,
 *     runs[] {offered_pps, achieved_pps (rate packets came out, counted
 *             window), scheduled, counted, received, lost (counted packets
 *             never received), duplicates,
 *             latency_us {n, min, mean, p50, p90, p99, p99_9, max},
 *             stack_us, app_us: the same shape, or null without kernel stamps}
 *     max_rate {pps (highest rate that held, 0 if none), steps[] {offered_pps,
 *               achieved_pps, lost, held}}, or null with --no-max-rate
 *   }
 *   sockperf: null with --no-sockperf, else {available, why (when not),
 *     command, observations, rtt_half_us {min, p25, p50, p75, p90, p99,
 *     p99_9, p99_99, p99_999, max, avg}}
 *   ratios[] {transport, rate_pps, p50_us, sockperf_p50_us, ratio}
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "bench_util.h"
#include "measure/stats.h"
#include "net/path.h"
#include "net/transport.h"
#include "options.h"
#include "report/report.h"

#define EXIT_USAGE 2

#define MAX_RATES      16
#define MAX_TRANSPORTS 8
#define HDR_BYTES      16 /* sequence number (8) + scheduled time (8) */
#define SEND_BATCH     32
#define RECV_BATCH     64
#define WARMUP_NS      (400 * CB_NS_PER_MS)
#define MAXRATE_RUN_S  0.5
#define MAXRATE_WARMUP (100 * CB_NS_PER_MS)
#define MAXRATE_START  10000.0
#define MAXRATE_CAP    8e6 /* the search stops doubling here */
#define MAXRATE_BISECT 4
/* The sender sleeps when the next packet is further off than this, waking
 * this much early and spinning the rest, since a wake-up from sleep is late
 * by tens of microseconds on a virtual machine. */
#define SPIN_NS (200 * 1000)
/* After the last packet, the receiver waits this long for stragglers. */
#define DRAIN_NS (300 * CB_NS_PER_MS)

struct bench_opts {
	char transports[128];
	char rates[160];
	double duration;
	int size;
	char out[256];
	int sockperf;
	int max_rate;
	/* Parsed from the strings above. */
	const struct cb_transport_ops *tp[MAX_TRANSPORTS];
	int ntp;
	double rate[MAX_RATES];
	int nrates;
};

/* --transports a,b,c: every name must be registered. */
static int choose_transports(void *base, const char *val, char *why, size_t len)
{
	struct bench_opts *o = base;
	char buf[sizeof(o->transports)], *save = NULL;
	int n = 0;

	if (strlen(val) >= sizeof(buf)) {
		snprintf(why, len, "list too long");
		return -1;
	}
	memcpy(buf, val, strlen(val) + 1);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct cb_transport_ops *ops = cb_transport_find(t);

		if (!ops) {
			const struct cb_transport_ops *r;
			size_t it = 0;
			int m = snprintf(why, len, "unknown transport '%s' (allowed:", t);

			while ((r = cb_transport_iterate(&it)) && m > 0 && (size_t)m < len)
				m += snprintf(why + m, len - (size_t)m, " %s", r->name);
			if (m > 0 && (size_t)m < len)
				snprintf(why + m, len - (size_t)m, ")");
			return -1;
		}
		if (n == MAX_TRANSPORTS) {
			snprintf(why, len, "at most %d transports", MAX_TRANSPORTS);
			return -1;
		}
		o->tp[n++] = ops;
	}
	if (n == 0) {
		snprintf(why, len, "no transport named");
		return -1;
	}
	o->ntp = n;
	snprintf(o->transports, sizeof(o->transports), "%s", val);
	return 0;
}

/* --rates 1000,10000,...: packets per second, each 1 .. 10 million. */
static int choose_rates(void *base, const char *val, char *why, size_t len)
{
	struct bench_opts *o = base;
	char buf[sizeof(o->rates)], *save = NULL;
	int n = 0;

	if (strlen(val) >= sizeof(buf)) {
		snprintf(why, len, "list too long");
		return -1;
	}
	memcpy(buf, val, strlen(val) + 1);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		double r = strtod(t, &end);

		if (end == t || *end || !(r >= 1 && r <= 1e7)) {
			snprintf(why, len, "'%s' is not a rate from 1 to 10000000 packets/s", t);
			return -1;
		}
		if (n == MAX_RATES) {
			snprintf(why, len, "at most %d rates", MAX_RATES);
			return -1;
		}
		o->rate[n++] = r;
	}
	if (n == 0) {
		snprintf(why, len, "no rate given");
		return -1;
	}
	o->nrates = n;
	snprintf(o->rates, sizeof(o->rates), "%s", val);
	return 0;
}

#define BO(f) CB_SETTING_AT(struct bench_opts, f)
static const struct cb_setting bench_options[] = {
    {.name = "transports",
     .arg = "LIST",
     .help = "comma-separated transports (default: every one that opens here)",
     .type = CB_SETTING_CUSTOM,
     .parse = choose_transports,
     .shown = "all"},
    {.name = "rates",
     .arg = "LIST",
     .help = "offered rates in packets/s",
     .type = CB_SETTING_CUSTOM,
     .parse = choose_rates,
     .shown = "1000,10000,50000"},
    {.name = "duration",
     .arg = "SECONDS",
     .help = "length of each latency run (the first 0.4 s is warm-up)",
     .type = CB_SETTING_DOUBLE,
     BO(duration),
     .min = 0.5,
     .max = 3600},
    {.name = "size",
     .arg = "BYTES",
     .help = "UDP payload size of every packet",
     .type = CB_SETTING_INT,
     BO(size),
     .min = HDR_BYTES,
     .max = 1472},
    {.name = "out",
     .arg = "DIR",
     .help = "folder that receives the bench-transport-<time> folder",
     .type = CB_SETTING_STR,
     BO(out)},
    {.name = "no-sockperf",
     .help = "do not run sockperf's ping-pong for comparison",
     .type = CB_SETTING_FLAG,
     BO(sockperf),
     .flag = 0},
    {.name = "no-max-rate",
     .help = "skip the search for the highest sustained rate",
     .type = CB_SETTING_FLAG,
     BO(max_rate),
     .flag = 0},
    {.name = NULL},
};

static void bench_defaults(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->duration = 2;
	o->size = 1200;
	snprintf(o->out, sizeof(o->out), "results");
	o->sockperf = 1;
	o->max_rate = 1;
	o->rate[0] = 1000;
	o->rate[1] = 10000;
	o->rate[2] = 50000;
	o->nrates = 3;
}

/* ---- one open-loop run ---------------------------------------------- */

struct lat_summary {
	size_t n;
	double min, mean, p50, p90, p99, p999, max; /* microseconds */
};

struct run_result {
	double offered, achieved;
	size_t scheduled, counted, received, lost, dups;
	struct lat_summary lat, stack, app;
	int have_split;
	char why[160]; /* the transport's own reason when it would not open */
};

struct run {
	struct cb_transport a, b;
	struct cb_path *path; /* NULL: straight to the transport */
	struct cb_clock clock;
	double rate;
	size_t n, size;
	cb_ns t0, warmup;
	/* Indexed by sequence number; CB_NS_NONE until received.  Written
	 * only by the receiver, read after both threads joined. */
	cb_ns *t_recv, *t_kernel;
	size_t received, dups, bad;
	atomic_int sender_done;
	int send_err, recv_err;
};

static cb_ns sched_of(const struct run *r, size_t i)
{
	return r->t0 + (cb_ns)((double)i * 1e9 / r->rate);
}

static void *sender_main(void *arg)
{
	struct run *r = arg;
	static _Thread_local uint8_t bufs[SEND_BATCH][CB_NET_MAX_PKT];
	struct cb_net_pkt p[SEND_BATCH];
	size_t i = 0;

	for (size_t k = 0; k < SEND_BATCH; k++)
		memset(bufs[k], 0xa5, sizeof(bufs[k]));
	while (i < r->n) {
		cb_ns due = sched_of(r, i), now = cb_clock_now(&r->clock);
		size_t k = 0, off = 0;

		if (due - now > SPIN_NS)
			cb_clock_sleep_until(&r->clock, due - SPIN_NS);
		while ((now = cb_clock_now(&r->clock)) < due)
			;
		/* Everything that is due by now goes in one batch: a sender that
		 * fell behind catches up without pretending it was on time. */
		while (k < SEND_BATCH && i + k < r->n && sched_of(r, i + k) <= now) {
			uint64_t seq = i + k;
			int64_t s = sched_of(r, i + k);

			memcpy(bufs[k], &seq, 8);
			memcpy(bufs[k] + 8, &s, 8);
			p[k] = (struct cb_net_pkt){.data = bufs[k], .len = r->size};
			k++;
		}
		while (off < k) {
			int rc = r->path ? cb_path_send(r->path, p + off, k - off, now, NULL)
					 : cb_transport_send(&r->a, p + off, k - off);

			if (rc < 0) {
				r->send_err = rc;
				goto out;
			}
			off += (size_t)rc;
		}
		i += k;
	}
out:
	atomic_store(&r->sender_done, 1);
	return NULL;
}

static void *receiver_main(void *arg)
{
	struct run *r = arg;
	static _Thread_local uint8_t bufs[RECV_BATCH][CB_NET_MAX_PKT];
	struct cb_net_pkt p[RECV_BATCH];
	cb_ns idle_since = CB_NS_NONE;

	while (r->received < r->n) {
		int rc;

		for (int i = 0; i < RECV_BATCH; i++)
			p[i] = (struct cb_net_pkt){.data = bufs[i], .cap = sizeof(bufs[i])};
		rc = cb_transport_recv(&r->b, p, RECV_BATCH, 10 * CB_NS_PER_MS);
		if (rc < 0) {
			r->recv_err = rc;
			break;
		}
		for (int i = 0; i < rc; i++) {
			uint64_t seq;

			if (p[i].len < HDR_BYTES) {
				r->bad++;
				continue;
			}
			memcpy(&seq, p[i].data, 8);
			if (seq >= r->n) {
				r->bad++;
			} else if (r->t_recv[seq] != CB_NS_NONE) {
				r->dups++;
			} else {
				r->t_recv[seq] = p[i].t_recv;
				if (r->t_kernel)
					r->t_kernel[seq] = p[i].t_kernel;
				r->received++;
			}
		}
		/* Once the sender is done, whatever has not come within the
		 * drain time is lost. */
		if (rc > 0 || !atomic_load(&r->sender_done)) {
			idle_since = CB_NS_NONE;
		} else {
			cb_ns now = cb_clock_now(&r->clock);

			if (idle_since == CB_NS_NONE)
				idle_since = now;
			else if (now - idle_since > DRAIN_NS)
				break;
		}
	}
	return NULL;
}

/* Start a thread, pinned to `cpu` when the machine has more than one. */
static int start_pinned(pthread_t *th, void *(*fn)(void *), void *arg, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	rc = pthread_attr_init(&attr);
	if (rc)
		return -rc;
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	rc = pthread_create(th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -rc;
}

/* Percentiles of `v` (nanoseconds, NaN = none), reported in microseconds. */
static void summarize(double *v, size_t n, struct lat_summary *s)
{
	struct cb_dist d;

	cb_dist_compute(v, n, &d);
	s->n = d.n;
	s->min = d.min / 1e3;
	s->mean = d.mean / 1e3;
	s->p50 = d.p50 / 1e3;
	s->p90 = d.p90 / 1e3;
	s->p99 = d.p99 / 1e3;
	s->p999 = cb_percentile_sorted(v, d.n, 99.9) / 1e3;
	s->max = d.max / 1e3;
}

/*
 * One open-loop run of `ops` at `rate` packets/s for `seconds`, counting the
 * packets scheduled after `warmup`.  Returns 0, or a negative error from
 * opening or using the transport.
 */
/* `net` NULL: send straight to the transport; else through the emulator. */
static int run_once(const struct cb_transport_ops *ops, double rate, double seconds, cb_ns warmup,
		    size_t size, const struct cb_impair_cfg *net, struct run_result *res)
{
	struct run r;
	struct cb_transport_cfg cfg = {.clock = &r.clock};
	pthread_t tx, rx;
	double *lat = NULL, *stack = NULL, *app = NULL;
	size_t m = 0, first = 0;
	cb_ns t_first = CB_NS_NONE, t_last = CB_NS_NONE;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	cfg.why = res->why;
	cfg.why_len = sizeof(res->why);
	cb_clock_real_init(&r.clock);
	r.rate = rate;
	r.size = size;
	r.warmup = warmup;
	r.n = (size_t)(rate * seconds);
	if (r.n < 2)
		return -EINVAL;
	r.t_recv = malloc(r.n * sizeof(*r.t_recv));
	if (!r.t_recv)
		return -ENOMEM;
	if (ops->caps & CB_NET_CAP_KERNEL_TS) {
		r.t_kernel = malloc(r.n * sizeof(*r.t_kernel));
		if (!r.t_kernel) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	for (size_t i = 0; i < r.n; i++) {
		r.t_recv[i] = CB_NS_NONE;
		if (r.t_kernel)
			r.t_kernel[i] = CB_NS_NONE;
	}
	rc = cb_transport_open_pair(ops, &cfg, &r.a, &r.b);
	if (rc < 0)
		goto out_free;
	if (net) {
		struct cb_path_cfg pc = {.tp = &r.a, .impair = net, .clock = &r.clock};

		rc = cb_path_open(&r.path, &pc);
		if (rc < 0)
			goto out_close;
	}
	rc = start_pinned(&rx, receiver_main, &r, 1);
	if (rc < 0)
		goto out_close;
	/* The schedule starts a little ahead so both threads are running. */
	r.t0 = cb_clock_now(&r.clock) + 20 * CB_NS_PER_MS;
	rc = start_pinned(&tx, sender_main, &r, 0);
	if (rc < 0) {
		/* The receiver ends after its drain time without a sender. */
		atomic_store(&r.sender_done, 1);
		pthread_join(rx, NULL);
		goto out_close;
	}
	pthread_join(tx, NULL);
	pthread_join(rx, NULL);
	rc = r.send_err ? r.send_err : r.recv_err;
	if (rc < 0)
		goto out_close;

	lat = malloc(r.n * sizeof(*lat));
	if (r.t_kernel) {
		stack = malloc(r.n * sizeof(*stack));
		app = malloc(r.n * sizeof(*app));
	}
	if (!lat || (r.t_kernel && (!stack || !app))) {
		rc = -ENOMEM;
		goto out_free_samples;
	}
	while (first < r.n && sched_of(&r, first) < r.t0 + warmup)
		first++;
	for (size_t i = first; i < r.n; i++) {
		cb_ns s = sched_of(&r, i), t = r.t_recv[i];

		res->counted++;
		if (t == CB_NS_NONE) {
			res->lost++;
			continue;
		}
		if (t_first == CB_NS_NONE || t < t_first)
			t_first = t;
		if (t_last == CB_NS_NONE || t > t_last)
			t_last = t;
		lat[m] = (double)(t - s);
		if (r.t_kernel && r.t_kernel[i] != CB_NS_NONE) {
			stack[m] = (double)(r.t_kernel[i] - s);
			app[m] = (double)(t - r.t_kernel[i]);
			res->have_split = 1;
		} else if (r.t_kernel) {
			stack[m] = app[m] = NAN;
		}
		m++;
	}
	res->offered = rate;
	res->scheduled = r.n;
	res->received = r.received;
	res->dups = r.dups;
	/* The rate at which counted packets came out of the transport. */
	res->achieved =
	    m > 1 && t_last > t_first ? (double)(m - 1) * 1e9 / (double)(t_last - t_first) : NAN;
	summarize(lat, m, &res->lat);
	summarize(stack, stack ? m : 0, &res->stack);
	summarize(app, app ? m : 0, &res->app);
	rc = 0;

out_free_samples:
	free(lat);
	free(stack);
	free(app);
out_close:
	cb_path_close(r.path);
	cb_transport_close(&r.a);
	cb_transport_close(&r.b);
out_free:
	free(r.t_kernel);
	free(r.t_recv);
	return rc;
}

/* ---- highest sustained rate ----------------------------------------- */

struct rate_step {
	double offered, achieved;
	size_t lost;
	int held;
};

struct max_rate {
	double pps;
	struct rate_step steps[32];
	int nsteps;
};

static int try_rate(const struct cb_transport_ops *ops, double rate, size_t size,
		    struct max_rate *mr, int *held)
{
	struct run_result res;
	int rc = run_once(ops, rate, MAXRATE_RUN_S, MAXRATE_WARMUP, size, NULL, &res);
	struct rate_step *st;

	if (rc < 0)
		return rc;
	/* Loss anywhere in the run counts, warm-up included. */
	*held = res.received == res.scheduled && res.achieved >= 0.95 * rate;
	if (mr->nsteps < (int)(sizeof(mr->steps) / sizeof(mr->steps[0]))) {
		st = &mr->steps[mr->nsteps++];
		st->offered = rate;
		st->achieved = res.achieved;
		st->lost = res.scheduled - res.received;
		st->held = *held;
	}
	return 0;
}

static int find_max_rate(const struct cb_transport_ops *ops, size_t size, struct max_rate *mr)
{
	double good = 0, bad = 0, rate = MAXRATE_START;
	int held, rc;

	memset(mr, 0, sizeof(*mr));
	while (rate <= MAXRATE_CAP) {
		rc = try_rate(ops, rate, size, mr, &held);
		if (rc < 0)
			return rc;
		if (!held) {
			bad = rate;
			break;
		}
		good = rate;
		rate *= 2;
	}
	for (int i = 0; bad > 0 && good > 0 && i < MAXRATE_BISECT; i++) {
		rate = round((good + bad) / 2);
		rc = try_rate(ops, rate, size, mr, &held);
		if (rc < 0)
			return rc;
		if (held)
			good = rate;
		else
			bad = rate;
	}
	mr->pps = good;
	return 0;
}

/* ---- sockperf -------------------------------------------------------- */

struct sockperf_result {
	int available;
	char why[160];
	char command[160];
	long observations;
	double min, max, avg;
	double pct[8]; /* 25, 50, 75, 90, 99, 99.9, 99.99, 99.999 */
};

static const double sockperf_pcts[8] = {25, 50, 75, 90, 99, 99.9, 99.99, 99.999};

/* A UDP port on 127.0.0.1 that was free a moment ago. */
static int free_udp_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd, port;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		port = -errno;
		close(fd);
		return port;
	}
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Whether something holds UDP `port` on 127.0.0.1 (the server is up). */
static int port_in_use(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd, used;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	used = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
	close(fd);
	return used;
}

static void parse_sockperf(const char *text, struct sockperf_result *sp)
{
	int found = 0;

	for (int i = 0; i < 8; i++)
		sp->pct[i] = NAN;
	sp->min = sp->max = sp->avg = NAN;
	/* Each line is matched on its own copy, so that a search never runs
	 * on into the lines after it. */
	while (*text) {
		const char *eol = strchr(text, '\n'), *p;
		size_t len = eol ? (size_t)(eol - text) : strlen(text);
		char line[512];
		double pc, v;

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, text, len);
		line[len] = 0;
		text = eol ? eol + 1 : text + len;
		if ((p = strstr(line, "---> percentile ")) &&
		    sscanf(p, "---> percentile %lf = %lf", &pc, &v) == 2) {
			for (int i = 0; i < 8; i++)
				if (fabs(pc - sockperf_pcts[i]) < 1e-6) {
					sp->pct[i] = v;
					found++;
				}
		} else if ((p = strstr(line, "<MAX> observation =")) != NULL) {
			sscanf(p, "<MAX> observation = %lf", &sp->max);
		} else if ((p = strstr(line, "<MIN> observation =")) != NULL) {
			sscanf(p, "<MIN> observation = %lf", &sp->min);
		} else if ((p = strstr(line, "avg-latency=")) != NULL) {
			sscanf(p, "avg-latency=%lf", &sp->avg);
		} else if ((p = strstr(line, "Total ")) != NULL && strstr(line, " observations")) {
			sscanf(p, "Total %ld observations", &sp->observations);
		}
	}
	sp->available = found > 0 && !isnan(sp->pct[1]);
	if (!sp->available)
		snprintf(sp->why, sizeof(sp->why), "no percentiles in sockperf's output");
}

/*
 * sockperf's UDP ping-pong on loopback with `size`-byte messages for
 * `seconds`; its raw output goes to `log_path`.
 */
static void run_sockperf(int size, int seconds, const char *log_path, struct sockperf_result *sp)
{
	char port_s[16], size_s[16], time_s[16], *out = NULL;
	int port, pfd[2] = {-1, -1}, null = -1, n;
	pid_t server = -1, client = -1;
	struct cb_clock clk;
	cb_ns deadline;
	const size_t cap = 1 << 16;

	memset(sp, 0, sizeof(*sp));
	cb_clock_real_init(&clk);
	port = free_udp_port();
	if (port < 0) {
		snprintf(sp->why, sizeof(sp->why), "no free port: %s", cb_strerror(port));
		return;
	}
	snprintf(port_s, sizeof(port_s), "%d", port);
	snprintf(size_s, sizeof(size_s), "%d", size);
	snprintf(time_s, sizeof(time_s), "%d", seconds);
	snprintf(sp->command, sizeof(sp->command), "sockperf pp -i 127.0.0.1 -p %d -m %d -t %d",
		 port, size, seconds);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0) {
		snprintf(sp->why, sizeof(sp->why), "/dev/null: %s", strerror(errno));
		return;
	}
	{
		char *const argv[] = {"sockperf", "sr", "-i", "127.0.0.1", "-p", port_s, NULL};

		server = bench_spawn(argv, null, null);
	}
	if (server < 0) {
		snprintf(sp->why, sizeof(sp->why), "cannot start sockperf: %s",
			 cb_strerror((int)server));
		goto out_close_null;
	}
	/* The server is up when it holds the port; if it exits first, it is
	 * not installed or cannot run. */
	deadline = cb_clock_now(&clk) + 3 * CB_NS_PER_S;
	while (!port_in_use(port)) {
		int status;

		if (waitpid(server, &status, WNOHANG) == server) {
			server = -1;
			snprintf(sp->why, sizeof(sp->why),
				 "sockperf server exited (status %d): not installed?",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			goto out_close_null;
		}
		if (cb_clock_now(&clk) > deadline) {
			snprintf(sp->why, sizeof(sp->why), "sockperf server did not start");
			goto out_kill_server;
		}
		usleep(10000);
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(sp->why, sizeof(sp->why), "pipe: %s", strerror(errno));
		goto out_kill_server;
	}
	{
		char *const argv[] = {"sockperf", "pp",	  "-i", "127.0.0.1", "-p", port_s,
				      "-m",	  size_s, "-t", time_s,	     NULL};

		client = bench_spawn(argv, pfd[1], pfd[1]);
	}
	close(pfd[1]);
	pfd[1] = -1;
	if (client < 0) {
		snprintf(sp->why, sizeof(sp->why), "cannot start sockperf: %s",
			 cb_strerror((int)client));
		goto out_close_pipe;
	}
	out = malloc(cap);
	if (!out) {
		snprintf(sp->why, sizeof(sp->why), "out of memory");
		goto out_kill_client;
	}
	n = bench_read(pfd[0], out, cap, cb_clock_now(&clk) + (seconds + 15) * CB_NS_PER_S, &clk,
		       0);
	if (n < 0) {
		snprintf(sp->why, sizeof(sp->why), "sockperf client: %s", cb_strerror(n));
		goto out_kill_client;
	}
	cb_write_file_atomic(log_path, out, (size_t)n);
	parse_sockperf(out, sp);

out_kill_client:
	bench_reap(client, NULL);
out_close_pipe:
	close(pfd[0]);
	free(out);
out_kill_server:
	bench_reap(server, NULL);
out_close_null:
	close(null);
}

/* ---- output ---------------------------------------------------------- */

struct tp_result {
	const struct cb_transport_ops *ops;
	char skipped[160];
	struct run_result runs[MAX_RATES];
	int have_runs;
	struct max_rate mr;
	int have_mr;
};

static json_t *lat_json(const struct lat_summary *s)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "n", (json_int_t)s->n, "min",
			 bench_num(s->min), "mean", bench_num(s->mean), "p50", bench_num(s->p50),
			 "p90", bench_num(s->p90), "p99", bench_num(s->p99), "p99_9",
			 bench_num(s->p999), "max", bench_num(s->max));
}

static json_t *caps_json(unsigned caps)
{
	json_t *a = json_array();

	if (caps & CB_NET_CAP_KERNEL_TS)
		json_array_append_new(a, json_string("kernel_ts"));
	if (caps & CB_NET_CAP_ZERO_SYSCALL)
		json_array_append_new(a, json_string("zero_syscall"));
	if (caps & CB_NET_CAP_NEEDS_ROOT)
		json_array_append_new(a, json_string("needs_root"));
	return a;
}

static json_t *bench_json(const struct bench_opts *o, const struct tp_result *tr, int ntr,
			  const struct sockperf_result *sp, const char *created)
{
	json_t *root, *tps = json_array(), *ratios = json_array(), *rates = json_array();

	for (int i = 0; i < o->nrates; i++)
		json_array_append_new(rates, json_real(o->rate[i]));
	for (int t = 0; t < ntr; t++) {
		json_t *runs = json_array(), *mr = json_null();

		for (int i = 0; tr[t].have_runs && i < o->nrates; i++) {
			const struct run_result *r = &tr[t].runs[i];

			json_array_append_new(
			    runs,
			    json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
				      "offered_pps", bench_num(r->offered), "achieved_pps",
				      bench_num(r->achieved), "scheduled", (json_int_t)r->scheduled,
				      "counted", (json_int_t)r->counted, "received",
				      (json_int_t)r->received, "lost", (json_int_t)r->lost,
				      "duplicates", (json_int_t)r->dups, "latency_us",
				      lat_json(&r->lat), "stack_us",
				      r->have_split ? lat_json(&r->stack) : json_null(), "app_us",
				      r->have_split ? lat_json(&r->app) : json_null()));
			if (sp && sp->available && i == 0)
				json_array_append_new(
				    ratios,
				    json_pack("{s:s, s:o, s:o, s:o, s:o}", "transport",
					      tr[t].ops->name, "rate_pps", bench_num(r->offered),
					      "p50_us", bench_num(r->lat.p50), "sockperf_p50_us",
					      bench_num(sp->pct[1]), "ratio",
					      bench_num(r->lat.p50 / sp->pct[1])));
		}
		if (tr[t].have_mr) {
			json_t *steps = json_array();

			for (int s = 0; s < tr[t].mr.nsteps; s++) {
				const struct rate_step *st = &tr[t].mr.steps[s];

				json_array_append_new(
				    steps, json_pack("{s:o, s:o, s:I, s:b}", "offered_pps",
						     bench_num(st->offered), "achieved_pps",
						     bench_num(st->achieved), "lost",
						     (json_int_t)st->lost, "held", st->held));
			}
			mr =
			    json_pack("{s:o, s:o}", "pps", bench_num(tr[t].mr.pps), "steps", steps);
		}
		json_array_append_new(
		    tps, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "name", tr[t].ops->name,
				   "description", tr[t].ops->description, "caps",
				   caps_json(tr[t].ops->caps), "skipped",
				   tr[t].skipped[0] ? json_string(tr[t].skipped) : json_null(),
				   "runs", runs, "max_rate", mr));
	}
	root = json_pack("{s:s, s:s, s:o, s:{s:i, s:f, s:f, s:o, s:f}, s:o}", "schema",
			 "callbench.bench-transport/1", "created", created, "host",
			 bench_host_json(), "settings", "size_bytes", o->size, "duration_s",
			 o->duration, "warmup_s", WARMUP_NS / 1e9, "rates_pps", rates,
			 "max_rate_run_s", MAXRATE_RUN_S, "transports", tps);
	if (!sp) {
		json_object_set_new(root, "sockperf", json_null());
	} else if (!sp->available) {
		json_object_set_new(root, "sockperf",
				    json_pack("{s:b, s:s}", "available", 0, "why", sp->why));
	} else {
		json_t *h = json_pack("{s:o, s:o, s:o}", "min", bench_num(sp->min), "max",
				      bench_num(sp->max), "avg", bench_num(sp->avg));
		static const char *const keys[8] = {"p25", "p50",   "p75",    "p90",
						    "p99", "p99_9", "p99_99", "p99_999"};

		for (int i = 0; i < 8; i++)
			json_object_set_new(h, keys[i], bench_num(sp->pct[i]));
		json_object_set_new(root, "sockperf",
				    json_pack("{s:b, s:s, s:I, s:o}", "available", 1, "command",
					      sp->command, "observations",
					      (json_int_t)sp->observations, "rtt_half_us", h));
	}
	json_object_set_new(root, "ratios", ratios);
	return root;
}

/*
 * latency.dat holds one block per transport and rate (then sockperf's
 * RTT/2), rows "x label latency_us"; plots.gp draws each block as a line
 * over the percentiles, on a log scale.  gnuplot writes to temporary names
 * that are renamed once it succeeded.
 */
static int write_plot(const char *dir, const struct bench_opts *o, const struct tp_result *tr,
		      int ntr, const struct sockperf_result *sp, int *plotted)
{
	static const char *const labels[5] = {"p50", "p90", "p99", "p99.9", "max"};
	static const char *const colors[] = {"#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00"};
	char path[PATH_MAX], *buf = NULL, *gbuf = NULL;
	size_t len = 0, glen = 0;
	FILE *f, *g;
	int err, blocks = 0, status;
	pid_t pid;

	*plotted = 0;
	err = cb_path_join(path, sizeof(path), dir, "latency.dat");
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	g = open_memstream(&gbuf, &glen);
	if (!g) {
		err = -errno;
		fclose(f);
		free(buf);
		return err;
	}
	fprintf(f, "# one block per transport and offered rate: x percentile latency_us\n");
	fprintf(g,
		"# callbench bench transport: one-way latency percentiles.\n"
		"# Re-run in this folder with: gnuplot plots.gp\n"
		"set logscale y\nset grid ytics mytics\nset key outside right\n"
		"set ylabel 'one-way latency (us, log scale)'\nset xlabel 'percentile'\n"
		"set xrange [-0.3:4.3]\n"
		"set title 'open-loop one-way latency, %d-byte packets (sockperf: RTT/2, "
		"ping-pong)'\n",
		o->size);
	fprintf(g, "do for [fmt in 'png svg'] {\n"
		   "  if (fmt eq 'png') { set terminal pngcairo size 960,540 noenhanced font "
		   "',10' } else { set terminal svg size 960,540 noenhanced dynamic font "
		   "'sans,10' }\n"
		   "  set output 'latency.'.fmt.'.tmp'\n  plot ");
	for (int t = 0; t < ntr; t++) {
		for (int i = 0; tr[t].have_runs && i < o->nrates; i++) {
			const struct lat_summary *s = &tr[t].runs[i].lat;
			double v[5] = {s->p50, s->p90, s->p99, s->p999, s->max};

			if (s->n == 0)
				continue;
			fprintf(f, "%s# %s %.0f/s\n", blocks ? "\n\n" : "", tr[t].ops->name,
				o->rate[i]);
			for (int k = 0; k < 5; k++)
				fprintf(f, "%d %s %.3f\n", k, labels[k], v[k]);
			fprintf(g,
				"%s'latency.dat' index %d using 1:3:xtic(2) with linespoints lw 2 "
				"lc rgb '%s' dt %d pt %d title '%s %.0f/s'",
				blocks ? ", \\\n       " : "", blocks,
				colors[t % (int)(sizeof(colors) / sizeof(colors[0]))], 1 + i % 5,
				7 + i, tr[t].ops->name, o->rate[i]);
			blocks++;
		}
	}
	if (sp && sp->available) {
		double v[5] = {sp->pct[1], sp->pct[3], sp->pct[4], sp->pct[5], sp->max};

		fprintf(f, "%s# sockperf ping-pong RTT/2\n", blocks ? "\n\n" : "");
		for (int k = 0; k < 5; k++)
			fprintf(f, "%d %s %.3f\n", k, labels[k], v[k]);
		fprintf(g,
			"%s'latency.dat' index %d using 1:3:xtic(2) with linespoints lw 2 lc "
			"rgb 'black' dt 2 pt 4 title 'sockperf RTT/2'",
			blocks ? ", \\\n       " : "", blocks);
		blocks++;
	}
	fprintf(g, "\n  unset output\n}\n");
	err = cb_memstream_commit(f, &buf, &len, path);
	if (!err)
		err = cb_path_join(path, sizeof(path), dir, "plots.gp");
	if (err) {
		fclose(g);
		free(gbuf);
		return err;
	}
	err = cb_memstream_commit(g, &gbuf, &glen, path);
	if (err || blocks == 0)
		return err;

	/* gnuplot runs in the result folder so the script works there as is. */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (chdir(dir) < 0)
			_exit(126);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("gnuplot", "gnuplot", "plots.gp", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return CB_E_EXTERNAL;
	for (int k = 0; k < 2; k++) {
		const char *ext = k ? "svg" : "png";
		char tmp[PATH_MAX + 8];
		int n = snprintf(path, sizeof(path), "%s/latency.%s", dir, ext);

		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENAMETOOLONG;
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		if (rename(tmp, path) < 0)
			return -errno;
	}
	*plotted = 1;
	return 0;
}

static void print_lat_row(const char *name, double offered, const struct run_result *r)
{
	printf("%-8s %9.0f %10.0f %7zu %8.2f %8.2f %8.2f %8.2f %9.2f", name, offered, r->achieved,
	       r->lost, r->lat.p50, r->lat.p90, r->lat.p99, r->lat.p999, r->lat.max);
	if (r->have_split)
		printf("   %6.2f + %6.2f", r->stack.p50, r->app.p50);
	printf("\n");
}

/* ---- the emulator's own cost ----------------------------------------- */

#define EMU_DELAY_MS 1.0

struct emu_result {
	struct run_result direct, emulated;
};

/*
 * udp at the lowest offered rate, straight and through the emulator with
 * a fixed EMU_DELAY_MS, one run after the other; prints one line.
 */
static int emulator_cost(const struct bench_opts *o, struct emu_result *e)
{
	struct cb_impair_cfg net;
	int err;

	cb_impair_cfg_default(&net);
	net.delay_ms = EMU_DELAY_MS;
	snprintf(net.name, sizeof(net.name), "custom");
	memset(e, 0, sizeof(*e));
	err = run_once(&cb_transport_udp, o->rate[0], o->duration, WARMUP_NS, (size_t)o->size, NULL,
		       &e->direct);
	if (err == 0)
		err = run_once(&cb_transport_udp, o->rate[0], o->duration, WARMUP_NS,
			       (size_t)o->size, &net, &e->emulated);
	if (err < 0) {
		printf("\nemulator cost: failed: %s\n", cb_strerror(err));
		return err;
	}
	printf("\nemulator cost, udp at %.0f/s, side by side: one-way p50 straight %.2f us; "
	       "through the emulator (delay=%g) %.2f us: it adds %.2f us beyond its %g ms "
	       "(p99 less the delay %.2f us, straight %.2f us)\n",
	       o->rate[0], e->direct.lat.p50, EMU_DELAY_MS, e->emulated.lat.p50,
	       e->emulated.lat.p50 - EMU_DELAY_MS * 1000 - e->direct.lat.p50, EMU_DELAY_MS,
	       e->emulated.lat.p99 - EMU_DELAY_MS * 1000, e->direct.lat.p99);
	fflush(stdout);
	return 0;
}

static void bench_help(FILE *out)
{
	struct bench_opts d;

	bench_defaults(&d);
	fprintf(out, "usage: callbench bench transport [options]\n\n"
		     "One-way latency of each transport under an open-loop load: packet i is\n"
		     "scheduled at t0 + i/rate and its latency counts from that time, so a stall\n"
		     "delays every packet behind it (no coordinated omission).  Reports\n"
		     "p50/p90/p99/p99.9/max with offered and achieved rate, the highest rate\n"
		     "sustained without loss, and sockperf's UDP ping-pong (RTT/2) on loopback\n"
		     "for comparison.  Writes <out>/bench-transport-<time>/ (bench.json, plots);\n"
		     "<out>/bench-transport-latest points at it.\n\n"
		     "options [default; range]:\n");
	opts_help(bench_options, &d, out);
}

int cb_bench_transport(int argc, char **argv)
{
	struct bench_opts o;
	struct tp_result tr[MAX_TRANSPORTS];
	struct sockperf_result sp;
	struct bench_folder bf;
	char path[PATH_MAX];
	const char *dir = bf.dir;
	json_t *root = NULL;
	int help, pos, ntr = 0, failed = 0, plotted = 0, err, emu_ok = 0;
	struct emu_result emu;

	bench_defaults(&o);
	if (opts_parse("callbench bench transport", bench_options, &o, argc, argv, &help, &pos) < 0)
		return EXIT_USAGE;
	if (help) {
		bench_help(stdout);
		return 0;
	}
	if (pos < argc) {
		fprintf(stderr,
			"callbench bench transport: unexpected argument '%s' (see --help)\n",
			argv[pos]);
		return EXIT_USAGE;
	}
	if (o.ntp == 0) {
		const struct cb_transport_ops *ops;
		size_t it = 0;

		while ((ops = cb_transport_iterate(&it)) && o.ntp < MAX_TRANSPORTS)
			o.tp[o.ntp++] = ops;
	}
	err = bench_folder_make(&bf, "callbench bench transport", o.out, "bench-transport");
	if (err)
		return err;

	memset(tr, 0, sizeof(tr));
	printf("one-way latency, %d-byte packets, open loop (from each packet's scheduled send "
	       "time),\n%.1f s per rate, first %.1f s not counted; latency in us\n\n",
	       o.size, o.duration, WARMUP_NS / 1e9);
	printf("%-8s %9s %10s %7s %8s %8s %8s %8s %9s   %s\n", "transport", "offered", "achieved",
	       "lost", "p50", "p90", "p99", "p99.9", "max", "p50 stack + app");
	fflush(stdout);
	for (int t = 0; t < o.ntp; t++) {
		struct tp_result *r = &tr[ntr++];

		r->ops = o.tp[t];
		for (int i = 0; i < o.nrates; i++) {
			err = run_once(r->ops, o.rate[i], o.duration, WARMUP_NS, (size_t)o.size,
				       NULL, &r->runs[i]);
			if (err == -EPERM || err == -EACCES || err == CB_E_UNSUPPORTED) {
				snprintf(r->skipped, sizeof(r->skipped), "%s",
					 r->runs[i].why[0] ? r->runs[i].why : cb_strerror(err));
				printf("%-8s skipped: %s\n", r->ops->name, r->skipped);
				break;
			}
			if (err < 0) {
				snprintf(r->skipped, sizeof(r->skipped), "failed: %s",
					 cb_strerror(err));
				printf("%-8s %s\n", r->ops->name, r->skipped);
				failed = 1;
				break;
			}
			r->have_runs = 1;
			print_lat_row(r->ops->name, o.rate[i], &r->runs[i]);
			fflush(stdout);
		}
		if (r->skipped[0])
			r->have_runs = 0;
	}

	for (int t = 0; t < ntr; t++)
		if (tr[t].ops == &cb_transport_udp && tr[t].have_runs)
			emu_ok = emulator_cost(&o, &emu) == 0;

	if (o.max_rate) {
		printf("\nhighest rate sustained without loss (%.1f s runs, doubling from %.0f/s, "
		       "then %d bisection steps; held = no loss and achieved >= 95%% of offered)\n",
		       MAXRATE_RUN_S, MAXRATE_START, MAXRATE_BISECT);
		for (int t = 0; t < ntr; t++) {
			if (!tr[t].have_runs)
				continue;
			err = find_max_rate(tr[t].ops, (size_t)o.size, &tr[t].mr);
			if (err < 0) {
				printf("%-8s failed: %s\n", tr[t].ops->name, cb_strerror(err));
				failed = 1;
				continue;
			}
			tr[t].have_mr = 1;
			printf("%-8s %10.0f packets/s%s\n", tr[t].ops->name, tr[t].mr.pps,
			       tr[t].mr.pps >= MAXRATE_CAP ? " (search cap)" : "");
			fflush(stdout);
		}
	}

	if (o.sockperf) {
		int secs = (int)ceil(o.duration);

		if (cb_path_join(path, sizeof(path), dir, "sockperf.log") < 0)
			path[0] = 0;
		run_sockperf(o.size, secs < 2 ? 2 : secs, path, &sp);
		printf("\nsockperf UDP ping-pong on 127.0.0.1, %d-byte messages: ", o.size);
		if (!sp.available) {
			printf("skipped: %s\n", sp.why);
		} else {
			printf("RTT/2 in us (%ld observations)\n", sp.observations);
			printf("%-8s %9s %10s %7s %8.2f %8.2f %8.2f %8.2f %9.2f\n", "sockperf", "-",
			       "-", "-", sp.pct[1], sp.pct[3], sp.pct[4], sp.pct[5], sp.max);
			printf("\nratios at the lowest offered rate (%.0f/s), our one-way p50 over "
			       "sockperf's RTT/2 p50 (both one-way figures on loopback):\n",
			       o.rate[0]);
			for (int t = 0; t < ntr; t++)
				if (tr[t].have_runs)
					printf("  %s p50 / sockperf p50 = %.2f / %.2f = %.2fx\n",
					       tr[t].ops->name, tr[t].runs[0].lat.p50, sp.pct[1],
					       tr[t].runs[0].lat.p50 / sp.pct[1]);
		}
	}

	root = bench_json(&o, tr, ntr, o.sockperf ? &sp : NULL, bf.created);
	if (root && emu_ok)
		json_object_set_new(root, "emulator",
				    json_pack("{s:s, s:f, s:f, s:o, s:o, s:o}", "transport", "udp",
					      "rate", o.rate[0], "delay_ms", EMU_DELAY_MS,
					      "direct_us", lat_json(&emu.direct.lat), "emulated_us",
					      lat_json(&emu.emulated.lat), "added_p50_us",
					      bench_num(emu.emulated.lat.p50 - EMU_DELAY_MS * 1000 -
							emu.direct.lat.p50)));
	err = cb_path_join(path, sizeof(path), dir, "bench.json");
	if (!err)
		err = bench_json_write(root, path);
	json_decref(root);
	if (err < 0) {
		fprintf(stderr, "callbench bench transport: writing bench.json: %s\n",
			cb_strerror(err));
		return 1;
	}
	err = write_plot(dir, &o, tr, ntr, o.sockperf ? &sp : NULL, &plotted);
	if (err < 0)
		fprintf(stderr, "callbench bench transport: plots: %s (is gnuplot installed?)\n",
			cb_strerror(err));
	bench_folder_latest(&bf, "callbench bench transport");
	printf("\nresults: %s/bench.json%s\n", dir,
	       plotted ? " (plot: latency.png, latency.svg)" : "");
	return failed ? 1 : 0;
}
