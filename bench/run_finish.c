/*
 * run_finish.c — what a program does with a call's result (callbench run,
 * callbench peer): evaluate the limits, write the report folder, print the
 * summary (and summary.json with --json), write JUnit, and say with the
 * exit status how it went.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "checks.h"
#include "report/junit.h"
#include "report/report.h"
#include "run_options.h"
#include "summary.h"

#define EXIT_INTERRUPTED 130

/*
 * What a CI job reads: 0 complete, measured and within every limit; 1 a
 * limit breached, nothing measured, the run failed or its report could not
 * be written; 130 interrupted (the partial report is written).
 */
static int run_exit_status(const char *prog, const struct cb_run_result *res, int report_failed)
{
	const struct cb_media_result *w = cb_run_worst_media(res);

	fflush(stdout); /* the summary before the reason, also through a pipe */
	if (report_failed || res->status == CB_RUN_FAILED)
		return 1;
	if (res->status == CB_RUN_INTERRUPTED)
		return EXIT_INTERRUPTED;
	/* A peer that only sent measured nothing, by design: its status says it. */
	if (!strcmp(res->half, "sender"))
		return 0;
	if (!w || w->verdict == CB_BAND_NONE) {
		fprintf(stderr, "%s: nothing was measured (verdict none): exit 1\n", prog);
		return 1;
	}
	if (res->gates && res->gates->breached) {
		fprintf(stderr, "%s: %zu limit%s breached: exit 1\n", prog, res->gates->breached,
			res->gates->breached == 1 ? "" : "s");
		return 1;
	}
	return 0;
}

/* The run as JUnit: did it complete, was it measured, and every limit. */
static int run_write_junit(const char *prog, const char *path, const struct cb_run_result *res)
{
	struct run_checks k;
	struct cb_junit_suite s;
	char suite[96];

	snprintf(suite, sizeof(suite), "%s %s", prog, res->run_id);
	run_checks_make(&k, res, suite);
	s = run_checks_suite(&k);
	return cb_junit_write(path, prog, &s, 1);
}

int run_finish(const char *prog, struct run_opts *o, struct cb_run_result *res,
	       const struct cb_logger *log, const atomic_int *report_stop)
{
	char dir[512] = "";
	int rc, exit_rc;

	if (run_gates_eval(o, res) < 0) {
		fprintf(stderr, "%s: evaluating the limits: out of memory\n", prog);
		cb_run_result_free(res);
		return 1;
	}
	rc = cb_report_write(res, log, report_stop, dir, sizeof(dir));
	if (rc == CB_E_STOPPED) {
		fprintf(stderr,
			"%s: interrupted while writing the report: %s/%s is left without "
			"summary.json (not a finished run)\n",
			prog, o->call.out_dir[0] ? o->call.out_dir : "results", res->run_id);
		dir[0] = 0;
	} else if (rc < 0) {
		fprintf(stderr,
			"%s: writing the report into %s/%s failed: %s (the folder is left without "
			"summary.json)\n",
			prog, o->call.out_dir[0] ? o->call.out_dir : "results", res->run_id,
			cb_strerror(rc));
		dir[0] = 0;
	}
	print_run_summary(o->json ? stderr : stdout, res, dir);
	if (o->json) {
		char *text = cb_report_summary_text(res);

		if (text) {
			fputs(text, stdout);
			fputc('\n', stdout);
			free(text);
		}
	}
	exit_rc = rc == CB_E_STOPPED ? EXIT_INTERRUPTED : run_exit_status(prog, res, rc < 0);
	if (o->junit[0] && rc != CB_E_STOPPED) {
		int jr = run_write_junit(prog, o->junit, res);

		if (jr < 0) {
			fprintf(stderr, "%s: --junit %s: %s\n", prog, o->junit, cb_strerror(jr));
			exit_rc = exit_rc ? exit_rc : 1;
		}
	}
	cb_run_result_free(res);
	return exit_rc;
}
