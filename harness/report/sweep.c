/*
 * sweep.c — a sweep's model (axes, the cells of their product), its
 * sweep.json, the figures read back from each cell's summary.json, and
 * merging result folders into one sweep.  Its comparison report is in
 * sweep_report.c; running its calls in call/sweep_run.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "call/settings.h"
#include "report/report.h"
#include "report/gp.h"
#include "report/sweep.h"

#define MAX_CELLS 100000

void cb_sweep_free(struct cb_sweep *sw)
{
	if (!sw)
		return;
	for (size_t a = 0; a < sw->n_axes; a++) {
		for (size_t v = 0; v < sw->axis[a].n; v++)
			free(sw->axis[a].values[v]);
		free(sw->axis[a].values);
	}
	for (size_t c = 0; c < sw->n_cells; c++)
		for (size_t a = 0; a < CB_SWEEP_MAX_AXES; a++)
			free(sw->cells[c].value[a]);
	free(sw->cells);
	memset(sw, 0, sizeof(*sw));
}

/* A JSON string member, or `dflt` when it is absent or not a string. */
static const char *jget(json_t *o, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : dflt;
}

int cb_sweep_axis_find(const struct cb_sweep *sw, const char *name)
{
	for (size_t a = 0; a < sw->n_axes; a++)
		if (!strcmp(sw->axis[a].name, name))
			return (int)a;
	return -1;
}

static int axis_has(const struct cb_sweep_axis *ax, const char *v)
{
	for (size_t i = 0; i < ax->n; i++)
		if (!strcmp(ax->values[i], v))
			return 1;
	return 0;
}

