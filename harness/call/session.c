/*
 * session.c — one end's view of a call: its own part, the source
 * description it sends or receives (a=x-callbench-source), the caps it
 * offers or answers with, and what the offer/answer agreed.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error.h"
#include "call/session.h"
#include "rtp/rtcp.h"

void cb_session_init(struct cb_session *ss, const struct cb_call_cfg *cfg,
		     const struct cb_logger *log)
{
	memset(ss, 0, sizeof(*ss));
	ss->cfg = cfg;
	ss->log = log;
	cb_clock_real_init(&ss->clock);
	ss->suite = cfg->srtp;
	ss->key_len = cb_srtp_key_len(cfg->srtp);
	ss->max_payload = (size_t)cfg->mtu - 12 - cb_srtp_overhead(cfg->srtp);
	ss->media[0].rtx_pt = ss->media[1].rtx_pt = -1;
	/* NTP time of cb_ns 0: measured for the real clock, a constant in a
	 * simulation so runs repeat. */
	ss->ntp_epoch = CB_NTP_UNIX_EPOCH_S * CB_NS_PER_S;
	if (!cfg->sim) {
		struct timespec rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		ss->ntp_epoch += (cb_ns)rt.tv_sec * CB_NS_PER_S + rt.tv_nsec - cb_real_now();
	}
	cb_source_desc_from_cfg(&ss->src, cfg);
}

void cb_source_desc_from_cfg(struct cb_source_desc *d, const struct cb_call_cfg *c)
{
	memset(d, 0, sizeof(*d));
	d->camera = (struct cb_camera_cfg){
	    .track = {.width = c->width,
		      .height = c->height,
		      .fps_num = c->fps,
		      .fps_den = 1,
		      .seed = (uint32_t)c->seed},
	    .native_width = c->native_width,
	    .native_height = c->native_height,
	};
	d->mic = (struct cb_audio_source_cfg){
	    .sample_rate = 48000,
	    .frame_samples = 48000 / 1000 * c->audio_frame_ms,
	    .marks = {.sample_rate = 48000,
		      .period_ms = c->mark_period_ms,
		      .level_dbfs = -16.0,
		      .seed = (uint32_t)c->seed},
	    .level_dbfs = -20.0,
	    .seed = (uint32_t)c->seed,
	};
}

