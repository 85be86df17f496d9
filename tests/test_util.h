/* Helpers shared by the CUnit suites. */
#ifndef CB_TEST_UTIL_H
#define CB_TEST_UTIL_H

#include <CUnit/CUnit.h>

/* Add a suite with tests given as {"name", fn} pairs, NULL-terminated. */
struct cb_test_case {
	const char *name;
	void (*fn)(void);
};

static inline int cb_add_suite(const char *name, const struct cb_test_case *cases)
{
	CU_pSuite s = CU_add_suite(name, NULL, NULL);

	if (!s)
		return -1;
	for (; cases->name; cases++)
		if (!CU_add_test(s, cases->name, cases->fn))
			return -1;
	return 0;
}

/* Report a test skipped for a reason, visibly. */
#define CB_SKIP(why)                                                                               \
	do {                                                                                       \
		printf("\n      skipped: %s ", (why));                                             \
		return;                                                                            \
	} while (0)

#endif
