/*
 * summary.h — the run's summary at the terminal: the call's verdict and
 * what decided it first, then each media, the recovery, the limits, and
 * the report's path last.  Figures that were not measured print as "–",
 * never "nan".
 */
#ifndef CB_BENCH_SUMMARY_H
#define CB_BENCH_SUMMARY_H

#include <stdio.h>

#include "call/call.h"

/** `report_dir`: the run folder ("" if the report could not be written). */
void print_run_summary(FILE *out, const struct cb_run_result *res, const char *report_dir);

#endif
