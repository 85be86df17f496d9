/*
 * peer.c — one end of a call that negotiates over a signaling channel and
 * sends and receives on one socket (see peer.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "call/drive.h"
#include "call/endpoint.h"
#include "call/half.h"
#include "call/pair.h"
#include "call/peer.h"
#include "call/send_to.h"
#include "call/session.h"
#include "net/path.h"
#include "sdp/pc.h"
#include "signal/peer_msg.h"

/* Waiting for the first packet, and for more once they stopped without a
 * bye (an end that vanished without leaving the room; a loaded machine can
 * stall a sender a few seconds, so this is long). */
#define FIRST_WAIT_NS (20 * CB_NS_PER_S)
#define IDLE_NS	      (10 * CB_NS_PER_S)
/* After its bye, a sender still answers NACKs this long for a peer that
 * does not say bye. */
#define LINGER_NS (3 * CB_NS_PER_S)
#define POLL_MS	  20

struct peer {
	const struct cb_call_cfg *cfg;
	const struct cb_peer_cfg *pcfg;
	const struct cb_peer_channel *ch;
	const struct cb_call_hooks *hooks;
	const struct cb_logger *log;
	struct cb_call_cfg *ctx_cfg, *crx_cfg, *tcfg;
	struct cb_session *tx, *rx, *tss;
	struct cb_sender *snd;
	struct cb_receiver *rcv;
	struct cb_transport tp;
	struct cb_path *path, *rpath;
	struct cb_impair_cfg rnet;
	struct cb_pc *pc;
	struct cb_sdp *d;
	int sends, receives;
	int remote_bye, remote_gone;
	char remote_why[160];
	char why[400];
};

static void peer_rtcp_other(void *user, struct cb_net_pkt *p)
{
	cb_feedback_sender_handle(user, p);
}

