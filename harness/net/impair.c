/*
 * impair.c — the network impairment emulator (see impair.h for the model).
 *
 * The capacity link is computed in closed form rather than by polling as
 * WebRTC does: since packets come in send order and the link serves them in
 * order, each accepted packet's departure is max(t_send, previous departure)
 * plus its serialization time, and the queue occupancy at t_send is the
 * number of departures still in the future.  A ring of those departure
 * times is all the state the queue needs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "base/rng.h"
#include "net/impair.h"

#define DEFAULT_DIR	 "fixtures/net"
#define MAX_PACKET_SIZE	 (1u << 24)
#define MAX_PROFILES	 128
#define PARETO_SHAPE	 3.0
#define RING_INITIAL_CAP 64

struct cb_impair {
	struct cb_impair_cfg cfg;
	/*
	 * One generator per model, so that enabling one model does not shift
	 * the random numbers another sees.
	 */
	struct cb_rng rng_loss, rng_jitter, rng_dup;
	/* Probabilities in [0, 1], derived once from the percent settings. */
	double p_loss, p_start, p_stay, p_dup;
	double ge_p, ge_r, ge_loss_bad, ge_loss_good;
	int bursting, ge_bad;
	uint64_t bps;	  /* link capacity in bit/s; 0 = unlimited */
	cb_ns link_free;  /* when the last accepted packet leaves the link */
	cb_ns last_send;  /* for the non-decreasing check */
	cb_ns first_send; /* the first packet, for the outage window */
	cb_ns last_release;
	/* Departure times of packets not yet fully serialized, oldest first. */
	cb_ns *dep;
	size_t dep_cap, dep_head, dep_count;
};

/* Write a message into a caller's buffer that may be NULL. */
static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Append to a string being built in buf, never past len. */
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos = *pos + (size_t)n < len ? *pos + (size_t)n : len;
}

static const char *const dist_names[] = {
    [CB_JITTER_NORMAL] = "normal",
    [CB_JITTER_UNIFORM] = "uniform",
    [CB_JITTER_PARETO] = "pareto",
    NULL,
};

void cb_impair_cfg_default(struct cb_impair_cfg *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->jitter_dist = CB_JITTER_NORMAL;
	c->burst_len = -1;
	c->seed = 1;
	snprintf(c->name, sizeof(c->name), "perfect");
}

/* Each field is held to its row's range (cb_impair_settings, below); what
 * follows here involves more than one field. */
int cb_impair_cfg_check(const struct cb_impair_cfg *c, char *why, size_t why_len)
{
	char msg[256];

	if (!c) {
		say(why, why_len, "no configuration");
		return -EINVAL;
	}
	if (cb_settings_check(cb_impair_settings, c, msg, sizeof(msg)) < 0) {
		say(why, why_len, "%s", msg);
		return -EINVAL;
	}
	if (c->rate_kbps > 0 && c->rate_kbps < 0.001) {
		say(why, why_len,
		    "rate_kbps %g is below 1 bit/s: allowed 0 (unlimited) or 0.001 to 1e9",
		    c->rate_kbps);
		return -EINVAL;
	}
	if (c->gemodel && (c->loss_pct > 0 || c->burst_len > 1)) {
		say(why, why_len,
		    "gemodel and loss_pct/burst_len are two loss models: set one of them");
		return -EINVAL;
	}
	if (!c->gemodel && c->burst_len > 1) {
		/*
		 * WebRTC's form starts a burst with probability p/(1-p)/burst,
		 * which must be a probability.
		 */
		double p = c->loss_pct / 100;

		if (p >= 1 || p / (1 - p) > c->burst_len) {
			say(why, why_len,
			    "burst_len %g is too short for loss_pct %g: bursts must average at "
			    "least loss/(100-loss) packets",
			    c->burst_len, c->loss_pct);
			return -EINVAL;
		}
	}
	if (!memchr(c->name, '\0', sizeof(c->name))) {
		say(why, why_len, "name is not terminated within %d bytes", CB_IMPAIR_NAME_LEN);
		return -EINVAL;
	}
	return 0;
}

