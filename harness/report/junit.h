/*
 * junit.h — JUnit XML as CI parsers read it (Jenkins, GitLab, GitHub
 * test-report actions): <testsuites> of <testsuite name tests failures
 * errors skipped time>, each <testcase classname name time>, and for a case
 * that did not pass a <failure> (a check that failed) or <error> (the check
 * could not run: bad input, a run that failed) element with a `message`
 * attribute and the detail as its text.
 */
#ifndef CB_REPORT_JUNIT_H
#define CB_REPORT_JUNIT_H

#include <stddef.h>

enum cb_junit_outcome { CB_JUNIT_PASS = 0, CB_JUNIT_FAILURE, CB_JUNIT_ERROR, CB_JUNIT_SKIPPED };

struct cb_junit_case {
	const char *classname, *name;
	double time_s; /**< NaN: written as 0 */
	enum cb_junit_outcome outcome;
	const char *type;    /**< failure/error type, e.g. "regression", "gate"; NULL: none */
	const char *message; /**< one line; NULL: the name */
	const char *detail;  /**< the element's text; NULL: none */
};

struct cb_junit_suite {
	const char *name;
	double time_s;
	const struct cb_junit_case *cases;
	size_t n;
	const char *const (*props)[2]; /**< {name, value} pairs, n_props of them */
	size_t n_props;
};

/** Write `n` suites under <testsuites name=`name`> to `path` (atomically).
 * 0, -EINVAL, -ENOMEM or the write's error. */
int cb_junit_write(const char *path, const char *name, const struct cb_junit_suite *suites,
		   size_t n);

#endif
