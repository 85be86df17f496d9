#include <errno.h>
#include <math.h>
#include <time.h>

#include "base/clock.h"

static cb_ns real_now(void *self)
{
	struct timespec ts;

	(void)self;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (cb_ns)ts.tv_sec * CB_NS_PER_S + ts.tv_nsec;
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

double cb_ns_diff_ms(cb_ns later, cb_ns earlier)
{
	if (later == CB_NS_NONE || earlier == CB_NS_NONE)
		return NAN;
	return (double)(later - earlier) / 1e6;
}