int cb_impair_is_perfect(const struct cb_impair_cfg *c)
{
	int lossless;

	if (!c)
		return 0;
	if (c->gemodel)
		lossless = (c->ge_1h == 0 || c->ge_p == 0) && c->ge_1k == 0;
	else
		lossless = c->loss_pct == 0;
	return c->delay_ms == 0 && c->jitter_ms == 0 && lossless && c->dup_pct == 0 &&
	       c->rate_kbps == 0 && c->outage_s == 0;
}

int cb_impair_open(struct cb_impair **out, const struct cb_impair_cfg *cfg)
{
	struct cb_impair *im;

	if (!out || cb_impair_cfg_check(cfg, NULL, 0))
		return -EINVAL;
	im = calloc(1, sizeof(*im));
	if (!im)
		return -ENOMEM;
	im->cfg = *cfg;
	im->dep_cap = cfg->queue_packets > 0 ? (size_t)cfg->queue_packets : RING_INITIAL_CAP;
	if (cfg->rate_kbps > 0) {
		im->dep = calloc(im->dep_cap, sizeof(*im->dep));
		if (!im->dep)
			goto out_free_im;
		im->bps = (uint64_t)llround(cfg->rate_kbps * 1000);
	}
	cb_rng_seed(&im->rng_loss, cb_mix64(cfg->seed ^ 0x6c6f7373ULL));
	cb_rng_seed(&im->rng_jitter, cb_mix64(cfg->seed ^ 0x6a697474ULL));
	cb_rng_seed(&im->rng_dup, cb_mix64(cfg->seed ^ 0x64757020ULL));
	im->p_loss = cfg->loss_pct / 100;
	if (cfg->burst_len > 1) {
		im->p_stay = 1 - 1 / cfg->burst_len;
		im->p_start = im->p_loss / (1 - im->p_loss) / cfg->burst_len;
	}
	im->ge_p = cfg->ge_p / 100;
	im->ge_r = cfg->ge_r / 100;
	im->ge_loss_bad = cfg->ge_1h / 100;
	im->ge_loss_good = cfg->ge_1k / 100;
	im->p_dup = cfg->dup_pct / 100;
	im->link_free = INT64_MIN;
	im->last_send = INT64_MIN;
	im->first_send = CB_NS_NONE;
	im->last_release = INT64_MIN;
	*out = im;
	return 0;

out_free_im:
	free(im);
	return -ENOMEM;
}

const struct cb_impair_cfg *cb_impair_cfg_of(const struct cb_impair *im)
{
	return im ? &im->cfg : NULL;
}

void cb_impair_close(struct cb_impair *im)
{
	if (!im)
		return;
	free(im->dep);
	free(im);
}

/* Make room for one more departure in the ring, keeping its order. */
static int ring_reserve(struct cb_impair *im)
{
	size_t cap = im->dep_cap * 2;
	cb_ns *d;

	if (im->dep_count < im->dep_cap)
		return 0;
	d = malloc(cap * sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < im->dep_count; i++)
		d[i] = im->dep[(im->dep_head + i) % im->dep_cap];
	free(im->dep);
	im->dep = d;
	im->dep_cap = cap;
	im->dep_head = 0;
	return 0;
}

/*
 * The loss decision for one packet leaving the link.  In WebRTC's form the
 * state "bursting" is the same as "this packet is lost", so a burst is a run
 * of consecutive losses.  In netem's form the packet's fate follows the
 * state it finds, then the state moves, as in the kernel's loss_gilb_ell().
 */
