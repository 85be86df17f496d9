/*
 * options.h — options as a table: name, argument, help, type, offset into
 * the config struct, default shown in --help, min and max.  One parser
 * serves every subcommand, and --help is generated from the same table, so
 * help can never drift from what is parsed.
 */
#ifndef CB_BENCH_OPTIONS_H
#define CB_BENCH_OPTIONS_H

#include <stddef.h>

enum opt_type {
	OPT_INT,      /* int, min..max */
	OPT_DOUBLE,   /* double, min..max */
	OPT_U64,      /* uint64_t */
	OPT_STR,      /* char[max], max = size of the array */
	OPT_FLAG_ON,  /* int set to 1, no argument */
	OPT_FLAG_OFF, /* int set to 0, no argument */
	OPT_SIZE,     /* WxH into two ints at offset and offset2 */
	OPT_CHOICE,   /* string checked by a callback, stored by it */
	OPT_GROUP,    /* not an option: `name` heads the options after it in --help */
};

struct opt {
	const char *name; /* without the leading "--" */
	const char *arg;  /* argument name in help, NULL for flags */
	const char *help;
	enum opt_type type;
	size_t offset, offset2;
	double min, max;
	/* OPT_CHOICE: parse `val` into the struct at base; 0 or -1 with `why`. */
	int (*choice)(void *base, const char *val, char *why, size_t len);
	const char *choices; /* for help */
	/* The allowed values, listed into buf for --help (NULL: `choices` says). */
	void (*values)(char *buf, size_t len);
};

/*
 * Parse argv against `opts` into `base`.  On error prints a message naming
 * the option to stderr and returns -1 (the caller exits 2).  Positional
 * arguments are left in argv[*first_pos..argc).  "--help" sets *help.
 */
int opts_parse(const char *prog, const struct opt *opts, void *base, int argc, char **argv,
	       int *help, int *first_pos);
/** The option of `opts` whose name is nearest to `name` (for "did you mean"),
 * or NULL when none is near. */
const struct opt *opts_nearest(const struct opt *opts, const char *name, size_t len);
/** Print the option table with defaults read from `defaults`. */
void opts_help(const struct opt *opts, const void *defaults, FILE *out);

#endif
