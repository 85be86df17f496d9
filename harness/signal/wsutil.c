/*
 * wsutil.c — outgoing queue, incoming assembly and log silencing shared by
 * the signaling server and client (wsutil.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "signal/wsutil.h"

struct cb_ws_msg {
	struct cb_ws_msg *next;
	size_t len;
	int binary;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then the payload */
};

int cb_ws_queue_push(struct cb_ws_queue *q, const void *data, size_t len, int binary)
{
	struct cb_ws_msg *m = malloc(sizeof(*m) + LWS_PRE + len);

	if (!m)
		return -ENOMEM;
	m->next = NULL;
	m->len = len;
	m->binary = binary;
	memcpy(m->buf + LWS_PRE, data, len);
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += len;
	return 0;
}

int cb_ws_queue_write(struct cb_ws_queue *q, struct lws *wsi)
{
	struct cb_ws_msg *m = q->head;
	int n;

	if (!m)
		return 0;
	n = lws_write(wsi, m->buf + LWS_PRE, m->len, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
	q->head = m->next;
	if (!q->head)
		q->tail = NULL;
	q->bytes -= m->len;
	free(m);
	return n < 0 ? -1 : 0;
}

void cb_ws_queue_clear(struct cb_ws_queue *q)
{
	while (q->head) {
		struct cb_ws_msg *m = q->head;

		q->head = m->next;
		free(m);
	}
	q->tail = NULL;
	q->bytes = 0;
}

int cb_ws_rx_add(struct cb_ws_rx *rx, struct lws *wsi, const void *in, size_t len, size_t max)
{
	if (lws_is_first_fragment(wsi)) {
		rx->len = rx->total = 0;
		rx->over = 0;
		rx->binary = lws_frame_is_binary(wsi);
	}
	rx->total += len;
	if (!rx->over && rx->len + len > max)
		rx->over = 1;
	if (!rx->over && !rx->binary) {
		if (!rx->buf || rx->len + len + 1 > rx->cap) {
			size_t cap = rx->cap ? rx->cap : 1024;
			char *b;

			while (cap < rx->len + len + 1)
				cap *= 2;
			b = realloc(rx->buf, cap);
			if (!b)
				return -ENOMEM;
			rx->buf = b;
			rx->cap = cap;
		}
		memcpy(rx->buf + rx->len, in, len);
		rx->len += len;
		rx->buf[rx->len] = 0;
	}
	return lws_is_final_fragment(wsi) ? 1 : 0;
}

void cb_ws_rx_reset(struct cb_ws_rx *rx)
{
	if (rx->cap > 16384) {
		free(rx->buf);
		rx->buf = NULL;
		rx->cap = 0;
	}
	rx->len = rx->total = 0;
	rx->over = rx->binary = 0;
}

void cb_ws_rx_free(struct cb_ws_rx *rx)
{
	free(rx->buf);
	memset(rx, 0, sizeof(*rx));
}

void cb_ws_quiet(void)
{
	lws_set_log_level(0, NULL);
}
