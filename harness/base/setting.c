/*
 * setting.c — the one engine behind every settings table (setting.h):
 * parsing a value, writing it back as text and as JSON, checking its
 * range, finding a row by name.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/setting.h"

#define FIELD(base, off)  ((char *)(base) + (off))
#define CFIELD(base, off) ((const char *)(base) + (off))

void cb_settings_it_init(struct cb_settings_it *it, const struct cb_setting *table)
{
	memset(it, 0, sizeof(*it));
	it->t[0] = table;
}

const struct cb_setting *cb_settings_next(struct cb_settings_it *it, size_t *base_off)
{
	while (it->depth >= 0) {
		const struct cb_setting *row = it->t[it->depth];

		if (!row || !row->name) {
			it->depth--;
			continue;
		}
		it->t[it->depth]++;
		if (row->type == CB_SETTING_TABLE) {
			if (!row->table || it->depth + 1 >= (int)(sizeof(it->t) / sizeof(it->t[0])))
				continue;
			it->off[it->depth + 1] = it->off[it->depth] + row->offset;
			it->t[++it->depth] = row->table;
			continue;
		}
		if (base_off)
			*base_off = it->off[it->depth];
		return row;
	}
	return NULL;
}

/* The row whose name (or alias) is name[0..len). */
static const struct cb_setting *find_by(const struct cb_setting *table, const char *name,
					size_t len, size_t *base_off, int by_alias)
{
	struct cb_settings_it it;
	const struct cb_setting *row;

	cb_settings_it_init(&it, table);
	while ((row = cb_settings_next(&it, base_off))) {
		const char *n = by_alias ? row->alias : row->name;

		if (n && strlen(n) == len && strncmp(n, name, len) == 0)
			return row;
	}
	return NULL;
}

const struct cb_setting *cb_settings_find(const struct cb_setting *table, const char *name,
					  size_t len, size_t *base_off)
{
	return find_by(table, name, len, base_off, 0);
}

const struct cb_setting *cb_settings_find_alias(const struct cb_setting *table, const char *name,
						size_t len, size_t *base_off)
{
	return find_by(table, name, len, base_off, 1);
}

/* Edit distance of a[0..n) and b (insertions, deletions, substitutions). */
static size_t distance(const char *a, size_t n, const char *b)
{
	size_t m = strlen(b), row[64], prev, tmp;

	if (n >= 63 || m >= 63)
		return 64;
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			tmp = row[j];
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[m];
}

const struct cb_setting *cb_settings_nearest(const struct cb_setting *table, const char *name,
					     size_t len)
{
	struct cb_settings_it it;
	const struct cb_setting *row, *best = NULL;
	size_t bd = (size_t)-1, limit = len / 3 > 2 ? len / 3 : 2;

	cb_settings_it_init(&it, table);
	while ((row = cb_settings_next(&it, NULL))) {
		size_t d = distance(name, len, row->name);

		/* A prefix ("video" for "video-codec") is near too. */
		if (len >= 3 && strncmp(row->name, name, len) == 0)
			d = 1;
		if (d < bd) {
			bd = d;
			best = row;
		}
	}
	return bd <= limit ? best : NULL;
}

/* The i-th allowed name of a row with choices, NULL past the last. */
static const char *choice_at(const struct cb_setting *row, size_t i)
{
	if (row->choices) {
		for (size_t k = 0; k < i; k++)
			if (!row->choices[k])
				return NULL;
		return row->choices[i];
	}
	return row->names ? row->names(i) : NULL;
}

static int choice_index(const struct cb_setting *row, const char *val)
{
	const char *n;

	for (size_t i = 0; (n = choice_at(row, i)); i++)
		if (!strcmp(n, val))
			return i <= INT32_MAX ? (int)i : -1;
	return -1;
}

void cb_setting_choices(const struct cb_setting *row, char *buf, size_t len)
{
	const char *n;
	size_t pos = 0;

	if (!len)
		return;
	buf[0] = 0;
	for (size_t i = 0; (n = choice_at(row, i)) && pos < len; i++) {
		int w = snprintf(buf + pos, len - pos, "%s%s", i ? ", " : "", n);

		if (w < 0)
			break;
		pos += (size_t)w;
	}
}

static void say_unknown(const struct cb_setting *row, const char *val, char *why, size_t len)
{
	char names[400];

	cb_setting_choices(row, names, sizeof(names));
	snprintf(why, len, "unknown %s '%s' (allowed: %s)", row->what ? row->what : "value", val,
		 names);
}

