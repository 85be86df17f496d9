/*
 * Suite "faults": the built program (build/callbench) as a child process,
 * stopped by SIGINT and SIGTERM at random points (seeded; the seed is
 * printed with every failure, CB_TEST_SEED=N repeats it) of real-clock and
 * simulated runs, signalled twice, signalled while it writes its report,
 * and killed with SIGKILL while it writes its report.  What must hold
 * after each: the report is whole and marked interrupted, or (a signal
 * once the call was over) left without summary.json; no temporary file
 * anywhere in the --out folder; `latest` a valid link to a whole run.
 *
 * Nothing here waits a fixed time for a result: files and lines are
 * polled for with generous deadlines; the random delays only choose where
 * a signal lands.
 */
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

#define CALL_LINE CB_CALL_LINE
#define sig_name  cb_sig_name

enum phase { PH_SETUP, PH_MID, PH_END };
static const char *const phase_names[] = {"setup", "mid-call", "near the end"};

/*
 * One run stopped by `sig` in `ph`.  Real clock: a 1.2 s call, the signal
 * while it sets up (its handler is in place, the call not started), 0.2 to
 * 0.7 s into the call, or in its last 0.25 s.  Simulated: a 300 s call that
 * the signal stops while setting up or mid-call, or a 2 s one that runs
 * about `sim_call_s` and is signalled around its end.  `group` sends the
 * signal to the process group, as a terminal's Ctrl-C does.
 */
static int stop_one(const struct cb_fx *f, uint64_t *rng, int sig, int sim, enum phase ph,
		    int group, double sim_call_s, int k)
{
	char id[64], what[160];
	struct cb_args a;
	struct cb_child c;
	double delay = 0;
	int started = 0;

	snprintf(id, sizeof(id), "%s-%s-%d-%d", sim ? "sim" : "real", sig_name(sig), ph, k);
	cb_args_run(&a, f, NULL, id, sim ? "sim" : "real",
		    sim ? (ph == PH_END ? "2" : "300") : "1.2");
	CU_ASSERT_FATAL(cb_child_start(&c, f->root, id, a.v, NULL, NULL) == 0);
	/* Both handlers are installed together; wait for them, not a time. */
	FX_EXPECT(cb_child_wait_caught(&c, sig, 30), "%s: no handler for %s", id, sig_name(sig));
	if (ph == PH_SETUP) {
		delay = cb_test_uniform(rng, 0, 0.005);
	} else {
		FX_EXPECT(cb_child_wait_text(&c, CALL_LINE, 30), "%s: the call never started", id);
		if (ph == PH_MID)
			delay = cb_test_uniform(rng, 0.2, 0.7);
		else
			delay = sim ? cb_test_uniform(rng, 0.6, 1.05) * sim_call_s
				    : cb_test_uniform(rng, 0.95, 1.2);
	}
	cb_sleep_s(delay);
	if (ph == PH_SETUP) {
		char *err = cb_child_stderr(&c);

		started = strstr(err, CALL_LINE) != NULL;
		free(err);
	}
	kill(group ? -c.pid : c.pid, sig);
	FX_EXPECT(cb_child_wait(&c, 60) == 0, "%s: still running 60 s after %s", id, sig_name(sig));
	cb_child_reap(&c);
	snprintf(what, sizeof(what), "%s (%s %s%s, %s + %.3f s)", id, sig_name(sig),
		 phase_names[ph], started ? ", call already started" : "",
		 group ? "to the group" : "to the pid", delay);
	/* Signalled around its end, a call may have finished first (a busy
	 * machine can hold the signal back): any outcome then, as long as it
	 * is whole.  Set-up and mid-call are far enough from it to be sure. */
	return cb_check_stopped(f, id, &c, ph != PH_END, what);
}

static void test_signals_real(void)
{
	struct cb_fx f;
	uint64_t rng = cb_faults_seed ^ 0x7265616cULL;
	int k = 0;

	if (cb_fx_open(&f, "sigreal") < 0)
		CB_SKIP("build/callbench not built");
	CU_ASSERT_FATAL(cb_fx_prior_run(&f, "prior", NULL) == 0);
	for (int s = 0; s < 2; s++)
		for (int ph = PH_SETUP; ph <= PH_END; ph++)
			/* SIGINT mid-call goes to the process group, as a terminal's
			 * Ctrl-C does (gnuplot and `ip` get it too). */
			CU_ASSERT(stop_one(&f, &rng, s ? SIGTERM : SIGINT, 0, (enum phase)ph,
					   !s && ph == PH_MID, 0, k++) != 0);
	cb_fx_close(&f);
}

