/*
 * faults.h — what the fault suites (test_faults*.c) share: a scratch folder
 * per test with an --out folder inside it, the program's argument list for
 * a short run, the checks after a run that a signal stopped, and the seed
 * every random choice comes from (printed with each failure).
 */
#ifndef CB_TEST_FAULTS_H
#define CB_TEST_FAULTS_H

#include <stdint.h>
#include <stdio.h>

#include <CUnit/CUnit.h>

struct cb_child;

/* The seed of every random choice of the fault suites; CB_TEST_SEED sets it. */
extern uint64_t cb_faults_seed;
void cb_faults_seed_init(void);

/* A check that says why it failed, with the seed that repeats the run;
 * `cond` is evaluated once (it may wait, or change something). */
#define FX_EXPECT(cond, ...)                                                                       \
	do {                                                                                       \
		int fx_ok_ = !!(cond);                                                             \
		if (!fx_ok_) {                                                                     \
			printf("\n      [CB_TEST_SEED=%llu] ",                                     \
			       (unsigned long long)cb_faults_seed);                                \
			printf(__VA_ARGS__);                                                       \
		}                                                                                  \
		CU_assertImplementation(fx_ok_ ? CU_TRUE : CU_FALSE, __LINE__, #cond, __FILE__,    \
					"", CU_FALSE);                                             \
	} while (0)

/* The line the program logs as the call starts (--log-level info). */
#define CB_CALL_LINE "info: call: "

struct cb_fx {
	char prog[512]; /* build/callbench */
	char root[256]; /* scratch: logs, a fake gnuplot, mount points */
	char out[300];	/* root/out: only the program writes here */
};

/* Make the scratch folder /tmp/cb-<name>.XXXXXX and its out/; -1 if the
 * program is not built or the folder cannot be made. */
int cb_fx_open(struct cb_fx *f, const char *name);
/* Remove the scratch folder and everything in it. */
void cb_fx_close(struct cb_fx *f);
/* A whole simulated run `id` (0.5 s of media) into f->out, so that
 * `latest` exists; its exit code.  `report_s` (may be NULL) gets how long
 * its report took, from the run folder's appearance to the exit. */
int cb_fx_prior_run(const struct cb_fx *f, const char *id, double *report_s);

#define CB_MAX_ARGS 48
struct cb_args {
	char *v[CB_MAX_ARGS]; /* NULL-terminated; the strings are the caller's */
	int n;
};
/* `callbench run --clock CLOCK --duration D --size 320x240 --out OUT (f->out
 * when NULL) --run-id ID --quiet --log-level info`. */
void cb_args_run(struct cb_args *a, const struct cb_fx *f, const char *out, const char *id,
		 const char *clock, const char *duration);
void cb_args_add(struct cb_args *a, const char *s);

const char *cb_sig_name(int sig);

/*
 * After run `id` (child `c`, reaped) was stopped by a signal: no *.tmp in
 * f->out and `latest` valid; with summary.json the folder passes
 * report_check and `latest` names it, "interrupted" with exit 130 (and
 * "complete" only when `must_interrupt` is 0); without summary.json (only
 * when `must_interrupt` is 0) the program exited 130 saying it abandoned
 * the report, and `latest` does not name it.  `what` describes the run in
 * failures.  Returns 'i' (interrupted report), 'c' (complete), 'a'
 * (abandoned) or 0.
 */
int cb_check_stopped(const struct cb_fx *f, const char *id, struct cb_child *c, int must_interrupt,
		     const char *what);

#endif