/* A decimal number: strtod's hexadecimal ("0x10"), "inf" and "nan" are
 * not what anyone means by a duration or a bitrate. */
static int parse_num(const char *s, double *v)
{
	char *end;

	if (strpbrk(s, "xXpP") || strspn(s, "+-0123456789.eE") != strlen(s))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	return (errno || end == s || *end || isnan(*v)) ? -1 : 0;
}

/* The same, with an optional unit after it ("20ms"). */
static int parse_num_unit(const char *s, const char *unit, double *v)
{
	size_t n = strlen(s), u = unit ? strlen(unit) : 0;
	char num[64];

	if (u && n > u && n - u < sizeof(num) && strcmp(s + n - u, unit) == 0) {
		memcpy(num, s, n - u);
		num[n - u] = 0;
		return parse_num(num, v);
	}
	return parse_num(s, v);
}

static int parse_on_off(const char *v)
{
	static const char *const on[] = {"on", "yes", "1", "true"};
	static const char *const off[] = {"off", "no", "0", "false"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(v, on[i]))
			return 1;
		if (!strcmp(v, off[i]))
			return 0;
	}
	return -1;
}

static int in_range(const struct cb_setting *row, double v)
{
	if (v == 0 && (row->flags & CB_SETTING_ZERO_OFF))
		return 1;
	return v >= row->min && v <= row->max;
}

static void say_range(const struct cb_setting *row, const char *val, char *why, size_t len)
{
	snprintf(why, len, "%s is out of range (allowed: %g to %g%s)", val, row->min, row->max,
		 row->flags & CB_SETTING_ZERO_OFF ? ", or 0 for none" : "");
}

static int parse_size(const struct cb_setting *row, void *base, const char *val, char *why,
		      size_t len)
{
	int w, h, n = -1;

	if (sscanf(val, "%dx%d%n", &w, &h, &n) != 2 || n != (int)strlen(val) || w < row->min ||
	    h < row->min || w > row->max || h > row->max || (w & 1) || (h & 1)) {
		snprintf(why, len,
			 "'%s' is not a size WxH with even sides from %g to %g (e.g. 640x480)", val,
			 row->min, row->max);
		return -EINVAL;
	}
	*(int *)FIELD(base, row->offset) = w;
	*(int *)FIELD(base, row->offset2) = h;
	return 0;
}

static int parse_value(const struct cb_setting *row, void *base, const char *val, char *why,
		       size_t len)
{
	char *p = FIELD(base, row->offset);
	double v;
	int k;

	switch (row->type) {
	case CB_SETTING_INT:
	case CB_SETTING_DOUBLE:
		if (parse_num_unit(val, row->unit, &v) < 0)
			return snprintf(why, len, "'%s' is not a number", val), -EINVAL;
		if (row->type == CB_SETTING_INT && v != floor(v))
			return snprintf(why, len, "'%s' is not a whole number", val), -EINVAL;
		if (!in_range(row, v))
			return say_range(row, val, why, len), -EINVAL;
		if (row->type == CB_SETTING_INT)
			*(int *)p = (int)v;
		else
			*(double *)p = v;
		return 0;
	case CB_SETTING_U64: {
		char *end;
		unsigned long long u;

		errno = 0;
		u = strtoull(val, &end, 10);
		if (errno || end == val || *end || strspn(val, "0123456789") != strlen(val))
			return snprintf(why, len, "'%s' is not a non-negative whole number", val),
			       -EINVAL;
		*(uint64_t *)p = u;
		return 0;
	}
	case CB_SETTING_STR:
		if ((row->choices || row->names) && choice_index(row, val) < 0)
			return say_unknown(row, val, why, len), -EINVAL;
		if (strlen(val) == 0 || strlen(val) >= row->size)
			return snprintf(why, len, "value must be 1 to %zu characters",
					row->size - 1),
			       -EINVAL;
		memcpy(p, val, strlen(val) + 1);
		return 0;
	case CB_SETTING_FLAG:
		k = parse_on_off(val);
		if (k < 0)
			return snprintf(why, len, "'%s' is not on or off", val), -EINVAL;
		*(int *)p = k ? row->flag : !row->flag;
		return 0;
	case CB_SETTING_SIZE:
		return parse_size(row, base, val, why, len);
	case CB_SETTING_ENUM:
		k = choice_index(row, val);
		if (k < 0)
			return say_unknown(row, val, why, len), -EINVAL;
		*(int *)p = k;
		return 0;
	case CB_SETTING_CUSTOM:
		if (row->parse(base, val, why, len) < 0)
			return -EINVAL;
		return 0;
	case CB_SETTING_TABLE:
		break;
	}
	return -EINVAL;
}

