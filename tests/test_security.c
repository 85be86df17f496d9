/*
 * Outside text that reaches a gnuplot script or an HTML page (issue 15):
 * run ids, and everything a summary.json from someone else's CI artifact
 * holds.  gnuplot runs backquoted text inside double-quoted strings and a
 * line break starts a new command, so each payload here tries to create a
 * canary file; none may.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "call/call.h"
#include "report/report.h"
#include "report/sweep.h"
#include "test_util.h"

static int have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* The payloads, each naming `canary` to create. */
static void payloads(const char *canary, char (*out)[256], size_t *n)
{
	static const char *const fmt[] = {
	    "q`touch %s`",
	    "x\"`touch %s`\"",
	    "x'\n`touch %s`\n",
	    "x\nsystem('touch %s')\n",
	    "$(touch %s)",
	    "a\\\n`touch %s`",
	    "m\nm='`touch %s`'\n@m",
	    /* braces: each plot is a { } block of the script */
	    "b}\nsystem('touch %s')\n{",
	    "c{`touch %s`}",
	};
	*n = sizeof(fmt) / sizeof(fmt[0]);
	for (size_t i = 0; i < *n; i++)
		snprintf(out[i], 256, fmt[i], canary);
}

static void test_run_id_check(void)
{
	static const char *const good[] = {"clean", "a.b_c+d-1", "20261203-101500-123-s1", "X"};
	static const char *const bad[] = {
	    "",
	    "latest",
	    "../x",
	    "a/b",
	    ".hidden",
	    "-x",
	    "q`touch Q1`",
	    "a b",
	    "a\nb",
	    "$(x)",
	    "a'b",
	    "a\"b",
	    "<b>",
	    "x;y",
	    "0123456789012345678901234567890123456789012345678901234567890123"};
	char why[128];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT_EQUAL(cb_run_id_check(good[i], why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		CU_ASSERT_EQUAL(cb_run_id_check(bad[i], why, sizeof(why)), -EINVAL);
		CU_ASSERT(why[0] != 0);
	}
}

/* A small simulated call to draw: its result, with run id "sec". */
static int sim_result(struct cb_run_result *res, const char *out)
{
	static const double codec_ms[4] = {5, 1, 1, 1};
	struct cb_call_cfg cfg;

	cb_test_sim_cfg(&cfg, 0.6, codec_ms, 3);
	snprintf(cfg.out_dir, sizeof(cfg.out_dir), "%s", out);
	snprintf(cfg.run_id, sizeof(cfg.run_id), "sec");
	return cb_call_run(&cfg, NULL, res);
}

static void test_plots_run_no_outside_text(void)
{
	char tmpl[] = "/tmp/cb-sec-XXXXXX", canary[PATH_MAX], dir[PATH_MAX], png[PATH_MAX + 16];
	char p[16][256];
	char *base = mkdtemp(tmpl);
	struct cb_run_result res;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(base);
	if (!have_gnuplot()) {
		cb_test_rm_rf(base);
		CB_SKIP("gnuplot not installed");
	}
	CU_ASSERT_EQUAL_FATAL(sim_result(&res, base), 0);
	snprintf(canary, sizeof(canary), "%s/CANARY", base);
	payloads(canary, p, &n);
	for (size_t i = 0; i < n; i++) {
		/* The library refuses such an id for a call; the plots must be
		 * safe even so (a result read back, a caller that skips the check). */
		snprintf(res.run_id, sizeof(res.run_id), "%s", p[i]);
		snprintf(dir, sizeof(dir), "%s/p%zu", base, i);
		CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
		unsigned made = 0, failed = 0;

		CU_ASSERT_EQUAL(cb_report_plots(&res, dir, NULL, NULL, &made, &failed), 0);
		CU_ASSERT_EQUAL(failed, 0);
		CU_ASSERT(made & 1u << CB_PLOT_LATENCY);
		snprintf(png, sizeof(png), "%s/latency.png", dir);
		CU_ASSERT_EQUAL(access(png, F_OK), 0);
		if (access(canary, F_OK) == 0) {
			printf("\n      run id %zu ran a command\n", i);
			CU_FAIL("a run id ran a shell command through gnuplot");
			unlink(canary);
		}
	}
	cb_run_result_free(&res);
	cb_test_rm_rf(base);
}

/* Set `path` (dotted) of `root` to the string `v`. */
static void set_str(json_t *root, const char *path, const char *v)
{
	char key[64];
	const char *dot;
	json_t *o = root;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	json_object_set_new(o, path, json_string(v));
}

static void test_merged_report_no_outside_text(void)
{
	char tmpl[] = "/tmp/cb-sec-XXXXXX", canary[PATH_MAX], run[PATH_MAX], path[PATH_MAX + 32];
	char p[16][256], out[PATH_MAX], *html = NULL;
	char *base = mkdtemp(tmpl);
	struct cb_run_result res;
	struct cb_sweep sw;
	size_t n, len = 0;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(base);
	CU_ASSERT_EQUAL_FATAL(sim_result(&res, base), 0);
	CU_ASSERT_EQUAL_FATAL(cb_report_write(&res, NULL, NULL, run, sizeof(run)), 0);
	cb_run_result_free(&res);
	snprintf(canary, sizeof(canary), "%s/CANARY", base);
	payloads(canary, p, &n);
	memset(&sw, 0, sizeof(sw));
	snprintf(out, sizeof(out), "%s/merged", base);
	/* One run folder per payload, each a copy of the run with the payload
	 * in every string a merged report shows or plots. */
	for (size_t i = 0; i < n; i++) {
		char d[PATH_MAX], cmd[3 * PATH_MAX];
		json_t *root;

		snprintf(d, sizeof(d), "%s/r%zu", base, i);
		snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s'", run, d);
		CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
		snprintf(path, sizeof(path), "%s/summary.json", d);
		root = json_load_file(path, 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(root);
		set_str(root, "run_id", i == 0 ? "a<b>&\"c'" : p[i]);
		set_str(root, "settings.video_codec", p[i]);
		set_str(root, "settings.network.profile", p[i]);
		set_str(root, "settings.transport", p[i]);
		if (i == 0)
			set_str(root, "verdict.band", "<base href=//x>");
		CU_ASSERT_EQUAL(json_dump_file(root, path, 0), 0);
		json_decref(root);
		CU_ASSERT_EQUAL(cb_sweep_merge_add(&sw, d, out), 0);
	}
	CU_ASSERT_EQUAL(cb_sweep_merge_finish(&sw, out), 0);
	CU_ASSERT(sw.n_axes >= 1); /* the codec differs: an axis of outside text */
	CU_ASSERT_EQUAL(cb_sweep_report_write(&sw, out, NULL, NULL), 0);
	CU_ASSERT(access(canary, F_OK) != 0);
	/* The forged band is shown as what it is not: none of the schema's. */
	snprintf(path, sizeof(path), "%s/report.html", out);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_FATAL(getdelim(&html, &len, '\0', f) > 0);
	CU_ASSERT(strstr(html, "<base") == NULL);
	CU_ASSERT(strstr(html, "a&lt;b&gt;&amp;&quot;c&#39;") != NULL);
	CU_ASSERT(strstr(html, "a<b>") == NULL);
	free(html);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(sw.cells[0].status, "invalid");
	CU_ASSERT_STRING_EQUAL(sw.cells[0].fig.band, "none");
	cb_sweep_free(&sw);
	cb_test_rm_rf(base);
}

static void test_cli_refuses_run_id(void)
{
	char prog[512], cmd[1024], out[2048];

	cb_test_program_path(prog, sizeof(prog));
	if (!prog[0])
		CB_SKIP("build/callbench not built");
	snprintf(cmd, sizeof(cmd),
		 "cd /tmp && callbench run --clock sim --duration 0.5 --run-id 'q`touch "
		 "cb-sec-Q1`' --out /tmp/cb-sec-never 2>&1");
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "--run-id") != NULL);
	CU_ASSERT(access("/tmp/cb-sec-Q1", F_OK) != 0);
	CU_ASSERT(access("/tmp/cb-sec-never", F_OK) != 0);
	unlink("/tmp/cb-sec-Q1");
	cb_test_rm_rf("/tmp/cb-sec-never");
	/* Numbers are decimal: strtod would take 0x10 as 16 and inf as forever. */
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench run --duration 0x10 2>&1", out, sizeof(out)),
			2);
	CU_ASSERT(strstr(out, "'0x10' is not a number") != NULL);
	CU_ASSERT_EQUAL(
	    cb_test_sh(prog, "callbench run --video-bitrate inf 2>&1", out, sizeof(out)), 2);
}

int cb_suite_security(void)
{
	static const struct cb_test_case cases[] = {
	    {"run ids: a folder name of safe characters only", test_run_id_check},
	    {"plots: no run id runs a command through gnuplot", test_plots_run_no_outside_text},
	    {"merged report: summary.json strings run nothing, forged bands not shown",
	     test_merged_report_no_outside_text},
	    {"callbench run: a bad --run-id or a non-decimal number is a usage error",
	     test_cli_refuses_run_id},
	    {NULL, NULL},
	};
	return cb_add_suite("security", cases);
}
