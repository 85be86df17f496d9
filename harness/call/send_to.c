/*
 * send_to.c — a sender end alone, sending to a fixed address what the
 * description it writes says (see send_to.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/drive.h"
#include "call/endpoint.h"
#include "call/send_to.h"
#include "call/session.h"
#include "net/path.h"
#include "sdp/negotiate.h"
#include "sdp/sdp.h"

/* The offer this end would make, turned into a description for receivers
 * that read SDP files: each media on its own port, no feedback, no RTX, no
 * BUNDLE or rtcp-mux. */
static int describe(struct cb_session *ss, const struct cb_net_addr *to, struct cb_sdp *d,
		    char **text, char *why, size_t why_len)
{
	struct cb_sdp_caps *caps = malloc(sizeof(*caps));
	char host[CB_NET_ADDR_STRLEN], sub[200] = "";
	size_t n = CB_SDP_MAX_SIZE;
	int rc;

	*text = malloc(n + 1);
	if (!caps || !*text) {
		free(caps);
		return -ENOMEM;
	}
	rc = cb_session_caps(ss, 1, 0, caps, why, why_len);
	if (rc < 0)
		goto out;
	cb_net_addr_host(to, host, sizeof(host));
	snprintf(caps->addr, sizeof(caps->addr), "%s", host);
	caps->bundle = 0;
	caps->rtcp_mux = 0;
	for (size_t i = 0; i < caps->n_media; i++) {
		struct cb_sdp_media_caps *mc = &caps->media[i];

		mc->fb = 0;
		mc->rtx = 0;
		mc->rtx_ssrc = 0;
		mc->port = (uint16_t)(cb_net_addr_port(to) + 2 * i);
	}
	rc = cb_sdp_create_offer(caps, d, sub, sizeof(sub));
	/* One SRTP session protects every media this end sends: each section
	 * names its master key (the SSRCs keep the streams apart). */
	for (size_t i = 1; rc == 0 && i < d->n_media; i++)
		if (d->media[i].n_crypto && d->media[0].n_crypto)
			memcpy(d->media[i].crypto[0].key, d->media[0].crypto[0].key,
			       d->media[0].crypto[0].key_len);
	if (rc == 0)
		rc = cb_sdp_write(d, *text, &n, sub, sizeof(sub));
	if (rc < 0)
		snprintf(why, why_len, "the description: %s", sub[0] ? sub : cb_strerror(rc));
out:
	free(caps);
	return rc;
}

void cb_send_result_fill(struct cb_send_result *out, const struct cb_sender *snd,
			 const struct cb_call_cfg *c)
{
	for (int m = 0; m < 2; m++) {
		const struct cb_sender_track *t = m ? &snd->audio : &snd->video;

		if (!t->enabled)
			continue;
		out->frames[m] = t->log.frames.n;
		out->packets[m] = snd->pkt_count[m];
		out->bytes[m] = snd->octet_count[m];
		if (m == 0)
			out->media_s = (double)t->log.frames.n / c->fps;
		else if ((double)t->log.frames.n * c->audio_frame_ms / 1000.0 > out->media_s)
			out->media_s = (double)t->log.frames.n * c->audio_frame_ms / 1000.0;
	}
	out->rtx[CB_MEDIA_VIDEO] = snd->rec.rtx_sent;
	out->nack_received = snd->rec.nack_received;
	out->pli_received = snd->rec.pli_received;
}

void cb_path_drain(struct cb_path *const *path, int n, const struct cb_clock *clock)
{
	for (int m = 0; m < n; m++) {
		cb_ns until = cb_clock_now(clock) + CB_CALL_DRAIN_MAX_NS;

		while (path[m] && cb_path_pending(path[m]) && cb_clock_now(clock) < until)
			cb_clock_sleep_until(clock, cb_clock_now(clock) + 5 * CB_NS_PER_MS);
	}
}

int cb_call_send_to(const struct cb_call_cfg *cfg, const struct cb_net_addr *to,
		    const struct cb_call_hooks *hooks,
		    int (*description)(void *user, const char *sdp), void *user,
		    struct cb_send_result *out)
{
	const struct cb_logger *log = hooks ? &hooks->log : NULL;
	struct cb_call_cfg *c = NULL;
	struct cb_session *ss = NULL;
	struct cb_sender *snd = NULL;
	struct cb_sdp *d = NULL;
	struct cb_transport tp[2] = {{0}, {0}};
	struct cb_path *path[2] = {NULL, NULL};
	char *text = NULL, why[300] = "";
	int rc, nm = 0;

