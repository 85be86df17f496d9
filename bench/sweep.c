/*
 * `callbench sweep` and `callbench report`: a grid of calls and its
 * comparison report, and the same report merged from result folders (for
 * grids whose cells ran elsewhere, e.g. as GNU parallel or CI matrix jobs).
 *
 * The axes are the call's settings (call/settings.h), each value parsed by
 * its setting's row, so a new setting is a sweep axis with no change here.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "commands.h"
#include "report_call.h"
#include "report/report.h"
#include "call/sweep_run.h"
#include "report/sweep.h"
#include "run_options.h"
#include "checks.h"

#define EXIT_USAGE	 2
#define EXIT_INTERRUPTED 130

/*
 * The first SIGINT/SIGTERM stops the sweep: the running call ends
 * interrupted, its report is written, the other cells stay pending.  A
 * second one abandons that cell's report too (as in `callbench run`): the
 * writer stops at its next file, leaving nothing half-written; it used to
 * restore the default action and kill the program where it stood.
 */
static atomic_int sweep_stop, report_stop;

static void on_signal(int sig)
{
	(void)sig;
	if (atomic_exchange(&sweep_stop, 1))
		atomic_store(&report_stop, 1);
}

/* A flag axis takes on/off: whether the flag is given. */
static int flag_given(const char *v)
{
	return !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "true");
}

/* One word for a POSIX shell: as it is when safe, else in single quotes. */
static void shell_word(FILE *f, const char *s)
{
	int safe = *s != 0;

	for (const char *p = s; *p; p++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+-@%",
			*p))
			safe = 0;
	if (safe) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

static void sweep_help(FILE *out)
{
	struct run_opts d;

	run_opts_default(&d);
	fprintf(
	    out,
	    "usage: callbench sweep [run options] --axis NAME=V1,V2,... [--axis ...]\n"
	    "                       [--out DIR] [--sweep-id ID] [--emit-jobs]\n\n"
	    "Run the grid of every combination of the axis values, one call per cell, each\n"
	    "from the run options given (the base) with the cell's values applied, and write\n"
	    "one comparison report: DIR/sweep.json, comparison.csv, comparison.md,\n"
	    "report.html, sweep_latency/sweep_rd/sweep_bands plots, and a run folder per cell.\n\n"
	    "  --axis NAME=V1,V2,...  NAME is a run option below that sets the call (from\n"
	    "                         --settings to --percentile, but --out and --run-id):\n"
	    "                         video-codec, size, net-profile, video-bitrate, ...;\n"
	    "                         separate values with '|' instead of ',' when they hold\n"
	    "                         commas (--axis 'net=loss=1,burst=3|loss=5');\n"
	    "                         a flag option takes on/off.  Repeatable; the last varies "
	    "fastest.\n"
	    "  --out DIR              the sweep folder [results/<sweep id>]\n"
	    "  --sweep-id ID          the sweep's name [sweep-<UTC date>-<time>]\n"
	    "  --emit-jobs            print one `callbench run ... --out DIR --run-id CELL` line\n"
	    "                         per cell instead of running (for GNU parallel or a CI "
	    "matrix),\n"
	    "                         write DIR/sweep.json, and merge later with callbench report "
	    "DIR\n\n"
	    "run options [default; range]:\n");
	opts_help(run_options, &d, out);
	fprintf(out,
		"\nExit status: 0 every cell complete, 1 a cell failed, 2 bad usage, 130\n"
		"interrupted (the report of the cells that ran is written, marked partial).\n");
}

/* Split "NAME=V1,V2" (or V1|V2 when any '|') into an axis of `sw`; 0 or -1 (printed). */
static int add_axis(struct cb_sweep *sw, const char *spec)
{
	const char *eq = strchr(spec, '=');
	char name[32], *copy, *save = NULL, sep[2] = ",", why[256];
	const char *vals[4096];
	size_t n = 0;
	int err;

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(name) || !eq[1]) {
		fprintf(stderr, "callbench sweep: --axis: '%s' is not NAME=V1,V2,...\n", spec);
		return -1;
	}
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = 0;
	if (!cb_call_setting_axis(name, why, sizeof(why))) {
		fprintf(stderr, "callbench sweep: --axis: %s (see callbench sweep --help)\n", why);
		return -1;
	}
	copy = strdup(eq + 1);
	if (!copy)
		return -1;
	if (strchr(copy, '|'))
		sep[0] = '|';
	for (char *t = strtok_r(copy, sep, &save); t && n < 4096; t = strtok_r(NULL, sep, &save))
		vals[n++] = t;
	err = n ? cb_sweep_axis_add(sw, name, vals, n) : -EINVAL;
	free(copy);
	if (err == CB_E_RANGE)
		fprintf(stderr, "callbench sweep: --axis: at most %d axes\n", CB_SWEEP_MAX_AXES);
	else if (err)
		fprintf(stderr, "callbench sweep: --axis %s: %s\n", name,
			n ? "given twice" : "no values");
	return err ? -1 : 0;
}

