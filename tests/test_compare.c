/*
 * Suite "compare": cb_cmp_paths() and its writers, on small summaries built
 * by hand (only the members compare reads), in a mkdtemp folder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "report/compare.h"
#include "test_util.h"

/* A summary.json with every member compare reads, of a healthy run. */
static json_t *summary(void)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:{"
			 "s:{s:{s:f, s:f}, s:f, s:{s:i, s:i}, s:{s:s}, s:{s:{s:f}, s:{s:f}, s:i}},"
			 "s:{s:{s:f, s:f}, s:f, s:{s:i, s:i}, s:{s:s}, s:{s:{s:f}}}}}",
			 "schema", "callbench.summary/1", "status", "complete", "verdict", "band",
			 "good", "media", "video", "latency_ms", "p50", 57.0, "p95", 130.0,
			 "identified_pct", 100.0, "packets", "sent", 1000, "lost", 0, "verdict",
			 "band", "good", "quality", "psnr_db", "mean", 39.1, "ssim", "mean", 0.942,
			 "freeze_count", 0, "audio", "latency_ms", "p50", 97.0, "p95", 97.1,
			 "identified_pct", 100.0, "packets", "sent", 200, "lost", 10, "verdict",
			 "band", "excellent", "quality", "emodel", "mos", 4.36);
}

/* The member at dotted `path` of `root` (its parent must exist). */
static json_t *parent_of(json_t *root, const char *path, const char **leaf)
{
	char buf[128], *dot, *p = buf;

	snprintf(buf, sizeof(buf), "%s", path);
	*leaf = path + (strrchr(path, '.') ? strrchr(path, '.') - path + 1 : 0);
	while ((dot = strchr(p, '.'))) {
		*dot = 0;
		root = json_object_get(root, p);
		p = dot + 1;
	}
	CU_ASSERT_FATAL(json_is_object(root));
	return root;
}

static void set_num(json_t *root, const char *path, double v)
{
	const char *leaf;
	json_t *o = parent_of(root, path, &leaf);

	json_object_set_new(o, leaf, json_real(v));
}

static void set_str(json_t *root, const char *path, const char *v)
{
	const char *leaf;
	json_t *o = parent_of(root, path, &leaf);

	json_object_set_new(o, leaf, json_string(v));
}

static void del(json_t *root, const char *path)
{
	const char *leaf;
	json_t *o = parent_of(root, path, &leaf);

	CU_ASSERT_FATAL(json_object_del(o, leaf) == 0);
}

/* Write `j` (reference taken) to `dir`/`name`, making folders on the way. */
static void put(const char *dir, const char *name, json_t *j)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	CU_ASSERT_FATAL(json_dump_file(j, path, JSON_INDENT(1)) == 0);
	json_decref(j);
}

