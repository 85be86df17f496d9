#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "measure/stats.h"
#include "report/report.h"
#include "report_check.h"

char *cb_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap + 4096) * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);

		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int cb_csv_read(const char *path, struct cb_csv *csv)
{
	size_t len, lines = 0, cells = 0, ci = 0;
	char *p;

	memset(csv, 0, sizeof(*csv));
	csv->text = cb_slurp(path, &len);
	if (!csv->text)
		return -errno ? -errno : -ENOMEM;
	/* Count lines and commas first so one allocation holds every cell. */
	for (p = csv->text; *p; p++) {
		lines += *p == '\n';
		cells += *p == ',' || *p == '\n';
	}
	if (lines == 0 || (len && csv->text[len - 1] != '\n'))
		goto out_format;
	csv->cell = calloc(cells + 1, sizeof(*csv->cell));
	if (!csv->cell) {
		cb_csv_free(csv);
		return -ENOMEM;
	}
	p = csv->text;
	for (size_t line = 0; line < lines; line++) {
		size_t ncells = 0;

		for (;;) {
			char *end = p + strcspn(p, ",\n");
			int eol = *end == '\n';

			csv->cell[ci++] = p;
			ncells++;
			*end = '\0';
			p = end + 1;
			if (eol)
				break;
		}
		if (line == 0)
			csv->ncols = ncells;
		else if (ncells != csv->ncols)
			goto out_format;
	}
	csv->head = csv->cell;
	csv->cell += csv->ncols;
	csv->nrows = lines - 1;
	return 0;

out_format:
	cb_csv_free(csv);
	return CB_E_FORMAT;
}

int cb_csv_col(const struct cb_csv *csv, const char *name)
{
	for (size_t c = 0; c < csv->ncols; c++)
		if (!strcmp(csv->head[c], name))
			return (int)c;
	return -1;
}

const char *cb_csv_at(const struct cb_csv *csv, size_t r, int c)
{
	return csv->cell[r * csv->ncols + (size_t)c];
}

void cb_csv_free(struct cb_csv *csv)
{
	free(csv->head ? csv->head : csv->cell);
	free(csv->text);
	memset(csv, 0, sizeof(*csv));
}

/* A JSON string member, or "" when it is missing or not a string. */
static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int fail(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * CSV times have 3 decimals, the summary has full precision: they agree when
 * they differ by no more than the CSV's rounding.  null in the summary
 * stands for "no samples", which must match a NaN computed from the CSV.
 */
static int same_ms(json_t *j, double csv)
{
	if (json_is_null(j) || !j)
		return isnan(csv);
	if (!json_is_number(j) || isnan(csv))
		return 0;
	return fabs(json_number_value(j) - csv) <= 0.0006;
}

static int no_tmp_left(const char *dir, char *why, size_t why_len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int err = 0;

	if (!d)
		return fail(why, why_len, "cannot open %s", dir);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n >= 4 && !strcmp(e->d_name + n - 4, ".tmp")) {
			err = fail(why, why_len, "temporary file %s left in %s", e->d_name, dir);
			break;
		}
	}
	closedir(d);
	return err;
}

struct media_cols {
	int media, encoded, sent, received, decoded, identified, mismatch, captured, e2e;
};

static double jnum_or_nan(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	return json_is_number(j) ? json_number_value(j) : NAN;
}

static int band_rank(const char *name)
{
	for (int b = 0; b < CB_BAND_COUNT; b++)
		if (!strcmp(name, cb_band_name((enum cb_band)b)))
			return b;
	return -1; /* none */
}

/*
 * The verdict as SCHEMA.md states it, recomputed from the summary's own
 * parts: the delivered latency at the percentile (from frames.csv,
 * `at_pct`), the age of what was seen/heard at the same percentile (its
 * dist in `experience`), the share never shown/heard; the band is the
 * worst of their bands, value_ms the larger latency.
 */