/* Print one run command line per cell: base arguments, the cell's values, its folder. */
static void emit_jobs(const struct cb_sweep *sw, char **base, int nbase, const char *dir)
{
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];

		fputs("callbench run", stdout);
		for (int i = 0; i < nbase; i++) {
			fputc(' ', stdout);
			shell_word(stdout, base[i]);
		}
		for (size_t a = 0; a < sw->n_axes; a++) {
			const struct cb_setting *o = cb_settings_find(
			    cb_call_settings, sw->axis[a].name, strlen(sw->axis[a].name), NULL);

			if (o->type == CB_SETTING_FLAG) {
				if (flag_given(cell->value[a]))
					printf(" --%s", o->name);
				continue;
			}
			printf(" --%s ", o->name);
			shell_word(stdout, cell->value[a]);
		}
		fputs(" --out ", stdout);
		shell_word(stdout, dir);
		fputs(" --run-id ", stdout);
		shell_word(stdout, cell->name);
		fputc('\n', stdout);
	}
}

static void log_stderr(void *user, enum cb_log_level level, const char *module, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	(void)user;
	fprintf(stderr, "callbench: %s: %s: %s\n", names[level], module, msg);
}

struct sweep_progress {
	size_t n;
	struct run_opts *o;	   /* the limits every cell is held to */
	struct run_checks *checks; /* per cell, for JUnit; NULL without --junit */
	size_t breached_cells, unmeasured_cells;
	struct timespec start;
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Before the cell's report is written: hold it to the limits. */
static void cell_result(void *user, size_t i, struct cb_run_result *res)
{
	struct sweep_progress *p = user;

	(void)i;
	if (run_gates_eval(p->o, res) < 0)
		res->gates = NULL;
}

static void cell_done(void *user, size_t i, const struct cb_sweep_cell *c,
		      const struct cb_run_result *res)
{
	struct sweep_progress *p = user;
	const struct cb_media_result *w = res ? cb_run_worst_media(res) : NULL;
	double el = since(&p->start), eta = el / (double)(i + 1) * (double)(p->n - i - 1);

	printf("[%zu/%zu] %-36s %-11s", i + 1, p->n, c->name, c->status);
	if (w) {
		char why[256];

		cb_verdict_explain(w, res->cfg.verdict_pct, why, sizeof(why));
		printf(" %s (%s: %s)", cb_band_name(w->verdict), cb_media_name(w->media), why);
	}
	if (res)
		printf("  %.1f s", res->wall_s);
	printf("  ETA %.0f s\n", eta);
	if (!w || w->verdict == CB_BAND_NONE)
		p->unmeasured_cells++;
	if (res && res->gates && res->gates->breached) {
		p->breached_cells++;
		for (size_t k = 0; k < res->gates->n; k++)
			if (!res->gates->v[k].pass)
				printf("        FAIL %s\n", res->gates->v[k].text);
	}
	if (p->checks && res) {
		char suite[160];

		snprintf(suite, sizeof(suite), "callbench sweep cell %s", c->name);
		run_checks_make(&p->checks[i], res, suite);
	} else if (p->checks) {
		memset(&p->checks[i], 0, sizeof(p->checks[i]));
		snprintf(p->checks[i].suite, sizeof(p->checks[i].suite), "callbench sweep cell %s",
			 c->name);
		p->checks[i].c[0] = (struct cb_junit_case){.classname = "callbench.run",
							   .name = "completed",
							   .outcome = CB_JUNIT_ERROR,
							   .type = "failed",
							   .message = "the cell's run failed"};
		p->checks[i].n = 1;
	}
	fflush(stdout);
}

/* One testsuite per cell that ran. */
static int sweep_write_junit(const char *path, const struct sweep_progress *p, size_t ran)
{
	struct cb_junit_suite *s = calloc(ran ? ran : 1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < ran; i++)
		s[i] = run_checks_suite(&p->checks[i]);
	err = cb_junit_write(path, "callbench sweep", s, ran);
	free(s);
	return err;
}

/* A table cell of `w` characters: the number, or "–" when not measured. */
static void cell_num(double v, int w, int prec)
{
	if (isfinite(v))
		printf(" %*.*f", w, prec, v);
	else
		printf(" %*s", w + 2, "–"); /* "–" is 3 bytes, 1 column */
}

static void print_table(const struct cb_sweep *sw, const char *dir)
{
	printf("\n%-40s %-11s %-10s %8s %8s %8s %7s %8s %7s\n", "cell", "status", "verdict",
	       "v p50", "v p95", "a p95", "PSNR", "kbps", "enc ms");
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_fig *g = &sw->cells[c].fig;

		printf("%-40s %-11s %-10s", sw->cells[c].name, sw->cells[c].status, g->band);
		cell_num(g->video_p50, 8, 1);
		cell_num(g->video_p95, 8, 1);
		cell_num(g->audio_p95, 8, 1);
		cell_num(g->psnr_mean, 7, 2);
		cell_num(g->video_kbps, 8, 1);
		cell_num(g->encode_ms, 7, 2);
		putchar('\n');
	}
	printf("\nreport: %s/report.html (comparison.md, comparison.csv, sweep.json)\n", dir);
}