static void put_text(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

static char *tmpdir(char *tmpl, size_t len)
{
	snprintf(tmpl, len, "/tmp/cb-compare-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
	return tmpl;
}

static const struct cb_cmp_item *item(const struct cb_cmp_report *r, const char *group,
				      const char *name)
{
	for (size_t i = 0; i < r->n_items; i++)
		if (strcmp(r->items[i].name, name) == 0 && strcmp(r->items[i].group, group) == 0)
			return &r->items[i];
	return NULL;
}

/* Compare dir/a.json with dir/b.json under `tol` (NULL: built in). */
static int run(const char *dir, const struct cb_cmp_tolerances *tol, struct cb_cmp_report *r)
{
	char a[300], b[300];

	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	return cb_cmp_paths(a, b, tol, r);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;

	CU_ASSERT_FATAL(f != NULL);
	n = getdelim(&buf, &len, 0, f);
	fclose(f);
	CU_ASSERT_FATAL(n > 0);
	return buf;
}

static void test_identical_pass(void)
{
	char dir[64];
	struct cb_cmp_report r;

	tmpdir(dir, sizeof(dir));
	put(dir, "a.json", summary());
	put(dir, "b.json", summary());
	CU_ASSERT_EQUAL(run(dir, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.failed, 0);
	CU_ASSERT_EQUAL(r.n_items, cb_cmp_metric_count());
	CU_ASSERT_EQUAL(r.n_groups, 1);
	for (size_t i = 0; i < r.n_items; i++) {
		CU_ASSERT(r.items[i].pass);
		CU_ASSERT_STRING_EQUAL(r.items[i].change_txt, "=");
	}
	/* A run folder works as well as its summary.json. */
	cb_cmp_report_free(&r);
	put(dir, "run/summary.json", summary());
	{
		char a[128], b[128];
		snprintf(a, sizeof(a), "%s/run", dir);
		snprintf(b, sizeof(b), "%s/a.json", dir);
		CU_ASSERT_EQUAL(cb_cmp_paths(a, b, NULL, &r), 0);
		CU_ASSERT_EQUAL(r.failed, 0);
		cb_cmp_report_free(&r);
	}
	cb_test_rm_rf(dir);
}

static void test_latency_regression_named(void)
{
	char dir[64];
	struct cb_cmp_report r;
	json_t *cur = summary();
	const struct cb_cmp_item *it;

	tmpdir(dir, sizeof(dir));
	put(dir, "a.json", summary());
	set_num(cur, "media.video.latency_ms.p50", 57.0 + 30);
	set_num(cur, "media.video.latency_ms.p95", 130.0 + 30);
	put(dir, "b.json", cur);
	CU_ASSERT_EQUAL(run(dir, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.failed, 2);
	CU_ASSERT_EQUAL(r.groups[0].failed, 2);
	it = item(&r, "", "video.latency_ms.p95");
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT_FALSE(it->pass);
	CU_ASSERT_DOUBLE_EQUAL(it->delta, 30.0, 1e-9);
	CU_ASSERT_STRING_EQUAL(it->change_txt, "+30.0 ms, +23.1 %");
	CU_ASSERT_FALSE(item(&r, "", "video.latency_ms.p50")->pass);
	CU_ASSERT(item(&r, "", "audio.latency_ms.p95")->pass);
	CU_ASSERT(item(&r, "", "video.quality.psnr_db.mean")->pass);
	cb_cmp_report_free(&r);
	cb_test_rm_rf(dir);
}

/* Latency regresses only when the change exceeds both +10 % and +5 ms. */
static void test_latency_both_parts(void)
{
	static const struct {
		double base, cur;
		int pass;
	} cases[] = {
	    {20, 24, 1},   /* +20 % but +4 ms: noise on a small latency */
	    {20, 26, 0},   /* +30 %, +6 ms */
	    {200, 215, 1}, /* +15 ms but +7.5 % */
	    {200, 221, 0}, /* +10.5 %, +21 ms */
	    {200, 220, 1}, /* exactly the tolerance */
	};
	char dir[64];

	tmpdir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cb_cmp_report r;
		json_t *a = summary(), *b = summary();

		set_num(a, "media.audio.latency_ms.p50", cases[i].base);
		set_num(b, "media.audio.latency_ms.p50", cases[i].cur);
		put(dir, "a.json", a);
		put(dir, "b.json", b);
		CU_ASSERT_EQUAL_FATAL(run(dir, NULL, &r), 0);
		CU_ASSERT_EQUAL(item(&r, "", "audio.latency_ms.p50")->pass, cases[i].pass);
		CU_ASSERT_EQUAL(r.failed, cases[i].pass ? 0 : 1);
		cb_cmp_report_free(&r);
	}
	cb_test_rm_rf(dir);
}

static void test_improvements_pass(void)
{
	char dir[64];
	struct cb_cmp_report r;
	json_t *a = summary(), *b = summary();

	tmpdir(dir, sizeof(dir));
	set_num(a, "media.video.quality.freeze_count", 3);
	set_str(a, "verdict.band", "poor");
	set_num(b, "media.video.latency_ms.p50", 20);
	set_num(b, "media.video.latency_ms.p95", 40);
	set_num(b, "media.video.quality.psnr_db.mean", 45);
	set_num(b, "media.video.quality.ssim.mean", 0.99);
	set_num(b, "media.audio.packets.lost", 0);
	set_num(b, "media.audio.quality.emodel.mos", 4.5);
	set_str(b, "media.video.verdict.band", "excellent");
	put(dir, "a.json", a);
	put(dir, "b.json", b);
	CU_ASSERT_EQUAL(run(dir, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.failed, 0);
	CU_ASSERT_STRING_EQUAL(item(&r, "", "verdict.band")->change_txt, "2 steps better");
	cb_cmp_report_free(&r);
	cb_test_rm_rf(dir);
}

/* Each quality metric fails just past its built-in tolerance. */
static void test_quality_tolerances(void)
{
	static const struct {
		const char *path, *name;
		double v; /* baseline: summary()'s */
	} cases[] = {
	    {"media.video.quality.psnr_db.mean", "video.quality.psnr_db.mean", 39.1 - 0.51},
	    {"media.video.quality.ssim.mean", "video.quality.ssim.mean", 0.942 - 0.011},
	    {"media.video.quality.freeze_count", "video.quality.freeze_count", 2},
	    {"media.video.identified_pct", "video.identified_pct", 98.9},
	    {"media.audio.quality.emodel.mos", "audio.quality.emodel.mos", 4.25},
	    {"media.video.packets.lost", "video.packets.lost_pct", 11}, /* 1.1 % of 1000 */
	};
	char dir[64];

	tmpdir(dir, sizeof(dir));
	put(dir, "a.json", summary());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cb_cmp_report r;
		json_t *b = summary();

		set_num(b, cases[i].path, cases[i].v);
		put(dir, "b.json", b);
		CU_ASSERT_EQUAL_FATAL(run(dir, NULL, &r), 0);
		CU_ASSERT_EQUAL(r.failed, 1);
		CU_ASSERT_FALSE(item(&r, "", cases[i].name)->pass);
		cb_cmp_report_free(&r);
	}
	cb_test_rm_rf(dir);
}

static void test_band_and_null(void)
{
	char dir[64];
	struct cb_cmp_report r;
	json_t *a = summary(), *b = summary();

	tmpdir(dir, sizeof(dir));
	/* Unmeasured in both: pass; measured before, not now: regression. */
	json_object_set_new(
	    json_object_get(json_object_get(json_object_get(a, "media"), "video"), "quality"),
	    "psnr_db", json_pack("{s:n}", "mean"));
	json_object_set_new(
	    json_object_get(json_object_get(json_object_get(b, "media"), "video"), "quality"),
	    "psnr_db", json_pack("{s:n}", "mean"));
	json_object_set_new(
	    json_object_get(json_object_get(json_object_get(b, "media"), "audio"), "latency_ms"),
	    "p95", json_null());
	set_str(b, "media.audio.verdict.band", "good");
	put(dir, "a.json", a);
	put(dir, "b.json", b);
	CU_ASSERT_EQUAL(run(dir, NULL, &r), 0);
	CU_ASSERT(item(&r, "", "video.quality.psnr_db.mean")->pass);
	CU_ASSERT_FALSE(item(&r, "", "audio.latency_ms.p95")->pass);
	CU_ASSERT_STRING_EQUAL(item(&r, "", "audio.latency_ms.p95")->change_txt,
			       "no longer measured");
	CU_ASSERT_FALSE(item(&r, "", "audio.verdict.band")->pass);
	CU_ASSERT_EQUAL(r.failed, 2);
	cb_cmp_report_free(&r);
	cb_test_rm_rf(dir);
}

static void test_bad_input(void)
{
	char dir[64], a[128], b[128];
	struct cb_cmp_report r;
	json_t *j = summary();

	tmpdir(dir, sizeof(dir));
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	put(dir, "a.json", summary());

	/* A member missing in the current run: named with its file. */
	del(j, "media.video.quality.ssim");
	put(dir, "b.json", j);
	CU_ASSERT_EQUAL(run(dir, NULL, &r), CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, b));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "media.video.quality.ssim.mean"));
	cb_cmp_report_free(&r);

	/* A media the baseline has is missing. */
	j = summary();
	del(j, "media.audio");
	put(dir, "b.json", j);
	CU_ASSERT_EQUAL(run(dir, NULL, &r), CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "media.audio"));
	cb_cmp_report_free(&r);

	/* Another schema. */
	j = summary();
	set_str(j, "schema", "callbench.summary/2");
	put(dir, "b.json", j);
	CU_ASSERT_EQUAL(run(dir, NULL, &r), CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "schema"));
	cb_cmp_report_free(&r);

	/* Not JSON, and a band that does not exist. */
	put_text(dir, "b.json", "{\"schema\": ");
	CU_ASSERT_EQUAL(run(dir, NULL, &r), CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "not JSON"));
	cb_cmp_report_free(&r);
	j = summary();
	set_str(j, "verdict.band", "splendid");
	put(dir, "b.json", j);
	CU_ASSERT_EQUAL(run(dir, NULL, &r), CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "verdict.band"));
	cb_cmp_report_free(&r);

	/* A missing file, and a folder with no summary in it. */
	snprintf(b, sizeof(b), "%s/nothing.json", dir);
	CU_ASSERT_EQUAL(cb_cmp_paths(a, b, NULL, &r), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "nothing.json"));
	cb_cmp_report_free(&r);
	CU_ASSERT_EQUAL(cb_cmp_paths(a, dir, NULL, &r), -ENOENT);
	cb_cmp_report_free(&r);
	cb_test_rm_rf(dir);
}