static int lose(struct cb_impair *im)
{
	double u;

	if (im->cfg.gemodel) {
		int lost;

		if (im->ge_loss_bad == 0 && im->ge_loss_good == 0)
			return 0;
		u = cb_rng_uniform(&im->rng_loss);
		lost = u < (im->ge_bad ? im->ge_loss_bad : im->ge_loss_good);
		u = cb_rng_uniform(&im->rng_loss);
		if (im->ge_bad)
			im->ge_bad = !(u < im->ge_r);
		else
			im->ge_bad = u < im->ge_p;
		return lost;
	}
	if (im->p_loss == 0)
		return 0;
	u = cb_rng_uniform(&im->rng_loss);
	if (im->cfg.burst_len <= 1)
		return u < im->p_loss;
	im->bursting = u < (im->bursting ? im->p_stay : im->p_start);
	return im->bursting;
}

/* One delay-link sample in ms: delay plus jitter, never below zero. */
static double delay_sample(struct cb_impair *im)
{
	const struct cb_impair_cfg *c = &im->cfg;
	double j = c->jitter_ms, x;

	if (j == 0)
		return c->delay_ms;
	switch (c->jitter_dist) {
	case CB_JITTER_UNIFORM:
		x = j * (2 * cb_rng_uniform(&im->rng_jitter) - 1);
		break;
	case CB_JITTER_PARETO:
		/*
		 * Lomax by inversion: scale (shape - 1) * J makes the mean
		 * excess J.  1 - u lies in (0, 1], so the power is finite.
		 */
		x = (PARETO_SHAPE - 1) * j *
		    (pow(1 - cb_rng_uniform(&im->rng_jitter), -1 / PARETO_SHAPE) - 1);
		break;
	case CB_JITTER_NORMAL:
	default:
		x = j * cb_rng_normal(&im->rng_jitter);
		break;
	}
	if (x < -c->delay_ms)
		x = -c->delay_ms;
	return c->delay_ms + x;
}

static cb_ns release_copy(struct cb_impair *im, cb_ns depart)
{
	double ms = delay_sample(im);
	cb_ns r = depart + (ms > 0 ? (cb_ns)llround(ms * (double)CB_NS_PER_MS) : 0);

	if (!im->cfg.allow_reordering && r < im->last_release)
		r = im->last_release;
	if (r > im->last_release)
		im->last_release = r;
	return r;
}

int cb_impair_packet(struct cb_impair *im, cb_ns t_send, size_t size, struct cb_impair_verdict *v)
{
	cb_ns start, depart, ser = 0;

	if (!im || !v || t_send < im->last_send || t_send == CB_NS_NONE || size > MAX_PACKET_SIZE)
		return -EINVAL;
	if (im->bps && im->cfg.queue_packets == 0) {
		int err = ring_reserve(im);

		if (err)
			return err;
	}
	im->last_send = t_send;
	v->fate = CB_IMPAIR_DELIVER;
	v->copies = 0;
	v->release[0] = v->release[1] = CB_NS_NONE;
	v->queue_delay = 0;
	v->serialization = 0;
	/* An outage (a link that goes down, a handover) loses everything
	 * sent during it, before any other model looks at the packet. */
	if (im->first_send == CB_NS_NONE)
		im->first_send = t_send;
	if (im->cfg.outage_s > 0) {
		cb_ns from = im->first_send + (cb_ns)(im->cfg.outage_at_s * CB_NS_PER_S);
		cb_ns to = from + (cb_ns)(im->cfg.outage_s * CB_NS_PER_S);

		if (t_send >= from && t_send < to) {
			v->fate = CB_IMPAIR_LOSS;
			return 0;
		}
	}

	if (im->bps) {
		uint64_t bits = ((uint64_t)size + (uint64_t)im->cfg.overhead_bytes) * 8;

		/* A packet that finished serializing by t_send has left the queue. */
		while (im->dep_count && im->dep[im->dep_head] <= t_send) {
			im->dep_head = (im->dep_head + 1) % im->dep_cap;
			im->dep_count--;
		}
		if (im->cfg.queue_packets > 0 && im->dep_count >= (size_t)im->cfg.queue_packets) {
			v->fate = CB_IMPAIR_QUEUE_DROP;
			return 0;
		}
		/* Rounded up: a packet has not arrived until its last bit has. */
		ser = (cb_ns)((bits * (uint64_t)CB_NS_PER_S + im->bps - 1) / im->bps);
		start = t_send > im->link_free ? t_send : im->link_free;
		depart = start + ser;
		im->link_free = depart;
		im->dep[(im->dep_head + im->dep_count) % im->dep_cap] = depart;
		im->dep_count++;
		v->queue_delay = start - t_send;
		v->serialization = ser;
	} else {
		depart = t_send;
	}

	if (lose(im)) {
		v->fate = CB_IMPAIR_LOSS;
		return 0;
	}
	v->copies = 1;
	v->release[0] = release_copy(im, depart);
	if (im->p_dup > 0 && cb_rng_uniform(&im->rng_dup) < im->p_dup) {
		v->copies = 2;
		v->release[1] = release_copy(im, depart);
	}
	return 0;
}

