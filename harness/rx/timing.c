#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rx/timing.h"

/* Decode samples kept for the percentile; at 60 frames per second this is
 * about two seconds, enough for a p95 that follows changes quickly. */
#define DECODE_SAMPLES 128

/* Frame transits whose median anchors the RTP-to-local map: about four
 * seconds at 30 frames per second. */
#define MAP_SAMPLES 128

/* WebRTC clips frame delay samples that lie further than this many standard
 * deviations from the mean, so that one stall does not blow up the estimate. */
#define OUTLIER_STDDEVS 15.0

struct decode_sample {
	cb_ns took, at;
};

struct cb_timing {
	struct cb_timing_cfg cfg;

	/* RTP-to-local map: RTP times are unwrapped to 64 bits around the
	 * newest one seen, and local(ts) = ns(ts − ts0) + offset. */
	int have_map;
	int64_t ts0, ts_last;
	uint32_t ts_last_raw;
	cb_ns offset; /* median transit of the window: local(ts0) */
	cb_ns transit[MAP_SAMPLES];
	unsigned nmap, map_next;

	/* Jitter estimate over frames that arrive in RTP order. */
	int have_prev;
	int64_t prev_ts;
	cb_ns prev_arrival;
	uint64_t samples;
	double mean_ms, var_ms2;

	struct decode_sample dec[DECODE_SAMPLES];
	unsigned ndec, dec_next;
	uint64_t decode_samples;
	cb_ns decode;

	cb_ns current; /* CB_NS_NONE until the first update */
	cb_ns last_update;
};

void cb_timing_cfg_default(struct cb_timing_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_playout_delay = 0;
	cfg->max_playout_delay = 10 * CB_NS_PER_S;
	/* libwebrtc's VCMTiming::kDefaultRenderDelay (modules/video_coding/
	 * timing/timing.h).  It moves the render time and the target, not
	 * the release: release = render − decode − render_delay. */
	cfg->render_delay = 10 * CB_NS_PER_MS;
	cfg->max_change_per_s = 100 * CB_NS_PER_MS;
	cfg->jitter_stddevs = 2.33;
	cfg->jitter_offset = 30 * CB_NS_PER_MS;
	cfg->jitter_window = 400;
	cfg->decode_percentile = 0.95;
	cfg->decode_window = 10 * CB_NS_PER_S;
	cfg->initial_decode = 0;
	cfg->clock_rate = 90000;
}

int cb_timing_open(struct cb_timing **out, const struct cb_timing_cfg *cfg)
{
	struct cb_timing_cfg c;
	struct cb_timing *t;

	if (!out)
		return -EINVAL;
	if (cfg)
		c = *cfg;
	else
		cb_timing_cfg_default(&c);
	if (c.min_playout_delay < 0 || c.max_playout_delay < c.min_playout_delay ||
	    c.render_delay < 0 || c.max_change_per_s < 0 || !(c.jitter_stddevs > 0) ||
	    c.jitter_offset < 0 || c.jitter_window == 0 || !(c.decode_percentile > 0) ||
	    c.decode_percentile > 1 || c.decode_window <= 0 || c.initial_decode < 0 ||
	    c.clock_rate == 0)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = c;
	t->decode = c.initial_decode;
	t->current = CB_NS_NONE;
	t->last_update = CB_NS_NONE;
	*out = t;
	return 0;
}

void cb_timing_close(struct cb_timing *t)
{
	free(t);
}

/* Nanoseconds for a count of RTP ticks, split so that the product cannot
 * overflow for any realistic stream length. */
static cb_ns ticks_ns(const struct cb_timing *t, int64_t ticks)
{
	int64_t r = t->cfg.clock_rate;

	return ticks / r * CB_NS_PER_S + ticks % r * CB_NS_PER_S / r;
}

/* Unwrap a 32-bit RTP time around the newest one seen. */
static int64_t unwrap(const struct cb_timing *t, uint32_t ts)
{
	return t->ts_last + (int32_t)(ts - t->ts_last_raw);
}

static int cmp_ns(const void *a, const void *b)
{
	cb_ns x = *(const cb_ns *)a, y = *(const cb_ns *)b;

	return (x > y) - (x < y);
}

