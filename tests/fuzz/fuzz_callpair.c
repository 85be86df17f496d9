/*
 * fuzz_callpair.c — `callbench report A B`'s reader of two peers' halves
 * of a call (cb_call_pair_parse).  Input: two records (fuzz.h's
 * fz_record), A's summary.json and B's.  Beyond not crashing: a refusal
 * says why; a pair taken is mutual (read the other way round it is taken
 * too, with the directions swapped), its verdict is a band's name, and its
 * call.json, written, is JSON of the call schema.
 */
#include "fuzz.h"

#include <jansson.h>
#include <limits.h>

#include "report/call_pair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	const uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	struct cb_call_pair *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
	char why[600] = "", path[PATH_MAX];

	if (!p || !q || !fz_record(&in, &a, &alen, 1 << 16) || !fz_record(&in, &b, &blen, 1 << 16))
		goto out;
	if (cb_call_pair_parse((const char *)a, alen, (const char *)b, blen, p, why, sizeof(why))) {
		FUZZ_CHECK(why[0] != '\0');
		goto out;
	}
	FUZZ_CHECK(cb_call_pair_parse((const char *)b, blen, (const char *)a, alen, q, why,
				      sizeof(why)) == 0);
	FUZZ_CHECK(strcmp(p->dir[0].from, q->dir[1].from) == 0);
	FUZZ_CHECK(strcmp(p->dir[0].to, q->dir[1].to) == 0);
	FUZZ_CHECK(strcmp(p->band, q->band) == 0);
	FUZZ_CHECK(!strcmp(p->band, "none") || !strcmp(p->band, "excellent") ||
		   !strcmp(p->band, "good") || !strcmp(p->band, "acceptable") ||
		   !strcmp(p->band, "poor") || !strcmp(p->band, "unusable"));
	if (cb_call_pair_write(p, fz_dir()) == 0) {
		json_t *root;

		snprintf(path, sizeof(path), "%s/call.json", fz_dir());
		root = json_load_file(path, 0, NULL);
		FUZZ_CHECK(root != NULL);
		FUZZ_CHECK(
		    json_is_string(json_object_get(root, "schema")) &&
		    !strcmp(json_string_value(json_object_get(root, "schema")), CB_CALL_SCHEMA));
		json_decref(root);
	}
out:
	free(p);
	free(q);
	return 0;
}