/*
 * The network's settings as a table (base/setting.h), once for the "--net"
 * spec, the JSON profiles and summary.json: a row's name is the profile's
 * member (the struct field), its alias the spec's key, its json key that
 * of summary.json's settings.network.  The netem gemodel parameters have
 * no key of their own in the spec ("gemodel=p:r:1-h:1-k" sets them all)
 * nor in the summary (one array, call/settings.c).
 */
#define NET(m) CB_SETTING_AT(struct cb_impair_cfg, m)

const struct cb_setting cb_impair_settings[] = {
    {.name = "delay_ms",
     .alias = "delay",
     .arg = "MS",
     .help = "one-way delay in ms",
     .type = CB_SETTING_DOUBLE,
     NET(delay_ms),
     .min = 0,
     .max = 1e6,
     .unit = "ms",
     .json = "delay_ms"},
    {.name = "jitter_ms",
     .alias = "jitter",
     .arg = "MS",
     .help = "jitter in ms (sd, half-width or mean excess)",
     .type = CB_SETTING_DOUBLE,
     NET(jitter_ms),
     .min = 0,
     .max = 1e6,
     .unit = "ms",
     .json = "jitter_ms"},
    {.name = "jitter_dist",
     .alias = "dist",
     .arg = "NAME",
     .help = "shape of the jitter",
     .type = CB_SETTING_ENUM,
     NET(jitter_dist),
     .choices = dist_names,
     .what = "jitter distribution",
     .json = "jitter_dist"},
    {.name = "allow_reordering",
     .alias = "reorder",
     .help = "a packet may overtake the one before it",
     .type = CB_SETTING_FLAG,
     NET(allow_reordering),
     .flag = 1,
     .json = "reordering"},
    {.name = "loss_pct",
     .alias = "loss",
     .arg = "PCT",
     .help = "loss in percent (WebRTC model)",
     .type = CB_SETTING_DOUBLE,
     NET(loss_pct),
     .min = 0,
     .max = 100,
     .unit = "%",
     .json = "loss_pct"},
    {.name = "burst_len",
     .alias = "burst",
     .arg = "PACKETS",
     .help = "mean loss burst in packets (<= 1: independent)",
     .type = CB_SETTING_DOUBLE,
     NET(burst_len),
     .min = -1,
     .max = 1e6,
     .json = "burst_len"},
    {.name = "gemodel",
     .alias = "gemodel",
     .help = "netem's Gilbert-Elliott loss instead of loss_pct/burst_len (spec: "
	     "gemodel=p[:r[:1-h[:1-k]]] in percent)",
     .type = CB_SETTING_FLAG,
     NET(gemodel),
     .flag = 1,
     .json = "gemodel"},
    {.name = "ge_p",
     .arg = "PCT",
     .help = "gemodel: good to bad, percent",
     .type = CB_SETTING_DOUBLE,
     NET(ge_p),
     .min = 0,
     .max = 100,
     .unit = "%"},
    {.name = "ge_r",
     .arg = "PCT",
     .help = "gemodel: bad to good, percent",
     .type = CB_SETTING_DOUBLE,
     NET(ge_r),
     .min = 0,
     .max = 100,
     .unit = "%"},
    {.name = "ge_1h",
     .arg = "PCT",
     .help = "gemodel: loss in the bad state, percent",
     .type = CB_SETTING_DOUBLE,
     NET(ge_1h),
     .min = 0,
     .max = 100,
     .unit = "%"},
    {.name = "ge_1k",
     .arg = "PCT",
     .help = "gemodel: loss in the good state, percent",
     .type = CB_SETTING_DOUBLE,
     NET(ge_1k),
     .min = 0,
     .max = 100,
     .unit = "%"},
    {.name = "dup_pct",
     .alias = "dup",
     .arg = "PCT",
     .help = "duplication in percent",
     .type = CB_SETTING_DOUBLE,
     NET(dup_pct),
     .min = 0,
     .max = 100,
     .unit = "%",
     .json = "dup_pct"},
    {.name = "rate_kbps",
     .alias = "rate",
     .arg = "KBPS",
     .help = "capacity in kbit/s, 0 = unlimited",
     .type = CB_SETTING_DOUBLE,
     NET(rate_kbps),
     .min = 0,
     .max = 1e9,
     .unit = "kbps",
     .json = "rate_kbps"},
    {.name = "queue_packets",
     .alias = "queue",
     .arg = "PACKETS",
     .help = "queue limit in packets, 0 = unlimited",
     .type = CB_SETTING_INT,
     NET(queue_packets),
     .min = 0,
     .max = 1e6,
     .json = "queue_packets"},
    {.name = "overhead_bytes",
     .alias = "overhead",
     .arg = "BYTES",
     .help = "bytes added to each packet for the capacity",
     .type = CB_SETTING_INT,
     NET(overhead_bytes),
     .min = 0,
     .max = 65535,
     .json = "overhead_bytes"},
    {.name = "seed",
     .alias = "seed",
     .arg = "N",
     .help = "seeds every random choice",
     .type = CB_SETTING_U64,
     NET(seed),
     .json = "seed"},
    {.name = "outage_at_s",
     .alias = "outage_at",
     .arg = "SECONDS",
     .help = "seconds after the first packet when an outage starts",
     .type = CB_SETTING_DOUBLE,
     NET(outage_at_s),
     .min = 0,
     .max = 1e6,
     .unit = "s",
     .json = "outage_at_s"},
    {.name = "outage_s",
     .alias = "outage",
     .arg = "SECONDS",
     .help = "outage length in seconds: every packet in it is lost",
     .type = CB_SETTING_DOUBLE,
     NET(outage_s),
     .min = 0,
     .max = 1e6,
     .unit = "s",
     .json = "outage_s"},
    {.name = NULL},
};