/* How long a 2 s simulated call runs here: from its start line to its
 * report folder appearing. */
static double sim_call_time(const struct cb_fx *f)
{
	struct cb_args a;
	struct cb_child c;
	char dir[700];
	double t0, t = 1;

	snprintf(dir, sizeof(dir), "%s/measure", f->out);
	cb_args_run(&a, f, NULL, "measure", "sim", "2");
	if (cb_child_start(&c, f->root, "measure", a.v, NULL, NULL) < 0)
		return t;
	if (cb_child_wait_text(&c, CALL_LINE, 30)) {
		t0 = cb_now_s();
		if (cb_child_wait_path(&c, dir, 60))
			t = cb_now_s() - t0;
	}
	cb_child_wait(&c, 60);
	cb_child_reap(&c);
	return t;
}

static void test_signals_sim(void)
{
	struct cb_fx f;
	uint64_t rng = cb_faults_seed ^ 0x73696dULL;
	int k = 0;
	double call_s;

	if (cb_fx_open(&f, "sigsim") < 0)
		CB_SKIP("build/callbench not built");
	call_s = sim_call_time(&f);
	for (int s = 0; s < 2; s++) {
		int sig = s ? SIGTERM : SIGINT;

		for (int ph = PH_SETUP; ph <= PH_END; ph++)
			CU_ASSERT(stop_one(&f, &rng, sig, 1, (enum phase)ph, 0, call_s, k++) != 0);
	}
	cb_fx_close(&f);
}

/*
 * A second signal, 1 to 30 ms after the first, while the call is still
 * stopping or its report has just begun: the report is abandoned, with no
 * summary.json, nothing temporary, and `latest` still names the run before.
 */
static void test_second_signal(void)
{
	struct cb_fx f;
	uint64_t rng = cb_faults_seed ^ 0x7365636fULL;

	if (cb_fx_open(&f, "sig2") < 0)
		CB_SKIP("build/callbench not built");
	CU_ASSERT_FATAL(cb_fx_prior_run(&f, "prior", NULL) == 0);
	for (int sim = 0; sim < 2; sim++) {
		char id[32], target[256], what[128];
		int first = sim ? SIGTERM : SIGINT, second = sim ? SIGINT : SIGTERM;
		struct cb_args a;
		struct cb_child c;
		double gap = cb_test_uniform(&rng, 0.001, 0.03);

		snprintf(id, sizeof(id), "twice-%s", sim ? "sim" : "real");
		snprintf(what, sizeof(what), "%s (%s, then %s %.3f s later)", id, sig_name(first),
			 sig_name(second), gap);
		cb_args_run(&a, &f, NULL, id, sim ? "sim" : "real", sim ? "300" : "1.2");
		CU_ASSERT_FATAL(cb_child_start(&c, f.root, id, a.v, NULL, NULL) == 0);
		FX_EXPECT(cb_child_wait_text(&c, CALL_LINE, 30), "%s: never started", what);
		cb_sleep_s(cb_test_uniform(&rng, 0.2, 0.6));
		kill(c.pid, first);
		cb_sleep_s(gap);
		kill(c.pid, second);
		FX_EXPECT(cb_child_wait(&c, 60) == 0, "%s: still running", what);
		cb_child_reap(&c);
		FX_EXPECT(cb_check_stopped(&f, id, &c, 0, what) == 'a', "%s: report not abandoned",
			  what);
		cb_latest_valid(f.out, target, sizeof(target));
		FX_EXPECT(!strcmp(target, "prior"), "%s: latest -> '%s'", what, target);
	}
	cb_fx_close(&f);
}

/*
 * A signal while the report is written, made certain with a gnuplot that
 * starts a plot (a *.tmp), says so through a file and hangs: the first
 * signal after a complete call, or the second after an interrupted one.
 * The program must end that gnuplot, remove its partial plot, write no
 * summary.json and leave `latest` alone, promptly.
 */
static int write_fake_gnuplot(const struct cb_fx *f, char *bindir, size_t room)
{
	static const char script[] =
	    "#!/bin/sh\n"
	    "# A gnuplot that starts a plot and hangs, for the fault tests; once\n"
	    "# it has hung (the mark exists), it fails at once instead.\n"
	    "[ -e \"$CB_FAKE_GNUPLOT_MARK\" ] && exit 1\n"
	    "d=$(printf '%s' \"$2\" | sed -n \"s/^dir='\\(.*\\)'; suffix=.*/\\1/p\")\n"
	    "printf '<svg' > \"$d/latency.svg.tmp\"\n"
	    ": > \"$CB_FAKE_GNUPLOT_MARK\"\n"
	    "exec sleep 60\n";
	char path[700];
	FILE *fp;

	snprintf(bindir, room, "%s/bin", f->root);
	snprintf(path, sizeof(path), "%s/gnuplot", bindir);
	if (mkdir(bindir, 0755) < 0 || !(fp = fopen(path, "w")))
		return -1;
	fputs(script, fp);
	fclose(fp);
	return chmod(path, 0755);
}

