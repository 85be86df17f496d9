/*
 * receive_from.c — a receiver end alone: it takes the stream a session
 * description (someone else's SDP, or callbench peer --sdp-out's) says will
 * arrive, on the address and port of its section, and measures it as a
 * whole call does, the sender inferred from the description and the wire
 * (half.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/drive.h"
#include "call/endpoint.h"
#include "call/half.h"
#include "call/receive_from.h"
#include "call/results.h"
#include "call/session.h"
#include "sdp/sdp.h"

/* Waiting for the first packet, and for more once they stopped. */
#define FIRST_WAIT_NS (20 * CB_NS_PER_S)
#define IDLE_NS	      (2 * CB_NS_PER_S)

/* The one address this end listens on: the sections it takes share it. */
static int listen_addr(const struct cb_sdp *d, struct cb_call_cfg *c, struct cb_net_addr *a,
		       char *why, size_t why_len)
{
	int have = 0;

	for (int m = 0; m < 2; m++) {
		const char *type = m == CB_MEDIA_VIDEO ? "video" : "audio";
		int *on = m == CB_MEDIA_VIDEO ? &c->video : &c->audio;
		const struct cb_sdp_media *md = NULL;
		const struct cb_sdp_addr *conn;
		struct cb_net_addr here;
		const char *slash;
		char host[CB_SDP_TOKEN_LEN];

		for (size_t i = 0; i < d->n_media && !md; i++)
			if (!strcmp(d->media[i].type, type) && d->media[i].port)
				md = &d->media[i];
		if (!md || !*on) {
			*on = 0;
			continue;
		}
		conn = cb_sdp_media_conn(d, md);
		if (!conn) {
			snprintf(why, why_len, "%s: no c= line says where it arrives", type);
			return CB_E_FORMAT;
		}
		snprintf(host, sizeof(host), "%s", conn->addr);
		slash = strchr(host, '/');
		if (slash)
			host[slash - host] = '\0';
		if (cb_net_addr_from(host, md->port, &here) < 0) {
			snprintf(why, why_len, "%s: c=%s is not a numeric address", type,
				 conn->addr);
			return CB_E_FORMAT;
		}
		if (have && !cb_net_addr_equal(&here, a)) {
			snprintf(
			    why, why_len,
			    "video and audio arrive on different ports (%u, %u): one end takes "
			    "one; leave one out with --no-video or --no-audio",
			    cb_net_addr_port(a), cb_net_addr_port(&here));
			return CB_E_UNSUPPORTED;
		}
		*a = here;
		have = 1;
	}
	if (!have) {
		snprintf(why, why_len, "the description has no video or audio section to take");
		return CB_E_UNSUPPORTED;
	}
	return 0;
}

/* Receive until the stream has run its course: the description's media
 * time after the first packet, or a pause of IDLE_NS, or a stop. */
static int drive(struct cb_session *ss, struct cb_receiver *rcv, const struct cb_call_hooks *hooks,
		 char *why, size_t why_len)
{
	const struct cb_call_cfg *cfg = ss->cfg;
	const cb_ns t_start = cb_clock_now(&ss->clock);
	cb_ns first = CB_NS_NONE, last_new = t_start, last_progress = 0;
	uint64_t seen = 0;
	int rc = cb_receiver_start(rcv);

	if (rc < 0) {
		snprintf(why, why_len, "starting the receiver: %s", cb_strerror(rc));
		return rc;
	}
	for (;;) {
		cb_ns now = cb_clock_now(&ss->clock);
		uint64_t n = atomic_load(&rcv->packets_seen);

		if (n != seen) {
			seen = n;
			last_new = now;
			if (first == CB_NS_NONE)
				first = now;
		}
		if (rcv->err || cb_drive_stop_requested(hooks))
			break;
		if (first == CB_NS_NONE && now - t_start > FIRST_WAIT_NS) {
			snprintf(why, why_len, "nothing arrived in %d s",
				 (int)(FIRST_WAIT_NS / CB_NS_PER_S));
			return CB_E_TIMEOUT;
		}
		if (first != CB_NS_NONE &&
		    (now - last_new > IDLE_NS ||
		     now - first > (cb_ns)(cfg->duration_s * CB_NS_PER_S) + CB_CALL_DRAIN_MAX_NS))
			break;
		if (now - last_progress >= 250 * CB_NS_PER_MS && first != CB_NS_NONE) {
			cb_drive_progress(hooks, cfg, rcv, now, first);
			last_progress = now;
		}
		cb_clock_sleep_until(&ss->clock, now + 20 * CB_NS_PER_MS);
	}
	return 0;
}