/*
 * Check that `xml` is well formed as far as a JUnit reader cares: every
 * element closed in order, attribute values without a raw '<' or '&' that
 * is not an entity.  Returns the number of <failure> elements, or -1.
 */
static int xml_check(const char *xml, int *testcases)
{
	char stack[16][32];
	int depth = 0, failures = 0;
	const char *p = xml;

	*testcases = 0;
	if (strncmp(p, "<?xml", 5) != 0)
		return -1;
	p = strstr(p, "?>") + 2;
	while ((p = strchr(p, '<'))) {
		const char *end = p + 1, *name;
		size_t n;
		int closing = p[1] == '/', quoted = 0;

		/* The tag ends at the first '>' outside quotes. */
		for (; *end && (quoted || *end != '>'); end++) {
			if (*end == '"')
				quoted = !quoted;
			else if (quoted && *end == '<')
				return -1;
			else if (quoted && *end == '&' && strncmp(end, "&amp;", 5) &&
				 strncmp(end, "&lt;", 4) && strncmp(end, "&gt;", 4) &&
				 strncmp(end, "&quot;", 6) && strncmp(end, "&apos;", 6))
				return -1;
		}
		if (!*end)
			return -1;
		name = p + 1 + closing;
		n = strcspn(name, " />");
		if (n == 0 || n >= sizeof(stack[0]))
			return -1;
		if (closing) {
			if (depth == 0 || strlen(stack[depth - 1]) != n ||
			    strncmp(stack[depth - 1], name, n) != 0)
				return -1;
			depth--;
		} else {
			failures += strncmp(name, "failure", n) == 0 && n == 7;
			*testcases += strncmp(name, "testcase", n) == 0 && n == 8;
			if (end[-1] != '/') {
				if (depth == 16)
					return -1;
				memcpy(stack[depth], name, n);
				stack[depth++][n] = 0;
			}
		}
		p = end + 1;
	}
	return depth == 0 ? failures : -1;
}

