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
#include "report/report.h"
#include "report/gp.h"
#include "report/sweep.h"

#define MAX_CELLS 100000

/* The plots of a sweep, each in both formats. */
static const char *const sweep_plot_names[] = {"sweep_latency", "sweep_rd", "sweep_bands"};
static const struct {
	const char *ext, *term;
} formats[] = {
    {"png", "pngcairo size 1100,560 noenhanced font \",10\""},
    {"svg", "svg size 1100,560 noenhanced dynamic font \"sans,10\""},
};

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

static int axis_find(const struct cb_sweep *sw, const char *name)
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
	    axis_find(sw, name) >= 0)
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
static void cell_path(const char *dir, const struct cb_sweep_cell *c, char *out, size_t room)
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
		k = axis_find(sw, name);
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
 * The settings a merge knows how to name as an axis, by `callbench run`
 * option name: a cell that lacks an axis value takes it from its summary,
 * and plain run folders are compared along the ones that differ.
 */
static const char *const known_settings[] = {
    "video-codec",   "size",   "video-bitrate", "net-profile", "fps",	"audio-codec",
    "audio-bitrate", "keyint", "speed",		"transport",   "clock", "codec-time",
    "duration",	     "seed",   "mtu",		"percentile",  "srtp",	NULL,
};

static int setting_value(json_t *root, const char *name, char *out, size_t room)
{
	json_t *s = json_object_get(root, "settings");
	char a[64];

	out[0] = 0;
	if (!s)
		return -1;
#define NUM(key) snprintf(out, room, "%g", jnum(s, key))
	if (!strcmp(name, "video-codec"))
		jstr(s, "video_codec", out, room);
	else if (!strcmp(name, "audio-codec"))
		jstr(s, "audio_codec", out, room);
	else if (!strcmp(name, "size"))
		snprintf(out, room, "%gx%g", jnum(s, "width"), jnum(s, "height"));
	else if (!strcmp(name, "video-bitrate"))
		NUM("video_kbps");
	else if (!strcmp(name, "audio-bitrate"))
		NUM("audio_kbps");
	else if (!strcmp(name, "fps") || !strcmp(name, "keyint") || !strcmp(name, "speed") ||
		 !strcmp(name, "mtu") || !strcmp(name, "seed"))
		NUM(name);
	else if (!strcmp(name, "duration"))
		NUM("duration_s");
	else if (!strcmp(name, "percentile"))
		NUM("verdict_pct");
	else if (!strcmp(name, "net-profile"))
		jstr(s, "network.profile", out, room);
	else if (!strcmp(name, "transport") || !strcmp(name, "clock") || !strcmp(name, "srtp"))
		jstr(s, name, out, room);
	else if (!strcmp(name, "codec-time")) {
		jstr(s, "codec_time.model", a, sizeof(a));
		if (!strcmp(a, "fixed"))
			snprintf(out, room, "fixed:%g,%g", jnum(s, "codec_time.video_encode_ms"),
				 jnum(s, "codec_time.video_decode_ms"));
		else
			snprintf(out, room, "%s", a);
	} else
		return -1;
#undef NUM
	return 0;
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
		cell_path(out_dir, &sw->cells[c], path, sizeof(path));
		roots[c] = load_summary(path);
	}
	/* Plain runs only: the axes are the known settings that differ. */
	if (!sw->n_axes && sw->n_cells > 1) {
		for (size_t k = 0; known_settings[k] && sw->n_axes < CB_SWEEP_MAX_AXES; k++) {
			struct cb_sweep_axis ax = {.n = 0};
			int differ = 0;
			char first[128] = "";

			for (size_t c = 0; c < sw->n_cells && !err; c++) {
				if (!roots[c] ||
				    setting_value(roots[c], known_settings[k], v, sizeof(v)) < 0)
					continue;
				if (!ax.n)
					snprintf(first, sizeof(first), "%s", v);
				else if (strcmp(first, v))
					differ = 1;
				if (!axis_has(&ax, v))
					err = axis_push(&ax, v);
			}
			if (differ && !err) {
				snprintf(ax.name, sizeof(ax.name), "%s", known_settings[k]);
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

/* ---- comparison.csv and comparison.md ---- */

static void csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double x, int decimals)
{
	fputc(',', f);
	if (isfinite(x))
		fprintf(f, "%.*f", decimals, x);
}

static int write_csv(const struct cb_sweep *sw, const char *dir)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	err = cb_path_join(path, sizeof(path), dir, "comparison.csv");
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fputs("cell", f);
	for (size_t a = 0; a < sw->n_axes; a++) {
		fputc(',', f);
		csv_text(f, sw->axis[a].name);
	}
	fputs(",status,verdict,verdict_pct,verdict_ms,video_p50_ms,video_p95_ms,video_p99_ms,"
	      "audio_p50_ms,audio_p95_ms,psnr_db_mean,ssim_mean,video_kbps,target_kbps,"
	      "encode_ms_per_frame,identified_pct,wall_s,dir\n",
	      f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		const struct cb_sweep_fig *g = &cell->fig;

		csv_text(f, cell->name);
		for (size_t a = 0; a < sw->n_axes; a++) {
			fputc(',', f);
			csv_text(f, cell->value[a] ? cell->value[a] : "");
		}
		fprintf(f, ",%s,%s", cell->status, g->band);
		csv_num(f, g->verdict_pct, 0);
		csv_num(f, g->verdict_ms, 3);
		csv_num(f, g->video_p50, 3);
		csv_num(f, g->video_p95, 3);
		csv_num(f, g->video_p99, 3);
		csv_num(f, g->audio_p50, 3);
		csv_num(f, g->audio_p95, 3);
		csv_num(f, g->psnr_mean, 3);
		csv_num(f, g->ssim_mean, 5);
		csv_num(f, g->video_kbps, 3);
		csv_num(f, g->target_kbps, 0);
		csv_num(f, g->encode_ms, 3);
		csv_num(f, g->identified_pct, 2);
		csv_num(f, g->wall_s, 2);
		fputc(',', f);
		csv_text(f, cell->dir);
		fputc('\n', f);
	}
	return cb_memstream_commit(f, &buf, &len, path);
}

static void md_num(FILE *f, double x, int decimals)
{
	if (isfinite(x))
		fprintf(f, " %.*f |", decimals, x);
	else
		fputs(" – |", f);
}

/* Markdown table cells: a '|' would end the cell early. */
static void md_text(FILE *f, const char *s)
{
	fputc(' ', f);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputs(" |", f);
}

static int band_rank(const char *band)
{
	for (int b = 0; b < CB_BAND_COUNT; b++)
		if (!strcmp(band, cb_band_name((enum cb_band)b)))
			return b;
	return CB_BAND_COUNT; /* none: worse than unusable, as in summary.json */
}

/* Cells that did not complete, so the report can say it is partial. */
static size_t cells_incomplete(const struct cb_sweep *sw)
{
	size_t n = 0;

	for (size_t c = 0; c < sw->n_cells; c++)
		n += strcmp(sw->cells[c].status, "complete") != 0;
	return n;
}

static int write_markdown(const struct cb_sweep *sw, const char *dir, int have_plots)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0, count[CB_BAND_COUNT + 1] = {0}, best = SIZE_MAX, worst = SIZE_MAX;
	size_t bad = cells_incomplete(sw);
	FILE *f;
	int err;

	err = cb_path_join(path, sizeof(path), dir, "comparison.md");
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fprintf(f, "# callbench sweep %s\n\n", sw->id[0] ? sw->id : "(merged)");
	if (bad)
		fprintf(f,
			"> **PARTIAL** — %zu of %zu cells did not complete (%s); their rows show "
			"what was measured, or dashes.\n\n",
			bad, sw->n_cells, sw->status[0] ? sw->status : "see status");
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_fig *g = &sw->cells[c].fig;
		int r = band_rank(g->band);

		count[r]++;
		if (!strcmp(sw->cells[c].status, "missing") ||
		    !strcmp(sw->cells[c].status, "pending"))
			continue;
		if (best == SIZE_MAX || r < band_rank(sw->cells[best].fig.band) ||
		    (r == band_rank(sw->cells[best].fig.band) &&
		     g->verdict_ms < sw->cells[best].fig.verdict_ms))
			best = c;
		if (worst == SIZE_MAX || r > band_rank(sw->cells[worst].fig.band) ||
		    (r == band_rank(sw->cells[worst].fig.band) &&
		     g->verdict_ms > sw->cells[worst].fig.verdict_ms))
			worst = c;
	}
	fputs("## Verdicts\n\n", f);
	for (int b = 0; b <= CB_BAND_COUNT; b++)
		if (count[b])
			fprintf(f, "- **%s**: %zu cell%s\n",
				b < CB_BAND_COUNT ? cb_band_name((enum cb_band)b) : "none",
				count[b], count[b] == 1 ? "" : "s");
	if (best != SIZE_MAX)
		fprintf(f, "\nBest: `%s` (%s, %.1f ms). Worst: `%s` (%s, %.1f ms).\n",
			sw->cells[best].name, sw->cells[best].fig.band,
			sw->cells[best].fig.verdict_ms, sw->cells[worst].name,
			sw->cells[worst].fig.band, sw->cells[worst].fig.verdict_ms);
	fputs("\n## Cells\n\nLatency in ms, end to end from the decoded content; the verdict is "
	      "the band of the worse media's percentile latency. Encode ms is the mean encode "
	      "stage per video frame (CPU per frame; with a fixed codec-time model it is the "
	      "model).\n\n| cell |",
	      f);
	for (size_t a = 0; a < sw->n_axes; a++)
		md_text(f, sw->axis[a].name);
	fputs(" status | verdict | verdict ms | video p50 | video p95 | video p99 | audio p50 | "
	      "audio p95 | PSNR dB | SSIM | video kbps | encode ms | identified % |\n|---|",
	      f);
	for (size_t a = 0; a < sw->n_axes; a++)
		fputs("---|", f);
	fputs("---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		const struct cb_sweep_fig *g = &cell->fig;

		fputc('|', f);
		md_text(f, cell->name);
		for (size_t a = 0; a < sw->n_axes; a++)
			md_text(f, cell->value[a] ? cell->value[a] : "");
		fprintf(f, " %s | **%s** |", cell->status, g->band);
		md_num(f, g->verdict_ms, 1);
		md_num(f, g->video_p50, 1);
		md_num(f, g->video_p95, 1);
		md_num(f, g->video_p99, 1);
		md_num(f, g->audio_p50, 1);
		md_num(f, g->audio_p95, 1);
		md_num(f, g->psnr_mean, 2);
		md_num(f, g->ssim_mean, 4);
		md_num(f, g->video_kbps, 1);
		md_num(f, g->encode_ms, 2);
		md_num(f, g->identified_pct, 1);
		fputc('\n', f);
	}
	fputs("\n## Plots\n\n", f);
	if (have_plots)
		fputs("![Latency by setting: video p50 and p95, audio p95](sweep_latency.svg)\n\n"
		      "![Rate-distortion: PSNR against achieved video bitrate](sweep_rd.svg)\n\n"
		      "![Band map: each cell's verdict](sweep_bands.svg)\n\n"
		      "PNG versions beside them; re-make with `gnuplot sweep_plots.gp`.\n\n",
		      f);
	else
		fputs("No plots: gnuplot is missing or failed (see sweep_plots.log).\n\n", f);
	fputs("Every cell's own report is in its folder (report.md, report.html, "
	      "summary.json); comparison.csv has the table above with more decimals.\n",
	      f);
	return cb_memstream_commit(f, &buf, &len, path);
}

