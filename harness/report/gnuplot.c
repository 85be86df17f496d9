/*
 * gnuplot.c — running gnuplot for the run and sweep reports, and checking
 * what it wrote (see report.h): it never writes to the caller's terminal,
 * and a plot it cut short is never taken for a whole one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "report/gp.h"
#include "report/report.h"

extern char **environ;

/*
 * Run gnuplot on the script with its output going to `log_name` in the run
 * folder: the library must not write to the caller's terminal, and the log
 * is where a user looks when a plot is wrong.  Shared with the sweep
 * report, whose plots run the same way.
 */
int cb_gnuplot_run(const char *dir, const char *script, const char *only, const char *log_name,
		   const char *tag, const struct cb_logger *log, const atomic_int *stop)
{
	char qdir[PATH_MAX + 8], qonly[2 * 32 + 3] = "", expr[PATH_MAX + 128], logpath[PATH_MAX];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[5];
	pid_t pid;
	int err, status, stopped = 0;

	err = cb_gp_quote_path(qdir, sizeof(qdir), dir);
	if (!err && only)
		err = cb_gp_quote(qonly, sizeof(qonly), only);
	if (err)
		return err;
	snprintf(expr, sizeof(expr), "dir=%s; suffix='.tmp'%s%s", qdir, only ? "; only=" : "",
		 qonly);
	err = cb_path_join(logpath, sizeof(logpath), dir, log_name);
	if (err)
		return err;
	argv[0] = "gnuplot";
	argv[1] = "-e";
	argv[2] = expr;
	argv[3] = (char *)script;
	argv[4] = NULL;
	if (stop && atomic_load(stop))
		return CB_E_STOPPED;

	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return -err;
	err = posix_spawnattr_init(&attr);
	if (err) {
		posix_spawn_file_actions_destroy(&fa);
		return -err;
	}
	/*
	 * A process group of its own: a Ctrl-C at the terminal (or a signal to
	 * the program's group) must not kill gnuplot under a report that then
	 * calls itself complete.  The program's handler sets `stop`, and this
	 * ends gnuplot below; nothing else does.
	 */
	err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	if (!err)
		err = posix_spawnattr_setpgroup(&attr, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(
		    &fa, 1, logpath, O_WRONLY | O_CREAT | (only ? O_APPEND : O_TRUNC), 0644);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (err) {
		err = -err;
		goto out_destroy_fa;
	}
	err = posix_spawnp(&pid, "gnuplot", &fa, &attr, argv, environ);
	if (err) {
		cb_log(log, CB_LOG_WARN, tag, "cannot run gnuplot (%s)%s", strerror(err),
		       err == ENOENT ? ": install gnuplot (gnuplot-nox) for plots" : "");
		err = err == ENOENT ? CB_E_NOTFOUND : CB_E_EXTERNAL;
		goto out_destroy_fa;
	}
	/*
	 * A stop asked for while gnuplot runs ends it rather than waiting for
	 * it: the caller is abandoning the report, and a gnuplot left running
	 * would go on writing into the folder.  The wait is never given up, so
	 * no gnuplot outlives this call.
	 */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			goto out_destroy_fa;
		}
		if (stop && atomic_load(stop) && !stopped) {
			kill(pid, SIGTERM);
			stopped = 1;
		}
	}
	if (stopped || (stop && atomic_load(stop))) {
		err = CB_E_STOPPED;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cb_log(log, CB_LOG_WARN, tag, "gnuplot failed%s%s (status %d); see %s",
		       only ? " on the plot " : "", only ? only : "", status, logpath);
		err = CB_E_EXTERNAL;
	}
out_destroy_fa:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return err;
}

/*
 * Did gnuplot finish writing `path`?  It does not check its writes: on a
 * full disk it leaves an empty or cut-short file and still exits 0.  A
 * whole PNG ends with its IEND chunk, a whole SVG with its closing tag.
 */
int cb_gnuplot_output_whole(const char *path, const char *ext)
{
	static const uint8_t iend[8] = {'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
	uint8_t tail[64];
	struct stat st;
	size_t n, k;
	FILE *f;

	if (stat(path, &st) < 0 || st.st_size < (off_t)sizeof(iend))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return 0;
	k = st.st_size < (off_t)sizeof(tail) ? (size_t)st.st_size : sizeof(tail);
	n = fseeko(f, -(off_t)k, SEEK_END) == 0 ? fread(tail, 1, k, f) : 0;
	fclose(f);
	if (n != k)
		return 0;
	if (!strcmp(ext, "png"))
		return memcmp(tail + n - sizeof(iend), iend, sizeof(iend)) == 0;
	while (n && (tail[n - 1] == '\n' || tail[n - 1] == '\r' || tail[n - 1] == ' '))
		n--;
	return n >= 6 && memcmp(tail + n - 6, "</svg>", 6) == 0;
}
