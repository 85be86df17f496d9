/*
 * Tests of the impairment emulator: the statistics of long seeded runs
 * match the settings within tolerances of several standard errors, the
 * queue behaves exactly as a drop-tail queue, and the parsers accept what
 * they document and name what they reject.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "net/impair.h"
#include "test_util.h"

#define N_PKTS	 200000
#define MS	 CB_NS_PER_MS
#define PROF_DIR "fixtures/net"

static struct cb_impair *open_cfg(const struct cb_impair_cfg *c)
{
	struct cb_impair *im = NULL;

	CU_ASSERT_EQUAL(cb_impair_open(&im, c), 0);
	return im;
}

/* Loss rate and mean run of consecutive losses over n packets, 1 ms apart. */
static void loss_stats(const struct cb_impair_cfg *c, int n, double *rate, double *mean_burst)
{
	struct cb_impair *im = open_cfg(c);
	struct cb_impair_verdict v;
	long lost = 0, bursts = 0;
	int prev = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	for (int i = 0; i < n; i++) {
		int l;

		CU_ASSERT_EQUAL_FATAL(cb_impair_packet(im, (cb_ns)i * MS, 1000, &v), 0);
		l = v.fate == CB_IMPAIR_LOSS;
		lost += l;
		bursts += l && !prev;
		prev = l;
	}
	cb_impair_close(im);
	*rate = 100.0 * (double)lost / n;
	*mean_burst = bursts ? (double)lost / (double)bursts : 0;
}

static void test_perfect(void)
{
	struct cb_impair_cfg c;
	struct cb_impair *im;
	struct cb_impair_verdict v;
	char d[256];

	cb_impair_cfg_default(&c);
	CU_ASSERT_EQUAL(cb_impair_cfg_check(&c, NULL, 0), 0);
	CU_ASSERT_TRUE(cb_impair_is_perfect(&c));
	c.queue_packets = 5; /* no effect without a rate limit */
	c.allow_reordering = 1;
	CU_ASSERT_TRUE(cb_impair_is_perfect(&c));
	im = open_cfg(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	for (int i = 0; i < 1000; i++) {
		cb_ns t = (cb_ns)i * 333333;

		CU_ASSERT_EQUAL(cb_impair_packet(im, t, 1200, &v), 0);
		CU_ASSERT_EQUAL(v.fate, CB_IMPAIR_DELIVER);
		CU_ASSERT_EQUAL(v.copies, 1);
		CU_ASSERT_EQUAL(v.release[0], t);
		CU_ASSERT_EQUAL(v.release[1], CB_NS_NONE);
		CU_ASSERT_EQUAL(v.queue_delay, 0);
		CU_ASSERT_EQUAL(v.serialization, 0);
	}
	/* Send times must not go backwards, and a refused call changes nothing. */
	CU_ASSERT_EQUAL(cb_impair_packet(im, 0, 1200, &v), -EINVAL);
	cb_impair_close(im);
	cb_impair_close(NULL);
	cb_impair_describe(&c, d, sizeof(d));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "perfect"));

	c.delay_ms = 1;
	CU_ASSERT_FALSE(cb_impair_is_perfect(&c));
	cb_impair_cfg_default(&c);
	c.gemodel = 1;
	c.ge_p = 5; /* good -> bad, but no loss in either state */
	CU_ASSERT_TRUE(cb_impair_is_perfect(&c));
	c.ge_1h = 100;
	CU_ASSERT_FALSE(cb_impair_is_perfect(&c));
}