/* ---- plots ---- */

static void gp_num(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, " %.4f", x);
	else
		fputs(" NaN", f);
}

/* Column label of the band map: the values of every axis but the first. */
static void bands_col_label(const struct cb_sweep *sw, const struct cb_sweep_cell *c, char *out,
			    size_t room)
{
	size_t o = 0;

	out[0] = 0;
	if (sw->n_axes < 2) {
		snprintf(out, room, "%s", sw->n_axes ? "" : c->name);
		return;
	}
	for (size_t a = 1; a < sw->n_axes && o < room; a++)
		o += (size_t)snprintf(out + o, room - o, "%s%s", a > 1 ? " " : "",
				      c->value[a] ? c->value[a] : "");
}

static int label_index(char (*labels)[128], size_t *n, const char *l)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(labels[i], l))
			return (int)i;
	snprintf(labels[*n], 128, "%s", l);
	return (int)(*n)++;
}

/* The series of the rate-distortion plot a cell belongs to (see write_rd). */
static void rd_series(const struct cb_sweep *sw, const struct cb_sweep_cell *c, int rate_axis,
		      int group_axis, char *out, size_t room)
{
	size_t o = 0;

	out[0] = 0;
	if (!sw->n_axes) {
		snprintf(out, room, "cells");
		return;
	}
	if (rate_axis >= 0 && sw->n_axes == 1) {
		snprintf(out, room, "all");
		return;
	}
	if (rate_axis < 0) {
		snprintf(out, room, "%s", c->value[group_axis] ? c->value[group_axis] : "");
		return;
	}
	for (size_t a = 0; a < sw->n_axes && o < room; a++)
		if ((int)a != rate_axis)
			o += (size_t)snprintf(out + o, room - o, "%s%s", o ? " " : "",
					      c->value[a] ? c->value[a] : "");
}

