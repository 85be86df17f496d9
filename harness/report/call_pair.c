/*
 * call_pair.c — one call from the run folders of its two peers (see
 * call_pair.h): read both summary.json files, check they are the two ends
 * of one call, put each direction's sender and receiver side by side.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/error.h"
#include "measure/stats.h"
#include "report/call_pair.h"
#include "report/report.h"

/* A summary.json is a few hundred kB at most; more is not one. */
#define HALF_MAX (64u << 20)

static const char *const media_names[2] = {"video", "audio"};

struct half {
	const char *name; /* "A", "B" */
	json_t *root, *peer, *sent, *media;
	const char *run_id, *status, *local, *remote, *room, *signal;
	int sends, receives;
};

static double num_at(json_t *o, const char *k1, const char *k2)
{
	json_t *v = o ? json_object_get(o, k1) : NULL;

	if (v && k2)
		v = json_object_get(v, k2);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str_of(json_t *o, const char *k)
{
	json_t *v = o ? json_object_get(o, k) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int half_parse(struct half *h, const char *text, size_t len, char *why, size_t why_len)
{
	json_error_t err;
	const char *schema;

	h->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!h->root) {
		snprintf(why, why_len, "%s: not JSON (line %d, column %d: %s)", h->name, err.line,
			 err.column, err.text);
		return CB_E_FORMAT;
	}
	schema = str_of(h->root, "schema");
	if (!json_is_object(h->root) || !schema || strcmp(schema, CB_SUMMARY_SCHEMA)) {
		snprintf(why, why_len, "%s: not a run's summary.json (schema %s)", h->name,
			 CB_SUMMARY_SCHEMA);
		return CB_E_FORMAT;
	}
	h->peer = json_object_get(h->root, "peer");
	if (!json_is_object(h->peer)) {
		snprintf(why, why_len,
			 "%s: not one end of a call between peers (no \"peer\"; callbench peer "
			 "--signal writes one)",
			 h->name);
		return CB_E_FORMAT;
	}
	h->local = str_of(h->peer, "local");
	h->remote = str_of(h->peer, "remote");
	h->room = str_of(h->peer, "room");
	h->signal = str_of(h->peer, "signal");
	h->run_id = str_of(h->root, "run_id");
	h->status = str_of(h->root, "status");
	if (!h->local || !h->remote || !h->run_id || !h->status) {
		snprintf(why, why_len,
			 "%s: \"peer\" without its local and remote addresses, or "
			 "no run_id and status",
			 h->name);
		return CB_E_FORMAT;
	}
	h->sends = json_is_true(json_object_get(h->peer, "sends"));
	h->receives = json_is_true(json_object_get(h->peer, "receives"));
	h->sent = json_object_get(h->root, "sent");
	h->media = json_object_get(h->root, "media");
	if (!json_is_object(h->sent))
		h->sent = NULL;
	if (!json_is_object(h->media))
		h->media = NULL;
	return 0;
}

static void copy(char *dst, size_t room, const char *src)
{
	snprintf(dst, room, "%s", src ? src : "");
}

static int band_rank(const char *name)
{
	for (int b = 0; b < CB_BAND_COUNT; b++)
		if (!strcmp(name, cb_band_name((enum cb_band)b)))
			return b;
	return -1;
}

static void fill_dir(struct cb_call_dir *d, const struct half *s, const struct half *r)
{
	memset(d, 0, sizeof(*d));
	d->on = s->sends && r->receives;
	copy(d->from, sizeof(d->from), s->run_id);
	copy(d->to, sizeof(d->to), r->run_id);
	copy(d->from_addr, sizeof(d->from_addr), s->local);
	copy(d->to_addr, sizeof(d->to_addr), r->local);
	copy(d->status, sizeof(d->status), r->status);
	for (int m = 0; m < 2; m++) {
		struct cb_call_media *x = &d->media[m];
		json_t *sm = s->sent ? json_object_get(s->sent, media_names[m]) : NULL;
		json_t *rm = r->media ? json_object_get(r->media, media_names[m]) : NULL;
		const char *band;

		if (!json_is_object(sm))
			sm = NULL;
		if (!json_is_object(rm))
			rm = NULL;
		x->on = d->on && (sm || rm);
		x->frames_sent = num_at(sm, "frames", NULL);
		x->packets_sent = num_at(sm, "packets", NULL);
		x->rtx_sent = num_at(sm, "rtx_packets", NULL);
		x->frames_received = num_at(rm, "counts", "received");
		x->frames_identified = num_at(rm, "counts", m ? "marks_identified" : "identified");
		x->packets_received = num_at(rm, "packets", "received");
		x->packets_lost = x->packets_sent - x->packets_received;
		x->loss_pct = x->packets_sent > 0 ? 100.0 * x->packets_lost / x->packets_sent : NAN;
		if (m == 0)
			x->identified_pct = x->frames_sent > 0
						? 100.0 * x->frames_identified / x->frames_sent
						: NAN;
		else
			x->identified_pct =
			    num_at(rm, "counts", "marks_sent") > 0
				? 100.0 * x->frames_identified / num_at(rm, "counts", "marks_sent")
				: NAN;
		x->p50 = num_at(rm, "latency_ms", "p50");
		x->p95 = num_at(rm, "latency_ms", "p95");
		x->p99 = num_at(rm, "latency_ms", "p99");
		x->max = num_at(rm, "latency_ms", "max");
		x->n = num_at(rm, "latency_ms", "n");
		x->verdict_ms = num_at(rm, "verdict", "value_ms");
		band = str_of(rm ? json_object_get(rm, "verdict") : NULL, "band");
		copy(x->band, sizeof(x->band), band && band_rank(band) >= 0 ? band : "none");
		copy(x->codec, sizeof(x->codec), str_of(rm, "codec"));
	}
}

int cb_call_pair_parse(const char *text_a, size_t len_a, const char *text_b, size_t len_b,
		       struct cb_call_pair *p, char *why, size_t why_len)
{
	struct half h[2] = {{.name = "A"}, {.name = "B"}};
	const char *text[2] = {text_a, text_b};
	size_t len[2] = {len_a, len_b};
	int rc = 0, worst = -1;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 2 && rc == 0; i++)
		rc = half_parse(&h[i], text[i], len[i], why, why_len);
	if (rc < 0)
		goto out;
	if (!strcmp(h[0].local, h[1].local) && !strcmp(h[0].run_id, h[1].run_id)) {
		snprintf(why, why_len, "A and B are the same end (%s): give both ends' folders",
			 h[0].run_id);
		rc = CB_E_FORMAT;
		goto out;
	}
	if (strcmp(h[0].remote, h[1].local) || strcmp(h[1].remote, h[0].local)) {
		snprintf(why, why_len,
			 "A and B are not two ends of one call: A (%s) called %s, B (%s) called %s",
			 h[0].local, h[0].remote, h[1].local, h[1].remote);
		rc = CB_E_FORMAT;
		goto out;
	}
	if (h[0].room && h[1].room && strcmp(h[0].room, h[1].room)) {
		snprintf(why, why_len, "A and B met in different rooms (%s, %s)", h[0].room,
			 h[1].room);
		rc = CB_E_FORMAT;
		goto out;
	}
	copy(p->room, sizeof(p->room), h[0].room);
	copy(p->signal, sizeof(p->signal), h[0].signal);
	fill_dir(&p->dir[0], &h[0], &h[1]);
	fill_dir(&p->dir[1], &h[1], &h[0]);
	copy(p->band, sizeof(p->band), "none");
	for (int d = 0; d < 2; d++)
		for (int m = 0; m < 2; m++) {
			const struct cb_call_media *x = &p->dir[d].media[m];
			int r = x->on ? band_rank(x->band) : -1;

			if (r > worst) {
				worst = r;
				copy(p->band, sizeof(p->band), x->band);
				snprintf(p->worst, sizeof(p->worst), "%s %s -> %s", media_names[m],
					 p->dir[d].from, p->dir[d].to);
			}
		}
out:
	json_decref(h[0].root);
	json_decref(h[1].root);
	return rc;
}

