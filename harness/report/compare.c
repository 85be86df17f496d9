/*
 * compare.c — compare two runs (or two sweeps) metric by metric.
 *
 * The metrics are one const table: where each figure lives in
 * summary.json, which way is worse, its unit and its built-in tolerance.
 * Loading, judging and both writers walk the same table, so --help, the
 * tolerances file, the JUnit cases and the Markdown rows cannot disagree on
 * what a metric is called.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "report/compare.h"
#include "report/junit.h"
#include "report/report.h"

enum metric_kind {
	MK_NUMBER, /* a number (null = not measured) at `path` */
	MK_LOSS,   /* 100 * packets.lost / packets.sent of the media */
	MK_BAND,   /* a band name at `path`, ranked excellent .. none */
	MK_STATUS, /* the run status, ranked complete .. failed */
};

enum metric_worse { HIGHER_WORSE, LOWER_WORSE };

struct metric {
	const char *name;  /* full name, as reported and as a tolerances key */
	const char *media; /* "video", "audio", or NULL for the whole run */
	const char *path;  /* dotted path below media.<media> (or the root) */
	enum metric_kind kind;
	enum metric_worse worse;
	const char *unit;
	int decimals;
	double abs, rel_pct; /* built-in tolerance, NaN = part not set */
};

#define LAT(m, p)                                                                                  \
	{                                                                                          \
		m ".latency_ms." p, m, "latency_ms." p, MK_NUMBER, HIGHER_WORSE, "ms", 1, 5, 10    \
	}
#define IDENT(m)                                                                                   \
	{                                                                                          \
		m ".identified_pct", m, "identified_pct", MK_NUMBER, LOWER_WORSE, "%", 1, 1, NAN   \
	}
#define LOSS(m)                                                                                    \
	{                                                                                          \
		m ".packets.lost_pct", m, "packets", MK_LOSS, HIGHER_WORSE, "%", 2, 1, NAN         \
	}
#define BAND(m)                                                                                    \
	{                                                                                          \
		m ".verdict.band", m, "verdict.band", MK_BAND, HIGHER_WORSE, "", 0, 0, NAN         \
	}

static const struct metric metrics[] = {
    {"status", NULL, "status", MK_STATUS, HIGHER_WORSE, "", 0, 0, NAN},
    {"verdict.band", NULL, "verdict.band", MK_BAND, HIGHER_WORSE, "", 0, 0, NAN},
    LAT("video", "p50"),
    LAT("video", "p95"),
    IDENT("video"),
    LOSS("video"),
    BAND("video"),
    {"video.quality.psnr_db.mean", "video", "quality.psnr_db.mean", MK_NUMBER, LOWER_WORSE, "dB", 2,
     0.5, NAN},
    {"video.quality.ssim.mean", "video", "quality.ssim.mean", MK_NUMBER, LOWER_WORSE, "", 4, 0.01,
     NAN},
    {"video.quality.freeze_count", "video", "quality.freeze_count", MK_NUMBER, HIGHER_WORSE, "", 0,
     1, NAN},
    LAT("audio", "p50"),
    LAT("audio", "p95"),
    IDENT("audio"),
    LOSS("audio"),
    BAND("audio"),
    {"audio.quality.emodel.mos", "audio", "quality.emodel.mos", MK_NUMBER, LOWER_WORSE, "", 2, 0.1,
     NAN},
};

#define N_METRICS (sizeof(metrics) / sizeof(metrics[0]))
_Static_assert(N_METRICS <= CB_CMP_METRIC_MAX, "raise CB_CMP_METRIC_MAX");

/* Ranked worst last; "none" (no measurement) counts as worse than unusable,
 * as the verdict in summary.json does. */
static const char *const band_names[] = {"excellent", "good",	  "acceptable",
					 "poor",      "unusable", "none"};
static const char *const status_names[] = {"complete", "interrupted", "failed"};

size_t cb_cmp_metric_count(void)
{
	return N_METRICS;
}

