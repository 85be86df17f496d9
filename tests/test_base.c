#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/image.h"
#include "base/rng.h"
#include "test_util.h"

static void test_error_names(void)
{
	CU_ASSERT_STRING_EQUAL(cb_err_name(CB_E_AUTH), "CB_E_AUTH");
	CU_ASSERT_STRING_EQUAL(cb_strerror(CB_E_REPLAY), "replayed packet");
	CU_ASSERT_STRING_EQUAL(cb_err_name(-EINVAL), "EINVAL");
	CU_ASSERT_STRING_EQUAL(cb_strerror(-ENOMEM), strerror(ENOMEM));
	CU_ASSERT_STRING_EQUAL(cb_err_name(0), "OK");
}

static void test_rng_reproducible(void)
{
	struct cb_rng a, b, c;
	double sum = 0, sumsq = 0;
	int same = 1;

	cb_rng_seed(&a, 42);
	cb_rng_seed(&b, 42);
	cb_rng_seed(&c, 43);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = cb_rng_next(&a);
		CU_ASSERT_EQUAL(x, cb_rng_next(&b));
		same &= x == cb_rng_next(&c);
	}
	CU_ASSERT_FALSE(same);
	for (int i = 0; i < 100000; i++) {
		double z = cb_rng_normal(&a);
		sum += z;
		sumsq += z * z;
	}
	CU_ASSERT(fabs(sum / 100000) < 0.02);
	CU_ASSERT(fabs(sumsq / 100000 - 1.0) < 0.03);
}

static void test_clock_monotonic(void)
{
	struct cb_clock c;
	cb_ns a, b;

	cb_clock_real_init(&c);
	a = cb_clock_now(&c);
	CU_ASSERT_EQUAL(cb_clock_sleep_until(&c, a + 1000000), 0);
	b = cb_clock_now(&c);
	CU_ASSERT(b >= a + 1000000);
	CU_ASSERT(isnan(cb_ns_diff_ms(CB_NS_NONE, a)));
	CU_ASSERT_DOUBLE_EQUAL(cb_ns_diff_ms(3 * CB_NS_PER_MS, CB_NS_PER_MS), 2.0, 1e-12);
}

/* A timed wait with nobody to signal ends at its deadline (real clock) or at
 * once with time moved to it (simulated clock). */
static void test_clock_wait_until(void)
{
	struct cb_clock c;
	struct cb_sim_clock sc = {.t = 5 * CB_NS_PER_S};
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond;
	cb_ns a, b;
	int rc;

	CU_ASSERT_EQUAL_FATAL(cb_clock_cond_init(&cond), 0);
	cb_clock_real_init(&c);
	pthread_mutex_lock(&m);
	a = cb_clock_now(&c);
	do
		rc = cb_clock_wait_until(&c, &cond, &m, a + 2 * CB_NS_PER_MS);
	while (rc == 0); /* spurious wake-ups are allowed */
	b = cb_clock_now(&c);
	CU_ASSERT_EQUAL(rc, -ETIMEDOUT);
	CU_ASSERT(b >= a + 2 * CB_NS_PER_MS);
	/* A deadline already passed returns at once. */
	CU_ASSERT_EQUAL(cb_clock_wait_until(&c, &cond, &m, a), -ETIMEDOUT);
	cb_clock_sim_init(&c, &sc);
	CU_ASSERT_EQUAL(cb_clock_wait_until(&c, &cond, &m, 7 * CB_NS_PER_S), -ETIMEDOUT);
	CU_ASSERT_EQUAL(cb_clock_now(&c), 7 * CB_NS_PER_S);
	pthread_mutex_unlock(&m);
	pthread_cond_destroy(&cond);
}

static void test_image(void)
{
	struct cb_image a, b;

	CU_ASSERT_EQUAL(cb_image_alloc(&a, 3, 2), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&a, 64, 48), 0);
	CU_ASSERT_EQUAL_FATAL(cb_image_alloc(&b, 64, 48), 0);
	CU_ASSERT_EQUAL(cb_image_plane_w(&a, 1), 32);
	memset(a.owned, 7, 64 * 48 * 3 / 2);
	CU_ASSERT_EQUAL(cb_image_copy(&b, &a), 0);
	CU_ASSERT_EQUAL(b.plane[2][32 * 24 - 1], 7);
	cb_image_free(&a);
	cb_image_free(&b);
}

int cb_suite_base(void)
{
	static const struct cb_test_case cases[] = {
	    {"error codes have names and messages", test_error_names},
	    {"rng is reproducible and normal", test_rng_reproducible},
	    {"real clock is monotonic and sleeps", test_clock_monotonic},
	    {"clock waits until a deadline (real and sim)", test_clock_wait_until},
	    {"I420 image alloc and copy", test_image},
	    {NULL, NULL},
	};
	return cb_add_suite("base", cases);
}
