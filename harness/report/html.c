/*
 * report.html for a run and for a sweep: one self-contained file a person
 * opens in a browser.  Everything is inline (CSS, the gnuplot SVGs, the
 * stage bars), nothing is fetched, so the file can be mailed or attached to
 * a CI job as it is.  Order follows what a reader asks first: was the call
 * good (verdict), how late (latency), where did the time go (stages), how
 * did it look and sound (quality), what did the network do (recovery).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "report/gate.h"
#include "report/report.h"
#include "report/series.h"
#include "report/sweep.h"

const char *cb_report_band_color(const char *band)
{
	static const struct {
		const char *band, *color;
	} colors[] = {
	    {"excellent", "#2e7d32"}, {"good", "#7cb342"},     {"acceptable", "#f9a825"},
	    {"poor", "#ef6c00"},      {"unusable", "#c62828"},
	};

	for (size_t i = 0; band && i < sizeof(colors) / sizeof(colors[0]); i++)
		if (!strcmp(band, colors[i].band))
			return colors[i].color;
	return "#757575";
}

/*
 * Text into HTML or XML (element content or a quoted attribute): the five
 * specials escaped.  Here rather than in compare.c because the HTML report
 * is its main user; the JUnit writer asks for the stricter XML mode.
 */
void cb_xml_escape(FILE *f, enum cb_escape_mode mode, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs(mode == CB_ESC_XML ? "&apos;" : "&#39;", f);
			break;
		default:
			/* XML 1.0 allows no control characters but tab, newline
			 * and CR, and an attribute would fold those anyway. */
			if (mode == CB_ESC_XML && (unsigned char)*s < 0x20 && *s != '\t')
				fputc(' ', f);
			else
				fputc(*s, f);
		}
	}
}

static void esc(FILE *f, const char *s)
{
	cb_xml_escape(f, CB_ESC_HTML, s);
}

static void num_td(FILE *f, double x, int decimals)
{
	if (isfinite(x))
		fprintf(f, "<td class=n>%.*f</td>", decimals, x);
	else
		fputs("<td class=n>–</td>", f);
}