/* The value of attribute `attr` of the first element `tag` in `xml`. */
static long attr_of(const char *xml, const char *tag, const char *attr)
{
	char key[64];
	const char *t = strstr(xml, tag), *a;

	snprintf(key, sizeof(key), " %s=\"", attr);
	if (!t)
		return -1;
	a = strstr(t, key);
	return a ? strtol(a + strlen(key), NULL, 10) : -1;
}

/* Two sweeps: cell "a<b & \"c\"" regresses, "clean" does not, "new" is
 * only in the current sweep. */
static void make_sweeps(const char *dir, int current_has_clean)
{
	json_t *slow = summary();

	put(dir, "base/sweep.json",
	    json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "cells", "name", "a<b & \"c\"", "dir", "r1",
		      "name", "clean", "dir", "r2"));
	put(dir, "base/r1/summary.json", summary());
	put(dir, "base/r2/summary.json", summary());
	put(dir, "cur/sweep.json",
	    current_has_clean
		? json_pack("{s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}", "cells", "name", "new",
			    "dir", "r3", "name", "clean", "dir", "r2", "name", "a<b & \"c\"", "dir",
			    "r1")
		: json_pack("{s:[{s:s, s:s}]}", "cells", "name", "a<b & \"c\"", "dir", "r1"));
	set_num(slow, "media.audio.latency_ms.p95", 97.1 + 30);
	put(dir, "cur/r1/summary.json", slow);
	put(dir, "cur/r2/summary.json", summary());
	put(dir, "cur/r3/summary.json", summary());
}

