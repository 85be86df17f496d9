/*
 * report_call.c — `callbench report A B` for the two halves of one call
 * (two `callbench peer --signal` run folders): one call report, call.json
 * and call.md, with each direction's sender beside its receiver
 * (report/call_pair.h).
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/error.h"
#include "commands.h"
#include "report/call_pair.h"
#include "report_call.h"

int report_is_half(const char *path)
{
	char file[600];
	struct stat st;
	json_t *root;
	int yes;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/summary.json", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	root = json_load_file(file, 0, NULL);
	yes = json_is_object(json_object_get(root, "peer"));
	json_decref(root);
	return yes;
}

static void fmt(char *out, size_t room, double x, const char *f)
{
	if (isfinite(x))
		snprintf(out, room, f, x);
	else
		snprintf(out, room, "–");
}

int report_call(const char *a, const char *b, const char *out_opt)
{
	struct cb_call_pair p;
	char why[1400], out[700];
	int rc = cb_call_pair_load(a, b, &p, why, sizeof(why));

	if (rc < 0) {
		fprintf(stderr, "callbench report: %s\n", why);
		return rc == -ENOMEM ? 1 : 2;
	}
	if (out_opt && out_opt[0]) {
		snprintf(out, sizeof(out), "%s", out_opt);
	} else {
		char tmp[600];

		/* Beside A: its results folder. */
		snprintf(tmp, sizeof(tmp), "%s", a);
		snprintf(out, sizeof(out), "%s/call-%s-%s", dirname(tmp), p.dir[0].from,
			 p.dir[0].to);
	}
	rc = cb_call_pair_write(&p, out);
	if (rc < 0) {
		fprintf(stderr, "callbench report: writing %s: %s\n", out, cb_strerror(rc));
		return 1;
	}
	printf("call in room %s: %s (decided by %s)\n", p.room[0] ? p.room : "(none)", p.band,
	       p.worst[0] ? p.worst : "nothing measured");
	for (int d = 0; d < 2; d++)
		for (int m = 0; m < 2; m++) {
			const struct cb_call_media *x = &p.dir[d].media[m];
			char id[24], ls[24], p50[24], p95[24];

			if (!x->on)
				continue;
			fmt(id, sizeof(id), x->identified_pct, "%.1f %%");
			fmt(ls, sizeof(ls), x->packets_lost, "%.0f");
			fmt(p50, sizeof(p50), x->p50, "%.1f");
			fmt(p95, sizeof(p95), x->p95, "%.1f");
			printf("  %s -> %s %s (%s): identified %s, packets missing %s, p50 %s ms, "
			       "p95 %s ms, %s\n",
			       p.dir[d].from, p.dir[d].to, m ? "audio" : "video", x->codec, id, ls,
			       p50, p95, x->band);
		}
	printf("report: %s/call.md\n", out);
	return 0;
}
