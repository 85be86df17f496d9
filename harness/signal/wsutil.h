/*
 * wsutil.h — what the signaling server and client share over
 * libwebsockets: a queue of outgoing messages (each with the LWS_PRE
 * headroom lws_write needs), the assembly of one incoming message from its
 * fragments with a size limit, and silencing libwebsockets' own log.
 * Internal to harness/signal/.
 */
#ifndef CB_SIGNAL_WSUTIL_H
#define CB_SIGNAL_WSUTIL_H

#include <stddef.h>

struct lws;
struct cb_ws_msg;

struct cb_ws_queue {
	struct cb_ws_msg *head, *tail;
	size_t bytes; /* payload queued */
};

/** Append a copy of `len` bytes (a text frame, or binary when `binary`). 0 or -ENOMEM. */
int cb_ws_queue_push(struct cb_ws_queue *q, const void *data, size_t len, int binary);
/** Write the head message with lws_write (from a WRITEABLE callback) and drop it. 0 or -1. */
int cb_ws_queue_write(struct cb_ws_queue *q, struct lws *wsi);
void cb_ws_queue_clear(struct cb_ws_queue *q);

/** One message being received. */
struct cb_ws_rx {
	char *buf; /* NUL-terminated; at most `max` bytes are kept */
	size_t len, cap;
	size_t total; /* bytes the message had, kept or not */
	int over;     /* it was longer than `max`: `buf` holds its start only */
	int binary;
};

/**
 * Add a fragment from a RECEIVE callback (lws_is_first_fragment and
 * lws_is_final_fragment are read from `wsi`).  1 when the message is
 * whole, 0 when more is to come, -ENOMEM.
 */
int cb_ws_rx_add(struct cb_ws_rx *rx, struct lws *wsi, const void *in, size_t len, size_t max);
/** Ready for the next message (a large buffer is given back). */
void cb_ws_rx_reset(struct cb_ws_rx *rx);
void cb_ws_rx_free(struct cb_ws_rx *rx);

/** Turn libwebsockets' process-wide log off (the library never prints). */
void cb_ws_quiet(void);

#endif
