#include <errno.h>
#include <math.h>
#include <time.h>

#include "base/clock.h"

cb_ns cb_real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (cb_ns)ts.tv_sec * CB_NS_PER_S + ts.tv_nsec;
}

static cb_ns real_now(void *self)
{
	(void)self;
	return cb_real_now();
}

static int real_sleep_until(void *self, cb_ns t)
{
	struct timespec ts = {.tv_sec = t / CB_NS_PER_S, .tv_nsec = t % CB_NS_PER_S};
	int rc;

	(void)self;
	do {
		rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	} while (rc == EINTR);
	return -rc;
}

static const struct cb_clock_ops real_ops = {
    .name = "real",
    .now = real_now,
    .sleep_until = real_sleep_until,
};

void cb_clock_real_init(struct cb_clock *c)
{
	c->ops = &real_ops;
	c->self = NULL;
}

static cb_ns sim_now(void *self)
{
	return ((struct cb_sim_clock *)self)->t;
}

static int sim_sleep_until(void *self, cb_ns t)
{
	struct cb_sim_clock *s = self;

	if (t > s->t)
		s->t = t;
	return 0;
}

static void sim_charge(void *self, enum cb_work w, cb_ns real_elapsed)
{
	struct cb_sim_clock *s = self;

	if ((unsigned)w >= CB_WORK_COUNT)
		return;
	s->t += s->fixed ? s->cost[w] : real_elapsed;
}

static const struct cb_clock_ops sim_ops = {
    .name = "sim",
    .now = sim_now,
    .sleep_until = sim_sleep_until,
    .charge = sim_charge,
};

void cb_clock_sim_init(struct cb_clock *c, struct cb_sim_clock *s)
{
	c->ops = &sim_ops;
	c->self = s;
}

double cb_ns_diff_ms(cb_ns later, cb_ns earlier)
{
	if (later == CB_NS_NONE || earlier == CB_NS_NONE)
		return NAN;
	return (double)(later - earlier) / 1e6;
}