	memset(out, 0, sizeof(*out));
	out->status = CB_RUN_FAILED;
	rc = cb_call_cfg_check(cfg, why, sizeof(why));
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "%s", why);
		return rc;
	}
	if (cfg->sim || strcmp(cfg->transport, "udp")) {
		snprintf(out->error, sizeof(out->error),
			 "sending to an address runs on the real clock over udp (not %s)",
			 cfg->sim ? "--clock sim" : cfg->transport);
		return -EINVAL;
	}
	if (cb_net_addr_port(to) == 0 || cb_net_addr_port(to) > 65535 - 4) {
		snprintf(out->error, sizeof(out->error), "the destination needs a port (1..65531)");
		return -EINVAL;
	}
	c = malloc(sizeof(*c));
	ss = malloc(sizeof(*ss));
	snd = calloc(1, sizeof(*snd));
	d = cb_sdp_new();
	if (!c || !ss || !snd || !d) {
		rc = -ENOMEM;
		goto out;
	}
	/* Nobody sends feedback to a description: no NACK, no RTX. */
	*c = *cfg;
	c->nack = 0;
	cb_session_init(ss, c, log);
	rc = cb_sender_open(snd, ss, hooks ? hooks->stop : NULL, &ss->clock, &ss->clock);
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "sender set-up: %s", cb_strerror(rc));
		goto out;
	}
	cb_sender_describe(snd, ss);
	rc = describe(ss, to, d, &text, out->error, sizeof(out->error));
	if (rc == 0)
		rc = cb_session_declare(ss, d, 1, out->error, sizeof(out->error));
	if (rc < 0)
		goto out;
	/* One socket per media, each pointed at its section's port. */
	for (int m = 0; m < 2; m++) {
		struct cb_transport_cfg tcfg = {.clock = &ss->clock, .log = log};
		struct cb_path_cfg pcfg = {.impair = &c->net, .clock = &ss->clock};
		struct cb_net_addr local, peer = *to;
		char host[CB_NET_ADDR_STRLEN];

		if (!ss->media[m].on)
			continue;
		cb_net_addr_host(to, host, sizeof(host));
		rc = cb_net_addr_from(cb_net_addr_family(to) == AF_INET6 ? "::" : "0.0.0.0", 0,
				      &local);
		if (rc == 0)
			rc = cb_net_addr_from(host, (uint16_t)(cb_net_addr_port(to) + 2 * nm),
					      &peer);
		if (rc == 0)
			rc = cb_transport_open_end(&cb_transport_udp, &tcfg, &local, &tp[m]);
		if (rc == 0)
			rc = cb_transport_connect(&tp[m], &peer);
		if (rc < 0) {
			snprintf(out->error, sizeof(out->error), "udp to %s: %s", host,
				 cb_strerror(rc));
			goto out;
		}
		if (cb_transport_local(&tp[m], &local) == 0 && !out->local[0])
			cb_net_addr_format(&local, out->local, sizeof(out->local));
		cb_net_addr_format(&peer, out->remote[m], sizeof(out->remote[m]));
		pcfg.tp = &tp[m];
		rc = cb_path_open(&path[m], &pcfg);
		if (rc < 0) {
			snprintf(out->error, sizeof(out->error), "network emulator: %s",
				 cb_strerror(rc));
			goto out;
		}
		nm++;
	}
	rc = cb_sender_connect(snd, path[ss->media[0].on ? 0 : 1]);
	for (int m = 0; rc == 0 && m < 2; m++)
		if (path[m])
			cb_sender_route(snd, (enum cb_media)m, path[m]);
	if (rc == 0)
		rc = cb_feedback_sender_open(snd, &tp[ss->media[0].on ? 0 : 1], &ss->clock);
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "sender set-up: %s", cb_strerror(rc));
		goto out;
	}
	if (description && (rc = description(user, text)) != 0) {
		snprintf(out->error, sizeof(out->error), "the description was not taken");
		goto out;
	}
	for (int m = 0; m < 2; m++)
		if (ss->media[m].on)
			cb_log(log, CB_LOG_INFO, "send", "%s %s pt %d from %s to %s",
			       m ? "audio" : "video", ss->media[m].codec, ss->media[m].pt,
			       out->local, out->remote[m]);
	ss->t0 = cb_clock_now(&ss->clock) + CB_CALL_START_DELAY_NS;
	rc = cb_sender_start(snd);
	if (rc == 0)
		rc = cb_feedback_sender_start(snd);
	if (rc < 0) {
		atomic_store(&snd->abort, 1);
		snprintf(out->error, sizeof(out->error), "starting: %s", cb_strerror(rc));
	}
	while (rc == 0 && !cb_sender_done(snd))
		cb_clock_sleep_until(&ss->clock, cb_clock_now(&ss->clock) + 20 * CB_NS_PER_MS);
	cb_sender_join(snd);
	cb_path_drain(path, 2, &ss->clock);
	cb_feedback_sender_stop(snd);
	cb_send_result_fill(out, snd, c);
	if (rc < 0 || snd->err) {
		if (snd->err)
			snprintf(out->error, sizeof(out->error), "%s", snd->errmsg);
		out->status = CB_RUN_FAILED;
	} else {
		out->status = cb_drive_stop_requested(hooks) ? CB_RUN_INTERRUPTED : CB_RUN_COMPLETE;
	}
	rc = 0;
out:
	if (snd) {
		cb_feedback_sender_stop(snd);
		cb_sender_close(snd);
	}
	for (int m = 0; m < 2; m++) {
		cb_path_close(path[m]);
		cb_transport_close(&tp[m]);
	}
	free(text);
	free(d);
	free(snd);
	free(ss);
	free(c);
	return rc;
}
