/*
 * call.c — set up a call (the session both ends agree on, their transports,
 * paths and clocks), hand it to a driver (drive.c on the real clock, sim.c
 * in simulated time), then merge what each end recorded into one result
 * (results.c): per frame, the sender's stamps and the receiver's, joined by
 * RTP timestamp, with the latency taken from the content each decoded frame
 * was found to carry.  The settings and their check are in config.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/error.h"
#include "call/call.h"
#include "call/drive.h"
#include "call/pair.h"
#include "report/versions.h"
#include "call/endpoint.h"
#include "call/results.h"
#include "codec/opus_util.h"
#include "media/audio_source.h"
#include "net/path.h"
#include "base/rng.h"
#include "report/report.h"
#include "rtp/rtp.h"
#include "srtp/srtp.h"

static void add_version(struct cb_run_result *r, const char *name, const char *v)
{
	if (r->n_versions >= CB_MAX_VERSIONS)
		return;
	snprintf(r->versions[r->n_versions].name, sizeof(r->versions[0].name), "%s", name);
	snprintf(r->versions[r->n_versions].version, sizeof(r->versions[0].version), "%s", v);
	r->n_versions++;
}

static void make_run_id(const struct cb_call_cfg *cfg, char *id, size_t len, char *iso,
			size_t isolen)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(iso, isolen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (cfg->run_id[0]) {
		snprintf(id, len, "%s", cfg->run_id);
	} else {
		char d[32];
		strftime(d, sizeof(d), "%Y%m%d-%H%M%S", &tm);
		snprintf(id, len, "%s-%03ld-s%llu", d, ts.tv_nsec / 1000000,
			 (unsigned long long)cfg->seed);
	}
}

/* The forward path's counts as figures for the report. */
static void net_added(struct cb_net_added *out, struct cb_path *path, int sim)
{
	struct cb_path_stats st;
	double n;

	cb_path_get_stats(path, &st);
	n = (double)st.packets;
	out->packets = st.packets;
	out->added_delay_ms = st.packets ? (double)st.added_sum / n / 1e6 : NAN;
	out->late_ms = st.packets && !sim ? (double)st.late_sum / n / 1e6 : NAN;
	out->late_max_ms = st.packets && !sim ? (double)st.late_max / 1e6 : NAN;
}

/* What a result says before the call: settings, run id, media, versions. */
void cb_call_result_begin(struct cb_run_result *res, const struct cb_call_cfg *cfg)
{
	res->cfg = *cfg;
	make_run_id(cfg, res->run_id, sizeof(res->run_id), res->started_utc,
		    sizeof(res->started_utc));
	res->video.media = CB_MEDIA_VIDEO;
	res->audio.media = CB_MEDIA_AUDIO;
	res->video.enabled = cfg->video;
	res->audio.enabled = cfg->audio;
	snprintf(res->video.codec, sizeof(res->video.codec), "%s", cfg->video_codec);
	snprintf(res->audio.codec, sizeof(res->audio.codec), "%s", cfg->audio_codec);
	res->video.target_kbps = cfg->video_kbps;
	res->audio.target_kbps = cfg->audio_kbps;
	res->video.verdict = res->audio.verdict = CB_BAND_NONE;
	{
		struct cb_version v[CB_MAX_VERSIONS];
		size_t nv = cb_versions(v, CB_MAX_VERSIONS);

		for (size_t i = 0; i < nv; i++)
			add_version(res, v[i].name, v[i].version);
	}
}

int cb_call_run(const struct cb_call_cfg *cfg, const struct cb_call_hooks *hooks,
		struct cb_run_result *res)
{
	const struct cb_logger *log = hooks ? &hooks->log : NULL;
	struct cb_session ss, rss;	  /* the sender's and the receiver's */
	struct cb_call_cfg *rcfgv = NULL; /* the receiver's own settings */
	struct cb_transport ta = {0}, tb = {0};
	struct cb_transport_cfg tcfg;
	struct cb_path_cfg pcfg = {0};
	struct cb_path *path = NULL;
	struct cb_sender *snd;
	struct cb_receiver *rcv;
	struct cb_clock vclock, aclock, rclock;
	struct cb_sim_clock vs = {0}, as = {0}, rs = {0}, fs = {0};
	struct cb_clock fclock;
	struct cb_path_cfg rcfg = {0};
	struct cb_path *rpath = NULL;
	struct cb_impair_cfg rnet;
	struct cb_sim q = {0};
	cb_ns wall0;
	int rc;
	char why[160] = "";