static int verdict_check(json_t *verdict, json_t *jm, const char *name, double pct, double at_pct,
			 char *why, size_t why_len)
{
	json_t *ex = json_object_get(jm, "experience");
	json_t *age = json_object_get(
	    ex, json_object_get(ex, "on_screen_age_ms") ? "on_screen_age_ms" : "heard_age_ms");
	double lat = jnum_or_nan(verdict, "latency_ms"), agev = jnum_or_nan(verdict, "age_ms");
	double miss = jnum_or_nan(verdict, "missing_pct"), value = jnum_or_nan(verdict, "value_ms");
	int bl = band_rank(cb_band_name(cb_band_of(lat))),
	    ba = band_rank(cb_band_name(cb_band_of(agev)));
	int bm = band_rank(jstr(verdict, "missing_band")), worst = bl;
	double want_value = isnan(agev) || (!isnan(lat) && lat >= agev) ? lat : agev;

	if (!same_ms(json_object_get(verdict, "latency_ms"), at_pct)) {
		fail(why, why_len, "%s: verdict.latency_ms %g disagrees with p%g = %g ms", name,
		     lat, pct, at_pct);
		return -1;
	}
	if (!age || (pct == 95 && !isnan(agev) && !same_ms(json_object_get(age, "p95"), agev))) {
		fail(why, why_len, "%s: verdict.age_ms %g disagrees with the age dist", name, agev);
		return -1;
	}
	if (!isnan(miss) && bm != band_rank(cb_band_name(cb_band_of_missing(miss)))) {
		fail(why, why_len, "%s: missing_band %s disagrees with %g %%", name,
		     jstr(verdict, "missing_band"), miss);
		return -1;
	}
	if (ba > worst)
		worst = ba;
	if (bm > worst)
		worst = bm;
	if (band_rank(jstr(verdict, "band")) != worst ||
	    !(isnan(value) ? isnan(want_value) : fabs(value - want_value) < 1e-9)) {
		fail(why, why_len,
		     "%s: verdict %s at %g ms disagrees with latency %g, age %g, missing %g %%",
		     name, jstr(verdict, "band"), value, lat, agev, miss);
		return -1;
	}
	return 0;
}