static int kv_add(struct cb_sdp_kv *kv, size_t *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int kv_add(struct cb_sdp_kv *kv, size_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (*n >= CB_SDP_MAX_SOURCE)
		return CB_E_RANGE;
	snprintf(kv[*n].key, sizeof(kv[*n].key), "%s", key);
	va_start(ap, fmt);
	len = vsnprintf(kv[*n].value, sizeof(kv[*n].value), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(kv[*n].value))
		return CB_E_RANGE;
	(*n)++;
	return 0;
}

int cb_source_desc_format(const struct cb_source_desc *d, enum cb_media m, struct cb_sdp_kv *kv,
			  size_t *n)
{
	int rc = 0;

	*n = 0;
	if (m == CB_MEDIA_VIDEO) {
		const struct cb_camera_cfg *c = &d->camera;

		rc = kv_add(kv, n, "kind", "camera");
		rc = rc ? rc : kv_add(kv, n, "width", "%d", c->track.width);
		rc = rc ? rc : kv_add(kv, n, "height", "%d", c->track.height);
		rc = rc ? rc : kv_add(kv, n, "fps", "%d", c->track.fps_num);
		rc = rc ? rc : kv_add(kv, n, "seed", "%" PRIu32, c->track.seed);
		if (!rc && c->native_width && c->native_height &&
		    (c->native_width != c->track.width || c->native_height != c->track.height))
			rc = kv_add(kv, n, "native", "%dx%d", c->native_width, c->native_height);
		return rc;
	}
	rc = kv_add(kv, n, "kind", "microphone");
	rc = rc ? rc : kv_add(kv, n, "rate", "%d", d->mic.sample_rate);
	rc = rc ? rc : kv_add(kv, n, "frame", "%d", d->mic.frame_samples);
	rc = rc ? rc : kv_add(kv, n, "level", "%.17g", d->mic.level_dbfs);
	rc = rc ? rc : kv_add(kv, n, "seed", "%" PRIu32, d->mic.seed);
	rc = rc ? rc : kv_add(kv, n, "mark_period", "%d", d->mic.marks.period_ms);
	rc = rc ? rc : kv_add(kv, n, "mark_level", "%.17g", d->mic.marks.level_dbfs);
	rc = rc ? rc : kv_add(kv, n, "mark_seed", "%" PRIu32, d->mic.marks.seed);
	rc = rc ? rc : kv_add(kv, n, "delay", "%d", d->audio_delay);
	return rc;
}

/* A decimal integer in [lo, hi], the whole of `s`. */
static int get_int(const char *s, long long lo, long long hi, long long *v)
{
	char *end;

	if (!*s || strspn(s, "-0123456789") != strlen(s))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || *end || *v < lo || *v > hi ? -1 : 0;
}

static int get_double(const char *s, double lo, double hi, double *v)
{
	char *end;

	if (!*s || strspn(s, "+-0123456789.eE") != strlen(s))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	return errno || *end || !(*v >= lo && *v <= hi) ? -1 : 0;
}

struct want {
	const char *key;
	long long lo, hi;
	int required;
};

static const struct want video_keys[] = {
    {"width", 64, 4096, 1},	{"height", 64, 4096, 1}, {"fps", 1, 240, 1},
    {"seed", 0, UINT32_MAX, 1}, {"native", 0, 0, 0},
};
static const struct want audio_keys[] = {
    {"rate", 48000, 48000, 1},	     {"frame", 120, 5760, 1},	    {"level", -100, 0, 1},
    {"seed", 0, UINT32_MAX, 1},	     {"mark_period", 20, 10000, 1}, {"mark_level", -100, 0, 1},
    {"mark_seed", 0, UINT32_MAX, 1}, {"delay", 0, 48000, 1},
};

static int set_video(struct cb_camera_cfg *c, const char *key, const char *val, long long v)
{
	if (!strcmp(key, "width"))
		c->track.width = (int)v;
	else if (!strcmp(key, "height"))
		c->track.height = (int)v;
	else if (!strcmp(key, "fps"))
		c->track.fps_num = (int)v;
	else if (!strcmp(key, "seed"))
		c->track.seed = (uint32_t)v;
	else if (!strcmp(key, "native")) {
		int w, h;
		char tail;

		if (sscanf(val, "%dx%d%c", &w, &h, &tail) != 2 || w < 64 || h < 64 || w > 8192 ||
		    h > 8192)
			return -1;
		c->native_width = w;
		c->native_height = h;
	}
	return 0;
}

static void set_audio(struct cb_source_desc *d, const char *key, long long v, double x)
{
	if (!strcmp(key, "rate"))
		d->mic.sample_rate = d->mic.marks.sample_rate = (int)v;
	else if (!strcmp(key, "frame"))
		d->mic.frame_samples = (int)v;
	else if (!strcmp(key, "level"))
		d->mic.level_dbfs = x;
	else if (!strcmp(key, "seed"))
		d->mic.seed = (uint32_t)v;
	else if (!strcmp(key, "mark_period"))
		d->mic.marks.period_ms = (int)v;
	else if (!strcmp(key, "mark_level"))
		d->mic.marks.level_dbfs = x;
	else if (!strcmp(key, "mark_seed"))
		d->mic.marks.seed = (uint32_t)v;
	else if (!strcmp(key, "delay"))
		d->audio_delay = (int)v;
}

int cb_source_desc_parse(struct cb_source_desc *d, enum cb_media m, const struct cb_sdp_kv *kv,
			 size_t n, char *why, size_t why_len)
{
	const struct want *w = m == CB_MEDIA_VIDEO ? video_keys : audio_keys;
	size_t nw = m == CB_MEDIA_VIDEO ? sizeof(video_keys) / sizeof(video_keys[0])
					: sizeof(audio_keys) / sizeof(audio_keys[0]);
	const char *kind = m == CB_MEDIA_VIDEO ? "camera" : "microphone";
	unsigned seen = 0;
	int have_kind = 0;

	if (m == CB_MEDIA_VIDEO) {
		memset(&d->camera, 0, sizeof(d->camera));
		d->camera.track.fps_den = 1;
	} else {
		memset(&d->mic, 0, sizeof(d->mic));
		d->audio_delay = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = kv[i].key, *val = kv[i].value;
		size_t j;

		if (!strcmp(key, "kind")) {
			if (strcmp(val, kind)) {
				snprintf(why, why_len,
					 "x-callbench-source: kind=%s cannot be re-rendered here "
					 "(a %s %s is)",
					 val, m == CB_MEDIA_VIDEO ? "video" : "audio", kind);
				return CB_E_UNSUPPORTED;
			}
			have_kind = 1;
			continue;
		}
		for (j = 0; j < nw && strcmp(w[j].key, key); j++)
			;
		if (j == nw)
			continue; /* a key a later version added: not needed here */
		if (seen & (1u << j)) {
			snprintf(why, why_len, "x-callbench-source: %s given twice", key);
			return CB_E_FORMAT;
		}
		seen |= 1u << j;
		if (m == CB_MEDIA_VIDEO) {
			long long v = 0;

			if ((w[j].hi && get_int(val, w[j].lo, w[j].hi, &v) < 0) ||
			    set_video(&d->camera, key, val, v) < 0) {
				snprintf(why, why_len, "x-callbench-source: %s=%s is not %s", key,
					 val, w[j].hi ? "an integer in range" : "WIDTHxHEIGHT");
				return CB_E_FORMAT;
			}
		} else {
			long long v = 0;
			double x = 0;
			int bad = !strcmp(key, "level") || !strcmp(key, "mark_level")
				      ? get_double(val, (double)w[j].lo, (double)w[j].hi, &x)
				      : get_int(val, w[j].lo, w[j].hi, &v);
			if (bad) {
				snprintf(why, why_len,
					 "x-callbench-source: %s=%s is not a number in %lld..%lld",
					 key, val, w[j].lo, w[j].hi);
				return CB_E_FORMAT;
			}
			set_audio(d, key, v, x);
		}
	}
	if (!have_kind) {
		snprintf(why, why_len, "x-callbench-source: no kind= (expected kind=%s)", kind);
		return CB_E_FORMAT;
	}
	for (size_t j = 0; j < nw; j++)
		if (w[j].required && !(seen & (1u << j))) {
			snprintf(why, why_len, "x-callbench-source: %s= is missing", w[j].key);
			return CB_E_FORMAT;
		}
	if (m == CB_MEDIA_VIDEO && ((d->camera.track.width | d->camera.track.height) & 1)) {
		snprintf(why, why_len,
			 "x-callbench-source: width and height must be even, got %dx%d",
			 d->camera.track.width, d->camera.track.height);
		return CB_E_FORMAT;
	}
	return 0;
}

/* Put codec `name` first among `m`'s codecs; or, when `only`, keep it alone. */
static int prefer(struct cb_sdp_media_caps *m, const char *name, int only)
{
	size_t i;

	for (i = 0; i < m->n_codecs && strcmp(m->codecs[i].name, name); i++)
		;
	if (i == m->n_codecs)
		return CB_E_NOTFOUND;
	if (i) {
		struct cb_sdp_codec_pref p = m->codecs[i];

		memmove(&m->codecs[1], &m->codecs[0], i * sizeof(p));
		m->codecs[0] = p;
	}
	if (only)
		m->n_codecs = 1;
	return 0;
}

int cb_session_caps(const struct cb_session *ss, int send, int recv, struct cb_sdp_caps *caps,
		    char *why, size_t why_len)
{
	const struct cb_call_cfg *c = ss->cfg;
	struct cb_sdp_caps def;
	int rc;

	cb_sdp_caps_default(&def);
	*caps = def;
	caps->n_media = 0;
	caps->n_suites = 1;
	caps->suites[0] = c->srtp;
	for (int m = 0; m < 2; m++) {
		struct cb_sdp_media_caps *mc;
		const char *codec = m == CB_MEDIA_VIDEO ? c->video_codec : c->audio_codec;

		if (!(m == CB_MEDIA_VIDEO ? c->video : c->audio))
			continue;
		mc = &caps->media[caps->n_media++];
		*mc = def.media[m];
		/* The codec this end sends is the one its settings name; what it
		 * receives, any it can decode, that one first. */
		rc = prefer(mc, codec, send);
		if (rc < 0) {
			snprintf(why, why_len, "%s codec %s cannot be described in SDP",
				 m == CB_MEDIA_VIDEO ? "video" : "audio", codec);
			return rc;
		}
		mc->dir = cb_sdp_dir_make(send, recv);
		mc->port = 9; /* where RTP goes is the transport's business */
		if (m == CB_MEDIA_VIDEO) {
			mc->fb = CB_SDP_FB_PLI | CB_SDP_FB_FIR | (c->nack ? CB_SDP_FB_NACK : 0);
			mc->rtx = c->nack;
		} else {
			snprintf(mc->codecs[0].fmtp, sizeof(mc->codecs[0].fmtp),
				 "minptime=10;useinbandfec=%d;stereo=0", c->opus_fec ? 1 : 0);
		}
		if (send) {
			mc->ssrc = ss->media[m].ssrc;
			mc->rtx_ssrc = mc->rtx ? ss->media[m].rtx_ssrc : 0;
			rc = cb_source_desc_format(&ss->src, (enum cb_media)m, mc->source,
						   &mc->n_source);
			if (rc < 0) {
				snprintf(why, why_len, "source description: %s", cb_strerror(rc));
				return rc;
			}
		} else if (ss->own_ssrc) {
			mc->ssrc = ss->own_ssrc + (uint32_t)m;
		}
		snprintf(mc->mid, sizeof(mc->mid), "%s", m == CB_MEDIA_VIDEO ? "video" : "audio");
	}
	return 0;
}

int cb_session_apply(struct cb_session *ss, const struct cb_sdp_negotiated *n, int sending,
		     char *why, size_t why_len)
{
	int have_keys = 0;

	for (size_t i = 0; i < n->n_media; i++) {
		const struct cb_sdp_negotiated_media *nm = &n->media[i];
		int m = !strcmp(nm->type, "video")   ? CB_MEDIA_VIDEO
			: !strcmp(nm->type, "audio") ? CB_MEDIA_AUDIO
						     : -1;
		int wanted;
		struct cb_stream *st;
		int rc;

		if (m < 0)
			continue;
		wanted = m == CB_MEDIA_VIDEO ? ss->cfg->video : ss->cfg->audio;
		if (!wanted)
			continue;
		if (!nm->accepted) {
			snprintf(why, why_len, "%s was not agreed: %s", nm->type, nm->why);
			return CB_E_UNSUPPORTED;
		}
		if (sending ? !cb_sdp_dir_sends(nm->local_dir) : !cb_sdp_dir_recvs(nm->local_dir)) {
			snprintf(why, why_len, "%s: the answer lets this end %s nothing (%s)",
				 nm->type, sending ? "send" : "receive",
				 cb_sdp_dir_name(nm->local_dir));
			return CB_E_UNSUPPORTED;
		}
		if (!nm->srtp) {
			snprintf(why, why_len, "%s: agreed without SRTP", nm->type);
			return CB_E_UNSUPPORTED;
		}
		st = &ss->media[m];
		st->on = 1;
		snprintf(st->codec, sizeof(st->codec), "%s", nm->codec);
		st->pt = nm->pt;
		st->rtx_pt = nm->rtx_pt;
		st->fb = nm->fb;
		if (sending) {
			st->ssrc = nm->local_ssrc;
			st->rtx_ssrc = nm->local_rtx_ssrc;
		} else {
			st->ssrc = nm->remote_ssrc;
			st->rtx_ssrc = nm->remote_rtx_ssrc;
			rc = cb_source_desc_parse(&ss->src, (enum cb_media)m, nm->source,
						  nm->n_source, why, why_len);
			if (rc < 0)
				return rc;
		}
		/* One transport, one SRTP session each way: the keys of the
		 * first media (BUNDLE's tagged transport) protect them all. */
		if (!have_keys) {
			ss->suite = nm->suite;
			ss->key_len = nm->key_len;
			memcpy(ss->key_local, nm->local_key, nm->key_len);
			memcpy(ss->key_remote, nm->remote_key, nm->key_len);
			ss->max_payload = (size_t)ss->cfg->mtu - 12 - cb_srtp_overhead(nm->suite);
			have_keys = 1;
		}
	}
	for (int m = 0; m < 2; m++)
		if ((m == CB_MEDIA_VIDEO ? ss->cfg->video : ss->cfg->audio) && !ss->media[m].on) {
			snprintf(why, why_len, "%s is not in the description",
				 m == CB_MEDIA_VIDEO ? "video" : "audio");
			return CB_E_UNSUPPORTED;
		}
	return 0;
}

/* The format of `m` with rtpmap name `name` (no case) whose apt= is `pt`. */
static const struct cb_sdp_format *rtx_of(const struct cb_sdp_media *m, int pt)
{
	for (size_t i = 0; i < m->n_formats; i++) {
		char v[16];

		if (!strcasecmp(m->formats[i].name, "rtx") &&
		    cb_sdp_fmtp_get(m->formats[i].fmtp, "apt", v, sizeof(v)) && atoi(v) == pt)
			return &m->formats[i];
	}
	return NULL;
}

int cb_session_declare(struct cb_session *ss, const struct cb_sdp *d, int sending, char *why,
		       size_t why_len)
{
	int have_keys = 0;

	for (int m = 0; m < 2; m++) {
		const char *type = m == CB_MEDIA_VIDEO ? "video" : "audio";
		const struct cb_sdp_media *md = NULL;
		const struct cb_codec_ops *ops = NULL;
		const struct cb_sdp_format *f = NULL, *rtx;
		struct cb_stream *st = &ss->media[m];
		int rc;

		if (!(m == CB_MEDIA_VIDEO ? ss->cfg->video : ss->cfg->audio))
			continue;
		for (size_t i = 0; i < d->n_media && !md; i++)
			if (!strcmp(d->media[i].type, type) && d->media[i].port)
				md = &d->media[i];
		if (!md) {
			snprintf(why, why_len, "the description has no %s section", type);
			return CB_E_UNSUPPORTED;
		}
		for (size_t i = 0; i < md->n_formats && !ops; i++) {
			f = &md->formats[i];
			ops = cb_sdp_format_codec(f);
			if (ops && ops->media != (enum cb_media)m)
				ops = NULL;
		}
		if (!ops) {
			snprintf(why, why_len, "%s: no payload type of a codec callbench has",
				 type);
			return CB_E_UNSUPPORTED;
		}
		if (!md->n_crypto || !cb_sdp_proto_is_srtp(md->proto)) {
			snprintf(why, why_len, "%s: no SDES key (a=crypto on RTP/SAVP)", type);
			return CB_E_UNSUPPORTED;
		}
		st->on = 1;
		snprintf(st->codec, sizeof(st->codec), "%s", ops->name);
		st->pt = f->pt;
		rtx = m == CB_MEDIA_VIDEO ? rtx_of(md, f->pt) : NULL;
		st->rtx_pt = rtx ? rtx->pt : -1;
		st->fb = f->fb.flags | md->fb_all.flags;
		st->ssrc = md->n_ssrcs ? md->ssrcs[0].ssrc : 0;
		st->rtx_ssrc = 0;
		for (size_t g = 0; g < md->n_ssrc_groups; g++)
			if (!strcmp(md->ssrc_groups[g].semantics, "FID") &&
			    md->ssrc_groups[g].n == 2) {
				st->ssrc = md->ssrc_groups[g].ssrcs[0];
				st->rtx_ssrc = md->ssrc_groups[g].ssrcs[1];
			}
		if (!sending) {
			rc = cb_source_desc_parse(&ss->src, (enum cb_media)m, md->source,
						  md->n_source, why, why_len);
			if (rc < 0)
				return rc;
		}
		if (!have_keys) {
			const struct cb_sdp_crypto *k = &md->crypto[0];

			ss->suite = k->suite;
			ss->key_len = k->key_len;
			/* One key protects the stream both ways it is read. */
			memcpy(ss->key_local, k->key, k->key_len);
			memcpy(ss->key_remote, k->key, k->key_len);
			ss->max_payload = (size_t)ss->cfg->mtu - 12 - cb_srtp_overhead(k->suite);
			have_keys = 1;
		}
	}
	return 0;
}
