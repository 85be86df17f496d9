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

/* Shown pictures by the frame they show, earliest showing first. */
static int cmp_by_captured(const void *a, const void *b)
{
	const struct cb_shown *x = a, *y = b;

	if (x->captured != y->captured)
		return (x->captured > y->captured) - (x->captured < y->captured);
	return (x->at > y->at) - (x->at < y->at);
}

/* When the frame captured at `c` was first shown; CB_NS_NONE if never. */
static cb_ns first_shown(const struct cb_shown *by_cap, size_t n, cb_ns c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (by_cap[mid].captured < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && by_cap[lo].captured == c ? by_cap[lo].at : CB_NS_NONE;
}

int cb_experience_screen(struct cb_experience *e, const cb_ns *captured, size_t nframes,
			 struct cb_shown *shown, size_t n)
{
	struct cb_shown *by_cap;
	cb_ns first_cap, delay = 0;
	size_t k = 0, j = 0;

	if (!e || (!shown && n) || (!captured && nframes))
		return -EINVAL;
	free(e->v);
	e->v = NULL;
	e->n = 0;
	if (n == 0 || nframes == 0)
		return compute_dist(e);
	qsort(shown, n, sizeof(*shown), cmp_shown);
	by_cap = malloc(n * sizeof(*by_cap));
	e->v = malloc(nframes * sizeof(*e->v));
	if (!by_cap || !e->v) {
		free(by_cap);
		return -ENOMEM;
	}
	memcpy(by_cap, shown, n * sizeof(*by_cap));
	qsort(by_cap, n, sizeof(*by_cap), cmp_by_captured);
	first_cap = shown[0].captured;
	for (size_t f = 0; f < nframes; f++) {
		cb_ns c = captured[f], t;

		if (c == CB_NS_NONE || c < first_cap)
			continue;
		t = first_shown(by_cap, n, c);
		if (t != CB_NS_NONE)
			delay = t - c; /* shown: it renders when it was shown */
		else
			t = c + delay; /* never came: when it would have rendered */
		/* The picture on screen then: the last one put there. */
		while (j + 1 < n && shown[j + 1].at <= t)
			j++;
		while (j > 0 && shown[j].at > t)
			j--;
		e->v[k].t = t;
		e->v[k].age_ms = (double)(t - shown[j].captured) / 1e6;
		k++;
	}
	free(by_cap);
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
