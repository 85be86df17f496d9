#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/rng.h"
#include "base/spool.h"
#include "test_util.h"

struct row {
	uint64_t i, v;
	uint8_t pad[32];
};

/* Entries of `dir` other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/*
 * Rows written at the end, changed anywhere (near the tail as during a
 * call, and far back), all read back as written; the memory held stays a
 * few blocks however many rows; and the folder never shows a file.
 */
static void test_spool_rows(void)
{
	char dir[] = "/tmp/cb-spool-XXXXXX";
	const uint64_t n = 200000; /* 9.6 MB of rows */
	struct cb_spool *sp;
	struct cb_rng rng;
	uint64_t *want;
	int same = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	want = calloc(n, sizeof(*want));
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_EQUAL_FATAL(cb_spool_open(&sp, dir, sizeof(struct row)), 0);
	CU_ASSERT_EQUAL(entries(dir), 0);
	cb_rng_seed(&rng, 7);
	for (uint64_t i = 0; i < n; i++) {
		struct row *r = cb_spool_append(sp);

		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->i | r->v, 0); /* zeroed */
		r->i = i;
		r->v = want[i] = cb_mix64(i);
		/* A row changed a little after it was added (a frame leaving
		 * the jitter buffer), and now and then one from long ago. */
		if (i >= 300 && i % 7 == 0) {
			uint64_t k = i - 1 - cb_rng_next(&rng) % 300;
			struct row *o = cb_spool_at(sp, k);

			CU_ASSERT_PTR_NOT_NULL_FATAL(o);
			o->v = want[k] = want[k] + 1;
		}
		if (i % 5000 == 4999) {
			uint64_t k = cb_rng_next(&rng) % i;
			struct row *o = cb_spool_at(sp, k);

			CU_ASSERT_PTR_NOT_NULL_FATAL(o);
			o->v = want[k] = ~want[k];
		}
	}
	CU_ASSERT_EQUAL(cb_spool_count(sp), n);
	CU_ASSERT_PTR_NULL(cb_spool_at(sp, n));
	CU_ASSERT_PTR_NULL(cb_spool_get(sp, n));
	for (uint64_t i = 0; i < n; i++) {
		const struct row *r = cb_spool_get(sp, i);

		if (!r || r->i != i || r->v != want[i])
			same = 0;
	}
	CU_ASSERT(same);
	/* Backwards too (every block read again). */
	same = 1;
	for (uint64_t i = n; i-- > 0;) {
		const struct row *r = cb_spool_get(sp, i);

		if (!r || r->i != i || r->v != want[i])
			same = 0;
	}
	CU_ASSERT(same);
	CU_ASSERT_EQUAL(cb_spool_error(sp), 0);
	CU_ASSERT(cb_spool_resident(sp) <= CB_SPOOL_BLOCKS * CB_SPOOL_BLOCK_BYTES);
	CU_ASSERT(cb_spool_resident(sp) * 10 < n * sizeof(struct row));
	CU_ASSERT_EQUAL(entries(dir), 0);
	cb_spool_close(sp);
	CU_ASSERT_EQUAL(entries(dir), 0);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
	free(want);
}

static void test_spool_args(void)
{
	struct cb_spool *sp = (struct cb_spool *)&sp;

	CU_ASSERT_EQUAL(cb_spool_open(&sp, NULL, 0), -EINVAL);
	CU_ASSERT_PTR_NULL(sp);
	CU_ASSERT_EQUAL(cb_spool_open(&sp, NULL, CB_SPOOL_BLOCK_BYTES + 1), -EINVAL);
	CU_ASSERT_EQUAL(cb_spool_open(NULL, NULL, 8), -EINVAL);
	/* No folder named: a temporary one, and an empty spool. */
	CU_ASSERT_EQUAL_FATAL(cb_spool_open(&sp, "/nonexistent/folder", 8), 0);
	CU_ASSERT_EQUAL(cb_spool_count(sp), 0);
	CU_ASSERT_PTR_NULL(cb_spool_get(sp, 0));
	CU_ASSERT_PTR_NOT_NULL(cb_spool_append(sp));
	CU_ASSERT_EQUAL(cb_spool_count(sp), 1);
	cb_spool_close(sp);
	cb_spool_close(NULL);
	CU_ASSERT_PTR_NULL(cb_spool_append(NULL));
	CU_ASSERT_EQUAL(cb_spool_count(NULL), 0);
}

int cb_suite_spool(void)
{
	static const struct cb_test_case cases[] = {
	    {"rows read back as written, a few blocks held", test_spool_rows},
	    {"bad arguments, no folder", test_spool_args},
	    {NULL, NULL},
	};
	return cb_add_suite("spool", cases);
}
