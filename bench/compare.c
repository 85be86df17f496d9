/*
 * compare.c — `callbench compare [options] BASELINE CURRENT`: hold one run
 * (or sweep) against another with a tolerance per metric, print a readable
 * diff, optionally write JUnit XML and a Markdown summary, and exit 0 (no
 * regression), 1 (regression) or 2 (bad input), so CI can gate on it.
 */
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "commands.h"
#include <jansson.h>
#include <math.h>

#include "options.h"
#include "report/compare.h"

#define EXIT_REGRESSION 1
#define EXIT_USAGE	2

struct compare_opts {
	const char *tolerances, *junit, *markdown; /* argv strings, NULL = not asked */
	int json;
	int quiet;
};

/* The file options keep a pointer to the argument: argv outlives the command,
 * and no length limit needs inventing. */
static int take_tolerances(void *base, const char *val, char *why, size_t len)
{
	(void)why;
	(void)len;
	((struct compare_opts *)base)->tolerances = val;
	return 0;
}

static int take_junit(void *base, const char *val, char *why, size_t len)
{
	(void)why;
	(void)len;
	((struct compare_opts *)base)->junit = val;
	return 0;
}

static int take_markdown(void *base, const char *val, char *why, size_t len)
{
	(void)why;
	(void)len;
	((struct compare_opts *)base)->markdown = val;
	return 0;
}

static const struct cb_setting compare_options[] = {
    {.name = "tolerances",
     .arg = "FILE.json",
     .help = "tolerances overriding the built-in ones (format below)",
     .type = CB_SETTING_CUSTOM,
     .parse = take_tolerances,
     .shown = "built in"},
    {.name = "junit",
     .arg = "FILE.xml",
     .help = "write JUnit XML: a testsuite per run or cell, a testcase per metric",
     .type = CB_SETTING_CUSTOM,
     .parse = take_junit,
     .shown = "none"},
    {.name = "markdown",
     .arg = "FILE.md",
     .help = "write a Markdown table for a pull-request comment",
     .type = CB_SETTING_CUSTOM,
     .parse = take_markdown,
     .shown = "none"},
    {.name = "quiet",
     .help = "print only regressions and the outcome",
     .type = CB_SETTING_FLAG,
     CB_SETTING_AT(struct compare_opts, quiet),
     .flag = 1},
    {.name = "json",
     .help = "print the comparison as JSON on stdout instead of the table",
     .type = CB_SETTING_FLAG,
     CB_SETTING_AT(struct compare_opts, json),
     .flag = 1},
    {.name = NULL},
};

/* printf's widths count bytes; the cells hold "→", "–", "−", so pad by
 * code points to keep the columns straight. */
static void pad(const char *s, int width)
{
	int n = 0;

	for (const char *p = s; *p; p++)
		n += ((unsigned char)*p & 0xc0) != 0x80;
	fputs(s, stdout);
	for (; n < width; n++)
		putchar(' ');
}

static void compare_help(FILE *out)
{
	struct compare_opts d = {0};
	struct cb_cmp_tolerances t;
	char txt[64];

	cb_cmp_tolerances_default(&t);
	fprintf(out,
		"usage: callbench compare [options] BASELINE CURRENT\n\n"
		"Compare a run with a baseline, metric by metric.  BASELINE and CURRENT are\n"
		"each a summary.json, a run folder, or a sweep folder (sweep.json; its cells\n"
		"are compared by name).  A metric regresses when it got worse by more than its\n"
		"tolerance; an improvement always passes.  Latency has a relative and an\n"
		"absolute part: it regresses only when the change exceeds both (so +10 %% of a\n"
		"20 ms latency is not failed for 2.1 ms of noise).\n\n"
		"options [default]:\n");
	opts_help(compare_options, &d, out);
	fprintf(out, "\nmetrics and built-in tolerances (worse by more than this = regression):\n");
	for (size_t i = 0; i < cb_cmp_metric_count(); i++) {
		cb_cmp_tol_text(i, &t.tol[i], txt, sizeof(txt));
		fprintf(out, "  %-28s %s\n", cb_cmp_metric_name(i), txt);
	}
	fprintf(
	    out,
	    "\n--tolerances file: {\"schema\": \"%s\", \"tolerances\": {\n"
	    "  \"latency_ms.p95\": {\"rel_pct\": 20, \"abs\": 10},   (both media)\n"
	    "  \"audio.quality.emodel.mos\": {\"abs\": 0.2},       (one media; wins)\n"
	    "  \"video.quality.ssim.mean\": {\"skip\": true}}}\n"
	    "abs is in the metric's unit (ms, dB, %% points, band steps); null unsets a part.\n\n"
	    "Exit status: 0 no regression, 1 regression, 2 bad input (missing file, bad\n"
	    "JSON, another schema, a member missing) or bad usage.\n",
	    CB_CMP_SCHEMA_TOL);
}

/* The comparison for scripts: {regressions, metrics, groups: [{name,
 * baseline, current, items: [{name, unit, baseline, current, delta, pass,
 * change, tolerance}]}]}. */
