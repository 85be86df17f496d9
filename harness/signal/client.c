/*
 * client.c — the signaling client (client.h) on libwebsockets.
 *
 * The connection lives on the client's own service thread; the caller's
 * thread only touches the two queues below, under the mutex: messages to
 * send (the service thread writes them when libwebsockets says the socket
 * is writable) and events received.  lws_cancel_service() wakes the
 * service thread when there is something to send or the caller closes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "base/clock.h"
#include "base/error.h"
#include "signal/client.h"
#include "signal/wsutil.h"

/* The largest message the client takes from a server. */
#define RX_MAX (16u << 20)
/* How often the service thread looks at its flags, at most. */
#define TICK_US 100000

struct node {
	struct node *next;
	struct cb_sig_event ev;
};

struct cb_sig_client {
	const struct cb_logger *log;
	struct lws_context *ctx;
	struct lws_protocols protocols[2];
	struct lws *wsi; /* service thread only */
	struct cb_ws_rx rx;
	lws_sorted_usec_list_t sul;
	pthread_t thread;
	int thread_started;
	atomic_int force_stop;

	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct cb_ws_queue out;
	struct node *head, *tail; /* events */
	int close_req;
	int closed;  /* the CLOSED event was queued */
	int drained; /* ... and taken */
	int close_code;
	char close_reason[124];
	char id[CB_SIG_ID_LEN];
};

static void push_event(struct cb_sig_client *c, struct node *n)
{
	pthread_mutex_lock(&c->mu);
	n->next = NULL;
	if (c->tail)
		c->tail->next = n;
	else
		c->head = n;
	c->tail = n;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mu);
}

/* The connection ended: queue CLOSED once. */
static void push_closed(struct cb_sig_client *c, const char *why)
{
	struct node *n = calloc(1, sizeof(*n));

	pthread_mutex_lock(&c->mu);
	if (c->closed || !n) {
		if (!c->closed) {
			c->closed = 1;
			pthread_cond_broadcast(&c->cond);
		}
		pthread_mutex_unlock(&c->mu);
		free(n);
		return;
	}
	c->closed = 1;
	n->ev.type = CB_SIG_EV_CLOSED;
	n->ev.close_code = c->close_code;
	snprintf(n->ev.reason, sizeof(n->ev.reason), "%s",
		 c->close_reason[0] ? c->close_reason : why);
	pthread_mutex_unlock(&c->mu);
	push_event(c, n);
}

static void on_message(struct cb_sig_client *c)
{
	struct cb_sig_error err;
	struct node *n;

	if (c->rx.binary || c->rx.over) {
		cb_log(c->log, CB_LOG_WARN, "signal",
		       "client %s: dropped a %s message of %zu bytes", c->id,
		       c->rx.binary ? "binary" : "too large", c->rx.total);
		return;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return;
	if (cb_sig_parse_event(c->rx.buf, c->rx.len, &n->ev, &err) != 0) {
		cb_log(c->log, CB_LOG_WARN, "signal", "client %s: the server sent %s: %s", c->id,
		       cb_sig_err_name(err.code), err.reason);
		free(n);
		return;
	}
	if (n->ev.type == CB_SIG_EV_WELCOME) {
		pthread_mutex_lock(&c->mu);
		snprintf(c->id, sizeof(c->id), "%s", n->ev.id);
		pthread_mutex_unlock(&c->mu);
	}
	push_event(c, n);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct cb_sig_client *c = ctx ? lws_context_user(ctx) : NULL;
	int rc;

	(void)user;
	if (!c)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->wsi = wsi;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		rc = cb_ws_rx_add(&c->rx, wsi, in, len, RX_MAX);
		if (rc == 1) {
			on_message(c);
			cb_ws_rx_reset(&c->rx);
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		pthread_mutex_lock(&c->mu);
		rc = 0;
		if (c->out.head) {
			rc = cb_ws_queue_write(&c->out, wsi);
			if (c->out.head || c->close_req)
				lws_callback_on_writable(wsi);
		} else if (c->close_req) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
			rc = -1;
		}
		pthread_mutex_unlock(&c->mu);
		return rc;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		pthread_mutex_lock(&c->mu);
		if (len >= 2) {
			const unsigned char *p = in;

			c->close_code = p[0] << 8 | p[1];
			snprintf(c->close_reason, sizeof(c->close_reason), "%.*s",
				 (int)(len - 2 < 120 ? len - 2 : 120), (const char *)p + 2);
		}
		pthread_mutex_unlock(&c->mu);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		c->wsi = NULL;
		push_closed(c, in ? (const char *)in : "connection failed");
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		c->wsi = NULL;
		push_closed(c, "connection closed");
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		pthread_mutex_lock(&c->mu);
		if (c->wsi && (c->out.head || c->close_req))
			lws_callback_on_writable(c->wsi);
		pthread_mutex_unlock(&c->mu);
		break;
	default:
		break;
	}
	return 0;
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct cb_sig_client *c = lws_container_of(sul, struct cb_sig_client, sul);

	lws_sul_schedule(c->ctx, 0, &c->sul, tick, TICK_US);
}