int cb_setting_parse(const struct cb_setting *row, void *base, const char *val, char *why,
		     size_t len)
{
	unsigned char old[1024], old2[sizeof(int)] = {0};
	int rc;

	if (!row || !base || !val || row->type == CB_SETTING_TABLE)
		return -EINVAL;
	if (row->type == CB_SETTING_CUSTOM || !row->check || row->size > sizeof(old))
		return parse_value(row, base, val, why, len);
	/* The row's own check sees the new value in place; a refusal puts the old one back. */
	memcpy(old, FIELD(base, row->offset), row->size);
	if (row->type == CB_SETTING_SIZE)
		memcpy(old2, FIELD(base, row->offset2), sizeof(old2));
	rc = parse_value(row, base, val, why, len);
	if (rc == 0 && row->check(base, why, len) < 0) {
		memcpy(FIELD(base, row->offset), old, row->size);
		if (row->type == CB_SETTING_SIZE)
			memcpy(FIELD(base, row->offset2), old2, sizeof(old2));
		rc = -EINVAL;
	}
	return rc;
}

int cb_setting_set_flag(const struct cb_setting *row, void *base)
{
	if (!row || row->type != CB_SETTING_FLAG)
		return -EINVAL;
	*(int *)FIELD(base, row->offset) = row->flag;
	return 0;
}

int cb_setting_has_value(const struct cb_setting *row)
{
	return row->type != CB_SETTING_TABLE && (row->type != CB_SETTING_CUSTOM || row->format);
}

int cb_setting_format_number(double x, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%.15g", x);

	if (n > 0 && (size_t)n < len && strtod(buf, NULL) != x)
		n = snprintf(buf, len, "%.17g", x);
	return n;
}

int cb_setting_format(const struct cb_setting *row, const void *base, char *buf, size_t len)
{
	const char *p = CFIELD(base, row->offset), *name;
	int n = -1;

	if (!len)
		return CB_E_NOSPACE;
	buf[0] = 0;
	switch (row->type) {
	case CB_SETTING_INT:
		n = snprintf(buf, len, "%d", *(const int *)p);
		break;
	case CB_SETTING_DOUBLE:
		n = cb_setting_format_number(*(const double *)p, buf, len);
		break;
	case CB_SETTING_U64:
		n = snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
		break;
	case CB_SETTING_STR:
		n = snprintf(buf, len, "%.*s", (int)strnlen(p, row->size), p);
		break;
	case CB_SETTING_FLAG:
		n = snprintf(buf, len, "%s", *(const int *)p == row->flag ? "on" : "off");
		break;
	case CB_SETTING_SIZE:
		n = snprintf(buf, len, "%dx%d", *(const int *)p,
			     *(const int *)CFIELD(base, row->offset2));
		break;
	case CB_SETTING_ENUM:
		name = *(const int *)p >= 0 ? choice_at(row, (size_t) * (const int *)p) : NULL;
		if (!name)
			return -EINVAL;
		n = snprintf(buf, len, "%s", name);
		break;
	case CB_SETTING_CUSTOM:
		if (!row->format)
			return -EINVAL;
		return row->format(base, buf, len);
	case CB_SETTING_TABLE:
		return -EINVAL;
	}
	if (n < 0)
		return -EINVAL;
	return (size_t)n < len ? 0 : CB_E_NOSPACE;
}

