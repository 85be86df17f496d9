/*
 * bench_util.c — see bench_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "bench_util.h"
#include "report/report.h"

pid_t bench_spawn(char *const argv[], int out_fd, int err_fd)
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid < 0 ? -errno : pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, 0);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	execvp(argv[0], argv);
	_exit(127);
}

int bench_wait(pid_t pid, double seconds, int *status, struct rusage *ru)
{
	struct cb_clock clk;
	cb_ns deadline;
	int st;

	cb_clock_real_init(&clk);
	deadline = cb_clock_now(&clk) + (cb_ns)(seconds * 1e9);
	for (;;) {
		pid_t w = wait4(pid, &st, WNOHANG, ru);

		if (w == pid) {
			if (status)
				*status = st;
			return 0;
		}
		if (w < 0 && errno != EINTR)
			return -errno;
		if (cb_clock_now(&clk) > deadline)
			return CB_E_TIMEOUT;
		usleep(5000);
	}
}

void bench_reap(pid_t pid, struct rusage *ru)
{
	kill(pid, SIGTERM);
	if (bench_wait(pid, 1.0, NULL, ru) == 0)
		return;
	kill(pid, SIGKILL);
	wait4(pid, NULL, 0, ru);
}

int bench_read(int fd, char *buf, size_t cap, cb_ns deadline, const struct cb_clock *clk, int line)
{
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		cb_ns left = deadline - cb_clock_now(clk);
		ssize_t n;

		if (left <= 0)
			return CB_E_TIMEOUT;
		if (poll(&pfd, 1, (int)(left / CB_NS_PER_MS) + 1) <= 0)
			continue;
		/* A line is read a byte at a time, so nothing after it is taken. */
		n = read(fd, buf + len, line ? 1 : cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap - 1 || (line && buf[len - 1] == '\n'))
			break;
	}
	buf[len] = 0;
	return (int)len;
}

json_t *bench_num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

json_t *bench_host_json(void)
{
	struct utsname un;

	uname(&un);
	return json_pack("{s:I, s:s}", "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "kernel",
			 un.release);
}

int bench_folder_make(struct bench_folder *f, const char *prog, const char *out, const char *kind)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	memset(f, 0, sizeof(*f));
	snprintf(f->out, sizeof(f->out), "%s", out);
	gmtime_r(&now, &tm);
	strftime(f->created, sizeof(f->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(f->name, sizeof(f->name), "%s-%s", kind, stamp);
	snprintf(f->latest, sizeof(f->latest), "%s-latest", kind);
	if (cb_path_join(f->dir, sizeof(f->dir), out, f->name) < 0) {
		fprintf(stderr, "%s: --out: path too long\n", prog);
		return 2;
	}
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog, out, strerror(errno));
		return 1;
	}
	/* A second bench in the same second gets -2, -3, ... */
	for (int k = 2; mkdir(f->dir, 0755) < 0; k++) {
		if (errno != EEXIST || k > 99) {
			fprintf(stderr, "%s: cannot create %s: %s\n", prog, f->dir,
				strerror(errno));
			return 1;
		}
		snprintf(f->name, sizeof(f->name), "%s-%s-%d", kind, stamp, k);
		if (cb_path_join(f->dir, sizeof(f->dir), out, f->name) < 0)
			return 1;
	}
	return 0;
}

void bench_folder_latest(const struct bench_folder *f, const char *prog)
{
	int err = cb_symlink_replace(f->out, f->latest, f->name);

	if (err < 0)
		fprintf(stderr, "%s: cannot point %s/%s: %s\n", prog, f->out, f->latest,
			cb_strerror(err));
}

int bench_json_write(const json_t *root, const char *path)
{
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) : NULL;
	int err;

	if (!text)
		return -ENOMEM;
	err = cb_write_file_atomic(path, text, strlen(text));
	free(text);
	return err;
}

void bench_self_dir(char *out, size_t room)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	out[0] = 0;
	if (n <= 0)
		return;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash) {
		*slash = 0;
		snprintf(out, room, "%s", exe);
	}
}
