/* The fault suites' child processes and folder checks (child.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "child.h"
#include "report_check.h"

extern char **environ;

double cb_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cb_sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t cb_test_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

double cb_test_uniform(uint64_t *state, double lo, double hi)
{
	return lo + (hi - lo) * (double)(cb_test_rand(state) >> 11) / (double)(1ULL << 53);
}

uint64_t cb_test_seed(void)
{
	const char *s = getenv("CB_TEST_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
}

/* environ with PATH prefixed and one variable added, in `buf`'s slots. */
static char **child_env(const char *path_first, const char *env_extra, char *path_var,
			size_t path_room)
{
	size_t n = 0, k = 0;
	char **env;
	const char *old = getenv("PATH");

	while (environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!path_first || strncmp(environ[i], "PATH=", 5) != 0)
			env[k++] = environ[i];
	if (path_first) {
		snprintf(path_var, path_room, "PATH=%s:%s", path_first,
			 old ? old : "/usr/bin:/bin");
		env[k++] = path_var;
	}
	if (env_extra)
		env[k++] = (char *)env_extra;
	env[k] = NULL;
	return env;
}

int cb_child_start_gated(struct cb_child *c, const char *log_dir, const char *tag,
			 char *const argv[], const char *path_first, const char *env_extra,
			 int *gate)
{
	char path_var[4096];
	char **env;
	int gp[2] = {-1, -1};
	pid_t pid;

	memset(c, 0, sizeof(*c));
	snprintf(c->out_path, sizeof(c->out_path), "%s/%s.out", log_dir, tag);
	snprintf(c->err_path, sizeof(c->err_path), "%s/%s.err", log_dir, tag);
	env = child_env(path_first, env_extra, path_var, sizeof(path_var));
	if (!env)
		return -ENOMEM;
	if (gate && pipe2(gp, O_CLOEXEC) < 0) {
		free(env);
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		free(env);
		if (gate) {
			close(gp[0]);
			close(gp[1]);
		}
		return err;
	}
	if (pid == 0) {
		/* Its own group, so whatever it starts can be found and ended;
		 * the signals it is sent start with their default actions. */
		sigset_t none;
		int in = open("/dev/null", O_RDONLY);
		int out = open(c->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(c->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		char go;

		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(125);
		if (gate) {
			close(gp[1]);
			if (read(gp[0], &go, 1) != 1)
				_exit(125);
		}
		execve(argv[0], argv, env);
		_exit(126);
	}
	/* Set it here too, so the group exists whichever runs first. */
	setpgid(pid, pid);
	free(env);
	c->pid = pid;
	if (gate) {
		close(gp[0]);
		*gate = gp[1];
	}
	return 0;
}

int cb_child_start(struct cb_child *c, const char *log_dir, const char *tag, char *const argv[],
		   const char *path_first, const char *env_extra)
{
	return cb_child_start_gated(c, log_dir, tag, argv, path_first, env_extra, NULL);
}

/* Reap it if it has ended; 1 when it has. */
static int child_poll(struct cb_child *c)
{
	int st;
	pid_t r;

	if (c->exited || !c->pid)
		return 1;
	r = waitpid(c->pid, &st, WNOHANG);
	if (r == c->pid) {
		c->status = st;
		c->exited = 1;
		return 1;
	}
	return r < 0 && errno == ECHILD;
}

int cb_child_wait(struct cb_child *c, double timeout_s)
{
	double end = cb_now_s() + timeout_s;

	while (!child_poll(c)) {
		if (cb_now_s() > end)
			return -ETIMEDOUT;
		cb_sleep_s(0.002);
	}
	return 0;
}

void cb_child_reap(struct cb_child *c)
{
	if (!c->pid)
		return;
	if (!child_poll(c)) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
		c->exited = 1;
	}
	/* What it started (gnuplot) is in its group and may outlive it: end it
	 * too, and give the kernel a moment to take it away (its parent is now
	 * init, which reaps it). */
	if (kill(-c->pid, SIGKILL) == 0) {
		double end = cb_now_s() + 2;

		while (kill(-c->pid, 0) == 0 && cb_now_s() < end)
			cb_sleep_s(0.005);
	}
	c->pid = 0;
}

int cb_child_code(const struct cb_child *c)
{
	if (!c->exited)
		return -1;
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return -1;
}

char *cb_child_stderr(const struct cb_child *c)
{
	char *s = cb_slurp(c->err_path, NULL);

	return s ? s : strdup("");
}

int cb_child_wait_text(struct cb_child *c, const char *needle, double timeout_s)
{
	double end = cb_now_s() + timeout_s;

	for (;;) {
		/* Read before looking at the child, so text written just before
		 * it ended is still seen. */
		int done = child_poll(c);
		char *s = cb_slurp(c->err_path, NULL);
		int found = s && strstr(s, needle);

		free(s);
		if (found)
			return 1;
		if (done || cb_now_s() > end)
			return 0;
		cb_sleep_s(0.002);
	}
}

int cb_child_wait_caught(struct cb_child *c, int sig, double timeout_s)
{
	double end = cb_now_s() + timeout_s;
	char path[64], line[256];

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)c->pid);
	while (!child_poll(c) && cb_now_s() < end) {
		FILE *f = fopen(path, "r");
		int caught = 0;

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "SigCgt:", 7))
				caught = (strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1;
		if (f)
			fclose(f);
		if (caught)
			return 1;
		cb_sleep_s(0.001);
	}
	return 0;
}

