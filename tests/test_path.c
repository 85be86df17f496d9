/*
 * Tests of the path (net/path.c): the shaping thread sleeps until a packet
 * is due instead of polling, releases nothing early, wakes for a packet due
 * sooner than the one it waits for, and counts the delay it added.
 *
 * The shaped tests run on the real clock (that is the mode under test), so
 * their bounds are generous: they check "not before the release time" and
 * "not absurdly late", never speed.  The clock is wrapped to count how often
 * the thread waits, which is what the test of polling looks at.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/clock.h"
#include "measure/record.h"
#include "net/path.h"
#include "test_util.h"

#define MS CB_NS_PER_MS
/* How late a release may be on a busy shared machine before it counts as
 * broken: far above a wake-up's latency, far below a polling period's worth
 * of missed releases. */
#define LATE_BOUND (40 * MS)

/* The real clock, counting every sleep and timed wait made on it. */
struct counting_clock {
	struct cb_clock real;
	atomic_int waits;
};

static cb_ns cc_now(void *self)
{
	struct counting_clock *c = self;

	return cb_clock_now(&c->real);
}

static int cc_sleep_until(void *self, cb_ns t)
{
	struct counting_clock *c = self;

	atomic_fetch_add(&c->waits, 1);
	return cb_clock_sleep_until(&c->real, t);
}

static int cc_wait_until(void *self, pthread_cond_t *cond, pthread_mutex_t *mutex, cb_ns t)
{
	struct counting_clock *c = self;

	atomic_fetch_add(&c->waits, 1);
	return cb_clock_wait_until(&c->real, cond, mutex, t);
}

static const struct cb_clock_ops counting_ops = {
    .name = "counting",
    .now = cc_now,
    .sleep_until = cc_sleep_until,
    .wait_until = cc_wait_until,
};

/* A transport end that records when each packet (named by its first byte)
 * reached it, and on which thread. */
#define REC_MAX 256
struct rec {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t n;
	cb_ns t[REC_MAX];
	uint8_t id[REC_MAX];
	int on_caller[REC_MAX];
	pthread_t caller;
};

static int rec_send(void *self, const struct cb_net_pkt *pkts, size_t n)
{
	struct rec *r = self;
	cb_ns now = cb_real_now();

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < n && r->n < REC_MAX; i++) {
		r->t[r->n] = now;
		r->id[r->n] = pkts[i].data[0];
		r->on_caller[r->n] = pthread_equal(pthread_self(), r->caller);
		r->n++;
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return (int)n;
}

static const struct cb_transport_ops rec_ops = {
    .name = "rec",
    .send = rec_send,
};

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	CU_ASSERT_EQUAL_FATAL(cb_clock_cond_init(&r->cond), 0);
	r->caller = pthread_self();
}

/* Wait (at most 2 s) until `want` packets have arrived; returns how many did. */
static size_t rec_wait(struct rec *r, struct cb_clock *clk, size_t want)
{
	cb_ns deadline = cb_clock_now(clk) + 2 * CB_NS_PER_S;
	size_t n;

	pthread_mutex_lock(&r->lock);
	while (r->n < want && cb_clock_wait_until(clk, &r->cond, &r->lock, deadline) != -ETIMEDOUT)
		;
	n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}

static void rec_free(struct rec *r)
{
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
}

struct fixture {
	struct counting_clock cc;
	struct cb_clock clk;
	struct rec rec;
	struct cb_transport tp;
	struct cb_impair_cfg net;
	struct cb_path *path;
};

static void fixture_open(struct fixture *f, const char *spec)
{
	struct cb_path_cfg pc = {0};
	char why[128] = "";

	memset(f, 0, sizeof(*f));
	cb_clock_real_init(&f->cc.real);
	f->clk = (struct cb_clock){.ops = &counting_ops, .self = &f->cc};
	rec_init(&f->rec);
	f->tp = (struct cb_transport){.ops = &rec_ops, .priv = &f->rec};
	cb_impair_cfg_default(&f->net);
	CU_ASSERT_EQUAL_FATAL(cb_impair_parse(spec, &f->net, why, sizeof(why)), 0);
	pc.tp = &f->tp;
	pc.impair = &f->net;
	pc.clock = &f->clk;
	CU_ASSERT_EQUAL_FATAL(cb_path_open(&f->path, &pc), 0);
}