static const char css[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1180px;padding:1em 1.5em;"
    "color:#212121;background:#fafafa}"
    "h1{font-size:1.5em;margin:.3em 0}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;"
    "margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.6em 0;background:#fff}"
    "td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "th{background:#eceff1}"
    ".badge{display:inline-block;color:#fff;border-radius:.4em;padding:.15em .6em;"
    "font-weight:600}"
    ".verdict{display:flex;gap:1.2em;align-items:center;margin:1em 0}"
    ".big{font-size:2.2em;padding:.35em .9em;border-radius:.3em;color:#fff;font-weight:700;"
    "text-transform:uppercase;letter-spacing:.04em}"
    ".warn{background:#fff3e0;border-left:.4em solid #ef6c00;padding:.6em 1em;margin:1em 0}"
    ".plot svg{width:100%;height:auto;background:#fff;border:1px solid #ddd}"
    ".muted{color:#757575}.legend span{display:inline-block;margin-right:1em}"
    ".sw{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-right:.3em}"
    "td.band{color:#fff;font-weight:600;text-align:center}td.band a{color:#fff}";

static void page_head(FILE *f, const char *kind, const char *id)
{
	fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
	      "<meta name=viewport "
	      "content=\"width=device-width,initial-scale=1\">\n<title>callbench ",
	      f);
	fputs(kind, f);
	fputc(' ', f);
	esc(f, id);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n", css);
}

/*
 * Inline one SVG the plot writer made: the XML prolog goes (it is not
 * allowed inside HTML) and so do the root's xmlns attributes, which HTML
 * implies for an inline <svg> and which are the only URLs gnuplot writes.
 * Text inside is already escaped by gnuplot.  A missing file is skipped:
 * without gnuplot the report has tables only.
 */
static int embed_svg(FILE *f, const char *dir, const char *name, const char *caption)
{
	char path[PATH_MAX], *text = NULL, *p = NULL, *end = NULL, chunk[65536];
	size_t len = 0, got;
	FILE *in;

	if (cb_path_join(path, sizeof(path), dir, name))
		return 0;
	in = fopen(path, "rb");
	if (!in)
		return 0;
	/* Only the head up to the root tag's end is held (gnuplot writes it in
	 * the first few hundred bytes); the body, which grows with the call,
	 * is copied through. */
	while (!end && (got = fread(chunk, 1, sizeof(chunk), in)) > 0) {
		char *t = realloc(text, len + got + 1);

		if (!t)
			break;
		text = t;
		memcpy(text + len, chunk, got);
		len += got;
		text[len] = 0;
		p = strstr(text, "<svg");
		end = p ? strchr(p, '>') : NULL;
	}
	if (!p || !end || ferror(in)) {
		free(text);
		fclose(in);
		return 0;
	}
	fputs("<figure class=plot>", f);
	/* The root tag, attribute by attribute (gnuplot puts one per line). */
	fputs("<svg", f);
	for (char *a = p + 4; a < end;) {
		char *next;

		while (a < end && (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r'))
			a++;
		if (a >= end)
			break;
		next = a;
		/* An attribute is name="value" (or '...'): find its closing quote. */
		while (next < end && *next != '=' && *next != ' ' && *next != '\n')
			next++;
		if (next < end && *next == '=' && (next[1] == '"' || next[1] == '\'')) {
			char *q = strchr(next + 2, next[1]);

			next = q && q < end ? q + 1 : end;
		}
		if (strncmp(a, "xmlns", 5) != 0)
			fprintf(f, " %.*s", (int)(next - a), a);
		a = next;
	}
	fputs(end, f);
	while ((got = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, got, f);
	fclose(in);
	fputs("<figcaption class=muted>", f);
	esc(f, caption);
	fputs("</figcaption></figure>\n", f);
	free(text);
	return 1;
}

/* A plot of the run: inlined when the report writer made it, a visible
 * note when gnuplot failed on it, nothing when it had no data. */
static void plot_svg(FILE *f, const struct cb_run_result *res, const char *dir, const char *plot,
		     const char *caption)
{
	char name[64];

	if (cb_report_plot_made(res, plot)) {
		snprintf(name, sizeof(name), "%s.svg", plot);
		embed_svg(f, dir, name, caption);
	} else if (cb_report_plot_failed(res, plot)) {
		fprintf(f,
			"<p class=warn>Plot missing: %s (%s). gnuplot failed on it or left it cut "
			"short; see plots.log. Its data is in the folder's .dat files.</p>\n",
			plot, caption);
	}
}

/* ---- run report ---- */

static void badge(FILE *f, enum cb_band b)
{
	fprintf(f, "<span class=badge style=\"background:%s\">%s</span>",
		cb_report_band_color(cb_band_name(b)), cb_band_name(b));
}

static void run_verdict(FILE *f, const struct cb_run_result *res)
{
	const struct cb_media_result *w = cb_run_worst_media(res),
				     *ms[2] = {&res->video, &res->audio};
	enum cb_band b = w ? w->verdict : CB_BAND_NONE;

	fprintf(f, "<div class=verdict><div class=big style=\"background:%s\">%s</div><div>",
		cb_report_band_color(cb_band_name(b)), cb_band_name(b));
	fprintf(f, "<div style=\"font-size:1.3em\"><b>%s</b></div>", cb_band_feel(b));
	if (w && w->verdict != CB_BAND_NONE)
		fprintf(f, "<div>decided by %s</div>", cb_media_name(w->media));
	else
		fputs("<div>nothing was measured</div>", f);
	for (int i = 0; i < 2; i++) {
		char why[256];

		if (!ms[i]->enabled)
			continue;
		cb_verdict_explain(ms[i], res->cfg.verdict_pct, why, sizeof(why));
		fprintf(f, "<div>%s: ", cb_media_name(ms[i]->media));
		badge(f, ms[i]->verdict);
		fputc(' ', f);
		esc(f, why);
		fputs("</div>", f);
	}
	fputs("<div class=muted>", f);
	esc(f, cb_verdict_rule);
	fputs("</div></div></div>\n", f);
	for (int i = 0; i < 2; i++)
		if (ms[i]->enabled && ms[i]->target_missed)
			fprintf(f,
				"<div class=warn><b>%s target bitrate missed</b>: %.1f kbps "
				"achieved against %.0f kbps asked (%+.1f %%)</div>\n",
				cb_media_name(ms[i]->media), ms[i]->achieved_kbps,
				ms[i]->target_kbps, ms[i]->rate_miss_pct);
	if (res->gates && res->gates->n) {
		fprintf(f, "<div class=%s><b>Limits %s</b> — %zu of %zu breached<ul>",
			res->gates->breached ? "warn" : "muted",
			res->gates->breached ? "FAILED" : "passed", res->gates->breached,
			res->gates->n);
		for (size_t i = 0; i < res->gates->n; i++) {
			fputs(res->gates->v[i].pass ? "<li>" : "<li><b>", f);
			esc(f, res->gates->v[i].text);
			fputs(res->gates->v[i].pass ? "</li>" : "</b></li>", f);
		}
		fputs("</ul></div>\n", f);
	}
}

static void dist_tr(FILE *f, const char *label, const struct cb_dist *d, int decimals)
{
	fputs("<tr><th>", f);
	esc(f, label);
	fprintf(f, "</th><td class=n>%zu</td>", d->n);
	num_td(f, d->min, decimals);
	num_td(f, d->mean, decimals);
	num_td(f, d->p50, decimals);
	num_td(f, d->p90, decimals);
	num_td(f, d->p95, decimals);
	num_td(f, d->p99, decimals);
	num_td(f, d->max, decimals);
	fputs("</tr>\n", f);
}

static const char dist_head[] = "<tr><th></th><th class=n>n</th><th class=n>min</th><th "
				"class=n>mean</th><th class=n>p50</th><th class=n>p90</th><th "
				"class=n>p95</th><th class=n>p99</th><th class=n>max</th></tr>\n";

static void run_latency(FILE *f, const struct cb_run_result *res, const char *dir)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio};

	fputs(
	    "<h2>Latency</h2>\n<p>One-way, end to end, measured from the decoded content (ms).</p>"
	    "<table>",
	    f);
	fputs(dist_head, f);
	for (int i = 0; i < 2; i++)
		if (ms[i]->enabled)
			dist_tr(f, cb_media_name(ms[i]->media), &ms[i]->e2e, 1);
	fputs("</table>\n", f);
	fputs("<h3>What the viewer saw, what the listener heard</h3>\n<p>Video: the age of the "
	      "picture on screen (display instant − capture time of the picture shown) at every "
	      "frame's display instant from the first picture on (a frame that never came is due "
	      "at its capture time plus the last shown frame's delay), so a frozen screen keeps "
	      "ageing. Audio: "
	      "the age of every played fresh sample; concealment counts as concealment, not as "
	      "samples (ms).</p><table>",
	      f);
	fputs(dist_head, f);
	for (int i = 0; i < 2; i++)
		if (ms[i]->enabled)
			dist_tr(f,
				ms[i]->media == CB_MEDIA_VIDEO ? "video on screen" : "audio heard",
				&ms[i]->seen.age, 1);
	fputs("</table>\n", f);
	for (int i = 0; i < 2; i++)
		if (ms[i]->enabled)
			fprintf(f, "<p class=muted>%s: %llu of %llu captured frames never %s%s",
				cb_media_name(ms[i]->media), (unsigned long long)ms[i]->seen.unseen,
				(unsigned long long)ms[i]->seen.frames,
				ms[i]->media == CB_MEDIA_VIDEO ? "shown" : "heard",
				ms[i]->media == CB_MEDIA_VIDEO ? ".</p>\n" : "");
	if (res->audio.enabled) {
		if (isfinite(res->audio.seen.concealed_pct))
			fprintf(f, "; concealment %.1f %% of the play time",
				res->audio.seen.concealed_pct);
		fprintf(f, "; shrinking cut %llu samples and removed %llu frames.</p>\n",
			(unsigned long long)res->audio.playout.cut_samples,
			(unsigned long long)res->audio.playout.removed_frames);
	}
	plot_svg(f, res, dir, "age", "Age of what was on screen and heard, over time");
	if (res->audio.enabled && isfinite(res->audio.algo_ms))
		fprintf(f,
			"<p class=muted>Audio includes %.1f ms of Opus framing and look-ahead "
			"(median).</p>\n",
			res->audio.algo_ms);
	plot_svg(f, res, dir, "latency", "End-to-end latency over time, with the band limits");
	plot_svg(f, res, dir, "cdf", "Latency CDF");
	if (res->video.frames.n > CB_SERIES_MAX_POINTS ||
	    res->audio.frames.n > CB_SERIES_MAX_POINTS)
		fprintf(f,
			"<p class=muted>Each curve is drawn from at most %d points: past that, "
			"from the lowest and the highest of each run of consecutive points, so "
			"that every spike and dip is on the chart. <a "
			"href=\"frames.csv\">frames.csv</a> "
			"has every frame.</p>\n",
			CB_SERIES_MAX_POINTS);
}

/* Twelve distinguishable colours, one per stage, in chain order. */
static const char *const stage_colors[] = {"#90a4ae", "#1e88e5", "#43a047", "#8e24aa",
					   "#fb8c00", "#e53935", "#6d4c41", "#00acc1",
					   "#fdd835", "#3949ab", "#d81b60", "#7cb342"};

/*
 * One horizontal bar per media, each stage's mean as a segment in
 * proportion to the sum of the means, so the bar is the mean of the chain
 * (the stages telescope to end-to-end).
 */
static void stage_bar(FILE *f, const struct cb_media_result *m)
{
	double total = 0, x = 0, w = 1000;

	for (int s = 0; s < CB_SG_COUNT; s++)
		if (isfinite(m->stage[s].mean) && m->stage[s].mean > 0)
			total += m->stage[s].mean;
	fprintf(f,
		"<p><b>%s</b> — stage means add up to %.1f ms, over the %llu frames identified "
		"as themselves with every stamp",
		cb_media_name(m->media), total, (unsigned long long)m->stage_frames);
	if (isfinite(m->stage_total_ms))
		fprintf(f, " (their mean identified − captured: %.1f ms)", m->stage_total_ms);
	fputs("</p>\n", f);
	if (total <= 0) {
		fputs("<p class=muted>no stage was measured</p>\n", f);
		return;
	}
	fprintf(f, "<svg viewBox=\"0 0 %.0f 34\" width=\"100%%\" role=img>", w);
	for (int s = 0; s < CB_SG_COUNT; s++) {
		double v = m->stage[s].mean, sw;

		if (!isfinite(v) || v <= 0)
			continue;
		sw = w * v / total;
		fprintf(f,
			"<rect x=\"%.2f\" y=\"2\" width=\"%.2f\" height=\"30\" fill=\"%s\">"
			"<title>%s: %.2f ms (%.1f %%)</title></rect>",
			x, sw, stage_colors[s % 12], cb_stage_name((enum cb_stage)s), v,
			100 * v / total);
		if (sw > 60)
			fprintf(f,
				"<text x=\"%.2f\" y=\"22\" font-size=\"12\" fill=\"#fff\" "
				"text-anchor=\"middle\">%s</text>",
				x + sw / 2, cb_stage_name((enum cb_stage)s));
		x += sw;
	}
	fputs("</svg>\n<div class=legend>", f);
	for (int s = 0; s < CB_SG_COUNT; s++)
		if (isfinite(m->stage[s].mean) && m->stage[s].mean > 0)
			fprintf(f,
				"<span><i class=sw style=\"background:%s\"></i>%s %.2f ms</span>",
				stage_colors[s % 12], cb_stage_name((enum cb_stage)s),
				m->stage[s].mean);
	fputs("</div>\n", f);
}

static void run_stages(FILE *f, const struct cb_run_result *res)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio};

	fputs("<h2>Stage breakdown</h2>\n", f);
	for (int i = 0; i < 2; i++)
		if (ms[i]->enabled)
			stage_bar(f, ms[i]);
	fputs("<table><tr><th>stage</th>", f);
	for (int i = 0; i < 2; i++)
		if (ms[i]->enabled)
			fprintf(f,
				"<th class=n>%s p50</th><th class=n>%s p95</th><th class=n>%s "
				"mean</th>",
				cb_media_name(ms[i]->media), cb_media_name(ms[i]->media),
				cb_media_name(ms[i]->media));
	fputs("</tr>\n", f);
	for (int s = 0; s < CB_SG_COUNT; s++) {
		fprintf(f, "<tr><th>%s</th>", cb_stage_name((enum cb_stage)s));
		for (int i = 0; i < 2; i++) {
			if (!ms[i]->enabled)
				continue;
			num_td(f, ms[i]->stage[s].p50, 2);
			num_td(f, ms[i]->stage[s].p95, 2);
			num_td(f, ms[i]->stage[s].mean, 2);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void run_quality(FILE *f, const struct cb_run_result *res, const char *dir)
{
	const struct cb_media_result *v = &res->video, *a = &res->audio;

	fputs("<h2>Quality</h2>\n", f);
	if (v->enabled) {
		fprintf(f,
			"<p><b>video</b> (%s): identified %" PRIu64 " of %" PRIu64
			" frames captured; achieved %.1f of %.0f kbps.</p><table>",
			v->codec, v->identified, v->captured, v->achieved_kbps, v->target_kbps);
		fputs(dist_head, f);
		dist_tr(f, "PSNR (dB)", &v->psnr, 2);
		dist_tr(f, "SSIM", &v->ssim, 4);
		fputs("</table>\n", f);
		fprintf(f,
			"<p>Freezes %u (%.0f ms), pauses %u; harmonic frame rate %.1f fps; "
			"frames lost: encoder %" PRIu64 ", network %" PRIu64
			", jitter buffer %" PRIu64 ", decoder %" PRIu64 ".</p>\n",
			v->freeze_count, v->freeze_total_ms, v->pause_count, v->harmonic_fps,
			v->dropped_encoder, v->dropped_network, v->dropped_jitter_buffer,
			v->dropped_decoder);
		plot_svg(f, res, dir, "psnr", "Video PSNR per identified picture");
	}
	if (a->enabled)
		fprintf(f,
			"<p><b>audio</b> (%s): marks identified %" PRIu64 " of %" PRIu64
			"; segmental SNR %.1f dB, correlation %.3f (not PESQ/POLQA); FEC rebuilt "
			"%" PRIu64 " frames, %" PRIu64 " concealed in %" PRIu64
			" events; E-model R %.1f, MOS %.2f (",
			a->codec, a->marks_identified, a->marks_sent, a->audio_seg_snr_db,
			a->audio_correlation, a->fec_frames, a->concealed_frames,
			a->concealment_events, a->emodel_r, a->emodel_mos);
	if (a->enabled) {
		esc(f, a->emodel_band);
		fputs(").</p>\n", f);
	}
}

static void run_network(FILE *f, const struct cb_run_result *res, const char *dir)
{
	const struct cb_media_result *ms[2] = {&res->video, &res->audio};
	const struct cb_recovery *r = &res->recovery;
	char net[256];

	cb_impair_describe(&res->cfg.net, net, sizeof(net));
	fputs("<h2>Network and recovery</h2>\n<p>Network: <b>", f);
	esc(f, res->cfg.net.name[0] ? res->cfg.net.name : "custom");
	fputs("</b> — ", f);
	esc(f, net);
	cb_net_added_describe(&res->net_added, net, sizeof(net));
	fputs("<br>Delay added: ", f);
	esc(f, net);
	fputs("</p>\n<table><tr><th>media</th><th class=n>packets sent</th><th class=n>received"
	      "</th><th class=n>lost</th><th class=n>network loss</th><th class=n>queue drops"
	      "</th><th class=n>rejected</th><th class=n>jitter buffer delay ms</th></tr>\n",
	      f);
	for (int i = 0; i < 2; i++) {
		const struct cb_media_result *m = ms[i];

		if (!m->enabled)
			continue;
		fprintf(f,
			"<tr><th>%s</th><td class=n>%" PRIu64 "</td><td class=n>%" PRIu64
			"</td><td class=n>%" PRIu64 "</td><td class=n>%" PRIu64
			"</td><td class=n>%" PRIu64 "</td><td class=n>%" PRIu64 "</td>",
			cb_media_name(m->media), m->packets_sent, m->packets_received,
			m->packets_lost, m->net_dropped_loss, m->net_dropped_queue,
			m->packets_rejected);
		num_td(f, m->jb_delay_mean_ms, 2);
		fputs("</tr>\n", f);
	}
	fprintf(f,
		"</table>\n<p>NACK/RTX %s: %" PRIu64 " packets missing, %" PRIu64
		" asked for, %" PRIu64 " recovered (%" PRIu64 " late), %" PRIu64
		" never; RTX sent %" PRIu64 ". PLI sent %" PRIu64 ", key frames on request %" PRIu64
		". RTCP sent %" PRIu64 ", rejected %" PRIu64 ".</p>\n",
		r->nack_enabled ? "on" : "off", r->packets_missing, r->nack_requested, r->recovered,
		r->recovered_late, r->never_recovered, r->rtx_sent, r->pli_sent,
		r->keyframes_on_request, r->rtcp_sent, r->rtcp_rejected);
	fputs("<table>", f);
	fputs(dist_head, f);
	dist_tr(f, "NACK recovery (ms)", &r->recovery_ms, 1);
	dist_tr(f, "decoder broken → key frame (ms)", &r->keyframe_wait_ms, 1);
	fputs("</table>\n", f);
	plot_svg(f, res, dir, "rtcp", "RTT and fraction lost from the RTCP receiver reports");
	plot_svg(f, res, dir, "jitter_buffer", "Time in the jitter buffer per frame");
}

static void kv(FILE *f, const char *k, const char *v)
{
	fprintf(f, "<tr><th>%s</th><td>", k);
	esc(f, v);
	fputs("</td></tr>\n", f);
}

static void run_settings(FILE *f, const struct cb_run_result *res)
{
	const struct cb_call_cfg *c = &res->cfg;
	char b[320];

	fputs("<h2>Settings</h2>\n<table>", f);
	snprintf(b, sizeof(b), "%s %dx%d@%d, %d kbps, keyint %d, speed %d",
		 c->video ? c->video_codec : "off", c->width, c->height, c->fps, c->video_kbps,
		 c->keyint, c->speed);
	kv(f, "video", b);
	snprintf(b, sizeof(b), "%s %d kbps, %d ms frames, complexity %d",
		 c->audio ? c->audio_codec : "off", c->audio_kbps, c->audio_frame_ms,
		 c->opus_complexity);
	kv(f, "audio", b);
	snprintf(b, sizeof(b), "%.1f s asked, %.2f s captured, %.2f s wall", c->duration_s,
		 res->media_s, res->wall_s);
	kv(f, "duration", b);
	kv(f, "clock",
	   c->sim ? (c->codec_time_fixed ? "sim, fixed codec time"
					 : "sim, measured "
					   "codec time")
		  : "real");
	kv(f, "transport", c->transport);
	kv(f, "srtp", cb_srtp_profile_name(c->srtp));
	snprintf(b, sizeof(b), "%" PRIu64, c->seed);
	kv(f, "seed", b);
	kv(f, "started (UTC)", res->started_utc);
	for (int i = 0; i < res->n_versions && i < CB_MAX_VERSIONS; i++)
		kv(f, res->versions[i].name, res->versions[i].version);
	fputs("</table>\n<p class=muted>Files: summary.json (every figure), frames.csv, "
	      "packets.csv, report.md, the plots as PNG and SVG.</p>\n",
	      f);
}

int cb_report_html(const struct cb_run_result *res, const char *dir)
{
	char path[PATH_MAX];
	struct cb_out o;
	FILE *f;
	int err;

	if (!res || !dir)
		return -EINVAL;
	err = cb_path_join(path, sizeof(path), dir, "report.html");
	if (err)
		return err;
	/* Streamed: the inlined SVGs grow with the call. */
	err = cb_out_open(&o, path);
	if (err)
		return err;
	f = o.f;
	page_head(f, "run", res->run_id);
	fputs("<h1>callbench run ", f);
	esc(f, res->run_id);
	fprintf(f, "</h1>\n<p class=muted>%s · started ", cb_run_status_name(res->status));
	esc(f, res->started_utc);
	fputs(" · clock ", f);
	esc(f, res->clock);
	fputs("</p>\n", f);
	if (res->status == CB_RUN_INTERRUPTED)
		fprintf(f,
			"<div class=warn><b>Interrupted</b> — stopped before its planned %.1f s; "
			"the figures cover the %.1f s that were captured.</div>\n",
			res->cfg.duration_s, res->media_s);
	else if (res->status == CB_RUN_FAILED) {
		fputs("<div class=warn><b>Failed</b> — ", f);
		esc(f, res->error[0] ? res->error : "no reason recorded");
		fputs("</div>\n", f);
	}
	run_verdict(f, res);
	run_latency(f, res, dir);
	run_stages(f, res);
	run_quality(f, res, dir);
	run_network(f, res, dir);
	run_settings(f, res);
	fputs("</body></html>\n", f);
	return cb_out_commit(&o);
}

/* ---- sweep report ---- */

static void band_td(FILE *f, const struct cb_sweep_cell *c, int link)
{
	fprintf(f, "<td class=band style=\"background:%s\">", cb_report_band_color(c->fig.band));
	if (link) {
		fputs("<a href=\"", f);
		esc(f, c->dir);
		fputs("/report.html\">", f);
	}
	esc(f, c->fig.band);
	if (isfinite(c->fig.verdict_ms))
		fprintf(f, "<br>%.0f ms", c->fig.verdict_ms);
	if (link)
		fputs("</a>", f);
	fputs("</td>", f);
}

static int has_summary(const struct cb_sweep_cell *c)
{
	return strcmp(c->status, "missing") && strcmp(c->status, "pending");
}

/* Distinct strings in order of first appearance; returns the index of `s`. */
static size_t intern(const char **v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(v[i], s))
			return i;
	v[*n] = s;
	return (*n)++;
}

/*
 * The band map as an HTML table: rows are the first axis' values, columns
 * every combination of the others that occurs, each square the cell's band
 * (linked to its report).
 */
static int band_map(FILE *f, const struct cb_sweep *sw)
{
	size_t n = sw->n_cells, nr = 0, nc = 0;
	const char **rows = calloc(n + 1, sizeof(*rows)), **cols = calloc(n + 1, sizeof(*cols));
	char **labels = calloc(n + 1, sizeof(*labels));
	size_t *ri = calloc(n + 1, sizeof(*ri)), *ci = calloc(n + 1, sizeof(*ci));
	int err = 0;

	if (!rows || !cols || !labels || !ri || !ci) {
		err = -ENOMEM;
		goto out_free;
	}
	for (size_t c = 0; c < n; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		size_t o = 0, room = 256;

		labels[c] = calloc(1, room);
		if (!labels[c]) {
			err = -ENOMEM;
			goto out_free;
		}
		for (size_t a = 1; a < sw->n_axes && o < room; a++)
			o += (size_t)snprintf(labels[c] + o, room - o, "%s%s", a > 1 ? " · " : "",
					      cell->value[a] ? cell->value[a] : "");
		if (!sw->n_axes)
			snprintf(labels[c], room, "%s", cell->name);
		ri[c] = intern(rows, &nr, sw->n_axes && cell->value[0] ? cell->value[0] : "all");
		ci[c] = intern(cols, &nc, labels[c]);
	}
	fputs("<table><tr><th>", f);
	esc(f, sw->n_axes ? sw->axis[0].name : "");
	if (sw->n_axes > 1) {
		fputs(" \\ ", f);
		for (size_t a = 1; a < sw->n_axes; a++) {
			fputs(a > 1 ? " · " : "", f);
			esc(f, sw->axis[a].name);
		}
	}
	fputs("</th>", f);
	for (size_t j = 0; j < nc; j++) {
		fputs("<th>", f);
		esc(f, cols[j]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < nr; i++) {
		fputs("<tr><th>", f);
		esc(f, rows[i]);
		fputs("</th>", f);
		for (size_t j = 0; j < nc; j++) {
			size_t c;

			for (c = 0; c < n; c++)
				if (ri[c] == i && ci[c] == j)
					break;
			if (c == n)
				fputs("<td></td>", f);
			else
				band_td(f, &sw->cells[c], has_summary(&sw->cells[c]));
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
out_free:
	for (size_t c = 0; labels && c < n; c++)
		free(labels[c]);
	free(labels);
	free(rows);
	free(cols);
	free(ri);
	free(ci);
	return err;
}

int cb_sweep_report_html(const struct cb_sweep *sw, const char *dir, int have_plots)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0, count[CB_BAND_COUNT + 1] = {0}, incomplete = 0;
	const char *worst = NULL;
	int worst_rank = -1, err;
	FILE *f;

	if (!sw || !dir)
		return -EINVAL;
	err = cb_path_join(path, sizeof(path), dir, "report.html");
	if (err)
		return err;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	page_head(f, "sweep", sw->id[0] ? sw->id : "merged");
	fputs("<h1>callbench sweep ", f);
	esc(f, sw->id[0] ? sw->id : "(merged)");
	fprintf(f, "</h1>\n<p class=muted>%zu cells", sw->n_cells);
	for (size_t a = 0; a < sw->n_axes; a++) {
		fputs(a ? " × " : ": ", f);
		esc(f, sw->axis[a].name);
		fprintf(f, " (%zu)", sw->axis[a].n);
	}
	fputs(" · status ", f);
	esc(f, sw->status);
	fputs("</p>\n", f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		int r = CB_BAND_COUNT;

		for (int b = 0; b < CB_BAND_COUNT; b++)
			if (!strcmp(sw->cells[c].fig.band, cb_band_name((enum cb_band)b)))
				r = b;
		count[r]++;
		incomplete += strcmp(sw->cells[c].status, "complete") != 0;
		if (has_summary(&sw->cells[c]) && r > worst_rank) {
			worst_rank = r;
			worst = r < CB_BAND_COUNT ? cb_band_name((enum cb_band)r) : "none";
		}
	}
	if (incomplete)
		fprintf(f,
			"<div class=warn><b>Partial</b> — %zu of %zu cells did not complete "
			"(sweep %s); their squares are grey or marked by status.</div>\n",
			incomplete, sw->n_cells, sw->status[0] ? sw->status : "?");
	/* Verdict first: the worst band over the cells, then how many in each. */
	fprintf(f, "<div class=verdict><div class=big style=\"background:%s\">%s</div><div>",
		cb_report_band_color(worst), worst ? worst : "none");
	fputs("<div style=\"font-size:1.3em\"><b>worst cell's verdict</b></div><div>", f);
	for (int b = 0; b <= CB_BAND_COUNT; b++) {
		const char *name = b < CB_BAND_COUNT ? cb_band_name((enum cb_band)b) : "none";

		if (!count[b])
			continue;
		fprintf(f, "<span class=badge style=\"background:%s\">%s: %zu</span> ",
			cb_report_band_color(name), name, count[b]);
	}
	fputs("</div></div></div>\n<h2>Band map</h2>\n", f);
	err = band_map(f, sw);
	fputs("<h2>Cells</h2>\n<p>Latency in ms (end to end, from the decoded content). Encode ms "
	      "is the mean encode stage per video frame (CPU per frame). Each verdict links to "
	      "the cell's own report.</p>\n<table><tr><th>cell</th>",
	      f);
	for (size_t a = 0; a < sw->n_axes; a++) {
		fputs("<th>", f);
		esc(f, sw->axis[a].name);
		fputs("</th>", f);
	}
	fputs("<th>status</th><th>verdict</th><th class=n>video p50</th><th class=n>video p95</th>"
	      "<th class=n>video p99</th><th class=n>audio p50</th><th class=n>audio p95</th>"
	      "<th class=n>PSNR dB</th><th class=n>SSIM</th><th class=n>video kbps</th><th "
	      "class=n>encode ms</th><th class=n>identified %</th></tr>\n",
	      f);
	for (size_t c = 0; c < sw->n_cells; c++) {
		const struct cb_sweep_cell *cell = &sw->cells[c];
		const struct cb_sweep_fig *g = &cell->fig;

		fputs("<tr><td>", f);
		esc(f, cell->name);
		fputs("</td>", f);
		for (size_t a = 0; a < sw->n_axes; a++) {
			fputs("<td>", f);
			esc(f, cell->value[a] ? cell->value[a] : "");
			fputs("</td>", f);
		}
		fputs("<td>", f);
		esc(f, cell->status);
		fputs("</td>", f);
		band_td(f, cell, has_summary(cell));
		num_td(f, g->video_p50, 1);
		num_td(f, g->video_p95, 1);
		num_td(f, g->video_p99, 1);
		num_td(f, g->audio_p50, 1);
		num_td(f, g->audio_p95, 1);
		num_td(f, g->psnr_mean, 2);
		num_td(f, g->ssim_mean, 4);
		num_td(f, g->video_kbps, 1);
		num_td(f, g->encode_ms, 2);
		num_td(f, g->identified_pct, 1);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<h2>Plots</h2>\n", f);
	if (have_plots) {
		embed_svg(f, dir, "sweep_latency.svg", "Latency by setting: p50 and p95 per cell");
		embed_svg(f, dir, "sweep_rd.svg",
			  "Rate-distortion: mean PSNR against achieved video bitrate");
	} else {
		fputs("<p class=muted>No plots: gnuplot is missing or failed.</p>\n", f);
	}
	fputs("<p class=muted>Files: sweep.json (the grid), comparison.csv and comparison.md (this "
	      "table), one run folder per cell.</p>\n</body></html>\n",
	      f);
	if (err) {
		fclose(f);
		free(buf);
		return err;
	}
	return cb_memstream_commit(f, &buf, &len, path);
}
