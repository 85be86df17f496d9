#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "report/report.h"

/*
 * Write everything or fail: write() may write less than asked (signals, full
 * disks report late), so loop until done.
 */
static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * The directory entry made by rename() is only durable once the directory
 * itself is synced; a failure here is not worth failing the write for, since
 * the file's own contents are already on disk.
 */
static void sync_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * The temporary name is in the same folder, so rename() is atomic (same
 * file system), and ends in ".tmp" so a leftover from a crash is easy to
 * recognise and clean.  The descriptor, or a negative errno (no file left).
 */
static int open_tmp(const char *path, char *tmp, size_t room)
{
	int fd, err;

	if (snprintf(tmp, room, "%s.XXXXXX.tmp", path) >= (int)room)
		return -ENAMETOOLONG;
	fd = mkostemps(tmp, 4, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* mkstemp makes the file 0600; reports are meant to be shared. */
	if (fchmod(fd, 0644) < 0) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	return fd;
}

int cb_write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (!path || !*path || (!data && len))
		return -EINVAL;
	fd = open_tmp(path, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	err = write_all(fd, data, len);
	if (err)
		goto out_unlink;
	if (fsync(fd) < 0) {
		err = -errno;
		goto out_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = -errno;
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err = -errno;
		goto out_unlink;
	}
	sync_parent(path);
	return 0;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}

/*
 * The small files (summaries, sweep tables, JUnit) are built in a memory
 * stream and written in one piece.  The stream only fills in *buf and *len when it is closed, hence
 * the pointers.
 */
int cb_memstream_commit(FILE *f, char **buf, size_t *len, const char *path)
{
	int err = ferror(f) ? -ENOMEM : 0;

	if (fclose(f) && !err)
		err = -ENOMEM;
	if (!err)
		err = cb_write_file_atomic(path, *buf, *len);
	free(*buf);
	*buf = NULL;
	return err;
}

int cb_out_open(struct cb_out *o, const char *path)
{
	int fd, err;

	if (!o)
		return -EINVAL;
	o->f = NULL;
	o->tmp[0] = 0;
	if (!path || !*path)
		return -EINVAL;
	if (snprintf(o->path, sizeof(o->path), "%s", path) >= (int)sizeof(o->path))
		return -ENAMETOOLONG;
	fd = open_tmp(path, o->tmp, sizeof(o->tmp));
	if (fd < 0) {
		o->tmp[0] = 0;
		return fd;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		err = -errno;
		close(fd);
		unlink(o->tmp);
		o->tmp[0] = 0;
		return err;
	}
	return 0;
}

void cb_out_discard(struct cb_out *o)
{
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = 0;
}

/*
 * A full disk shows at the write that failed, which stdio only remembers as
 * an error flag; the flush says it again with its errno, and fsync and
 * close catch what the page cache had not written yet.
 */
int cb_out_commit(struct cb_out *o)
{
	int err = 0, fd;

	if (!o || !o->f)
		return -EINVAL;
	if (fflush(o->f) != 0)
		err = errno ? -errno : -EIO;
	else if (ferror(o->f))
		err = -EIO;
	fd = fileno(o->f);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (fclose(o->f) != 0 && !err)
		err = -errno;
	o->f = NULL;
	if (!err && rename(o->tmp, o->path) < 0)
		err = -errno;
	if (err) {
		unlink(o->tmp);
		o->tmp[0] = 0;
		return err;
	}
	o->tmp[0] = 0;
	sync_parent(o->path);
	return 0;
}

int cb_path_join(char *out, size_t room, const char *dir, const char *name)
{
	int n = snprintf(out, room, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= room ? -ENAMETOOLONG : 0;
}

int cb_mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t len;
	struct stat st;

	len = strlen(dir);
	if (len == 0 || len >= sizeof(buf))
		return len ? -ENAMETOOLONG : -EINVAL;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (stat(buf, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/*
 * A "latest" link must always exist and always name a whole result, so it
 * is never removed and re-made: the new link is made beside it and renamed
 * over it.  The temporary name starts with a dot and carries the pid so two
 * writers in one folder do not collide.
 */
int cb_symlink_replace(const char *dir, const char *link, const char *target)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, link);
	if (n < 0 || n >= (int)sizeof(path))
		return -ENAMETOOLONG;
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, link, (long)getpid());
	if (n < 0 || n >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, path) < 0) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

int cb_run_id_check(const char *id, char *why, size_t len)
{
	size_t n = id ? strlen(id) : 0;

	if (!n)
		return snprintf(why, len, "a run id cannot be empty"), -EINVAL;
	if (n > 63)
		return snprintf(why, len, "a run id is at most 63 characters"), -EINVAL;
	if (!isalnum((unsigned char)id[0]))
		return snprintf(why, len, "a run id starts with a letter or a digit"), -EINVAL;
	if (!strcmp(id, "latest"))
		return snprintf(why, len, "\"latest\" is the link to the newest run"), -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '+' && c != '-')
			return snprintf(
				   why, len,
				   "a run id is letters, digits and . _ + - only (character %zu "
				   "is not)",
				   i + 1),
			       -EINVAL;
	}
	return 0;
}

/* Asked to stop: the report is abandoned before its next file. */
static int stopping(const atomic_int *stop)
{
	return stop && atomic_load(stop);
}

