/*
 * server.c — rooms.c behind a libwebsockets listener (server.h).
 *
 * Everything but start and stop runs on the server's thread, inside
 * lws_service(): the callbacks feed rooms.c and carry out what it asks
 * (queue a text, a ping, a close), and a timer (an lws "sul") drives the
 * heartbeat.  Stop comes from another thread through an atomic flag and
 * lws_cancel_service(), the one libwebsockets call meant for that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "base/clock.h"
#include "base/error.h"
#include "net/addr.h"
#include "signal/rooms.h"
#include "signal/server.h"
#include "signal/wsutil.h"

/* How long stop waits for clients to answer the close. */
#define STOP_GRACE (2 * CB_NS_PER_S)
/* The longest the heartbeat timer sleeps (so stop's deadline is seen). */
#define TICK_MAX (250 * CB_NS_PER_MS)

/* One connection: libwebsockets allocates it (per_session_data_size). */
struct conn {
	struct lws *wsi;
	uint64_t id; /* 0 once rooms.c has forgotten it */
	struct cb_ws_queue q;
	struct cb_ws_rx rx;
	int established; /* counted in n_conns */
	int ping_pending;
	int closing, dead;
	int close_code;
	const char *close_reason;
};

struct cb_sig_server {
	struct cb_sig_limits lim;
	const struct cb_logger *log;
	struct lws_context *ctx;
	struct lws_protocols protocols[2];
	struct cb_rooms *rooms;
	pthread_t thread;
	int thread_started;
	atomic_int stop_req;
	atomic_size_t n_conns;
	int stopping;
	cb_ns stop_deadline;
	lws_sorted_usec_list_t sul;
	int port;
	char url[96];
	size_t queue_cap; /* bytes queued to one client before it is dropped */
};

void cb_sig_server_cfg_default(struct cb_sig_server_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->host, sizeof(cfg->host), "127.0.0.1");
	cb_sig_limits_default(&cfg->lim);
}

/* Carry out what rooms.c queued. */
static void dispatch(struct cb_sig_server *s)
{
	struct cb_rooms_out *out;
	size_t n = cb_rooms_out(s->rooms, &out);

	for (size_t i = 0; i < n; i++) {
		struct conn *c = out[i].user;

		if (!c || c->dead)
			continue;
		switch (out[i].kind) {
		case CB_ROOMS_SEND:
			if (cb_ws_queue_push(&c->q, out[i].text, out[i].len, 0) < 0 ||
			    c->q.bytes > s->queue_cap) {
				/* A client that does not read what it is sent is
				 * dropped rather than buffered without end. */
				c->dead = 1;
				lws_set_timeout(c->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT,
						LWS_TO_KILL_ASYNC);
				continue;
			}
			break;
		case CB_ROOMS_PING:
			c->ping_pending = 1;
			break;
		case CB_ROOMS_CLOSE:
			c->id = 0;
			c->closing = 1;
			c->close_code = out[i].close_code;
			c->close_reason = out[i].reason;
			if (out[i].abort) {
				c->dead = 1;
				lws_set_timeout(c->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT,
						LWS_TO_KILL_ASYNC);
				continue;
			}
			break;
		}
		lws_callback_on_writable(c->wsi);
	}
	cb_rooms_out_clear(s->rooms);
}

static void begin_stop(struct cb_sig_server *s)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	s->stop_deadline = cb_real_now() + STOP_GRACE;
	cb_rooms_shutdown(s->rooms, cb_real_now());
	dispatch(s);
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct cb_sig_server *s = lws_container_of(sul, struct cb_sig_server, sul);
	cb_ns now = cb_real_now(), next = cb_rooms_tick(s->rooms, now), wait;

	dispatch(s);
	wait = next - now;
	if (wait > TICK_MAX)
		wait = TICK_MAX;
	if (wait < CB_NS_PER_MS)
		wait = CB_NS_PER_MS;
	lws_sul_schedule(s->ctx, 0, &s->sul, tick, wait / 1000);
}

