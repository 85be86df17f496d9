/*
 * peer_room.c — `callbench peer --signal ws://HOST:PORT --room NAME`: one
 * end of a call with another peer met in a signaling server's room
 * (harness/signal/PROTOCOL.md).  Both join; the second to join makes the
 * offer (unless --offer or --answer says otherwise); offer, answer and bye
 * travel as room messages (signal/peer_msg.h); the media goes straight
 * between the two ends' sockets (call/peer.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/peer.h"
#include "net/addr.h"
#include "peer.h"
#include "signal/client.h"
#include "signal/server.h"

struct room_chan {
	struct cb_sig_client *c;
	char remote[CB_SIG_ID_LEN];
	const struct cb_logger *log;
};

static int chan_send(void *user, const char *json)
{
	struct room_chan *ch = user;

	return cb_sig_client_send(ch->c, ch->remote, json);
}

static int chan_next(void *user, char **json, int timeout_ms, char *why, size_t why_len)
{
	struct room_chan *ch = user;
	cb_ns until = cb_real_now() + (cb_ns)timeout_ms * CB_NS_PER_MS;

	for (;;) {
		struct cb_sig_event ev = {0};
		cb_ns left = until - cb_real_now();
		int rc = cb_sig_client_next(ch->c, &ev, left > 0 ? (int)(left / CB_NS_PER_MS) : 0);

		if (rc == CB_E_TIMEOUT)
			return rc;
		if (rc < 0) {
			snprintf(why, why_len, "the signaling connection is closed");
			return -ENOTCONN;
		}
		switch (ev.type) {
		case CB_SIG_EV_MESSAGE:
			if (strcmp(ev.id, ch->remote) || !ev.data)
				break; /* not from the peer of this call */
			*json = ev.data;
			ev.data = NULL;
			cb_sig_event_clear(&ev);
			return 0;
		case CB_SIG_EV_PEER_LEFT:
			if (strcmp(ev.id, ch->remote))
				break;
			snprintf(why, why_len, "the other peer (%s) left the room (%s)", ev.id,
				 ev.reason[0] ? ev.reason : "no reason");
			cb_sig_event_clear(&ev);
			return -ENOTCONN;
		case CB_SIG_EV_CLOSED:
			snprintf(why, why_len,
				 "the signaling server closed the connection (%d%s%s)",
				 ev.close_code, ev.reason[0] ? ": " : "", ev.reason);
			cb_sig_event_clear(&ev);
			return -ENOTCONN;
		case CB_SIG_EV_ERROR:
			cb_log(ch->log, CB_LOG_WARN, "signal", "the server says %s: %s", ev.code,
			       ev.reason);
			break;
		default:
			break;
		}
		cb_sig_event_clear(&ev);
	}
}

/* "ws://HOST:PORT" or "ws://HOST:PORT/" into host and port. */
static int parse_url(const char *url, char *host, size_t room, int *port, char *why, size_t why_len)
{
	char hp[128];
	const char *p = url;
	size_t n;

	if (strncmp(p, "ws://", 5)) {
		snprintf(why, why_len, "not a ws:// URL (wss is not spoken)");
		return -EINVAL;
	}
	p += 5;
	n = strcspn(p, "/");
	if (n == 0 || n >= sizeof(hp) || (p[n] == '/' && p[n + 1])) {
		snprintf(why, why_len, "want ws://HOST:PORT, with no path");
		return -EINVAL;
	}
	memcpy(hp, p, n);
	hp[n] = '\0';
	if (cb_sig_addr_parse(hp, host, room, port, why, why_len) < 0)
		return -EINVAL;
	if (*port <= 0) {
		snprintf(why, why_len, "the URL needs the server's port");
		return -EINVAL;
	}
	return 0;
}

