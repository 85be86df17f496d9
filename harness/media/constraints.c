/*
 * constraints.c — MediaStreamConstraints parsing and SelectSettings.
 *
 * The parser normalises every member to {min, max, exact, ideal} at parse
 * time (a bare value becomes ideal in the basic set and exact in an advanced
 * set), so the fitness distance below is one function for both uses, as in
 * the spec's "treating bare values as ideal / exact".
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "media/constraints.h"

/*
 * The constrainable properties, in MediaTrackSupportedConstraints order
 * (with volume where the spec had it): this order names the failing
 * constraint of an OverconstrainedError.
 */
enum prop {
	P_WIDTH,
	P_HEIGHT,
	P_ASPECT_RATIO,
	P_FRAME_RATE,
	P_FACING_MODE,
	P_RESIZE_MODE,
	P_VOLUME,
	P_SAMPLE_RATE,
	P_SAMPLE_SIZE,
	P_ECHO_CANCELLATION,
	P_AUTO_GAIN_CONTROL,
	P_NOISE_SUPPRESSION,
	P_LATENCY,
	P_CHANNEL_COUNT,
	P_DEVICE_ID,
	P_GROUP_ID,
	P_COUNT
};

enum ptype { T_ULONG, T_DOUBLE, T_STRING, T_BOOL };

#define K_VIDEO 1u
#define K_AUDIO 2u

static const struct prop_info {
	const char *name;
	enum ptype type;
	unsigned kinds; /* track kinds the property applies to */
} props[P_COUNT] = {
    [P_WIDTH] = {"width", T_ULONG, K_VIDEO},
    [P_HEIGHT] = {"height", T_ULONG, K_VIDEO},
    [P_ASPECT_RATIO] = {"aspectRatio", T_DOUBLE, K_VIDEO},
    [P_FRAME_RATE] = {"frameRate", T_DOUBLE, K_VIDEO},
    [P_FACING_MODE] = {"facingMode", T_STRING, K_VIDEO},
    [P_RESIZE_MODE] = {"resizeMode", T_STRING, K_VIDEO},
    [P_VOLUME] = {"volume", T_DOUBLE, K_AUDIO},
    [P_SAMPLE_RATE] = {"sampleRate", T_ULONG, K_AUDIO},
    [P_SAMPLE_SIZE] = {"sampleSize", T_ULONG, K_AUDIO},
    [P_ECHO_CANCELLATION] = {"echoCancellation", T_BOOL, K_AUDIO},
    [P_AUTO_GAIN_CONTROL] = {"autoGainControl", T_BOOL, K_AUDIO},
    [P_NOISE_SUPPRESSION] = {"noiseSuppression", T_BOOL, K_AUDIO},
    [P_LATENCY] = {"latency", T_DOUBLE, K_AUDIO},
    [P_CHANNEL_COUNT] = {"channelCount", T_ULONG, K_AUDIO},
    [P_DEVICE_ID] = {"deviceId", T_STRING, K_VIDEO | K_AUDIO},
    [P_GROUP_ID] = {"groupId", T_STRING, K_VIDEO | K_AUDIO},
};

#define H_MIN	   4u
#define H_MAX	   2u
#define H_EXACT	   1u
#define H_IDEAL	   8u
#define H_REQUIRED (H_MIN | H_MAX | H_EXACT)

#define EPS 1e-6

/* One member: numbers and booleans (0/1) in the doubles, strings in `s`. */
struct constraint {
	unsigned has;
	double min, max, exact, ideal;
	int n_exact, n_ideal; /* s[0..n_exact) exact, s[n_exact..+n_ideal) ideal */
	char s[CB_CONSTRAINTS_MAX_STRINGS][CB_CONSTRAINTS_STRING_LEN];
};

struct cset {
	struct constraint c[P_COUNT];
};

struct ctrack {
	int requested;
	struct cset basic;
	size_t n_adv;
	struct cset *adv; /* n_adv sets */
};

struct cb_constraints {
	struct ctrack video, audio;
	size_t n_unknown;
	char unknown[CB_CONSTRAINTS_MAX_UNKNOWN][64];
};

static void set_msg(char *msg, size_t msg_len, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msg_len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msg_len, fmt, ap);
	va_end(ap);
}

static void record_unknown(struct cb_constraints *c, const char *path, const char *key)
{
	if (c->n_unknown < CB_CONSTRAINTS_MAX_UNKNOWN)
		snprintf(c->unknown[c->n_unknown], sizeof(c->unknown[0]), "%s%s%s", path,
			 *path ? "." : "", key);
	c->n_unknown++;
}