static void print_json(const struct cb_cmp_report *r)
{
	json_t *root = json_pack("{s:I, s:I, s:o}", "regressions", (json_int_t)r->failed, "metrics",
				 (json_int_t)r->n_items, "groups", json_array());
	json_t *groups = json_object_get(root, "groups");
	char *text;

	for (size_t g = 0; root && g < r->n_groups; g++) {
		const struct cb_cmp_group *gr = &r->groups[g];
		json_t *items = json_array();

		for (size_t i = gr->first; items && i < gr->first + gr->n; i++) {
			const struct cb_cmp_item *it = &r->items[i];

			json_array_append_new(
			    items,
			    json_pack(
				"{s:s, s:s, s:o, s:o, s:o, s:b, s:s, s:s}", "name", it->name,
				"unit", it->unit, "baseline",
				isfinite(it->baseline) ? json_real(it->baseline) : json_null(),
				"current",
				isfinite(it->current) ? json_real(it->current) : json_null(),
				"delta", isfinite(it->delta) ? json_real(it->delta) : json_null(),
				"pass", it->pass, "change", it->change_txt, "tolerance",
				it->tolerance_txt));
		}
		json_array_append_new(groups, json_pack("{s:s, s:s, s:s, s:I, s:o}", "name",
							gr->name, "baseline", gr->baseline_path,
							"current", gr->current_path, "regressions",
							(json_int_t)gr->failed, "items", items));
	}
	text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (text)
		puts(text);
	free(text);
	json_decref(root);
}

static void print_diff(const struct cb_cmp_report *r, int quiet)
{
	for (size_t g = 0; g < r->n_groups; g++) {
		const struct cb_cmp_group *gr = &r->groups[g];

		if (quiet && !gr->failed)
			continue;
		if (gr->name[0])
			printf("\ncell %s\n", gr->name);
		printf("  baseline %s\n  current  %s\n", gr->baseline_path, gr->current_path);
		printf("  %-28s %-12s %-12s %-22s %-18s\n", "metric", "baseline", "current",
		       "change", "tolerance");
		for (size_t i = gr->first; i < gr->first + gr->n; i++) {
			const struct cb_cmp_item *it = &r->items[i];

			if (quiet && it->pass)
				continue;
			printf("  ");
			pad(it->name, 29);
			pad(it->baseline_txt, 13);
			pad(it->current_txt, 13);
			pad(it->change_txt, 23);
			pad(it->tolerance_txt, 19);
			puts(it->pass ? "ok" : "REGRESSION");
		}
	}
	if (r->extra_cells[0])
		printf("note: cells only in the current sweep, not compared: %s\n", r->extra_cells);
	if (!r->failed) {
		printf("callbench compare: no regression (%zu metrics)\n", r->n_items);
		return;
	}
	printf("callbench compare: %zu regression%s in %zu metrics:", r->failed,
	       r->failed == 1 ? "" : "s", r->n_items);
	for (size_t i = 0; i < r->n_items; i++)
		if (!r->items[i].pass)
			printf(" %s%s%s", r->items[i].group, r->items[i].group[0] ? "/" : "",
			       r->items[i].name);
	putchar('\n');
}

int cb_cmd_compare(int argc, char **argv)
{
	struct compare_opts o = {0};
	struct cb_cmp_tolerances tol;
	struct cb_cmp_report rep;
	char why[768];
	int help, pos, rc, err;

	if (opts_parse("callbench compare", compare_options, &o, argc, argv, &help, &pos) < 0)
		return EXIT_USAGE;
	if (help) {
		compare_help(stdout);
		return 0;
	}
	if (argc - pos != 2) {
		fprintf(stderr,
			"callbench compare: need BASELINE and CURRENT, got %d argument%s "
			"(see --help)\n",
			argc - pos, argc - pos == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	cb_cmp_tolerances_default(&tol);
	if (o.tolerances && cb_cmp_tolerances_load(&tol, o.tolerances, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench compare: --tolerances: %s\n", why);
		return EXIT_USAGE;
	}
	rc = cb_cmp_paths(argv[pos], argv[pos + 1], &tol, &rep);
	if (rc < 0) {
		const char *msg = rep.error[0] ? rep.error : cb_strerror(rc);

		fprintf(stderr, "callbench compare: %s\n", msg);
		if (o.junit && (err = cb_cmp_write_junit_error(o.junit, msg)) < 0)
			fprintf(stderr, "callbench compare: --junit %s: %s\n", o.junit,
				cb_strerror(err));
		cb_cmp_report_free(&rep);
		return EXIT_USAGE;
	}
	if (o.json)
		print_json(&rep);
	else
		print_diff(&rep, o.quiet);
	rc = rep.failed ? EXIT_REGRESSION : 0;
	/* An output that cannot be written is reported as bad input naming the
	 * file: CI must not read a missing JUnit file as a pass. */
	if (o.junit && (err = cb_cmp_write_junit(&rep, o.junit)) < 0) {
		fprintf(stderr, "callbench compare: --junit %s: %s\n", o.junit, cb_strerror(err));
		rc = EXIT_USAGE;
	}
	if (o.markdown && (err = cb_cmp_write_markdown(&rep, o.markdown)) < 0) {
		fprintf(stderr, "callbench compare: --markdown %s: %s\n", o.markdown,
			cb_strerror(err));
		rc = EXIT_USAGE;
	}
	cb_cmp_report_free(&rep);
	return rc;
}