static int on_receive(struct cb_sig_server *s, struct conn *c, struct lws *wsi, const void *in,
		      size_t len)
{
	cb_ns now;
	int done = cb_ws_rx_add(&c->rx, wsi, in, len, s->lim.max_message);

	if (done < 0 || !c->id)
		return 0; /* no memory for it, or it is being closed: drop it */
	if (!done)
		return 0;
	now = cb_real_now();
	if (c->rx.binary) {
		cb_rooms_refuse(s->rooms, now, c->id, CB_SIG_E_BINARY,
				"binary frames are not part of the protocol: send text");
	} else if (c->rx.over) {
		char why[96];

		snprintf(why, sizeof(why), "message of %zu bytes, the limit is %zu", c->rx.total,
			 s->lim.max_message);
		cb_rooms_refuse(s->rooms, now, c->id, CB_SIG_E_TOO_BIG, why);
	} else {
		cb_rooms_input(s->rooms, now, c->id, c->rx.buf, c->rx.len);
	}
	cb_ws_rx_reset(&c->rx);
	dispatch(s);
	return 0;
}

static int on_writable(struct cb_sig_server *s, struct conn *c, struct lws *wsi)
{
	/* The ping carries a payload: libwebsockets 4.1 does not report a
	 * pong with an empty one (LWS_CALLBACK_RECEIVE_PONG is skipped). */
	uint8_t ping[LWS_PRE + 4] = {[LWS_PRE] = 'c', 'b', 's', 'g'};

	(void)s;
	if (c->dead)
		return -1;
	if (c->ping_pending) {
		c->ping_pending = 0;
		if (lws_write(wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0)
			return -1;
	} else if (c->q.head) {
		if (cb_ws_queue_write(&c->q, wsi) < 0)
			return -1;
	} else if (c->closing) {
		lws_close_reason(wsi, (enum lws_close_status)c->close_code,
				 (unsigned char *)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	if (c->ping_pending || c->q.head || c->closing)
		lws_callback_on_writable(wsi);
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct cb_sig_server *s = ctx ? lws_context_user(ctx) : NULL;
	struct conn *c = user;

	if (!s)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED: {
		int rc;

		memset(c, 0, sizeof(*c));
		c->wsi = wsi;
		c->established = 1;
		atomic_fetch_add(&s->n_conns, 1);
		if (s->stopping) {
			c->closing = 1;
			c->close_code = 1001;
			c->close_reason = "server stopping";
			lws_callback_on_writable(wsi);
			return 0;
		}
		rc = cb_rooms_connect(s->rooms, cb_real_now(), c, &c->id);
		dispatch(s);
		if (rc < 0 && rc != -EBUSY)
			return -1;
		return 0;
	}
	case LWS_CALLBACK_RECEIVE:
		return on_receive(s, c, wsi, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		if (c->id)
			cb_rooms_alive(s->rooms, cb_real_now(), c->id);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return on_writable(s, c, wsi);
	case LWS_CALLBACK_CLOSED:
		if (!c || !c->established)
			return 0;
		c->established = 0;
		if (c->id)
			cb_rooms_disconnect(s->rooms, cb_real_now(), c->id);
		c->id = 0;
		c->dead = 1;
		cb_ws_queue_clear(&c->q);
		cb_ws_rx_free(&c->rx);
		atomic_fetch_sub(&s->n_conns, 1);
		dispatch(s);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (atomic_load(&s->stop_req))
			begin_stop(s);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void *serve(void *arg)
{
	struct cb_sig_server *s = arg;

	for (;;) {
		if (atomic_load(&s->stop_req))
			begin_stop(s);
		if (s->stopping &&
		    (atomic_load(&s->n_conns) == 0 || cb_real_now() > s->stop_deadline))
			break;
		if (lws_service(s->ctx, 0) < 0)
			break;
	}
	return NULL;
}

int cb_sig_addr_parse(const char *str, char *host, size_t room, int *port, char *why, size_t len)
{
	struct cb_net_addr a;
	char tmp[96];
	int rc;

	if (!str || !*str) {
		snprintf(why, len, "empty address (want HOST:PORT, e.g. 127.0.0.1:0)");
		return -EINVAL;
	}
	/* The one name taken: what a person types for this machine. */
	if (!strncmp(str, "localhost:", 10) && strlen(str) < sizeof(tmp) - 10) {
		snprintf(tmp, sizeof(tmp), "127.0.0.1:%s", str + 10);
		str = tmp;
	}
	rc = cb_net_addr_parse(str, &a, why, len);
	if (rc < 0)
		return rc;
	cb_net_addr_host(&a, host, room);
	*port = cb_net_addr_port(&a);
	return 0;
}

/* Bind host:port ourselves first, only to learn why binding fails with
 * an errno (libwebsockets says only that it did). */
static int try_bind(const char *host, int port, int v6)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, rc = 0;

	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &a->sin6_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &a->sin_addr);
		sl = sizeof(*a);
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int cb_sig_server_start(struct cb_sig_server **sp, const struct cb_sig_server_cfg *cfg)
{
	struct lws_context_creation_info info;
	struct cb_sig_server *s;
	char host[64], why[128];
	unsigned char a6[16];
	int v6, rc;

	if (!sp || !cfg)
		return -EINVAL;
	*sp = NULL;
	if (cfg->port < 0 || cfg->port > 65535 || cb_sig_limits_check(&cfg->lim, why, sizeof(why)))
		return -EINVAL;
	snprintf(host, sizeof(host), "%s",
		 strcmp(cfg->host, "localhost") ? cfg->host : "127.0.0.1");
	v6 = inet_pton(AF_INET6, host, a6) == 1;
	if (!v6 && inet_pton(AF_INET, host, a6) != 1)
		return -EINVAL;
	rc = try_bind(host, cfg->port, v6);
	if (rc < 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lim = cfg->lim;
	s->log = cfg->log;
	s->queue_cap = 16 * s->lim.max_message > (1u << 20) ? 16 * s->lim.max_message : 1u << 20;
	rc = cb_rooms_open(&s->rooms, &s->lim, cfg->log);
	if (rc < 0)
		goto out_free;

	cb_ws_quiet();
	s->protocols[0] = (struct lws_protocols){
	    .name = CB_SIG_SUBPROTOCOL,
	    .callback = callback,
	    .per_session_data_size = sizeof(struct conn),
	    .rx_buffer_size = 0,
	};
	memset(&info, 0, sizeof(info));
	info.port = cfg->port;
	info.iface = host;
	info.protocols = s->protocols;
	info.user = s;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = s->lim.max_clients + 64;
	info.options =
	    v6 ? LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY | LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE
	       : LWS_SERVER_OPTION_DISABLE_IPV6;
	s->ctx = lws_create_context(&info);
	if (!s->ctx) {
		rc = CB_E_EXTERNAL;
		goto out_rooms;
	}
	s->port = lws_get_vhost_listen_port(lws_get_vhost_by_name(s->ctx, "default"));
	if (s->port <= 0) {
		rc = CB_E_EXTERNAL;
		goto out_ctx;
	}
	snprintf(s->url, sizeof(s->url), v6 ? "ws://[%s]:%d" : "ws://%s:%d", host, s->port);
	lws_sul_schedule(s->ctx, 0, &s->sul, tick, TICK_MAX / 1000);
	rc = -pthread_create(&s->thread, NULL, serve, s);
	if (rc < 0)
		goto out_ctx;
	s->thread_started = 1;
	*sp = s;
	return 0;

out_ctx:
	lws_context_destroy(s->ctx);
out_rooms:
	cb_rooms_close(s->rooms);
out_free:
	free(s);
	return rc;
}

int cb_sig_server_port(const struct cb_sig_server *s)
{
	return s->port;
}

const char *cb_sig_server_url(const struct cb_sig_server *s)
{
	return s->url;
}

size_t cb_sig_server_clients(const struct cb_sig_server *s)
{
	return atomic_load(&((struct cb_sig_server *)s)->n_conns);
}

void cb_sig_server_stop(struct cb_sig_server *s)
{
	if (!s)
		return;
	atomic_store(&s->stop_req, 1);
	lws_cancel_service(s->ctx);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	lws_sul_cancel(&s->sul);
	lws_context_destroy(s->ctx);
	cb_rooms_close(s->rooms);
	free(s);
}
