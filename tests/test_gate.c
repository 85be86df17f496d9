/*
 * Gates a CI job can use without a baseline (--fail-on, --max, --min),
 * the JUnit they write, and the exit status of `callbench run`.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "report/gate.h"
#include "report/junit.h"
#include "report/report.h"
#include "report_check.h"
#include "test_util.h"

static json_t *summary(void)
{
	return json_loads("{\"verdict\": {\"band\": \"good\"}, \"media\": {\"video\": "
			  "{\"latency_ms\": {\"p95\": 153.2, \"p50\": null}, \"identified_pct\": "
			  "100}}, \"recovery\": {\"pli_sent\": 3}}",
			  0, NULL);
}

static void test_parse_and_eval(void)
{
	struct cb_gates g = {0};
	char why[256];
	json_t *s = summary();

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(cb_gates_add_limit(&g, 1, "video.latency_ms.p95=150", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(
	    cb_gates_add_limit(&g, 0, "media.video.identified_pct=99", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_gates_add_limit(&g, 1, "video.latency_ms.p50=1000", why, sizeof(why)),
			0);
	CU_ASSERT_EQUAL(cb_gates_add_limit(&g, 1, "recovery.pli_sent=3", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_gates_add_fail_on(&g, "acceptable", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_gates_check_paths(&g, s, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_gates_eval(&g, s), 2);
	CU_ASSERT_FALSE(g.v[0].pass); /* 153.2 > 150 */
	CU_ASSERT(strstr(g.v[0].text, "153.2 > 150") != NULL);
	CU_ASSERT(g.v[1].pass);
	CU_ASSERT_FALSE(g.v[2].pass); /* null: not measured breaches */
	CU_ASSERT(strstr(g.v[2].value_txt, "not measured") != NULL);
	CU_ASSERT(g.v[3].pass); /* a limit belongs to the allowed side */
	CU_ASSERT(g.v[4].pass); /* good is better than acceptable */
	{
		json_t *j = cb_gates_json(&g);

		CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "breached")), 2);
		CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "limits")), 5);
		json_decref(j);
	}

	/* Bad specs say what was wrong. */
	CU_ASSERT_EQUAL(cb_gates_add_limit(&g, 1, "video.latency_ms.p95", why, sizeof(why)),
			-EINVAL);
	CU_ASSERT(strstr(why, "METRIC=VALUE") != NULL);
	CU_ASSERT_EQUAL(cb_gates_add_limit(&g, 1, "x=abc", why, sizeof(why)), -EINVAL);
	CU_ASSERT(strstr(why, "not a number") != NULL);
	CU_ASSERT_EQUAL(cb_gates_add_fail_on(&g, "bad", why, sizeof(why)), -EINVAL);
	CU_ASSERT(strstr(why, "unusable") != NULL);
	{
		struct cb_gates h = {0};

		CU_ASSERT_EQUAL(cb_gates_add_limit(&h, 1, "video.nope=1", why, sizeof(why)), 0);
		CU_ASSERT_EQUAL(cb_gates_check_paths(&h, s, why, sizeof(why)), -EINVAL);
		CU_ASSERT(strstr(why, "video.nope") != NULL);
		/* A verdict of "none" (nothing measured) fails any --fail-on. */
		h.n = 0;
		CU_ASSERT_EQUAL(cb_gates_add_fail_on(&h, "unusable", why, sizeof(why)), 0);
		json_object_set_new(json_object_get(s, "verdict"), "band", json_string("none"));
		CU_ASSERT_EQUAL(cb_gates_eval(&h, s), 1);
	}
	json_decref(s);
}

