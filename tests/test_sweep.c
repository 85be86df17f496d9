/*
 * The sweep: a grid of simulated calls, its sweep.json and comparison, the
 * self-contained report.html of a run and of a sweep, and the commands
 * (`callbench sweep --emit-jobs`, `callbench report`) through the built
 * program beside this test binary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "call/call.h"
#include "codec/codec.h"
#include "report/report.h"
#include "call/sweep_run.h"
#include "report/sweep.h"
#include "report_check.h"
#include "test_util.h"

static void tiny_cfg(struct cb_call_cfg *c, uint64_t seed)
{
	cb_call_cfg_default(c);
	c->duration_s = 1.0;
	c->width = 160;
	c->height = 120;
	c->sim = 1;
	c->codec_time_fixed = 1;
	c->codec_ms[0] = 5.0;
	c->codec_ms[1] = 1.0;
	c->seed = seed;
}

/* vp8 and another registered video codec if there is one (else vp8 twice, by bitrate only). */
static const char *second_video_codec(void)
{
	const struct cb_codec_ops *c;
	size_t it = 0;

	while ((c = cb_codec_iterate(&it)))
		if (c->media == CB_MEDIA_VIDEO && strcmp(c->name, "vp8") != 0)
			return c->name;
	return NULL;
}

static int contains(const char *path, const char *needle)
{
	char *text = cb_slurp(path, NULL);
	int yes = text && strstr(text, needle) != NULL;

	free(text);
	return yes;
}

/* The page stands alone: nothing in it names a network location. */
static void check_self_contained(const char *path)
{
	char *text = cb_slurp(path, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(strncmp(text, "<!DOCTYPE html>", 15) == 0);
	CU_ASSERT_PTR_NULL(strstr(text, "http://"));
	CU_ASSERT_PTR_NULL(strstr(text, "https://"));
	CU_ASSERT_PTR_NULL(strstr(text, "<?xml"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "</html>"));
	free(text);
}

/*
 * video-codec x video-bitrate, 2 x 2.  Without a second video codec in the
 * build, vp8 twice: the names must then still differ ("-2").
 */
static void plan_2x2(struct cb_sweep *sw, const char *id)
{
	const char *two = second_video_codec();
	const char *codecs[2] = {"vp8", two ? two : "vp8"};
	const char *rates[2] = {"200", "400"};

	memset(sw, 0, sizeof(*sw));
	snprintf(sw->id, sizeof(sw->id), "%s", id);
	CU_ASSERT_EQUAL_FATAL(cb_sweep_axis_add(sw, "video-codec", codecs, 2), 0);
	CU_ASSERT_EQUAL_FATAL(cb_sweep_axis_add(sw, "video-bitrate", rates, 2), 0);
	CU_ASSERT_EQUAL_FATAL(cb_sweep_plan(sw), 0);
}

/* |csv - json| within the CSV's rounding at `decimals`; both empty/null count as equal. */
static void check_num(const struct cb_csv *csv, size_t row, const char *col, json_t *v,
		      int decimals)
{
	int c = cb_csv_col(csv, col);
	const char *cell;

	CU_ASSERT_FATAL(c >= 0);
	cell = cb_csv_at(csv, row, c);
	if (!v || json_is_null(v)) {
		CU_ASSERT_STRING_EQUAL(cell, "");
		return;
	}
	CU_ASSERT(*cell != 0);
	CU_ASSERT(fabs(atof(cell) - json_number_value(v)) <= 0.5 * pow(10, -decimals) + 1e-9);
}

static void check_comparison(const char *dir, const struct cb_sweep *sw)
{
	struct cb_csv csv;
	char path[1024];

	snprintf(path, sizeof(path), "%s/comparison.csv", dir);
	CU_ASSERT_EQUAL_FATAL(cb_csv_read(path, &csv), 0);
	CU_ASSERT_EQUAL(csv.nrows, sw->n_cells);
	CU_ASSERT(cb_csv_col(&csv, sw->axis[0].name) >= 0);
	for (size_t r = 0; r < csv.nrows && r < sw->n_cells; r++) {
		json_t *root;

		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, r, cb_csv_col(&csv, "cell")),
				       sw->cells[r].name);
		snprintf(path, sizeof(path), "%s/%s/summary.json", dir, sw->cells[r].name);
		root = json_load_file(path, 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(root);
		CU_ASSERT_STRING_EQUAL(
		    cb_csv_at(&csv, r, cb_csv_col(&csv, "verdict")),
		    json_string_value(json_object_get(json_object_get(root, "verdict"), "band")));
		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, r, cb_csv_col(&csv, "status")), "complete");
		{
			json_t *v = json_object_get(json_object_get(root, "media"), "video");
			json_t *lat = json_object_get(v, "latency_ms");
			json_t *a = json_object_get(
			    json_object_get(json_object_get(root, "media"), "audio"), "latency_ms");

			check_num(&csv, r, "video_p50_ms", json_object_get(lat, "p50"), 3);
			check_num(&csv, r, "video_p95_ms", json_object_get(lat, "p95"), 3);
			check_num(&csv, r, "video_p99_ms", json_object_get(lat, "p99"), 3);
			check_num(&csv, r, "audio_p50_ms", json_object_get(a, "p50"), 3);
			check_num(&csv, r, "audio_p95_ms", json_object_get(a, "p95"), 3);
			check_num(
			    &csv, r, "psnr_db_mean",
			    json_object_get(
				json_object_get(json_object_get(v, "quality"), "psnr_db"), "mean"),
			    3);
			check_num(
			    &csv, r, "ssim_mean",
			    json_object_get(json_object_get(json_object_get(v, "quality"), "ssim"),
					    "mean"),
			    5);
			check_num(&csv, r, "video_kbps",
				  json_object_get(json_object_get(v, "bitrate"), "achieved_kbps"),
				  3);
			check_num(
			    &csv, r, "encode_ms_per_frame",
			    json_object_get(
				json_object_get(json_object_get(v, "stages_ms"), "encode"), "mean"),
			    3);
			check_num(&csv, r, "identified_pct", json_object_get(v, "identified_pct"),
				  2);
		}
		json_decref(root);
	}
	cb_csv_free(&csv);
}

