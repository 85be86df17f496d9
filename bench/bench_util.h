/*
 * bench_util.h — what the benchmarks of `callbench bench` share: the
 * table of benchmarks, starting and ending the programs they hold callbench
 * against, their timestamped result folder, and JSON numbers.
 */
#ifndef CB_BENCH_UTIL_H
#define CB_BENCH_UTIL_H

#include <limits.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <jansson.h>

#include "base/clock.h"

/** The benchmarks: `callbench bench NAME [options]`; each returns the exit status. */
int cb_bench_transport(int argc, char **argv);
int cb_bench_call(int argc, char **argv);

/**
 * Start `argv` (found on PATH) with stdin from /dev/null, stdout to
 * `out_fd` and stderr to `err_fd`.  The child gets SIGTERM when the bench
 * dies, so nothing it started outlives it.  The pid, or a negative errno.
 */
pid_t bench_spawn(char *const argv[], int out_fd, int err_fd);

/**
 * Wait up to `seconds` for `pid` to exit: 0 with its wait status in
 * `*status` and its resource use (itself and the children it waited for)
 * in `*ru` (either may be NULL), CB_E_TIMEOUT if it is still running.
 */
int bench_wait(pid_t pid, double seconds, int *status, struct rusage *ru);

/** End a child we started: SIGTERM, then SIGKILL if it lingers a second. */
void bench_reap(pid_t pid, struct rusage *ru);

/**
 * Read from `fd` into buf (NUL-terminated, at most cap - 1 bytes) until
 * EOF, a full buffer, `deadline`, or with `line` set the first newline.
 * The length read, or CB_E_TIMEOUT when the deadline came first.
 */
int bench_read(int fd, char *buf, size_t cap, cb_ns deadline, const struct cb_clock *clk, int line);

/** A number, or null for NaN and infinities. */
json_t *bench_num(double x);

/** {cpus, kernel} of this machine. */
json_t *bench_host_json(void);

/** A benchmark's result folder: <out>/<kind>-<UTC time>. */
struct bench_folder {
	char out[256];
	char name[64];	    /* <kind>-YYYYmmdd-HHMMSS */
	char dir[PATH_MAX]; /* <out>/<name> */
	char created[32];   /* ISO 8601, UTC */
	char latest[80];    /* <kind>-latest */
};

/**
 * Make the folder (and `out` if need be).  0, or the exit status to end
 * with, the reason said on stderr after `prog`: 2 (usage) for a path too
 * long, 1 when the folder cannot be made.
 */
int bench_folder_make(struct bench_folder *f, const char *prog, const char *out, const char *kind);

/** Point <out>/<kind>-latest at the folder; a failure is said on stderr. */
void bench_folder_latest(const struct bench_folder *f, const char *prog);

/** Write `root` as indented JSON to `path` through a temporary name: 0 or a negative error. */
int bench_json_write(const json_t *root, const char *path);

/** The folder of the running program (/proc/self/exe), "" if unknown. */
void bench_self_dir(char *out, size_t room);

#endif