int cb_call_receive_from(const struct cb_call_cfg *cfg, const char *sdp, size_t sdp_len,
			 const struct cb_call_hooks *hooks, struct cb_run_result *res)
{
	const struct cb_logger *log = hooks ? &hooks->log : NULL;
	struct cb_call_cfg *c = malloc(sizeof(*c)), *tcfg = malloc(sizeof(*tcfg));
	struct cb_session *ss = malloc(sizeof(*ss)), *tss = malloc(sizeof(*tss));
	struct cb_receiver *rcv = calloc(1, sizeof(*rcv));
	struct cb_sdp *d = cb_sdp_new();
	struct cb_transport tp = {0};
	struct cb_net_addr at;
	char why[300] = "";
	cb_ns wall0 = cb_real_now();
	int rc;

	memset(res, 0, sizeof(*res));
	if (!c || !tcfg || !ss || !tss || !rcv || !d) {
		rc = -ENOMEM;
		goto out;
	}
	*c = *cfg;
	rc = cb_call_cfg_check(c, why, sizeof(why));
	if (rc == 0 && (c->sim || strcmp(c->transport, "udp"))) {
		snprintf(why, sizeof(why),
			 "receiving from a description runs on the real clock "
			 "over udp");
		rc = -EINVAL;
	}
	if (rc == 0 && (rc = cb_sdp_parse(d, sdp, sdp_len, why, sizeof(why))) < 0)
		rc = CB_E_FORMAT;
	if (rc == 0)
		rc = listen_addr(d, c, &at, why, sizeof(why));
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "%s", why);
		goto out;
	}
	cb_session_init(ss, c, log);
	rc = cb_session_declare(ss, d, 0, why, sizeof(why));
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "the description: %s", why);
		goto out;
	}
	/* The run's settings are what arrives: the description's codecs and
	 * source, this end's own playout and recovery settings. */
	cb_half_begin(res, c, ss, "(a file)");
	{
		struct cb_transport_cfg tcfgt = {.clock = &ss->clock, .log = log};
		char a[CB_NET_ADDR_STRLEN];

		rc = cb_transport_open_end(&cb_transport_udp, &tcfgt, &at, &tp);
		cb_net_addr_format(&at, a, sizeof(a));
		if (rc < 0) {
			snprintf(res->error, sizeof(res->error), "udp %s: %s", a, cb_strerror(rc));
			goto out;
		}
		cb_log(log, CB_LOG_INFO, "receive", "listening on udp %s", a);
	}
	rc = cb_receiver_open(rcv, ss, &tp, &ss->clock);
	if (rc == 0)
		rc = cb_feedback_receiver_open(rcv, NULL); /* nobody to send reports to */
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "receiver set-up: %s", cb_strerror(rc));
		goto out;
	}
	ss->t0 = cb_clock_now(&ss->clock);
	rc = drive(ss, rcv, hooks, why, sizeof(why));
	cb_receiver_stop_join(rcv);
	res->wall_s = (double)(cb_real_now() - wall0) / 1e9;
	if (rc < 0 || rcv->err) {
		res->status = CB_RUN_FAILED;
		snprintf(res->error, sizeof(res->error), "%s", rcv->err ? rcv->errmsg : why);
		if (rc == CB_E_TIMEOUT) {
			rc = 0; /* a result that says so */
			goto out;
		}
	} else {
		res->status = cb_drive_stop_requested(hooks) ? CB_RUN_INTERRUPTED : CB_RUN_COMPLETE;
	}
	cb_half_finish(res, rcv, tss, tcfg);
	rc = 0;
out:
	if (rcv && rcv->ss)
		cb_receiver_close(rcv);
	cb_transport_close(&tp);
	free(d);
	free(rcv);
	free(tss);
	free(ss);
	free(tcfg);
	free(c);
	return rc;
}
