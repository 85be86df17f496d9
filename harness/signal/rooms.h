/*
 * rooms.h — the signaling server's logic with no I/O: clients, rooms,
 * limits, rate buckets and heartbeat deadlines, driven by a time the caller
 * passes in.  Input is what a client sent (one message's text, a pong, its
 * connection ending); output is a list of things to do: send this text to
 * that client, ping it, close it.  The WebSocket server (server.h) feeds it
 * from its sockets; `--peers thread` and the tests feed it from memory, with
 * simulated time.
 *
 * Guarantees, whatever the input: a message is delivered only to clients of
 * the sender's room; every refused input is answered with an `error`; a
 * client that keeps causing errors, or that does not answer pings, is
 * removed (and its room told, as peer-left).
 *
 * Not thread-safe: one thread (or one lock) per cb_rooms.
 */
#ifndef CB_SIGNAL_ROOMS_H
#define CB_SIGNAL_ROOMS_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/log.h"
#include "signal/proto.h"

struct cb_rooms;

enum cb_rooms_act {
	CB_ROOMS_SEND,	/**< send `text` (`len` bytes, a JSON text message) to the client */
	CB_ROOMS_PING,	/**< send the client a WebSocket ping */
	CB_ROOMS_CLOSE, /**< close it with `close_code`/`reason`, after what was queued before;
			     `abort`: drop the connection at once (it stopped answering) */
};

/** One thing to do.  The client is no longer known to cb_rooms after CLOSE. */
struct cb_rooms_out {
	enum cb_rooms_act kind;
	uint64_t client;
	void *user; /**< the client's `user` from cb_rooms_connect */
	char *text; /**< SEND: malloc'd; the caller may take it (set NULL) before clearing */
	size_t len;
	int close_code; /**< CLOSE: WebSocket status (1000, 1001, 1008...) */
	int abort;
	const char *reason; /**< CLOSE: static text */
};

/** Why a client left, as peer-left's "reason" says it. */
enum cb_rooms_why {
	CB_ROOMS_LEFT,
	CB_ROOMS_CLOSED,
	CB_ROOMS_TIMEOUT,
	CB_ROOMS_KICKED,
	CB_ROOMS_STOPPING
};

/**
 * Make an empty server state with limits `lim` (checked: -EINVAL when
 * cb_sig_limits_check refuses them).  `lg` (may be NULL) gets one line per
 * join and leave; it must outlive the rooms.
 */
int cb_rooms_open(struct cb_rooms **r, const struct cb_sig_limits *lim, const struct cb_logger *lg);
void cb_rooms_close(struct cb_rooms *r);

/**
 * A new connection at `now`: its id in *id and a `welcome` queued to it.
 * -EBUSY when max_clients are connected (an `error server-full` and a
 * close are queued to `user` under id 0: the caller sends them and closes),
 * -ENOMEM.
 */
int cb_rooms_connect(struct cb_rooms *r, cb_ns now, void *user, uint64_t *id);

/** Its connection ended (closed or broken): its room gets peer-left
 * (reason "closed").  -ENOENT for an id not connected (already removed). */
int cb_rooms_disconnect(struct cb_rooms *r, cb_ns now, uint64_t id);

/**
 * One whole text message of `len` bytes from client `id`.  Every outcome is
 * queued (replies, relays, errors, a close); returns 0, -ENOENT for an id
 * not connected, or -ENOMEM.
 */
int cb_rooms_input(struct cb_rooms *r, cb_ns now, uint64_t id, const char *text, size_t len);

/**
 * A message the transport refused before it could be read (`code`
 * CB_SIG_E_TOO_BIG for one over max_message, CB_SIG_E_BINARY for a binary
 * frame): answered and counted as an error like any other.
 */
int cb_rooms_refuse(struct cb_rooms *r, cb_ns now, uint64_t id, enum cb_sig_err code,
		    const char *reason);

/** The client answered a ping (or sent anything else): it is alive. */
void cb_rooms_alive(struct cb_rooms *r, cb_ns now, uint64_t id);

/**
 * The heartbeat at `now`: a ping to each client silent for ping_interval,
 * and removal (peer-left reason "timeout", CLOSE with abort) of each that
 * has not answered a ping within ping_timeout.  Call it at least every few
 * hundred milliseconds; returns the next time it has something to do.
 */
cb_ns cb_rooms_tick(struct cb_rooms *r, cb_ns now);

/** Close every client (1001 "server stopping"), as the server stops. */
void cb_rooms_shutdown(struct cb_rooms *r, cb_ns now);

/** What to do, in order, since the last clear; `*out` is NULL when none. */
size_t cb_rooms_out(struct cb_rooms *r, struct cb_rooms_out **out);
/** Forget the queued actions (freeing the texts the caller did not take). */
void cb_rooms_out_clear(struct cb_rooms *r);

/* ---- inspection, for tests, the fuzz target and the log ---- */

size_t cb_rooms_n_clients(const struct cb_rooms *r);
size_t cb_rooms_n_rooms(const struct cb_rooms *r);
/** The room client `id` is in, NULL when none (or not connected). */
const char *cb_rooms_room_of(const struct cb_rooms *r, uint64_t id);
/** Clients in room `name` (0 when there is no such room). */
size_t cb_rooms_room_size(const struct cb_rooms *r, const char *name);

#endif
