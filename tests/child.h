/*
 * child.h — the built program as a child process, for the fault suites:
 * started with fork and exec in its own process group, stdout and stderr
 * going to files that the test polls, waited for with a deadline, and
 * always reaped (killed first if it must be).  Also a seeded generator and
 * checks on results folders that several fault tests share.
 */
#ifndef CB_TEST_CHILD_H
#define CB_TEST_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cb_child {
	pid_t pid; /* also the process group; 0 when none is running */
	int status;
	int exited; /* reaped: status is valid */
	char out_path[512], err_path[512];
};

/*
 * Start `argv` (argv[0] a path) with stdin from /dev/null and stdout/stderr
 * into `log_dir`/<tag>.out and .err.  `path_first` (may be NULL) goes in
 * front of PATH; `env_extra` (may be NULL) is one more NAME=VALUE.
 * 0 or -errno.
 */
int cb_child_start(struct cb_child *c, const char *log_dir, const char *tag, char *const argv[],
		   const char *path_first, const char *env_extra);
/*
 * The same, but the child waits before exec until a byte is written to
 * *gate (or it is closed: then it exits 125), so that the test can prepare
 * something that needs its pid.  The caller closes *gate.
 */
int cb_child_start_gated(struct cb_child *c, const char *log_dir, const char *tag,
			 char *const argv[], const char *path_first, const char *env_extra,
			 int *gate);
/* Wait for it to end, at most `timeout_s`: 0, or -ETIMEDOUT (it runs on). */
int cb_child_wait(struct cb_child *c, double timeout_s);
/*
 * End it with SIGKILL if it still runs, reap it, then kill what is left of
 * its process group (a gnuplot it started) and wait briefly for that too.
 * Safe to call twice and on a child that never started.
 */
void cb_child_reap(struct cb_child *c);
/* Exit code, 128 + signal when it was killed, -1 when not reaped. */
int cb_child_code(const struct cb_child *c);
/* Its stderr so far (free() it); never NULL. */
char *cb_child_stderr(const struct cb_child *c);
/*
 * Poll its stderr for `needle` until found (1), the child ended without it
 * (0) or `timeout_s` passed (0).
 */
int cb_child_wait_text(struct cb_child *c, const char *needle, double timeout_s);
/* Poll /proc/<pid>/status until the child catches `sig` (1) or not in time (0). */
int cb_child_wait_caught(struct cb_child *c, int sig, double timeout_s);
/*
 * Poll /proc/<pid>/status until `sig`, sent to the child, is no longer
 * pending (1: delivered), so that a second signal of the same kind is not
 * merged into the first; 0 if the child ended or time is up.
 */
int cb_child_wait_delivered(struct cb_child *c, int sig, double timeout_s);
/* Poll until `path` exists (1) or the child ended / time is up (0). */
int cb_child_wait_path(struct cb_child *c, const char *path, double timeout_s);

/* Monotonic seconds. */
double cb_now_s(void);
/* Sleep `s` seconds (for spacing signals, never for waiting on a result). */
void cb_sleep_s(double s);

/* A seeded generator (xorshift64*): the seed is printed by the tests. */
uint64_t cb_test_rand(uint64_t *state);
/* Uniform in [lo, hi). */
double cb_test_uniform(uint64_t *state, double lo, double hi);
/* A seed from the environment (CB_TEST_SEED) or the clock. */
uint64_t cb_test_seed(void);

/* Files or links whose name ends in ".tmp" anywhere under `dir`, names
 * (first few) into `first` (room bytes). */
int cb_count_tmp(const char *dir, char *first, size_t room);
/* "interrupted", "complete", ... from `dir`/summary.json into `out`; 0, or -1 if none. */
int cb_summary_status(const char *dir, char *out, size_t room);
/* Does `path` exist (as anything, links not followed)? */
int cb_exists(const char *path);
/*
 * `out`/latest is absent, or a relative link to a folder of `out` that
 * holds a summary.json and report.md/html; `target` (room bytes, may be
 * NULL) gets its target ("" when absent).  1 valid, 0 not.
 */
int cb_latest_valid(const char *out, char *target, size_t room);

#endif