static int cmp_kbps(const void *a, const void *b)
{
	const struct cb_sweep_cell *x = *(const struct cb_sweep_cell *const *)a;
	const struct cb_sweep_cell *y = *(const struct cb_sweep_cell *const *)b;

	return (x->fig.video_kbps > y->fig.video_kbps) - (x->fig.video_kbps < y->fig.video_kbps);
}

struct sweep_plot_ctx {
	double ymax;
	int rd_lines; /**< 1: the RD series are curves over a bitrate axis; else points only */
	size_t n_series;
	char (*series)[128];
	size_t n_rows, n_cols;
	char (*rows)[128], (*cols)[128];
};

static int write_dat(const char *dir, const char *name, FILE **f, char **buf, size_t *len,
		     char *path, size_t room)
{
	int err = cb_path_join(path, room, dir, name);

	if (err)
		return err;
	*f = open_memstream(buf, len);
	return *f ? 0 : -errno;
}

/*
 * Rate-distortion: PSNR against achieved kbps.  With a video-bitrate axis
 * each line holds every other axis fixed and is a true RD curve; without
 * one, each line is one codec (or one value of the first axis) and its
 * points are the other settings, by bitrate.
 */
static int write_rd(const struct cb_sweep *sw, const char *dir, struct sweep_plot_ctx *x)
{
	int rate_axis = axis_find(sw, "video-bitrate"), group_axis = axis_find(sw, "video-codec");
	const struct cb_sweep_cell **pts;
	char path[PATH_MAX], *buf = NULL, key[128];
	size_t len = 0;
	FILE *f;
	int err;

	if (group_axis < 0)
		group_axis = 0;
	/* Without a bitrate axis a series mixes settings: joining them would draw a false curve. */
	x->rd_lines = rate_axis >= 0;
	pts = calloc(sw->n_cells ? sw->n_cells : 1, sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	err = write_dat(dir, "sweep_rd.dat", &f, &buf, &len, path, sizeof(path));
	if (err)
		goto out_free;
	fputs("# rate-distortion: achieved_video_kbps psnr_db_mean ssim_mean cell; one block per "
	      "series, in the order of the plot's key\n",
	      f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		size_t n = 0, before = x->n_series;
		int s;

		rd_series(sw, &sw->cells[c], rate_axis, group_axis, key, sizeof(key));
		s = label_index(x->series, &x->n_series, key);
		if (x->n_series == before)
			continue; /* done with the first cell of the series */
		for (size_t d = c; d < sw->n_cells; d++) {
			const struct cb_sweep_fig *g = &sw->cells[d].fig;
			char k2[128];

			rd_series(sw, &sw->cells[d], rate_axis, group_axis, k2, sizeof(k2));
			if (!strcmp(k2, key) && isfinite(g->psnr_mean) && isfinite(g->video_kbps))
				pts[n++] = &sw->cells[d];
		}
		if (!n) {
			x->n_series--; /* nothing to draw: no block, no key entry */
			x->series[s][0] = 0;
			continue;
		}
		qsort(pts, n, sizeof(*pts), cmp_kbps);
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%.4f %.4f", pts[i]->fig.video_kbps, pts[i]->fig.psnr_mean);
			gp_num(f, pts[i]->fig.ssim_mean);
			fputc(' ', f);
			cb_gp_datum(f, pts[i]->name);
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
	err = cb_memstream_commit(f, &buf, &len, path);
out_free:
	free(pts);
	return err;
}

static int write_sweep_dats(const struct cb_sweep *sw, const char *dir, struct sweep_plot_ctx *x)
{
	char path[PATH_MAX], *buf = NULL, label[128];
	size_t len = 0;
	FILE *f;
	int err;

	err = write_dat(dir, "sweep_latency.dat", &f, &buf, &len, path, sizeof(path));
	if (err)
		return err;
	fputs("# cell video_p50_ms video_p95_ms audio_p50_ms audio_p95_ms (NaN: not measured)\n",
	      f);
	x->ymax = 0;
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_fig *g = &sw->cells[c].fig;
		double v[4] = {g->video_p50, g->video_p95, g->audio_p50, g->audio_p95};

		cb_gp_datum(f, sw->cells[c].name);
		for (int i = 0; i < 4; i++) {
			gp_num(f, v[i]);
			if (isfinite(v[i]) && v[i] > x->ymax)
				x->ymax = v[i];
		}
		fputc('\n', f);
	}
	x->ymax = x->ymax * 1.15 > 120 ? x->ymax * 1.15 : 120;
	err = cb_memstream_commit(f, &buf, &len, path);
	if (err)
		return err;
	err = write_rd(sw, dir, x);
	if (err)
		return err;

	/* Band map: rows are the first axis' values, columns the rest. */
	err = write_dat(dir, "sweep_bands.dat", &f, &buf, &len, path, sizeof(path));
	if (err)
		return err;
	fputs("# band map: column row colour(0xRRGGBB) band verdict_ms cell\n", f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		int row, col;

		row = label_index(x->rows, &x->n_rows,
				  sw->n_axes && cell->value[0] ? cell->value[0] : "all");
		bands_col_label(sw, cell, label, sizeof(label));
		col = label_index(x->cols, &x->n_cols, label);
		fprintf(f, "%d %d %ld ", col, row,
			strtol(cb_report_band_color(cell->fig.band) + 1, NULL, 16));
		cb_gp_datum(f, cell->fig.band[0] ? cell->fig.band : "none");
		gp_num(f, cell->fig.verdict_ms);
		fputc(' ', f);
		cb_gp_datum(f, cell->name);
		fputc('\n', f);
	}
	return cb_memstream_commit(f, &buf, &len, path);
}

static void band_hlines(FILE *f, double ymax)
{
	for (int b = 0; b < CB_BAND_UNUSABLE; b++) {
		double lim = cb_band_limit_ms((enum cb_band)b);

		if (lim >= ymax)
			break;
		fprintf(f,
			"set arrow %d from graph 0, first %g to graph 1, first %g nohead dt 2 lc "
			"rgb \"%s\"\nset label %d \"%s <= %g ms\" at graph 0.99, first %g right "
			"offset 0,0.7 tc rgb \"%s\"\n",
			b + 1, lim, lim, cb_report_band_color(cb_band_name((enum cb_band)b)), b + 1,
			cb_band_name((enum cb_band)b), lim, lim,
			cb_report_band_color(cb_band_name((enum cb_band)b)));
	}
}

static void tics(FILE *f, const char *axis, char (*labels)[128], size_t n)
{
	fprintf(f, "set %stics (", axis);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		cb_gp_string(f, labels[i]);
		fprintf(f, " %zu", i);
	}
	fputs(")\n", f);
}