/* Pull the sweep's own options out of argv; what is left goes to run's parser. */
struct sweep_args {
	struct cb_sweep sw;
	int emit_jobs, out_given;
	char **rest, **base; /* for run's parser; for the job lines (no --out) */
	int nrest, nbase;
};

static int take_sweep_args(struct sweep_args *a, int argc, char **argv)
{
	a->rest = calloc((size_t)argc + 1, sizeof(char *));
	a->base = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->rest || !a->base)
		return -1;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char *val = NULL;
		int is_axis = !strcmp(s, "--axis") || !strncmp(s, "--axis=", 7);
		int is_id = !strcmp(s, "--sweep-id") || !strncmp(s, "--sweep-id=", 11);

		if (!strcmp(s, "--")) {
			fprintf(stderr, "callbench sweep: unexpected argument '--'\n");
			return -1;
		}
		if (!strcmp(s, "--emit-jobs")) {
			a->emit_jobs = 1;
			continue;
		}
		if (is_axis || is_id) {
			const char *name = is_axis ? "--axis" : "--sweep-id";
			const char *eq = strchr(s, '=');

			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				fprintf(stderr, "callbench sweep: %s needs a value\n", name);
				return -1;
			}
			if (is_axis && add_axis(&a->sw, val) < 0)
				return -1;
			if (is_id) {
				if (!*val || strlen(val) >= sizeof(a->sw.id) || strchr(val, '/')) {
					fprintf(
					    stderr,
					    "callbench sweep: --sweep-id: '%s' must be 1 to %zu "
					    "characters without '/'\n",
					    val, sizeof(a->sw.id) - 1);
					return -1;
				}
				snprintf(a->sw.id, sizeof(a->sw.id), "%s", val);
			}
			continue;
		}
		a->rest[a->nrest++] = argv[i];
		/* --out is the sweep folder, given to each job line separately. */
		if (!strcmp(s, "--out") || !strncmp(s, "--out=", 6)) {
			a->out_given = 1;
			if (!strchr(s, '=') && i + 1 < argc)
				a->rest[a->nrest++] = argv[++i];
			continue;
		}
		a->base[a->nbase++] = argv[i];
	}
	return 0;
}

