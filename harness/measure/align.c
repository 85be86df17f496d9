/*
 * align.c — stretches of constant offset between played audio and its
 * source, from the playout's own frame-by-frame mapping.
 */
#include "measure/align.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

int cb_align_stretches(const struct cb_align_piece *pieces, size_t n, uint64_t played_n,
		       uint64_t src_n, struct cb_audio_span *spans, size_t *n_spans,
		       struct cb_align_stats *st)
{
	struct cb_align_stats acc;
	size_t room, k = 0;
	int open = 0; /* spans[k - 1] may still grow */

	if ((!pieces && n) || (!spans && n) || !n_spans)
		return -EINVAL;
	/* Check everything before writing anything. */
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)pieces[i].kind > CB_ALIGN_INSERTED)
			return -EINVAL;
		if (i && pieces[i].played < pieces[i - 1].played + pieces[i - 1].len)
			return -EINVAL;
	}
	room = *n_spans;
	memset(&acc, 0, sizeof(acc));
	for (size_t i = 0; i < n; i++) {
		const struct cb_align_piece *p = &pieces[i];
		uint64_t len = p->len, played = p->played, skip;
		int64_t src = p->src;

		/* Slots played after the source ended (the call drains) stand
		 * for nothing that was sent, whatever fills them. */
		if (src >= 0 && (uint64_t)src >= src_n) {
			acc.outside += len;
			open = 0;
			continue;
		}
		if (p->kind == CB_ALIGN_CONCEALED || p->kind == CB_ALIGN_INSERTED) {
			if (p->kind == CB_ALIGN_CONCEALED)
				acc.concealed += len;
			else
				acc.inserted += len;
			open = 0;
			continue;
		}
		/* Clip to the source (the first samples out of the decoder
		 * carry its look-ahead, from before the source began) and to
		 * the played samples kept. */
		skip = src < 0 ? (uint64_t)-src : 0;
		if (skip > len)
			skip = len;
		if ((uint64_t)src + skip >= src_n || played + skip >= played_n) {
			acc.outside += len;
			open = 0;
			continue;
		}
		acc.outside += skip;
		len -= skip;
		played += skip;
		src += (int64_t)skip;
		if ((uint64_t)src + len > src_n) {
			acc.outside += (uint64_t)src + len - src_n;
			len = src_n - (uint64_t)src;
		}
		if (played + len > played_n) {
			acc.outside += played + len - played_n;
			len = played_n - played;
		}
		acc.compared += len;
		/* The same offset, right after the last stretch: it goes on. */
		if (open && spans[k - 1].deg + spans[k - 1].len == played &&
		    spans[k - 1].ref + spans[k - 1].len == (uint64_t)src) {
			spans[k - 1].len += len;
			continue;
		}
		if (k == room)
			return CB_E_NOSPACE;
		spans[k++] = (struct cb_audio_span){.ref = (size_t)src, .deg = played, .len = len};
		open = 1;
	}
	acc.stretches = k;
	*n_spans = k;
	if (st)
		*st = acc;
	return 0;
}

int cb_align_refine(const int16_t *ref, size_t ref_n, const int16_t *deg, size_t deg_n,
		    struct cb_audio_span *spans, size_t *n_spans, int max_shift, int *shift,
		    struct cb_align_stats *st)
{
	if (n_spans && *n_spans && !ref)
		return -EINVAL;
	return cb_align_refine_read(cb_ref_read_array, (void *)ref, ref_n, deg, deg_n, spans,
				    n_spans, max_shift, shift, st);
}

/*
 * The sums are exact (int16 products in int64), so they are gathered span
 * by span and chunk by chunk, every shift at once, and scored afterwards in
 * the order that settles ties: the same shift as shift by shift over whole
 * arrays.
 */