static void sweep_script_one(FILE *f, const struct cb_sweep *sw, const struct sweep_plot_ctx *x,
			     const char *ext)
{
	const char *id = sw->id[0] ? sw->id : "merged";

	fprintf(f, "reset\nset output dir.\"/sweep_latency.%s\".suffix\n", ext);
	fputs("set title \"Latency by setting, sweep \".", f);
	cb_gp_string(f, id);
	fprintf(
	    f,
	    ".\" (end to end, from the decoded content)\"\nset ylabel \"one-way latency (ms)\"\n"
	    "set style data histograms\nset style histogram clustered gap 1\n"
	    "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset datafile missing "
	    "\"NaN\"\nset xtics rotate by -35 nomirror\nset grid ytics\nset key top left\n"
	    "set yrange [0:%.1f]\nset bmargin 9\n",
	    x->ymax);
	band_hlines(f, x->ymax);
	fputs("plot dir.\"/sweep_latency.dat\" using 2:xtic(1) lc rgb \"#90caf9\" title \"video "
	      "p50\", '' using 3 lc rgb \"#1565c0\" title \"video p95\", '' using 4 lc rgb "
	      "\"#f48fb1\" title \"audio p50\", '' using 5 lc rgb \"#ad1457\" title \"audio "
	      "p95\"\n",
	      f);

	fprintf(f, "reset\nset output dir.\"/sweep_rd.%s\".suffix\n", ext);
	fputs("set title \"Rate-distortion, sweep \".", f);
	cb_gp_string(f, id);
	fputs(
	    ".\": mean PSNR against achieved video bitrate\"\nset xlabel \"achieved video bitrate "
	    "(kbps)\"\nset ylabel \"PSNR (dB, mean over identified pictures)\"\nset grid\n"
	    "set key outside right top\n",
	    f);
	if (!x->n_series) {
		fputs("set label 20 \"no PSNR was measured\" at graph 0.5, graph 0.5 center\n"
		      "set xrange [0:1]\nplot 1/0 notitle\n",
		      f);
	} else {
		fputs("plot ", f);
		/* Blocks were written only for series with points, in key order. */
		for (size_t i = 0; i < x->n_series; i++) {
			fprintf(f,
				"%sdir.\"/sweep_rd.dat\" index %zu using 1:2 with %s pt 7 "
				"ps 1.2 lw 2 title ",
				i ? ", \\\n     " : "", i, x->rd_lines ? "linespoints" : "points");
			cb_gp_string(f, x->series[i]);
		}
		fputc('\n', f);
	}

	fprintf(f, "reset\nset output dir.\"/sweep_bands.%s\".suffix\n", ext);
	fputs("set title \"Band map, sweep \".", f);
	cb_gp_string(f, id);
	fprintf(f,
		".\": verdict of each cell (p%g latency of the worse media)\"\n"
		"set xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5] reverse\nunset key\n"
		"set xtics rotate by -30 nomirror\nset bmargin 8\nset lmargin 16\n",
		isfinite(sw->n_cells ? sw->cells[0].fig.verdict_pct : NAN)
		    ? sw->cells[0].fig.verdict_pct
		    : 95.0,
		x->n_cols ? x->n_cols - 1 : 0, x->n_rows ? x->n_rows - 1 : 0);
	tics(f, "x", x->cols, x->n_cols);
	tics(f, "y", x->rows, x->n_rows);
	if (sw->n_axes) {
		fputs("set ylabel ", f);
		cb_gp_string(f, sw->axis[0].name);
		fputc('\n', f);
	}
	fputs("plot dir.\"/sweep_bands.dat\" using 1:2:(0.48):(0.48):3 with boxxyerror fs solid "
	      "0.85 noborder lc rgb variable, \\\n     '' using 1:2:(sprintf(\"%s\\n%s\", "
	      "strcol(4), valid(5) ? sprintf(\"%.0f ms\", $5) : \"-\")) with labels tc rgb "
	      "\"white\" font \",11\"\n",
	      f);
}