const char *cb_cmp_metric_name(size_t i)
{
	return i < N_METRICS ? metrics[i].name : NULL;
}

void cb_cmp_tolerances_default(struct cb_cmp_tolerances *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < CB_CMP_METRIC_MAX; i++) {
		t->tol[i].abs = i < N_METRICS ? metrics[i].abs : NAN;
		t->tol[i].rel_pct = i < N_METRICS ? metrics[i].rel_pct : NAN;
	}
}

void cb_cmp_tol_text(size_t i, const struct cb_cmp_tol *t, char *out, size_t len)
{
	const struct metric *m = &metrics[i < N_METRICS ? i : 0];
	const char *sign = m->worse == HIGHER_WORSE ? "+" : "−";
	int has_abs = !isnan(t->abs), has_rel = !isnan(t->rel_pct);

	if (t->skip) {
		snprintf(out, len, "skipped");
	} else if (m->kind == MK_BAND || m->kind == MK_STATUS) {
		if (has_abs && t->abs >= 1)
			snprintf(out, len, "≤ %g step%s worse", floor(t->abs),
				 t->abs >= 2 ? "s" : "");
		else
			snprintf(out, len, "no step worse");
	} else if (has_abs && has_rel) {
		snprintf(out, len, "%s%g %% and %s%g%s%s", sign, t->rel_pct, sign, t->abs,
			 *m->unit ? " " : "", m->unit);
	} else if (has_rel) {
		snprintf(out, len, "%s%g %%", sign, t->rel_pct);
	} else if (has_abs) {
		snprintf(out, len, "%s%g%s%s", sign, t->abs, *m->unit ? " " : "",
			 strcmp(m->unit, "%") ? m->unit
			 : t->abs == 1	      ? "point"
					      : "points");
	} else {
		snprintf(out, len, "no change worse");
	}
}

/* ---- tolerances file -------------------------------------------------- */

static int tol_set(struct cb_cmp_tol *t, json_t *v, const char *path, const char *key, char *why,
		   size_t len)
{
	const char *k;
	json_t *x;

	if (!json_is_object(v)) {
		snprintf(why, len, "%s: tolerances.%s: not an object", path, key);
		return CB_E_FORMAT;
	}
	json_object_foreach(v, k, x)
	{
		if (strcmp(k, "skip") == 0) {
			if (!json_is_boolean(x)) {
				snprintf(why, len, "%s: tolerances.%s.skip: not true/false", path,
					 key);
				return CB_E_FORMAT;
			}
			t->skip = json_is_true(x);
		} else if (strcmp(k, "abs") == 0 || strcmp(k, "rel_pct") == 0) {
			double *dst = k[0] == 'a' ? &t->abs : &t->rel_pct;

			if (json_is_null(x)) {
				*dst = NAN;
			} else if (json_is_number(x) && json_number_value(x) >= 0) {
				*dst = json_number_value(x);
			} else {
				snprintf(why, len,
					 "%s: tolerances.%s.%s: not a number ≥ 0 (or null)", path,
					 key, k);
				return CB_E_FORMAT;
			}
		} else {
			snprintf(why, len,
				 "%s: tolerances.%s.%s: unknown member (allowed: abs, rel_pct, "
				 "skip)",
				 path, key, k);
			return CB_E_FORMAT;
		}
	}
	return 0;
}

/* The metric's name without its media ("latency_ms.p95"), or its name. */
static const char *generic_name(const struct metric *m)
{
	return m->media ? m->name + strlen(m->media) + 1 : m->name;
}