static void *serve(void *arg)
{
	struct cb_sig_client *c = arg;
	int done = 0;

	while (!done && !atomic_load(&c->force_stop)) {
		if (lws_service(c->ctx, 0) < 0)
			break;
		pthread_mutex_lock(&c->mu);
		done = c->closed;
		pthread_mutex_unlock(&c->mu);
	}
	return NULL;
}

/* Wait on the condition until `deadline` (CLOCK_MONOTONIC ns): 0 woken,
 * -ETIMEDOUT.  Called with the mutex held. */
static int wait_until(struct cb_sig_client *c, cb_ns deadline)
{
	struct timespec ts = {.tv_sec = deadline / CB_NS_PER_S, .tv_nsec = deadline % CB_NS_PER_S};

	return -pthread_cond_timedwait(&c->cond, &c->mu, &ts);
}

/*
 * Take the first queued event whose type is in `mask` (a bit per type),
 * waiting until `timeout_ms`.  The CLOSED event always ends the wait: it is
 * taken only when asked for (-ENOTCONN otherwise, and it stays queued).
 */
static int take(struct cb_sig_client *c, unsigned mask, struct cb_sig_event *ev, int timeout_ms)
{
	cb_ns deadline = cb_real_now() + (cb_ns)timeout_ms * CB_NS_PER_MS;
	int rc = CB_E_TIMEOUT;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct node **pp = &c->head, *prev = NULL;

		for (; *pp; prev = *pp, pp = &(*pp)->next) {
			struct node *n = *pp;

			if (n->ev.type == CB_SIG_EV_CLOSED && !(mask & 1u << CB_SIG_EV_CLOSED)) {
				rc = -ENOTCONN;
				goto out;
			}
			if (!(mask & 1u << n->ev.type))
				continue;
			*pp = n->next;
			if (c->tail == n)
				c->tail = prev;
			*ev = n->ev;
			free(n);
			if (ev->type == CB_SIG_EV_CLOSED)
				c->drained = 1;
			rc = 0;
			goto out;
		}
		if (c->drained) {
			rc = -ENOTCONN;
			break;
		}
		if (timeout_ms <= 0 || wait_until(c, deadline) == -ETIMEDOUT) {
			/* One last look after the deadline, then give up. */
			if (timeout_ms <= 0 || cb_real_now() >= deadline)
				break;
		}
	}
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int cb_sig_client_next(struct cb_sig_client *c, struct cb_sig_event *ev, int timeout_ms)
{
	return take(c, ~0u, ev, timeout_ms);
}

int cb_sig_client_wait(struct cb_sig_client *c, enum cb_sig_ev_type type, struct cb_sig_event *ev,
		       int timeout_ms)
{
	if ((unsigned)type >= CB_SIG_EV_COUNT)
		return -EINVAL;
	return take(c, 1u << type, ev, timeout_ms);
}

static int queue_text(struct cb_sig_client *c, const void *data, size_t len, int binary)
{
	int rc;

	pthread_mutex_lock(&c->mu);
	rc = c->closed ? -ENOTCONN : cb_ws_queue_push(&c->out, data, len, binary);
	pthread_mutex_unlock(&c->mu);
	if (rc == 0)
		lws_cancel_service(c->ctx);
	return rc;
}

/* Queue a built message (taken). */
static int queue_built(struct cb_sig_client *c, char *text)
{
	int rc;

	if (!text)
		return errno == EINVAL ? -EINVAL : -ENOMEM;
	rc = queue_text(c, text, strlen(text), 0);
	free(text);
	return rc;
}

int cb_sig_client_send_raw(struct cb_sig_client *c, const void *data, size_t len, int binary)
{
	return queue_text(c, data, len, binary);
}

int cb_sig_client_send(struct cb_sig_client *c, const char *to, const char *data_json)
{
	if (!c || !data_json)
		return -EINVAL;
	errno = 0;
	return queue_built(c, cb_sig_build_message(to, data_json));
}

int cb_sig_client_join(struct cb_sig_client *c, const char *room, int timeout_ms,
		       struct cb_sig_event *ev)
{
	struct cb_sig_event got;
	int rc = queue_built(c, cb_sig_build_join(room));

