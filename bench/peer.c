/*
 * peer.c — `callbench peer`: one end of a call as a program of its own.
 *
 *   callbench peer --sdp-out FILE --to HOST:PORT [run options]
 *   callbench peer --sdp-in FILE [run options]
 *
 * The first sends the synthetic media to a fixed address and writes the SDP
 * that describes it (keys included) to FILE first, for another stack to
 * receive (ffmpeg: `ffmpeg -protocol_whitelist file,udp,rtp -i FILE ...`).
 * The second receives what FILE describes and writes a run folder measured
 * as `callbench run`'s is.  The run options choose codec, size, rate,
 * bitrate, duration and the network (sending), playout and quality
 * (receiving).
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/receive_from.h"
#include "call/send_to.h"
#include "commands.h"
#include "peer.h"
#include "net/addr.h"
#include "report/report.h"
#include "run_options.h"
#include "summary.h"

#include <unistd.h>

#define EXIT_FAILED	 PEER_EXIT_FAILED
#define EXIT_USAGE	 PEER_EXIT_USAGE
#define EXIT_INTERRUPTED PEER_EXIT_INTERRUPTED
#define CB_SDP_FILE_MAX	 131072 /* CB_SDP_MAX_SIZE */

atomic_int peer_stop;

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
	    "usage: callbench peer --signal ws://HOST:PORT --room NAME [peer options] [run "
	    "options]\n"
	    "       callbench peer --sdp-out FILE --to HOST:PORT [run options]\n"
	    "       callbench peer --sdp-in FILE [run options]\n\n"
	    "One end of a call as its own program.\n\n"
	    "With --signal it joins NAME in a signaling server's room (callbench signal)\n"
	    "and calls the other peer there, as two RTCPeerConnections do: the second to\n"
	    "join makes the offer (--offer or --answer decide instead; give the other end\n"
	    "the other one), offer and answer travel through the room as\n"
	    "{\"type\":\"offer\",\"sdp\":...}, and the media goes straight between the\n"
	    "two ends over SRTP on one UDP socket each (BUNDLE, rtcp-mux), bound to\n"
	    "--bind (the address the other end is told).  Each end sends --duration of\n"
	    "media, answers NACKs and PLIs, says bye, and stops once both have; its run\n"
	    "folder holds what it received, measured as callbench run measures it, and\n"
	    "what it sent (summary.json \"sent\", \"peer\").  The media both ends have on\n"
	    "must match: a section the other end refuses is not sent.\n\n"
	    "With --sdp-out it sends the synthetic\n"
	    "media to HOST:PORT (video there, audio on PORT+2 when both are on) over SRTP\n"
	    "and first writes FILE, an SDP (RFC 8866) with the SDES key (a=crypto), the\n"
	    "payload types and the source description, that ffmpeg, ffplay and GStreamer\n"
	    "read:\n\n"
	    "  ffmpeg -protocol_whitelist file,udp,rtp -i FILE -f null -\n\n"
	    "The receiver must be listening before the first key frame it can use: start\n"
	    "it first, or give --keyint so key frames repeat.  Nobody answers a file, so\n"
	    "there is no NACK/RTX; the sender reports go to each media's port.\n\n"
	    "With --sdp-in FILE it receives what FILE describes (waiting up to 10 s for\n"
	    "FILE to appear) on the address and port of its section and writes a run\n"
	    "folder under --out as callbench run does: latency from the decoded content,\n"
	    "capture times from the sender's RTCP reports, quality against the reference\n"
	    "its a=x-callbench-source draws.  It stops --duration after the first packet\n"
	    "(plus a drain), after 2 s without packets, or on Ctrl-C.\n\n"
	    "peer options:\n"
	    "  --signal ws://HOST:PORT  the signaling server (callbench signal prints it)\n"
	    "  --room NAME           the room to meet the other peer in\n"
	    "  --offer, --answer     make the offer / answer it (default: by joining order)\n"
	    "  --send-only, --recv-only  one way only (default: both)\n"
	    "  --bind HOST           the media socket's numeric address [127.0.0.1]\n"
	    "  --wait S              how long the first peer waits for the second [60]\n"
	    "  --sdp-out FILE        write the description here (to a temporary name, renamed)\n"
	    "  --to HOST:PORT        where to send: numeric IPv4 or [IPv6], port 1..65531\n"
	    "  --sdp-in FILE         receive what this description says will arrive\n\n"
	    "run options [default; range]:\n");
	opts_help(run_options, &d, out);
}