static int write_sweep_script(const struct cb_sweep *sw, const char *path,
			      const struct sweep_plot_ctx *x)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -errno;
	fputs("# callbench sweep plots.  Re-run in this folder with: gnuplot sweep_plots.gp\n"
	      "if (!exists(\"dir\")) dir = \".\"\nif (!exists(\"suffix\")) suffix = \"\"\n",
	      f);
	for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
		fprintf(f, "\n# ---- %s ----\nset terminal %s\n", formats[fi].ext,
			formats[fi].term);
		sweep_script_one(f, sw, x, formats[fi].ext);
	}
	fputs("set output\n", f);
	return cb_memstream_commit(f, &buf, &len, path);
}

static int sweep_plots(const struct cb_sweep *sw, const char *dir, const struct cb_logger *log)
{
	struct sweep_plot_ctx x = {0};
	char script[PATH_MAX], from[PATH_MAX], to[PATH_MAX], name[64];
	size_t n = sw->n_cells ? sw->n_cells : 1;
	int err;

	x.series = calloc(n, sizeof(*x.series));
	x.rows = calloc(n, sizeof(*x.rows));
	x.cols = calloc(n, sizeof(*x.cols));
	if (!x.series || !x.rows || !x.cols) {
		err = -ENOMEM;
		goto out_free;
	}
	err = write_sweep_dats(sw, dir, &x);
	if (!err)
		err = cb_path_join(script, sizeof(script), dir, "sweep_plots.gp");
	if (!err)
		err = write_sweep_script(sw, script, &x);
	if (err)
		goto out_free;
	err = cb_gnuplot_run(dir, script, NULL, "sweep_plots.log", "sweep", log, NULL);
	/* Every plot whole, or none of them (gnuplot exits 0 on a full disk). */
	for (size_t p = 0; !err && p < sizeof(sweep_plot_names) / sizeof(sweep_plot_names[0]); p++)
		for (size_t fi = 0; !err && fi < sizeof(formats) / sizeof(formats[0]); fi++) {
			snprintf(name, sizeof(name), "%s.%s.tmp", sweep_plot_names[p],
				 formats[fi].ext);
			if (cb_path_join(from, sizeof(from), dir, name))
				err = -ENAMETOOLONG;
			else if (access(from, F_OK) == 0 &&
				 !cb_gnuplot_output_whole(from, formats[fi].ext)) {
				cb_log(log, CB_LOG_WARN, "sweep",
				       "gnuplot left %s cut short (is the disk full?)", from);
				err = CB_E_EXTERNAL;
			}
		}
	/* Finished plots into place; on failure no *.tmp is left behind. */
	for (size_t p = 0; p < sizeof(sweep_plot_names) / sizeof(sweep_plot_names[0]); p++)
		for (size_t fi = 0; fi < sizeof(formats) / sizeof(formats[0]); fi++) {
			snprintf(name, sizeof(name), "%s.%s", sweep_plot_names[p], formats[fi].ext);
			if (cb_path_join(to, sizeof(to), dir, name) ||
			    snprintf(from, sizeof(from), "%s.tmp", to) >= (int)sizeof(from)) {
				err = -ENAMETOOLONG;
				continue;
			}
			if (err) {
				unlink(from);
				continue;
			}
			if (rename(from, to) < 0) {
				cb_log(log, CB_LOG_WARN, "sweep", "gnuplot made no %s", to);
				err = CB_E_EXTERNAL;
			}
		}
out_free:
	free(x.series);
	free(x.rows);
	free(x.cols);
	return err;
}