int cb_cmd_sweep(int argc, char **argv)
{
	struct sweep_args a = {.sw = {.id = ""}};
	struct run_opts o;
	struct sweep_progress prog = {0};
	struct cb_sweep_hooks hooks = {0};
	struct cb_call_hooks call_hooks = {0};
	struct sigaction sa = {0};
	char dir[256], why[256];
	int help = 0, pos = 0, rc = EXIT_USAGE, err;

	run_opts_default(&o);
	if (take_sweep_args(&a, argc, argv) < 0)
		goto out;
	if (opts_parse("callbench sweep", run_options, &o, a.nrest, a.rest, &help, &pos) < 0)
		goto out;
	if (help) {
		sweep_help(stdout);
		rc = 0;
		goto out;
	}
	if (pos < a.nrest) {
		fprintf(stderr, "callbench sweep: unexpected argument '%s' (see --help)\n",
			a.rest[pos]);
		goto out;
	}
	if (a.sw.n_axes == 0) {
		fprintf(stderr, "callbench sweep: no --axis: a sweep varies at least one option "
				"(use callbench run for one call; see --help)\n");
		goto out;
	}
	if (run_gates_check(&o, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench sweep: --max/--min: %s\n", why);
		goto out;
	}
	if (o.call.run_id[0]) {
		fprintf(stderr,
			"callbench sweep: --run-id: each cell is named from its axis values "
			"(name the sweep with --sweep-id)\n");
		goto out;
	}
	/* Every value must apply before anything runs, the message naming the setting. */
	for (size_t x = 0; x < a.sw.n_axes; x++)
		for (size_t v = 0; v < a.sw.axis[x].n; v++) {
			struct cb_call_cfg tmp = o.call;

			if (cb_settings_set(cb_call_settings, &tmp, a.sw.axis[x].name,
					    a.sw.axis[x].values[v], why, sizeof(why)) < 0) {
				fprintf(stderr, "callbench sweep: --axis --%s\n", why);
				goto out;
			}
		}
	if (!a.sw.id[0]) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(a.sw.id, sizeof(a.sw.id), "sweep-%Y%m%d-%H%M%S", &tm);
	}
	if (a.out_given)
		err = snprintf(dir, sizeof(dir) - 64, "%s", o.call.out_dir);
	else
		err = snprintf(dir, sizeof(dir) - 64, "results/%s", a.sw.id);
	if (err < 0 || err >= (int)sizeof(dir) - 64) {
		fprintf(stderr, "callbench sweep: --out: the folder name is too long\n");
		goto out;
	}
	err = cb_sweep_plan(&a.sw);
	if (err) {
		fprintf(stderr, "callbench sweep: --axis: %s\n",
			err == CB_E_RANGE ? "more than 100000 cells" : cb_strerror(err));
		goto out;
	}
	if (a.emit_jobs) {
		snprintf(a.sw.status, sizeof(a.sw.status), "planned");
		err = cb_mkdir_p(dir);
		if (!err)
			err = cb_sweep_json_write(&a.sw, dir);
		if (err) {
			fprintf(stderr, "callbench sweep: cannot write %s/sweep.json: %s\n", dir,
				cb_strerror(err));
			rc = 1;
			goto out;
		}
		emit_jobs(&a.sw, a.base, a.nbase, dir);
		rc = 0;
		goto out;
	}

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prog.n = a.sw.n_cells;
	prog.o = &o;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	if (o.junit[0]) {
		prog.checks = calloc(a.sw.n_cells, sizeof(*prog.checks));
		if (!prog.checks) {
			fprintf(stderr, "callbench sweep: out of memory\n");
			rc = 1;
			goto out;
		}
	}
	hooks.cell_result = cell_result;
	hooks.log =
	    (struct cb_logger){.fn = log_stderr, .max_level = (enum cb_log_level)o.log_level};
	call_hooks.log = hooks.log;
	hooks.call = &call_hooks;
	hooks.stop = &sweep_stop;
	hooks.report_stop = &report_stop;
	printf("callbench sweep %s: %zu cells into %s\n", a.sw.id, a.sw.n_cells, dir);
	fflush(stdout);
	hooks.cell_done = cell_done;
	hooks.user = &prog;
	err = cb_sweep_run(&a.sw, &o.call, dir, &hooks);
	if (err < 0) {
		fprintf(stderr, "callbench sweep: %s\n", cb_strerror(err));
		rc = 1;
		goto out;
	}
	print_table(&a.sw, dir);
	rc = atomic_load(&sweep_stop) ? EXIT_INTERRUPTED : err ? 1 : 0;
	if (rc == 0 && prog.breached_cells) {
		fprintf(stderr, "callbench sweep: %zu cell%s breached a limit: exit 1\n",
			prog.breached_cells, prog.breached_cells == 1 ? "" : "s");
		rc = 1;
	}
	if (rc == 0 && prog.unmeasured_cells) {
		fprintf(stderr, "callbench sweep: %zu cell%s measured nothing: exit 1\n",
			prog.unmeasured_cells, prog.unmeasured_cells == 1 ? "" : "s");
		rc = 1;
	}
	if (prog.checks) {
		size_t ran = 0;

		for (size_t c = 0; c < a.sw.n_cells; c++)
			ran += strcmp(a.sw.cells[c].status, "pending") != 0;
		err = sweep_write_junit(o.junit, &prog, ran);
		if (err < 0) {
			fprintf(stderr, "callbench sweep: --junit %s: %s\n", o.junit,
				cb_strerror(err));
			rc = rc ? rc : 1;
		}
	}
out:
	free(prog.checks);
	cb_sweep_free(&a.sw);
	free(a.rest);
	free(a.base);
	return rc;
}