static void list_keys(char *buf, size_t len)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	size_t pos = 0;

	buf[0] = '\0';
	cb_settings_it_init(&it, cb_impair_settings);
	while ((row = cb_settings_next(&it, NULL)))
		if (row->alias)
			append(buf, len, &pos, "%s%s", pos ? ", " : "", row->alias);
}

void cb_impair_keys(char *buf, size_t len)
{
	if (buf && len)
		list_keys(buf, len);
}

/* netem "gemodel p [r [1-h [1-k]]]" with netem's defaults for the rest;
 * each part as its ge_* row parses it. */
static int parse_gemodel(const char *s, struct cb_impair_cfg *c)
{
	static const char *const rows[4] = {"ge_p", "ge_r", "ge_1h", "ge_1k"};
	struct cb_impair_cfg t = *c;
	char part[64], why[128];
	size_t n = 0;
	const char *p = s;

	t.ge_r = t.ge_1h = 100;
	t.ge_1k = 0;
	while (n < 4) {
		const char *colon = strchr(p, ':');
		size_t l = colon ? (size_t)(colon - p) : strlen(p);

		if (l == 0 || l >= sizeof(part))
			return -1;
		memcpy(part, p, l);
		part[l] = '\0';
		if (cb_settings_set(cb_impair_settings, &t, rows[n], part, why, sizeof(why)))
			return -1;
		n++;
		if (!colon)
			break;
		p = colon + 1;
		if (n == 4)
			return -1;
	}
	t.gemodel = 1;
	t.loss_pct = 0;
	t.burst_len = -1;
	*c = t;
	return 0;
}