/* The peer's own options, taken out of argv before the run options. */
struct own {
	const char *sdp_out, *to, *sdp_in, *signal, *room, *bind, *wait;
	int help, offer, answer, send_only, recv_only;
};

static int take_own(int *argc, char **argv, struct own *ow)
{
	const struct {
		const char *name;
		const char **value; /* NULL: a flag */
		int *flag;
	} opts[] = {
	    {"--sdp-out", &ow->sdp_out, NULL},
	    {"--to", &ow->to, NULL},
	    {"--sdp-in", &ow->sdp_in, NULL},
	    {"--signal", &ow->signal, NULL},
	    {"--room", &ow->room, NULL},
	    {"--bind", &ow->bind, NULL},
	    {"--wait", &ow->wait, NULL},
	    {"--offer", NULL, &ow->offer},
	    {"--answer", NULL, &ow->answer},
	    {"--send-only", NULL, &ow->send_only},
	    {"--recv-only", NULL, &ow->recv_only},
	    {"--help", NULL, &ow->help},
	    {"-h", NULL, &ow->help},
	};
	const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
	int w = 0;

	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		size_t k;

		for (k = 0; k < n_opts; k++) {
			size_t n = strlen(opts[k].name);

			if (!opts[k].value && !strcmp(a, opts[k].name)) {
				*opts[k].flag = 1;
				break;
			}
			if (opts[k].value && !strncmp(a, opts[k].name, n) && a[n] == '=') {
				*opts[k].value = a + n + 1;
				break;
			}
			if (opts[k].value && !strcmp(a, opts[k].name)) {
				if (i + 1 >= *argc) {
					fprintf(stderr, "callbench peer: %s needs a value\n", a);
					return -1;
				}
				*opts[k].value = argv[++i];
				break;
			}
		}
		if (k == n_opts)
			argv[w++] = argv[i];
	}
	*argc = w;
	argv[w] = NULL;
	return 0;
}

void peer_hooks(struct cb_call_hooks *hooks, const struct run_opts *o)
{
	memset(hooks, 0, sizeof(*hooks));
	hooks->log = (struct cb_logger){
	    .fn = log_stderr,
	    .max_level = (enum cb_log_level)(o->quiet ? CB_LOG_ERROR : o->log_level)};
	hooks->stop = &peer_stop;
}

int peer_finish(struct run_opts *o, struct cb_run_result *res, const struct cb_call_hooks *hooks)
{
	return run_finish("callbench peer", o, res, &hooks->log, NULL);
}

void peer_install_signals(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* --sdp-in: wait for the file (the sender may write it after this starts),
 * receive what it describes, write the run folder. */
static int peer_receive(struct run_opts *o, const char *path)
{
	struct cb_call_hooks hooks;
	struct cb_run_result res;
	size_t len = 0;
	char *text = NULL;
	int rc;

	for (int i = 0; i < 1000 && access(path, R_OK) != 0; i++)
		usleep(10 * 1000);
	{
		FILE *f = fopen(path, "rb");

		if (f) {
			text = malloc(CB_SDP_FILE_MAX + 1);
			if (text)
				len = fread(text, 1, CB_SDP_FILE_MAX + 1, f);
			fclose(f);
		}
	}
	if (!text || len > CB_SDP_FILE_MAX) {
		fprintf(stderr, "callbench peer: --sdp-in %s: %s\n", path,
			!text ? "cannot read it (waited 10 s)" : "larger than an SDP may be");
		free(text);
		return EXIT_USAGE;
	}
	peer_install_signals();
	peer_hooks(&hooks, o);
	rc = cb_call_receive_from(&o->call, text, len, &hooks, &res);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "callbench peer: --sdp-in %s: %s\n", path,
			res.error[0] ? res.error : cb_strerror(rc));
		cb_run_result_free(&res);
		return rc == -EINVAL || rc == CB_E_FORMAT || rc == CB_E_UNSUPPORTED ? EXIT_USAGE
										    : EXIT_FAILED;
	}
	return peer_finish(o, &res, &hooks);
}