/* The range a row's type gives it (its own check callback apart). */
static int check_value(const struct cb_setting *row, const void *base, char *why, size_t len)
{
	const char *p = CFIELD(base, row->offset);
	char val[64];
	double v;

	switch (row->type) {
	case CB_SETTING_INT:
	case CB_SETTING_DOUBLE:
		v = row->type == CB_SETTING_INT ? *(const int *)p : *(const double *)p;
		if (isnan(v))
			return snprintf(why, len, "not a number"), -EINVAL;
		if (!in_range(row, v)) {
			cb_setting_format_number(v, val, sizeof(val));
			return say_range(row, val, why, len), -EINVAL;
		}
		return 0;
	case CB_SETTING_STR:
		if (strnlen(p, row->size) >= row->size)
			return snprintf(why, len, "not a string of at most %zu characters",
					row->size - 1),
			       -EINVAL;
		return 0;
	case CB_SETTING_FLAG:
		if (*(const int *)p != 0 && *(const int *)p != 1)
			return snprintf(why, len, "%d is not 0 or 1", *(const int *)p), -EINVAL;
		return 0;
	case CB_SETTING_SIZE: {
		int w = *(const int *)p, h = *(const int *)CFIELD(base, row->offset2);

		if (w < row->min || h < row->min || w > row->max || h > row->max || (w & 1) ||
		    (h & 1))
			return snprintf(why, len,
					"%dx%d is not a size with even sides from %g to %g", w, h,
					row->min, row->max),
			       -EINVAL;
		return 0;
	}
	case CB_SETTING_ENUM:
		if (*(const int *)p < 0 || !choice_at(row, (size_t) * (const int *)p))
			return snprintf(why, len, "%d is none of the %ss", *(const int *)p,
					row->what ? row->what : "value"),
			       -EINVAL;
		return 0;
	case CB_SETTING_CUSTOM:
	case CB_SETTING_U64:
	case CB_SETTING_TABLE:
		break;
	}
	return 0;
}

int cb_setting_check(const struct cb_setting *row, const void *base, char *why, size_t len)
{
	int rc = check_value(row, base, why, len);

	if (rc == 0 && row->check && row->check(base, why, len) < 0)
		rc = -EINVAL;
	return rc;
}

void cb_setting_describe(const struct cb_setting *row, const void *base, char *buf, size_t len)
{
	const char *p = CFIELD(base, row->offset);
	char val[128];

	if (!len)
		return;
	buf[0] = 0;
	switch (row->type) {
	case CB_SETTING_INT:
		snprintf(buf, len, "[%d; %g..%g]", *(const int *)p, row->min, row->max);
		return;
	case CB_SETTING_DOUBLE:
		snprintf(buf, len, "[%g; %g..%g]", *(const double *)p, row->min, row->max);
		return;
	case CB_SETTING_STR:
		if (*p)
			snprintf(buf, len, "[%.*s]", (int)strnlen(p, row->size), p);
		else
			snprintf(buf, len, "[auto]");
		return;
	case CB_SETTING_U64:
	case CB_SETTING_SIZE:
	case CB_SETTING_ENUM:
	case CB_SETTING_CUSTOM:
		if (cb_setting_format(row, base, val, sizeof(val)) == 0)
			snprintf(buf, len, "[%s]", val);
		else if (row->shown)
			snprintf(buf, len, "[%s]", row->shown);
		return;
	case CB_SETTING_FLAG:
	case CB_SETTING_TABLE:
		return;
	}
}

void cb_settings_say_unknown(const struct cb_setting *table, const char *name, char *why,
			     size_t len)
{
	const struct cb_setting *near = cb_settings_nearest(table, name, strlen(name));

	if (near)
		snprintf(why, len, "no setting '%s': did you mean %s?", name, near->name);
	else
		snprintf(why, len, "no setting '%s'", name);
}

int cb_settings_set(const struct cb_setting *table, void *base, const char *name, const char *val,
		    char *why, size_t len)
{
	const struct cb_setting *row;
	size_t off = 0;
	char msg[400] = "";

	if (!table || !base || !name || !val)
		return -EINVAL;
	row = cb_settings_find(table, name, strlen(name), &off);
	if (!row) {
		cb_settings_say_unknown(table, name, why, len);
		return CB_E_NOTFOUND;
	}
	if (cb_setting_parse(row, (char *)base + off, val, msg, sizeof(msg)) < 0) {
		snprintf(why, len, "%s: %s", row->name, msg);
		return -EINVAL;
	}
	return 0;
}

int cb_settings_check(const struct cb_setting *table, const void *base, char *why, size_t len)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	size_t off = 0;
	char msg[300];

	cb_settings_it_init(&it, table);
	while ((row = cb_settings_next(&it, &off))) {
		msg[0] = 0;
		if (cb_setting_check(row, (const char *)base + off, msg, sizeof(msg)) < 0) {
			snprintf(why, len, "%s: %s", row->name, msg);
			return -EINVAL;
		}
	}
	return 0;
}

