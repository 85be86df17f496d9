/*
 * checks.h — what a run is held to, as test cases for JUnit: it completed,
 * it measured something, and every limit of --fail-on/--max/--min.  The
 * cases own their text, so they outlive the run's result (a sweep keeps one
 * set per cell).
 */
#ifndef CB_BENCH_CHECKS_H
#define CB_BENCH_CHECKS_H

#include "call/call.h"
#include "report/gate.h"
#include "report/junit.h"

#define RUN_CHECKS_MAX (2 + CB_GATE_MAX)

struct run_checks {
	char suite[160];
	char run_id[64], status[16], band[16];
	const char *props[3][2];
	struct cb_junit_case c[RUN_CHECKS_MAX];
	char name[RUN_CHECKS_MAX][100];
	char msg[RUN_CHECKS_MAX][320];
	char detail[RUN_CHECKS_MAX][640];
	size_t n, failed;
	double wall_s;
};

/** The checks of `res` (its gates, if attached, already evaluated). */
void run_checks_make(struct run_checks *k, const struct cb_run_result *res, const char *suite);
/** As a JUnit suite (pointing into `k`). */
struct cb_junit_suite run_checks_suite(const struct run_checks *k);

#endif
