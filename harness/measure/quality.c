/*
 * quality.c — PSNR/SSIM (libyuv definitions), freeze detection
 * (webrtc-stats / libwebrtc), the G.107 E-model and a segmental SNR.
 */
#include "measure/quality.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* PSNR                                                                      */
/* ------------------------------------------------------------------------ */

/*
 * A plane of one picture, possibly offset to a first row: the region the
 * metrics run over.
 */
struct plane {
	const uint8_t *p;
	int stride, w, h;
};

/*
 * Sum of squared differences of two planes, exact in 64 bits.  Each row is
 * summed in 32-bit chunks of at most 65536 samples (65536 * 255^2 < 2^32) so
 * the compiler can vectorise the inner loop, as libyuv's SumSquareError
 * kernels do, without any risk of overflow.
 */
static uint64_t plane_sse(const struct plane *a, const struct plane *b)
{
	uint64_t sse = 0;

	for (int y = 0; y < a->h; y++) {
		const uint8_t *pa = a->p + (size_t)y * a->stride;
		const uint8_t *pb = b->p + (size_t)y * b->stride;

		for (int x0 = 0; x0 < a->w; x0 += 65536) {
			int x1 = a->w - x0 < 65536 ? a->w : x0 + 65536;
			uint32_t s = 0;

			for (int x = x0; x < x1; x++) {
				int d = pa[x] - pb[x];
				s += (uint32_t)(d * d);
			}
			sse += s;
		}
	}
	return sse;
}

/* libyuv SumSquareErrorToPsnr: the cap also stands in for "no error at all". */
static double sse_to_psnr(uint64_t sse, uint64_t count)
{
	double psnr;

	if (sse == 0)
		return CB_PSNR_MAX;
	psnr = 10.0 * log10(255.0 * 255.0 * ((double)count / (double)sse));
	return psnr > CB_PSNR_MAX ? CB_PSNR_MAX : psnr;
}

/* ------------------------------------------------------------------------ */
/* SSIM                                                                      */
/* ------------------------------------------------------------------------ */

/*
 * libyuv's constants: (0.01*255)^2 and (0.03*255)^2 times 64^2, rounded, and
 * rescaled for a 64-sample window by (cc * 64 * 64) >> 12 — which leaves them
 * unchanged, but we keep libyuv's expression so the provenance is plain.
 */
static const int64_t ssim_cc1 = 26634;
static const int64_t ssim_cc2 = 239708;

/*
 * Sums over one 4x4 block.  libyuv sums each 8x8 window from scratch; its
 * windows start every 4 samples, so every window is exactly four of these
 * blocks.  Summing blocks once and windows from blocks gives the very same
 * integers with about a quarter of the work.  The largest value,
 * 16 * 255^2, fits easily in 32 bits.
 */
struct block_sums {
	uint32_t a, b, aa, bb, ab;
};

/* Fill `row[0..nbx)` with the sums of the blocks of block row `by`. */
static void block_row(const struct plane *pa, const struct plane *pb, int by, int nbx,
		      struct block_sums *row)
{
	memset(row, 0, (size_t)nbx * sizeof(*row));
	for (int r = 0; r < 4; r++) {
		const uint8_t *a = pa->p + (size_t)(4 * by + r) * pa->stride;
		const uint8_t *b = pb->p + (size_t)(4 * by + r) * pb->stride;

		for (int bx = 0; bx < nbx; bx++) {
			struct block_sums *s = &row[bx];

			for (int k = 0; k < 4; k++) {
				uint32_t va = a[4 * bx + k], vb = b[4 * bx + k];

				s->a += va;
				s->b += vb;
				s->aa += va * va;
				s->bb += vb * vb;
				s->ab += va * vb;
			}
		}
	}
}

