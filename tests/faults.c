/* Helpers of the fault suites (faults.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "faults.h"
#include "report_check.h"
#include "test_util.h"

const char *cb_sig_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGKILL";
}

uint64_t cb_faults_seed;

int cb_fx_open(struct cb_fx *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	cb_test_program_path(f->prog, sizeof(f->prog));
	if (!f->prog[0])
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/cb-%s.XXXXXX", name);
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->out, sizeof(f->out), "%s/out", f->root);
	return mkdir(f->out, 0755);
}

void cb_fx_close(struct cb_fx *f)
{
	if (f->root[0])
		cb_test_rm_rf(f->root);
	f->root[0] = 0;
}

void cb_args_run(struct cb_args *a, const struct cb_fx *f, const char *out, const char *id,
		 const char *clock, const char *duration)
{
	a->n = 0;
	cb_args_add(a, f->prog);
	cb_args_add(a, "run");
	cb_args_add(a, "--clock");
	cb_args_add(a, clock);
	cb_args_add(a, "--duration");
	cb_args_add(a, duration);
	cb_args_add(a, "--size");
	cb_args_add(a, "320x240");
	cb_args_add(a, "--out");
	cb_args_add(a, out ? out : f->out);
	cb_args_add(a, "--run-id");
	cb_args_add(a, id);
	cb_args_add(a, "--quiet");
	cb_args_add(a, "--log-level");
	cb_args_add(a, "info");
}

void cb_args_add(struct cb_args *a, const char *s)
{
	if (a->n + 1 < CB_MAX_ARGS) {
		a->v[a->n++] = (char *)s;
		a->v[a->n] = NULL;
	}
}

/* A whole run ahead of the faulty ones, so that `latest` exists and must
 * stay valid whatever happens to the next run. */
int cb_fx_prior_run(const struct cb_fx *f, const char *id, double *report_s)
{
	struct cb_args a;
	struct cb_child c;
	char dir[700];
	double t0 = 0;
	int code;

	snprintf(dir, sizeof(dir), "%s/%s", f->out, id);
	cb_args_run(&a, f, NULL, id, "sim", "0.5");
	if (cb_child_start(&c, f->root, id, a.v, NULL, NULL) < 0)
		return -1;
	if (cb_child_wait_path(&c, dir, 60))
		t0 = cb_now_s();
	cb_child_wait(&c, 60);
	if (report_s && t0 > 0)
		*report_s = cb_now_s() - t0;
	code = cb_child_code(&c);
	cb_child_reap(&c);
	return code;
}

/*
 * The run `id` was stopped by a signal.  Checked for any outcome: no *.tmp
 * in the --out folder, `latest` valid.  Then, with summary.json, the folder
 * is whole (report_check) and `latest` names it; `interrupted` must say
 * interrupted and exit 130.  Without summary.json the report was abandoned
 * (a signal once the call was over): exit 130, the program said so, and
 * `latest` does not name it.  Returns the outcome: 'i' interrupted report,
 * 'c' complete report, 'a' abandoned, 0 something else.
 */
int cb_check_stopped(const struct cb_fx *f, const char *id, struct cb_child *c, int must_interrupt,
		     const char *what)
{
	char dir[700], status[32], tmp[600], target[256];
	int code = cb_child_code(c), outcome = 0;
	char *err = cb_child_stderr(c);

	snprintf(dir, sizeof(dir), "%s/%s", f->out, id);
	FX_EXPECT(cb_count_tmp(f->out, tmp, sizeof(tmp)) == 0, "%s: temporary files left: %s", what,
		  tmp);
	FX_EXPECT(cb_latest_valid(f->out, target, sizeof(target)), "%s: latest -> '%s' not valid",
		  what, target);
	if (cb_summary_status(dir, status, sizeof(status)) == 0) {
		char why[512] = "";

		FX_EXPECT(cb_check_run_folder(dir, why, sizeof(why)) == 0, "%s: %s", what, why);
		FX_EXPECT(!strcmp(target, id), "%s: latest -> '%s', not the run", what, target);
		if (!strcmp(status, "interrupted")) {
			FX_EXPECT(code == 130, "%s: interrupted, exit %d (not 130)", what, code);
			outcome = 'i';
		} else if (!strcmp(status, "complete")) {
			FX_EXPECT(!must_interrupt, "%s: the run completed: the signal was missed",
				  what);
			outcome = 'c';
		} else {
			FX_EXPECT(0, "%s: status '%s', exit %d: %s", what, status, code, err);
		}
	} else {
		FX_EXPECT(!must_interrupt, "%s: no summary.json (exit %d): %s", what, code, err);
		FX_EXPECT(code == 130, "%s: abandoned report, exit %d (not 130): %s", what, code,
			  err);
		FX_EXPECT(strstr(err, "interrupted while writing the report") != NULL,
			  "%s: abandoned report not explained: %s", what, err);
		FX_EXPECT(strcmp(target, id) != 0, "%s: latest names a run without summary", what);
		outcome = 'a';
	}
	free(err);
	return outcome;
}

void cb_faults_seed_init(void)
{
	/* Once for the whole binary, whichever fault suite registers first. */
	if (!cb_faults_seed)
		cb_faults_seed = cb_test_seed();
}