int cb_cmp_tolerances_load(struct cb_cmp_tolerances *t, const char *path, char *why, size_t len)
{
	struct cb_cmp_tolerances next = *t;
	json_error_t jerr;
	json_t *root, *tols, *v;
	const char *key;
	FILE *f;
	int rc = 0;

	/* Work on a copy, so a bad file leaves `t` as it was. */
	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return rc;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		snprintf(why, len, "%s:%d:%d: not JSON: %s", path, jerr.line, jerr.column,
			 jerr.text);
		return CB_E_FORMAT;
	}
	v = json_object_get(root, "schema");
	tols = json_object_get(root, "tolerances");
	if (!json_is_object(root) ||
	    (v && (!json_is_string(v) || strcmp(json_string_value(v), CB_CMP_SCHEMA_TOL) != 0))) {
		snprintf(why, len, "%s: schema: not \"%s\"", path, CB_CMP_SCHEMA_TOL);
		rc = CB_E_FORMAT;
		goto out_free_root;
	}
	if (!json_is_object(tols)) {
		snprintf(why, len, "%s: tolerances: missing or not an object", path);
		rc = CB_E_FORMAT;
		goto out_free_root;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "schema") && strcmp(key, "tolerances") && strcmp(key, "comment")) {
			snprintf(why, len,
				 "%s: %s: unknown member (allowed: schema, tolerances, comment)",
				 path, key);
			rc = CB_E_FORMAT;
			goto out_free_root;
		}
	}
	/* Keys without a media first, then full names, so a full name wins. */
	for (int pass = 0; pass < 2; pass++) {
		json_object_foreach(tols, key, v)
		{
			int known = 0;

			for (size_t i = 0; i < N_METRICS; i++) {
				int full = strcmp(key, metrics[i].name) == 0;
				int gen = strcmp(key, generic_name(&metrics[i])) == 0;

				known |= full || gen;
				if ((pass == 0 && gen && !full) || (pass == 1 && full)) {
					rc = tol_set(&next.tol[i], v, path, key, why, len);
					if (rc < 0)
						goto out_free_root;
				}
			}
			if (!known) {
				snprintf(why, len,
					 "%s: tolerances.%s: unknown metric (callbench compare "
					 "--help lists them)",
					 path, key);
				rc = CB_E_FORMAT;
				goto out_free_root;
			}
		}
	}
	*t = next;
out_free_root:
	json_decref(root);
	return rc;
}

/* ---- reading summaries ------------------------------------------------ */

static int fail(struct cb_cmp_report *r, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return rc;
}

static int load_json(const char *path, json_t **out, struct cb_cmp_report *r)
{
	json_error_t jerr;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		rc = -errno;
		return fail(r, rc, "%s: %s", path, strerror(errno));
	}
	*out = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!*out)
		return fail(r, CB_E_FORMAT, "%s:%d:%d: not JSON: %s", path, jerr.line, jerr.column,
			    jerr.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return fail(r, CB_E_FORMAT, "%s: not a JSON object", path);
	}
	return 0;
}

/* Walk the dotted `path` below `obj`; NULL when a member is missing. */
static json_t *member(json_t *obj, const char *path)
{
	char part[64];

	while (obj && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = 0;
		obj = json_is_object(obj) ? json_object_get(obj, part) : NULL;
		path += n + (path[n] == '.');
	}
	return obj;
}

/* A number, or NaN for null (not measured); anything else is bad input. */
static int number_at(json_t *obj, const char *path, const char *file, const char *where, double *v,
		     struct cb_cmp_report *r)
{
	json_t *x = member(obj, path);

	if (!x)
		return fail(r, CB_E_FORMAT, "%s: member %s%s missing", file, where, path);
	if (json_is_null(x))
		*v = NAN;
	else if (json_is_number(x))
		*v = json_number_value(x);
	else
		return fail(r, CB_E_FORMAT, "%s: member %s%s is not a number", file, where, path);
	return 0;
}

static int rank_at(json_t *obj, const struct metric *m, const char *file, const char *where,
		   double *v, struct cb_cmp_report *r)
{
	const char *const *names = m->kind == MK_BAND ? band_names : status_names;
	size_t n = m->kind == MK_BAND ? sizeof(band_names) / sizeof(band_names[0])
				      : sizeof(status_names) / sizeof(status_names[0]);
	json_t *x = member(obj, m->path);

	if (!x)
		return fail(r, CB_E_FORMAT, "%s: member %s%s missing", file, where, m->path);
	for (size_t i = 0; json_is_string(x) && i < n; i++)
		if (strcmp(json_string_value(x), names[i]) == 0) {
			*v = (double)i;
			return 0;
		}
	return fail(r, CB_E_FORMAT, "%s: member %s%s is not a known %s", file, where, m->path,
		    m->kind == MK_BAND ? "band" : "status");
}