static void fixture_close(struct fixture *f)
{
	cb_path_close(f->path);
	rec_free(&f->rec);
}

static int send_one(struct fixture *f, uint8_t id, cb_ns t_send, struct cb_path_verdict *v)
{
	uint8_t buf[100];
	struct cb_net_pkt pk = {.data = buf, .len = sizeof(buf)};

	memset(buf, id, sizeof(buf));
	return cb_path_send(f->path, &pk, 1, t_send, v);
}

/*
 * One packet held for 100 ms: the thread must sleep until it is due, not
 * look every 200 us (which was ~500 wake-ups), and must not release it
 * early.  The path counts the 100 ms it added.
 */
static void test_hold_sleeps_until_due(void)
{
	struct fixture f;
	struct cb_path_verdict v;
	struct cb_path_stats st;
	cb_ns t0;
	int waits;

	fixture_open(&f, "delay=100");
	t0 = cb_clock_now(&f.clk);
	CU_ASSERT_EQUAL(send_one(&f, 1, t0, &v), 1);
	CU_ASSERT_EQUAL(v.fate, CB_PKT_DELIVERED);
	CU_ASSERT_EQUAL(v.net_delay, 100 * MS);
	CU_ASSERT_EQUAL_FATAL(rec_wait(&f.rec, &f.cc.real, 1), 1);
	waits = atomic_load(&f.cc.waits);
	CU_ASSERT(f.rec.t[0] >= t0 + 100 * MS);
	CU_ASSERT(f.rec.t[0] <= t0 + 100 * MS + LATE_BOUND);
	CU_ASSERT(!f.rec.on_caller[0]);
	/* One wait normally; a few spurious wake-ups are allowed. */
	CU_ASSERT(waits >= 1);
	CU_ASSERT(waits <= 5);
	if (waits > 5)
		printf("\n      %d waits for one held packet ", waits);
	cb_path_get_stats(f.path, &st);
	CU_ASSERT_EQUAL(st.packets, 1);
	CU_ASSERT(st.added_sum >= 100 * MS && st.added_sum <= 100 * MS + LATE_BOUND);
	CU_ASSERT(st.late_sum >= 0 && st.late_sum <= LATE_BOUND);
	CU_ASSERT_EQUAL(cb_path_pending(f.path), 0);
	fixture_close(&f);
}

/*
 * With reordering, a packet sent later can be due sooner than the one the
 * thread waits for: it must wake for it, and release every packet not
 * before its own time and in time order.  The seed is chosen so that the
 * set has such an overtaking packet (checked, so the test cannot go vacuous).
 */
static void test_earlier_packet_wakes_thread(void)
{
	enum { N = 40 };
	struct fixture f;
	struct cb_path_verdict v[N];
	cb_ns t0, release[N], prev = 0;
	int overtakes = 0;
	size_t n;

	fixture_open(&f, "delay=60,jitter=25,reorder,seed=3");
	t0 = cb_clock_now(&f.clk);
	for (int i = 0; i < N; i++) {
		CU_ASSERT_EQUAL_FATAL(send_one(&f, (uint8_t)i, t0, &v[i]), 1);
		release[i] = t0 + v[i].net_delay;
		overtakes += i > 0 && release[i] < prev;
		if (release[i] > prev)
			prev = release[i];
	}
	CU_ASSERT(overtakes > 0);
	n = rec_wait(&f.rec, &f.cc.real, N);
	CU_ASSERT_EQUAL_FATAL(n, N);
	for (size_t k = 0; k < n; k++) {
		cb_ns r = release[f.rec.id[k]];

		CU_ASSERT(f.rec.t[k] >= r);
		CU_ASSERT(f.rec.t[k] <= r + LATE_BOUND);
		if (k > 0)
			CU_ASSERT(r >= release[f.rec.id[k - 1]]);
	}
	/* Far fewer waits than packets' worth of polling over ~150 ms. */
	CU_ASSERT(atomic_load(&f.cc.waits) <= 3 * N);
	fixture_close(&f);
}

