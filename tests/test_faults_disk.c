/*
 * Suite "faults_disk": a full disk and an unwritable folder.  A small
 * tmpfs (root only; skipped, counted, otherwise) fills up while the report
 * is written: the program names the file and the reason, exits 1, writes
 * no summary.json and leaves no temporary or cut-short file.  A read-only
 * folder (a read-only tmpfs as root, a chmod 0500 folder otherwise) is
 * refused before the call (exit 2, naming it); one that turns read-only
 * during the call (root) fails the report the same clear way.  Every
 * mount is undone, also when a check fails.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "child.h"
#include "faults.h"
#include "report_check.h"
#include "test_util.h"

/* Mount a tmpfs on `dir` (made here); 0, or -errno. */
static int tmpfs_mount(const char *dir, const char *opts, unsigned long flags)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return mount("tmpfs", dir, "tmpfs", flags, opts) < 0 ? -errno : 0;
}

static void tmpfs_unmount(const char *dir)
{
	/* Detached, so that even a file left open cannot keep it mounted. */
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static int ends_with(const char *buf, size_t len, const char *tail)
{
	size_t t = strlen(tail);

	return len >= t && memcmp(buf + len - t, tail, t) == 0;
}

/*
 * Is every file in `dir` whole?  Text ends with a newline, JSON parses, a
 * PNG ends with its IEND chunk, an SVG and the page with their closing
 * tags.  The first cut-short one into `bad`.
 */
static int all_whole(const char *dir, char *bad, size_t room)
{
	static const char iend[] = {'I', 'E', 'N', 'D', (char)0xae, 0x42, 0x60, (char)0x82};
	DIR *d = opendir(dir);
	struct dirent *e;
	int ok = 1;

	bad[0] = 0;
	if (!d)
		return 1;
	while (ok && (e = readdir(d))) {
		char path[1200];
		const char *ext = strrchr(e->d_name, '.');
		size_t len = 0;
		char *buf;

		if (e->d_type != DT_REG || !ext)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		buf = cb_slurp(path, &len);
		if (!buf)
			ok = 0;
		else if (!strcmp(ext, ".png"))
			ok = len >= 8 && memcmp(buf + len - 8, iend, 8) == 0;
		else if (!strcmp(ext, ".svg"))
			ok = strstr(buf, "</svg>") != NULL && ends_with(buf, len, "\n");
		else if (!strcmp(ext, ".html"))
			ok = ends_with(buf, len, "</html>\n");
		else if (!strcmp(ext, ".json")) {
			json_t *j = json_loads(buf, 0, NULL);

			ok = j != NULL;
			json_decref(j);
		} else if (!strcmp(ext, ".csv") || !strcmp(ext, ".dat") || !strcmp(ext, ".md") ||
			   !strcmp(ext, ".gp"))
			ok = len > 0 && buf[len - 1] == '\n';
		if (!ok)
			snprintf(bad, room, "%s (%zu bytes)", path, len);
		free(buf);
	}
	closedir(d);
	return ok;
}

/*
 * A run into a tmpfs of `size`: if it fails, it must say so naming the
 * mount's run folder and "No space left on device", exit 1, and leave no
 * summary.json; if the report fits (perhaps without its plots), it must be
 * whole.  Either way: no *.tmp, every file whole, `latest` valid.
 * Returns 1 when the run failed for the full disk.
 */
static int run_on_small_disk(const struct cb_fx *f, const char *size)
{
	char mnt[400], opts[32], dir[500], tmp[600], bad[1300], target[256], status[32];
	struct cb_args a;
	struct cb_child c;
	int rc, code, failed = 0;
	char *err;

	snprintf(mnt, sizeof(mnt), "%s/disk-%s", f->root, size);
	snprintf(opts, sizeof(opts), "size=%s", size);
	rc = tmpfs_mount(mnt, opts, 0);
	FX_EXPECT(rc == 0, "mount tmpfs %s: %s", opts, strerror(-rc));
	if (rc)
		return -1;
	snprintf(dir, sizeof(dir), "%s/r", mnt);
	cb_args_run(&a, f, mnt, "r", "sim", "0.5");
	if (cb_child_start(&c, f->root, size, a.v, NULL, NULL) == 0) {
		FX_EXPECT(cb_child_wait(&c, 60) == 0, "%s disk: did not end", size);
		cb_child_reap(&c);
		code = cb_child_code(&c);
		err = cb_child_stderr(&c);
		if (cb_summary_status(dir, status, sizeof(status)) == 0) {
			char why[512] = "";

			FX_EXPECT(code == 0, "%s disk: a report, exit %d: %s", size, code, err);
			FX_EXPECT(cb_check_run_folder(dir, why, sizeof(why)) == 0, "%s disk: %s",
				  size, why);
		} else {
			failed = 1;
			FX_EXPECT(code == 1, "%s disk: exit %d: %s", size, code, err);
			FX_EXPECT(strstr(err, dir) && strstr(err, "No space left on device"),
				  "%s disk: the error does not name %s and the full disk: %s", size,
				  dir, err);
			FX_EXPECT(strstr(err, "without summary.json") != NULL,
				  "%s disk: does not say the folder is unfinished: %s", size, err);
		}
		free(err);
		FX_EXPECT(cb_count_tmp(mnt, tmp, sizeof(tmp)) == 0, "%s disk: left %s", size, tmp);
		FX_EXPECT(all_whole(dir, bad, sizeof(bad)), "%s disk: cut short: %s", size, bad);
		FX_EXPECT(cb_latest_valid(mnt, target, sizeof(target)), "%s disk: latest -> '%s'",
			  size, target);
	}
	tmpfs_unmount(mnt);
	return failed;
}

static void test_full_disk(void)
{
	struct cb_fx f;

	if (geteuid() != 0)
		CB_SKIP("mounting a small tmpfs needs root");
	if (cb_fx_open(&f, "disk") < 0)
		CB_SKIP("build/callbench not built");
	/* 64 KiB holds the CSVs but not report.md: the run must fail. */
	CU_ASSERT(run_on_small_disk(&f, "64k") == 1);
	/* Room for the text but not every plot: gnuplot leaves cut-short
	 * plots (it exits 0), which must not be put in place. */
	CU_ASSERT(run_on_small_disk(&f, "256k") >= 0);
	CU_ASSERT(run_on_small_disk(&f, "512k") >= 0);
	cb_fx_close(&f);
}

static void test_unwritable_folder(void)
{
	struct cb_fx f;
	char ro[400], sub[450], rw[400], dir[500], id[8] = "r";
	struct cb_args a;
	struct cb_child c;
	char *err;
	int rc;

	if (cb_fx_open(&f, "rofs") < 0)
		CB_SKIP("build/callbench not built");
	if (geteuid() != 0) {
		/* Not root: a folder without write permission does (root is not
		 * stopped by chmod, hence the read-only mounts below). */
		snprintf(ro, sizeof(ro), "%s/locked", f.root);
		FX_EXPECT(mkdir(ro, 0500) == 0, "mkdir %s: %s", ro, strerror(errno));
		cb_args_run(&a, &f, ro, id, "sim", "0.5");
		if (cb_child_start(&c, f.root, "locked", a.v, NULL, NULL) == 0) {
			FX_EXPECT(cb_child_wait(&c, 60) == 0, "locked: did not end");
			cb_child_reap(&c);
			err = cb_child_stderr(&c);
			FX_EXPECT(cb_child_code(&c) == 2 && strstr(err, ro) &&
				      strstr(err, "not writable"),
				  "--out %s: exit %d: %s", ro, cb_child_code(&c), err);
			free(err);
		}
		chmod(ro, 0755);
		cb_fx_close(&f);
		return;
	}

	/* Read-only from the start: refused before the call, exit 2. */
	snprintf(ro, sizeof(ro), "%s/ro", f.root);
	snprintf(sub, sizeof(sub), "%s/sub", ro);
	rc = tmpfs_mount(ro, "size=64k", MS_RDONLY);
	FX_EXPECT(rc == 0, "mount -o ro: %s", strerror(-rc));
	if (rc == 0) {
		const char *outs[2] = {ro, sub};

		for (int i = 0; i < 2; i++) {
			cb_args_run(&a, &f, outs[i], id, "sim", "0.5");
			if (cb_child_start(&c, f.root, i ? "ro-sub" : "ro", a.v, NULL, NULL) < 0)
				continue;
			FX_EXPECT(cb_child_wait(&c, 60) == 0, "read-only: did not end");
			cb_child_reap(&c);
			err = cb_child_stderr(&c);
			FX_EXPECT(cb_child_code(&c) == 2, "--out %s: exit %d: %s", outs[i],
				  cb_child_code(&c), err);
			FX_EXPECT(strstr(err, outs[i]) && strstr(err, "Read-only file system") &&
				      strstr(err, i ? "cannot make it" : "not writable"),
				  "--out %s: unclear: %s", outs[i], err);
			free(err);
		}
		{
			DIR *d = opendir(ro);
			struct dirent *e;
			int n = 0;

			while (d && (e = readdir(d)))
				n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
			if (d)
				closedir(d);
			FX_EXPECT(n == 0, "read-only: %d entries appeared", n);
		}
		tmpfs_unmount(ro);
	}

	/* Read-only once the call runs: the report fails, naming the folder. */
	snprintf(rw, sizeof(rw), "%s/rw", f.root);
	snprintf(dir, sizeof(dir), "%s/r", rw);
	rc = tmpfs_mount(rw, "size=4m", 0);
	FX_EXPECT(rc == 0, "mount tmpfs: %s", strerror(-rc));
	if (rc == 0) {
		cb_args_run(&a, &f, rw, id, "real", "1");
		if (cb_child_start(&c, f.root, "turned-ro", a.v, NULL, NULL) == 0) {
			FX_EXPECT(cb_child_wait_text(&c, CB_CALL_LINE, 30),
				  "turned ro: never started");
			/* A file system with a file open for writing (the call's
			 * spools) cannot be remounted read-only (EBUSY): a
			 * read-only one goes over the folder instead, so that
			 * whatever the report opens by name is on it, while the
			 * spools already open stay where they are. */
			rc = mount("tmpfs", rw, "tmpfs", MS_RDONLY, "size=64k") < 0 ? -errno : 0;
			FX_EXPECT(rc == 0, "mount ro over %s: %s", rw, strerror(-rc));
			FX_EXPECT(cb_child_wait(&c, 60) == 0, "turned ro: did not end");
			cb_child_reap(&c);
			err = cb_child_stderr(&c);
			FX_EXPECT(cb_child_code(&c) == 1, "turned ro: exit %d: %s",
				  cb_child_code(&c), err);
			FX_EXPECT(strstr(err, dir) && strstr(err, "Read-only file system"),
				  "turned ro: the error does not name %s: %s", dir, err);
			free(err);
			FX_EXPECT(!cb_exists(dir), "turned ro: %s exists", dir);
			if (rc == 0)
				umount2(rw, MNT_DETACH);
		}
		tmpfs_unmount(rw);
	}
	cb_fx_close(&f);
}

/*
 * Out of file descriptors (ulimit -n from 4 to 14: too few for a call's
 * sockets, spools, SRTP and codecs): each start fails saying so, never as
 * a bare "crypto library error" (the crypto library's start-up is where a
 * low limit used to surface), and leaves no temporary file.
 */
static void test_fd_limit(void)
{
	struct cb_fx f;
	struct cb_args a;
	struct cb_child c;
	char id[16], lim[64], tmp[256];
	int ours = 0;

	if (cb_fx_open(&f, "fdlimit") < 0)
		CB_SKIP("build/callbench not built");
	for (int n = 4; n <= 14; n++) {
		char *err;

		snprintf(id, sizeof(id), "fd%d", n);
		snprintf(lim, sizeof(lim), "ulimit -n %d && exec \"$0\" \"$@\"", n);
		a.n = 0;
		a.v[0] = NULL;
		cb_args_add(&a, "/bin/sh");
		cb_args_add(&a, "-c");
		cb_args_add(&a, lim);
		{
			struct cb_args run;

			cb_args_run(&run, &f, NULL, id, "real", "0.3");
			for (int i = 0; i < run.n; i++)
				cb_args_add(&a, run.v[i]);
		}
		if (cb_child_start(&c, f.root, id, a.v, NULL, NULL) < 0)
			continue;
		FX_EXPECT(cb_child_wait(&c, 60) == 0, "ulimit -n %d: did not end", n);
		cb_child_reap(&c);
		err = cb_child_stderr(&c);
		if (cb_child_code(&c) == 127 && strstr(err, "error while loading shared")) {
			/* too low for the dynamic loader: the program never ran */
		} else if (cb_child_code(&c) != 0) {
			ours++;
			FX_EXPECT(strstr(err, "Too many open files") != NULL,
				  "ulimit -n %d: exit %d without naming the cause: %s", n,
				  cb_child_code(&c), err);
			FX_EXPECT(strstr(err, "crypto library error") == NULL, "ulimit -n %d: %s",
				  n, err);
		}
		FX_EXPECT(cb_count_tmp(f.out, tmp, sizeof(tmp)) == 0, "ulimit -n %d: left %s", n,
			  tmp);
		free(err);
	}
	FX_EXPECT(ours >= 3, "only %d of the limits stopped the program itself", ours);
	cb_fx_close(&f);
}

int cb_suite_faults_disk(void)
{
	static const struct cb_test_case cases[] = {
	    {"a full disk: a clear error, no partial file", test_full_disk},
	    {"an unwritable folder: a clear error, nothing written", test_unwritable_folder},
	    {"out of file descriptors: the error says so", test_fd_limit},
	    {NULL, NULL},
	};

	cb_faults_seed_init();
	return cb_add_suite("faults_disk", cases);
}