/* Apply one "key=value" (value NULL for a bare key) to c. */
static int apply_kv(struct cb_impair_cfg *c, const char *key, const char *val, char *why,
		    size_t why_len)
{
	const struct cb_setting *o =
	    cb_settings_find_alias(cb_impair_settings, key, strlen(key), NULL);
	char keys[256], msg[256] = "";

	if (!o) {
		list_keys(keys, sizeof(keys));
		say(why, why_len, "unknown key '%s': known keys are %s", key, keys);
		return -EINVAL;
	}
	if (o->offset == offsetof(struct cb_impair_cfg, gemodel)) {
		if (!val || parse_gemodel(val, c)) {
			say(why, why_len,
			    "bad value '%s' for key 'gemodel': allowed p[:r[:1-h[:1-k]]] in "
			    "percent, 0 to 100",
			    val ? val : "(none)");
			return -EINVAL;
		}
		return 0;
	}
	if (!val && o->type == CB_SETTING_FLAG)
		return cb_setting_set_flag(o, c);
	if (!val) {
		say(why, why_len, "key '%s' needs a value (%s)", key, o->help);
		return -EINVAL;
	}
	if (cb_setting_parse(o, c, val, msg, sizeof(msg)) < 0) {
		say(why, why_len, "bad value for key '%s': %s", key, msg);
		return -EINVAL;
	}
	if (o->offset == offsetof(struct cb_impair_cfg, loss_pct) ||
	    o->offset == offsetof(struct cb_impair_cfg, burst_len)) {
		/* A WebRTC loss setting replaces a netem gemodel. */
		c->gemodel = 0;
		c->ge_p = c->ge_r = c->ge_1h = c->ge_1k = 0;
	}
	return 0;
}

int cb_impair_parse(const char *spec, struct cb_impair_cfg *cfg, char *why, size_t why_len)
{
	struct cb_impair_cfg tmp;
	char *copy, *tok, *save = NULL, msg[256];
	int err = 0, changed = 0;

	if (!spec || !cfg) {
		say(why, why_len, "no spec or no configuration");
		return -EINVAL;
	}
	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	tmp = *cfg;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq, *end;

		while (*tok == ' ')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && end[-1] == ' ')
			*--end = '\0';
		if (!*tok)
			continue;
		eq = strchr(tok, '=');
		if (eq)
			*eq = '\0';
		err = apply_kv(&tmp, tok, eq ? eq + 1 : NULL, why, why_len);
		if (err)
			goto out_free_copy;
		changed = 1;
	}
	if (changed) {
		size_t l = strnlen(tmp.name, sizeof(tmp.name));

		if (l == 0 || !strcmp(tmp.name, "perfect"))
			snprintf(tmp.name, sizeof(tmp.name), "custom");
		else if (strcmp(tmp.name, "custom") && tmp.name[l - 1] != '+' &&
			 l + 1 < sizeof(tmp.name))
			tmp.name[l] = '+', tmp.name[l + 1] = '\0';
	}
	err = cb_impair_cfg_check(&tmp, msg, sizeof(msg));
	if (err) {
		say(why, why_len, "in '%s': %s", spec, msg);
		goto out_free_copy;
	}
	*cfg = tmp;

out_free_copy:
	free(copy);
	return err;
}

static int is_text(json_t *v)
{
	size_t i;
	json_t *e;

	if (json_is_string(v))
		return 1;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return 0;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			return 0;
	}
	return 1;
}