static void test_bad_cfg(void)
{
	struct cb_impair_cfg c;
	struct cb_impair *im = NULL;
	char why[256];

	cb_impair_cfg_default(&c);
	c.loss_pct = 101;
	CU_ASSERT_EQUAL(cb_impair_open(&im, &c), -EINVAL);
	CU_ASSERT_PTR_NULL(im);
	CU_ASSERT_EQUAL(cb_impair_cfg_check(&c, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "loss_pct"));
	cb_impair_cfg_default(&c);
	c.delay_ms = NAN;
	CU_ASSERT_EQUAL(cb_impair_open(&im, &c), -EINVAL);
	cb_impair_cfg_default(&c);
	c.jitter_dist = (enum cb_jitter_dist)7;
	CU_ASSERT_EQUAL(cb_impair_open(&im, &c), -EINVAL);
	/* 60 % loss cannot come in bursts shorter than 0.6 / 0.4 = 1.5. */
	cb_impair_cfg_default(&c);
	c.loss_pct = 60;
	c.burst_len = 1.2;
	CU_ASSERT_EQUAL(cb_impair_cfg_check(&c, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "burst_len"));
	c.burst_len = 2;
	CU_ASSERT_EQUAL(cb_impair_cfg_check(&c, NULL, 0), 0);
	c.gemodel = 1;
	CU_ASSERT_EQUAL(cb_impair_cfg_check(&c, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(cb_impair_open(NULL, &c), -EINVAL);
}

/*
 * 5 % independent loss over 200,000 packets: the standard error of the rate
 * is 0.049 %, so +-0.3 % is six of them.  Independent losses come in runs
 * of mean 1 / (1 - p) = 1.053.
 */
static void test_random_loss(void)
{
	struct cb_impair_cfg c;
	double rate, burst;

	cb_impair_cfg_default(&c);
	c.loss_pct = 5;
	c.seed = 11;
	loss_stats(&c, N_PKTS, &rate, &burst);
	printf("\n      random 5 %%: loss %.3f %%, mean run %.3f ", rate, burst);
	CU_ASSERT_DOUBLE_EQUAL(rate, 5.0, 0.3);
	CU_ASSERT_DOUBLE_EQUAL(burst, 1.0 / 0.95, 0.03);
	c.burst_len = 1; /* <= 1 means independent, like -1 */
	loss_stats(&c, N_PKTS, &rate, &burst);
	CU_ASSERT_DOUBLE_EQUAL(rate, 5.0, 0.3);
	CU_ASSERT_DOUBLE_EQUAL(burst, 1.0 / 0.95, 0.03);
}

/*
 * WebRTC's Gilbert-Elliott form with 5 % loss in bursts of 3, over 400,000
 * packets.  Consecutive losses are correlated (lag-1 correlation
 * 1 - 1/3 - p/(1-p)/3 = 0.65), which inflates the variance of the rate by
 * about (1 + 0.65) / (1 - 0.65) = 4.7: its standard error is 0.075 %, so
 * +-0.3 % is four.  About 6,700 bursts of geometric length (sd 2.45) give
 * the mean burst a standard error of 0.03; +-0.15 is five.
 */
static void test_ge_webrtc(void)
{
	struct cb_impair_cfg c;
	double rate, burst;

	cb_impair_cfg_default(&c);
	c.loss_pct = 5;
	c.burst_len = 3;
	c.seed = 12;
	loss_stats(&c, 2 * N_PKTS, &rate, &burst);
	printf("\n      webrtc GE 5 %% bursts of 3: loss %.3f %%, mean burst %.3f ", rate, burst);
	CU_ASSERT_DOUBLE_EQUAL(rate, 5.0, 0.3);
	CU_ASSERT_DOUBLE_EQUAL(burst, 3.0, 0.15);

	c.loss_pct = 20;
	c.burst_len = 8;
	loss_stats(&c, 2 * N_PKTS, &rate, &burst);
	printf("\n      webrtc GE 20 %% bursts of 8: loss %.3f %%, mean burst %.3f ", rate, burst);
	CU_ASSERT_DOUBLE_EQUAL(rate, 20.0, 0.8);
	CU_ASSERT_DOUBLE_EQUAL(burst, 8.0, 0.3);
}

/*
 * netem gemodel.  With 1-h = 100 % and 1-k = 0 the bad state is exactly a
 * loss burst: loss p / (p + r) = 1 / 26 = 3.846 % and mean burst 1 / r = 4.
 * With loss in both states the rate is (p (1-h) + r (1-k)) / (p + r).
 */
static void test_ge_netem(void)
{
	struct cb_impair_cfg c;
	double rate, burst, want;

	cb_impair_cfg_default(&c);
	c.gemodel = 1;
	c.ge_p = 1;
	c.ge_r = 25;
	c.ge_1h = 100;
	c.ge_1k = 0;
	c.seed = 13;
	loss_stats(&c, 2 * N_PKTS, &rate, &burst);
	printf("\n      netem gemodel 1:25:100:0: loss %.3f %% (want 3.846), mean burst %.3f ",
	       rate, burst);
	CU_ASSERT_DOUBLE_EQUAL(rate, 100.0 / 26, 0.3);
	CU_ASSERT_DOUBLE_EQUAL(burst, 4.0, 0.2);

	c.ge_p = 2;
	c.ge_r = 20;
	c.ge_1h = 50;
	c.ge_1k = 1;
	want = (2 * 50 + 20 * 1) / 22.0;
	loss_stats(&c, 2 * N_PKTS, &rate, &burst);
	printf("\n      netem gemodel 2:20:50:1: loss %.3f %% (want %.3f) ", rate, want);
	CU_ASSERT_DOUBLE_EQUAL(rate, want, 0.3);
}

struct delay_stats {
	double mean, sd, min, max;
	long beyond; /* samples more than `far` ms after the send */
	long inversions;
};

/* One-way delays of single copies of packets sent 1 ms apart. */
static void delay_stats(const struct cb_impair_cfg *c, double far, struct delay_stats *s)
{
	struct cb_impair *im = open_cfg(c);
	struct cb_impair_verdict v;
	double sum = 0, sumsq = 0;
	cb_ns last = INT64_MIN;

	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	memset(s, 0, sizeof(*s));
	s->min = INFINITY;
	s->max = -INFINITY;
	for (int i = 0; i < N_PKTS; i++) {
		cb_ns t = (cb_ns)i * MS;
		double d;

		CU_ASSERT_EQUAL_FATAL(cb_impair_packet(im, t, 1000, &v), 0);
		CU_ASSERT_EQUAL_FATAL(v.copies, 1);
		CU_ASSERT_FATAL(v.release[0] >= t);
		d = (double)(v.release[0] - t) / MS;
		sum += d;
		sumsq += d * d;
		s->min = d < s->min ? d : s->min;
		s->max = d > s->max ? d : s->max;
		s->beyond += d > far;
		s->inversions += v.release[0] < last;
		last = v.release[0] > last ? v.release[0] : last;
	}
	cb_impair_close(im);
	s->mean = sum / N_PKTS;
	s->sd = sqrt(sumsq / N_PKTS - s->mean * s->mean);
}

/*
 * Delay 50 ms with 10 ms of jitter, reordering allowed so that the samples
 * are the distribution itself.  The standard error of the mean is at most
 * 17.3 / sqrt(200,000) = 0.04 ms.
 */
static void test_jitter_dists(void)
{
	struct cb_impair_cfg c;
	struct delay_stats n, u, p;

	cb_impair_cfg_default(&c);
	c.delay_ms = 50;
	c.jitter_ms = 10;
	c.allow_reordering = 1;
	c.seed = 14;

	c.jitter_dist = CB_JITTER_NORMAL;
	delay_stats(&c, 110, &n);
	printf("\n      normal: mean %.3f sd %.3f min %.2f max %.2f, >110 ms: %ld ", n.mean, n.sd,
	       n.min, n.max, n.beyond);
	CU_ASSERT_DOUBLE_EQUAL(n.mean, 50, 0.2);
	CU_ASSERT_DOUBLE_EQUAL(n.sd, 10, 0.2);

	c.jitter_dist = CB_JITTER_UNIFORM;
	delay_stats(&c, 110, &u);
	printf("\n      uniform: mean %.3f sd %.3f min %.3f max %.3f ", u.mean, u.sd, u.min, u.max);
	CU_ASSERT_DOUBLE_EQUAL(u.mean, 50, 0.2);
	CU_ASSERT_DOUBLE_EQUAL(u.sd, 10 / sqrt(3), 0.1);
	CU_ASSERT(u.min >= 40 && u.min < 40.05);
	CU_ASSERT(u.max <= 60 && u.max > 59.95);

	/*
	 * Pareto: mean excess 10 ms, sd sqrt(3) * 10, never before the fixed
	 * delay, and P(excess > 60 ms) = (1 + 60/20)^-3 = 1.56 % against
	 * about 1e-9 for the normal of the same J.
	 */
	c.jitter_dist = CB_JITTER_PARETO;
	delay_stats(&c, 110, &p);
	printf("\n      pareto: mean %.3f sd %.3f min %.3f max %.1f, >110 ms: %ld (%.2f %%) ",
	       p.mean, p.sd, p.min, p.max, p.beyond, 100.0 * (double)p.beyond / N_PKTS);
	CU_ASSERT(p.min >= 50);
	CU_ASSERT_DOUBLE_EQUAL(p.mean, 60, 0.5);
	CU_ASSERT_DOUBLE_EQUAL(p.sd, 10 * sqrt(3), 2.0);
	CU_ASSERT_DOUBLE_EQUAL((double)p.beyond / N_PKTS, 1.0 / 64, 0.002);
	CU_ASSERT_EQUAL(n.beyond, 0);
	CU_ASSERT(p.max > n.max + 50);

	/* Jitter larger than the delay is clipped: never before the send. */
	c.jitter_dist = CB_JITTER_NORMAL;
	c.delay_ms = 5;
	delay_stats(&c, 1e9, &n);
	CU_ASSERT_DOUBLE_EQUAL(n.min, 0, 1e-9);
}

/*
 * Packets 1 ms apart with 10 ms normal jitter overtake each other often
 * when allowed; when not, every release is at or after the one before.
 */
static void test_reordering(void)
{
	struct cb_impair_cfg c;
	struct delay_stats s;

	cb_impair_cfg_default(&c);
	c.delay_ms = 50;
	c.jitter_ms = 10;
	c.seed = 15;
	c.allow_reordering = 1;
	delay_stats(&c, 1e9, &s);
	printf("\n      reordering allowed: %ld inversions in %d ", s.inversions, N_PKTS);
	CU_ASSERT(s.inversions > N_PKTS / 4);
	c.allow_reordering = 0;
	delay_stats(&c, 1e9, &s);
	CU_ASSERT_EQUAL(s.inversions, 0);
	/* Holding packets back in order can only add delay. */
	CU_ASSERT(s.mean > 50);
}

/*
 * 2 % duplication: standard error 0.031 % over 200,000, so +-0.15 % is five.
 * Without reordering the copy comes no earlier than the original.
 */
static void test_duplication(void)
{
	struct cb_impair_cfg c;
	struct cb_impair *im;
	struct cb_impair_verdict v;
	long dups = 0, order_ok = 1;

	cb_impair_cfg_default(&c);
	c.dup_pct = 2;
	c.delay_ms = 20;
	c.jitter_ms = 5;
	c.seed = 16;
	im = open_cfg(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	for (int i = 0; i < N_PKTS; i++) {
		cb_ns t = (cb_ns)i * MS;

		CU_ASSERT_EQUAL_FATAL(cb_impair_packet(im, t, 500, &v), 0);
		CU_ASSERT_EQUAL_FATAL(v.fate, CB_IMPAIR_DELIVER);
		if (v.copies == 2) {
			dups++;
			order_ok &= v.release[1] >= v.release[0] && v.release[1] >= t;
		} else {
			CU_ASSERT_EQUAL_FATAL(v.copies, 1);
		}
	}
	cb_impair_close(im);
	printf("\n      duplication 2 %%: %.3f %% ", 100.0 * (double)dups / N_PKTS);
	CU_ASSERT_DOUBLE_EQUAL(100.0 * (double)dups / N_PKTS, 2.0, 0.15);
	CU_ASSERT_TRUE(order_ok);
}

/* 1200 + 28 bytes at 500 kbps: 9824 bits / 500,000 bit/s = 19.648 ms exactly. */
static void test_serialization(void)
{
	struct cb_impair_cfg c;
	struct cb_impair *im;
	struct cb_impair_verdict v;

	cb_impair_cfg_default(&c);
	c.rate_kbps = 500;
	c.overhead_bytes = 28;
	c.delay_ms = 10;
	im = open_cfg(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	CU_ASSERT_EQUAL(cb_impair_packet(im, 1000, 1200, &v), 0);
	CU_ASSERT_EQUAL(v.fate, CB_IMPAIR_DELIVER);
	CU_ASSERT_EQUAL(v.serialization, 19648000);
	CU_ASSERT_EQUAL(v.queue_delay, 0);
	CU_ASSERT_EQUAL(v.release[0], 1000 + 19648000 + 10 * MS);
	cb_impair_close(im);

	/* A rate that does not divide evenly rounds up to the next ns. */
	c.rate_kbps = 3;
	c.overhead_bytes = 0;
	c.delay_ms = 0;
	im = open_cfg(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	CU_ASSERT_EQUAL(cb_impair_packet(im, 0, 1, &v), 0);
	CU_ASSERT_EQUAL(v.serialization, 2666667); /* 8 bits / 3000 bit/s */
	cb_impair_close(im);
}

/*
 * A burst of N packets at one instant into a queue of Q: the first is on
 * the wire and counts toward Q, so exactly the first Q are taken and the
 * last N - Q dropped; the k-th waits k serialization times.  A packet that
 * comes the instant the first has fully left finds Q - 1 and is taken.
 */
static void test_queue_burst(void)
{
	const int n = 50, q = 10;
	struct cb_impair_cfg c;
	struct cb_impair *im;
	struct cb_impair_verdict v;
	cb_ns ser = 8 * MS; /* 1000 bytes at 1000 kbps */
	int drops = 0;

	cb_impair_cfg_default(&c);
	c.rate_kbps = 1000;
	c.queue_packets = q;
	im = open_cfg(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	for (int k = 0; k < n; k++) {
		CU_ASSERT_EQUAL_FATAL(cb_impair_packet(im, 0, 1000, &v), 0);
		if (k < q) {
			CU_ASSERT_EQUAL(v.fate, CB_IMPAIR_DELIVER);
			CU_ASSERT_EQUAL(v.queue_delay, k * ser);
			CU_ASSERT_EQUAL(v.release[0], (k + 1) * ser);
		} else {
			CU_ASSERT_EQUAL(v.fate, CB_IMPAIR_QUEUE_DROP);
			CU_ASSERT_EQUAL(v.copies, 0);
			CU_ASSERT_EQUAL(v.release[0], CB_NS_NONE);
			drops++;
		}
	}
	CU_ASSERT_EQUAL(drops, n - q);
	CU_ASSERT_EQUAL(cb_impair_packet(im, ser - 1, 1000, &v), 0);
	CU_ASSERT_EQUAL(v.fate, CB_IMPAIR_QUEUE_DROP);
	CU_ASSERT_EQUAL(cb_impair_packet(im, ser, 1000, &v), 0);
	CU_ASSERT_EQUAL(v.fate, CB_IMPAIR_DELIVER);
	CU_ASSERT_EQUAL(v.queue_delay, (q - 1) * ser);
	/* Once the queue drains, the link is idle again. */
	CU_ASSERT_EQUAL(cb_impair_packet(im, 100 * ser, 1000, &v), 0);
	CU_ASSERT_EQUAL(v.queue_delay, 0);
	CU_ASSERT_EQUAL(v.release[0], 101 * ser);
	cb_impair_close(im);

	/* With an unlimited queue nothing is dropped and the wait keeps growing. */
	c.queue_packets = 0;
	im = open_cfg(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	for (int k = 0; k < 1000; k++) {
		CU_ASSERT_EQUAL_FATAL(cb_impair_packet(im, 0, 1000, &v), 0);
		CU_ASSERT_EQUAL(v.fate, CB_IMPAIR_DELIVER);
		CU_ASSERT_EQUAL(v.queue_delay, k * ser);
	}
	cb_impair_close(im);
}

/*
 * 1200-byte packets offered at twice a 1000 kbps link (every 4.8 ms) into a
 * 20-packet queue: once full, the link never idles, so the achieved rate is
 * the capacity (each packet rounds up by under 1 ns) and half the packets
 * are dropped.
 */
static void test_throughput(void)
{
	struct cb_impair_cfg c;
	struct cb_impair *im;
	struct cb_impair_verdict v;
	long delivered = 0, drops = 0;
	cb_ns first = CB_NS_NONE, last = 0, max_wait = 0;
	double kbps;

	cb_impair_cfg_default(&c);
	c.rate_kbps = 1000;
	c.queue_packets = 20;
	c.overhead_bytes = 28;
	im = open_cfg(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	for (int i = 0; i < N_PKTS; i++) {
		cb_ns t = (cb_ns)i * 4800000;

		CU_ASSERT_EQUAL_FATAL(cb_impair_packet(im, t, 1200 - 28, &v), 0);
		if (v.fate == CB_IMPAIR_QUEUE_DROP) {
			drops++;
			continue;
		}
		if (first == CB_NS_NONE)
			first = v.release[0] - v.serialization;
		last = v.release[0];
		delivered++;
		max_wait = v.queue_delay > max_wait ? v.queue_delay : max_wait;
	}
	cb_impair_close(im);
	kbps = (double)delivered * 1200 * 8 / ((double)(last - first) / CB_NS_PER_S) / 1000;
	printf("\n      offered 2000 kbps into 1000: achieved %.3f kbps, dropped %.2f %%, max wait "
	       "%.1f ms ",
	       kbps, 100.0 * (double)drops / N_PKTS, (double)max_wait / MS);
	CU_ASSERT_DOUBLE_EQUAL(kbps, 1000, 0.5);
	CU_ASSERT_DOUBLE_EQUAL((double)drops / N_PKTS, 0.5, 0.001);
	/* A full queue of 20 makes a packet wait for the 19 ahead of it. */
	CU_ASSERT(max_wait <= 19 * 9600000 && max_wait > 18 * 9600000);
}

static int run_digest(const struct cb_impair_cfg *c, uint64_t *digest)
{
	struct cb_impair *im = NULL;
	struct cb_impair_verdict v;
	uint64_t h = 1469598103934665603ULL;

	if (cb_impair_open(&im, c))
		return -1;
	for (int i = 0; i < 20000; i++) {
		if (cb_impair_packet(im, (cb_ns)i * 2 * MS, 200 + (size_t)(i % 1000), &v))
			break;
		h = (h ^ (uint64_t)v.fate) * 1099511628211ULL;
		h = (h ^ (uint64_t)v.copies) * 1099511628211ULL;
		h = (h ^ (uint64_t)v.release[0]) * 1099511628211ULL;
		h = (h ^ (uint64_t)v.release[1]) * 1099511628211ULL;
		h = (h ^ (uint64_t)v.queue_delay) * 1099511628211ULL;
	}
	cb_impair_close(im);
	*digest = h;
	return 0;
}

static void test_determinism(void)
{
	struct cb_impair_cfg c;
	uint64_t a = 0, b = 0, d = 0;
	char why[256];

	cb_impair_cfg_default(&c);
	CU_ASSERT_EQUAL_FATAL(
	    cb_impair_parse("delay=30,jitter=8,dist=pareto,reorder,loss=3,burst=2,"
			    "dup=1,rate=2000,queue=40,overhead=28,seed=99",
			    &c, why, sizeof(why)),
	    0);
	CU_ASSERT_EQUAL(run_digest(&c, &a), 0);
	CU_ASSERT_EQUAL(run_digest(&c, &b), 0);
	c.seed = 100;
	CU_ASSERT_EQUAL(run_digest(&c, &d), 0);
	CU_ASSERT_EQUAL(a, b);
	CU_ASSERT_NOT_EQUAL(a, d);
}

/* The loss pattern does not depend on whether jitter or duplication is on. */
static void test_independent_streams(void)
{
	struct cb_impair_cfg c;
	struct cb_impair *x, *y;
	struct cb_impair_verdict vx, vy;
	int same = 1;

	cb_impair_cfg_default(&c);
	c.loss_pct = 10;
	c.seed = 5;
	x = open_cfg(&c);
	c.jitter_ms = 5;
	c.delay_ms = 10;
	c.dup_pct = 10;
	y = open_cfg(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	for (int i = 0; i < 10000; i++) {
		cb_impair_packet(x, (cb_ns)i * MS, 100, &vx);
		cb_impair_packet(y, (cb_ns)i * MS, 100, &vy);
		same &= vx.fate == vy.fate;
	}
	CU_ASSERT_TRUE(same);
	cb_impair_close(x);
	cb_impair_close(y);
}

static void test_parse(void)
{
	struct cb_impair_cfg c, before;
	char why[512];

	cb_impair_cfg_default(&c);
	CU_ASSERT_EQUAL(cb_impair_parse("delay=50,jitter=10,dist=pareto,reorder,loss=5,burst=3,"
					"dup=1,rate=500,queue=30,overhead=28,seed=7",
					&c, why, sizeof(why)),
			0);
	CU_ASSERT_DOUBLE_EQUAL(c.delay_ms, 50, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.jitter_ms, 10, 0);
	CU_ASSERT_EQUAL(c.jitter_dist, CB_JITTER_PARETO);
	CU_ASSERT_EQUAL(c.allow_reordering, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.loss_pct, 5, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.burst_len, 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.dup_pct, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.rate_kbps, 500, 0);
	CU_ASSERT_EQUAL(c.queue_packets, 30);
	CU_ASSERT_EQUAL(c.overhead_bytes, 28);
	CU_ASSERT_EQUAL(c.seed, 7);
	CU_ASSERT_STRING_EQUAL(c.name, "custom");

	/* Units are optional; gemodel replaces the WebRTC loss model. */
	CU_ASSERT_EQUAL(
	    cb_impair_parse(" delay=20ms , loss=2% ,rate=64kbps, reorder=0", &c, why, sizeof(why)),
	    0);
	CU_ASSERT_DOUBLE_EQUAL(c.delay_ms, 20, 0);
	CU_ASSERT_EQUAL(c.allow_reordering, 0);
	CU_ASSERT_EQUAL(cb_impair_parse("gemodel=1:30:100:0", &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(c.gemodel, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.ge_p, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.ge_r, 30, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.ge_1h, 100, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.ge_1k, 0, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.loss_pct, 0, 0);
	CU_ASSERT_EQUAL(cb_impair_parse("gemodel=2", &c, why, sizeof(why)), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.ge_r, 100, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.ge_1h, 100, 0);
	CU_ASSERT_EQUAL(cb_impair_parse("loss=1", &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(c.gemodel, 0);

	/* Rejections name the key and leave the configuration alone. */
	before = c;
	{
		static const struct {
			const char *spec, *key;
		} bad[] = {
		    {"delya=5", "delya"},
		    {"loss=150", "loss"},
		    {"loss=-1", "loss"},
		    {"dist=gauss", "dist"},
		    {"rate=-1", "rate"},
		    {"delay=abc", "delay"},
		    {"delay=5s", "delay"},
		    {"queue=1.5", "queue"},
		    {"jitter=", "jitter"},
		    {"gemodel=1:2:3:4:5", "gemodel"},
		    {"gemodel=1::3", "gemodel"},
		    {"gemodel=101", "gemodel"},
		    {"reorder=maybe", "reorder"},
		    {"seed=-3", "seed"},
		    {"delay", "delay"},
		    {"overhead=70000", "overhead"},
		    {"loss=60,burst=1.2", "burst_len"},
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			why[0] = '\0';
			CU_ASSERT_EQUAL(cb_impair_parse(bad[i].spec, &c, why, sizeof(why)),
					-EINVAL);
			if (!strstr(why, bad[i].key))
				printf("\n      '%s' -> '%s' ", bad[i].spec, why);
			CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i].key));
			CU_ASSERT_EQUAL(memcmp(&c, &before, sizeof(c)), 0);
		}
	}
	CU_ASSERT_EQUAL(cb_impair_parse("delya=5", &c, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "delay")); /* lists what is known */
	CU_ASSERT_EQUAL(cb_impair_parse("loss=1", &c, NULL, 0), 0);
	CU_ASSERT_EQUAL(cb_impair_parse(NULL, &c, why, sizeof(why)), -EINVAL);
}

/* A spec applied onto a profile keeps the rest and marks the name. */
static void test_parse_overrides_profile(void)
{
	struct cb_impair_cfg c;
	char why[512];

	CU_ASSERT_EQUAL_FATAL(cb_impair_profile_load(PROF_DIR, "4g", &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_impair_parse("loss=0,seed=3", &c, why, sizeof(why)), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.delay_ms, 30, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.loss_pct, 0, 0);
	CU_ASSERT_EQUAL(c.seed, 3);
	CU_ASSERT_STRING_EQUAL(c.name, "4g+");
}

static void test_profiles(void)
{
	static const char *const required[] = {"perfect",
					       "lan",
					       "wifi",
					       "4g",
					       "satellite",
					       "webrtc-150kbps-30pkts-100ms",
					       "webrtc-250kbps-10pkts-100ms-1pct",
					       "webrtc-500kbps-32pkts",
					       "webrtc-50ms-5pct",
					       "webrtc-2000kbps-50pkts-100ms-3pct",
					       "webrtc-screenshare-500kbps-200ms-10pct",
					       "webrtc-lowbw-audio-40kbps-1500pkts-400ms-1pct"};
	struct cb_impair_cfg c;
	struct cb_impair *im;
	struct dirent *e;
	char why[1024], desc[512], names[2048];
	int n = 0;
	DIR *d = opendir(PROF_DIR);

	if (!d)
		CB_SKIP("fixtures/net not found (run from the repository root)");
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char path[512];

		if (l < 6 || strcmp(e->d_name + l - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", PROF_DIR, e->d_name);
		why[0] = '\0';
		CU_ASSERT_EQUAL(cb_impair_profile_load(NULL, path, &c, why, sizeof(why)), 0);
		if (why[0])
			printf("\n      %s ", why);
		CU_ASSERT_EQUAL(strncmp(c.name, e->d_name, l - 5), 0);
		cb_impair_describe(&c, desc, sizeof(desc));
		CU_ASSERT(strlen(desc) > strlen(c.name) + 2);
		CU_ASSERT_EQUAL(cb_impair_open(&im, &c), 0);
		cb_impair_close(im);
		n++;
	}
	closedir(d);
	CU_ASSERT(n >= 12);
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		CU_ASSERT_EQUAL(cb_impair_profile_load(PROF_DIR, required[i], &c, why, sizeof(why)),
				0);
		CU_ASSERT_STRING_EQUAL(c.name, required[i]);
	}
	CU_ASSERT_EQUAL(cb_impair_profile_names(PROF_DIR, names, sizeof(names)), n);

	CU_ASSERT_EQUAL(cb_impair_profile_load(PROF_DIR, "webrtc-50ms-5pct", &c, why, sizeof(why)),
			0);
	CU_ASSERT_DOUBLE_EQUAL(c.delay_ms, 50, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.loss_pct, 5, 0);
	cb_impair_describe(&c, desc, sizeof(desc));
	printf("\n      %s ", desc);
	CU_ASSERT_PTR_NOT_NULL(strstr(desc, "delay 50 ms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(desc, "loss 5 %"));
	CU_ASSERT_EQUAL(cb_impair_profile_load(PROF_DIR, "perfect", &c, why, sizeof(why)), 0);
	CU_ASSERT_TRUE(cb_impair_is_perfect(&c));

	CU_ASSERT_EQUAL(cb_impair_profile_load(PROF_DIR, "5g", &c, why, sizeof(why)),
			CB_E_NOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "5g"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "lan"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "satellite"));
	CU_ASSERT_EQUAL(cb_impair_profile_load(PROF_DIR, "../etc/passwd", &c, why, sizeof(why)),
			CB_E_NOTFOUND);
	CU_ASSERT_EQUAL(cb_impair_profile_load(PROF_DIR, "nowhere/x.json", &c, why, sizeof(why)),
			CB_E_NOTFOUND);
}

/* Write a temporary profile, load it, and return the result. */
static int load_text(const char *text, char *why, size_t why_len, struct cb_impair_cfg *c)
{
	char path[] = "/tmp/cb-impair-XXXXXX.json";
	int fd = mkstemps(path, 5), err;
	FILE *f;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -errno;
	}
	fputs(text, f);
	fclose(f);
	err = cb_impair_profile_load(NULL, path, c, why, why_len);
	unlink(path);
	return err;
}

static void test_profile_errors(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"{\"name\":\"x\",\"description\":\"d\",\"assumptions\":\"a\",\"delay\":5}", "'delay'"},
	    {"{\"name\":\"x\",\"description\":\"d\",\"assumptions\":\"a\",\"loss_pct\":\"5\"}",
	     "'loss_pct'"},
	    {"{\"name\":\"x\",\"description\":\"d\",\"assumptions\":\"a\",\"queue_packets\":2.5}",
	     "'queue_packets'"},
	    {"{\"name\":\"x\",\"description\":\"d\",\"assumptions\":\"a\",\"jitter_dist\":\"x\"}",
	     "'jitter_dist'"},
	    {"{\"name\":\"x\",\"description\":\"d\",\"assumptions\":[1]}", "'assumptions'"},
	    {"{\"name\":\"x\",\"description\":\"d\"}", "'assumptions'"},
	    {"{\"name\":\"x\",\"description\":\"d\",\"assumptions\":\"a\",\"loss_pct\":70,"
	     "\"burst_len\":1.5}",
	     "burst_len"},
	    {"{\"name\":\"x\",", "cb-impair-"},
	    {"[1,2]", "object"},
	};
	struct cb_impair_cfg c, before;
	char why[1024];

	cb_impair_cfg_default(&c);
	before = c;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CU_ASSERT_EQUAL(load_text(bad[i].text, why, sizeof(why), &c), CB_E_FORMAT);
		if (!strstr(why, bad[i].want))
			printf("\n      profile %zu -> '%s' ", i, why);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i].want));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "/tmp/cb-impair-"));
		CU_ASSERT_EQUAL(memcmp(&c, &before, sizeof(c)), 0);
	}
	CU_ASSERT_EQUAL(load_text("{\"name\":\"ok\",\"description\":\"d\",\"assumptions\":[\"a\"],"
				  "\"gemodel\":true,\"ge_p\":1,\"ge_r\":20,\"ge_1h\":100,"
				  "\"ge_1k\":0,\"jitter_dist\":\"uniform\",\"jitter_ms\":3}",
				  why, sizeof(why), &c),
			0);
	CU_ASSERT_EQUAL(c.gemodel, 1);
	CU_ASSERT_EQUAL(c.jitter_dist, CB_JITTER_UNIFORM);
	CU_ASSERT_STRING_EQUAL(c.name, "ok");
}

static void test_describe(void)
{
	struct cb_impair_cfg c;
	char d[512], tiny[8];

	cb_impair_cfg_default(&c);
	CU_ASSERT_EQUAL(cb_impair_parse("delay=50,jitter=10,loss=5,burst=3,dup=1,rate=500,queue=30,"
					"overhead=28",
					&c, NULL, 0),
			0);
	cb_impair_describe(&c, d, sizeof(d));
	printf("\n      %s ", d);
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "delay 50 ms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "jitter 10 ms normal"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "loss 5 % (bursts of 3)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "rate 500 kbps"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "queue 30 pkts"));
	CU_ASSERT_EQUAL(cb_impair_parse("gemodel=1:25", &c, NULL, 0), 0);
	cb_impair_describe(&c, d, sizeof(d));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "gemodel"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "bursts of 4"));
	cb_impair_describe(&c, tiny, sizeof(tiny));
	CU_ASSERT_EQUAL(strlen(tiny), sizeof(tiny) - 1);
}

int cb_suite_impair(void)
{
	static const struct cb_test_case cases[] = {
	    {"perfect cfg releases at send time", test_perfect},
	    {"bad cfg values are refused", test_bad_cfg},
	    {"random loss rate", test_random_loss},
	    {"webrtc gilbert-elliott loss and bursts", test_ge_webrtc},
	    {"netem gemodel loss and bursts", test_ge_netem},
	    {"delay mean and spread per jitter distribution", test_jitter_dists},
	    {"reordering only when allowed", test_reordering},
	    {"duplication rate", test_duplication},
	    {"serialization delay is exact", test_serialization},
	    {"drop-tail queue under a burst", test_queue_burst},
	    {"throughput equals capacity when overloaded", test_throughput},
	    {"same seed same verdicts, other seed other", test_determinism},
	    {"loss pattern independent of other models", test_independent_streams},
	    {"--net spec parse and rejections", test_parse},
	    {"spec overrides a profile", test_parse_overrides_profile},
	    {"every shipped profile loads", test_profiles},
	    {"bad profiles name the member", test_profile_errors},
	    {"describe", test_describe},
	    {NULL, NULL},
	};

	return cb_add_suite("impair", cases);
}