/* The grid test leaves its folder (root/sw) for the report test, which removes it. */
static char sweep_root[128], sweep_dir[256];

static void test_grid_2x2(void)
{
	char tmpl[] = "/tmp/cb-sweep-XXXXXX", path[1024];
	char *out = mkdtemp(tmpl);
	struct cb_sweep sw;
	struct cb_call_cfg base;
	struct cb_sweep_hooks hooks = {.user = NULL}; /* axes apply through the settings table */
	json_t *root, *cells;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	snprintf(sweep_root, sizeof(sweep_root), "%s", out);
	snprintf(sweep_dir, sizeof(sweep_dir), "%s/sw", out);
	tiny_cfg(&base, 3);
	plan_2x2(&sw, "t2x2");
	CU_ASSERT_EQUAL_FATAL(sw.n_cells, 4);
	/* Named from the values, last axis fastest. */
	CU_ASSERT(strstr(sw.cells[0].name, "200") != NULL);
	CU_ASSERT(strstr(sw.cells[1].name, "400") != NULL);
	rc = cb_sweep_run(&sw, &base, sweep_dir, &hooks);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(sw.status, "complete");
	for (size_t c = 0; c < sw.n_cells; c++) {
		snprintf(path, sizeof(path), "%s/%s", sweep_dir, sw.cells[c].name);
		cb_test_check_folder(path);
		snprintf(path, sizeof(path), "%s/%s/report.html", sweep_dir, sw.cells[c].name);
		check_self_contained(path);
		CU_ASSERT(contains(path, sw.cells[c].fig.band));
		CU_ASSERT(contains(path, "<svg")); /* the plots, inline */
	}
	snprintf(path, sizeof(path), "%s/sweep.json", sweep_dir);
	root = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "schema")), CB_SWEEP_SCHEMA);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "status")), "complete");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "axes")), 2);
	cells = json_object_get(root, "cells");
	CU_ASSERT_EQUAL(json_array_size(cells), 4);
	for (size_t c = 0; c < json_array_size(cells) && c < 4; c++) {
		json_t *jc = json_array_get(cells, c);

		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(jc, "dir")),
				       sw.cells[c].name);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(jc, "status")),
				       "complete");
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
					   json_object_get(jc, "values"), "video-bitrate")),
				       sw.cells[c].value[1]);
	}
	json_decref(root);
	check_comparison(sweep_dir, &sw);
	snprintf(path, sizeof(path), "%s/report.html", sweep_dir);
	check_self_contained(path);
	CU_ASSERT(contains(path, sw.cells[0].fig.band));
	CU_ASSERT(contains(path, sw.cells[3].name));
	snprintf(path, sizeof(path), "%s/comparison.md", sweep_dir);
	CU_ASSERT(contains(path, "| cell |"));
	CU_ASSERT(!contains(path, "PARTIAL"));
	snprintf(path, sizeof(path), "%s/sweep_rd.svg", sweep_dir);
	CU_ASSERT(access(path, R_OK) == 0);
	cb_sweep_free(&sw);
}

/* A run id with HTML (or shell, or gnuplot) specials is refused before the
 * call; the merged report's escaping of outside run ids is in test_security. */
