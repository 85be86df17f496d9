/*
 * clock.h — all time in callbench comes from one clock interface, so that a
 * stage never calls the OS clock itself and the same stages can run in real
 * time or, later, in simulated (virtual) time.
 *
 * Times are nanoseconds on one monotonic timeline (cb_ns).  0 is a valid
 * time; CB_NS_NONE marks "never stamped".
 */
#ifndef CB_BASE_CLOCK_H
#define CB_BASE_CLOCK_H

#include <stdint.h>

typedef int64_t cb_ns;

#define CB_NS_NONE   INT64_MIN
#define CB_NS_PER_MS 1000000LL
#define CB_NS_PER_S  1000000000LL

struct cb_clock_ops {
	const char *name; /**< "real" or "sim" */
	cb_ns (*now)(void *self);
	/** Block until `t` (or return at once if it has passed). 0 or a negative error. */
	int (*sleep_until)(void *self, cb_ns t);
};

struct cb_clock {
	const struct cb_clock_ops *ops;
	void *self;
};

static inline cb_ns cb_clock_now(const struct cb_clock *c)
{
	return c->ops->now(c->self);
}

static inline int cb_clock_sleep_until(const struct cb_clock *c, cb_ns t)
{
	return c->ops->sleep_until(c->self, t);
}

/** The real clock: CLOCK_MONOTONIC, shared by every thread of the process. */
void cb_clock_real_init(struct cb_clock *c);

/** Milliseconds between two stamps, or NaN when either is CB_NS_NONE. */
double cb_ns_diff_ms(cb_ns later, cb_ns earlier);

#endif