static json_t *value_json(const struct cb_setting *row, const void *base)
{
	const char *p = CFIELD(base, row->offset), *name;

	switch (row->type) {
	case CB_SETTING_INT:
		return json_integer(*(const int *)p);
	case CB_SETTING_DOUBLE:
		return isfinite(*(const double *)p) ? json_real(*(const double *)p) : json_null();
	case CB_SETTING_U64:
		return json_integer((json_int_t) * (const uint64_t *)p);
	case CB_SETTING_STR:
		return json_stringn(p, strnlen(p, row->size));
	case CB_SETTING_FLAG:
		return json_boolean(*(const int *)p);
	case CB_SETTING_ENUM:
		name = *(const int *)p >= 0 ? choice_at(row, (size_t) * (const int *)p) : NULL;
		return name ? json_string(name) : json_null();
	case CB_SETTING_SIZE:
	case CB_SETTING_CUSTOM:
	case CB_SETTING_TABLE:
		break;
	}
	return NULL;
}

int cb_settings_to_json(const struct cb_setting *table, const void *base, json_t *obj)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	size_t off = 0;

	cb_settings_it_init(&it, table);
	while ((row = cb_settings_next(&it, &off))) {
		const char *b = (const char *)base + off;

		if (row->type == CB_SETTING_CUSTOM) {
			if (row->to_json && row->to_json(b, obj) < 0)
				return -ENOMEM;
			continue;
		}
		if (!row->json)
			continue;
		if (row->type == CB_SETTING_SIZE) {
			if (json_object_set_new(obj, row->json,
						json_integer(*(const int *)(b + row->offset))) ||
			    json_object_set_new(obj, row->json2,
						json_integer(*(const int *)(b + row->offset2))))
				return -ENOMEM;
			continue;
		}
		if (json_object_set_new(obj, row->json, value_json(row, b)))
			return -ENOMEM;
	}
	return 0;
}

static void value_from_json(const struct cb_setting *row, void *base, const json_t *v)
{
	char *p = FIELD(base, row->offset);
	int k;

	switch (row->type) {
	case CB_SETTING_INT:
		if (json_is_number(v) && fabs(json_number_value(v)) <= INT32_MAX)
			*(int *)p = (int)json_number_value(v);
		return;
	case CB_SETTING_DOUBLE:
		if (json_is_number(v))
			*(double *)p = json_number_value(v);
		return;
	case CB_SETTING_U64:
		if (json_is_integer(v))
			*(uint64_t *)p = (uint64_t)json_integer_value(v);
		return;
	case CB_SETTING_STR:
		if (json_is_string(v) && json_string_length(v) < row->size)
			memcpy(p, json_string_value(v), json_string_length(v) + 1);
		return;
	case CB_SETTING_FLAG:
		if (json_is_boolean(v))
			*(int *)p = json_is_true(v);
		return;
	case CB_SETTING_ENUM:
		k = json_is_string(v) ? choice_index(row, json_string_value(v)) : -1;
		if (k >= 0)
			*(int *)p = k;
		return;
	case CB_SETTING_SIZE:
	case CB_SETTING_CUSTOM:
	case CB_SETTING_TABLE:
		return;
	}
}

void cb_settings_from_json(const struct cb_setting *table, void *base, const json_t *obj)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	size_t off = 0;

	if (!json_is_object(obj))
		return;
	cb_settings_it_init(&it, table);
	while ((row = cb_settings_next(&it, &off))) {
		char *b = (char *)base + off;

		if (row->type == CB_SETTING_CUSTOM) {
			if (row->from_json)
				row->from_json(b, obj);
			continue;
		}
		if (!row->json)
			continue;
		if (row->type == CB_SETTING_SIZE) {
			json_t *w = json_object_get(obj, row->json),
			       *h = json_object_get(obj, row->json2);

			if (json_is_integer(w) && json_is_integer(h) &&
			    llabs(json_integer_value(w)) <= INT32_MAX &&
			    llabs(json_integer_value(h)) <= INT32_MAX) {
				*(int *)(b + row->offset) = (int)json_integer_value(w);
				*(int *)(b + row->offset2) = (int)json_integer_value(h);
			}
			continue;
		}
		value_from_json(row, b, json_object_get(obj, row->json));
	}
}