void cb_timing_on_frame(struct cb_timing *t, uint32_t rtp_ts, cb_ns arrival)
{
	int64_t ts;
	cb_ns transit;

	if (!t)
		return;
	if (!t->have_map) {
		t->have_map = 1;
		t->ts0 = t->ts_last = 0;
		t->ts_last_raw = rtp_ts;
		t->offset = arrival;
	}
	ts = unwrap(t, rtp_ts);
	/* The map follows the middle of the arrivals, as WebRTC's
	 * extrapolator fits a line through them: the jitter delay (k·σ) then
	 * covers the spread above the middle.  Anchored at the fastest frame
	 * ever, it would have to cover the whole spread, and under real
	 * jitter most frames would be late.  The (lower) median of a window
	 * rather than a mean: one stalled frame does not move it. */
	transit = arrival - ticks_ns(t, ts - t->ts0);
	t->transit[t->map_next] = transit;
	t->map_next = (t->map_next + 1) % MAP_SAMPLES;
	if (t->nmap < MAP_SAMPLES)
		t->nmap++;
	{
		cb_ns v[MAP_SAMPLES];

		memcpy(v, t->transit, t->nmap * sizeof(v[0]));
		qsort(v, t->nmap, sizeof(v[0]), cmp_ns);
		t->offset = v[(t->nmap - 1) / 2];
	}
	if (ts > t->ts_last) {
		t->ts_last = ts;
		t->ts_last_raw = rtp_ts;
	}

	/* Only frames newer than every earlier one give a delay variation
	 * sample; a reordered frame would count its reordering twice. */
	if (t->have_prev && ts <= t->prev_ts)
		return;
	if (t->have_prev) {
		double d = (double)((arrival - t->prev_arrival) - ticks_ns(t, ts - t->prev_ts)) /
			   (double)CB_NS_PER_MS;
		double sd = sqrt(t->var_ms2), alpha, dev;
		uint64_t n;

		if (t->samples > 0 && fabs(d - t->mean_ms) > OUTLIER_STDDEVS * sd)
			d = t->mean_ms + (d > t->mean_ms ? 1 : -1) * OUTLIER_STDDEVS * sd;
		n = t->samples + 1 < t->cfg.jitter_window ? t->samples + 1 : t->cfg.jitter_window;
		alpha = (double)(n - 1) / (double)n;
		t->mean_ms = alpha * t->mean_ms + (1 - alpha) * d;
		dev = d - t->mean_ms;
		t->var_ms2 = alpha * t->var_ms2 + (1 - alpha) * dev * dev;
		/* WebRTC keeps the noise variance at 1 ms² or more, which also
		 * keeps the outlier clip from closing to nothing. */
		if (t->var_ms2 < 1.0)
			t->var_ms2 = 1.0;
		t->samples++;
	}
	t->have_prev = 1;
	t->prev_ts = ts;
	t->prev_arrival = arrival;
}

int cb_timing_on_decode(struct cb_timing *t, cb_ns decode_time, cb_ns now)
{
	cb_ns v[DECODE_SAMPLES];
	unsigned n = 0;
	size_t k;

	if (!t || decode_time < 0)
		return -EINVAL;
	t->dec[t->dec_next] = (struct decode_sample){decode_time, now};
	t->dec_next = (t->dec_next + 1) % DECODE_SAMPLES;
	if (t->ndec < DECODE_SAMPLES)
		t->ndec++;
	t->decode_samples++;
	for (unsigned i = 0; i < t->ndec; i++)
		if (now - t->dec[i].at <= t->cfg.decode_window)
			v[n++] = t->dec[i].took;
	qsort(v, n, sizeof(v[0]), cmp_ns);
	/* Nearest-rank percentile: the smallest sample with at least that
	 * share of the samples at or below it. */
	k = (size_t)ceil(t->cfg.decode_percentile * n);
	t->decode = v[k ? k - 1 : 0];
	return 0;
}

/*
 * The jitter delay: k·σ − offset, never below 0.  libwebrtc's
 * JitterEstimator (modules/video_coding/timing/jitter_estimator.cc) never
 * goes below kMinJitterEstimate = 1 ms and adds OPERATING_SYSTEM_JITTER =
 * 10 ms to it in GetJitterEstimate(): an allowance for the receiving
 * host's own scheduling, which the harness measures instead (the receive
 * and decode_wait stages), so allowing for it here would count it twice
 * and hold every decodable frame on a clean path (by exactly 1.000 ms
 * with the floor alone).  With 0, a frame whose references are met and
 * that arrives no earlier than the median transit leaves as it arrives,
 * as libwebrtc's own low-latency path does (VCMTiming with
 * UseLowLatencyRendering(): min playout delay 0, max ≤ 500 ms, render
 * time 0: "render as soon as possible").
 */