struct report_opts {
	char out[256];
};

static const struct cb_setting report_options[] = {
    {.name = "out",
     .arg = "DIR",
     .help = "folder for the merged comparison (default: the one sweep folder given)",
     .type = CB_SETTING_STR,
     CB_SETTING_AT(struct report_opts, out)},
    {.name = NULL},
};

int cb_cmd_report(int argc, char **argv)
{
	struct report_opts o = {""};
	struct cb_sweep sw = {.id = ""};
	struct cb_logger log = {.fn = log_stderr, .max_level = CB_LOG_WARN};
	const char *out;
	int help, pos, err, rc = EXIT_USAGE;

	if (opts_parse("callbench report", report_options, &o, argc, argv, &help, &pos) < 0)
		return EXIT_USAGE;
	if (help) {
		printf("usage: callbench report [--out DIR] FOLDER...\n"
		       "       callbench report [--out DIR] PEER_A PEER_B\n\n"
		       "Given the run folders of the two ends of one call (callbench peer\n"
		       "--signal), it writes one call report, call.json and call.md, in --out\n"
		       "(default: call-A-B beside A): each direction with the sender's own counts\n"
		       "(frames, packets, RTX) beside what the receiving end measured, the\n"
		       "packets that went missing between them, and the call's verdict, the\n"
		       "worse direction's.  Otherwise:\n\n"
		       "Merge result folders (sweep folders with sweep.json, or run folders with\n"
		       "summary.json) into one comparison: sweep.json, comparison.csv,\n"
		       "comparison.md, report.html and the sweep plots in --out.  Cells ran\n"
		       "elsewhere (callbench sweep --emit-jobs) are read from their folders.\n\n"
		       "options:\n");
		opts_help(report_options, &o, stdout);
		return 0;
	}
	if (pos >= argc) {
		fprintf(stderr, "callbench report: no folder given (see --help)\n");
		return EXIT_USAGE;
	}
	/* Two halves of one call between peers: one call report. */
	if (argc - pos == 2 && (report_is_half(argv[pos]) || report_is_half(argv[pos + 1])))
		return report_call(argv[pos], argv[pos + 1], o.out);
	if (o.out[0]) {
		out = o.out;
	} else {
		char p[512];

		snprintf(p, sizeof(p), "%s/sweep.json", argv[pos]);
		if (argc - pos != 1 || access(p, R_OK) != 0) {
			fprintf(stderr, "callbench report: --out DIR is needed unless one sweep "
					"folder is given\n");
			return EXIT_USAGE;
		}
		out = argv[pos];
	}
	err = cb_mkdir_p(out);
	if (err) {
		fprintf(stderr, "callbench report: --out %s: %s\n", out, cb_strerror(err));
		return 1;
	}
	for (int i = pos; i < argc; i++) {
		char src[PATH_MAX];

		/* A results folder stands for its latest run or sweep. */
		if (cb_results_follow_latest(argv[i], src, sizeof(src)) < 0)
			snprintf(src, sizeof(src), "%s", argv[i]);
		if (strcmp(src, argv[i]))
			printf("callbench report: %s: reading its latest, %s\n", argv[i], src);
		err = cb_sweep_merge_add(&sw, src, out);
		if (err) {
			fprintf(stderr, "callbench report: %s: %s\n", argv[i],
				err == CB_E_NOTFOUND
				    ? "neither a sweep folder (sweep.json) nor a run folder "
				      "(summary.json)"
				    : cb_strerror(err));
			goto out;
		}
	}
	if (argc - pos > 1) {
		/* Many sources: one merged comparison, its status from its cells. */
		snprintf(sw.id, sizeof(sw.id), "merged");
		sw.status[0] = 0;
	}
	err = cb_sweep_merge_finish(&sw, out);
	if (!err)
		err = cb_sweep_report_write(&sw, out, &log, NULL);
	if (err) {
		fprintf(stderr, "callbench report: %s\n", cb_strerror(err));
		rc = 1;
		goto out;
	}
	print_table(&sw, out);
	rc = 0;
out:
	cb_sweep_free(&sw);
	return rc;
}