int cb_align_refine_read(cb_ref_reader read, void *user, size_t ref_n, const int16_t *deg,
			 size_t deg_n, struct cb_audio_span *spans, size_t *n_spans, int max_shift,
			 int *shift, struct cb_align_stats *st)
{
	const int64_t k = max_shift;
	double best = -HUGE_VAL;
	uint64_t clipped = 0;
	int64_t *cross = NULL, *energy = NULL;
	int16_t *r = NULL;
	size_t n, m = 0;
	int best_s = 0, rc = 0;

	if (!n_spans || (*n_spans && (!read || !deg || !spans)) || max_shift < 0)
		return -EINVAL;
	n = *n_spans;
	for (size_t j = 0; j < n; j++)
		if (spans[j].ref > ref_n || spans[j].len > ref_n - spans[j].ref ||
		    spans[j].deg > deg_n || spans[j].len > deg_n - spans[j].deg)
			return -EINVAL;
	cross = calloc((size_t)(2 * k + 1), sizeof(*cross));
	energy = calloc((size_t)(2 * k + 1), sizeof(*energy));
	r = malloc(((size_t)CB_REF_CHUNK + (size_t)(2 * k)) * sizeof(*r));
	if (!cross || !energy || !r) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (size_t j = 0; j < n; j++) {
		/* Samples every shift keeps inside ref. */
		int64_t lo = (int64_t)spans[j].ref < k ? k - (int64_t)spans[j].ref : 0;
		int64_t hi = (int64_t)spans[j].len;
		const int16_t *d = deg + spans[j].deg;

		if ((int64_t)(spans[j].ref + spans[j].len) + k > (int64_t)ref_n)
			hi = (int64_t)ref_n - k - (int64_t)spans[j].ref;
		for (int64_t c0 = lo; c0 < hi; c0 += CB_REF_CHUNK) {
			const int64_t c1 = hi - c0 < CB_REF_CHUNK ? hi : c0 + CB_REF_CHUNK;
			/* r[x] is ref[spans[j].ref + c0 - k + x]. */
			const int64_t first = (int64_t)spans[j].ref + c0 - k;

			rc = read(user, (size_t)first, r, (size_t)(c1 - c0 + 2 * k));
			if (rc < 0)
				goto out_free;
			for (int64_t s = -k; s <= k; s++) {
				int64_t cs = 0, es = 0;

				for (int64_t i = c0; i < c1; i++) {
					const int64_t v = r[i - c0 + k + s];

					cs += v * d[i];
					es += v * v;
				}
				cross[s + k] += cs;
				energy[s + k] += es;
			}
		}
	}
	/* Shifts nearest 0 first, so that a tie keeps the smaller one. */
	for (int64_t a = 0; a <= k; a++) {
		for (int sign = 1; sign >= (a ? -1 : 1); sign -= 2) {
			const int64_t s = sign * a;
			double score;

			if (energy[s + k] <= 0)
				continue;
			score = (double)cross[s + k] / sqrt((double)energy[s + k]);
			if (score > best) {
				best = score;
				best_s = (int)s;
			}
		}
	}
	for (size_t j = 0; j < n; j++) {
		struct cb_audio_span x = spans[j];
		int64_t r0 = (int64_t)x.ref + best_s, r1 = r0 + (int64_t)x.len;
		uint64_t len0 = x.len;

		if (r0 < 0) {
			x.deg += (size_t)-r0;
			r0 = 0;
		}
		if (r1 > (int64_t)ref_n)
			r1 = (int64_t)ref_n;
		x.ref = (size_t)r0;
		x.len = r1 > r0 ? (size_t)(r1 - r0) : 0;
		clipped += len0 - x.len;
		if (x.len)
			spans[m++] = x;
	}
	*n_spans = m;
	if (st) {
		st->compared -= clipped;
		st->outside += clipped;
		st->stretches = m;
	}
	if (shift)
		*shift = best_s;
out_free:
	free(cross);
	free(energy);
	free(r);
	return rc;
}