static int load_file(const char *path, const char *want_name, struct cb_impair_cfg *cfg, char *why,
		     size_t why_len)
{
	struct cb_impair_cfg tmp;
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	char msg[256];
	int err = CB_E_FORMAT;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		say(why, why_len, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return CB_E_FORMAT;
	}
	if (!json_is_object(root)) {
		say(why, why_len, "%s: the profile must be a JSON object", path);
		goto out_decref;
	}
	cb_impair_cfg_default(&tmp);
	tmp.name[0] = '\0';
	json_object_foreach(root, key, v)
	{
		if (!strcmp(key, "name")) {
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) >= sizeof(tmp.name)) {
				say(why, why_len,
				    "%s: member 'name' must be a string of 1 to %d bytes", path,
				    CB_IMPAIR_NAME_LEN - 1);
				goto out_decref;
			}
			snprintf(tmp.name, sizeof(tmp.name), "%s", json_string_value(v));
			continue;
		}
		if (!strcmp(key, "description") || !strcmp(key, "assumptions") ||
		    !strcmp(key, "sources")) {
			if (!is_text(v)) {
				say(why, why_len,
				    "%s: member '%s' must be a string or an array of strings", path,
				    key);
				goto out_decref;
			}
			continue;
		}
		if (cb_settings_read_member(cb_impair_settings, &tmp, key, v, msg, sizeof(msg))) {
			say(why, why_len, "%s: %s", path, msg);
			goto out_decref;
		}
	}
	if (!tmp.name[0] || !json_object_get(root, "description") ||
	    !json_object_get(root, "assumptions")) {
		say(why, why_len,
		    "%s: members 'name', 'description' and 'assumptions' are required", path);
		goto out_decref;
	}
	if (want_name && strcmp(want_name, tmp.name)) {
		say(why, why_len, "%s: member 'name' is '%s' but the file is named for '%s'", path,
		    tmp.name, want_name);
		goto out_decref;
	}
	if (cb_impair_cfg_check(&tmp, msg, sizeof(msg))) {
		say(why, why_len, "%s: %s", path, msg);
		goto out_decref;
	}
	*cfg = tmp;
	err = 0;

out_decref:
	json_decref(root);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cb_impair_profile_dir(char *dir, size_t len)
{
	char exe[512];
	ssize_t n;

	if (access(DEFAULT_DIR, R_OK) == 0) {
		snprintf(dir, len, "%s", DEFAULT_DIR);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		snprintf(dir, len, "%.400s/../%s", exe, DEFAULT_DIR);
		return;
	}
	snprintf(dir, len, "%s", DEFAULT_DIR);
}

int cb_impair_profile_names(const char *dir, char *buf, size_t len)
{
	char *names[MAX_PROFILES], found[600];
	struct dirent *e;
	size_t n = 0, pos = 0;
	DIR *d;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	if (!dir) {
		cb_impair_profile_dir(found, sizeof(found));
		dir = found;
	}
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < MAX_PROFILES) {
		size_t l = strlen(e->d_name);

		if (l > 5 && e->d_name[0] != '.' && !strcmp(e->d_name + l - 5, ".json")) {
			names[n] = strndup(e->d_name, l - 5);
			if (names[n])
				n++;
		}
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		append(buf, len, &pos, "%s%s", i ? ", " : "", names[i]);
		free(names[i]);
	}
	return (int)n;
}