/* Append a copy of `v` to the axis; the array grows one at a time (axes are short). */
static int axis_push(struct cb_sweep_axis *ax, const char *v)
{
	char **nv = realloc(ax->values, (ax->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	ax->values = nv;
	nv[ax->n] = strdup(v);
	if (!nv[ax->n])
		return -ENOMEM;
	ax->n++;
	return 0;
}

int cb_sweep_axis_add(struct cb_sweep *sw, const char *name, const char *const *values, size_t n)
{
	struct cb_sweep_axis *ax;
	int err;

	if (!sw || !name || !*name || strlen(name) >= sizeof(ax->name) || !values || !n ||
	    cb_sweep_axis_find(sw, name) >= 0)
		return -EINVAL;
	if (sw->n_axes >= CB_SWEEP_MAX_AXES)
		return CB_E_RANGE;
	ax = &sw->axis[sw->n_axes];
	memset(ax, 0, sizeof(*ax));
	snprintf(ax->name, sizeof(ax->name), "%s", name);
	/* Counted before pushing, so a failure leaves the axis to cb_sweep_free(). */
	sw->n_axes++;
	for (size_t i = 0; i < n; i++) {
		if (!values[i])
			return -EINVAL;
		err = axis_push(ax, values[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A cell's name is its run folder's name, so it must be a plain file name
 * and fit a run id: the values are kept readable but reduced to a safe
 * alphabet, and the whole is cut to leave room for a "-N" suffix.
 */
static void cell_name(const struct cb_sweep *sw, const size_t *idx, char *out, size_t room)
{
	size_t o = 0;

	for (size_t a = 0; a < sw->n_axes; a++) {
		const char *v = sw->axis[a].values[idx[a]];

		if (a && o + 1 < room)
			out[o++] = '_';
		for (; *v && o + 1 < room; v++) {
			char ch = *v;
			int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				 (ch >= '0' && ch <= '9') || ch == '.' || ch == '+' || ch == '-';
			out[o++] = ok ? ch : '-';
		}
	}
	out[o] = 0;
	if (!o)
		snprintf(out, room, "base");
	/* "." and ".." name no new folder. */
	if (out[0] == '.')
		out[0] = '-';
}

static int name_taken(const struct cb_sweep *sw, size_t upto, const char *name)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(sw->cells[i].name, name))
			return 1;
	return 0;
}

/* Make `name` (room for a run id) unique among the first `upto` cells. */
static void unique_name(const struct cb_sweep *sw, size_t upto, char *name, size_t room)
{
	char base[56];

	if (!name_taken(sw, upto, name))
		return;
	snprintf(base, sizeof(base), "%s", name);
	for (int k = 2; k < 1000000; k++) {
		if (snprintf(name, room, "%.52s-%d", base, k) < 0)
			return;
		if (!name_taken(sw, upto, name))
			return;
	}
}

int cb_sweep_plan(struct cb_sweep *sw)
{
	size_t total = 1, idx[CB_SWEEP_MAX_AXES] = {0};

	if (!sw || sw->cells)
		return -EINVAL;
	for (size_t a = 0; a < sw->n_axes; a++) {
		if (!sw->axis[a].n)
			return -EINVAL;
		total *= sw->axis[a].n;
		if (total > MAX_CELLS)
			return CB_E_RANGE;
	}
	sw->cells = calloc(total, sizeof(*sw->cells));
	if (!sw->cells)
		return -ENOMEM;
	for (size_t c = 0; c < total; c++) {
		struct cb_sweep_cell *cell = &sw->cells[c];
		/* Run ids are 63 characters at most: the name is cut to fit one. */
		char name[64];

		sw->n_cells = c + 1;
		cell_name(sw, idx, name, 56);
		unique_name(sw, c, name, sizeof(name));
		snprintf(cell->name, sizeof(cell->name), "%s", name);
		snprintf(cell->dir, sizeof(cell->dir), "%s", name);
		snprintf(cell->status, sizeof(cell->status), "pending");
		for (size_t a = 0; a < sw->n_axes; a++) {
			cell->value[a] = strdup(sw->axis[a].values[idx[a]]);
			if (!cell->value[a])
				return -ENOMEM;
		}
		/* The last axis varies fastest, like nested loops written in axis order. */
		for (size_t a = sw->n_axes; a-- > 0;) {
			if (++idx[a] < sw->axis[a].n)
				break;
			idx[a] = 0;
		}
	}
	return 0;
}

/* ---- sweep.json ---- */

int cb_sweep_json_write(const struct cb_sweep *sw, const char *dir)
{
	json_t *root, *axes, *cells;
	char path[PATH_MAX], *text;
	int err;

	if (!sw || !dir)
		return -EINVAL;
	err = cb_path_join(path, sizeof(path), dir, "sweep.json");
	if (err)
		return err;
	root = json_object();
	axes = json_array();
	cells = json_array();
	if (!root || !axes || !cells) {
		json_decref(root);
		json_decref(axes);
		json_decref(cells);
		return -ENOMEM;
	}
	json_object_set_new(root, "schema", json_string(CB_SWEEP_SCHEMA));
	json_object_set_new(root, "id", json_string(sw->id));
	json_object_set_new(root, "status", json_string(sw->status[0] ? sw->status : "planned"));
	for (size_t a = 0; a < sw->n_axes; a++) {
		json_t *vals = json_array();

		for (size_t v = 0; v < sw->axis[a].n; v++)
			json_array_append_new(vals, json_string(sw->axis[a].values[v]));
		json_array_append_new(
		    axes, json_pack("{s:s, s:o}", "name", sw->axis[a].name, "values", vals));
	}
	json_object_set_new(root, "axes", axes);
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		json_t *vals = json_object();

		for (size_t a = 0; a < sw->n_axes; a++)
			json_object_set_new(vals, sw->axis[a].name,
					    json_string(cell->value[a] ? cell->value[a] : ""));
		json_array_append_new(cells, json_pack("{s:s, s:o, s:s, s:s}", "name", cell->name,
						       "values", vals, "dir", cell->dir, "status",
						       cell->status));
	}
	json_object_set_new(root, "cells", cells);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	err = cb_write_file_atomic(path, text, strlen(text));
	free(text);
	return err;
}

/* ---- figures from summary.json ---- */

/* A number at a dotted path ("media.video.latency_ms.p95"); NaN if absent or null. */
static double jnum(json_t *o, const char *path)
{
	char key[64];
	const char *p = path;

	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (n >= sizeof(key))
			return NAN;
		memcpy(key, p, n);
		key[n] = 0;
		o = json_object_get(o, key);
		p += n + (dot ? 1 : 0);
	}
	return o && json_is_number(o) ? json_number_value(o) : NAN;
}

/* A whole number of `o` at `path` (a picture size): 0 where it is missing,
 * not a number, or outside int — a summary.json from anywhere is outside input. */
static int jint(json_t *o, const char *path)
{
	double v = jnum(o, path);

	return isfinite(v) && v >= INT_MIN && v <= INT_MAX ? (int)v : 0;
}

static void jstr(json_t *o, const char *path, char *out, size_t room)
{
	char key[64];
	const char *p = path;

	out[0] = 0;
	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (n >= sizeof(key))
			return;
		memcpy(key, p, n);
		key[n] = 0;
		o = json_object_get(o, key);
		p += n + (dot ? 1 : 0);
	}
	if (o && json_is_string(o))
		snprintf(out, room, "%s", json_string_value(o));
}

static void fig_clear(struct cb_sweep_fig *f)
{
	memset(f, 0, sizeof(*f));
	f->verdict_pct = f->verdict_ms = NAN;
	f->video_p50 = f->video_p95 = f->video_p99 = f->audio_p50 = f->audio_p95 = NAN;
	f->psnr_mean = f->ssim_mean = f->video_kbps = f->target_kbps = NAN;
	f->encode_ms = f->identified_pct = f->wall_s = f->media_s = NAN;
	snprintf(f->status, sizeof(f->status), "missing");
	snprintf(f->band, sizeof(f->band), "none");
}

static json_t *load_summary(const char *run_dir)
{
	char path[PATH_MAX];
	json_t *root;

	if (cb_path_join(path, sizeof(path), run_dir, "summary.json"))
		return NULL;
	root = json_load_file(path, 0, NULL);
	if (root && strcmp(jget(root, "schema", ""), CB_SUMMARY_SCHEMA) != 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* One of summary.json's verdict bands, or "none". */
static int band_known(const char *band)
{
	for (int b = 0; b < CB_BAND_COUNT; b++)
		if (!strcmp(band, cb_band_name((enum cb_band)b)))
			return 1;
	return !strcmp(band, "none");
}

int cb_sweep_fig_read(const char *run_dir, struct cb_sweep_fig *fig)
{
	json_t *root;

	if (!run_dir || !fig)
		return -EINVAL;
	fig_clear(fig);
	root = load_summary(run_dir);
	if (!root)
		return CB_E_NOTFOUND;
	jstr(root, "run_id", fig->run_id, sizeof(fig->run_id));
	jstr(root, "status", fig->status, sizeof(fig->status));
	jstr(root, "verdict.band", fig->band, sizeof(fig->band));
	fig->verdict_pct = jnum(root, "verdict.percentile");
	fig->verdict_ms = jnum(root, "verdict.value_ms");
	fig->video_p50 = jnum(root, "media.video.latency_ms.p50");
	fig->video_p95 = jnum(root, "media.video.latency_ms.p95");
	fig->video_p99 = jnum(root, "media.video.latency_ms.p99");
	fig->audio_p50 = jnum(root, "media.audio.latency_ms.p50");
	fig->audio_p95 = jnum(root, "media.audio.latency_ms.p95");
	fig->psnr_mean = jnum(root, "media.video.quality.psnr_db.mean");
	fig->ssim_mean = jnum(root, "media.video.quality.ssim.mean");
	fig->video_kbps = jnum(root, "media.video.bitrate.achieved_kbps");
	fig->target_kbps = jnum(root, "media.video.bitrate.target_kbps");
	fig->encode_ms = jnum(root, "media.video.stages_ms.encode.mean");
	fig->identified_pct = jnum(root, "media.video.identified_pct");
	fig->wall_s = jnum(root, "wall_s");
	fig->media_s = jnum(root, "media_s");
	jstr(root, "settings.video_codec", fig->video_codec, sizeof(fig->video_codec));
	jstr(root, "settings.network.profile", fig->net_profile, sizeof(fig->net_profile));
	fig->width = jint(root, "settings.width");
	fig->height = jint(root, "settings.height");
	json_decref(root);
	/* A summary.json may come from anywhere: a band or a status outside the
	 * schema is not shown as if it were one. */
	if (!fig->band[0])
		snprintf(fig->band, sizeof(fig->band), "none");
	if (!band_known(fig->band) ||
	    (strcmp(fig->status, "complete") && strcmp(fig->status, "interrupted") &&
	     strcmp(fig->status, "failed"))) {
		snprintf(fig->band, sizeof(fig->band), "none");
		snprintf(fig->status, sizeof(fig->status), "invalid");
		return CB_E_FORMAT;
	}
	return 0;
}

/* ---- merging result folders ---- */

/* `path` relative to `out_real` when inside it, else as given (absolute). */
static void rel_path(const char *out_real, const char *path, char *dst, size_t room)
{
	size_t n = strlen(out_real);

	if (!strncmp(path, out_real, n) && path[n] == '/')
		snprintf(dst, room, "%s", path + n + 1);
	else if (!strcmp(path, out_real))
		snprintf(dst, room, ".");
	else
		snprintf(dst, room, "%s", path);
}

/* The absolute form of `path`, resolved when it exists, else joined to the cwd. */
static int abs_path(const char *path, char *out, size_t room)
{
	char buf[PATH_MAX], cwd[PATH_MAX];

	if (realpath(path, buf)) {
		snprintf(out, room, "%s", buf);
		return 0;
	}
	if (path[0] == '/') {
		snprintf(out, room, "%s", path);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return snprintf(out, room, "%s/%s", cwd, path) >= (int)room ? -ENAMETOOLONG : 0;
}

/* Where a cell's run folder is, from the sweep folder `dir`. */
void cb_sweep_cell_path(const char *dir, const struct cb_sweep_cell *c, char *out, size_t room)
{
	if (c->dir[0] == '/')
		snprintf(out, room, "%s", c->dir);
	else
		snprintf(out, room, "%s/%s", dir, c->dir);
}

static struct cb_sweep_cell *cell_new(struct cb_sweep *sw)
{
	struct cb_sweep_cell *nc = realloc(sw->cells, (sw->n_cells + 1) * sizeof(*nc));

	if (!nc)
		return NULL;
	sw->cells = nc;
	memset(&nc[sw->n_cells], 0, sizeof(*nc));
	return &nc[sw->n_cells++];
}

static int merge_sweep(struct cb_sweep *sw, const char *folder_real, const char *out_real,
		       json_t *root)
{
	json_t *axes = json_object_get(root, "axes"), *cells = json_object_get(root, "cells");
	size_t i, n;
	int map[CB_SWEEP_MAX_AXES], err;
	const char *axis_names[CB_SWEEP_MAX_AXES];
	size_t n_src = 0;

	if (!json_is_array(cells))
		return CB_E_FORMAT;
	if (!sw->id[0])
		snprintf(sw->id, sizeof(sw->id), "%s", jget(root, "id", ""));
	if (!sw->status[0])
		snprintf(sw->status, sizeof(sw->status), "%s", jget(root, "status", ""));
	/* Axes: the union by name, values in order of first appearance. */
	for (i = 0; json_is_array(axes) && i < json_array_size(axes) && n_src < CB_SWEEP_MAX_AXES;
	     i++) {
		json_t *ax = json_array_get(axes, i), *vals = json_object_get(ax, "values");
		const char *name = json_string_value(json_object_get(ax, "name"));
		int k;

		if (!name || !*name || strlen(name) >= sizeof(sw->axis[0].name))
			return CB_E_FORMAT;
		k = cb_sweep_axis_find(sw, name);
		if (k < 0) {
			if (sw->n_axes >= CB_SWEEP_MAX_AXES)
				return CB_E_RANGE;
			k = (int)sw->n_axes++;
			memset(&sw->axis[k], 0, sizeof(sw->axis[k]));
			snprintf(sw->axis[k].name, sizeof(sw->axis[k].name), "%s", name);
		}
		for (n = 0; json_is_array(vals) && n < json_array_size(vals); n++) {
			const char *v = json_string_value(json_array_get(vals, n));

			if (v && !axis_has(&sw->axis[k], v) && (err = axis_push(&sw->axis[k], v)))
				return err;
		}
		axis_names[n_src] = name;
		map[n_src++] = k;
	}
	for (i = 0; i < json_array_size(cells); i++) {
		json_t *jc = json_array_get(cells, i), *vals = json_object_get(jc, "values");
		const char *name = json_string_value(json_object_get(jc, "name"));
		const char *dir = json_string_value(json_object_get(jc, "dir"));
		const char *status = json_string_value(json_object_get(jc, "status"));
		char full[PATH_MAX], nm[64];
		struct cb_sweep_cell *c;

		if (!name || !dir)
			return CB_E_FORMAT;
		c = cell_new(sw);
		if (!c)
			return -ENOMEM;
		snprintf(nm, sizeof(nm), "%s", name);
		unique_name(sw, sw->n_cells - 1, nm, sizeof(nm));
		snprintf(c->name, sizeof(c->name), "%s", nm);
		if (dir[0] == '/')
			snprintf(full, sizeof(full), "%s", dir);
		else if (snprintf(full, sizeof(full), "%s/%s", folder_real, dir) >=
			 (int)sizeof(full))
			return -ENAMETOOLONG;
		rel_path(out_real, full, c->dir, sizeof(c->dir));
		snprintf(c->status, sizeof(c->status), "%s", status ? status : "pending");
		for (size_t a = 0; a < n_src; a++) {
			const char *v = json_string_value(json_object_get(vals, axis_names[a]));

			if (v && !(c->value[map[a]] = strdup(v)))
				return -ENOMEM;
		}
	}
	return 0;
}

int cb_sweep_merge_add(struct cb_sweep *sw, const char *folder, const char *out_dir)
{
	char folder_real[PATH_MAX], out_real[PATH_MAX], path[PATH_MAX];
	json_t *root;
	int err;

	if (!sw || !folder || !out_dir)
		return -EINVAL;
	if (!realpath(folder, folder_real))
		return -errno;
	err = abs_path(out_dir, out_real, sizeof(out_real));
	if (err)
		return err;
	err = cb_path_join(path, sizeof(path), folder_real, "sweep.json");
	if (err)
		return err;
	root = json_load_file(path, 0, NULL);
	if (root) {
		if (strcmp(jget(root, "schema", ""), CB_SWEEP_SCHEMA) != 0)
			err = CB_E_FORMAT;
		else
			err = merge_sweep(sw, folder_real, out_real, root);
		json_decref(root);
		return err;
	}
	root = load_summary(folder_real);
	if (!root)
		return CB_E_NOTFOUND;
	{
		struct cb_sweep_cell *c = cell_new(sw);
		const char *id = json_string_value(json_object_get(root, "run_id"));
		const char *base = strrchr(folder_real, '/');
		char nm[64];

		if (!c) {
			json_decref(root);
			return -ENOMEM;
		}
		snprintf(nm, sizeof(nm), "%.63s", id && *id ? id : base ? base + 1 : folder_real);
		unique_name(sw, sw->n_cells - 1, nm, sizeof(nm));
		snprintf(c->name, sizeof(c->name), "%s", nm);
		rel_path(out_real, folder_real, c->dir, sizeof(c->dir));
		snprintf(c->status, sizeof(c->status), "%s", jget(root, "status", "missing"));
	}
	json_decref(root);
	return 0;
}

/*
 * A merge names a cell's value of a setting from its summary: the settings
 * object read back by the table's rows, then written as --NAME takes it.
 * A setting that varies is one with a value of its own (not --net or
 * --constraints, which set other fields) and not where the files went.
 */
static int can_vary(const struct cb_setting *row)
{
	return cb_setting_has_value(row) && !(row->flags & CB_SETTING_NO_AXIS);
}

static int setting_value(json_t *root, const char *name, char *out, size_t room)
{
	json_t *s = json_object_get(root, "settings");
	const struct cb_setting *row = cb_settings_find(cb_call_settings, name, strlen(name), NULL);
	struct cb_call_cfg cfg;

	out[0] = 0;
	if (!json_is_object(s) || !row || !can_vary(row))
		return -1;
	cb_call_cfg_default(&cfg);
	cb_settings_from_json(cb_call_settings, &cfg, s);
	return cb_setting_format(row, &cfg, out, room) < 0 ? -1 : 0;
}

int cb_sweep_merge_finish(struct cb_sweep *sw, const char *out_dir)
{
	json_t **roots;
	char path[PATH_MAX], v[128];
	int err = 0;

	if (!sw || !out_dir)
		return -EINVAL;
	roots = calloc(sw->n_cells ? sw->n_cells : 1, sizeof(*roots));
	if (!roots)
		return -ENOMEM;
	for (size_t c = 0; c < sw->n_cells; c++) {
		cb_sweep_cell_path(out_dir, &sw->cells[c], path, sizeof(path));
		roots[c] = load_summary(path);
	}
	/* Plain runs only: the axes are the known settings that differ. */
	if (!sw->n_axes && sw->n_cells > 1) {
		struct cb_settings_it it;
		const struct cb_setting *row;

		cb_settings_it_init(&it, cb_call_settings);
		while ((row = cb_settings_next(&it, NULL)) && sw->n_axes < CB_SWEEP_MAX_AXES) {
			struct cb_sweep_axis ax = {.n = 0};
			int differ = 0;
			char first[128] = "";

			if (!can_vary(row) || strlen(row->name) >= sizeof(ax.name))
				continue;
			for (size_t c = 0; c < sw->n_cells && !err; c++) {
				if (!roots[c] ||
				    setting_value(roots[c], row->name, v, sizeof(v)) < 0)
					continue;
				if (!ax.n)
					snprintf(first, sizeof(first), "%s", v);
				else if (strcmp(first, v))
					differ = 1;
				if (!axis_has(&ax, v))
					err = axis_push(&ax, v);
			}
			if (differ && !err) {
				snprintf(ax.name, sizeof(ax.name), "%s", row->name);
				sw->axis[sw->n_axes++] = ax;
			} else {
				for (size_t i = 0; i < ax.n; i++)
					free(ax.values[i]);
				free(ax.values);
			}
		}
	}
	/* Fill what cells lack, from their settings when the axis is a known one. */
	for (size_t c = 0; c < sw->n_cells && !err; c++) {
		for (size_t a = 0; a < sw->n_axes && !err; a++) {
			struct cb_sweep_cell *cell = &sw->cells[c];

			if (cell->value[a])
				continue;
			if (!roots[c] ||
			    setting_value(roots[c], sw->axis[a].name, v, sizeof(v)) < 0)
				v[0] = 0;
			cell->value[a] = strdup(v);
			if (!cell->value[a])
				err = -ENOMEM;
			else if (v[0] && !axis_has(&sw->axis[a], v))
				err = axis_push(&sw->axis[a], v);
		}
	}
	for (size_t c = 0; c < sw->n_cells; c++)
		json_decref(roots[c]);
	free(roots);
	return err;
}