/*
 * A sweep stopped by two signals: the second one while its first cell's
 * report is written (made certain by the hanging gnuplot) abandons that
 * report, not the program: the sweep ends normally with exit 130, its
 * sweep.json says "interrupted", no temporary file is left and the cell
 * has no summary.json.  A second Ctrl-C used to kill the sweep where it
 * stood, sweep.json still saying "running".
 */
static void test_sweep_second_signal(void)
{
	struct cb_fx f;
	struct cb_child c;
	char bindir[600], mark[600], env[700], sweep_dir[400], path[700], tmp[256];
	char *argv[] = {f.prog,	 "sweep",   "--clock", "sim",	 "--duration",
			"0.5",	 "--size",  "320x240", "--axis", "video-bitrate=300,500",
			"--out", sweep_dir, "--quiet", NULL};
	FILE *fp;
	char text[4096] = "";
	size_t n;

	if (cb_fx_open(&f, "sweep2") < 0)
		CB_SKIP("build/callbench not built");
	CU_ASSERT_FATAL(write_fake_gnuplot(&f, bindir, sizeof(bindir)) == 0);
	snprintf(mark, sizeof(mark), "%s/gnuplot-started", f.root);
	snprintf(env, sizeof(env), "CB_FAKE_GNUPLOT_MARK=%s", mark);
	snprintf(sweep_dir, sizeof(sweep_dir), "%s/sw", f.out);
	argv[0] = f.prog;
	CU_ASSERT_FATAL(cb_child_start(&c, f.root, "sweep2", argv, bindir, env) == 0);
	FX_EXPECT(cb_child_wait_path(&c, mark, 60), "sweep: gnuplot never started");
	kill(c.pid, SIGINT);
	cb_sleep_s(0.05);
	kill(c.pid, SIGTERM);
	FX_EXPECT(cb_child_wait(&c, 30) == 0, "sweep: still running after two signals");
	cb_child_reap(&c);
	FX_EXPECT(c.exited && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 130,
		  "sweep: did not exit 130 by itself (status %d)", c.status);
	FX_EXPECT(cb_count_tmp(f.out, tmp, sizeof(tmp)) == 0, "sweep: left %s", tmp);
	snprintf(path, sizeof(path), "%s/sweep.json", sweep_dir);
	fp = fopen(path, "r");
	if (fp) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		text[n] = 0;
		fclose(fp);
	}
	FX_EXPECT(strstr(text, "\"interrupted\"") != NULL, "sweep: sweep.json: %.300s", text);
	cb_fx_close(&f);
}

static void test_signal_while_reporting(void)
{
	struct cb_fx f;
	char bindir[600], mark[600], env[700];

	if (cb_fx_open(&f, "sigrep") < 0)
		CB_SKIP("build/callbench not built");
	CU_ASSERT_FATAL(cb_fx_prior_run(&f, "prior", NULL) == 0);
	CU_ASSERT_FATAL(write_fake_gnuplot(&f, bindir, sizeof(bindir)) == 0);
	snprintf(mark, sizeof(mark), "%s/gnuplot.mark", f.root);
	snprintf(env, sizeof(env), "CB_FAKE_GNUPLOT_MARK=%s", mark);
	for (int second = 0; second < 2; second++) {
		char id[32], target[256], what[128], plot[700];
		struct cb_args a;
		struct cb_child c;
		double t;

		unlink(mark);
		snprintf(id, sizeof(id), "reporting-%d", second);
		snprintf(what, sizeof(what), "%s (%s signal while gnuplot runs)", id,
			 second ? "second" : "first");
		cb_args_run(&a, &f, NULL, id, "sim", second ? "300" : "1");
		CU_ASSERT_FATAL(cb_child_start(&c, f.root, id, a.v, bindir, env) == 0);
		if (second) {
			FX_EXPECT(cb_child_wait_text(&c, CALL_LINE, 30), "%s: never started", what);
			cb_sleep_s(0.3);
			kill(c.pid, SIGINT);
		}
		FX_EXPECT(cb_child_wait_path(&c, mark, 60), "%s: gnuplot never ran", what);
		kill(c.pid, SIGTERM);
		t = cb_now_s();
		FX_EXPECT(cb_child_wait(&c, 20) == 0, "%s: still waiting for gnuplot", what);
		FX_EXPECT(cb_now_s() - t < 20, "%s: took %.1f s", what, cb_now_s() - t);
		/* The hanging gnuplot was ended and waited for by the program:
		 * nothing of its group is left. */
		FX_EXPECT(kill(-c.pid, 0) < 0 && errno == ESRCH, "%s: gnuplot left running", what);
		cb_child_reap(&c);
		FX_EXPECT(cb_check_stopped(&f, id, &c, 0, what) == 'a', "%s: not abandoned", what);
		snprintf(plot, sizeof(plot), "%s/%s/latency.svg", f.out, id);
		FX_EXPECT(!cb_exists(plot), "%s: a partial plot was put in place", what);
		cb_latest_valid(f.out, target, sizeof(target));
		FX_EXPECT(!strcmp(target, "prior"), "%s: latest -> '%s'", what, target);
	}
	cb_fx_close(&f);
}

