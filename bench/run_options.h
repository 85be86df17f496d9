/*
 * run_options.h — the option table of `callbench run`: the call's
 * settings table (call/settings.h) and the program's own options, shared
 * with the commands that take run options too (`callbench sweep`).
 */
#ifndef CB_BENCH_RUN_OPTIONS_H
#define CB_BENCH_RUN_OPTIONS_H

#include <stdatomic.h>

#include "call/call.h"
#include "call/settings.h"
#include "options.h"
#include "report/gate.h"

/** What `callbench run` parses into: the call's settings and the program's own. */
struct run_opts {
	struct cb_call_cfg call;
	int quiet;
	int log_level;	       /**< enum cb_log_level: messages up to it go to stderr */
	int json;	       /**< print summary.json on stdout, the summary on stderr */
	char junit[256];       /**< write JUnit here; "" = not asked */
	struct cb_gates gates; /**< --fail-on, --max, --min */
};

/**
 * The gates of `o` against `res`: check the paths name figures (on an
 * empty run of the same settings), evaluate them on the run's summary and
 * attach them to `res` for the report.  -EINVAL (a usage error: `why`
 * says which limit), -ENOMEM.
 */
int run_gates_check(struct run_opts *o, char *why, size_t len);
int run_gates_eval(struct run_opts *o, struct cb_run_result *res);

/**
 * After a call: the limits, the report folder, the summary on stdout
 * (stderr with --json, which prints summary.json), the
 * JUnit file; frees `res` and returns the exit status (0, 1, 130).
 * `prog` names the program in messages ("callbench run").
 */
int run_finish(const char *prog, struct run_opts *o, struct cb_run_result *res,
	       const struct cb_logger *log, const atomic_int *report_stop);

/** The defaults: the call's (cb_call_cfg_default) and the program's. */
void run_opts_default(struct run_opts *o);

/** The run options: the call's settings table, then the program's own
 * rows (defined in callbench.c). */
extern const struct cb_setting run_options[];

#endif