/* ---- parsing ---- */

static int parse_number(const json_t *v, enum ptype t, double *out)
{
	double d;

	if (!json_is_number(v))
		return -1;
	d = json_number_value(v);
	if (!isfinite(d))
		return -1;
	if (t == T_ULONG) {
		/* WebIDL unsigned long: truncate; we refuse what would wrap. */
		if (d < 0 || d > 4294967295.0)
			return -1;
		d = trunc(d);
	}
	*out = d;
	return 0;
}

/* Append string `v` or every string of array `v`; count in *n. */
static int parse_strings(struct constraint *k, const json_t *v, int *n)
{
	size_t i, len;
	const json_t *e;

	if (json_is_string(v)) {
		/* The list being parsed is counted in *n, not yet in n_exact/n_ideal. */
		int at = k->n_exact + k->n_ideal + *n;

		if (at >= CB_CONSTRAINTS_MAX_STRINGS)
			return -1;
		if (json_string_length(v) >= CB_CONSTRAINTS_STRING_LEN)
			return -1;
		strcpy(k->s[at], json_string_value(v));
		(*n)++;
		return 0;
	}
	if (!json_is_array(v))
		return -1;
	len = json_array_size(v);
	for (i = 0; i < len; i++) {
		e = json_array_get(v, i);
		if (!json_is_string(e) || parse_strings(k, e, n) < 0)
			return -1;
	}
	return 0;
}

static int parse_member(struct constraint *k, enum prop p, const json_t *v, int advanced,
			const char *path, char *msg, size_t msg_len)
{
	const struct prop_info *pi = &props[p];
	unsigned bare = advanced ? H_EXACT : H_IDEAL;
	double d;

	memset(k, 0, sizeof(*k));
	if (pi->type == T_STRING) {
		/* Exact strings are stored first, so a bare value or "exact" is parsed before
		 * "ideal". */
		const json_t *ex, *id;
		int n = 0;

		if (json_is_string(v) || json_is_array(v)) {
			if (advanced) {
				ex = v;
				id = NULL;
			} else {
				ex = NULL;
				id = v;
			}
		} else if (json_is_object(v)) {
			ex = json_object_get(v, "exact");
			id = json_object_get(v, "ideal");
		} else {
			goto bad;
		}
		if (ex) {
			if (parse_strings(k, ex, &n) < 0)
				goto bad;
			k->n_exact = n;
			n = 0;
		}
		if (id) {
			if (parse_strings(k, id, &n) < 0)
				goto bad;
			k->n_ideal = n;
		}
		k->has = (k->n_exact ? H_EXACT : 0) | (k->n_ideal ? H_IDEAL : 0);
		return 0;
	}
	if (pi->type == T_BOOL) {
		if (json_is_boolean(v)) {
			k->has = bare;
			k->exact = k->ideal = json_is_true(v);
			return 0;
		}
		if (!json_is_object(v))
			goto bad;
		static const struct {
			const char *key;
			unsigned bit;
		} bkeys[] = {{"exact", H_EXACT}, {"ideal", H_IDEAL}};
		for (size_t i = 0; i < 2; i++) {
			const json_t *e = json_object_get(v, bkeys[i].key);

			if (!e)
				continue;
			if (!json_is_boolean(e))
				goto bad;
			k->has |= bkeys[i].bit;
			*(bkeys[i].bit == H_EXACT ? &k->exact : &k->ideal) = json_is_true(e);
		}
		return 0;
	}
	/* numbers */
	if (json_is_number(v)) {
		if (parse_number(v, pi->type, &d) < 0)
			goto bad;
		k->has = bare;
		k->exact = k->ideal = d;
		return 0;
	}
	if (!json_is_object(v))
		goto bad;
	{
		static const char *const keys[] = {"min", "max", "exact", "ideal"};
		static const unsigned bits[] = {H_MIN, H_MAX, H_EXACT, H_IDEAL};
		double *dst[] = {&k->min, &k->max, &k->exact, &k->ideal};

		for (size_t i = 0; i < 4; i++) {
			const json_t *e = json_object_get(v, keys[i]);

			if (!e)
				continue;
			if (parse_number(e, pi->type, dst[i]) < 0) {
				set_msg(msg, msg_len, "%s%s%s.%s: expected a %s", path,
					*path ? "." : "", pi->name, keys[i],
					pi->type == T_ULONG ? "non-negative integer"
							    : "finite number");
				return CB_E_FORMAT;
			}
			k->has |= bits[i];
		}
	}
	return 0;
bad:
	set_msg(msg, msg_len, "%s%s%s: expected %s", path, *path ? "." : "", pi->name,
		pi->type == T_STRING ? "a string, an array of strings or {exact, ideal} "
				       "of those (at most 8 strings of 127 bytes)"
		: pi->type == T_BOOL ? "a boolean or {exact, ideal} booleans"
		: pi->type == T_ULONG
		    ? "a non-negative integer or {min, max, exact, ideal} of those"
		    : "a number or {min, max, exact, ideal} numbers");
	return CB_E_FORMAT;
}

