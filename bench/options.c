#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

static int parse_one(const char *prog, const struct cb_setting *opts, void *base, int argc,
		     char **argv, int *i)
{
	const char *a = argv[*i], *eq = strchr(a + 2, '='), *val;
	size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2), off = 0;
	const struct cb_setting *o = cb_settings_find(opts, a + 2, len, &off);
	char why[512] = "";

	if (!o) {
		const struct cb_setting *near = cb_settings_nearest(opts, a + 2, len);

		if (near)
			fprintf(stderr,
				"%s: unknown option '%.*s': did you mean --%s? (see --help)\n",
				prog, (int)len + 2, a, near->name);
		else
			fprintf(stderr, "%s: unknown option '%.*s' (see --help)\n", prog,
				(int)len + 2, a);
		return -1;
	}
	if (o->type == CB_SETTING_FLAG) {
		if (eq) {
			fprintf(stderr, "%s: --%s takes no value\n", prog, o->name);
			return -1;
		}
		return cb_setting_set_flag(o, (char *)base + off);
	}
	if (eq) {
		val = eq + 1;
	} else if (*i + 1 < argc) {
		val = argv[++*i];
	} else {
		fprintf(stderr, "%s: --%s needs a value (%s)\n", prog, o->name, o->arg);
		return -1;
	}
	if (cb_setting_parse(o, (char *)base + off, val, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: --%s: %s\n", prog, o->name, why);
		return -1;
	}
	return 0;
}

int opts_parse(const char *prog, const struct cb_setting *opts, void *base, int argc, char **argv,
	       int *help, int *first_pos)
{
	int i, npos = 0;
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));

	if (!pos)
		return -1;
	*help = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

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
		if (parse_one(prog, opts, base, argc, argv, &i) < 0) {
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

void opts_help(const struct cb_setting *opts, const void *defaults, FILE *out)
{
	struct cb_settings_it it;
	const struct cb_setting *o;
	const char *group = NULL;
	size_t off = 0;

	cb_settings_it_init(&it, opts);
	while ((o = cb_settings_next(&it, &off))) {
		char left[64], def[160], vals[512] = "";

		if (o->group && (!group || strcmp(group, o->group)))
			fprintf(out, "\n%s:\n", o->group);
		group = o->group;
		if (o->choices || o->names)
			cb_setting_choices(o, vals, sizeof(vals));
		else if (o->values)
			o->values(vals, sizeof(vals));
		cb_setting_describe(o, (const char *)defaults + off, def, sizeof(def));
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(out, "  %-26s %s%s%s\n", left, o->help, def[0] ? " " : "", def);
		if (vals[0])
			fprintf(out, "  %-26s   one of: %s\n", "", vals);
	}
}
