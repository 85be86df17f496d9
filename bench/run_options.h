/*
 * run_options.h — the option table of `callbench run`, shared with the
 * commands that build run settings too (`callbench sweep` applies its axis
 * values through it, so any run option can be an axis).
 */
#ifndef CB_BENCH_RUN_OPTIONS_H
#define CB_BENCH_RUN_OPTIONS_H

#include "call/call.h"
#include "options.h"

/** What `callbench run` parses into: the call's settings and the program's own. */
struct run_opts {
	struct cb_call_cfg call;
	int quiet;
};

/** The run options, NULL-terminated (defined in callbench.c). */
extern const struct opt run_options[];

#endif