/* `path`, or `path`/summary.json when it is a folder, read whole. */
static int read_half(const char *path, const char *name, char *file, size_t file_len, char **text,
		     size_t *len, char *why, size_t why_len)
{
	struct stat st;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, file_len, "%s/summary.json", path);
	else
		snprintf(file, file_len, "%s", path);
	f = fopen(file, "rb");
	if (!f) {
		snprintf(why, why_len, "%s: %s: %s", name, file, strerror(errno));
		return -ENOENT;
	}
	*text = malloc(HALF_MAX + 1);
	*len = *text ? fread(*text, 1, HALF_MAX + 1, f) : 0;
	fclose(f);
	if (!*text)
		return -ENOMEM;
	if (*len > HALF_MAX) {
		snprintf(why, why_len, "%s: %s: larger than a summary.json may be", name, file);
		free(*text);
		*text = NULL;
		return CB_E_FORMAT;
	}
	return 0;
}

int cb_call_pair_load(const char *a, const char *b, struct cb_call_pair *p, char *why,
		      size_t why_len)
{
	char fa[600], fb[600], sub[400] = "";
	char *ta = NULL, *tb = NULL;
	size_t la = 0, lb = 0;
	int rc = read_half(a, "A", fa, sizeof(fa), &ta, &la, why, why_len);

	if (rc == 0)
		rc = read_half(b, "B", fb, sizeof(fb), &tb, &lb, why, why_len);
	if (rc == 0) {
		rc = cb_call_pair_parse(ta, la, tb, lb, p, sub, sizeof(sub));
		if (rc < 0)
			snprintf(why, why_len, "%s (A: %s, B: %s)", sub, fa, fb);
	}
	if (rc == 0) {
		copy(p->dir_a, sizeof(p->dir_a), a);
		copy(p->dir_b, sizeof(p->dir_b), b);
	}
	free(ta);
	free(tb);
	return rc;
}