/* A profile name is a plain file stem: no path, no leading dot. */
static int is_plain_name(const char *s)
{
	if (!*s || *s == '.' || strlen(s) >= CB_IMPAIR_NAME_LEN)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

int cb_impair_profile_load(const char *dir, const char *name_or_path, struct cb_impair_cfg *cfg,
			   char *why, size_t why_len)
{
	const char *d = dir;
	size_t l;
	struct stat st;
	char path[4096], known[1024], found[600];

	if (!name_or_path || !cfg) {
		say(why, why_len, "no profile name or no configuration");
		return -EINVAL;
	}
	l = strlen(name_or_path);
	if (strchr(name_or_path, '/') || (l > 5 && !strcmp(name_or_path + l - 5, ".json"))) {
		if (stat(name_or_path, &st) || !S_ISREG(st.st_mode)) {
			say(why, why_len, "no network profile file '%s'", name_or_path);
			return CB_E_NOTFOUND;
		}
		return load_file(name_or_path, NULL, cfg, why, why_len);
	}
	if (!d) {
		cb_impair_profile_dir(found, sizeof(found));
		d = found;
	}
	if (is_plain_name(name_or_path)) {
		snprintf(path, sizeof(path), "%s/%s.json", d, name_or_path);
		if (!stat(path, &st) && S_ISREG(st.st_mode))
			return load_file(path, name_or_path, cfg, why, why_len);
	}
	if (cb_impair_profile_names(d, known, sizeof(known)) < 0)
		snprintf(known, sizeof(known), "(cannot read %s)", d);
	say(why, why_len, "no network profile '%s' in %s; known: %s", name_or_path, d, known);
	return CB_E_NOTFOUND;
}

void cb_impair_describe(const struct cb_impair_cfg *c, char *buf, size_t len)
{
	size_t pos = 0;
	size_t start;

	if (!buf || !len)
		return;
	buf[0] = '\0';
	if (!c)
		return;
	if (c->name[0])
		append(buf, len, &pos, "%.*s: ", CB_IMPAIR_NAME_LEN, c->name);
	if (cb_impair_is_perfect(c)) {
		append(buf, len, &pos, "perfect network (no delay, loss or rate limit)");
		return;
	}
	start = pos;
#define SEP (pos > start ? ", " : "")
	append(buf, len, &pos, "%sdelay %g ms", SEP, c->delay_ms);
	if (c->jitter_ms > 0) {
		switch (c->jitter_dist) {
		case CB_JITTER_UNIFORM:
			append(buf, len, &pos, "%sjitter +-%g ms uniform", SEP, c->jitter_ms);
			break;
		case CB_JITTER_PARETO:
			append(buf, len, &pos, "%sjitter %g ms pareto mean excess", SEP,
			       c->jitter_ms);
			break;
		default:
			append(buf, len, &pos, "%sjitter %g ms normal sd", SEP, c->jitter_ms);
			break;
		}
		append(buf, len, &pos, "%s", c->allow_reordering ? " (reordering)" : " (in order)");
	}
	if (c->gemodel) {
		double p = c->ge_p / 100, r = c->ge_r / 100;
		double rate = p + r > 0 ? (p * c->ge_1h + r * c->ge_1k) / (p + r) : c->ge_1k;

		append(buf, len, &pos,
		       "%sloss gemodel p %g %% r %g %% 1-h %g %% 1-k %g %% (%.3g %%", SEP, c->ge_p,
		       c->ge_r, c->ge_1h, c->ge_1k, rate);
		if (c->ge_1h == 100 && c->ge_1k == 0 && r > 0)
			append(buf, len, &pos, ", bursts of %.3g", 1 / r);
		append(buf, len, &pos, ")");
	} else if (c->loss_pct > 0) {
		if (c->burst_len > 1)
			append(buf, len, &pos, "%sloss %g %% (bursts of %g)", SEP, c->loss_pct,
			       c->burst_len);
		else
			append(buf, len, &pos, "%sloss %g %% random", SEP, c->loss_pct);
	}
	if (c->dup_pct > 0)
		append(buf, len, &pos, "%sdup %g %%", SEP, c->dup_pct);
	if (c->rate_kbps > 0) {
		append(buf, len, &pos, "%srate %g kbps", SEP, c->rate_kbps);
		if (c->queue_packets > 0)
			append(buf, len, &pos, ", queue %d pkts", c->queue_packets);
		else
			append(buf, len, &pos, ", unlimited queue");
		append(buf, len, &pos, ", overhead %d B", c->overhead_bytes);
	}
	if (c->outage_s > 0)
		append(buf, len, &pos, "%soutage %g s at %g s", SEP, c->outage_s, c->outage_at_s);
	append(buf, len, &pos, "%sseed %llu", SEP, (unsigned long long)c->seed);
#undef SEP
}