/* libyuv Ssim8x8_C's score, from the window's sums. */
static double window_ssim(int64_t sum_a, int64_t sum_b, int64_t sum_sq_a, int64_t sum_sq_b,
			  int64_t sum_axb)
{
	const int64_t count = 64;
	const int64_t c1 = (ssim_cc1 * count * count) >> 12;
	const int64_t c2 = (ssim_cc2 * count * count) >> 12;
	const int64_t sum_a_x_sum_b = sum_a * sum_b;
	const int64_t ssim_n =
	    (2 * sum_a_x_sum_b + c1) * (2 * count * sum_axb - 2 * sum_a_x_sum_b + c2);
	const int64_t sum_a_sq = sum_a * sum_a;
	const int64_t sum_b_sq = sum_b * sum_b;
	const int64_t ssim_d = (sum_a_sq + sum_b_sq + c1) *
			       (count * sum_sq_a - sum_a_sq + count * sum_sq_b - sum_b_sq + c2);

	/*
	 * Both factors of the denominator are at least c1 and c2 (variances
	 * are never negative), so it cannot be zero; libyuv's guard is kept
	 * only to mirror it.
	 */
	if (ssim_d == 0)
		return DBL_MAX;
	return (double)ssim_n / (double)ssim_d;
}

/*
 * libyuv CalcFrameSsim over a plane.  `buf` holds two block rows of
 * `nbx` entries each; the windows of window row i use block rows i and i+1,
 * so each block row is computed once and the two rows alternate.
 */
static double plane_ssim(const struct plane *a, const struct plane *b, struct block_sums *buf)
{
	/* Window origins: 0, 4, ... strictly below w - 8 (and h - 8). */
	int nwx = a->w > 8 ? (a->w - 8 + 3) / 4 : 0;
	int nwy = a->h > 8 ? (a->h - 8 + 3) / 4 : 0;
	int nbx = nwx + 1;
	struct block_sums *top = buf, *bot = buf + nbx, *t;
	double total = 0;

	if (nwx == 0 || nwy == 0)
		return NAN;
	block_row(a, b, 0, nbx, top);
	for (int wy = 0; wy < nwy; wy++) {
		block_row(a, b, wy + 1, nbx, bot);
		for (int wx = 0; wx < nwx; wx++) {
			const struct block_sums *s0 = &top[wx], *s1 = &top[wx + 1];
			const struct block_sums *s2 = &bot[wx], *s3 = &bot[wx + 1];

			total += window_ssim((int64_t)s0->a + s1->a + s2->a + s3->a,
					     (int64_t)s0->b + s1->b + s2->b + s3->b,
					     (int64_t)s0->aa + s1->aa + s2->aa + s3->aa,
					     (int64_t)s0->bb + s1->bb + s2->bb + s3->bb,
					     (int64_t)s0->ab + s1->ab + s2->ab + s3->ab);
		}
		t = top;
		top = bot;
		bot = t;
	}
	return total / ((double)nwx * nwy);
}

/* ------------------------------------------------------------------------ */
/* I420 front end                                                            */
/* ------------------------------------------------------------------------ */

static int image_ok(const struct cb_image *img)
{
	if (!img || img->width <= 0 || img->height <= 0)
		return 0;
	for (int p = 0; p < 3; p++) {
		int w = p ? (img->width + 1) / 2 : img->width;

		if (!img->plane[p] || img->stride[p] < w)
			return 0;
	}
	return 1;
}

/* The region of plane `p` of `img` from luma row `row0` (even) down. */
static struct plane region(const struct cb_image *img, int p, int row0)
{
	struct plane r;
	int skip = p ? row0 / 2 : row0;

	r.w = p ? (img->width + 1) / 2 : img->width;
	r.h = (p ? (img->height + 1) / 2 : img->height) - skip;
	r.stride = img->stride[p];
	r.p = img->plane[p] + (size_t)skip * (size_t)r.stride;
	return r;
}

int cb_quality_i420_from_row(const struct cb_image *ref, const struct cb_image *img, int first_row,
			     struct cb_quality *q)
{
	struct plane pa[3], pb[3];
	uint64_t sse[3], samples[3];
	double ssim[3];
	struct block_sums *buf;
	int row0;

	if (!q || !image_ok(ref) || !image_ok(img) || ref->width != img->width ||
	    ref->height != img->height || first_row < 0 || first_row >= ref->height)
		return -EINVAL;
	/* Round up to even so the region is a whole I420 picture. */
	row0 = first_row + (first_row & 1);
	if (row0 >= ref->height)
		return -EINVAL;