static void test_junit_shape(void)
{
	char tmpl[] = "/tmp/cb-gate-XXXXXX", path[600];
	char *dir = mkdtemp(tmpl), *x;
	const struct cb_junit_case cases[] = {
	    {.classname = "c", .name = "ok", .time_s = 0.5},
	    {.classname = "c",
	     .name = "a<b",
	     .outcome = CB_JUNIT_FAILURE,
	     .type = "limit",
	     .message = "x = 2 > 1 & \"q\"",
	     .detail = "the detail"},
	    {.classname = "c",
	     .name = "bad input",
	     .outcome = CB_JUNIT_ERROR,
	     .message = "no file"},
	};
	const struct cb_junit_suite s = {.name = "suite", .time_s = 1.25, .cases = cases, .n = 3};

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/j.xml", dir);
	CU_ASSERT_EQUAL_FATAL(cb_junit_write(path, "callbench", &s, 1), 0);
	x = cb_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT(
	    strstr(x, "tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\" time=\"1.250\"") !=
	    NULL);
	CU_ASSERT(strstr(x, "<testcase classname=\"c\" name=\"ok\" time=\"0.500\"/>") != NULL);
	CU_ASSERT(strstr(x, "name=\"a&lt;b\"") != NULL);
	CU_ASSERT(strstr(x, "<failure message=\"x = 2 &gt; 1 &amp; &quot;q&quot;\" "
			    "type=\"limit\">the detail</failure>") != NULL);
	CU_ASSERT(strstr(x, "<error message=\"no file\"/>") != NULL);
	free(x);
	cb_test_rm_rf(dir);
}

/* The command a CI job runs: exit 1 on a breached limit, with the reason
 * printed and in JUnit; 0 within the limits; 2 on a bad limit. */
static void test_cli_gates(void)
{
	char prog[600], tmpl[] = "/tmp/cb-gate-XXXXXX", cmd[2048], out[32768], path[700];
	char *dir = mkdtemp(tmpl), *x;
	const char *common = "--clock sim --codec-time fixed:5,1 --duration 2 --size 160x120 "
			     "--quiet";

	cb_test_program_path(prog, sizeof(prog));
	if (!prog[0])
		CB_SKIP("build/callbench not built");
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(cmd, sizeof(cmd),
		 "callbench run %s --net delay=1500 --fail-on poor --junit %s/j.xml --out %s/r "
		 "2>&1",
		 common, dir, dir);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 1);
	CU_ASSERT(strstr(out, "FAIL verdict unusable is poor or worse") != NULL);
	CU_ASSERT(strncmp(out, "verdict: unusable", 17) == 0);
	CU_ASSERT(strstr(out, "/report.html\n") != NULL);
	CU_ASSERT(strstr(out, "nan") == NULL);
	snprintf(path, sizeof(path), "%s/j.xml", dir);
	x = cb_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT(strstr(x, "<failure message=\"verdict unusable is poor or worse: breached\"") !=
		  NULL);
	free(x);
	/* summary.json carries the limits and their outcome. */
	snprintf(path, sizeof(path), "%s/r/latest/summary.json", dir);
	{
		json_t *root = json_load_file(path, 0, NULL);

		CU_ASSERT_PTR_NOT_NULL_FATAL(root);
		CU_ASSERT(json_is_false(json_object_get(json_object_get(root, "gates"), "pass")));
		json_decref(root);
	}

	snprintf(cmd, sizeof(cmd),
		 "callbench run %s --max video.latency_ms.p95=150 --min video.identified_pct=99 "
		 "--out %s/r --json 2>/dev/null",
		 common, dir);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 0);
	{
		/* --json: stdout is summary.json, nothing else. */
		json_t *root = json_loads(out, 0, NULL);

		CU_ASSERT_PTR_NOT_NULL_FATAL(root);
		CU_ASSERT(json_is_true(json_object_get(json_object_get(root, "gates"), "pass")));
		json_decref(root);
	}

	snprintf(cmd, sizeof(cmd), "callbench run %s --max video.nope=1 --out %s/r 2>&1", common,
		 dir);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "video.nope") != NULL);
	/* An unwritable --out is refused before the call runs. */
	snprintf(cmd, sizeof(cmd), "callbench run %s --out /proc/cb-no 2>&1", common);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "--out") != NULL);
	cb_test_rm_rf(dir);
}

int cb_suite_gate(void)
{
	static const struct cb_test_case cases[] = {
	    {"limits parse, check their paths and evaluate", test_parse_and_eval},
	    {"JUnit: failure and error elements with message and detail", test_junit_shape},
	    {"callbench run: a breached limit exits 1, listed and in JUnit", test_cli_gates},
	    {NULL, NULL},
	};
	return cb_add_suite("gate", cases);
}
