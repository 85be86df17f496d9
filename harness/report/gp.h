/*
 * gp.h — text that goes into a gnuplot script or its data files.
 *
 * gnuplot runs backquoted text as a shell command inside double-quoted
 * strings (and a line break ends a command anywhere), so no outside text —
 * a run id, a sweep's axis names and values, anything read from someone's
 * summary.json — is ever written into a double-quoted string.  It goes in
 * as a single-quoted string literal, where neither backquotes nor "@"
 * macros are expanded, with line breaks and other control characters
 * replaced.  Script text that wraps it joins the pieces with gnuplot's
 * string concatenation: "run ".'<id>'." (end to end)".
 */
#ifndef CB_REPORT_GP_H
#define CB_REPORT_GP_H

#include <stddef.h>
#include <stdio.h>

/**
 * `s` as a gnuplot single-quoted literal into `out`: '' stands for ', and
 * control characters become spaces.  0, or -ENAMETOOLONG without room.
 */
int cb_gp_quote(char *out, size_t room, const char *s);
/** The same for a path: -EINVAL if it holds a control character. */
int cb_gp_quote_path(char *out, size_t room, const char *s);
/** Write `s` to `f` as a single-quoted literal (as cb_gp_quote). */
void cb_gp_string(FILE *f, const char *s);
/**
 * Write `s` to `f` as a double-quoted field of a data file (data is never
 * run, but a quote or a line break would break its row): `"`, `\` and
 * control characters become '.
 */
void cb_gp_datum(FILE *f, const char *s);

#endif