/*
 * A packet the network only decides about (loss, no delay) is due when it is
 * sent: it goes to the transport from the sending thread at once, not
 * through the shaping thread.
 */
static void test_due_now_goes_direct(void)
{
	enum { N = 50 };
	struct fixture f;
	struct cb_path_verdict v;
	struct cb_path_stats st;
	size_t delivered = 0;

	fixture_open(&f, "loss=20,seed=5");
	for (int i = 0; i < N; i++) {
		CU_ASSERT_EQUAL_FATAL(send_one(&f, (uint8_t)i, cb_clock_now(&f.clk), &v), 1);
		delivered += v.fate == CB_PKT_DELIVERED;
	}
	CU_ASSERT(delivered > 0 && delivered < N);
	/* Already there: no wait needed. */
	CU_ASSERT_EQUAL(f.rec.n, delivered);
	for (size_t k = 0; k < f.rec.n; k++)
		CU_ASSERT(f.rec.on_caller[k]);
	CU_ASSERT_EQUAL(atomic_load(&f.cc.waits), 0);
	cb_path_get_stats(f.path, &st);
	CU_ASSERT_EQUAL(st.packets, delivered);
	CU_ASSERT(st.added_sum >= 0 && st.added_sum <= (cb_ns)delivered * LATE_BOUND);
	fixture_close(&f);
}

static void sim_deliver(void *user, const uint8_t *data, size_t len, cb_ns t)
{
	cb_ns *last = user;

	(void)data;
	(void)len;
	*last = t;
}

/*
 * In virtual time the added delay is exactly release - send.  Without
 * reordering, jitter keeps order by holding packets back, so the mean added
 * delay is above the configured delay; with it, it is the delay itself.
 */
static void test_sim_added_delay(void)
{
	enum { N = 20000 };
	static const char *const spec[2] = {"delay=50,jitter=10", "delay=50,jitter=10,reorder"};
	double mean[2];

	for (int r = 0; r < 2; r++) {
		struct cb_impair_cfg net;
		struct cb_path_cfg pc = {0};
		struct cb_path *p = NULL;
		struct cb_path_stats st;
		cb_ns last = 0;
		uint8_t buf[100] = {0};
		struct cb_net_pkt pk = {.data = buf, .len = sizeof(buf)};
		char why[128];

		cb_impair_cfg_default(&net);
		CU_ASSERT_EQUAL_FATAL(cb_impair_parse(spec[r], &net, why, sizeof(why)), 0);
		pc.impair = &net;
		pc.deliver = sim_deliver;
		pc.user = &last;
		CU_ASSERT_EQUAL_FATAL(cb_path_open(&p, &pc), 0);
		/* 5 ms apart: half the jitter's sd. */
		for (int i = 0; i < N; i++)
			CU_ASSERT_EQUAL_FATAL(cb_path_send(p, &pk, 1, (cb_ns)i * 5 * MS, NULL), 1);
		cb_path_get_stats(p, &st);
		CU_ASSERT_EQUAL(st.packets, N);
		CU_ASSERT_EQUAL(st.late_sum, 0);
		mean[r] = (double)st.added_sum / (double)st.packets / 1e6;
		cb_path_close(p);
	}
	CU_ASSERT(mean[0] > 52.0);
	CU_ASSERT(fabs(mean[1] - 50.0) < 0.5);
}

int cb_suite_path(void)
{
	static const struct cb_test_case cases[] = {
	    {"a held packet: one sleep until it is due, not polling", test_hold_sleeps_until_due},
	    {"a packet due sooner wakes the thread; none leaves early",
	     test_earlier_packet_wakes_thread},
	    {"a packet due at once skips the thread", test_due_now_goes_direct},
	    {"virtual time: added delay counted, jitter holds packets back", test_sim_added_delay},
	    {NULL, NULL},
	};

	return cb_add_suite("path", cases);
}