int cb_child_wait_delivered(struct cb_child *c, int sig, double timeout_s)
{
	double end = cb_now_s() + timeout_s;
	char path[64], line[256];

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)c->pid);
	while (!child_poll(c) && cb_now_s() < end) {
		FILE *f = fopen(path, "r");
		int pending = 0;

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "ShdPnd:", 7) || !strncmp(line, "SigPnd:", 7))
				pending |= (strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1;
		if (f)
			fclose(f);
		if (!pending)
			return 1;
		cb_sleep_s(0.0005);
	}
	return 0;
}

int cb_child_wait_path(struct cb_child *c, const char *path, double timeout_s)
{
	double end = cb_now_s() + timeout_s;

	for (;;) {
		int done = child_poll(c);

		if (cb_exists(path))
			return 1;
		if (done || cb_now_s() > end)
			return 0;
		cb_sleep_s(0.001);
	}
}

int cb_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void count_tmp_in(const char *dir, int *n, char *first, size_t room, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char sub[1024];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (len >= 4 && !strcmp(e->d_name + len - 4, ".tmp")) {
			size_t used = strlen(first);

			if (*n < 4 && used + 2 < room)
				snprintf(first + used, room - used, "%s%s", used ? " " : "", sub);
			(*n)++;
		}
		if (e->d_type == DT_DIR && depth < 4)
			count_tmp_in(sub, n, first, room, depth + 1);
	}
	closedir(d);
}

int cb_count_tmp(const char *dir, char *first, size_t room)
{
	int n = 0;

	first[0] = 0;
	count_tmp_in(dir, &n, first, room, 0);
	return n;
}

int cb_summary_status(const char *dir, char *out, size_t room)
{
	char path[1024];
	json_t *root;
	const char *s;

	out[0] = 0;
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	root = json_load_file(path, 0, NULL);
	if (!root)
		return -1;
	s = json_string_value(json_object_get(root, "status"));
	snprintf(out, room, "%s", s ? s : "");
	json_decref(root);
	return 0;
}

int cb_latest_valid(const char *out, char *target, size_t room)
{
	char link[1024], buf[512], p[1200];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/latest", out);
	if (target && room)
		target[0] = 0;
	if (!cb_exists(link))
		return 1;
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (target && room)
		snprintf(target, room, "%s", buf);
	if (buf[0] == '/' || strchr(buf, '/'))
		return 0;
	snprintf(p, sizeof(p), "%s/summary.json", link);
	if (!cb_exists(p))
		return 0;
	snprintf(p, sizeof(p), "%s/report.md", link);
	if (!cb_exists(p))
		return 0;
	snprintf(p, sizeof(p), "%s/report.html", link);
	return cb_exists(p);
}