/* ---- writing ---- */

static json_t *jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *media_json(const struct cb_call_media *x)
{
	return json_pack("{s:s, s:{s:o, s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o}, s:o, s:{s:o, s:o, "
			 "s:o, s:o, s:o}, s:{s:s, s:o}}",
			 "codec", x->codec, "sender", "frames", jnum(x->frames_sent), "packets",
			 jnum(x->packets_sent), "rtx_packets", jnum(x->rtx_sent), "missing_packets",
			 jnum(x->packets_lost), "missing_pct", jnum(x->loss_pct), "receiver",
			 "frames_received", jnum(x->frames_received), "identified",
			 jnum(x->frames_identified), "packets_received", jnum(x->packets_received),
			 "identified_pct", jnum(x->identified_pct), "latency_ms", "n", jnum(x->n),
			 "p50", jnum(x->p50), "p95", jnum(x->p95), "p99", jnum(x->p99), "max",
			 jnum(x->max), "verdict", "band", x->band, "value_ms", jnum(x->verdict_ms));
}

static json_t *pair_json(const struct cb_call_pair *p)
{
	json_t *dirs = json_array();

	for (int d = 0; dirs && d < 2; d++) {
		const struct cb_call_dir *x = &p->dir[d];
		json_t *media = json_object();

		if (!x->on || !media) {
			json_decref(media);
			continue;
		}
		for (int m = 0; m < 2; m++)
			if (x->media[m].on)
				json_object_set_new(media, media_names[m],
						    media_json(&x->media[m]));
		json_array_append_new(
		    dirs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "from", x->from, "to", x->to,
				    "from_addr", x->from_addr, "to_addr", x->to_addr,
				    "receiver_status", x->status, "media", media));
	}
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o}", "schema",
			 CB_CALL_SCHEMA, "room", p->room, "signal", p->signal, "halves", "a",
			 p->dir_a, "b", p->dir_b, "verdict", "band", p->band, "decided_by",
			 p->worst, "directions", dirs ? dirs : json_null());
}

static void cell(char *out, size_t room, double x, const char *fmt)
{
	if (isfinite(x))
		snprintf(out, room, fmt, x);
	else
		snprintf(out, room, "–");
}

static char *pair_markdown(const struct cb_call_pair *p)
{
	size_t cap = 8192, n = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	n += (size_t)snprintf(
	    s + n, cap - n,
	    "# Call in room %s: %s\n\nThe worse direction decides: %s.\n\n"
	    "| direction | media | codec | frames sent | identified | packets sent "
	    "| missing | RTX | p50 ms | p95 ms | p99 ms | band |\n"
	    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
	    p->room[0] ? p->room : "(none)", p->band,
	    p->worst[0] ? p->worst : "nothing was measured");
	for (int d = 0; d < 2; d++)
		for (int m = 0; m < 2 && n < cap - 600; m++) {
			const struct cb_call_media *x = &p->dir[d].media[m];
			char fs[24], id[24], ps[24], ls[32], rt[24], a[24], b[24], c[24];

			if (!x->on)
				continue;
			cell(fs, sizeof(fs), x->frames_sent, "%.0f");
			cell(id, sizeof(id), x->identified_pct, "%.1f %%");
			cell(ps, sizeof(ps), x->packets_sent, "%.0f");
			cell(ls, sizeof(ls), x->packets_lost, "%.0f");
			cell(rt, sizeof(rt), x->rtx_sent, "%.0f");
			cell(a, sizeof(a), x->p50, "%.1f");
			cell(b, sizeof(b), x->p95, "%.1f");
			cell(c, sizeof(c), x->p99, "%.1f");
			n += (size_t)snprintf(
			    s + n, cap - n,
			    "| %s → %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			    p->dir[d].from, p->dir[d].to, media_names[m], x->codec, fs, id, ps, ls,
			    rt, a, b, c, x->band);
		}
	if (n < cap - 1200)
		snprintf(s + n, cap - n,
			 "\nEach row puts the sender's own counts (frames and packets sent, RTX) "
			 "beside what the receiving end measured from the decoded content.  "
			 "*missing* is packets sent less packets received.  Halves: A `%s`, "
			 "B `%s`.\n",
			 p->dir_a, p->dir_b);
	return s;
}

int cb_call_pair_write(const struct cb_call_pair *p, const char *dir)
{
	char path[700];
	json_t *root;
	char *text;
	int rc;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	root = pair_json(p);
	text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
	json_decref(root);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/call.json", dir);
	rc = cb_write_file_atomic(path, text, strlen(text));
	free(text);
	if (rc < 0)
		return rc;
	text = pair_markdown(p);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/call.md", dir);
	rc = cb_write_file_atomic(path, text, strlen(text));
	free(text);
	return rc;
}
