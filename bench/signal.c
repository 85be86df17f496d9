/*
 * signal.c — `callbench signal [--listen HOST:PORT] [limits]`: the
 * signaling server (harness/signal/) as a program.  Prints the address it
 * bound to stdout, serves until SIGINT or SIGTERM, then closes every client
 * cleanly and exits 0.  One line per join and leave goes to stderr.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "commands.h"
#include "options.h"
#include "signal/server.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

struct signal_opts {
	char host[64];
	int port;
	int max_room, max_rooms, max_clients, max_message, max_room_name, max_strikes;
	double rate, burst, heartbeat, heartbeat_timeout;
	int quiet;
};

static int take_listen(void *base, const char *val, char *why, size_t len)
{
	struct signal_opts *o = base;

	if (cb_sig_addr_parse(val, o->host, sizeof(o->host), &o->port, why, len) < 0)
		return -1;
	return 0;
}

#define OFF(f) CB_SETTING_AT(struct signal_opts, f)

static const struct cb_setting signal_options[] = {
    {.name = "listen",
     .arg = "HOST:PORT",
     .help = "address to listen on: numeric IPv4, [IPv6] or localhost; port 0 picks a free one",
     .type = CB_SETTING_CUSTOM,
     .parse = take_listen,
     .shown = "127.0.0.1:0"},
    {.name = "max-room",
     .arg = "N",
     .help = "clients per room (a join past it gets `full`)",
     .group = "limits",
     .type = CB_SETTING_INT,
     OFF(max_room),
     .min = 1,
     .max = 65536},
    {.name = "max-rooms",
     .arg = "N",
     .help = "rooms the server holds at once",
     .group = "limits",
     .type = CB_SETTING_INT,
     OFF(max_rooms),
     .min = 1,
     .max = 1000000},
    {.name = "max-clients",
     .arg = "N",
     .help = "connections the server holds at once",
     .group = "limits",
     .type = CB_SETTING_INT,
     OFF(max_clients),
     .min = 1,
     .max = 1000000},
    {.name = "max-message",
     .arg = "BYTES",
     .help = "largest message a client may send",
     .group = "limits",
     .type = CB_SETTING_INT,
     OFF(max_message),
     .min = 64,
     .max = 16 << 20},
    {.name = "max-room-name",
     .arg = "N",
     .help = "longest room name, in bytes",
     .group = "limits",
     .type = CB_SETTING_INT,
     OFF(max_room_name),
     .min = 1,
     .max = CB_SIG_ROOM_MAX},
    {.name = "rate",
     .arg = "N",
     .help = "messages per second a client may keep up",
     .group = "limits",
     .type = CB_SETTING_DOUBLE,
     OFF(rate),
     .min = 0.01,
     .max = 1e6},
    {.name = "burst",
     .arg = "N",
     .help = "messages a client may send at once",
     .group = "limits",
     .type = CB_SETTING_DOUBLE,
     OFF(burst),
     .min = 1,
     .max = 1e6},
    {.name = "max-strikes",
     .arg = "N",
     .help = "errors (malformed, oversized, over the rate...) before a client is closed; one is "
	     "forgiven per second",
     .group = "limits",
     .type = CB_SETTING_INT,
     OFF(max_strikes),
     .min = 1,
     .max = 1000000},
    {.name = "heartbeat",
     .arg = "SECONDS",
     .help = "silence after which the server pings a client",
     .group = "limits",
     .type = CB_SETTING_DOUBLE,
     OFF(heartbeat),
     .min = 0.001,
     .max = 3600},
    {.name = "heartbeat-timeout",
     .arg = "SECONDS",
     .help = "a client that does not answer a ping within this is removed (peer-left, reason "
	     "timeout)",
     .group = "limits",
     .type = CB_SETTING_DOUBLE,
     OFF(heartbeat_timeout),
     .min = 0.001,
     .max = 3600},
    {.name = "quiet",
     .help = "no join/leave lines on stderr",
     .group = "output",
     .type = CB_SETTING_FLAG,
     OFF(quiet),
     .flag = 1},
    {.name = NULL},
};

static void defaults(struct signal_opts *o)
{
	struct cb_sig_limits lim;

	cb_sig_limits_default(&lim);
	memset(o, 0, sizeof(*o));
	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	o->max_room = (int)lim.max_room;
	o->max_rooms = (int)lim.max_rooms;
	o->max_clients = (int)lim.max_clients;
	o->max_message = (int)lim.max_message;
	o->max_room_name = (int)lim.max_room_name;
	o->max_strikes = (int)lim.max_strikes;
	o->rate = lim.rate;
	o->burst = lim.burst;
	o->heartbeat = (double)lim.ping_interval / CB_NS_PER_S;
	o->heartbeat_timeout = (double)lim.ping_timeout / CB_NS_PER_S;
}

static void signal_help(FILE *out)
{
	struct signal_opts d;

	defaults(&d);
	fprintf(out,
		"usage: callbench signal [options]\n\n"
		"A WebSocket signaling server with rooms (harness/signal/PROTOCOL.md): peers\n"
		"join a room and relay SDP offers, answers and candidates to each other through\n"
		"it.  Prints the address it listens on (\"listening on ws://HOST:PORT\"), serves\n"
		"until SIGINT or SIGTERM, then closes every client (1001) and exits 0.  One\n"
		"line per join and leave goes to stderr.\n\n"
		"options [default; range]:\n");
	opts_help(signal_options, &d, out);
	fprintf(out, "\nExit status: 0 stopped by a signal, 1 could not listen, 2 bad usage.\n");
}

static void log_line(void *user, enum cb_log_level level, const char *module, const char *msg)
{
	(void)user;
	(void)level;
	fprintf(stderr, "callbench: %s: %s\n", module, msg);
	fflush(stderr);
}

int cb_cmd_signal(int argc, char **argv)
{
	struct cb_sig_server_cfg cfg;
	struct cb_logger log = {.fn = log_line, .max_level = CB_LOG_INFO};
	struct cb_sig_server *srv;
	struct signal_opts o;
	sigset_t stop, old;
	int help, pos, rc, sig = 0;
	char why[128];

	defaults(&o);
	if (opts_parse("callbench signal", signal_options, &o, argc, argv, &help, &pos) < 0)
		return EXIT_USAGE;
	if (help) {
		signal_help(stdout);
		return 0;
	}
	if (pos < argc) {
		fprintf(stderr, "callbench signal: unexpected argument '%s' (see --help)\n",
			argv[pos]);
		return EXIT_USAGE;
	}
	cb_sig_server_cfg_default(&cfg);
	snprintf(cfg.host, sizeof(cfg.host), "%s", o.host);
	cfg.port = o.port;
	cfg.lim.max_room = (unsigned)o.max_room;
	cfg.lim.max_rooms = (unsigned)o.max_rooms;
	cfg.lim.max_clients = (unsigned)o.max_clients;
	cfg.lim.max_message = (size_t)o.max_message;
	cfg.lim.max_room_name = (size_t)o.max_room_name;
	cfg.lim.max_strikes = (unsigned)o.max_strikes;
	cfg.lim.rate = o.rate;
	cfg.lim.burst = o.burst;
	cfg.lim.ping_interval = (cb_ns)(o.heartbeat * CB_NS_PER_S);
	cfg.lim.ping_timeout = (cb_ns)(o.heartbeat_timeout * CB_NS_PER_S);
	cfg.log = o.quiet ? NULL : &log;
	if (cb_sig_limits_check(&cfg.lim, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench signal: %s\n", why);
		return EXIT_USAGE;
	}

	/* The signals are taken by sigwait below, so they are blocked before
	 * the server's thread starts (it inherits the mask) and no handler or
	 * process-wide flag is needed. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	rc = cb_sig_server_start(&srv, &cfg);
	if (rc < 0) {
		fprintf(stderr, "callbench signal: cannot listen on %s:%d: %s\n", o.host, o.port,
			cb_strerror(rc));
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return EXIT_FAILED;
	}
	printf("listening on %s\n", cb_sig_server_url(srv));
	fflush(stdout);
	while (sigwait(&stop, &sig) != 0)
		;
	if (!o.quiet)
		fprintf(stderr, "callbench signal: %s: closing %zu clients\n", strsignal(sig),
			cb_sig_server_clients(srv));
	cb_sig_server_stop(srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}