static cb_ns jitter_ns(const struct cb_timing *t)
{
	double ms = t->cfg.jitter_stddevs * sqrt(t->var_ms2) -
		    (double)t->cfg.jitter_offset / (double)CB_NS_PER_MS;

	if (t->samples == 0 || ms < 0)
		ms = 0;
	if (ms * CB_NS_PER_MS > (double)t->cfg.max_playout_delay)
		return t->cfg.max_playout_delay;
	return (cb_ns)(ms * CB_NS_PER_MS);
}

cb_ns cb_timing_target(const struct cb_timing *t)
{
	cb_ns want;

	if (!t)
		return 0;
	want = jitter_ns(t) + t->decode + t->cfg.render_delay;
	if (want < t->cfg.min_playout_delay)
		want = t->cfg.min_playout_delay;
	if (want > t->cfg.max_playout_delay)
		want = t->cfg.max_playout_delay;
	return want;
}

static cb_ns current(const struct cb_timing *t)
{
	return t->current == CB_NS_NONE ? cb_timing_target(t) : t->current;
}

void cb_timing_update(struct cb_timing *t, cb_ns now)
{
	cb_ns target, step, diff;

	if (!t)
		return;
	target = cb_timing_target(t);
	if (t->current == CB_NS_NONE) {
		/* The first frame starts at the target, as in WebRTC. */
		t->current = target;
		t->last_update = now;
		return;
	}
	if (now <= t->last_update)
		return;
	/* Double arithmetic: the product of two nanosecond counts overflows. */
	step = (cb_ns)((double)t->cfg.max_change_per_s * (double)(now - t->last_update) /
		       (double)CB_NS_PER_S);
	diff = target - t->current;
	if (diff > step)
		diff = step;
	else if (diff < -step)
		diff = -step;
	t->current += diff;
	t->last_update = now;
}

void cb_timing_on_late(struct cb_timing *t, cb_ns late)
{
	cb_ns target;

	if (!t || late <= 0 || t->current == CB_NS_NONE)
		return;
	target = cb_timing_target(t);
	if (t->current >= target)
		return;
	t->current = t->current + late < target ? t->current + late : target;
}

int cb_timing_set_playout_delay(struct cb_timing *t, cb_ns min, cb_ns max)
{
	if (!t || min < 0 || max < min)
		return -EINVAL;
	t->cfg.min_playout_delay = min;
	t->cfg.max_playout_delay = max;
	/* The bounds hold at once; only moves inside them are smoothed. */
	if (t->current != CB_NS_NONE) {
		if (t->current < min)
			t->current = min;
		if (t->current > max)
			t->current = max;
	}
	return 0;
}

cb_ns cb_timing_local_time(const struct cb_timing *t, uint32_t rtp_ts)
{
	if (!t || !t->have_map)
		return CB_NS_NONE;
	return ticks_ns(t, unwrap(t, rtp_ts) - t->ts0) + t->offset;
}

cb_ns cb_timing_render_time(const struct cb_timing *t, uint32_t rtp_ts)
{
	cb_ns local = cb_timing_local_time(t, rtp_ts);

	return local == CB_NS_NONE ? CB_NS_NONE : local + current(t);
}

cb_ns cb_timing_release_time(const struct cb_timing *t, uint32_t rtp_ts)
{
	cb_ns render = cb_timing_render_time(t, rtp_ts);

	return render == CB_NS_NONE ? CB_NS_NONE : render - t->decode - t->cfg.render_delay;
}

void cb_timing_get(const struct cb_timing *t, struct cb_timing_state *st)
{
	if (!t || !st)
		return;
	memset(st, 0, sizeof(*st));
	st->target = cb_timing_target(t);
	st->current = current(t);
	st->jitter = jitter_ns(t);
	st->decode = t->decode;
	st->render_delay = t->cfg.render_delay;
	st->min_playout_delay = t->cfg.min_playout_delay;
	st->max_playout_delay = t->cfg.max_playout_delay;
	st->stddev_ms = sqrt(t->var_ms2);
	st->jitter_samples = t->samples;
	st->decode_samples = t->decode_samples;
}