static void test_junit_well_formed(void)
{
	char dir[64], base[128], cur[128], xml_path[128];
	struct cb_cmp_report r;
	int testcases;
	char *xml;

	tmpdir(dir, sizeof(dir));
	make_sweeps(dir, 1);
	snprintf(base, sizeof(base), "%s/base", dir);
	snprintf(cur, sizeof(cur), "%s/cur", dir);
	snprintf(xml_path, sizeof(xml_path), "%s/junit.xml", dir);
	CU_ASSERT_EQUAL_FATAL(cb_cmp_paths(base, cur, NULL, &r), 0);
	CU_ASSERT(r.sweep);
	CU_ASSERT_EQUAL(r.n_groups, 2);
	CU_ASSERT_EQUAL(r.failed, 1);
	CU_ASSERT_FALSE(item(&r, "a<b & \"c\"", "audio.latency_ms.p95")->pass);
	CU_ASSERT(item(&r, "clean", "audio.latency_ms.p95")->pass);
	CU_ASSERT_STRING_EQUAL(r.extra_cells, "new");
	CU_ASSERT_EQUAL_FATAL(cb_cmp_write_junit(&r, xml_path), 0);
	xml = slurp(xml_path);
	CU_ASSERT_EQUAL(xml_check(xml, &testcases), 1);
	CU_ASSERT_EQUAL(testcases, (int)r.n_items);
	CU_ASSERT_EQUAL(attr_of(xml, "<testsuites", "failures"), 1);
	CU_ASSERT_EQUAL(attr_of(xml, "<testsuites", "tests"), (long)r.n_items);
	CU_ASSERT_EQUAL(attr_of(xml, "<testsuite ", "failures"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"a&lt;b &amp; &quot;c&quot;\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<failure message=\"audio.latency_ms.p95"));
	/* The detail as the element's text, the type beside the message. */
	CU_ASSERT_PTR_NOT_NULL(strstr(xml, "type=\"regression\">audio.latency_ms.p95"));
	free(xml);
	cb_cmp_report_free(&r);

	/* A cell of the baseline missing in the current sweep is bad input,
	 * and so is a sweep held against a single run. */
	cb_test_rm_rf(dir);
	tmpdir(dir, sizeof(dir));
	make_sweeps(dir, 0);
	snprintf(base, sizeof(base), "%s/base", dir);
	snprintf(cur, sizeof(cur), "%s/cur", dir);
	CU_ASSERT_EQUAL(cb_cmp_paths(base, cur, NULL, &r), CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "\"clean\""));
	cb_cmp_report_free(&r);
	snprintf(cur, sizeof(cur), "%s/cur/r1", dir);
	CU_ASSERT_EQUAL(cb_cmp_paths(base, cur, NULL, &r), CB_E_FORMAT);
	cb_cmp_report_free(&r);
	cb_test_rm_rf(dir);
}

static void test_markdown_rows(void)
{
	char dir[64], md_path[128];
	struct cb_cmp_report r;
	json_t *b = summary();
	char *md;

	tmpdir(dir, sizeof(dir));
	put(dir, "a.json", summary());
	set_num(b, "media.video.latency_ms.p95", 160);
	put(dir, "b.json", b);
	snprintf(md_path, sizeof(md_path), "%s/summary.md", dir);
	CU_ASSERT_EQUAL_FATAL(run(dir, NULL, &r), 0);
	CU_ASSERT_EQUAL_FATAL(cb_cmp_write_markdown(&r, md_path), 0);
	md = slurp(md_path);
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "❌ 1 regression\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(md, "| metric | baseline | current | change | tolerance | |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
				      "| video.latency_ms.p95 | 130.0 ms | 160.0 ms | +30.0 ms, "
				      "+23.1 % | +10 % and +5 ms | ❌ |\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(md, "| video.quality.psnr_db.mean | 39.10 dB | 39.10 dB | = | −0.5 dB | ✅ |\n"));
	/* One row per metric, plus the header and its rule. */
	{
		size_t rows = 0;
		for (const char *p = md; (p = strstr(p, "\n|")); p++)
			rows++;
		CU_ASSERT_EQUAL(rows, r.n_items + 2);
	}
	free(md);
	cb_cmp_report_free(&r);
	cb_test_rm_rf(dir);
}

