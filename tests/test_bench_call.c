/*
 * test_bench_call.c — `callbench bench call`, short: one pair of 1.5 s runs
 * (GStreamer's pipeline pair and a callbench call) gives both sides with
 * frames measured and sane figures in the table and in --json; a mode
 * `callbench run` refuses is a usage error before anything runs.  The
 * figures themselves are not held: a benchmark is not a test (make bench).
 * Skipped, visibly, when build/callbench-gst or a GStreamer element is
 * missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "report_check.h"
#include "test_util.h"

/*
 * GStreamer's libraries leak a little at load and exit that is not ours
 * (make sanitize runs this suite under ASan): suppressed for their modules
 * only, which callbench itself does not link.
 */
#define GST_LSAN "LSAN_OPTIONS=suppressions=tests/gstreamer.supp:print_suppressions=0 "

/* "" when callbench-gst can run both pipelines here, else why not. */
static void gst_missing(const char *prog, char *why, size_t room)
{
	char helper[700], out[2048];

	snprintf(helper, sizeof(helper), "%s", prog);
	*strrchr(helper, '/') = 0;
	snprintf(helper + strlen(helper), sizeof(helper) - strlen(helper), "/callbench-gst");
	why[0] = 0;
	if (access(helper, X_OK) != 0) {
		snprintf(why, room, "build/callbench-gst not built");
		return;
	}
	if (cb_test_sh(prog, GST_LSAN "callbench-gst check 2>&1", out, sizeof(out)) != 0)
		snprintf(why, room, "GStreamer: %.*s", (int)strcspn(out, "\n"), out);
}

/* A figure of one side: a time in ms, positive and under a second. */
static int sane_ms(json_t *side, const char *key)
{
	double v = json_number_value(json_object_get(json_object_get(side, "span_ms"), key));

	return v > 0 && v < 1000;
}

static void test_one_pair(void)
{
	char prog[600], why[600], tmpl[] = "/tmp/cb-bcall-XXXXXX", cmd[2048], out[16384], path[700];
	char *dir = mkdtemp(tmpl);
	static const char *const sides[] = {"gstreamer", "callbench"};
	json_t *root, *s;

	cb_test_program_path(prog, sizeof(prog));
	if (!prog[0])
		CB_SKIP("build/callbench not built");
	gst_missing(prog, why, sizeof(why));
	if (why[0])
		CB_SKIP(why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/b.json", dir);
	snprintf(cmd, sizeof(cmd),
		 GST_LSAN "callbench bench call --duration 1.5 --runs 1 --retries 0 --out %s/o "
			  "--json %s 2>&1",
		 dir, path);
	CU_ASSERT_EQUAL_FATAL(cb_test_sh(prog, cmd, out, sizeof(out)), 0);
	/* The table has a row per side of the pair and of the total, and a verdict. */
	CU_ASSERT(strstr(out, "1     gstreamer") || strstr(out, "1*    gstreamer"));
	CU_ASSERT(strstr(out, "1     callbench") || strstr(out, "1*    callbench"));
	CU_ASSERT(strstr(out, "all   gstreamer") != NULL);
	CU_ASSERT(strstr(out, "all   callbench") != NULL);
	CU_ASSERT(strstr(out, "callbench / GStreamer: p50 ") != NULL);
	CU_ASSERT(strstr(out, "\nverdict: callbench is ") != NULL);
	CU_ASSERT(strstr(out, "nan") == NULL);

	root = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "schema")),
			       "callbench.bench-call/1");
	for (int i = 0; i < 2; i++) {
		s = json_object_get(json_object_get(root, "sides"), sides[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT(json_integer_value(json_object_get(s, "frames")) > 0);
		CU_ASSERT(json_integer_value(json_object_get(s, "frames")) <=
			  json_integer_value(json_object_get(s, "expected")));
		CU_ASSERT(sane_ms(s, "p50"));
		CU_ASSERT(sane_ms(s, "p90"));
		CU_ASSERT(sane_ms(s, "p99"));
		CU_ASSERT(sane_ms(s, "mean"));
		CU_ASSERT(json_number_value(json_object_get(s, "cpu_s_per_media_s")) > 0);
		CU_ASSERT(json_number_value(json_object_get(s, "cpu_s_per_media_s")) < 64);
	}
	CU_ASSERT(json_number_value(json_object_get(json_object_get(root, "ratios"), "p50")) > 0);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "pairs")), 1);
	json_decref(root);
	/* The same JSON in the bench's own folder. */
	snprintf(path, sizeof(path), "%s/o/bench-call-latest/bench.json", dir);
	CU_ASSERT_EQUAL(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/o/bench-call-latest/call-1/run/frames.csv", dir);
	CU_ASSERT_EQUAL(access(path, R_OK), 0);
	cb_test_rm_rf(dir);
}

/* A peers mode `callbench run` does not take stops the bench before any run. */
static void test_peers_refused(void)
{
	char prog[600], tmpl[] = "/tmp/cb-bcall-XXXXXX", cmd[2048], out[8192], path[700];
	char *dir = mkdtemp(tmpl);

	cb_test_program_path(prog, sizeof(prog));
	if (!prog[0])
		CB_SKIP("build/callbench not built");
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(cmd, sizeof(cmd),
		 "callbench bench call --peers no-such-mode --duration 1 --runs 1 --out %s/o 2>&1",
		 dir);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "callbench run refuses") != NULL);
	CU_ASSERT(strstr(out, "--peers") != NULL);
	snprintf(path, sizeof(path), "%s/o", dir);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	/* The bench's own options are checked as any program's. */
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench bench call --runs 0 2>&1", out, sizeof(out)),
			2);
	CU_ASSERT(strstr(out, "--runs") != NULL);
	cb_test_rm_rf(dir);
}

int cb_suite_bench_call(void)
{
	static const struct cb_test_case cases[] = {
	    {"one short pair: both sides measured, sane figures, --json", test_one_pair},
	    {"a --peers mode callbench run refuses: exit 2 before any run", test_peers_refused},
	    {NULL, NULL},
	};

	return cb_add_suite("bench_call", cases);
}