int peer_room(struct run_opts *o, const struct peer_room_opts *r)
{
	struct cb_call_hooks hooks;
	struct room_chan ch = {0};
	struct cb_peer_channel pch = {.send = chan_send, .next = chan_next, .user = &ch};
	struct cb_peer_cfg pcfg = {.send = r->send, .recv = r->recv};
	struct cb_sig_event ev = {0};
	struct cb_run_result res;
	char host[96], why[200] = "";
	int port = 0, rc, offer;

	if (parse_url(r->url, host, sizeof(host), &port, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench peer: --signal %s: %s\n", r->url, why);
		return PEER_EXIT_USAGE;
	}
	if (cb_net_addr_parse(r->bind, &pcfg.local, why, sizeof(why)) < 0 &&
	    cb_net_addr_from(r->bind, 0, &pcfg.local) < 0) {
		fprintf(stderr, "callbench peer: --bind %s: a numeric address (IPv4 or IPv6)\n",
			r->bind);
		return PEER_EXIT_USAGE;
	}
	{
		char h[CB_NET_ADDR_STRLEN];

		cb_net_addr_host(&pcfg.local, h, sizeof(h));
		if (!strcmp(h, "0.0.0.0") || !strcmp(h, "::")) {
			fprintf(stderr,
				"callbench peer: --bind %s: the other end is told this "
				"address; give the one it reaches\n",
				r->bind);
			return PEER_EXIT_USAGE;
		}
	}
	peer_install_signals();
	peer_hooks(&hooks, o);
	ch.log = &hooks.log;
	rc = cb_sig_client_open(&ch.c, host, port, 5000, &hooks.log);
	if (rc < 0) {
		fprintf(stderr, "callbench peer: --signal %s: %s\n", r->url,
			rc == -ECONNREFUSED ? "nothing answers there (is callbench signal running?)"
			: rc == -EPROTO	    ? "the server speaks another protocol version"
					    : cb_strerror(rc));
		return PEER_EXIT_FAILED;
	}
	rc = cb_sig_client_join(ch.c, r->room, 5000, &ev);
	if (rc < 0) {
		fprintf(stderr, "callbench peer: --room %s: %s%s%s\n", r->room,
			rc == -EBUSY	? "the room is full (two peers are in it)"
			: rc == -EPROTO ? "refused"
					: cb_strerror(rc),
			rc == -EPROTO ? ": " : "", rc == -EPROTO ? ev.reason : "");
		cb_sig_event_clear(&ev);
		cb_sig_client_close(ch.c);
		return rc == -EPROTO ? PEER_EXIT_USAGE : PEER_EXIT_FAILED;
	}
	if (ev.n_peers) {
		snprintf(ch.remote, sizeof(ch.remote), "%s", ev.peers[0]);
		offer = r->role < 0 ? 1 : r->role;
	} else {
		struct cb_sig_event pj = {0};
		cb_ns until = cb_real_now() + (cb_ns)(r->wait_s * 1e9);

		offer = r->role < 0 ? 0 : r->role;
		cb_log(&hooks.log, CB_LOG_INFO, "peer",
		       "in room %s as %s, waiting for the other peer", r->room,
		       cb_sig_client_id(ch.c));
		rc = CB_E_TIMEOUT;
		while (cb_real_now() < until && !atomic_load(&peer_stop)) {
			rc = cb_sig_client_wait(ch.c, CB_SIG_EV_PEER_JOINED, &pj, 200);
			if (rc != CB_E_TIMEOUT)
				break;
		}
		if (rc == 0)
			snprintf(ch.remote, sizeof(ch.remote), "%s", pj.id);
		cb_sig_event_clear(&pj);
		if (rc < 0) {
			fprintf(stderr, "callbench peer: --room %s: %s\n", r->room,
				atomic_load(&peer_stop) ? "stopped while waiting for the other peer"
				: rc == CB_E_TIMEOUT	? "nobody else joined within --wait"
							: "the signaling connection closed");
			cb_sig_event_clear(&ev);
			cb_sig_client_close(ch.c);
			return atomic_load(&peer_stop) ? PEER_EXIT_INTERRUPTED : PEER_EXIT_FAILED;
		}
	}
	cb_sig_event_clear(&ev);
	pcfg.offer = offer;
	cb_log(&hooks.log, CB_LOG_INFO, "peer", "%s with %s in room %s",
	       offer ? "offering" : "answering", ch.remote, r->room);
	rc = cb_call_peer(&o->call, &pcfg, &pch, &hooks, &res);
	snprintf(res.peer.signal, sizeof(res.peer.signal), "%s", r->url);
	snprintf(res.peer.room, sizeof(res.peer.room), "%s", r->room);
	snprintf(res.peer.self_id, sizeof(res.peer.self_id), "%s", cb_sig_client_id(ch.c));
	snprintf(res.peer.remote_id, sizeof(res.peer.remote_id), "%s", ch.remote);
	cb_sig_client_leave(ch.c, 1000);
	cb_sig_client_close(ch.c);
	if (rc < 0) {
		fprintf(stderr, "callbench peer: %s\n", res.error[0] ? res.error : cb_strerror(rc));
		cb_run_result_free(&res);
		return rc == -EINVAL || rc == CB_E_FORMAT || rc == CB_E_UNSUPPORTED
			   ? (rc == -EINVAL ? PEER_EXIT_USAGE : PEER_EXIT_FAILED)
		       : rc == -EINTR ? PEER_EXIT_INTERRUPTED
				      : PEER_EXIT_FAILED;
	}
	return peer_finish(o, &res, &hooks);
}
