/*
 * series.c — a plotted curve thinned to a bounded number of points (see
 * series.h).
 */
#include "report/series.h"

void cb_series_begin(struct cb_series *s, FILE *f, const char *fmt, size_t n)
{
	*s = (struct cb_series){.f = f, .fmt = fmt, .k = 1};
	if (n > CB_SERIES_MAX_POINTS) {
		/* two points per run */
		s->k = (n + CB_SERIES_MAX_POINTS / 2 - 1) / (CB_SERIES_MAX_POINTS / 2);
		fprintf(f,
			"# %zu points, drawn as the lowest and highest of each run of %zu "
			"(frames.csv has every frame)\n",
			n, s->k);
	}
}

static void flush_run(struct cb_series *s)
{
	if (!s->in_run)
		return;
	if (s->in_run == 1 || (s->lo_x == s->hi_x && s->lo_y == s->hi_y)) {
		fprintf(s->f, s->fmt, s->lo_x, s->lo_y);
		s->written++;
	} else {
		int lo_first = s->lo_x <= s->hi_x;

		fprintf(s->f, s->fmt, lo_first ? s->lo_x : s->hi_x, lo_first ? s->lo_y : s->hi_y);
		fprintf(s->f, s->fmt, lo_first ? s->hi_x : s->lo_x, lo_first ? s->hi_y : s->lo_y);
		s->written += 2;
	}
	s->in_run = 0;
}

void cb_series_add(struct cb_series *s, double x, double y)
{
	if (s->k == 1) {
		fprintf(s->f, s->fmt, x, y);
		s->written++;
		return;
	}
	if (!s->in_run || y < s->lo_y) {
		s->lo_x = x;
		s->lo_y = y;
	}
	if (!s->in_run || y > s->hi_y) {
		s->hi_x = x;
		s->hi_y = y;
	}
	if (++s->in_run == s->k)
		flush_run(s);
}

void cb_series_end(struct cb_series *s)
{
	flush_run(s);
}

int cb_series_keep_sorted(size_t i, size_t n)
{
	size_t step;

	if (n <= CB_SERIES_MAX_POINTS || i == 0 || i + 1 == n)
		return 1;
	step = (n + CB_SERIES_MAX_POINTS - 3) / (CB_SERIES_MAX_POINTS - 2);
	return i % step == 0;
}