static int check_media(json_t *jm, const char *name, const struct cb_csv *fr,
		       const struct media_cols *k, double pct, const struct cb_csv *pk,
		       const char *md, int receiver_half, char *why, size_t why_len)
{
	static const char *const flags[] = {"encoded", "sent",	     "received",
					    "decoded", "identified", "mismatches"};
	const int cols[] = {k->encoded, k->sent,       k->received,
			    k->decoded, k->identified, k->mismatch};
	long long cnt[6] = {0}, captured = 0, psent = 0;
	json_t *counts = json_object_get(jm, "counts"), *lat = json_object_get(jm, "latency_ms");
	json_t *verdict = json_object_get(jm, "verdict");
	double *v = malloc((fr->nrows + 1) * sizeof(*v));
	size_t n = 0;
	int err = -1;
	char needle[64];

	if (!v)
		return fail(why, why_len, "out of memory");
	if (!counts || !lat || !verdict) {
		fail(why, why_len, "%s: counts, latency_ms or verdict missing", name);
		goto out_free_v;
	}
	for (size_t r = 0; r < fr->nrows; r++) {
		const char *e2e;

		if (strcmp(cb_csv_at(fr, r, k->media), name))
			continue;
		captured += *cb_csv_at(fr, r, k->captured) != '\0';
		for (int i = 0; i < 6; i++)
			cnt[i] += !strcmp(cb_csv_at(fr, r, cols[i]), "1");
		e2e = cb_csv_at(fr, r, k->e2e);
		if (*e2e)
			v[n++] = strtod(e2e, NULL);
	}
	if (json_integer_value(json_object_get(counts, "captured")) != captured) {
		fail(why, why_len, "%s: counts.captured %lld but %lld rows with captured_ms", name,
		     (long long)json_integer_value(json_object_get(counts, "captured")), captured);
		goto out_free_v;
	}
	for (int i = 0; i < 6; i++) {
		json_t *c = json_object_get(counts, flags[i]);

		if (!json_is_integer(c) || json_integer_value(c) != cnt[i]) {
			fail(why, why_len, "%s: counts.%s %lld but %lld rows with the flag", name,
			     flags[i], (long long)json_integer_value(c), cnt[i]);
			goto out_free_v;
		}
	}

	{
		struct cb_dist d;
		static const char *const keys[] = {"min", "p50", "p90", "p95", "p99", "max"};
		double want[6], at_pct;

		cb_dist_compute(v, n, &d);
		want[0] = d.min, want[1] = d.p50, want[2] = d.p90;
		want[3] = d.p95, want[4] = d.p99, want[5] = d.max;
		if (json_integer_value(json_object_get(lat, "n")) != (json_int_t)d.n) {
			fail(why, why_len, "%s: latency_ms.n %lld but %zu e2e_ms cells", name,
			     (long long)json_integer_value(json_object_get(lat, "n")), d.n);
			goto out_free_v;
		}
		for (int i = 0; i < 6; i++) {
			if (!same_ms(json_object_get(lat, keys[i]), want[i])) {
				fail(why, why_len, "%s: latency_ms.%s %g but %g from frames.csv",
				     name, keys[i],
				     json_number_value(json_object_get(lat, keys[i])), want[i]);
				goto out_free_v;
			}
		}
		/* The mean of rounded cells may differ from the true mean by the rounding. */
		if (d.n && fabs(json_number_value(json_object_get(lat, "mean")) - d.mean) > 0.001) {
			fail(why, why_len, "%s: latency_ms.mean %g but %g from frames.csv", name,
			     json_number_value(json_object_get(lat, "mean")), d.mean);
			goto out_free_v;
		}
		at_pct = cb_percentile_sorted(v, d.n, pct);
		if (verdict_check(verdict, jm, name, pct, at_pct, why, why_len) < 0)
			goto out_free_v;
	}

	{
		int km = cb_csv_col(pk, "media"), ks = cb_csv_col(pk, "sent_ms");
		json_t *ps = json_object_get(json_object_get(jm, "packets"), "sent");

		for (size_t r = 0; r < pk->nrows; r++)
			/* A receiver's half has a row per packet it expected
			 * (RFC 3550), with no send time: it never saw one. */
			psent += !strcmp(cb_csv_at(pk, r, km), name) &&
				 (receiver_half || *cb_csv_at(pk, r, ks));
		if (json_integer_value(ps) != psent) {
			fail(why, why_len, "%s: packets.sent %lld but %lld packets.csv rows sent",
			     name, (long long)json_integer_value(ps), psent);
			goto out_free_v;
		}
	}

	snprintf(needle, sizeof(needle), "| %s | **%s** |", name, jstr(verdict, "band"));
	if (!strstr(md, needle)) {
		fail(why, why_len, "report.md lacks the verdict row \"%s\"", needle);
		goto out_free_v;
	}
	err = 0;
out_free_v:
	free(v);
	return err;
}