/* The value of metric `m` in the summary `root` read from `file`. */
static int metric_value(json_t *root, const struct metric *m, const char *file, double *v,
			struct cb_cmp_report *r)
{
	char where[32] = "";
	json_t *obj = root;

	if (m->media) {
		snprintf(where, sizeof(where), "media.%s.", m->media);
		obj = member(member(root, "media"), m->media);
		if (!obj)
			return fail(r, CB_E_FORMAT, "%s: member media.%s missing", file, m->media);
	}
	if (m->kind == MK_BAND || m->kind == MK_STATUS)
		return rank_at(obj, m, file, where, v, r);
	if (m->kind == MK_LOSS) {
		double lost, sent;
		int rc = number_at(obj, "packets.lost", file, where, &lost, r);

		if (rc == 0)
			rc = number_at(obj, "packets.sent", file, where, &sent, r);
		if (rc == 0)
			*v = sent > 0 ? 100.0 * lost / sent : NAN;
		return rc;
	}
	return number_at(obj, m->path, file, where, v, r);
}

static int check_schema(json_t *root, const char *file, struct cb_cmp_report *r)
{
	json_t *s = json_object_get(root, "schema");

	if (!s)
		return fail(r, CB_E_FORMAT, "%s: member schema missing (not a summary.json?)",
			    file);
	if (!json_is_string(s) || strcmp(json_string_value(s), CB_SUMMARY_SCHEMA) != 0)
		return fail(r, CB_E_FORMAT, "%s: member schema is \"%s\", not \"%s\"", file,
			    json_is_string(s) ? json_string_value(s) : "?", CB_SUMMARY_SCHEMA);
	return 0;
}

/* ---- judging ------------------------------------------------------------ */

static void value_text(const struct metric *m, double v, char *out, size_t len)
{
	if (isnan(v))
		snprintf(out, len, "–");
	else if (m->kind == MK_BAND)
		snprintf(out, len, "%s", band_names[(size_t)v]);
	else if (m->kind == MK_STATUS)
		snprintf(out, len, "%s", status_names[(size_t)v]);
	else
		snprintf(out, len, "%.*f%s%s", m->decimals, v,
			 *m->unit && strcmp(m->unit, "%") ? " " : "", m->unit);
}

static void change_text(const struct cb_cmp_item *it, const struct metric *m, char *out, size_t len)
{
	if (isnan(it->baseline) && isnan(it->current))
		snprintf(out, len, "not measured");
	else if (isnan(it->current))
		snprintf(out, len, "no longer measured");
	else if (isnan(it->baseline))
		snprintf(out, len, "newly measured");
	else if (it->delta == 0)
		snprintf(out, len, "=");
	else if (m->kind == MK_BAND || m->kind == MK_STATUS)
		snprintf(out, len, "%g step%s %s", fabs(it->delta), fabs(it->delta) == 1 ? "" : "s",
			 it->delta > 0 ? "worse" : "better");
	else if (!isnan(m->rel_pct) && it->baseline != 0)
		snprintf(out, len, "%+.*f%s%s, %+.1f %%", m->decimals, it->delta,
			 *m->unit ? " " : "", m->unit, 100.0 * it->delta / fabs(it->baseline));
	else
		snprintf(out, len, "%+.*f%s%s", m->decimals, it->delta, *m->unit ? " " : "",
			 strcmp(m->unit, "%") == 0 ? "points" : m->unit);
}

/*
 * Pass unless the metric got worse by more than its tolerance.  A figure
 * that was measured in the baseline and is not any more (null) is a
 * regression: a latency that cannot be measured is worse than any number.
 * The small slack keeps a change of exactly the tolerance (e.g. PSNR
 * −0.5 dB printed from binary doubles) on the passing side.
 */