static void test_html_escapes_run_id(void)
{
	char tmpl[] = "/tmp/cb-sweep-XXXXXX";
	char *out = mkdtemp(tmpl);
	struct cb_call_cfg cfg;
	struct cb_run_result res;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	tiny_cfg(&cfg, 5);
	snprintf(cfg.out_dir, sizeof(cfg.out_dir), "%s", out);
	snprintf(cfg.run_id, sizeof(cfg.run_id), "a<b>&\"c'");
	CU_ASSERT_EQUAL(cb_call_run(&cfg, NULL, &res), -EINVAL);
	CU_ASSERT(strstr(res.error, "run id") != NULL);
	cb_run_result_free(&res);
	cb_test_rm_rf(out);
}

static void stop_after_first(void *user, size_t i, const struct cb_sweep_cell *c,
			     const struct cb_run_result *res)
{
	(void)c;
	(void)res;
	if (i == 0)
		atomic_store((atomic_int *)user, 1);
}

/* A stop after the first cell: the rest stay pending, the report says partial. */
static void test_interrupted_is_partial(void)
{
	char tmpl[] = "/tmp/cb-sweep-XXXXXX", dir[600], path[1024];
	char *out = mkdtemp(tmpl);
	atomic_int stop = 0;
	struct cb_sweep sw;
	struct cb_call_cfg base;
	struct cb_sweep_hooks hooks = {.cell_done = stop_after_first, .user = &stop, .stop = &stop};
	json_t *root;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	snprintf(dir, sizeof(dir), "%s/sw", out);
	tiny_cfg(&base, 4);
	plan_2x2(&sw, "stopped");
	CU_ASSERT_EQUAL(cb_sweep_run(&sw, &base, dir, &hooks), 3);
	CU_ASSERT_STRING_EQUAL(sw.status, "interrupted");
	CU_ASSERT_STRING_EQUAL(sw.cells[0].status, "complete");
	CU_ASSERT_STRING_EQUAL(sw.cells[1].status, "pending");
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	root = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "status")), "interrupted");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "cells")), 4);
	json_decref(root);
	snprintf(path, sizeof(path), "%s/comparison.md", dir);
	CU_ASSERT(contains(path, "PARTIAL"));
	snprintf(path, sizeof(path), "%s/report.html", dir);
	CU_ASSERT(contains(path, "Partial"));
	check_self_contained(path);
	snprintf(path, sizeof(path), "%s/%s", dir, sw.cells[1].name);
	CU_ASSERT(access(path, F_OK) != 0);
	cb_sweep_free(&sw);
	cb_test_rm_rf(out);
}

static void test_plan_rejects(void)
{
	struct cb_sweep sw = {.n_axes = 0};
	const char *v[1] = {"x"};

	CU_ASSERT_EQUAL(cb_sweep_axis_add(&sw, "size", v, 0), -EINVAL);
	CU_ASSERT_EQUAL(cb_sweep_axis_add(&sw, "size", v, 1), 0);
	CU_ASSERT_EQUAL(cb_sweep_axis_add(&sw, "size", v, 1), -EINVAL);
	for (int i = 1; i < CB_SWEEP_MAX_AXES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "a%d", i);
		CU_ASSERT_EQUAL(cb_sweep_axis_add(&sw, name, v, 1), 0);
	}
	CU_ASSERT_EQUAL(cb_sweep_axis_add(&sw, "one-more", v, 1), CB_E_RANGE);
	CU_ASSERT_EQUAL(cb_sweep_plan(&sw), 0);
	CU_ASSERT_EQUAL(sw.n_cells, 1);
	/* A value that is not a safe file name becomes one. */
	cb_sweep_free(&sw);
	{
		const char *bad[2] = {"../x y", "a/b"};
		CU_ASSERT_EQUAL(cb_sweep_axis_add(&sw, "net", bad, 2), 0);
		CU_ASSERT_EQUAL(cb_sweep_plan(&sw), 0);
		CU_ASSERT_STRING_EQUAL(sw.cells[0].name, "-.-x-y");
		CU_ASSERT_STRING_EQUAL(sw.cells[1].name, "a-b");
	}
	cb_sweep_free(&sw);
}

