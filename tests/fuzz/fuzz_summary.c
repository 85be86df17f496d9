/*
 * fuzz_summary.c — the readers of result files a user hands to callbench:
 * summary.json as `compare`, `sweep --merge` and the gates read it,
 * sweep.json as `compare` and `sweep --merge` read it, and a `compare
 * --tolerances` file.
 *
 * Input: one byte choosing the file (0: a run folder's summary.json;
 * 1: a sweep folder's sweep.json and the summary.json of its cell "c";
 * 2: a tolerances file), then the file(s), each as [length, 2 bytes][bytes].
 * Every input starts from an empty scratch folder.  Beyond not crashing:
 * an error names what was wrong, and a run or sweep compared with itself
 * shows no regression.
 */
#include "fuzz.h"

#include <jansson.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/compare.h"
#include "report/gate.h"
#include "report/sweep.h"

static void clear(const char *dir)
{
	static const char *const names[] = {"summary.json", "sweep.json", "c/summary.json",
					    "tolerances.json"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/c", dir);
	mkdir(path, 0700);
}

static void compare_self(const char *dir)
{
	struct cb_cmp_tolerances tol;
	struct cb_cmp_report rep;

	cb_cmp_tolerances_default(&tol);
	if (cb_cmp_paths(dir, dir, &tol, &rep) == 0)
		FUZZ_CHECK(rep.failed == 0);
	else
		FUZZ_CHECK(rep.error[0] != '\0');
	cb_cmp_report_free(&rep);
}

static void merge(const char *dir)
{
	struct cb_sweep sw;
	char out[PATH_MAX];

	memset(&sw, 0, sizeof(sw));
	snprintf(out, sizeof(out), "%s/merged", dir);
	if (cb_sweep_merge_add(&sw, dir, out) == 0)
		(void)cb_sweep_merge_finish(&sw, out);
	cb_sweep_free(&sw);
}

static void gates(const uint8_t *data, size_t size)
{
	struct cb_gates g;
	char why[256];
	json_t *root = json_loadb((const char *)data, size, 0, NULL);

	if (!root)
		return;
	memset(&g, 0, sizeof(g));
	FUZZ_CHECK(cb_gates_add_fail_on(&g, "poor", why, sizeof(why)) == 0);
	FUZZ_CHECK(cb_gates_add_limit(&g, 1, "video.latency_ms.p95=150", why, sizeof(why)) == 0);
	FUZZ_CHECK(cb_gates_add_limit(&g, 0, "audio.identified_pct=99", why, sizeof(why)) == 0);
	(void)cb_gates_check_paths(&g, root, why, sizeof(why));
	FUZZ_CHECK(cb_gates_eval(&g, root) <= g.n);
	json_decref(cb_gates_json(&g));
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	const char *dir = fz_dir();
	uint8_t mode = fz_u8(&in) % 3;
	const uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	char path[PATH_MAX], why[512] = "";
	struct cb_sweep_fig fig;
	struct cb_cmp_tolerances tol;

	clear(dir);
	if (!fz_record(&in, &a, &alen, 1 << 20))
		return 0;
	switch (mode) {
	case 0:
		if (fz_write_file("summary.json", a, alen, path, sizeof(path)))
			return 0;
		(void)cb_sweep_fig_read(dir, &fig);
		compare_self(dir);
		merge(dir);
		gates(a, alen);
		break;
	case 1:
		if (fz_write_file("sweep.json", a, alen, path, sizeof(path)))
			return 0;
		if (fz_record(&in, &b, &blen, 1 << 20) &&
		    fz_write_file("c/summary.json", b, blen, path, sizeof(path)))
			return 0;
		compare_self(dir);
		merge(dir);
		break;
	default:
		if (fz_write_file("tolerances.json", a, alen, path, sizeof(path)))
			return 0;
		cb_cmp_tolerances_default(&tol);
		if (cb_cmp_tolerances_load(&tol, path, why, sizeof(why)) != 0)
			FUZZ_CHECK(why[0] != '\0');
		break;
	}
	return 0;
}
