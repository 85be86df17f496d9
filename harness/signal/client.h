/*
 * client.h — a signaling client (libwebsockets) for `callbench peer` and
 * the tests: connect to ws://HOST:PORT, join a room, send message data,
 * and take the server's events from a queue, each wait with a timeout.
 *
 * The client serves its connection on a thread of its own; every function
 * here may be called from any one other thread.  Events arrive in the
 * order the server sent them; when the connection ends, one
 * CB_SIG_EV_CLOSED event comes last.
 */
#ifndef CB_SIGNAL_CLIENT_H
#define CB_SIGNAL_CLIENT_H

#include <stddef.h>

#include "base/log.h"
#include "signal/proto.h"

struct cb_sig_client;

/**
 * Connect to `host`:`port` (numeric address or "localhost") and wait up to
 * `timeout_ms` for the server's `welcome`.  0, or -EINVAL, CB_E_TIMEOUT,
 * -ECONNREFUSED (refused or closed before welcome), -EPROTO (the server
 * speaks another protocol version), -ENOMEM, CB_E_EXTERNAL.
 * `lg` (may be NULL) must outlive the client.
 */
int cb_sig_client_open(struct cb_sig_client **c, const char *host, int port, int timeout_ms,
		       const struct cb_logger *lg);

/** The id the server gave this client ("c7"). */
const char *cb_sig_client_id(const struct cb_sig_client *c);

/**
 * Join `room` and wait for the answer.  0 (joined; `ev`, if not NULL, gets
 * the `joined` event with the peers already there: clear it), -EBUSY (the
 * room is full), -EPROTO (an `error`: `ev` gets it), CB_E_TIMEOUT,
 * -ENOTCONN.  Other events that arrive meanwhile stay queued.
 */
int cb_sig_client_join(struct cb_sig_client *c, const char *room, int timeout_ms,
		       struct cb_sig_event *ev);
/** Leave the room and wait for `left`: 0, -EPROTO, CB_E_TIMEOUT, -ENOTCONN. */
int cb_sig_client_leave(struct cb_sig_client *c, int timeout_ms);

/**
 * Send `data_json` (any JSON text: an offer, an answer, a candidate, bye)
 * to the room's other peers, or to `to` only (NULL: all).  Queued: 0,
 * -EINVAL (not JSON), -ENOTCONN, -ENOMEM.
 */
int cb_sig_client_send(struct cb_sig_client *c, const char *to, const char *data_json);
/** Send any bytes as one text (or binary) message, for tests of the server. */
int cb_sig_client_send_raw(struct cb_sig_client *c, const void *data, size_t len, int binary);

/**
 * The next event, waiting up to `timeout_ms` (0: do not wait).  0 with
 * `ev` filled (clear it), CB_E_TIMEOUT, or -ENOTCONN once the CLOSED event
 * has been taken.
 */
int cb_sig_client_next(struct cb_sig_client *c, struct cb_sig_event *ev, int timeout_ms);
/** The first queued or coming event of `type`, the others staying queued. */
int cb_sig_client_wait(struct cb_sig_client *c, enum cb_sig_ev_type type, struct cb_sig_event *ev,
		       int timeout_ms);

/** Close cleanly (1000), waiting up to 1 s for the server, and free. Safe with NULL. */
void cb_sig_client_close(struct cb_sig_client *c);

#endif
