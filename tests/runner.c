/*
 * The one CUnit runner.  Every tests/test_<name>.c defines
 * `int cb_suite_<name>(void)`, which adds its suite; the Makefile lists them
 * in suites.inc.  CB_TEST_FILTER="<name> ..." runs only those suites.
 * Exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "test_util.h"

#define SUITE(name) int cb_suite_##name(void);
#include "suites.inc"
#undef SUITE

struct suite_entry {
	const char *name;
	int (*add)(void);
};

static const struct suite_entry suites[] = {
#define SUITE(name) {#name, cb_suite_##name},
#include "suites.inc"
#undef SUITE
    {NULL, NULL},
};

/* Is `name` one of the suites of `filter` (separated by spaces or commas)? */
static int selected(const char *filter, const char *name)
{
	size_t n = strlen(name);

	if (!filter || !*filter)
		return 1;
	for (const char *p = filter; *p;) {
		size_t k = strcspn(p, " ,");

		if (k == n && !strncmp(p, name, n))
			return 1;
		p += k;
		p += strspn(p, " ,");
	}
	return 0;
}

int main(void)
{
	const char *filter = getenv("CB_TEST_FILTER");
	unsigned failed, run;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (const struct suite_entry *s = suites; s->name; s++) {
		if (!selected(filter, s->name))
			continue;
		if (s->add() != 0) {
			fprintf(stderr, "runner: could not register suite %s: %s\n", s->name,
				CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
	run = CU_get_number_of_tests_run();
	/* A skipped test returns without failing: CUnit counts it as passed,
	 * this line does not. */
	printf("\n%u passed, %u failed, %u skipped\n",
	       run - CU_get_number_of_tests_failed() - cb_test_skipped,
	       CU_get_number_of_tests_failed(), cb_test_skipped);
	CU_cleanup_registry();
	return failed ? 1 : (run ? 0 : 1);
}
