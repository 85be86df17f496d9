/*
 * A long call does not grow without bound (issue 9): what a call keeps per
 * media second is measured by the peak resident size of whole simulated
 * runs (call and report) in child processes, a short one and a longer one,
 * so that what every call has (codecs, buffers, the test runner itself)
 * cancels out.  A simulated call with fixed codec time does the same work
 * however busy the machine is, so the figure does not depend on timing.
 *
 * Up to 5 minutes the played audio is kept for the quality figure (96 kB
 * a second, CB_RX_AUDIO_KEEP), so below that the growth is about 115 kB a
 * media second at these settings; the rows of every frame and packet came
 * to about 250 kB before they were packed and spooled to disk.  The bound
 * sits between the two, far from both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "call/call.h"
#include "measure/record.h"
#include "report/report.h"
#include "test_util.h"

/* kB per media second the test allows between the two runs. */
#define GROWTH_BOUND_KB_S 180.0

static const double codec_ms[4] = {5, 2, 1, 1};

/* Peak resident kB of a child that runs a `duration_s` simulated call and
 * writes its report under `dir`; -1 if it failed. */
static long run_child(double duration_s, const char *dir)
{
	struct rusage ru;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct cb_call_cfg cfg;
		struct cb_run_result res;
		int ok;

		cb_test_sim_cfg(&cfg, duration_s, codec_ms, 5);
		snprintf(cfg.out_dir, sizeof(cfg.out_dir), "%s", dir);
		snprintf(cfg.run_id, sizeof(cfg.run_id), "mem-%d", (int)duration_s);
		ok = cb_call_run(&cfg, NULL, &res) == 0 && res.status == CB_RUN_COMPLETE &&
		     cb_report_write(&res, NULL, NULL, NULL, 0) == 0;
		cb_run_result_free(&res);
		_exit(ok ? 0 : 1);
	}
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return ru.ru_maxrss;
}

static void test_growth_per_media_second(void)
{
	char dir[] = "/tmp/cb-memory-XXXXXX";
	long a, b;
	double per_s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	a = run_child(30, dir);
	b = run_child(150, dir);
	CU_ASSERT_FATAL(a > 0 && b > 0);
	per_s = (double)(b - a) / 120.0;
	printf("\n      peak RSS %ld kB (30 s), %ld kB (150 s): %.1f kB per media second ", a, b,
	       per_s);
	CU_ASSERT(per_s < GROWTH_BOUND_KB_S);
	cb_test_rm_rf(dir);
}

/*
 * What the result holds per frame and per packet: the frame rows in
 * memory, compact; the packet rows in a spool whose memory does not
 * depend on their number.
 */
static void test_result_rows(void)
{
	char dir[] = "/tmp/cb-memory-XXXXXX";
	struct cb_call_cfg cfg;
	struct cb_run_result res;

	CU_ASSERT(sizeof(struct cb_frame_rec) <= 184);
	CU_ASSERT(sizeof(struct cb_packet_rec) <= 48);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	cb_test_sim_cfg(&cfg, 4, codec_ms, 6);
	snprintf(cfg.out_dir, sizeof(cfg.out_dir), "%s", dir);
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &res), 0);
	CU_ASSERT_EQUAL(res.status, CB_RUN_COMPLETE);
	CU_ASSERT(res.packets.n > 100);
	CU_ASSERT_PTR_NOT_NULL(res.packets.spool);
	CU_ASSERT_PTR_NULL(res.packets.v);
	CU_ASSERT(cb_spool_resident(res.packets.spool) <= CB_SPOOL_BLOCKS * CB_SPOOL_BLOCK_BYTES);
	CU_ASSERT_EQUAL(cb_packet_log_error(&res.packets), 0);
	cb_run_result_free(&res);
	cb_test_rm_rf(dir);
}

int cb_suite_memory(void)
{
	static const struct cb_test_case cases[] = {
	    {"the result's rows: compact frames, packets on disk", test_result_rows},
	    {"peak memory per media second is bounded", test_growth_per_media_second},
	    {NULL, NULL},
	};
	return cb_add_suite("memory", cases);
}
