/* gp.c — quoting outside text for gnuplot (see gp.h). */
#include "report/gp.h"

#include <errno.h>

static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int quote(char *out, size_t room, const char *s, int strict)
{
	size_t o = 0;

	if (room < 3)
		return -ENAMETOOLONG;
	out[o++] = '\'';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (o + 3 >= room)
			return -ENAMETOOLONG;
		if (is_control(c)) {
			if (strict)
				return -EINVAL;
			c = ' ';
		}
		if (c == '\'')
			out[o++] = '\'';
		out[o++] = (char)c;
	}
	out[o++] = '\'';
	out[o] = '\0';
	return 0;
}

int cb_gp_quote(char *out, size_t room, const char *s)
{
	return quote(out, room, s ? s : "", 0);
}

int cb_gp_quote_path(char *out, size_t room, const char *s)
{
	return quote(out, room, s ? s : "", 1);
}

void cb_gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (is_control(c))
			c = ' ';
		if (c == '\'')
			fputc('\'', f);
		fputc(c, f);
	}
	fputc('\'', f);
}

void cb_gp_datum(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c == '"' || c == '\\' || is_control(c) ? '\'' : c, f);
	}
	fputc('"', f);
}
