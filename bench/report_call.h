/*
 * report_call.h — `callbench report A B` when A and B are the two halves
 * of one call between peers (report_call.c).
 */
#ifndef CB_BENCH_REPORT_CALL_H
#define CB_BENCH_REPORT_CALL_H

/** 1 when `path` (a run folder or its summary.json) is one peer's half. */
int report_is_half(const char *path);

/** Merge the halves into `out` (NULL or "": beside A); an exit status. */
int report_call(const char *a, const char *b, const char *out);

#endif