static void test_cli_emit_jobs(void)
{
	char prog[600], tmpl[] = "/tmp/cb-sweep-XXXXXX", cmd[2048], out[16384], path[1024];
	char *dir = mkdtemp(tmpl), *save = NULL;
	const char *two = second_video_codec();
	int lines = 0;
	json_t *root;

	cb_test_program_path(prog, sizeof(prog));
	if (!prog[0])
		CB_SKIP("build/callbench not built");
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(cmd, sizeof(cmd),
		 "callbench sweep --clock sim --codec-time fixed:5,1 --duration 1 --size 160x120 "
		 "--axis video-codec=vp8,%s --axis 'net=delay=10,loss=1|delay=40' --emit-jobs "
		 "--out %s/jobs",
		 two ? two : "vp8", dir);
	CU_ASSERT_EQUAL_FATAL(cb_test_sh(prog, cmd, out, sizeof(out)), 0);
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char check[4096];

		lines++;
		CU_ASSERT(strncmp(l, "callbench run ", 14) == 0);
		CU_ASSERT(strstr(l, "--run-id ") != NULL);
		CU_ASSERT(strstr(l, "--emit-jobs") == NULL);
		/* run parses every option before it reads --help: status 0 = a valid line. */
		snprintf(check, sizeof(check), "%s --help >/dev/null 2>&1", l);
		CU_ASSERT_EQUAL(cb_test_sh(prog, check, NULL, 0), 0);
	}
	CU_ASSERT_EQUAL(lines, 4);
	snprintf(path, sizeof(path), "%s/jobs/sweep.json", dir);
	root = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "status")), "planned");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "cells")), 4);
	json_decref(root);
	/* A bad axis value is a usage error naming the option. */
	snprintf(cmd, sizeof(cmd), "callbench sweep --axis size=12x7 --emit-jobs --out %s/bad 2>&1",
		 dir);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "--size") != NULL);
	cb_test_rm_rf(dir);
}

/* `callbench report` on the grid's folder gives the same comparison, in place or elsewhere. */
static void test_cli_report_merges(void)
{
	char prog[600], cmd[2048], path[1024], *before, *after, other[600];
	struct cb_csv a, b;

	cb_test_program_path(prog, sizeof(prog));
	if (!prog[0])
		CB_SKIP("build/callbench not built");
	if (!sweep_dir[0])
		CB_SKIP("the grid test did not run");
	snprintf(path, sizeof(path), "%s/comparison.csv", sweep_dir);
	before = cb_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	snprintf(cmd, sizeof(cmd), "callbench report %s >/dev/null", sweep_dir);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, NULL, 0), 0);
	after = cb_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	/* wall_s differs in nothing: the numbers come from the same summaries. */
	CU_ASSERT_STRING_EQUAL(before, after);
	free(after);
	free(before);

	/* Merged elsewhere from the run folders alone: axes found from what differs. */
	snprintf(other, sizeof(other), "%s/../merged", sweep_dir);
	snprintf(cmd, sizeof(cmd), "callbench report --out %s %s/*_200* %s/*_400* >/dev/null",
		 other, sweep_dir, sweep_dir);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/comparison.csv", sweep_dir);
	CU_ASSERT_EQUAL_FATAL(cb_csv_read(path, &a), 0);
	snprintf(path, sizeof(path), "%s/comparison.csv", other);
	CU_ASSERT_EQUAL_FATAL(cb_csv_read(path, &b), 0);
	CU_ASSERT_EQUAL(b.nrows, a.nrows);
	CU_ASSERT(cb_csv_col(&b, "video-bitrate") >= 0);
	for (size_t r = 0; r < a.nrows && r < b.nrows; r++)
		for (size_t r2 = 0; r2 < b.nrows; r2++)
			if (!strcmp(cb_csv_at(&a, r, 0), cb_csv_at(&b, r2, 0))) {
				CU_ASSERT_STRING_EQUAL(
				    cb_csv_at(&a, r, cb_csv_col(&a, "video_p95_ms")),
				    cb_csv_at(&b, r2, cb_csv_col(&b, "video_p95_ms")));
				CU_ASSERT_STRING_EQUAL(
				    cb_csv_at(&a, r, cb_csv_col(&a, "video-bitrate")),
				    cb_csv_at(&b, r2, cb_csv_col(&b, "video-bitrate")));
			}
	cb_csv_free(&a);
	cb_csv_free(&b);
	snprintf(path, sizeof(path), "%s/report.html", other);
	check_self_contained(path);
	/* Not a result folder: a usage error. */
	snprintf(cmd, sizeof(cmd), "callbench report --out %s /tmp >/dev/null 2>&1", other);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, NULL, 0), 2);
	cb_test_rm_rf(sweep_root);
	sweep_dir[0] = 0;
}

int cb_suite_sweep(void)
{
	static const struct cb_test_case cases[] = {
	    {"axes and cell names", test_plan_rejects},
	    {"2x2 grid: run folders, sweep.json, comparison, report.html", test_grid_2x2},
	    {"callbench report merges the grid again", test_cli_report_merges},
	    {"a run id with HTML specials is refused", test_html_escapes_run_id},
	    {"a stopped sweep is a marked partial report", test_interrupted_is_partial},
	    {"--emit-jobs prints one valid run line per cell", test_cli_emit_jobs},
	    {NULL, NULL},
	};
	return cb_add_suite("sweep", cases);
}
