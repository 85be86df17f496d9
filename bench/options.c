#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

static const struct opt *find(const struct opt *opts, const char *name, size_t len)
{
	for (; opts->name; opts++)
		if (opts->type != OPT_GROUP && strlen(opts->name) == len &&
		    strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
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

const struct opt *opts_nearest(const struct opt *opts, const char *name, size_t len)
{
	const struct opt *best = NULL;
	size_t bd = (size_t)-1, limit = len / 3 > 2 ? len / 3 : 2;

	for (; opts->name; opts++) {
		size_t d;

		if (opts->type == OPT_GROUP)
			continue;
		d = distance(name, len, opts->name);
		/* A prefix ("--video" for "--video-codec") is near too. */
		if (len >= 3 && strncmp(opts->name, name, len) == 0)
			d = 1;
		if (d < bd) {
			bd = d;
			best = opts;
		}
	}
	return bd <= limit ? best : NULL;
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

static int set_value(const char *prog, const struct opt *o, void *base, const char *val)
{
	char *p = (char *)base + o->offset;
	char why[160] = "";
	double v;

	switch (o->type) {
	case OPT_INT:
	case OPT_DOUBLE:
		if (parse_num(val, &v) < 0) {
			fprintf(stderr, "%s: --%s: '%s' is not a number\n", prog, o->name, val);
			return -1;
		}
		if (o->type == OPT_INT && v != floor(v)) {
			fprintf(stderr, "%s: --%s: '%s' is not a whole number\n", prog, o->name,
				val);
			return -1;
		}
		if (v < o->min || v > o->max) {
			fprintf(stderr, "%s: --%s: %s is out of range (allowed: %g to %g)\n", prog,
				o->name, val, o->min, o->max);
			return -1;
		}
		if (o->type == OPT_INT)
			*(int *)p = (int)v;
		else
			*(double *)p = v;
		return 0;
	case OPT_U64: {
		char *end;
		unsigned long long u;
		errno = 0;
		u = strtoull(val, &end, 0);
		if (errno || end == val || *end || val[0] == '-') {
			fprintf(stderr, "%s: --%s: '%s' is not a non-negative whole number\n", prog,
				o->name, val);
			return -1;
		}
		*(uint64_t *)p = u;
		return 0;
	}
	case OPT_STR:
		if (strlen(val) == 0 || strlen(val) >= (size_t)o->max) {
			fprintf(stderr, "%s: --%s: value must be 1 to %d characters\n", prog,
				o->name, (int)o->max - 1);
			return -1;
		}
		memcpy(p, val, strlen(val) + 1);
		return 0;
	case OPT_SIZE: {
		int w, h, n = -1;
		if (sscanf(val, "%dx%d%n", &w, &h, &n) != 2 || n != (int)strlen(val) ||
		    w < o->min || h < o->min || w > o->max || h > o->max || (w & 1) || (h & 1)) {
			fprintf(stderr,
				"%s: --%s: '%s' is not a size WxH with even sides from %g to %g "
				"(e.g. 640x480)\n",
				prog, o->name, val, o->min, o->max);
			return -1;
		}
		*(int *)p = w;
		*(int *)((char *)base + o->offset2) = h;
		return 0;
	}
	case OPT_CHOICE:
		if (o->choice(base, val, why, sizeof(why)) < 0) {
			fprintf(stderr, "%s: --%s: %s\n", prog, o->name, why);
			return -1;
		}
		return 0;
	case OPT_FLAG_ON:
	case OPT_FLAG_OFF:
	case OPT_GROUP:
		break;
	}
	return -1;
}

int opts_parse(const char *prog, const struct opt *opts, void *base, int argc, char **argv,
	       int *help, int *first_pos)
{
	int i, npos = 0;
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));

	if (!pos)
		return -1;
	*help = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq, *val;
		const struct opt *o;
		size_t len;

		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				pos[npos++] = argv[i];
			break;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			pos[npos++] = argv[i];
			continue;
		}
		eq = strchr(a + 2, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		o = find(opts, a + 2, len);
		if (!o) {
			const struct opt *near = opts_nearest(opts, a + 2, len);

			if (near)
				fprintf(stderr,
					"%s: unknown option '%.*s': did you mean --%s? (see "
					"--help)\n",
					prog, (int)len + 2, a, near->name);
			else
				fprintf(stderr, "%s: unknown option '%.*s' (see --help)\n", prog,
					(int)len + 2, a);
			free(pos);
			return -1;
		}
		if (o->type == OPT_FLAG_ON || o->type == OPT_FLAG_OFF) {
			if (eq) {
				fprintf(stderr, "%s: --%s takes no value\n", prog, o->name);
				free(pos);
				return -1;
			}
			*(int *)((char *)base + o->offset) = o->type == OPT_FLAG_ON;
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "%s: --%s needs a value (%s)\n", prog, o->name, o->arg);
			free(pos);
			return -1;
		}
		if (set_value(prog, o, base, val) < 0) {
			free(pos);
			return -1;
		}
	}
	/* Move the positional arguments to the end of argv, in order. */
	for (i = 0; i < npos; i++)
		argv[argc - npos + i] = pos[i];
	*first_pos = argc - npos;
	free(pos);
	return 0;
}

void opts_help(const struct opt *opts, const void *defaults, FILE *out)
{
	for (; opts->name; opts++) {
		const char *p = (const char *)defaults + opts->offset;
		char left[64], def[96] = "", vals[512] = "";

		if (opts->type == OPT_GROUP) {
			fprintf(out, "\n%s:\n", opts->name);
			continue;
		}
		if (opts->values)
			opts->values(vals, sizeof(vals));

		snprintf(left, sizeof(left), "--%s%s%s", opts->name, opts->arg ? " " : "",
			 opts->arg ? opts->arg : "");
		switch (opts->type) {
		case OPT_INT:
			snprintf(def, sizeof(def), " [%d; %g..%g]", *(const int *)p, opts->min,
				 opts->max);
			break;
		case OPT_DOUBLE:
			snprintf(def, sizeof(def), " [%g; %g..%g]", *(const double *)p, opts->min,
				 opts->max);
			break;
		case OPT_U64:
			snprintf(def, sizeof(def), " [%" PRIu64 "]", *(const uint64_t *)p);
			break;
		case OPT_STR:
			snprintf(def, sizeof(def), " [%s]", *p ? p : "auto");
			break;
		case OPT_SIZE:
			snprintf(def, sizeof(def), " [%dx%d]", *(const int *)p,
				 *(const int *)((const char *)defaults + opts->offset2));
			break;
		case OPT_CHOICE:
			snprintf(def, sizeof(def), " [%s]", opts->choices ? opts->choices : "");
			break;
		case OPT_FLAG_ON:
		case OPT_FLAG_OFF:
		case OPT_GROUP:
			break;
		}
		fprintf(out, "  %-26s %s%s\n", left, opts->help, def);
		if (vals[0])
			fprintf(out, "  %-26s   one of: %s\n", "", vals);
	}
}