/* ---- the whole report, and running a sweep ---- */

int cb_sweep_report_write(struct cb_sweep *sw, const char *dir, const struct cb_logger *log)
{
	char path[PATH_MAX];
	int err, have_plots;

	if (!sw || !dir)
		return -EINVAL;
	err = cb_mkdir_p(dir);
	if (err)
		return err;
	for (size_t c = 0; c < sw->n_cells; c++) {
		struct cb_sweep_cell *cell = &sw->cells[c];

		cell_path(dir, cell, path, sizeof(path));
		/*
		 * The summary is the truth about a cell (a job run elsewhere
		 * may have finished since sweep.json was written); a pending
		 * cell without one stays pending.
		 */
		err = cb_sweep_fig_read(path, &cell->fig);
		if (err == 0 || err == CB_E_FORMAT)
			snprintf(cell->status, sizeof(cell->status), "%s", cell->fig.status);
		else if (strcmp(cell->status, "pending") != 0)
			snprintf(cell->status, sizeof(cell->status), "missing");
	}
	if (!strcmp(sw->status, "planned") || !strcmp(sw->status, "running") || !sw->status[0])
		snprintf(sw->status, sizeof(sw->status), "%s",
			 cells_incomplete(sw) ? "partial" : "complete");
	err = cb_sweep_json_write(sw, dir);
	if (!err)
		err = write_csv(sw, dir);
	if (err) {
		cb_log(log, CB_LOG_ERROR, "sweep", "cannot write into %s: %s", dir,
		       cb_strerror(err));
		return err;
	}
	err = sweep_plots(sw, dir, log);
	have_plots = err == 0;
	if (err)
		cb_log(log, CB_LOG_WARN, "sweep", "no sweep plots in %s: %s", dir,
		       cb_strerror(err));
	err = write_markdown(sw, dir, have_plots);
	if (!err)
		err = cb_sweep_report_html(sw, dir, have_plots);
	if (err)
		cb_log(log, CB_LOG_ERROR, "sweep", "cannot write the report in %s: %s", dir,
		       cb_strerror(err));
	return err;
}