/* --signal: the room options, checked. */
static int room_call(struct run_opts *o, const struct own *ow)
{
	struct peer_room_opts r = {.url = ow->signal,
				   .room = ow->room,
				   .role = ow->offer	? 1
					   : ow->answer ? 0
							: -1,
				   .send = !ow->recv_only,
				   .recv = !ow->send_only,
				   .bind = ow->bind ? ow->bind : "127.0.0.1",
				   .wait_s = 60};

	if (!ow->room || !ow->room[0]) {
		fprintf(stderr, "callbench peer: --signal needs --room NAME\n");
		return EXIT_USAGE;
	}
	if (ow->offer && ow->answer) {
		fprintf(stderr, "callbench peer: --offer and --answer: one or the other\n");
		return EXIT_USAGE;
	}
	if (ow->send_only && ow->recv_only) {
		fprintf(stderr, "callbench peer: --send-only and --recv-only: one or the other\n");
		return EXIT_USAGE;
	}
	if (ow->wait) {
		char *end;

		r.wait_s = strtod(ow->wait, &end);
		if (end == ow->wait || *end || !(r.wait_s > 0 && r.wait_s <= 3600)) {
			fprintf(stderr, "callbench peer: --wait %s: seconds, 0 < S <= 3600\n",
				ow->wait);
			return EXIT_USAGE;
		}
	}
	return peer_room(o, &r);
}

int cb_cmd_peer(int argc, char **argv)
{
	struct run_opts o = {0};
	struct cb_call_hooks hooks;
	struct cb_send_result res;
	struct cb_net_addr to;
	struct own ow = {0};
	char why[200] = "";
	int help2 = 0, pos, rc;

	if (take_own(&argc, argv, &ow) < 0)
		return EXIT_USAGE;
	if (ow.help) {
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
	if (run_gates_check(&o, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench peer: --max/--min: %s\n", why);
		return EXIT_USAGE;
	}
	if (!!ow.sdp_in + !!(ow.sdp_out || ow.to) + !!ow.signal > 1) {
		fprintf(stderr, "callbench peer: --signal (a room), --sdp-in (receive a file's "
				"stream) and --sdp-out/--to (send to an address): one of them\n");
		return EXIT_USAGE;
	}
	if (!ow.signal && (ow.room || ow.offer || ow.answer || ow.send_only || ow.recv_only ||
			   ow.bind || ow.wait)) {
		fprintf(stderr, "callbench peer: --room, --offer, --answer, --send-only, "
				"--recv-only, --bind and --wait go with --signal\n");
		return EXIT_USAGE;
	}
	if (ow.signal)
		return room_call(&o, &ow);
	if (ow.sdp_in)
		return peer_receive(&o, ow.sdp_in);
	if (!ow.sdp_out || !ow.to) {
		fprintf(stderr, "callbench peer: give --signal URL --room NAME, --sdp-out FILE and "
				"--to HOST:PORT, or --sdp-in FILE (see --help)\n");
		return EXIT_USAGE;
	}
	if (cb_net_addr_parse(ow.to, &to, why, sizeof(why)) < 0) {
		fprintf(stderr, "callbench peer: --to %s: %s\n", ow.to, why);
		return EXIT_USAGE;
	}
	peer_install_signals();
	peer_hooks(&hooks, &o);
	rc = cb_call_send_to(&o.call, &to, &hooks, write_sdp, (void *)ow.sdp_out, &res);
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
		       cb_run_status_name(res.status), res.media_s, ow.sdp_out);
	if (res.status == CB_RUN_FAILED) {
		fprintf(stderr, "callbench peer: failed: %s\n", res.error);
		return EXIT_FAILED;
	}
	return res.status == CB_RUN_INTERRUPTED ? EXIT_INTERRUPTED : 0;
}