/*
 * SIGKILL at random points of the report phase (from the run folder's
 * appearance to a little past the time a whole report takes here): a
 * summary.json, if there is one, stands beside a whole report (report.md,
 * report.html, every figure agreeing, no *.tmp in the run folder), and
 * `latest` always names a whole run.  Temporary files may be left outside
 * a finished run: nothing survives SIGKILL to remove them.
 */
#define KILLS 6

static void test_sigkill_while_reporting(void)
{
	struct cb_fx f;
	uint64_t rng = cb_faults_seed ^ 0x6b696c6cULL;
	double report_s = 0.5;
	int with_summary = 0, without = 0;

	if (cb_fx_open(&f, "sigkill") < 0)
		CB_SKIP("build/callbench not built");
	/* The same settings as the runs killed below: how long a report takes. */
	CU_ASSERT_FATAL(cb_fx_prior_run(&f, "prior", &report_s) == 0);
	for (int k = 0; k < KILLS; k++) {
		char id[32], dir[700], status[32], target[256], why[512] = "", what[128];
		struct cb_args a;
		struct cb_child c;
		double delay = cb_test_uniform(&rng, 0, report_s * 1.2);

		snprintf(id, sizeof(id), "killed-%d", k);
		snprintf(dir, sizeof(dir), "%s/%s", f.out, id);
		snprintf(what, sizeof(what), "%s (SIGKILL %.3f s into the report of ~%.3f s)", id,
			 delay, report_s);
		cb_args_run(&a, &f, NULL, id, "sim", "0.5");
		CU_ASSERT_FATAL(cb_child_start(&c, f.root, id, a.v, NULL, NULL) == 0);
		FX_EXPECT(cb_child_wait_path(&c, dir, 60), "%s: no report folder", what);
		cb_sleep_s(delay);
		kill(c.pid, SIGKILL);
		cb_child_wait(&c, 30);
		cb_child_reap(&c); /* and what it started */
		if (cb_summary_status(dir, status, sizeof(status)) == 0) {
			with_summary++;
			FX_EXPECT(!strcmp(status, "complete") || !strcmp(status, "interrupted"),
				  "%s: status '%s'", what, status);
			FX_EXPECT(cb_check_run_folder(dir, why, sizeof(why)) == 0,
				  "%s: summary.json beside an unfinished report: %s", what, why);
		} else {
			without++;
		}
		FX_EXPECT(cb_latest_valid(f.out, target, sizeof(target)),
			  "%s: latest -> '%s' not a whole run", what, target);
	}
	CU_ASSERT_EQUAL(with_summary + without, KILLS);
	cb_fx_close(&f);
}

int cb_suite_faults(void)
{
	static const struct cb_test_case cases[] = {
	    {"SIGINT/SIGTERM at random points of real-clock runs", test_signals_real},
	    {"SIGINT/SIGTERM at random points of simulated runs", test_signals_sim},
	    {"a second signal abandons the report, leaves nothing", test_second_signal},
	    {"a signal while the report is written abandons it", test_signal_while_reporting},
	    {"SIGKILL while the report is written", test_sigkill_while_reporting},
	    {"a sweep's second signal abandons the cell's report, not the sweep",
	     test_sweep_second_signal},
	    {NULL, NULL},
	};

	cb_faults_seed_init();
	return cb_add_suite("faults", cases);
}
