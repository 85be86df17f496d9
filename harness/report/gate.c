#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/gate.h"

static struct cb_gate *gate_new(struct cb_gates *g, char *why, size_t len)
{
	if (g->n == CB_GATE_MAX) {
		snprintf(why, len, "at most %d limits", CB_GATE_MAX);
		return NULL;
	}
	memset(&g->v[g->n], 0, sizeof(g->v[g->n]));
	g->v[g->n].value = NAN;
	return &g->v[g->n++];
}

int cb_gates_add_limit(struct cb_gates *g, int is_max, const char *spec, char *why, size_t len)
{
	const char *eq = spec ? strchr(spec, '=') : NULL;
	struct cb_gate *x;
	char *end;
	double v;

	if (!g || !eq || eq == spec) {
		snprintf(why, len, "'%s': expected METRIC=VALUE, e.g. video.latency_ms.p95=150",
			 spec ? spec : "");
		return -EINVAL;
	}
	if ((size_t)(eq - spec) >= sizeof(x->metric)) {
		snprintf(why, len, "'%.*s...': metric name too long", 40, spec);
		return -EINVAL;
	}
	v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !isfinite(v)) {
		snprintf(why, len, "'%s': '%s' is not a number", spec, eq + 1);
		return -EINVAL;
	}
	x = gate_new(g, why, len);
	if (!x)
		return -EINVAL;
	x->kind = is_max ? CB_GATE_MAX_VALUE : CB_GATE_MIN_VALUE;
	memcpy(x->metric, spec, (size_t)(eq - spec));
	x->metric[eq - spec] = 0;
	x->limit = v;
	return 0;
}

int cb_gates_add_fail_on(struct cb_gates *g, const char *band, char *why, size_t len)
{
	struct cb_gate *x;

	for (int b = 0; g && band && b < CB_BAND_COUNT; b++) {
		if (strcmp(band, cb_band_name((enum cb_band)b)))
			continue;
		x = gate_new(g, why, len);
		if (!x)
			return -EINVAL;
		x->kind = CB_GATE_FAIL_ON;
		snprintf(x->metric, sizeof(x->metric), "verdict.band");
		x->band = (enum cb_band)b;
		return 0;
	}
	snprintf(why, len, "'%s': expected excellent, good, acceptable, poor or unusable",
		 band ? band : "");
	return -EINVAL;
}

/* The value at dotted `path` in `root`, also under "media." for media paths. */
static json_t *lookup(json_t *root, const char *path)
{
	char buf[128], *save = NULL, *tok;
	json_t *j = root;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return NULL;
	for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save))
		j = json_is_object(j) ? json_object_get(j, tok) : NULL;
	if (!j && strncmp(path, "media.", 6) &&
	    snprintf(buf, sizeof(buf), "media.%s", path) < (int)sizeof(buf))
		return lookup(root, buf);
	return j;
}

int cb_gates_check_paths(const struct cb_gates *g, json_t *summary, char *why, size_t len)
{
	for (size_t i = 0; g && i < g->n; i++) {
		json_t *j;

		if (g->v[i].kind == CB_GATE_FAIL_ON)
			continue;
		j = lookup(summary, g->v[i].metric);
		if (!j || !(json_is_number(j) || json_is_null(j))) {
			snprintf(why, len,
				 "'%s' is not a number of summary.json (see "
				 "harness/report/SCHEMA.md; e.g. video.latency_ms.p95, "
				 "audio.quality.segmental_snr_db, video.identified_pct)",
				 g->v[i].metric);
			return -EINVAL;
		}
	}
	return 0;
}

static int band_rank(const char *name)
{
	for (int b = 0; name && b < CB_BAND_COUNT; b++)
		if (!strcmp(name, cb_band_name((enum cb_band)b)))
			return b;
	return CB_BAND_COUNT; /* none: worse than unusable */
}

size_t cb_gates_eval(struct cb_gates *g, json_t *summary)
{
	if (!g)
		return 0;
	g->breached = 0;
	for (size_t i = 0; i < g->n; i++) {
		struct cb_gate *x = &g->v[i];
		json_t *j = lookup(summary, x->metric);

		x->evaluated = 1;
		x->value = NAN;
		if (x->kind == CB_GATE_FAIL_ON) {
			const char *b = json_string_value(j);
			int r = band_rank(b);

			snprintf(x->value_txt, sizeof(x->value_txt), "%s", b ? b : "none");
			x->pass = r < (int)x->band;
			snprintf(x->text, sizeof(x->text), "verdict %s %s %s or worse: %s",
				 x->value_txt, x->pass ? "is better than" : "is",
				 cb_band_name(x->band), x->pass ? "passed" : "breached");
		} else if (!json_is_number(j)) {
			snprintf(x->value_txt, sizeof(x->value_txt), "not measured");
			x->pass = 0;
			snprintf(x->text, sizeof(x->text), "%s not measured, limit %s %g: breached",
				 x->metric, x->kind == CB_GATE_MAX_VALUE ? "<=" : ">=", x->limit);
		} else {
			x->value = json_number_value(j);
			snprintf(x->value_txt, sizeof(x->value_txt), "%.6g", x->value);
			x->pass = x->kind == CB_GATE_MAX_VALUE ? x->value <= x->limit
							       : x->value >= x->limit;
			snprintf(x->text, sizeof(x->text), "%s = %s %s %g: %s", x->metric,
				 x->value_txt,
				 x->kind == CB_GATE_MAX_VALUE ? (x->pass ? "<=" : ">")
							      : (x->pass ? ">=" : "<"),
				 x->limit, x->pass ? "passed" : "breached");
		}
		g->breached += !x->pass;
	}
	return g->breached;
}

json_t *cb_gates_json(const struct cb_gates *g)
{
	json_t *arr = json_array(), *o;

	if (!g || !arr)
		return arr;
	for (size_t i = 0; i < g->n; i++) {
		const struct cb_gate *x = &g->v[i];

		if (x->kind == CB_GATE_FAIL_ON)
			o = json_pack("{s:s, s:s, s:s, s:b, s:s}", "kind", "fail_on", "metric",
				      x->metric, "band", cb_band_name(x->band), "pass", x->pass,
				      "value", x->value_txt);
		else
			o = json_pack("{s:s, s:s, s:f, s:b, s:o, s:s}", "kind",
				      x->kind == CB_GATE_MAX_VALUE ? "max" : "min", "metric",
				      x->metric, "limit", x->limit, "pass", x->pass, "value",
				      isfinite(x->value) ? json_real(x->value) : json_null(),
				      "text", x->text);
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	o = json_pack("{s:o, s:I, s:b}", "limits", arr, "breached", (json_int_t)g->breached, "pass",
		      g->breached == 0);
	return o;
}
