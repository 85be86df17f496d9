#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "measure/experience.h"

void cb_experience_init(struct cb_experience *e)
{
	memset(e, 0, sizeof(*e));
	cb_dist_compute(NULL, 0, &e->age);
	e->unseen_pct = NAN;
	e->concealed_pct = NAN;
}

void cb_experience_free(struct cb_experience *e)
{
	if (!e)
		return;
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

static int cmp_shown(const void *a, const void *b)
{
	const struct cb_shown *x = a, *y = b;

	return (x->at > y->at) - (x->at < y->at);
}

/* The distribution of the samples' ages. */
static int compute_dist(struct cb_experience *e)
{
	double *a = malloc((e->n ? e->n : 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < e->n; i++)
		a[i] = e->v[i].age_ms;
	cb_dist_compute(a, e->n, &e->age);
	free(a);
	return 0;
}

int cb_experience_screen(struct cb_experience *e, struct cb_shown *shown, size_t n, cb_ns step,
			 cb_ns end)
{
	size_t cap, k = 0, j = 0;
	cb_ns t;

	if (!e || (!shown && n) || step <= 0)
		return -EINVAL;
	free(e->v);
	e->v = NULL;
	e->n = 0;
	if (n == 0)
		return compute_dist(e);
	qsort(shown, n, sizeof(*shown), cmp_shown);
	if (end < shown[0].at)
		end = shown[0].at;
	cap = (size_t)((end - shown[0].at) / step) + 1;
	e->v = malloc(cap * sizeof(*e->v));
	if (!e->v)
		return -ENOMEM;
	/* A picture that arrives within a thousandth of a step after an
	 * instant counts as there: frame times are whole nanoseconds of a
	 * period that is not, and a steady stream must not read a frame old. */
	for (t = shown[0].at; t <= end && k < cap; t += step) {
		while (j + 1 < n && shown[j + 1].at <= t + step / 1000)
			j++;
		e->v[k].t = t;
		e->v[k].age_ms = (double)(t - shown[j].captured) / 1e6;
		k++;
	}
	e->n = k;
	return compute_dist(e);
}

int cb_experience_samples(struct cb_experience *e, const struct cb_age_sample *v, size_t n)
{
	if (!e || (!v && n))
		return -EINVAL;
	free(e->v);
	e->v = NULL;
	e->n = 0;
	if (n) {
		e->v = malloc(n * sizeof(*e->v));
		if (!e->v)
			return -ENOMEM;
		memcpy(e->v, v, n * sizeof(*v));
		e->n = n;
	}
	return compute_dist(e);
}

void cb_experience_count(struct cb_experience *e, uint64_t frames, uint64_t unseen)
{
	e->frames = frames;
	e->unseen = unseen;
	e->unseen_pct = frames ? 100.0 * (double)unseen / (double)frames : NAN;
}