int cb_settings_read_member(const struct cb_setting *table, void *base, const char *key,
			    const json_t *v, char *why, size_t len)
{
	const struct cb_setting *row;
	size_t off = 0;
	char text[64], msg[400] = "";
	const char *val = text, *want = NULL;

	row = cb_settings_find(table, key, strlen(key), &off);
	if (!row) {
		cb_settings_say_unknown(table, key, why, len);
		return CB_E_FORMAT;
	}
	switch (row->type) {
	case CB_SETTING_INT:
	case CB_SETTING_DOUBLE:
	case CB_SETTING_U64:
		if (json_is_integer(v))
			snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
		else if (json_is_real(v))
			cb_setting_format_number(json_real_value(v), text, sizeof(text));
		else
			want = "a number";
		break;
	case CB_SETTING_FLAG:
		if (json_is_boolean(v))
			snprintf(text, sizeof(text), "%s", json_is_true(v) ? "on" : "off");
		else
			want = "true or false";
		break;
	default:
		if (json_is_string(v))
			val = json_string_value(v);
		else
			want = "a string";
		break;
	}
	if (want) {
		snprintf(why, len, "member '%s': must be %s", key, want);
		return CB_E_FORMAT;
	}
	if (cb_setting_parse(row, (char *)base + off, val, msg, sizeof(msg)) < 0) {
		snprintf(why, len, "member '%s': %s", key, msg);
		return CB_E_FORMAT;
	}
	return 0;
}

int cb_settings_read_json(const struct cb_setting *table, void *base, const json_t *obj,
			  const char *origin, char *why, size_t len)
{
	const char *key, *o = origin ? origin : "settings";
	json_t *v;
	char msg[500];

	if (!json_is_object(obj))
		return snprintf(why, len, "%s: the settings must be a JSON object", o), CB_E_FORMAT;
	json_object_foreach((json_t *)obj, key, v)
	{
		if (cb_settings_read_member(table, base, key, v, msg, sizeof(msg)) < 0) {
			snprintf(why, len, "%s: %s", o, msg);
			return CB_E_FORMAT;
		}
	}
	return 0;
}

static int size_ok(const struct cb_setting *row)
{
	switch (row->type) {
	case CB_SETTING_INT:
	case CB_SETTING_FLAG:
	case CB_SETTING_ENUM:
	case CB_SETTING_SIZE:
		return row->size == sizeof(int);
	case CB_SETTING_DOUBLE:
		return row->size == sizeof(double);
	case CB_SETTING_U64:
		return row->size == sizeof(uint64_t);
	case CB_SETTING_STR:
		return row->size > 1;
	case CB_SETTING_CUSTOM:
	case CB_SETTING_TABLE:
		return 1;
	}
	return 0;
}

int cb_settings_table_check(const struct cb_setting *table, char *why, size_t len)
{
	struct cb_settings_it it, it2;
	const struct cb_setting *row, *other;

	cb_settings_it_init(&it, table);
	while ((row = cb_settings_next(&it, NULL))) {
		if (!row->name[0] || strpbrk(row->name, " =\t"))
			return snprintf(why, len, "row '%s': a bad name", row->name), -EINVAL;
		if (!size_ok(row))
			return snprintf(why, len, "row '%s': field size %zu is wrong for its type",
					row->name, row->size),
			       -EINVAL;
		if (row->type == CB_SETTING_ENUM && !row->choices && !row->names)
			return snprintf(why, len, "row '%s': an enum without choices", row->name),
			       -EINVAL;
		if (row->type == CB_SETTING_CUSTOM && !row->parse)
			return snprintf(why, len, "row '%s': custom without parse", row->name),
			       -EINVAL;
		if (row->type == CB_SETTING_SIZE && (!row->json) != (!row->json2))
			return snprintf(why, len, "row '%s': a size needs both JSON keys",
					row->name),
			       -EINVAL;
		if ((row->type == CB_SETTING_INT || row->type == CB_SETTING_DOUBLE ||
		     row->type == CB_SETTING_SIZE) &&
		    !(row->min <= row->max))
			return snprintf(why, len, "row '%s': min above max", row->name), -EINVAL;
		if (!row->help || (row->type != CB_SETTING_FLAG && !row->arg))
			return snprintf(why, len, "row '%s': no help or no value name", row->name),
			       -EINVAL;
		it2 = it;
		while ((other = cb_settings_next(&it2, NULL))) {
			if (!strcmp(other->name, row->name))
				return snprintf(why, len, "row '%s' twice", row->name), -EINVAL;
			if (row->alias && other->alias && !strcmp(row->alias, other->alias))
				return snprintf(why, len, "rows '%s' and '%s': the same alias",
						row->name, other->name),
				       -EINVAL;
			if (row->json && other->json && !strcmp(row->json, other->json))
				return snprintf(why, len, "rows '%s' and '%s': the same JSON key",
						row->name, other->name),
				       -EINVAL;
		}
	}
	return 0;
}
