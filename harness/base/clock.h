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

#include <pthread.h>
#include <stdint.h>

typedef int64_t cb_ns;

#define CB_NS_NONE   INT64_MIN
#define CB_NS_PER_MS 1000000LL
#define CB_NS_PER_S  1000000000LL

/** Kinds of work whose cost a simulated clock charges (see cb_clock_work_end). */
enum cb_work {
	CB_WORK_VIDEO_ENCODE,
	CB_WORK_VIDEO_DECODE,
	CB_WORK_AUDIO_ENCODE,
	CB_WORK_AUDIO_DECODE,
	CB_WORK_COUNT
};

struct cb_clock_ops {
	const char *name; /**< "real" or "sim" */
	cb_ns (*now)(void *self);
	/** Block until `t` (or return at once if it has passed). 0 or a negative error. */
	int (*sleep_until)(void *self, cb_ns t);
	/**
	 * Wait on `cond` (with `mutex` held, as pthread_cond_wait) until it is
	 * signalled or the clock reaches `deadline`, whichever comes first.
	 * 0 when woken (by a signal, or spuriously: the caller looks again),
	 * -ETIMEDOUT when `deadline` has come, or another negative error.
	 */
	int (*wait_until)(void *self, pthread_cond_t *cond, pthread_mutex_t *mutex, cb_ns deadline);
	/**
	 * Account for a piece of work that took `real_elapsed` of real time.
	 * NULL for the real clock, where time passes by itself; a simulated
	 * clock moves its own time on by the measured or the modelled cost.
	 */
	void (*charge)(void *self, enum cb_work w, cb_ns real_elapsed);
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

/**
 * Wait for a wake-up on `cond` or for `deadline`, whichever is first: the
 * way a thread that holds work for a later time sleeps without polling.
 * `cond` must have been made by cb_clock_cond_init() so that the real clock
 * times the wait on CLOCK_MONOTONIC, the timeline of cb_real_now().  A
 * simulated clock never blocks: its time jumps to `deadline` and the wait
 * ends at once with -ETIMEDOUT, as sleep_until does.
 */
static inline int cb_clock_wait_until(const struct cb_clock *c, pthread_cond_t *cond,
				      pthread_mutex_t *mutex, cb_ns deadline)
{
	return c->ops->wait_until(c->self, cond, mutex, deadline);
}

/** Initialise `cond` for cb_clock_wait_until (CLOCK_MONOTONIC timeouts). 0 or an error. */
int cb_clock_cond_init(pthread_cond_t *cond);

/** The real clock: CLOCK_MONOTONIC, shared by every thread of the process. */
void cb_clock_real_init(struct cb_clock *c);

/** CLOCK_MONOTONIC now, for measuring the real cost of work in any mode. */
cb_ns cb_real_now(void);

/** Start timing a piece of work: returns the real time it began. */
static inline cb_ns cb_clock_work_begin(const struct cb_clock *c)
{
	(void)c;
	return cb_real_now();
}

/** The work begun at `begin` is done: let the clock charge for it. */
static inline void cb_clock_work_end(const struct cb_clock *c, enum cb_work w, cb_ns begin)
{
	if (c->ops->charge)
		c->ops->charge(c->self, w, cb_real_now() - begin);
}

/**
 * A simulated clock: virtual time that moves only when told.  sleep_until
 * and wait_until jump forward at once; work is charged as measured (fixed == 0) or as the
 * fixed cost per kind, which makes a run reproducible bit for bit.  One
 * simulated clock is one timeline (one thread of an endpoint): the event
 * loop sets `t` to an event's time before running it on that timeline.
 */
struct cb_sim_clock {
	cb_ns t;
	int fixed;
	cb_ns cost[CB_WORK_COUNT];
};

void cb_clock_sim_init(struct cb_clock *c, struct cb_sim_clock *s);

/** Milliseconds between two stamps, or NaN when either is CB_NS_NONE. */
double cb_ns_diff_ms(cb_ns later, cb_ns earlier);

#endif
