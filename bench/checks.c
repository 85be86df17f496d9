#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "report/report.h"

/* strlcpy: the sources may be any strings, the checks' own included. */
static void copy(char *dst, size_t room, const char *src)
{
	size_t n = strlen(src);

	if (n >= room)
		n = room - 1;
	memmove(dst, src, n);
	dst[n] = 0;
}

static struct cb_junit_case *add(struct run_checks *k, const char *classname, const char *name,
				 enum cb_junit_outcome outcome, const char *type, const char *msg)
{
	struct cb_junit_case *c = &k->c[k->n];

	copy(k->name[k->n], sizeof(k->name[0]), name);
	copy(k->msg[k->n], sizeof(k->msg[0]), msg ? msg : name);
	copy(k->detail[k->n], sizeof(k->detail[0]), k->msg[k->n]);
	*c = (struct cb_junit_case){.classname = classname,
				    .name = k->name[k->n],
				    .outcome = outcome,
				    .type = type,
				    .message = k->msg[k->n],
				    .detail = k->detail[k->n]};
	k->failed += outcome != CB_JUNIT_PASS;
	k->n++;
	return c;
}

void run_checks_make(struct run_checks *k, const struct cb_run_result *res, const char *suite)
{
	const struct cb_media_result *w = cb_run_worst_media(res);
	char verdict[300];
	struct cb_junit_case *c;

	memset(k, 0, sizeof(*k));
	snprintf(k->suite, sizeof(k->suite), "%s", suite);
	snprintf(k->run_id, sizeof(k->run_id), "%s", res->run_id);
	snprintf(k->status, sizeof(k->status), "%s", cb_run_status_name(res->status));
	snprintf(k->band, sizeof(k->band), "%s", cb_band_name(w ? w->verdict : CB_BAND_NONE));
	k->props[0][0] = "run_id";
	k->props[0][1] = k->run_id;
	k->props[1][0] = "status";
	k->props[1][1] = k->status;
	k->props[2][0] = "verdict";
	k->props[2][1] = k->band;
	k->wall_s = res->wall_s;
	if (w) {
		char why[256];

		cb_verdict_explain(w, res->cfg.verdict_pct, why, sizeof(why));
		snprintf(verdict, sizeof(verdict), "%s: %s (%s)", cb_media_name(w->media),
			 cb_band_name(w->verdict), why);
	} else {
		snprintf(verdict, sizeof(verdict), "no media was enabled");
	}
	c = add(k, "callbench.run", "completed",
		res->status == CB_RUN_COMPLETE ? CB_JUNIT_PASS : CB_JUNIT_ERROR,
		cb_run_status_name(res->status),
		res->status == CB_RUN_COMPLETE ? "the run completed"
		: res->error[0]		       ? res->error
					       : "the run was interrupted");
	c->time_s = res->wall_s;
	add(k, "callbench.run", "measured",
	    w && w->verdict != CB_BAND_NONE ? CB_JUNIT_PASS : CB_JUNIT_FAILURE, "unmeasured",
	    verdict);
	for (size_t i = 0; res->gates && i < res->gates->n; i++) {
		const struct cb_gate *g = &res->gates->v[i];

		c = add(k, "callbench.run.limits",
			g->kind == CB_GATE_FAIL_ON ? "fail-on" : g->metric,
			g->pass ? CB_JUNIT_PASS : CB_JUNIT_FAILURE, "limit", g->text);
		/* For the verdict the detail says what decided it. */
		if (g->kind == CB_GATE_FAIL_ON)
			snprintf(k->detail[k->n - 1], sizeof(k->detail[0]), "%s — %s", g->text,
				 verdict);
	}
}

struct cb_junit_suite run_checks_suite(const struct run_checks *k)
{
	return (struct cb_junit_suite){.name = k->suite,
				       .time_s = k->wall_s,
				       .cases = k->c,
				       .n = k->n,
				       .props = k->props,
				       .n_props = 3};
}
