/*
 * peer.c — `callbench peer`: one end of a call as a program of its own.
 *
 *   callbench peer --sdp-out FILE --to HOST:PORT [run options]
 *
 * sends the synthetic media to a fixed address and writes the SDP that
 * describes it (keys included) to FILE first, for another stack to receive
 * (ffmpeg: `ffmpeg -protocol_whitelist file,udp,rtp -i FILE ...`).  The run
 * options choose codec, size, rate, bitrate, duration and the network.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/send_to.h"
#include "commands.h"
#include "net/addr.h"
#include "report/report.h"
#include "run_options.h"

#define EXIT_FAILED	 1
#define EXIT_USAGE	 2
#define EXIT_INTERRUPTED 130

static atomic_int peer_stop;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&peer_stop, 1);
}

static void log_stderr(void *user, enum cb_log_level lv, const char *module, const char *msg)
{
	(void)user;
	fprintf(stderr, "callbench peer: %s%s: %s\n", lv <= CB_LOG_WARN ? "warning: " : "", module,
		msg);
}

static int write_sdp(void *user, const char *sdp)
{
	const char *path = user;
	int rc = cb_write_file_atomic(path, sdp, strlen(sdp));

	if (rc < 0)
		fprintf(stderr, "callbench peer: --sdp-out %s: %s\n", path, cb_strerror(rc));
	return rc;
}

static void peer_help(FILE *out)
{
	struct run_opts d = {0};

	cb_call_cfg_default(&d.call);
	fprintf(
	    out,
	    "usage: callbench peer --sdp-out FILE --to HOST:PORT [run options]\n\n"
	    "One end of a call as its own program.  With --sdp-out it sends the synthetic\n"
	    "media to HOST:PORT (video there, audio on PORT+2 when both are on) over SRTP\n"
	    "and first writes FILE, an SDP (RFC 8866) with the SDES key (a=crypto), the\n"
	    "payload types and the source description, that ffmpeg, ffplay and GStreamer\n"
	    "read:\n\n"
	    "  ffmpeg -protocol_whitelist file,udp,rtp -i FILE -f null -\n\n"
	    "The receiver must be listening before the first key frame it can use: start\n"
	    "it first, or give --keyint so key frames repeat.  Nobody answers a file, so\n"
	    "there is no NACK/RTX; the sender reports go to each media's port.\n\n"
	    "peer options:\n"
	    "  --sdp-out FILE        write the description here (to a temporary name, renamed)\n"
	    "  --to HOST:PORT        where to send: numeric IPv4 or [IPv6], port 1..65531\n\n"
	    "run options [default; range]:\n");
	opts_help(run_options, &d, out);
}

/* Take the peer's own options out of argv; the rest are run options. */
static int take_own(int *argc, char **argv, const char **sdp_out, const char **to, int *help)
{
	int w = 0;

	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "--sdp-out") ? sdp_out
				    : !strcmp(a, "--to")    ? to
							    : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*help = 1;
			continue;
		}
		if (!slot && (!strncmp(a, "--sdp-out=", 10) || !strncmp(a, "--to=", 5))) {
			slot = a[2] == 's' ? sdp_out : to;
			*slot = strchr(a, '=') + 1;
			continue;
		}
		if (!slot) {
			argv[w++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc) {
			fprintf(stderr, "callbench peer: %s needs a value\n", a);
			return -1;
		}
		*slot = argv[++i];
	}
	*argc = w;
	argv[w] = NULL;
	return 0;
}

int cb_cmd_peer(int argc, char **argv)
{
	struct run_opts o = {0};
	struct cb_call_hooks hooks = {0};
	struct cb_send_result res;
	struct cb_net_addr to;
	struct sigaction sa = {0};
	const char *sdp_out = NULL, *to_s = NULL;
	char why[200] = "";
	int help = 0, help2 = 0, pos, rc;

	if (take_own(&argc, argv, &sdp_out, &to_s, &help) < 0)
		return EXIT_USAGE;
	if (help) {
		peer_help(stdout);
		return 0;
	}
	cb_call_cfg_default(&o.call);
	o.log_level = CB_LOG_WARN;
	if (opts_parse("callbench peer", run_options, &o, argc, argv, &help2, &pos) < 0)
		return EXIT_USAGE;
	if (pos < argc) {
		fprintf(stderr, "callbench peer: unexpected argument '%s' (see --help)\n",
			argv[pos]);
		return EXIT_USAGE;
	}
	if (!sdp_out || !to_s) {
		fprintf(stderr, "callbench peer: give --sdp-out FILE and --to HOST:PORT (see "
				"--help)\n");
		return EXIT_USAGE;
	}
	if (cb_net_addr_parse(to_s, &to, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench peer: --to %s: %s\n", to_s, why);
		return EXIT_USAGE;
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	hooks.log = (struct cb_logger){
	    .fn = log_stderr,
	    .max_level = (enum cb_log_level)(o.quiet ? CB_LOG_ERROR : o.log_level)};
	hooks.stop = &peer_stop;
	rc = cb_call_send_to(&o.call, &to, &hooks, write_sdp, (void *)sdp_out, &res);
	if (rc < 0) {
		fprintf(stderr, "callbench peer: %s\n", res.error[0] ? res.error : cb_strerror(rc));
		return rc == -EINVAL || rc == CB_E_NOTFOUND ? EXIT_USAGE : EXIT_FAILED;
	}
	for (int m = 0; m < 2; m++)
		if (res.frames[m] && !o.quiet)
			printf("callbench peer: sent %s: %llu frames, %llu RTP packets, %.1f kB of "
			       "payload from %s to %s\n",
			       m ? "audio" : "video", (unsigned long long)res.frames[m],
			       (unsigned long long)res.packets[m], (double)res.bytes[m] / 1e3,
			       res.local, res.remote[m]);
	if (!o.quiet)
		printf("callbench peer: %s, %.1f s of media; described in %s\n",
		       cb_run_status_name(res.status), res.media_s, sdp_out);
	if (res.status == CB_RUN_FAILED) {
		fprintf(stderr, "callbench peer: failed: %s\n", res.error);
		return EXIT_FAILED;
	}
	return res.status == CB_RUN_INTERRUPTED ? EXIT_INTERRUPTED : 0;
}
