/*
 * server.h — the signaling server: the room logic of rooms.h behind a
 * WebSocket listener (libwebsockets), serving on a thread of its own.
 *
 * One libwebsockets context per server object, nothing process-wide but
 * libwebsockets' own log level, which the server turns off (the library
 * never prints; joins and leaves go to the caller's logger, one line each).
 * Any number of servers can run in one process.
 */
#ifndef CB_SIGNAL_SERVER_H
#define CB_SIGNAL_SERVER_H

#include <stddef.h>

#include "base/log.h"
#include "signal/proto.h"

struct cb_sig_server;

struct cb_sig_server_cfg {
	char host[64];		     /**< numeric IPv4 or IPv6 address, or "localhost" */
	int port;		     /**< 0: any free port (cb_sig_server_port says which) */
	struct cb_sig_limits lim;    /**< cb_sig_limits_default() unless told otherwise */
	const struct cb_logger *log; /**< may be NULL; must outlive the server */
};

/** 127.0.0.1, port 0, the default limits, no logger. */
void cb_sig_server_cfg_default(struct cb_sig_server_cfg *cfg);

/**
 * Bind cfg->host:cfg->port, listen, and serve on a new thread.  0, or
 * -EINVAL (bad host or limits), -EADDRINUSE / -EADDRNOTAVAIL / -EACCES
 * (what binding said), -ENOMEM, CB_E_EXTERNAL (libwebsockets refused).
 */
int cb_sig_server_start(struct cb_sig_server **s, const struct cb_sig_server_cfg *cfg);

/** The port it listens on. */
int cb_sig_server_port(const struct cb_sig_server *s);
/** "ws://127.0.0.1:40123" ("ws://[::1]:40123" for IPv6). */
const char *cb_sig_server_url(const struct cb_sig_server *s);
/** Clients connected now (read from another thread: a snapshot). */
size_t cb_sig_server_clients(const struct cb_sig_server *s);

/**
 * Stop: every client is closed cleanly (close 1001, "server stopping"),
 * waiting up to about 2 s for them to answer, then the thread ends and
 * everything is freed.  Safe with NULL.  Call from any thread but the
 * server's own.
 */
void cb_sig_server_stop(struct cb_sig_server *s);

/**
 * Split "HOST:PORT" ("127.0.0.1:0", "[::1]:8080", "localhost:9000") into
 * host[room] and *port.  0, or -EINVAL with `why` saying what is wrong.
 * The host must be a numeric address or "localhost" (no name look-ups).
 */
int cb_sig_addr_parse(const char *s, char *host, size_t room, int *port, char *why, size_t len);

#endif