	if (rc < 0)
		return rc;
	rc = take(c, 1u << CB_SIG_EV_JOINED | 1u << CB_SIG_EV_FULL | 1u << CB_SIG_EV_ERROR, &got,
		  timeout_ms);
	if (rc < 0)
		return rc;
	rc = got.type == CB_SIG_EV_JOINED ? 0 : got.type == CB_SIG_EV_FULL ? -EBUSY : -EPROTO;
	if (ev)
		*ev = got;
	else
		cb_sig_event_clear(&got);
	return rc;
}

int cb_sig_client_leave(struct cb_sig_client *c, int timeout_ms)
{
	struct cb_sig_event got;
	int rc = queue_built(c, cb_sig_build_leave());

	if (rc < 0)
		return rc;
	rc = take(c, 1u << CB_SIG_EV_LEFT | 1u << CB_SIG_EV_ERROR, &got, timeout_ms);
	if (rc < 0)
		return rc;
	rc = got.type == CB_SIG_EV_LEFT ? 0 : -EPROTO;
	cb_sig_event_clear(&got);
	return rc;
}

const char *cb_sig_client_id(const struct cb_sig_client *c)
{
	return c->id;
}

static void client_free(struct cb_sig_client *c)
{
	if (c->thread_started) {
		atomic_store(&c->force_stop, 1);
		lws_cancel_service(c->ctx);
		pthread_join(c->thread, NULL);
	}
	if (c->ctx) {
		lws_sul_cancel(&c->sul);
		lws_context_destroy(c->ctx);
	}
	while (c->head) {
		struct node *n = c->head;

		c->head = n->next;
		cb_sig_event_clear(&n->ev);
		free(n);
	}
	cb_ws_queue_clear(&c->out);
	cb_ws_rx_free(&c->rx);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int cb_sig_client_open(struct cb_sig_client **cp, const char *host, int port, int timeout_ms,
		       const struct cb_logger *lg)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info cc;
	struct cb_sig_client *c;
	struct cb_sig_event ev;
	unsigned char a[16];
	char h[64];
	int rc;

	if (!cp || !host || port <= 0 || port > 65535)
		return -EINVAL;
	*cp = NULL;
	snprintf(h, sizeof(h), "%s", strcmp(host, "localhost") ? host : "127.0.0.1");
	if (inet_pton(AF_INET, h, a) != 1 && inet_pton(AF_INET6, h, a) != 1)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->log = lg;
	pthread_mutex_init(&c->mu, NULL);
	if (cb_clock_cond_init(&c->cond) != 0) {
		pthread_mutex_destroy(&c->mu);
		free(c);
		return -ENOMEM;
	}
	cb_ws_quiet();
	c->protocols[0] = (struct lws_protocols){.name = CB_SIG_SUBPROTOCOL, .callback = callback};
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = c->protocols;
	info.user = c;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = 16;
	c->ctx = lws_create_context(&info);
	if (!c->ctx) {
		rc = CB_E_EXTERNAL;
		goto out_free;
	}
	memset(&cc, 0, sizeof(cc));
	cc.context = c->ctx;
	cc.address = h;
	cc.port = port;
	cc.path = "/";
	cc.host = h;
	cc.origin = h;
	cc.protocol = CB_SIG_SUBPROTOCOL;
	cc.ietf_version_or_minus_one = -1;
	if (!lws_client_connect_via_info(&cc)) {
		rc = -ECONNREFUSED;
		goto out_free;
	}
	lws_sul_schedule(c->ctx, 0, &c->sul, tick, TICK_US);
	rc = -pthread_create(&c->thread, NULL, serve, c);
	if (rc < 0)
		goto out_free;
	c->thread_started = 1;
	rc = take(c, 1u << CB_SIG_EV_WELCOME, &ev, timeout_ms);
	if (rc == -ENOTCONN)
		rc = -ECONNREFUSED;
	if (rc < 0)
		goto out_free;
	if (ev.version != CB_SIG_VERSION) {
		cb_log(lg, CB_LOG_ERROR, "signal", "the server speaks protocol version %d, not %d",
		       ev.version, CB_SIG_VERSION);
		rc = -EPROTO;
		goto out_free;
	}
	*cp = c;
	return 0;

out_free:
	client_free(c);
	return rc;
}

void cb_sig_client_close(struct cb_sig_client *c)
{
	cb_ns deadline;

	if (!c)
		return;
	deadline = cb_real_now() + CB_NS_PER_S;
	pthread_mutex_lock(&c->mu);
	c->close_req = 1;
	pthread_mutex_unlock(&c->mu);
	lws_cancel_service(c->ctx);
	pthread_mutex_lock(&c->mu);
	while (!c->closed && wait_until(c, deadline) != -ETIMEDOUT)
		;
	pthread_mutex_unlock(&c->mu);
	client_free(c);
}