/* The description `d` as SDP text (malloc'd). */
static char *sdp_text(const struct cb_sdp *d, char *why, size_t why_len)
{
	size_t n = CB_SDP_MAX_SIZE;
	char *buf = malloc(n + 1);
	char sub[200] = "";

	if (!buf) {
		snprintf(why, why_len, "%s", cb_strerror(-ENOMEM));
		return NULL;
	}
	if (cb_sdp_write(d, buf, &n, sub, sizeof(sub)) < 0) {
		snprintf(why, why_len, "writing the description: %s", sub);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int send_msg(struct peer *P, enum cb_peer_msg_type t, const char *text)
{
	char *json = cb_peer_msg_build(t, text);
	int rc = json ? P->ch->send(P->ch->user, json) : -ENOMEM;

	free(json);
	return rc;
}

/*
 * The next message of type `want` (offer or answer) within the negotiation
 * time; a bye, or the other end leaving, ends the wait.  Others are skipped.
 */
static int wait_msg(struct peer *P, enum cb_peer_msg_type want, struct cb_peer_msg *m)
{
	int ms = P->pcfg->negotiate_ms > 0 ? P->pcfg->negotiate_ms : 20000;
	cb_ns until = cb_real_now() + (cb_ns)ms * CB_NS_PER_MS;

	for (;;) {
		cb_ns now = cb_real_now();
		char *json = NULL, sub[160] = "";
		int rc;

		if (cb_drive_stop_requested(P->hooks)) {
			snprintf(P->why, sizeof(P->why), "stopped while waiting for the %s",
				 cb_peer_msg_type_name(want));
			return -EINTR;
		}
		if (now >= until) {
			snprintf(P->why, sizeof(P->why), "no %s came from the other peer in %d s",
				 cb_peer_msg_type_name(want), ms / 1000);
			return CB_E_TIMEOUT;
		}
		rc = P->ch->next(
		    P->ch->user, &json,
		    (int)((until - now) / CB_NS_PER_MS < 200 ? (until - now) / CB_NS_PER_MS : 200),
		    sub, sizeof(sub));
		if (rc == CB_E_TIMEOUT)
			continue;
		if (rc < 0) {
			snprintf(P->why, sizeof(P->why), "waiting for the %s: %s",
				 cb_peer_msg_type_name(want), sub[0] ? sub : cb_strerror(rc));
			return -ENOTCONN;
		}
		rc = cb_peer_msg_parse(json, strlen(json), m, sub, sizeof(sub));
		free(json);
		if (rc < 0) {
			cb_log(P->log, CB_LOG_WARN, "peer", "a message that is not one: %s", sub);
			continue;
		}
		if (m->type == want)
			return 0;
		if (m->type == CB_PEER_MSG_BYE) {
			snprintf(
			    P->why, sizeof(P->why), "the other peer said bye (%s) before the %s",
			    m->reason[0] ? m->reason : "no reason", cb_peer_msg_type_name(want));
			cb_peer_msg_clear(m);
			return -ENOTCONN;
		}
		cb_log(P->log, CB_LOG_INFO, "peer", "skipped a \"%s\" message waiting for the %s",
		       m->name, cb_peer_msg_type_name(want));
		cb_peer_msg_clear(m);
	}
}

/* Offer and answer through the channel; res->negotiated gets the texts. */
static int negotiate(struct peer *P, struct cb_run_result *res)
{
	struct cb_sdp_caps *caps = malloc(sizeof(*caps));
	struct cb_peer_msg m = {0};
	char sub[300] = "", host[CB_NET_ADDR_STRLEN];
	struct cb_net_addr here;
	char *mine = NULL;
	int rc;

	if (!caps)
		return -ENOMEM;
	rc = cb_session_caps(P->tx, P->pcfg->send, P->pcfg->recv, caps, sub, sizeof(sub));
	if (rc < 0) {
		snprintf(P->why, sizeof(P->why), "what this end offers: %s", sub);
		goto out;
	}
	/* Everything on the one socket this end has. */
	rc = cb_transport_local(&P->tp, &here);
	if (rc < 0) {
		snprintf(P->why, sizeof(P->why), "the media socket: %s", cb_strerror(rc));
		goto out;
	}
	cb_net_addr_host(&here, host, sizeof(host));
	snprintf(caps->addr, sizeof(caps->addr), "%s", host);
	caps->bundle = 1;
	caps->rtcp_mux = 1;
	for (size_t i = 0; i < caps->n_media; i++)
		caps->media[i].port = (uint16_t)cb_net_addr_port(&here);
	rc = cb_pc_open(&P->pc, caps, NULL);
	if (rc < 0) {
		snprintf(P->why, sizeof(P->why), "opening the peer connection: %s",
			 cb_strerror(rc));
		goto out;
	}
	if (P->pcfg->offer) {
		rc = cb_pc_set_local(P->pc, CB_SDP_TYPE_OFFER, NULL, sub, sizeof(sub));
		if (rc < 0) {
			snprintf(P->why, sizeof(P->why), "the offer: %s", sub);
			goto out;
		}
		mine = sdp_text(cb_pc_local_description(P->pc), P->why, sizeof(P->why));
		if (!mine) {
			rc = -ENOMEM;
			goto out;
		}
		rc = send_msg(P, CB_PEER_MSG_OFFER, mine);
		if (rc < 0) {
			snprintf(P->why, sizeof(P->why), "sending the offer: %s", cb_strerror(rc));
			goto out;
		}
		res->negotiated.offer = mine;
		mine = NULL;
		rc = wait_msg(P, CB_PEER_MSG_ANSWER, &m);
		if (rc < 0)
			goto out;
		res->negotiated.answer = strdup(m.sdp);
		rc = cb_sdp_parse(P->d, m.sdp, m.sdp_len, sub, sizeof(sub));
		if (rc == 0)
			rc = cb_pc_set_remote(P->pc, CB_SDP_TYPE_ANSWER, P->d, sub, sizeof(sub));
		if (rc < 0) {
			snprintf(P->why, sizeof(P->why), "the other peer's answer: %s", sub);
			rc = CB_E_FORMAT;
			goto out;
		}
	} else {
		rc = wait_msg(P, CB_PEER_MSG_OFFER, &m);
		if (rc < 0)
			goto out;
		res->negotiated.offer = strdup(m.sdp);
		rc = cb_sdp_parse(P->d, m.sdp, m.sdp_len, sub, sizeof(sub));
		if (rc == 0)
			rc = cb_pc_set_remote(P->pc, CB_SDP_TYPE_OFFER, P->d, sub, sizeof(sub));
		if (rc == 0)
			rc = cb_pc_set_local(P->pc, CB_SDP_TYPE_ANSWER, NULL, sub, sizeof(sub));
		if (rc < 0) {
			snprintf(P->why, sizeof(P->why), "the other peer's offer: %s", sub);
			/* Tell the other end instead of leaving it waiting. */
			send_msg(P, CB_PEER_MSG_BYE, "the offer was refused");
			rc = CB_E_FORMAT;
			goto out;
		}
		mine = sdp_text(cb_pc_local_description(P->pc), P->why, sizeof(P->why));
		if (!mine) {
			rc = -ENOMEM;
			goto out;
		}
		rc = send_msg(P, CB_PEER_MSG_ANSWER, mine);
		if (rc < 0) {
			snprintf(P->why, sizeof(P->why), "sending the answer: %s", cb_strerror(rc));
			goto out;
		}
		res->negotiated.answer = mine;
		mine = NULL;
	}
out:
	cb_peer_msg_clear(&m);
	free(mine);
	free(caps);
	return rc;
}

/* What the answer lets this end do with media `m`: bit 0 send, bit 1 receive. */
static int agreed(const struct cb_sdp_negotiated *n, enum cb_media m)
{
	const char *type = m == CB_MEDIA_VIDEO ? "video" : "audio";

	for (size_t i = 0; i < n->n_media; i++)
		if (!strcmp(n->media[i].type, type) && n->media[i].accepted)
			return (cb_sdp_dir_sends(n->media[i].local_dir) ? 1 : 0) |
			       (cb_sdp_dir_recvs(n->media[i].local_dir) ? 2 : 0);
	return 0;
}

/* Each half takes what was agreed; a media this end sends that the other
 * end refused is left out of its sender, with a warning. */
static int apply(struct peer *P, const struct cb_sdp_negotiated *n)
{
	char sub[300] = "";
	int rc;

	for (int m = 0; m < 2; m++) {
		int a = agreed(n, (enum cb_media)m);
		int *tx_on = m == CB_MEDIA_VIDEO ? &P->ctx_cfg->video : &P->ctx_cfg->audio;
		int *rx_on = m == CB_MEDIA_VIDEO ? &P->crx_cfg->video : &P->crx_cfg->audio;
		struct cb_sender_track *t = m == CB_MEDIA_VIDEO ? &P->snd->video : &P->snd->audio;

		if (P->pcfg->send && *tx_on && !(a & 1)) {
			cb_log(P->log, CB_LOG_WARN, "peer", "the other peer takes no %s: not sent",
			       m == CB_MEDIA_VIDEO ? "video" : "audio");
			*tx_on = 0;
			t->enabled = 0;
		}
		if (!P->pcfg->send)
			*tx_on = 0;
		*rx_on = P->pcfg->recv && (a & 2);
	}
	P->sends = P->ctx_cfg->video || P->ctx_cfg->audio;
	P->receives = P->crx_cfg->video || P->crx_cfg->audio;
	if (!P->sends && !P->receives) {
		snprintf(P->why, sizeof(P->why),
			 "the answer leaves this end nothing to send or receive");
		return CB_E_UNSUPPORTED;
	}
	if (P->sends && (rc = cb_session_apply(P->tx, n, 1, sub, sizeof(sub))) < 0) {
		snprintf(P->why, sizeof(P->why), "sending: %s", sub);
		return rc;
	}
	if (P->receives && (rc = cb_session_apply(P->rx, n, 0, sub, sizeof(sub))) < 0) {
		snprintf(P->why, sizeof(P->why), "receiving: %s", sub);
		return rc;
	}
	return 0;
}

/* The socket, pointed at where the other end receives, and the two
 * emulated networks that leave from it (media out, reports back). */
static int connect_paths(struct peer *P, const struct cb_sdp_negotiated *n, struct cb_peer_info *pi)
{
	struct cb_net_addr to;
	struct cb_path_cfg pcfg = {.tp = &P->tp, .clock = &P->tx->clock};
	const struct cb_sdp_negotiated_media *nm = NULL;
	int rc;

	for (size_t i = 0; i < n->n_media && !nm; i++)
		if (n->media[i].accepted && n->media[i].remote_port)
			nm = &n->media[i];
	if (!nm) {
		snprintf(P->why, sizeof(P->why), "the other end named no address to send to");
		return CB_E_FORMAT;
	}
	rc = cb_net_addr_from(nm->remote_addr, nm->remote_port, &to);
	if (rc == 0)
		rc = cb_transport_connect(&P->tp, &to);
	if (rc < 0) {
		snprintf(P->why, sizeof(P->why), "the other end's address %s port %u: %s",
			 nm->remote_addr, nm->remote_port, cb_strerror(rc));
		return rc;
	}
	cb_net_addr_format(&to, pi->remote, sizeof(pi->remote));
	pcfg.impair = &P->ctx_cfg->net;
	rc = cb_path_open(&P->path, &pcfg);
	if (rc == 0) {
		P->rnet = P->ctx_cfg->net;
		P->rnet.seed = cb_mix64(P->rnet.seed ^ 0x52455652ULL);
		pcfg.impair = &P->rnet;
		rc = cb_path_open(&P->rpath, &pcfg);
	}
	if (rc < 0)
		snprintf(P->why, sizeof(P->why), "network emulator: %s", cb_strerror(rc));
	return rc;
}

/* Messages during the call: a bye, or the other end gone. */
static void poll_channel(struct peer *P, int timeout_ms)
{
	char *json = NULL, sub[160] = "";
	struct cb_peer_msg m;
	int rc;

	if (P->remote_gone) {
		cb_clock_sleep_until(&P->tx->clock, cb_clock_now(&P->tx->clock) +
							(cb_ns)timeout_ms * CB_NS_PER_MS);
		return;
	}
	rc = P->ch->next(P->ch->user, &json, timeout_ms, sub, sizeof(sub));
	if (rc == CB_E_TIMEOUT)
		return;
	if (rc < 0) {
		P->remote_gone = 1;
		snprintf(P->remote_why, sizeof(P->remote_why), "%s",
			 sub[0] ? sub : cb_strerror(rc));
		cb_log(P->log, CB_LOG_INFO, "peer", "the other peer is gone: %s", P->remote_why);
		return;
	}
	rc = cb_peer_msg_parse(json, strlen(json), &m, sub, sizeof(sub));
	free(json);
	if (rc < 0) {
		cb_log(P->log, CB_LOG_WARN, "peer", "a message that is not one: %s", sub);
		return;
	}
	if (m.type == CB_PEER_MSG_BYE) {
		P->remote_bye = 1;
		snprintf(P->remote_why, sizeof(P->remote_why), "%s",
			 m.reason[0] ? m.reason : "bye");
		cb_log(P->log, CB_LOG_INFO, "peer", "the other peer said bye (%s)", P->remote_why);
	} else {
		cb_log(P->log, CB_LOG_WARN, "peer",
		       "a \"%s\" message during the call: not taken (no renegotiation)", m.name);
	}
	cb_peer_msg_clear(&m);
}

/* Run the call: 0, CB_E_TIMEOUT (nothing arrived), or another error. */
static int drive(struct peer *P, struct cb_run_result *res)
{
	const cb_ns t_start = cb_clock_now(&P->tx->clock);
	cb_ns first = CB_NS_NONE, last_new = t_start, last_progress = 0, bye_at = CB_NS_NONE;
	cb_ns lingered = CB_NS_NONE;
	uint64_t seen = 0;
	int sent_bye = 0, rc = 0;

	if (P->receives && (rc = cb_receiver_start(P->rcv)) < 0) {
		snprintf(P->why, sizeof(P->why), "starting the receiver: %s", cb_strerror(rc));
		return rc;
	}
	if (P->sends) {
		rc = cb_sender_start(P->snd);
		if (rc == 0)
			rc = cb_feedback_sender_start(P->snd);
		if (rc < 0) {
			atomic_store(&P->snd->abort, 1);
			snprintf(P->why, sizeof(P->why), "starting the sender: %s",
				 cb_strerror(rc));
			return rc;
		}
	}
	for (;;) {
		cb_ns now = cb_clock_now(&P->tx->clock);
		int send_done = !P->sends || sent_bye;
		int recv_done;

		if (cb_drive_stop_requested(P->hooks) || (P->snd && P->snd->err) ||
		    (P->rcv && P->rcv->err)) {
			snprintf(res->peer.ended, sizeof(res->peer.ended), "%s",
				 cb_drive_stop_requested(P->hooks) ? "stopped" : "failed");
			break;
		}
		if (P->receives) {
			uint64_t n = atomic_load(&P->rcv->packets_seen);

			if (n != seen) {
				seen = n;
				last_new = now;
				if (first == CB_NS_NONE)
					first = now;
			}
			if (now - last_progress >= 250 * CB_NS_PER_MS && first != CB_NS_NONE) {
				cb_drive_progress(P->hooks, P->crx_cfg, P->rcv, now, first);
				last_progress = now;
			}
			if (first == CB_NS_NONE && now - t_start > FIRST_WAIT_NS &&
			    !P->remote_bye && !P->remote_gone) {
				snprintf(P->why, sizeof(P->why), "nothing arrived in %d s",
					 (int)(FIRST_WAIT_NS / CB_NS_PER_S));
				rc = CB_E_TIMEOUT;
				snprintf(res->peer.ended, sizeof(res->peer.ended), "nothing");
				break;
			}
		}
		if (P->sends && !sent_bye && cb_sender_done(P->snd)) {
			cb_sender_join(P->snd);
			cb_path_drain(&P->path, 1, &P->tx->clock);
			rc = send_msg(P, CB_PEER_MSG_BYE, "done");
			if (rc < 0)
				cb_log(P->log, CB_LOG_WARN, "peer", "sending bye: %s",
				       cb_strerror(rc));
			rc = 0;
			sent_bye = 1;
			lingered = cb_clock_now(&P->tx->clock);
			continue;
		}
		if ((P->remote_bye || P->remote_gone) && bye_at == CB_NS_NONE)
			bye_at = now;
		/* Receiving is over when the other end said bye (or left) and
		 * what it sent has played out, or nothing came for a while. */
		recv_done =
		    !P->receives ||
		    (bye_at != CB_NS_NONE &&
		     (atomic_load(&P->rcv->backlog) == 0 || now - bye_at > CB_CALL_DRAIN_MAX_NS) &&
		     now - bye_at > 100 * CB_NS_PER_MS) ||
		    (first != CB_NS_NONE && now - last_new > IDLE_NS);
		if (send_done && recv_done &&
		    (P->receives || bye_at != CB_NS_NONE || !P->sends ||
		     now - lingered > LINGER_NS)) {
			snprintf(res->peer.ended, sizeof(res->peer.ended), "%s",
				 P->remote_bye			       ? "bye"
				 : P->remote_gone		       ? "left"
				 : bye_at == CB_NS_NONE && P->receives ? "idle"
								       : "linger");
			break;
		}
		poll_channel(P, POLL_MS);
	}
	if (!sent_bye)
		send_msg(P, CB_PEER_MSG_BYE,
			 cb_drive_stop_requested(P->hooks) ? "stopped" : "failed");
	res->peer.sends = P->sends;
	res->peer.receives = P->receives;
	snprintf(res->peer.remote_bye, sizeof(res->peer.remote_bye), "%s", P->remote_why);
	return rc;
}

static void peer_free(struct peer *P)
{
	if (P->snd) {
		cb_feedback_sender_stop(P->snd);
		cb_sender_close(P->snd);
	}
	if (P->rcv && P->rcv->ss)
		cb_receiver_close(P->rcv);
	cb_path_close(P->rpath);
	cb_path_close(P->path);
	cb_transport_close(&P->tp);
	cb_pc_free(P->pc);
	free(P->d);
	free(P->snd);
	free(P->rcv);
	free(P->tx);
	free(P->rx);
	free(P->tss);
	free(P->ctx_cfg);
	free(P->crx_cfg);
	free(P->tcfg);
}

int cb_call_peer(const struct cb_call_cfg *cfg, const struct cb_peer_cfg *pcfg,
		 const struct cb_peer_channel *ch, const struct cb_call_hooks *hooks,
		 struct cb_run_result *res)
{
	struct peer P = {.cfg = cfg, .pcfg = pcfg, .ch = ch, .hooks = hooks};
	const struct cb_sdp_negotiated *n = NULL;
	cb_ns wall0 = cb_real_now();
	int rc;

	memset(res, 0, sizeof(*res));
	P.log = hooks ? &hooks->log : NULL;
	rc = cb_call_cfg_check(cfg, P.why, sizeof(P.why));
	if (rc == 0 && (cfg->sim || strcmp(cfg->transport, "udp"))) {
		snprintf(P.why, sizeof(P.why), "a peer runs on the real clock over udp (not %s)",
			 cfg->sim ? "--clock sim" : cfg->transport);
		rc = -EINVAL;
	}
	if (rc == 0 && !pcfg->send && !pcfg->recv) {
		snprintf(P.why, sizeof(P.why), "a peer that neither sends nor receives");
		rc = -EINVAL;
	}
	if (rc < 0)
		goto fail;
	P.ctx_cfg = malloc(sizeof(*P.ctx_cfg));
	P.crx_cfg = malloc(sizeof(*P.crx_cfg));
	P.tcfg = malloc(sizeof(*P.tcfg));
	P.tx = malloc(sizeof(*P.tx));
	P.rx = malloc(sizeof(*P.rx));
	P.tss = malloc(sizeof(*P.tss));
	P.snd = calloc(1, sizeof(*P.snd));
	P.rcv = calloc(1, sizeof(*P.rcv));
	P.d = cb_sdp_new();
	if (!P.ctx_cfg || !P.crx_cfg || !P.tcfg || !P.tx || !P.rx || !P.tss || !P.snd || !P.rcv ||
	    !P.d) {
		rc = -ENOMEM;
		snprintf(P.why, sizeof(P.why), "%s", cb_strerror(rc));
		goto fail;
	}
	/* Each role its own draws, so two peers with the same settings do not
	 * send the same SSRCs and pictures to each other. */
	*P.ctx_cfg = *cfg;
	if (!pcfg->offer) {
		P.ctx_cfg->seed = cb_mix64(cfg->seed ^ 0x414e5357ULL);
		P.ctx_cfg->net.seed = cb_mix64(cfg->net.seed ^ 0x414e5357ULL);
	}
	*P.crx_cfg = *P.ctx_cfg;
	cb_session_init(P.tx, P.ctx_cfg, P.log);
	cb_session_init(P.rx, P.crx_cfg, P.log);
	{
		struct cb_transport_cfg tc = {.clock = &P.tx->clock, .log = P.log};
		char a[CB_NET_ADDR_STRLEN];

		cb_net_addr_format(&pcfg->local, a, sizeof(a));
		rc = cb_transport_open_end(&cb_transport_udp, &tc, &pcfg->local, &P.tp);
		if (rc < 0) {
			snprintf(P.why, sizeof(P.why), "udp %s: %s", a, cb_strerror(rc));
			goto fail;
		}
	}
	res->peer.on = 1;
	snprintf(res->peer.role, sizeof(res->peer.role), "%s", pcfg->offer ? "offer" : "answer");
	{
		struct cb_net_addr here;

		if (cb_transport_local(&P.tp, &here) == 0)
			cb_net_addr_format(&here, res->peer.local, sizeof(res->peer.local));
	}
	if (pcfg->send) {
		rc = cb_sender_open(P.snd, P.tx, hooks ? hooks->stop : NULL, &P.tx->clock,
				    &P.tx->clock);
		if (rc < 0) {
			snprintf(P.why, sizeof(P.why), "sender set-up: %s", cb_strerror(rc));
			goto fail;
		}
		cb_sender_describe(P.snd, P.tx);
	}
	rc = negotiate(&P, res);
	if (rc == 0 && !(n = cb_pc_negotiated(P.pc))) {
		snprintf(P.why, sizeof(P.why), "nothing was agreed");
		rc = CB_E_FORMAT;
	}
	if (rc == 0)
		rc = apply(&P, n);
	if (rc == 0)
		rc = connect_paths(&P, n, &res->peer);
	if (rc < 0)
		goto fail;
	/* The result: what arrives, as its receiver measures it, or (sending
	 * only) the sender's settings with no media received. */
	if (P.receives) {
		char rdir[sizeof(res->negotiated.media[0].local_dir)];

		P.rx->own_ssrc = (uint32_t)cb_mix64(P.ctx_cfg->seed ^ 0x52454356ULL);
		cb_half_begin(res, P.crx_cfg, P.rx, "");
		cb_negotiated_fill(&res->negotiated, P.rx, n);
		/* Seen from the sending end, as a whole call's report is. */
		for (int m = 0; m < 2; m++) {
			struct cb_negotiated_media *nm = &res->negotiated.media[m];

			memcpy(rdir, nm->local_dir, sizeof(rdir));
			memcpy(nm->local_dir, nm->remote_dir, sizeof(rdir));
			memcpy(nm->remote_dir, rdir, sizeof(rdir));
		}
		rc = cb_receiver_open(P.rcv, P.rx, &P.tp, &P.rx->clock);
		if (rc == 0)
			rc = cb_feedback_receiver_open(P.rcv, P.rpath);
		if (rc < 0) {
			snprintf(P.why, sizeof(P.why), "receiver set-up: %s", cb_strerror(rc));
			goto fail;
		}
	} else {
		struct cb_call_cfg none = *P.ctx_cfg;

		none.video = none.audio = 0;
		cb_call_result_begin(res, &none);
		snprintf(res->half, sizeof(res->half), "sender");
		snprintf(res->clock, sizeof(res->clock), "real");
		cb_negotiated_fill(&res->negotiated, P.tx, n);
	}
	if (P.sends) {
		rc = cb_sender_connect(P.snd, P.path);
		if (rc == 0)
			rc =
			    cb_feedback_sender_open(P.snd, P.receives ? NULL : &P.tp, &P.tx->clock);
		if (rc < 0) {
			snprintf(P.why, sizeof(P.why), "sender set-up: %s", cb_strerror(rc));
			goto fail;
		}
		if (P.receives) {
			P.rcv->rtcp_other = peer_rtcp_other;
			P.rcv->rtcp_other_user = P.snd;
		}
	}
	cb_log(P.log, CB_LOG_INFO, "peer", "%s: sends %s, receives %s, %s <-> %s", res->peer.role,
	       P.sends ? "yes" : "no", P.receives ? "yes" : "no", res->peer.local,
	       res->peer.remote);
	/* Both halves start together; the other end's first packets wait in
	 * the socket until its receiver runs, which is set up already. */
	P.tx->t0 = P.rx->t0 = cb_clock_now(&P.tx->clock) + CB_CALL_START_DELAY_NS;
	rc = drive(&P, res);
	if (P.receives)
		cb_receiver_stop_join(P.rcv);
	if (P.sends) {
		if (!cb_sender_done(P.snd))
			atomic_store(&P.snd->abort, 1);
		cb_sender_join(P.snd);
		cb_feedback_sender_stop(P.snd);
	}
	res->wall_s = (double)(cb_real_now() - wall0) / 1e9;
	if (rc < 0 || (P.snd->err) || (P.rcv->err)) {
		res->status = CB_RUN_FAILED;
		snprintf(res->error, sizeof(res->error), "%s",
			 P.rcv->err   ? P.rcv->errmsg
			 : P.snd->err ? P.snd->errmsg
				      : P.why);
	} else {
		res->status = cb_drive_stop_requested(hooks) ? CB_RUN_INTERRUPTED : CB_RUN_COMPLETE;
	}
	if (P.receives && rc != CB_E_TIMEOUT)
		cb_half_finish(res, P.rcv, P.tss, P.tcfg);
	if (P.sends) {
		res->has_sent = 1;
		cb_send_result_fill(&res->sent, P.snd, P.ctx_cfg);
		res->sent.status = res->status;
		snprintf(res->sent.local, sizeof(res->sent.local), "%s", res->peer.local);
		for (int m = 0; m < 2; m++)
			if (m == CB_MEDIA_VIDEO ? P.ctx_cfg->video : P.ctx_cfg->audio)
				snprintf(res->sent.remote[m], sizeof(res->sent.remote[m]), "%s",
					 res->peer.remote);
	}
	peer_free(&P);
	return 0;
fail:
	snprintf(res->error, sizeof(res->error), "%s", P.why);
	if (!res->cfg.duration_s)
		res->cfg = *cfg;
	peer_free(&P);
	return rc < 0 ? rc : -EINVAL;
}