	memset(res, 0, sizeof(*res));
	if (!cfg)
		return -EINVAL;
	rc = cb_call_cfg_check(cfg, why, sizeof(why));
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "%s", why);
		return rc;
	}
	cb_call_result_begin(res, cfg);
	/* Each end its own session: settings, clock, NTP epoch, keys. */
	rcfgv = malloc(sizeof(*rcfgv));
	if (!rcfgv)
		return -ENOMEM;
	*rcfgv = res->cfg;
	cb_session_init(&ss, &res->cfg, log);
	cb_session_init(&rss, rcfgv, log);
	rss.own_ssrc = (uint32_t)cb_mix64(cfg->seed ^ 0x52454356ULL);

	if (cfg->sim) {
		/* Every timeline starts at the same virtual instant; the fixed
		 * model charges the same cost on every run. */
		struct cb_sim_clock *all[4] = {&vs, &as, &rs, &fs};
		for (int i = 0; i < 4; i++) {
			all[i]->t = CB_NS_PER_S;
			all[i]->fixed = cfg->codec_time_fixed;
			all[i]->cost[CB_WORK_VIDEO_ENCODE] =
			    (cb_ns)(cfg->codec_ms[0] * CB_NS_PER_MS);
			all[i]->cost[CB_WORK_VIDEO_DECODE] =
			    (cb_ns)(cfg->codec_ms[1] * CB_NS_PER_MS);
			all[i]->cost[CB_WORK_AUDIO_ENCODE] =
			    (cb_ns)(cfg->codec_ms[2] * CB_NS_PER_MS);
			all[i]->cost[CB_WORK_AUDIO_DECODE] =
			    (cb_ns)(cfg->codec_ms[3] * CB_NS_PER_MS);
		}
		cb_clock_sim_init(&vclock, &vs);
		cb_clock_sim_init(&aclock, &as);
		cb_clock_sim_init(&rclock, &rs);
		cb_clock_sim_init(&fclock, &fs);
		snprintf(res->clock, sizeof(res->clock), "sim");
	} else {
		vclock = aclock = fclock = ss.clock;
		rclock = rss.clock;
		snprintf(res->clock, sizeof(res->clock), "real");
	}

	snd = calloc(1, sizeof(*snd));
	rcv = calloc(1, sizeof(*rcv));
	if (!snd || !rcv) {
		rc = -ENOMEM;
		goto out_free;
	}
	/* The sender's tracks first (sources, encoders, SSRCs), then the offer
	 * and answer, which tell each end what it needs of the other. */
	rc = cb_sender_open(snd, &ss, hooks ? hooks->stop : NULL, &vclock, &aclock);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "sender set-up: %s", cb_strerror(rc));
		goto out_close;
	}
	cb_sender_describe(snd, &ss);
	rc = cb_pair_negotiate(&ss, &rss, &res->negotiated, why, sizeof(why));
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "offer/answer: %s", why);
		goto out_close;
	}
	pcfg.impair = &cfg->net;
	if (cfg->sim) {
		/* Virtual time has a virtual network: the path delivers
		 * straight into the event loop; no transport is opened. */
		pcfg.deliver = cb_sim_deliver;
		pcfg.user = &q;
		snprintf(res->cfg.transport, sizeof(res->cfg.transport), "sim");
	} else {
		char twhy[400] = "";

		tcfg = (struct cb_transport_cfg){
		    .clock = &ss.clock, .log = log, .why = twhy, .why_len = sizeof(twhy)};
		rc = cb_transport_open_pair(cb_transport_find(cfg->transport), &tcfg, &ta, &tb);
		if (rc < 0) {
			snprintf(res->error, sizeof(res->error), "transport %s: %s", cfg->transport,
				 twhy[0] ? twhy : cb_strerror(rc));
			goto out_free;
		}
		pcfg.tp = &ta;
		pcfg.clock = &ss.clock;
	}
	rc = cb_path_open(&path, &pcfg);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "network emulator: %s", cb_strerror(rc));
		goto out_close;
	}
	/* The way back (RTCP) crosses the same kind of network, with its own
	 * draws from the emulator. */
	rnet = cfg->net;
	rnet.seed = cb_mix64(rnet.seed ^ 0x52455652ULL);
	rcfg = pcfg;
	rcfg.impair = &rnet;
	if (cfg->sim) {
		rcfg.deliver = cb_sim_deliver_rev;
	} else {
		rcfg.tp = &tb;
	}
	rc = cb_path_open(&rpath, &rcfg);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "network emulator: %s", cb_strerror(rc));
		goto out_close;
	}
	rc = cb_sender_connect(snd, path);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "sender set-up: %s", cb_strerror(rc));
		goto out_close;
	}
	rc = cb_feedback_sender_open(snd, cfg->sim ? NULL : &ta, &fclock);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "sender feedback set-up: %s",
			 cb_strerror(rc));
		goto out_close;
	}
	rc = cb_receiver_open(rcv, &rss, cfg->sim ? NULL : &tb, &rclock);
	if (rc == 0)
		rc = cb_feedback_receiver_open(rcv, rpath);
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "receiver set-up: %s", cb_strerror(rc));
		goto out_close;
	}
	if (!cfg->sim) {
		char a[96], b[96];
		ta.ops->describe(ta.priv, a, sizeof(a));
		tb.ops->describe(tb.priv, b, sizeof(b));
		cb_log(log, CB_LOG_INFO, "call", "sender %s; receiver %s", a, b);
	} else {
		cb_log(log, CB_LOG_INFO, "call", "simulated clock and network: %g s of media",
		       cfg->duration_s);
	}

	wall0 = cb_real_now();
	/* Both ends start together: the sender captures its first frame then
	 * and the receiver schedules its reports from then, each on its own
	 * clock. */
	ss.t0 = rss.t0 = cfg->sim ? 2 * CB_NS_PER_S : wall0 + CB_CALL_START_DELAY_NS;
	rc = cfg->sim ? cb_drive_sim(&ss, snd, rcv, &q, &vs, &as, &rs, &fs, hooks)
		      : cb_drive_real(&ss, snd, rcv, path, hooks);
	/* Finish the receiver's side work (quality) in both modes. */
	cb_receiver_stop_join(rcv);
	res->wall_s = (double)(cb_real_now() - wall0) / 1e9;
	net_added(&res->net_added, path, cfg->sim);
	if (rc < 0 && !snd->err && !rcv->err)
		snprintf(res->error, sizeof(res->error), "running the call: %s", cb_strerror(rc));

	if (snd->err || rcv->err || rc < 0) {
		res->status = CB_RUN_FAILED;
		if (snd->err || rcv->err)
			snprintf(res->error, sizeof(res->error), "%s",
				 snd->err ? snd->errmsg : rcv->errmsg);
		cb_log(log, CB_LOG_ERROR, "call", "call failed part-way: %s", res->error);
	} else if (cb_drive_stop_requested(hooks)) {
		res->status = CB_RUN_INTERRUPTED;
	} else {
		res->status = CB_RUN_COMPLETE;
	}
	rc = cb_results_merge_call(res, snd, rcv, &ss);
	if (rc < 0 && res->status == CB_RUN_COMPLETE) {
		res->status = CB_RUN_FAILED;
		snprintf(res->error, sizeof(res->error), "merging results: %s", cb_strerror(rc));
	}
	rc = 0;

out_close:
	cb_feedback_sender_stop(snd);
	cb_sender_close(snd);
	cb_receiver_close(rcv);
	cb_path_close(rpath);
	cb_path_close(path);
	cb_transport_close(&ta);
	cb_transport_close(&tb);
	cb_sim_free(&q);
out_free:
	free(snd);
	free(rcv);
	free(rcfgv);
	return rc;
}