int cb_check_run_folder(const char *dir, char *why, size_t why_len)
{
	char path[4096];
	struct cb_csv fr = {0}, pk = {0};
	struct media_cols k;
	json_error_t jerr;
	json_t *root, *media, *jm;
	const char *status, *name;
	char *md = NULL;
	double pct;
	int err = -1;

	if (no_tmp_left(dir, why, why_len))
		return -1;
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	root = json_load_file(path, 0, &jerr);
	if (!root)
		return fail(why, why_len, "summary.json: %s (line %d)", jerr.text, jerr.line);
	if (strcmp(jstr(root, "schema"), CB_SUMMARY_SCHEMA)) {
		fail(why, why_len, "summary.json: schema is not %s", CB_SUMMARY_SCHEMA);
		goto out_free_root;
	}
	status = json_string_value(json_object_get(root, "status"));
	if (!status || (strcmp(status, "complete") && strcmp(status, "interrupted") &&
			strcmp(status, "failed"))) {
		fail(why, why_len, "summary.json: unknown status");
		goto out_free_root;
	}
	if (!json_is_object(json_object_get(root, "settings")) ||
	    !json_is_object(json_object_get(root, "versions")) ||
	    !json_is_object(json_object_get(root, "verdict")) ||
	    !json_is_string(json_object_get(json_object_get(root, "verdict"), "band"))) {
		fail(why, why_len, "summary.json: settings, versions or verdict missing");
		goto out_free_root;
	}
	{
		json_t *rc = json_object_get(root, "recovery"), *rt = json_object_get(root, "rtcp");

		if (!json_is_object(rc) || !json_is_boolean(json_object_get(rc, "nack_enabled")) ||
		    !json_is_object(json_object_get(rc, "recovery_ms")) || !json_is_object(rt)) {
			fail(why, why_len, "summary.json: recovery or rtcp missing");
			goto out_free_root;
		}
	}
	pct = json_number_value(json_object_get(json_object_get(root, "settings"), "verdict_pct"));

	snprintf(path, sizeof(path), "%s/frames.csv", dir);
	if (cb_csv_read(path, &fr)) {
		fail(why, why_len, "frames.csv missing or ragged");
		goto out_free_root;
	}
	snprintf(path, sizeof(path), "%s/packets.csv", dir);
	if (cb_csv_read(path, &pk) || cb_csv_col(&pk, "media") < 0 ||
	    cb_csv_col(&pk, "sent_ms") < 0) {
		fail(why, why_len, "packets.csv missing, ragged or without media/sent_ms");
		goto out_free_csv;
	}
	snprintf(path, sizeof(path), "%s/report.md", dir);
	md = cb_slurp(path, NULL);
	if (!md || !strstr(md, "## Verdict") || !strstr(md, "## Recovery")) {
		fail(why, why_len, "report.md missing or without a verdict or recovery section");
		goto out_free_csv;
	}
	{
		size_t hlen = 0;
		char *html;

		snprintf(path, sizeof(path), "%s/report.html", dir);
		html = cb_slurp(path, &hlen);
		if (!html || hlen < 8 || strcmp(html + hlen - 8, "</html>\n")) {
			free(html);
			fail(why, why_len, "report.html missing or cut short");
			goto out_free_csv;
		}
		free(html);
	}
	k.media = cb_csv_col(&fr, "media");
	k.encoded = cb_csv_col(&fr, "encoded");
	k.sent = cb_csv_col(&fr, "sent");
	k.received = cb_csv_col(&fr, "received");
	k.decoded = cb_csv_col(&fr, "decoded");
	k.identified = cb_csv_col(&fr, "identified");
	k.mismatch = cb_csv_col(&fr, "mismatch");
	k.captured = cb_csv_col(&fr, "captured_ms");
	k.e2e = cb_csv_col(&fr, "e2e_ms");
	if (k.media < 0 || k.encoded < 0 || k.sent < 0 || k.received < 0 || k.decoded < 0 ||
	    k.identified < 0 || k.mismatch < 0 || k.captured < 0 || k.e2e < 0) {
		fail(why, why_len, "frames.csv lacks a column");
		goto out_free_csv;
	}

	media = json_object_get(root, "media");
	json_object_foreach(media, name, jm)
	{
		json_t *rt = json_object_get(json_object_get(root, "rtcp"), name);
		json_t *nrep = json_object_get(rt, "reports");

		if (check_media(jm, name, &fr, &k, pct, &pk, md,
				!strcmp(json_string_value(json_object_get(root, "half"))
					    ? json_string_value(json_object_get(root, "half"))
					    : "",
					"receiver"),
				why, why_len))
			goto out_free_csv;
		/* A report without an RTT (before the first SR) is left out of rtt_ms. */
		if (!json_is_integer(nrep) ||
		    json_integer_value(json_object_get(json_object_get(rt, "rtt_ms"), "n")) >
			json_integer_value(nrep)) {
			fail(why, why_len, "summary.json: rtcp.%s missing or rtt_ms.n > reports",
			     name);
			goto out_free_csv;
		}
	}
	err = 0;
out_free_csv:
	free(md);
	cb_csv_free(&pk);
	cb_csv_free(&fr);
out_free_root:
	json_decref(root);
	return err;
}