static int find_prop(const char *name)
{
	for (int p = 0; p < P_COUNT; p++)
		if (strcmp(props[p].name, name) == 0)
			return p;
	return -1;
}

static int parse_set(struct cb_constraints *c, struct cset *set, const json_t *obj, int advanced,
		     const char *path, char *msg, size_t msg_len)
{
	const char *key;
	json_t *v;
	int p, rc;

	json_object_foreach((json_t *)obj, key, v)
	{
		if (!advanced && strcmp(key, "advanced") == 0)
			continue;
		p = find_prop(key);
		if (p < 0) {
			record_unknown(c, path, key);
			continue;
		}
		rc = parse_member(&set->c[p], (enum prop)p, v, advanced, path, msg, msg_len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_track(struct cb_constraints *c, struct ctrack *t, const char *name,
		       const json_t *v, char *msg, size_t msg_len)
{
	const json_t *adv;
	char path[64];
	int rc;

	if (!v || json_is_false(v))
		return 0;
	t->requested = 1;
	if (json_is_true(v))
		return 0;
	if (!json_is_object(v)) {
		set_msg(msg, msg_len, "%s: expected true, false or a constraints object", name);
		return CB_E_FORMAT;
	}
	rc = parse_set(c, &t->basic, v, 0, name, msg, msg_len);
	if (rc < 0)
		return rc;
	adv = json_object_get(v, "advanced");
	if (!adv)
		return 0;
	if (!json_is_array(adv)) {
		set_msg(msg, msg_len, "%s.advanced: expected an array of constraint sets", name);
		return CB_E_FORMAT;
	}
	if (json_array_size(adv) > CB_CONSTRAINTS_MAX_ADVANCED) {
		set_msg(msg, msg_len, "%s.advanced: more than %d constraint sets", name,
			CB_CONSTRAINTS_MAX_ADVANCED);
		return CB_E_FORMAT;
	}
	t->n_adv = json_array_size(adv);
	if (!t->n_adv)
		return 0;
	t->adv = calloc(t->n_adv, sizeof(*t->adv));
	if (!t->adv)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_adv; i++) {
		const json_t *e = json_array_get(adv, i);

		snprintf(path, sizeof(path), "%s.advanced[%zu]", name, i);
		if (!json_is_object(e)) {
			set_msg(msg, msg_len, "%s: expected a constraint set object", path);
			return CB_E_FORMAT;
		}
		rc = parse_set(c, &t->adv[i], e, 1, path, msg, msg_len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_root(struct cb_constraints **out, json_t *root, char *msg, size_t msg_len)
{
	struct cb_constraints *c;
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(root)) {
		set_msg(msg, msg_len, "constraints: expected a JSON object");
		return CB_E_FORMAT;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "video") != 0 && strcmp(key, "audio") != 0)
			record_unknown(c, "", key);
	}
	rc = parse_track(c, &c->video, "video", json_object_get(root, "video"), msg, msg_len);
	if (rc == 0)
		rc = parse_track(c, &c->audio, "audio", json_object_get(root, "audio"), msg,
				 msg_len);
	if (rc == 0 && !c->video.requested && !c->audio.requested) {
		/* getUserMedia rejects this with a TypeError. */
		set_msg(msg, msg_len, "constraints: neither audio nor video requested");
		rc = CB_E_FORMAT;
	}
	if (rc < 0) {
		cb_constraints_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int cb_constraints_parse(struct cb_constraints **out, const char *json, char *msg, size_t msg_len)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	if (!out || !json)
		return -EINVAL;
	*out = NULL;
	root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		set_msg(msg, msg_len, "constraints: line %d column %d: %s", jerr.line, jerr.column,
			jerr.text);
		return CB_E_FORMAT;
	}
	rc = parse_root(out, root, msg, msg_len);
	json_decref(root);
	return rc;
}

int cb_constraints_load(struct cb_constraints **out, const char *path, char *msg, size_t msg_len)
{
	json_error_t jerr;
	json_t *root;
	FILE *f;
	int rc;

	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	/* Open it ourselves first so a missing file is -errno, not a parse error. */
	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		set_msg(msg, msg_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		set_msg(msg, msg_len, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
			jerr.text);
		return CB_E_FORMAT;
	}
	rc = parse_root(out, root, msg, msg_len);
	json_decref(root);
	return rc;
}

int cb_constraints_parse_arg(struct cb_constraints **out, const char *arg, char *msg,
			     size_t msg_len)
{
	const char *p = arg;

	if (!out || !arg)
		return -EINVAL;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return *p == '{' ? cb_constraints_parse(out, arg, msg, msg_len)
			 : cb_constraints_load(out, arg, msg, msg_len);
}

void cb_constraints_free(struct cb_constraints *c)
{
	if (!c)
		return;
	free(c->video.adv);
	free(c->audio.adv);
	free(c);
}

int cb_constraints_requested(const struct cb_constraints *c, enum cb_device_kind kind)
{
	if (!c)
		return 0;
	if (kind == CB_DEVICE_VIDEOINPUT)
		return c->video.requested;
	if (kind == CB_DEVICE_AUDIOINPUT)
		return c->audio.requested;
	return 0;
}

size_t cb_constraints_n_unknown(const struct cb_constraints *c)
{
	return c ? c->n_unknown : 0;
}

const char *cb_constraints_unknown(const struct cb_constraints *c, size_t i)
{
	if (!c || i >= c->n_unknown || i >= CB_CONSTRAINTS_MAX_UNKNOWN)
		return NULL;
	return c->unknown[i];
}

/* ---- candidates and fitness distance ---- */

/* One settings dictionary: numbers (booleans as 0/1) in v, strings in s. */
struct cand {
	const struct cb_device *dev;
	double v[P_COUNT];
	const char *s[P_COUNT]; /* NULL: the device has no such setting */
	struct cb_video_mode native;
	double fit;
	int alive;
};

struct cands {
	struct cand *a;
	size_t n, cap;
};

static int cands_push(struct cands *cs, const struct cand *x)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;
		struct cand *a = realloc(cs->a, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		cs->a = a;
		cs->cap = cap;
	}
	cs->a[cs->n++] = *x;
	return 0;
}

static int str_in(const struct constraint *k, int from, int n, const char *s)
{
	for (int i = from; i < from + n; i++)
		if (strcmp(k->s[i], s) == 0)
			return 1;
	return 0;
}

/* The spec's fitness distance of one constraint for one settings dictionary. */
static double fitness_one(const struct constraint *k, enum prop p, const struct cand *x,
			  unsigned kind_bit)
{
	const struct prop_info *pi = &props[p];
	double a, ideal;

	if (!k->has || !(pi->kinds & kind_bit))
		return 0; /* not constrained, or does not apply to this kind of track */
	if (pi->type == T_STRING && !x->s[p])
		return (k->has & H_REQUIRED) ? INFINITY : 1;
	if (pi->type == T_STRING) {
		if ((k->has & H_EXACT) && !str_in(k, 0, k->n_exact, x->s[p]))
			return INFINITY;
		if (!(k->has & H_IDEAL))
			return 0;
		return str_in(k, k->n_exact, k->n_ideal, x->s[p]) ? 0 : 1;
	}
	a = x->v[p];
	if (isnan(a))
		return (k->has & H_REQUIRED) ? INFINITY : 1;
	if ((k->has & H_MIN) && a < k->min - EPS)
		return INFINITY;
	if ((k->has & H_MAX) && a > k->max + EPS)
		return INFINITY;
	if ((k->has & H_EXACT) && fabs(a - k->exact) > EPS)
		return INFINITY;
	if (!(k->has & H_IDEAL))
		return 0;
	ideal = k->ideal;
	if (pi->type == T_BOOL)
		return (a != 0) == (ideal != 0) ? 0 : 1;
	if (a == ideal)
		return 0;
	return fabs(a - ideal) / fmax(fabs(a), fabs(ideal));
}

static double fitness_set(const struct cset *set, const struct cand *x, unsigned kind_bit)
{
	double sum = 0;

	for (int p = 0; p < P_COUNT; p++)
		sum += fitness_one(&set->c[p], (enum prop)p, x, kind_bit);
	return sum;
}

/* The required range of numeric property `p` over the sets in `ctx`. */
struct range {
	double lo, hi;
};

static struct range req_range(const struct cset *const *ctx, size_t n_ctx, enum prop p)
{
	struct range r = {-INFINITY, INFINITY};

	for (size_t i = 0; i < n_ctx; i++) {
		const struct constraint *k = &ctx[i]->c[p];

		if (k->has & H_MIN)
			r.lo = fmax(r.lo, k->min);
		if (k->has & H_MAX)
			r.hi = fmin(r.hi, k->max);
		if (k->has & H_EXACT) {
			r.lo = fmax(r.lo, k->exact);
			r.hi = fmin(r.hi, k->exact);
		}
	}
	return r;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The even integer nearest `v` within [lo, hi], or -1 if there is none. */
static int even_in(double v, double lo, double hi)
{
	long e = 2 * lround(v / 2);

	if (e > hi + EPS)
		e -= 2;
	if (e < lo - EPS)
		e += 2;
	if (e < lo - EPS || e > hi + EPS || e <= 0)
		return -1;
	return (int)e;
}

static void video_cand(struct cand *x, const struct cb_device *d, int w, int h, double fps,
		       const char *resize, const struct cb_video_mode *native)
{
	memset(x, 0, sizeof(*x));
	for (int p = 0; p < P_COUNT; p++)
		x->v[p] = NAN;
	x->dev = d;
	x->v[P_WIDTH] = w;
	x->v[P_HEIGHT] = h;
	x->v[P_ASPECT_RATIO] = (double)w / h;
	x->v[P_FRAME_RATE] = fps;
	x->s[P_FACING_MODE] = d->video->facing_mode[0] ? d->video->facing_mode : NULL;
	x->s[P_RESIZE_MODE] = resize;
	x->s[P_DEVICE_ID] = d->device_id;
	x->s[P_GROUP_ID] = d->group_id;
	x->native = *native;
}

static int ideal_of(const struct cset *basic, enum prop p, double *out)
{
	if (!(basic->c[p].has & H_IDEAL))
		return 0;
	*out = basic->c[p].ideal;
	return 1;
}

/*
 * The crop-and-scale point of native mode `m` nearest the basic set's
 * ideals within the ranges of `ctx`.  Returns 0 and fills `x`, or -1 when
 * the ranges leave nothing.
 */
static int scaled_cand(struct cand *x, const struct cb_device *d, const struct cb_video_mode *m,
		       const struct cset *basic, const struct cset *const *ctx, size_t n_ctx)
{
	const struct cb_video_caps *vc = d->video;
	struct range rw = req_range(ctx, n_ctx, P_WIDTH), rh = req_range(ctx, n_ctx, P_HEIGHT);
	struct range ra = req_range(ctx, n_ctx, P_ASPECT_RATIO);
	struct range rf = req_range(ctx, n_ctx, P_FRAME_RATE);
	double iw = 0, ih = 0, ia = 0, iff = 0, a, w, h, f;
	int has_w, has_h, ew, eh;

	rw.lo = fmax(rw.lo, vc->min_width);
	rw.hi = fmin(rw.hi, m->width);
	rh.lo = fmax(rh.lo, vc->min_height);
	rh.hi = fmin(rh.hi, m->height);
	rf.lo = fmax(rf.lo, vc->min_frame_rate);
	rf.hi = fmin(rf.hi, m->frame_rate);
	if (rw.lo > rw.hi || rh.lo > rh.hi || rf.lo > rf.hi)
		return -1;
	/* The aspect ratios the size ranges can make at all. */
	ra.lo = fmax(ra.lo, rw.lo / rh.hi);
	ra.hi = fmin(ra.hi, rw.hi / rh.lo);
	if (ra.lo > ra.hi + EPS)
		return -1;
	has_w = ideal_of(basic, P_WIDTH, &iw);
	has_h = ideal_of(basic, P_HEIGHT, &ih);
	if (ideal_of(basic, P_ASPECT_RATIO, &ia))
		a = ia;
	else if (has_w && has_h && ih > 0)
		a = iw / ih;
	else
		a = (double)m->width / m->height;
	a = clampd(a, ra.lo, ra.hi);
	if (has_w) {
		w = clampd(iw, rw.lo, rw.hi);
		h = clampd(has_h ? ih : w / a, rh.lo, rh.hi);
	} else if (has_h) {
		h = clampd(ih, rh.lo, rh.hi);
		w = clampd(h * a, rw.lo, rw.hi);
	} else {
		/* No size wish: the largest picture of aspect `a` the mode holds. */
		w = clampd(fmin(rw.hi, rh.hi * a), rw.lo, rw.hi);
		h = clampd(w / a, rh.lo, rh.hi);
	}
	ew = even_in(w, rw.lo, rw.hi);
	eh = even_in(h, rh.lo, rh.hi);
	if (ew < 0 || eh < 0)
		return -1;
	f = clampd(ideal_of(basic, P_FRAME_RATE, &iff) ? iff : m->frame_rate, rf.lo, rf.hi);
	video_cand(x, d, ew, eh, f, "crop-and-scale", m);
	return 0;
}

static int add_video(struct cands *cs, const struct cb_device *d, const struct ctrack *t)
{
	const struct cb_video_caps *vc = d->video;
	const struct cset *ctx[CB_CONSTRAINTS_MAX_ADVANCED + 1];
	struct cand x;
	int rc;

	for (size_t i = 0; i < vc->n_modes; i++) {
		const struct cb_video_mode *m = &vc->modes[i];

		video_cand(&x, d, m->width, m->height, m->frame_rate, "none", m);
		rc = cands_push(cs, &x);
		if (rc < 0)
			return rc;
	}
	if (!vc->crop_and_scale)
		return 0;
	/*
	 * Contexts: 0 = the basic set; 1..n = basic + advanced[i-1];
	 * n+1..2n-1 = basic + advanced[0..j] for j >= 1.  Each yields the
	 * best point for the sets it combines, so an advanced set that only a
	 * scaled size meets can still find it.
	 */
	for (size_t c = 0; c < 1 + 2 * t->n_adv; c++) {
		size_t n_ctx = 0;

		ctx[n_ctx++] = &t->basic;
		if (c >= 1 && c <= t->n_adv) {
			ctx[n_ctx++] = &t->adv[c - 1];
		} else if (c > t->n_adv) {
			size_t j = c - t->n_adv; /* 1..n_adv: sets 0..j */

			if (j >= t->n_adv)
				continue;
			for (size_t i = 0; i <= j; i++)
				ctx[n_ctx++] = &t->adv[i];
		}
		for (size_t i = 0; i < vc->n_modes; i++) {
			if (scaled_cand(&x, d, &vc->modes[i], &t->basic, ctx, n_ctx) < 0)
				continue;
			rc = cands_push(cs, &x);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int add_audio(struct cands *cs, const struct cb_device *d, const struct ctrack *t)
{
	const struct cb_audio_caps *ac = d->audio;
	const struct cset *ctx[CB_CONSTRAINTS_MAX_ADVANCED + 1];
	double vols[1 + 2 * CB_CONSTRAINTS_MAX_ADVANCED + 1], iv;
	size_t n_vols = 0;
	struct cand x;
	int rc;

	/* Volumes: the default, then the basic ideal (or default) clamped per context. */
	vols[n_vols++] = ac->default_volume;
	for (size_t c = 0; c < 1 + t->n_adv; c++) {
		size_t n_ctx = 0;
		struct range r;
		double v;
		int dup = 0;

		ctx[n_ctx++] = &t->basic;
		if (c >= 1)
			ctx[n_ctx++] = &t->adv[c - 1];
		r = req_range(ctx, n_ctx, P_VOLUME);
		r.lo = fmax(r.lo, ac->min_volume);
		r.hi = fmin(r.hi, ac->max_volume);
		if (r.lo > r.hi)
			continue;
		v = clampd(ideal_of(&t->basic, P_VOLUME, &iv) ? iv : ac->default_volume, r.lo,
			   r.hi);
		for (size_t i = 0; i < n_vols; i++)
			dup |= vols[i] == v;
		if (!dup)
			vols[n_vols++] = v;
	}
	int ec_n = ac->echo_cancellation ? 2 : 1, agc_n = ac->auto_gain_control ? 2 : 1,
	    ns_n = ac->noise_suppression ? 2 : 1;
	int pd = ac->processing_default ? 1 : 0;

	for (size_t vi = 0; vi < n_vols; vi++)
		for (size_t ri = 0; ri < ac->n_sample_rates; ri++)
			for (size_t li = 0; li < ac->n_latencies; li++)
				for (int ec = 0; ec < ec_n; ec++)
					for (int agc = 0; agc < agc_n; agc++)
						for (int ns = 0; ns < ns_n; ns++) {
							memset(&x, 0, sizeof(x));
							for (int p = 0; p < P_COUNT; p++)
								x.v[p] = NAN;
							x.dev = d;
							x.v[P_VOLUME] = vols[vi];
							x.v[P_SAMPLE_RATE] = ac->sample_rates[ri];
							x.v[P_SAMPLE_SIZE] = ac->sample_size;
							x.v[P_CHANNEL_COUNT] = ac->channel_count;
							x.v[P_LATENCY] = ac->latencies[li];
							/* index 0 is the preferred value */
							x.v[P_ECHO_CANCELLATION] = ec ? !pd : pd;
							x.v[P_AUTO_GAIN_CONTROL] = agc ? !pd : pd;
							x.v[P_NOISE_SUPPRESSION] = ns ? !pd : pd;
							x.s[P_DEVICE_ID] = d->device_id;
							x.s[P_GROUP_ID] = d->group_id;
							rc = cands_push(cs, &x);
							if (rc < 0)
								return rc;
						}
	return 0;
}

/* Name the constraint of the OverconstrainedError (see constraints.h). */
static const char *failed_constraint(const struct cset *basic, struct cands *cs, unsigned kind_bit)
{
	for (int p = 0; p < P_COUNT; p++) {
		size_t i;

		if (!(basic->c[p].has & H_REQUIRED) || !(props[p].kinds & kind_bit))
			continue;
		for (i = 0; i < cs->n; i++)
			if (isfinite(fitness_one(&basic->c[p], (enum prop)p, &cs->a[i], kind_bit)))
				break;
		if (i == cs->n)
			return props[p].name;
	}
	for (size_t i = 0; i < cs->n; i++)
		cs->a[i].alive = 1;
	for (int p = 0; p < P_COUNT; p++) {
		size_t left = 0;

		for (size_t i = 0; i < cs->n; i++) {
			if (cs->a[i].alive &&
			    !isfinite(fitness_one(&basic->c[p], (enum prop)p, &cs->a[i], kind_bit)))
				cs->a[i].alive = 0;
			left += (size_t)cs->a[i].alive;
		}
		if (!left)
			return props[p].name;
	}
	return ""; /* not reached: some constraint made the fitness infinite */
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int cb_constraints_select(const struct cb_constraints *c, enum cb_device_kind kind,
			  const struct cb_device *devices, size_t n_devices,
			  struct cb_track_settings *out, char *failed, size_t failed_len)
{
	const struct ctrack *t;
	struct cands cs = {0};
	const struct cand *best = NULL;
	unsigned kind_bit;
	uint32_t applied = 0;
	size_t alive = 0;
	int rc = 0;

	if (!c || !out || (kind != CB_DEVICE_VIDEOINPUT && kind != CB_DEVICE_AUDIOINPUT))
		return -EINVAL;
	if (!devices)
		devices = cb_devices_list(&n_devices);
	t = kind == CB_DEVICE_VIDEOINPUT ? &c->video : &c->audio;
	kind_bit = kind == CB_DEVICE_VIDEOINPUT ? K_VIDEO : K_AUDIO;
	if (failed && failed_len)
		failed[0] = '\0';
	if (!t->requested)
		return CB_E_NOTFOUND;
	for (size_t i = 0; i < n_devices; i++) {
		const struct cb_device *d = &devices[i];

		if (d->kind != kind)
			continue;
		if (kind == CB_DEVICE_VIDEOINPUT && d->video)
			rc = add_video(&cs, d, t);
		else if (kind == CB_DEVICE_AUDIOINPUT && d->audio)
			rc = add_audio(&cs, d, t);
		if (rc < 0)
			goto out_free;
	}
	if (!cs.n) {
		rc = CB_E_NOTFOUND;
		goto out_free;
	}
	/* SelectSettings step 3: the basic set, bare values as ideal. */
	for (size_t i = 0; i < cs.n; i++) {
		cs.a[i].fit = fitness_set(&t->basic, &cs.a[i], kind_bit);
		cs.a[i].alive = isfinite(cs.a[i].fit);
		alive += (size_t)cs.a[i].alive;
	}
	if (!alive) {
		if (failed && failed_len)
			copy_str(failed, failed_len, failed_constraint(&t->basic, &cs, kind_bit));
		rc = CB_E_OVERCONSTRAINED;
		goto out_free;
	}
	/* Step 5: advanced sets in order, bare values as exact; skip the unmeetable. */
	for (size_t j = 0; j < t->n_adv; j++) {
		size_t meet = 0;

		for (size_t i = 0; i < cs.n; i++)
			if (cs.a[i].alive && isfinite(fitness_set(&t->adv[j], &cs.a[i], kind_bit)))
				meet++;
		if (!meet)
			continue;
		applied |= UINT32_C(1) << j;
		for (size_t i = 0; i < cs.n; i++)
			if (cs.a[i].alive && !isfinite(fitness_set(&t->adv[j], &cs.a[i], kind_bit)))
				cs.a[i].alive = 0;
	}
	/*
	 * Step 6: the smallest basic-set distance; the first candidate wins a
	 * tie, and distances within 1e-12 are a tie, so rounding noise cannot
	 * reorder the documented preference.
	 */
	for (size_t i = 0; i < cs.n; i++)
		if (cs.a[i].alive && (!best || cs.a[i].fit < best->fit - 1e-12))
			best = &cs.a[i];

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	copy_str(out->device_id, sizeof(out->device_id), best->dev->device_id);
	copy_str(out->group_id, sizeof(out->group_id), best->dev->group_id);
	out->fitness = best->fit;
	out->n_advanced = t->n_adv;
	out->advanced_applied = applied;
	if (kind == CB_DEVICE_VIDEOINPUT) {
		out->width = (int)best->v[P_WIDTH];
		out->height = (int)best->v[P_HEIGHT];
		out->aspect_ratio = best->v[P_ASPECT_RATIO];
		out->frame_rate = best->v[P_FRAME_RATE];
		copy_str(out->facing_mode, sizeof(out->facing_mode), best->s[P_FACING_MODE]);
		copy_str(out->resize_mode, sizeof(out->resize_mode), best->s[P_RESIZE_MODE]);
		out->native = best->native;
	} else {
		out->sample_rate = (int)best->v[P_SAMPLE_RATE];
		out->sample_size = (int)best->v[P_SAMPLE_SIZE];
		out->channel_count = (int)best->v[P_CHANNEL_COUNT];
		out->latency = best->v[P_LATENCY];
		out->volume = best->v[P_VOLUME];
		out->echo_cancellation = best->v[P_ECHO_CANCELLATION] != 0;
		out->auto_gain_control = best->v[P_AUTO_GAIN_CONTROL] != 0;
		out->noise_suppression = best->v[P_NOISE_SUPPRESSION] != 0;
	}
	rc = 0;
out_free:
	free(cs.a);
	return rc;
}

/* ---- getSettings() ---- */

/* JSON.stringify writes 30 for 30.0: whole numbers go out as integers. */
static json_t *js_number(double d)
{
	if (d == trunc(d) && fabs(d) < 9007199254740992.0)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static int put(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v);
}

json_t *cb_track_settings_json(const struct cb_track_settings *s)
{
	json_t *o;
	int bad = 0;

	if (!s || (s->kind != CB_DEVICE_VIDEOINPUT && s->kind != CB_DEVICE_AUDIOINPUT))
		return NULL;
	o = json_object();
	if (!o)
		return NULL;
	/* WebIDL dictionaries list their members in lexicographic order. */
	if (s->kind == CB_DEVICE_VIDEOINPUT) {
		bad |= put(o, "aspectRatio", js_number(s->aspect_ratio));
		bad |= put(o, "deviceId", json_string(s->device_id));
		if (s->facing_mode[0])
			bad |= put(o, "facingMode", json_string(s->facing_mode));
		bad |= put(o, "frameRate", js_number(s->frame_rate));
		bad |= put(o, "groupId", json_string(s->group_id));
		bad |= put(o, "height", json_integer(s->height));
		bad |= put(o, "resizeMode", json_string(s->resize_mode));
		bad |= put(o, "width", json_integer(s->width));
	} else {
		bad |= put(o, "autoGainControl", json_boolean(s->auto_gain_control));
		bad |= put(o, "channelCount", json_integer(s->channel_count));
		bad |= put(o, "deviceId", json_string(s->device_id));
		bad |= put(o, "echoCancellation", json_boolean(s->echo_cancellation));
		bad |= put(o, "groupId", json_string(s->group_id));
		bad |= put(o, "latency", js_number(s->latency));
		bad |= put(o, "noiseSuppression", json_boolean(s->noise_suppression));
		bad |= put(o, "sampleRate", json_integer(s->sample_rate));
		bad |= put(o, "sampleSize", json_integer(s->sample_size));
		bad |= put(o, "volume", js_number(s->volume));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