static int judge(const struct metric *m, const struct cb_cmp_tol *t, double base, double cur)
{
	double worse, slack, over_abs, over_rel;

	if (isnan(base))
		return 1;
	if (isnan(cur))
		return 0;
	worse = m->worse == HIGHER_WORSE ? cur - base : base - cur;
	if (worse <= 0)
		return 1;
	slack = 1e-9 * fmax(1.0, fabs(base));
	over_abs = isnan(t->abs) || worse > t->abs + slack;
	over_rel = isnan(t->rel_pct) || worse > t->rel_pct / 100.0 * fabs(base) + slack;
	return !(over_abs && over_rel);
}

static int push_item(struct cb_cmp_report *r, const struct cb_cmp_item *it)
{
	if (r->n_items % 32 == 0) {
		struct cb_cmp_item *n = realloc(r->items, (r->n_items + 32) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->items = n;
	}
	r->items[r->n_items++] = *it;
	return 0;
}

static int push_group(struct cb_cmp_report *r, const char *name, const char *bpath,
		      const char *cpath)
{
	struct cb_cmp_group *n = realloc(r->groups, (r->n_groups + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	r->groups = n;
	n += r->n_groups++;
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->baseline_path, sizeof(n->baseline_path), "%s", bpath);
	snprintf(n->current_path, sizeof(n->current_path), "%s", cpath);
	n->first = r->n_items;
	return 0;
}

/* Compare two summary.json files as one group. */
static int compare_runs(const char *group, const char *bpath, const char *cpath,
			const struct cb_cmp_tolerances *tol, struct cb_cmp_report *r)
{
	json_t *b = NULL, *c = NULL;
	int rc;

	rc = load_json(bpath, &b, r);
	if (rc == 0)
		rc = load_json(cpath, &c, r);
	if (rc == 0)
		rc = check_schema(b, bpath, r);
	if (rc == 0)
		rc = check_schema(c, cpath, r);
	if (rc == 0)
		rc = push_group(r, group, bpath, cpath);
	if (rc < 0)
		goto out_free_json;
	for (size_t i = 0; i < N_METRICS; i++) {
		const struct metric *m = &metrics[i];
		struct cb_cmp_item it = {0};
		struct cb_cmp_group *g;

		if (tol->tol[i].skip)
			continue;
		/* The baseline decides which media are compared: a media it has
		 * must be in the current run too (metric_value says so if not). */
		if (m->media && !member(member(b, "media"), m->media))
			continue;
		rc = metric_value(b, m, bpath, &it.baseline, r);
		if (rc == 0)
			rc = metric_value(c, m, cpath, &it.current, r);
		if (rc < 0)
			goto out_free_json;
		snprintf(it.group, sizeof(it.group), "%s", group);
		it.name = m->name;
		it.unit = m->unit;
		it.delta = it.current - it.baseline;
		value_text(m, it.baseline, it.baseline_txt, sizeof(it.baseline_txt));
		value_text(m, it.current, it.current_txt, sizeof(it.current_txt));
		change_text(&it, m, it.change_txt, sizeof(it.change_txt));
		cb_cmp_tol_text(i, &tol->tol[i], it.tolerance_txt, sizeof(it.tolerance_txt));
		it.pass = judge(m, &tol->tol[i], it.baseline, it.current);
		rc = push_item(r, &it);
		if (rc < 0)
			goto out_free_json;
		g = &r->groups[r->n_groups - 1];
		g->n++;
		if (!it.pass) {
			g->failed++;
			r->failed++;
		}
	}
out_free_json:
	json_decref(c);
	json_decref(b);
	return rc;
}

/* ---- inputs: a summary, a run folder or a sweep folder ----------------- */

enum input_kind { IN_RUN, IN_SWEEP };

/* What `arg` names: the summary.json (or sweep.json) to read, in `file`. */
static int resolve(const char *given, enum input_kind *kind, char *file, size_t len,
		   struct cb_cmp_report *r)
{
	char arg[PATH_MAX];
	struct stat st;

	/* A results folder (--out of a run or sweep) stands for its latest. */
	if (cb_results_follow_latest(given, arg, sizeof(arg)) < 0)
		snprintf(arg, sizeof(arg), "%s", given);
	if (stat(arg, &st) < 0)
		return fail(r, -errno, "%s: %s", arg, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		const char *slash = strrchr(arg, '/');

		*kind = strcmp(slash ? slash + 1 : arg, "sweep.json") == 0 ? IN_SWEEP : IN_RUN;
		if (snprintf(file, len, "%s", arg) >= (int)len)
			return fail(r, -ENAMETOOLONG, "%s: path too long", arg);
		return 0;
	}
	if (cb_path_join(file, len, arg, "summary.json") < 0)
		return fail(r, -ENAMETOOLONG, "%s: path too long", arg);
	if (stat(file, &st) == 0) {
		*kind = IN_RUN;
		return 0;
	}
	if (cb_path_join(file, len, arg, "sweep.json") < 0)
		return fail(r, -ENAMETOOLONG, "%s: path too long", arg);
	if (stat(file, &st) == 0) {
		*kind = IN_SWEEP;
		return 0;
	}
	return fail(r, -ENOENT,
		    "%s: a folder with neither summary.json, sweep.json nor a latest run", arg);
}

/* The folder that holds `file` ("." when none). */
static void dir_of(const char *file, char *dir, size_t len)
{
	const char *slash = strrchr(file, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else
		snprintf(dir, len, "%.*s", (int)(slash - file), file);
}

/* The summary.json of sweep cell `i` of `cells` (read from `file`). */
static int cell_summary(json_t *cells, size_t i, const char *file, const char **name, char *out,
			size_t len, struct cb_cmp_report *r)
{
	json_t *cell = json_array_get(cells, i);
	json_t *n = json_object_get(cell, "name"), *d = json_object_get(cell, "dir");
	char base[512], dir[1024];
	enum input_kind kind;
	int rc;

	if (!json_is_string(n))
		return fail(r, CB_E_FORMAT, "%s: member cells[%zu].name missing or not a string",
			    file, i);
	if (!json_is_string(d))
		return fail(r, CB_E_FORMAT, "%s: member cells[%zu].dir missing or not a string",
			    file, i);
	*name = json_string_value(n);
	dir_of(file, base, sizeof(base));
	if (json_string_value(d)[0] == '/')
		snprintf(dir, sizeof(dir), "%s", json_string_value(d));
	else if (cb_path_join(dir, sizeof(dir), base, json_string_value(d)) < 0)
		return fail(r, -ENAMETOOLONG, "%s: cells[%zu].dir: path too long", file, i);
	rc = resolve(dir, &kind, out, len, r);
	if (rc == 0 && kind != IN_RUN)
		rc = fail(r, CB_E_FORMAT, "%s: cells[%zu] (%s) is not a run", file, i, *name);
	return rc;
}

static int load_cells(const char *file, json_t **root, json_t **cells, struct cb_cmp_report *r)
{
	int rc = load_json(file, root, r);

	if (rc < 0)
		return rc;
	*cells = json_object_get(*root, "cells");
	if (!json_is_array(*cells))
		return fail(r, CB_E_FORMAT, "%s: member cells missing or not an array", file);
	return 0;
}

static int compare_sweeps(const char *bfile, const char *cfile, const struct cb_cmp_tolerances *tol,
			  struct cb_cmp_report *r)
{
	json_t *broot = NULL, *croot = NULL, *bcells, *ccells;
	char bsum[1024], csum[1024];
	size_t used = 0;
	int rc;

	rc = load_cells(bfile, &broot, &bcells, r);
	if (rc == 0)
		rc = load_cells(cfile, &croot, &ccells, r);
	for (size_t i = 0; rc == 0 && i < json_array_size(bcells); i++) {
		const char *bname, *cname = NULL;
		size_t j;

		rc = cell_summary(bcells, i, bfile, &bname, bsum, sizeof(bsum), r);
		for (j = 0; rc == 0 && j < json_array_size(ccells); j++) {
			json_t *n = json_object_get(json_array_get(ccells, j), "name");

			if (json_is_string(n) && strcmp(json_string_value(n), bname) == 0)
				break;
		}
		if (rc == 0 && j == json_array_size(ccells))
			rc = fail(r, CB_E_FORMAT, "%s: cell \"%s\" of the baseline is missing",
				  cfile, bname);
		if (rc == 0)
			rc = cell_summary(ccells, j, cfile, &cname, csum, sizeof(csum), r);
		if (rc == 0)
			rc = compare_runs(bname, bsum, csum, tol, r);
	}
	/* Cells only the current sweep has are named, not compared: nothing to
	 * hold them against. */
	for (size_t j = 0; rc == 0 && j < json_array_size(ccells); j++) {
		json_t *n = json_object_get(json_array_get(ccells, j), "name");
		size_t i;

		for (i = 0; json_is_string(n) && i < json_array_size(bcells); i++) {
			json_t *bn = json_object_get(json_array_get(bcells, i), "name");

			if (json_is_string(bn) &&
			    strcmp(json_string_value(bn), json_string_value(n)) == 0)
				break;
		}
		if (json_is_string(n) && i == json_array_size(bcells) &&
		    used < sizeof(r->extra_cells))
			used +=
			    (size_t)snprintf(r->extra_cells + used, sizeof(r->extra_cells) - used,
					     "%s%s", used ? ", " : "", json_string_value(n));
	}
	json_decref(croot);
	json_decref(broot);
	return rc;
}

int cb_cmp_paths(const char *baseline, const char *current, const struct cb_cmp_tolerances *tol,
		 struct cb_cmp_report *out)
{
	struct cb_cmp_tolerances defaults;
	enum input_kind bk, ck;
	char bfile[1024], cfile[1024];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!baseline || !current)
		return fail(out, -EINVAL, "baseline and current are both needed");
	if (!tol) {
		cb_cmp_tolerances_default(&defaults);
		tol = &defaults;
	}
	rc = resolve(baseline, &bk, bfile, sizeof(bfile), out);
	if (rc == 0)
		rc = resolve(current, &ck, cfile, sizeof(cfile), out);
	if (rc == 0 && bk != ck)
		rc = fail(out, CB_E_FORMAT, "%s is a %s but %s is a %s: compare like with like",
			  baseline, bk == IN_SWEEP ? "sweep" : "run", current,
			  ck == IN_SWEEP ? "sweep" : "run");
	if (rc == 0) {
		out->sweep = bk == IN_SWEEP;
		rc = out->sweep ? compare_sweeps(bfile, cfile, tol, out)
				: compare_runs("", bfile, cfile, tol, out);
	}
	if (rc == -ENOMEM && !out->error[0])
		fail(out, rc, "out of memory");
	return rc;
}

void cb_cmp_report_free(struct cb_cmp_report *r)
{
	free(r->items);
	free(r->groups);
	r->items = NULL;
	r->groups = NULL;
	r->n_items = r->n_groups = r->failed = 0;
}

/* ---- writers ------------------------------------------------------------ */

int cb_cmp_write_junit(const struct cb_cmp_report *r, const char *path)
{
	struct cb_junit_suite *suites = calloc(r->n_groups ? r->n_groups : 1, sizeof(*suites));
	struct cb_junit_case *cases = calloc(r->n_items ? r->n_items : 1, sizeof(*cases));
	char(*msg)[400] = calloc(r->n_items ? r->n_items : 1, sizeof(*msg));
	char(*cls)[160] = calloc(r->n_groups ? r->n_groups : 1, sizeof(*cls));
	const char *(*props)[2] = calloc(r->n_groups ? r->n_groups : 1, 2 * sizeof(*props));
	int err = -ENOMEM;

	if (!suites || !cases || !msg || !cls || !props)
		goto out_free;
	for (size_t g = 0; g < r->n_groups; g++) {
		const struct cb_cmp_group *gr = &r->groups[g];
		const char *suite = gr->name[0] ? gr->name : "run";

		snprintf(cls[g], sizeof(cls[g]), "callbench.compare.%s", suite);
		props[2 * g][0] = "baseline";
		props[2 * g][1] = gr->baseline_path;
		props[2 * g + 1][0] = "current";
		props[2 * g + 1][1] = gr->current_path;
		suites[g] =
		    (struct cb_junit_suite){.name = suite,
					    .cases = cases + gr->first,
					    .n = gr->n,
					    .props = (const char *const(*)[2]) & props[2 * g],
					    .n_props = 2,
					    .time_s = 0};
		for (size_t i = gr->first; i < gr->first + gr->n; i++) {
			const struct cb_cmp_item *it = &r->items[i];

			snprintf(msg[i], sizeof(msg[i]), "%s: %s → %s (%s), tolerance %s", it->name,
				 it->baseline_txt, it->current_txt, it->change_txt,
				 it->tolerance_txt);
			cases[i] = (struct cb_junit_case){
			    .classname = cls[g],
			    .name = it->name,
			    .outcome = it->pass ? CB_JUNIT_PASS : CB_JUNIT_FAILURE,
			    .type = "regression",
			    .message = msg[i],
			    .detail = msg[i],
			};
		}
	}
	err = cb_junit_write(path, "callbench compare", suites, r->n_groups);
out_free:
	free(suites);
	free(cases);
	free(msg);
	free(cls);
	free(props);
	return err;
}

int cb_cmp_write_junit_error(const char *path, const char *message)
{
	const struct cb_junit_case c = {.classname = "callbench.compare",
					.name = "inputs",
					.outcome = CB_JUNIT_ERROR,
					.type = "bad-input",
					.message = message,
					.detail = message};
	const struct cb_junit_suite s = {.name = "inputs", .cases = &c, .n = 1};

	return cb_junit_write(path, "callbench compare", &s, 1);
}

/* A Markdown table cell: a '|' would end the cell early. */
static void md_cell(FILE *f, const char *s)
{
	fputc(' ', f);
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputs(" |", f);
}

int cb_cmp_write_markdown(const struct cb_cmp_report *r, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	if (r->failed)
		fprintf(f, "## callbench compare: ❌ %zu regression%s\n\n", r->failed,
			r->failed == 1 ? "" : "s");
	else
		fprintf(f, "## callbench compare: ✅ no regression\n\n");
	fprintf(f, "%zu metric%s in %zu %s compared.", r->n_items, r->n_items == 1 ? "" : "s",
		r->n_groups, r->sweep ? "sweep cells" : "run");
	if (r->extra_cells[0])
		fprintf(f, " Cells only in the current sweep (not compared): %s.", r->extra_cells);
	fputs("\n", f);
	for (size_t g = 0; g < r->n_groups; g++) {
		const struct cb_cmp_group *gr = &r->groups[g];

		fputs("\n", f);
		if (gr->name[0])
			fprintf(f, "### %s %s\n\n", gr->name, gr->failed ? "❌" : "✅");
		fprintf(f, "Baseline `%s`, current `%s`.\n\n", gr->baseline_path, gr->current_path);
		fputs("| metric | baseline | current | change | tolerance | |\n"
		      "|---|---:|---:|---:|---|:-:|\n",
		      f);
		for (size_t i = gr->first; i < gr->first + gr->n; i++) {
			const struct cb_cmp_item *it = &r->items[i];

			fputs("|", f);
			md_cell(f, it->name);
			md_cell(f, it->baseline_txt);
			md_cell(f, it->current_txt);
			md_cell(f, it->change_txt);
			md_cell(f, it->tolerance_txt);
			md_cell(f, it->pass ? "✅" : "❌");
			fputs("\n", f);
		}
	}
	return cb_memstream_commit(f, &buf, &len, path);
}
