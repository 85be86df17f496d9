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

/* pthread_cond_timedwait takes an absolute time on the condition
 * variable's clock, which cb_clock_cond_init sets to CLOCK_MONOTONIC: the
 * same timeline as real_now, so `t` needs no conversion. */
static int real_wait_until(void *self, pthread_cond_t *cond, pthread_mutex_t *mutex, cb_ns t)
{
	struct timespec ts;

	(void)self;
	if (t < 0)
		t = 0;
	ts = (struct timespec){.tv_sec = t / CB_NS_PER_S, .tv_nsec = t % CB_NS_PER_S};
	return -pthread_cond_timedwait(cond, mutex, &ts);
}

int cb_clock_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int rc;

	rc = pthread_condattr_init(&attr);
	if (rc)
		return -rc;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return -rc;
}

static const struct cb_clock_ops real_ops = {
    .name = "real",
    .now = real_now,
    .sleep_until = real_sleep_until,
    .wait_until = real_wait_until,
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

/* Nothing else runs on a simulated timeline while its owner waits, so the
 * wait is over at once: time moves to the deadline, as in sleep_until. */
static int sim_wait_until(void *self, pthread_cond_t *cond, pthread_mutex_t *mutex, cb_ns t)
{
	(void)cond;
	(void)mutex;
	sim_sleep_until(self, t);
	return -ETIMEDOUT;
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
    .wait_until = sim_wait_until,
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