static void test_tolerances_file(void)
{
	char dir[64], tol_path[128], why[512];
	struct cb_cmp_tolerances tol;
	struct cb_cmp_report r;
	json_t *b = summary();

	tmpdir(dir, sizeof(dir));
	put(dir, "a.json", summary());
	set_num(b, "media.video.latency_ms.p50", 57 + 30);
	set_num(b, "media.video.latency_ms.p95", 130 + 30);
	set_num(b, "media.audio.latency_ms.p95", 97.1 + 30);
	put(dir, "b.json", b);
	snprintf(tol_path, sizeof(tol_path), "%s/tol.json", dir);

	/* A media-less key covers both media; a full name wins over it. */
	put_text(dir, "tol.json",
		 "{\"schema\": \"callbench.tolerances/1\", \"tolerances\": {"
		 "\"latency_ms.p95\": {\"abs\": 50, \"rel_pct\": null},"
		 "\"audio.latency_ms.p95\": {\"abs\": 10},"
		 "\"video.latency_ms.p50\": {\"skip\": true}}}");
	cb_cmp_tolerances_default(&tol);
	CU_ASSERT_EQUAL_FATAL(cb_cmp_tolerances_load(&tol, tol_path, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL_FATAL(run(dir, &tol, &r), 0);
	CU_ASSERT_PTR_NULL(item(&r, "", "video.latency_ms.p50"));
	CU_ASSERT(item(&r, "", "video.latency_ms.p95")->pass);
	CU_ASSERT_STRING_EQUAL(item(&r, "", "video.latency_ms.p95")->tolerance_txt, "+50 ms");
	/* abs 10 with the default +10 % kept: 30 ms exceeds both. */
	CU_ASSERT_FALSE(item(&r, "", "audio.latency_ms.p95")->pass);
	CU_ASSERT_EQUAL(r.failed, 1);
	CU_ASSERT_EQUAL(r.n_items, cb_cmp_metric_count() - 1);
	cb_cmp_report_free(&r);

	/* Without the file the same run fails on all three. */
	CU_ASSERT_EQUAL_FATAL(run(dir, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.failed, 3);
	cb_cmp_report_free(&r);

	/* A typo is an error naming the key, and leaves `tol` as it was. */
	put_text(dir, "tol.json", "{\"tolerances\": {\"latency_ms.p59\": {\"abs\": 1}}}");
	CU_ASSERT_EQUAL(cb_cmp_tolerances_load(&tol, tol_path, why, sizeof(why)), CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "latency_ms.p59"));
	CU_ASSERT(tol.tol[0].skip == 0);
	put_text(dir, "tol.json", "{\"tolerances\": {\"latency_ms.p95\": {\"abz\": 1}}}");
	CU_ASSERT_EQUAL(cb_cmp_tolerances_load(&tol, tol_path, why, sizeof(why)), CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "abz"));
	put_text(dir, "tol.json", "{\"tolerances\": {\"latency_ms.p95\": {\"abs\": -1}}}");
	CU_ASSERT_EQUAL(cb_cmp_tolerances_load(&tol, tol_path, why, sizeof(why)), CB_E_FORMAT);
	cb_test_rm_rf(dir);
}

int cb_suite_compare(void)
{
	static const struct cb_test_case cases[] = {
	    {"identical summaries pass", test_identical_pass},
	    {"latency +30 ms fails, metric named", test_latency_regression_named},
	    {"latency: both +10 % and +5 ms must be exceeded", test_latency_both_parts},
	    {"improvements pass", test_improvements_pass},
	    {"quality metrics fail past their tolerance", test_quality_tolerances},
	    {"bands and unmeasured figures", test_band_and_null},
	    {"bad input: missing member, file, schema, JSON", test_bad_input},
	    {"JUnit XML well formed; sweeps by cell", test_junit_well_formed},
	    {"markdown has the rows", test_markdown_rows},
	    {"tolerances file overrides defaults", test_tolerances_file},
	    {NULL, NULL},
	};
	return cb_add_suite("compare", cases);
}