int cb_report_write(struct cb_run_result *res, const struct cb_logger *log, const atomic_int *stop,
		    char *dir_out, size_t dir_len)
{
	static const struct {
		const char *file;
		int (*fn)(const struct cb_run_result *res, const char *path);
	} writers[] = {
	    {"frames.csv", cb_report_frames_csv},
	    {"packets.csv", cb_report_packets_csv},
	};
	const char *out_dir;
	/* Room for the longest file name after the folder, so no path is cut. */
	char dir[PATH_MAX - 64], path[PATH_MAX];
	char why[128];
	int err, n;

	if (!res || (dir_out && !dir_len))
		return -EINVAL;
	out_dir = res->cfg.out_dir[0] ? res->cfg.out_dir : "results";
	if (cb_run_id_check(res->run_id, why, sizeof(why)) < 0) {
		cb_log(log, CB_LOG_ERROR, "report", "the run id cannot name a folder: %s", why);
		return -EINVAL;
	}
	n = snprintf(dir, sizeof(dir), "%s/%s", out_dir, res->run_id);
	if (n < 0 || n >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (dir_out && (size_t)n >= dir_len)
		return -ENAMETOOLONG;

	if (stopping(stop))
		goto out_stopped;
	err = cb_mkdir_p(dir);
	if (err) {
		cb_log(log, CB_LOG_ERROR, "report", "cannot make %s: %s", dir, cb_strerror(err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if (unlink(path) < 0 && errno != ENOENT) {
		err = -errno;
		cb_log(log, CB_LOG_ERROR, "report", "cannot replace %s: %s", path,
		       cb_strerror(err));
		return err;
	}
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		if (stopping(stop))
			goto out_stopped;
		snprintf(path, sizeof(path), "%s/%s", dir, writers[i].file);
		err = writers[i].fn(res, path);
		if (err) {
			cb_log(log, CB_LOG_ERROR, "report", "cannot write %s: %s", path,
			       cb_strerror(err));
			return err;
		}
	}
	/* The descriptions the two ends exchanged, as they crossed. */
	for (int i = 0; i < 2; i++) {
		const char *text = i ? res->negotiated.answer : res->negotiated.offer;

		if (!text)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, i ? "answer.sdp" : "offer.sdp");
		err = cb_write_file_atomic(path, text, strlen(text));
		if (err) {
			cb_log(log, CB_LOG_ERROR, "report", "cannot write %s: %s", path,
			       cb_strerror(err));
			return err;
		}
	}
	/*
	 * Plots are a convenience: without gnuplot the numbers are all still in
	 * the other files, so a plot failure is logged, noted in report.md and
	 * report.html and listed in summary.json rather than failing the run.
	 */
	if (stopping(stop))
		goto out_stopped;
	err = cb_report_plots(res, dir, log, stop, &res->plots_made, &res->plots_failed);
	if (err == CB_E_STOPPED || stopping(stop))
		goto out_stopped;
	if (err)
		cb_log(log, CB_LOG_WARN, "report", "no plots for %s: %s", dir,
		       err == CB_E_NOTFOUND ? "gnuplot is not installed" : cb_strerror(err));
	snprintf(path, sizeof(path), "%s/report.md", dir);
	err = cb_report_markdown(res, path);
	if (err) {
		cb_log(log, CB_LOG_ERROR, "report", "cannot write %s: %s", path, cb_strerror(err));
		return err;
	}
	if (stopping(stop))
		goto out_stopped;
	/* After the plots: the page inlines the SVGs they left in the folder. */
	err = cb_report_html(res, dir);
	if (err) {
		cb_log(log, CB_LOG_ERROR, "report", "cannot write %s/report.html: %s", dir,
		       cb_strerror(err));
		return err;
	}
	/*
	 * summary.json goes last: a run killed while writing its report must
	 * not leave a summary that says "complete" beside a missing report.md
	 * or report.html.  A folder without summary.json is not a finished run
	 * (compare and report refuse it).  Rewriting a folder removes the old
	 * summary first, for the same reason.
	 */
	if (stopping(stop))
		goto out_stopped;
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	err = cb_report_summary_json(res, path);
	if (err) {
		cb_log(log, CB_LOG_ERROR, "report", "cannot write %s: %s", path, cb_strerror(err));
		return err;
	}
	/*
	 * The link is relative (just the run id) so the results folder can be
	 * moved or copied as a whole.
	 */
	err = cb_symlink_replace(out_dir, "latest", res->run_id);
	if (err) {
		cb_log(log, CB_LOG_ERROR, "report", "cannot point %s/latest at %s: %s", out_dir,
		       res->run_id, cb_strerror(err));
		return err;
	}
	if (dir_out)
		snprintf(dir_out, dir_len, "%s", dir);
	cb_log(log, CB_LOG_INFO, "report", "wrote %s", dir);
	return 0;

out_stopped:
	cb_log(log, CB_LOG_WARN, "report", "stopped before %s was finished: no summary.json", dir);
	return CB_E_STOPPED;
}

int cb_results_follow_latest(const char *arg, char *out, size_t len)
{
	char p[PATH_MAX], link[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!arg || !out || !len)
		return -EINVAL;
	if (stat(arg, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		goto as_is;
	if (cb_path_join(p, sizeof(p), arg, "summary.json") == 0 && stat(p, &st) == 0)
		goto as_is;
	if (cb_path_join(p, sizeof(p), arg, "sweep.json") == 0 && stat(p, &st) == 0)
		goto as_is;
	if (cb_path_join(p, sizeof(p), arg, "latest") < 0)
		return -ENAMETOOLONG;
	n = readlink(p, link, sizeof(link) - 1);
	if (n <= 0)
		return -ENOENT;
	link[n] = 0;
	/* The link is relative to the folder (report.c writes just the id). */
	if (link[0] == '/')
		return snprintf(out, len, "%s", link) >= (int)len ? -ENAMETOOLONG : 0;
	return snprintf(out, len, "%s/%s", arg, link) >= (int)len ? -ENAMETOOLONG : 0;
as_is:
	return snprintf(out, len, "%s", arg) >= (int)len ? -ENAMETOOLONG : 0;
}
