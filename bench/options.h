/*
 * options.h — the command line of every subcommand, over settings tables
 * (base/setting.h): `--name value`, `--name=value` and bare flags, parsed
 * by each row, and --help generated from the same rows, so help can never
 * drift from what is parsed.  A subcommand's table is its own rows and,
 * through a CB_SETTING_TABLE row, the library's (run's call settings).
 */
#ifndef CB_BENCH_OPTIONS_H
#define CB_BENCH_OPTIONS_H

#include <stdio.h>

#include "base/setting.h"

/*
 * Parse argv against `opts` into `base`.  On error prints a message naming
 * the option to stderr and returns -1 (the caller exits 2).  Positional
 * arguments are left in argv[*first_pos..argc).  "--help" sets *help.
 */
int opts_parse(const char *prog, const struct cb_setting *opts, void *base, int argc, char **argv,
	       int *help, int *first_pos);
/** Print the option table with defaults read from `defaults`, under its group headings. */
void opts_help(const struct cb_setting *opts, const void *defaults, FILE *out);

#endif