int cb_sweep_run(struct cb_sweep *sw, const struct cb_call_cfg *base, const char *dir,
		 const struct cb_sweep_hooks *hooks)
{
	const struct cb_logger *log;
	struct cb_call_cfg cfg;
	char why[256];
	size_t not_complete = 0;
	int err;

	if (!sw || !base || !dir || !hooks || !sw->n_cells || (sw->n_axes && !hooks->apply) ||
	    strlen(dir) >= sizeof(cfg.out_dir))
		return -EINVAL;
	log = &hooks->log;
	/* Every value must apply before anything runs: no half-done sweep on a typo. */
	for (size_t a = 0; a < sw->n_axes; a++)
		for (size_t v = 0; v < sw->axis[a].n; v++) {
			cfg = *base;
			why[0] = 0;
			err = hooks->apply(hooks->user, &cfg, sw->axis[a].name,
					   sw->axis[a].values[v], why, sizeof(why));
			if (err < 0) {
				cb_log(log, CB_LOG_ERROR, "sweep", "--%s %s: %s", sw->axis[a].name,
				       sw->axis[a].values[v], why);
				return err;
			}
		}
	err = cb_mkdir_p(dir);
	if (err)
		return err;
	snprintf(sw->status, sizeof(sw->status), "running");
	err = cb_sweep_json_write(sw, dir);
	if (err)
		return err;
	for (size_t c = 0; c < sw->n_cells; c++) {
		struct cb_sweep_cell *cell = &sw->cells[c];
		struct cb_call_hooks ch = {0};
		struct cb_run_result res;
		int rc;

		if (hooks->stop && atomic_load(hooks->stop))
			break;
		cfg = *base;
		for (size_t a = 0; a < sw->n_axes; a++)
			hooks->apply(hooks->user, &cfg, sw->axis[a].name, cell->value[a], why,
				     sizeof(why));
		snprintf(cfg.out_dir, sizeof(cfg.out_dir), "%s", dir);
		snprintf(cfg.run_id, sizeof(cfg.run_id), "%.63s", cell->name);
		if (hooks->call)
			ch = *hooks->call;
		ch.stop = hooks->stop;
		rc = cb_call_run(&cfg, &ch, &res);
		if (rc < 0) {
			cb_log(log, CB_LOG_ERROR, "sweep", "cell %s: %s", cell->name,
			       res.error[0] ? res.error : cb_strerror(rc));
			snprintf(cell->status, sizeof(cell->status), "failed");
		} else {
			if (hooks->cell_result)
				hooks->cell_result(hooks->user, c, &res);
			rc = cb_report_write(&res, log, NULL, NULL, 0);
			snprintf(cell->status, sizeof(cell->status), "%s",
				 rc < 0 ? "failed" : cb_run_status_name(res.status));
		}
		if (hooks->cell_done)
			hooks->cell_done(hooks->user, c, cell, rc < 0 ? NULL : &res);
		cb_run_result_free(&res);
		err = cb_sweep_json_write(sw, dir);
		if (err)
			return err;
	}
	if (hooks->stop && atomic_load(hooks->stop))
		snprintf(sw->status, sizeof(sw->status), "interrupted");
	else
		snprintf(sw->status, sizeof(sw->status), "complete");
	err = cb_sweep_report_write(sw, dir, log);
	if (err)
		return err;
	for (size_t c = 0; c < sw->n_cells; c++)
		not_complete += strcmp(sw->cells[c].status, "complete") != 0;
	return (int)(not_complete < INT_MAX ? not_complete : INT_MAX);
}