	/* Room for two block rows of the widest plane, Y. */
	buf = malloc(2 * (size_t)(ref->width / 4 + 2) * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	for (int p = 0; p < 3; p++) {
		pa[p] = region(ref, p, row0);
		pb[p] = region(img, p, row0);
		sse[p] = plane_sse(&pa[p], &pb[p]);
		samples[p] = (uint64_t)pa[p].w * (uint64_t)pa[p].h;
		ssim[p] = plane_ssim(&pa[p], &pb[p], buf);
	}
	free(buf);

	q->psnr_y = sse_to_psnr(sse[0], samples[0]);
	q->psnr_u = sse_to_psnr(sse[1], samples[1]);
	q->psnr_v = sse_to_psnr(sse[2], samples[2]);
	/* libyuv I420Psnr: one figure from all samples' errors together. */
	q->psnr = sse_to_psnr(sse[0] + sse[1] + sse[2], samples[0] + samples[1] + samples[2]);
	q->ssim_y = ssim[0];
	q->ssim_u = ssim[1];
	q->ssim_v = ssim[2];
	/* libyuv I420Ssim's fixed weights. */
	q->ssim = 0.8 * ssim[0] + 0.1 * (ssim[1] + ssim[2]);
	return 0;
}

int cb_quality_i420(const struct cb_image *ref, const struct cb_image *img, struct cb_quality *q)
{
	return cb_quality_i420_from_row(ref, img, 0, q);
}

/* ------------------------------------------------------------------------ */
/* Freezes and pauses                                                        */
/* ------------------------------------------------------------------------ */

void cb_freeze_init(struct cb_freeze *d)
{
	if (!d)
		return;
	memset(d, 0, sizeof(*d));
	d->first = CB_NS_NONE;
	d->last = CB_NS_NONE;
}

int cb_freeze_frame(struct cb_freeze *d, cb_ns render_time)
{
	int event = CB_FREEZE_NONE;
	cb_ns gap, avg, threshold;
	double gap_s;

	if (!d || render_time == CB_NS_NONE || (d->frames_rendered > 0 && render_time < d->last))
		return -EINVAL;
	if (d->frames_rendered == 0) {
		d->first = d->last = render_time;
		d->frames_rendered = 1;
		return CB_FREEZE_NONE;
	}

	gap = render_time - d->last;
	gap_s = (double)gap / (double)CB_NS_PER_S;
	/* The harmonic frame rate counts every gap, freezes and pauses alike. */
	d->sum_sq_delay_s += gap_s * gap_s;

	if (gap > CB_PAUSE_MIN_NS) {
		/*
		 * A pause says nothing about playback smoothness: like
		 * libwebrtc, keep it out of the moving average and never call
		 * it a freeze.
		 */
		d->pause_count++;
		d->total_pauses += gap;
		event = CB_PAUSE_ENDED;
	} else {
		/*
		 * libwebrtc adds the delay to its window before averaging, so
		 * the gap under test raises its own threshold a little; we do
		 * the same so our counts match Chrome's freezeCount.
		 */
		if (d->win_n == CB_FREEZE_WINDOW)
			d->win_sum -= d->win[d->win_pos];
		else
			d->win_n++;
		d->win[d->win_pos] = gap;
		d->win_sum += gap;
		d->win_pos = (d->win_pos + 1) % CB_FREEZE_WINDOW;

		if (d->win_n >= CB_FREEZE_MIN_SAMPLES) {
			avg = d->win_sum / d->win_n;
			threshold = 3 * avg > avg + CB_FREEZE_MIN_INCREASE_NS
					? 3 * avg
					: avg + CB_FREEZE_MIN_INCREASE_NS;
			if (gap >= threshold) {
				d->freeze_count++;
				d->total_freezes += gap;
				event = CB_FREEZE_ENDED;
			}
		}
	}
	d->last = render_time;
	d->frames_rendered++;
	return event;
}

double cb_freeze_harmonic_fps(const struct cb_freeze *d)
{
	double span_s;

	if (!d || d->frames_rendered < 2 || d->sum_sq_delay_s <= 0)
		return NAN;
	/* The sum of all inter-frame delays is just the rendered span. */
	span_s = (double)(d->last - d->first) / (double)CB_NS_PER_S;
	return span_s / d->sum_sq_delay_s;
}

/* ------------------------------------------------------------------------ */
/* E-model                                                                   */
/* ------------------------------------------------------------------------ */

/* G.107's R with every parameter at its default: Ro - Is (and default echo). */
#define EMODEL_R_DEFAULT 93.2

static const char *const emodel_band_names[] = {
    "best", "high", "medium", "low", "poor", "not recommended",
};

void cb_emodel_defaults_opus(struct cb_emodel_in *in)
{
	if (!in)
		return;
	in->delay_ms = 0;
	in->loss_pct = 0;
	in->burst_r = 1;
	in->ie = 0;
	in->bpl = 25.1;
	in->a = 0;
}

double cb_emodel_burst_r(double loss_pct, double mean_burst_len)
{
	if (isnan(loss_pct) || isnan(mean_burst_len) || loss_pct < 0 || loss_pct >= 100 ||
	    mean_burst_len < 1)
		return NAN;
	if (loss_pct == 0)
		return 1;
	return (1 - loss_pct / 100) * mean_burst_len;
}

double cb_emodel_mos(double r)
{
	if (isnan(r))
		return NAN;
	if (r <= 0)
		return 1;
	if (r >= 100)
		return 4.5;
	return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

int cb_emodel(const struct cb_emodel_in *in, struct cb_emodel_out *out)
{
	double d, id, ie_eff, r;
	enum cb_emodel_band band;

	/* The negated comparisons also reject NaN. */
	if (!in || !out || !(in->delay_ms >= 0) || !isfinite(in->delay_ms) ||
	    !(in->loss_pct >= 0 && in->loss_pct <= 100) || !(in->burst_r > 0) ||
	    !isfinite(in->burst_r) || !(in->ie >= 0 && in->ie <= 95) || !(in->bpl > 0) ||
	    !isfinite(in->bpl) || !isfinite(in->a))
		return -EINVAL;

	d = in->delay_ms;
	id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
	ie_eff = in->ie + (95 - in->ie) * in->loss_pct / (in->loss_pct / in->burst_r + in->bpl);
	r = EMODEL_R_DEFAULT - id - ie_eff + in->a;

	if (r >= 90)
		band = CB_EMODEL_BEST;
	else if (r >= 80)
		band = CB_EMODEL_HIGH;
	else if (r >= 70)
		band = CB_EMODEL_MEDIUM;
	else if (r >= 60)
		band = CB_EMODEL_LOW;
	else if (r >= 50)
		band = CB_EMODEL_POOR;
	else
		band = CB_EMODEL_NOT_RECOMMENDED;

	out->r = r;
	out->mos = cb_emodel_mos(r);
	out->id = id;
	out->ie_eff = ie_eff;
	out->band = band;
	out->band_name = emodel_band_names[band];
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Audio                                                                     */
/* ------------------------------------------------------------------------ */

static double snr_db(double signal, double noise, double lo, double hi)
{
	double s;

	if (noise <= 0)
		return hi;
	s = 10 * log10(signal / noise);
	return s < lo ? lo : s > hi ? hi : s;
}

int cb_ref_read_array(void *user, size_t first, int16_t *out, size_t n)
{
	memcpy(out, (const int16_t *)user + first, n * sizeof(*out));
	return 0;
}

int cb_audio_quality_spans(const int16_t *ref, size_t ref_n, const int16_t *deg, size_t deg_n,
			   const struct cb_audio_span *spans, size_t n_spans, int sample_rate,
			   struct cb_audio_quality *out)
{
	if (!ref)
		return -EINVAL;
	return cb_audio_quality_spans_read(cb_ref_read_array, (void *)ref, ref_n, deg, deg_n, spans,
					   n_spans, sample_rate, out);
}

/*
 * Every sum runs in the order of the spans and of the samples in them, as
 * one pass over whole arrays would: the reference comes in chunks of whole
 * segments (so a segment never straddles two), and the two passes the
 * correlation needs read it twice.
 */
int cb_audio_quality_spans_read(cb_ref_reader read, void *user, size_t ref_n, const int16_t *deg,
				size_t deg_n, const struct cb_audio_span *spans, size_t n_spans,
				int sample_rate, struct cb_audio_quality *out)
{
	size_t seg_len, chunk, used = 0, skipped = 0;
	uint64_t n = 0;
	double seg_sum = 0, sig = 0, err = 0;
	double mr = 0, md = 0, cov = 0, vr = 0, vd = 0;
	/* Mean square of a -50 dBFS signal, relative to full scale 32768. */
	const double silence = 32768.0 * 32768.0 * pow(10, CB_AUDIO_SILENCE_DBFS / 10);
	int16_t *r = NULL;
	int rc = 0;

	if (!read || !deg || !spans || !out || sample_rate <= 0)
		return -EINVAL;
	seg_len = (size_t)sample_rate * CB_AUDIO_SEGMENT_MS / 1000;
	if (seg_len == 0)
		return -EINVAL;
	for (size_t k = 0; k < n_spans; k++) {
		const struct cb_audio_span *sp = &spans[k];

		if (sp->ref > ref_n || sp->len > ref_n - sp->ref || sp->deg > deg_n ||
		    sp->len > deg_n - sp->deg)
			return -EINVAL;
		n += sp->len;
	}
	if (n == 0)
		return -EINVAL;
	chunk = CB_REF_CHUNK / seg_len * seg_len;
	if (chunk == 0)
		chunk = seg_len;
	r = malloc(chunk * sizeof(*r));
	if (!r)
		return -ENOMEM;

	/* Segments lie within one span: a segment never joins two stretches
	 * of the call that were not played next to each other.  The pooled
	 * sums come in the same pass. */
	for (size_t k = 0; k < n_spans; k++) {
		const int16_t *d0 = deg + spans[k].deg;

		for (size_t c0 = 0; c0 < spans[k].len; c0 += chunk) {
			const size_t cn = spans[k].len - c0 < chunk ? spans[k].len - c0 : chunk;
			const int16_t *d = d0 + c0;

			rc = read(user, spans[k].ref + c0, r, cn);
			if (rc < 0)
				goto out_free;
			for (size_t s0 = 0; s0 + seg_len <= cn; s0 += seg_len) {
				double ss = 0, se = 0;

				for (size_t i = s0; i < s0 + seg_len; i++) {
					double e = (double)d[i] - r[i];

					ss += (double)r[i] * r[i];
					se += e * e;
				}
				if (ss / (double)seg_len < silence) {
					skipped++;
					continue;
				}
				seg_sum +=
				    snr_db(ss, se, CB_AUDIO_SEG_SNR_MIN, CB_AUDIO_SEG_SNR_MAX);
				used++;
			}
			/*
			 * Two passes (means first, then centred sums) keep the
			 * correlation accurate even for signals with a large DC
			 * offset, where the one-pass formula would cancel
			 * catastrophically.
			 */
			for (size_t i = 0; i < cn; i++) {
				double a = r[i], b = d[i];

				sig += a * a;
				err += (b - a) * (b - a);
				mr += a;
				md += b;
			}
		}
	}
	mr /= (double)n;
	md /= (double)n;
	for (size_t k = 0; k < n_spans; k++) {
		const int16_t *d0 = deg + spans[k].deg;

		for (size_t c0 = 0; c0 < spans[k].len; c0 += chunk) {
			const size_t cn = spans[k].len - c0 < chunk ? spans[k].len - c0 : chunk;
			const int16_t *d = d0 + c0;

			rc = read(user, spans[k].ref + c0, r, cn);
			if (rc < 0)
				goto out_free;
			for (size_t i = 0; i < cn; i++) {
				double a = r[i] - mr, b = d[i] - md;

				cov += a * b;
				vr += a * a;
				vd += b * b;
			}
		}
	}

	out->seg_snr_db = used ? seg_sum / (double)used : NAN;
	out->snr_db = sig > 0 ? snr_db(sig, err, -HUGE_VAL, CB_AUDIO_SNR_MAX) : NAN;
	out->correlation = vr > 0 && vd > 0 ? cov / sqrt(vr * vd) : NAN;
	out->segments = used;
	out->segments_skipped = skipped;
out_free:
	free(r);
	return rc;
}

int cb_audio_quality(const int16_t *ref, const int16_t *deg, size_t n, int sample_rate,
		     struct cb_audio_quality *out)
{
	const struct cb_audio_span whole = {.ref = 0, .deg = 0, .len = n};

	if (n == 0)
		return -EINVAL;
	return cb_audio_quality_spans(ref, n, deg, n, &whole, 1, sample_rate, out);
}
