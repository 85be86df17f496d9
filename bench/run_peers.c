/*
 * run_peers.c — `callbench run --peers process|netns`: today's loopback
 * call as two programs.  This process starts a private signaling server
 * and two `callbench peer` children, the sender offering and the receiver
 * answering in a room of their own, each with the run's options; the
 * receiver writes the run folder (--out, --run-id) and prints its summary;
 * the sender's half goes into it as `sender/`, and the two make the call
 * report (call.json, call.md) there.
 *
 * --peers netns puts each child in a network namespace of its own, the
 * two joined by a veth (198.18.0.1 and .2, net/netns.h): two hosts on one
 * machine; the signaling server listens inside the first.  --netem "SPEC"
 * puts Linux netem (tc qdisc ... netem SPEC) on both ends of the veth, a
 * kernel-side network to hold the built-in emulator against.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "net/netns.h"
#include "peer.h"
#include "report/call_pair.h"
#include "report/report.h"
#include "run_peers.h"
#include "signal/server.h"

extern char **environ;

#define MAX_ARGS 256

/* Is `a` one of `names` (valued options, or with "=" inline)?  *takes_value
 * says whether the next argument is its value. */
static int is_one_of(const char *a, const char *const *names, int *takes_value)
{
	for (int i = 0; names[i]; i++) {
		size_t n = strlen(names[i]);

		if (!strcmp(a, names[i])) {
			*takes_value = 1;
			return 1;
		}
		if (!strncmp(a, names[i], n) && a[n] == '=') {
			*takes_value = 0;
			return 1;
		}
	}
	return 0;
}

/* Options this process gives the children itself. */
static int own_option(const char *a, int *takes_value)
{
	static const char *const valued[] = {"--out", "--run-id", NULL};

	return is_one_of(a, valued, takes_value);
}

/* The receiver alone judges the call: the gates and outputs are its. */
static int receiver_only(const char *a, int *takes_value)
{
	static const char *const valued[] = {"--max", "--min", "--fail-on", "--junit", NULL};

	if (!strcmp(a, "--json")) {
		*takes_value = 0;
		return 1;
	}
	return is_one_of(a, valued, takes_value);
}

int run_take_peers(int *argc, char **argv, const char **peers, const char **netem)
{
	int w = 0;

	for (int i = 0; i < *argc; i++) {
		const char **slot = NULL;
		const char *a = argv[i];

		if (!strcmp(a, "--peers"))
			slot = peers;
		else if (!strcmp(a, "--netem"))
			slot = netem;
		else if (!strncmp(a, "--peers=", 8))
			*peers = a + 8;
		else if (!strncmp(a, "--netem=", 8))
			*netem = a + 8;
		else {
			argv[w++] = argv[i];
			continue;
		}
		if (slot) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "callbench run: %s needs a value\n", a);
				return -1;
			}
			*slot = argv[++i];
		}
	}
	*argc = w;
	argv[w] = NULL;
	return 0;
}

struct kid {
	pid_t pid;
	int status;
	int done;
};

/* Start argv; `quiet`: its stdout goes to /dev/null (its stderr stays). */
static int spawn(struct kid *k, char **argv, int quiet)
{
	posix_spawn_file_actions_t fa;
	int rc;

	posix_spawn_file_actions_init(&fa);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&k->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	k->done = 0;
	return rc ? -rc : 0;
}

/* Run a command to its end (ip, tc): 0, or its exit status / -errno. */
static int run_cmd(char **argv, const char *what)
{
	struct kid k;
	int rc = spawn(&k, argv, 0);

	if (rc < 0) {
		fprintf(stderr, "callbench run: %s: %s\n", what, cb_strerror(rc));
		return rc;
	}
	while (waitpid(k.pid, &k.status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(k.status) || WEXITSTATUS(k.status)) {
		fprintf(stderr, "callbench run: %s failed (exit %d)\n", what,
			WIFEXITED(k.status) ? WEXITSTATUS(k.status) : -1);
		return 1;
	}
	return 0;
}

/* netem on one end of the veth: tc qdisc add dev IF root netem SPEC. */
static int put_netem(const struct cb_netns_end *e, const char *spec)
{
	char *argv[64], buf[512], what[96], *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	argv[n++] = "/usr/sbin/ip";
	argv[n++] = "netns";
	argv[n++] = "exec";
	argv[n++] = (char *)e->ns;
	argv[n++] = "/usr/sbin/tc";
	argv[n++] = "qdisc";
	argv[n++] = "add";
	argv[n++] = "dev";
	argv[n++] = (char *)e->ifname;
	argv[n++] = "root";
	argv[n++] = "netem";
	for (char *t = strtok_r(buf, " \t", &save); t && n < 62; t = strtok_r(NULL, " \t", &save))
		argv[n++] = t;
	argv[n] = NULL;
	snprintf(what, sizeof(what), "--netem on %s (tc qdisc add ... netem)", e->ifname);
	if (run_cmd(argv, what) == 0)
		return 0;
	fprintf(stderr, "callbench run: --netem: tc's message is above (\"Specified qdisc kind is "
			"unknown\": this kernel has no netem, sch_netem)\n");
	return 1;
}

/* Every character of a netem spec is one tc takes in its words. */
static int netem_ok(const char *s)
{
	if (!*s || strlen(s) > 400)
		return 0;
	for (; *s; s++)
		if (!(*s == ' ' || *s == '.' || *s == '%' || *s == '_' || *s == '-' ||
		      (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

struct server_start {
	struct cb_sig_server **srv;
	const char *host;
};

static int start_server(void *arg)
{
	struct server_start *st = arg;
	struct cb_sig_server_cfg cfg;

	cb_sig_server_cfg_default(&cfg);
	snprintf(cfg.host, sizeof(cfg.host), "%s", st->host);
	return cb_sig_server_start(st->srv, &cfg);
}

/* argv for one child: [ip netns exec NS] callbench peer ... */
static int child_argv(char **out, char *exe, const struct cb_netns_end *ns, int sender,
		      const char *url, const char *room, const char *out_dir, const char *run_id,
		      const char *bind, int argc, char **argv)
{
	int n = 0;

	if (ns) {
		out[n++] = "/usr/sbin/ip";
		out[n++] = "netns";
		out[n++] = "exec";
		out[n++] = (char *)ns->ns;
	}
	out[n++] = exe;
	out[n++] = "peer";
	out[n++] = "--signal";
	out[n++] = (char *)url;
	out[n++] = "--room";
	out[n++] = (char *)room;
	out[n++] = sender ? "--offer" : "--answer";
	out[n++] = sender ? "--send-only" : "--recv-only";
	out[n++] = "--wait";
	out[n++] = "30";
	out[n++] = "--bind";
	out[n++] = (char *)bind;
	out[n++] = "--out";
	out[n++] = (char *)out_dir;
	out[n++] = "--run-id";
	out[n++] = (char *)run_id;
	if (sender)
		out[n++] = "--quiet";
	for (int i = 0; i < argc && n < MAX_ARGS - 2; i++) {
		int tv = 0;

		if (own_option(argv[i], &tv) || (sender && receiver_only(argv[i], &tv))) {
			i += tv;
			continue;
		}
		out[n++] = argv[i];
	}
	out[n] = NULL;
	return n;
}

int run_peers(int argc, char **argv, struct run_opts *o, const char *mode, const char *netem)
{
	const int netns = !strcmp(mode, "netns");
	struct cb_netns_pair np;
	struct cb_sig_server *srv = NULL;
	struct server_start st = {.srv = &srv};
	char exe[512], url[128], room[64], run_id[64], send_id[80], out[512], why[400] = "";
	char rdir[700], sdir[700], sdest[760];
	char *cargv[2][MAX_ARGS];
	struct kid kids[2] = {{0}, {0}};
	const char *binds[2] = {"127.0.0.1", "127.0.0.1"};
	int rc = 1, started = 0, have_ns = 0, signalled = 0;
	ssize_t n;
	cb_ns deadline;

	memset(&np, 0, sizeof(np));
	if (strcmp(mode, "process") && !netns) {
		fprintf(stderr, "callbench run: --peers %s: thread, process or netns\n", mode);
		return PEER_EXIT_USAGE;
	}
	if (netem && !netns) {
		fprintf(stderr, "callbench run: --netem needs --peers netns (netem sits on the "
				"veth between the two namespaces)\n");
		return PEER_EXIT_USAGE;
	}
	if (netem && !netem_ok(netem)) {
		fprintf(stderr,
			"callbench run: --netem \"%s\": netem words (delay 50ms 5ms "
			"loss 2%%...): letters, digits, space . %% _ - only\n",
			netem);
		return PEER_EXIT_USAGE;
	}
	if (o->call.sim || strcmp(o->call.transport, "udp")) {
		fprintf(stderr, "callbench run: --peers %s runs on the real clock over udp\n",
			mode);
		return PEER_EXIT_USAGE;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "callbench run: cannot find this program (/proc/self/exe)\n");
		return 1;
	}
	exe[n] = '\0';
	peer_install_signals();
	if (netns && geteuid() != 0) {
		fprintf(stderr, "callbench run: --peers netns makes network namespaces: it needs "
				"root (CAP_SYS_ADMIN and CAP_NET_ADMIN)\n");
		return 1;
	}
	/* Where the run goes: the receiver's folder is the run's. */
	snprintf(out, sizeof(out), "%s", o->call.out_dir[0] ? o->call.out_dir : "results");
	if (o->call.run_id[0]) {
		snprintf(run_id, sizeof(run_id), "%s", o->call.run_id);
	} else {
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(run_id, sizeof(run_id), "%Y%m%d-%H%M%S", &tm);
		snprintf(run_id + strlen(run_id), sizeof(run_id) - strlen(run_id), "-%s%d",
			 netns ? "netns" : "proc", (int)getpid());
	}
	snprintf(send_id, sizeof(send_id), "%s.sender", run_id);
	snprintf(room, sizeof(room), "run-%d", (int)getpid());
	if (netns) {
		if (cb_netns_pair_create(&np, NULL, why, sizeof(why)) < 0) {
			fprintf(stderr, "callbench run: --peers netns: %s\n", why);
			return 1;
		}
		have_ns = 1;
		/* Each host reaches its own address through its loopback. */
		for (int i = 0; i < 2; i++) {
			char *lo[] = {"/usr/sbin/ip", "netns", "exec", np.end[i].ns, "/usr/sbin/ip",
				      "link",	      "set",   "lo",   "up",	     NULL};

			if (run_cmd(lo, "bringing up lo in the namespace"))
				goto out;
		}
		binds[0] = "198.18.0.1";
		binds[1] = "198.18.0.2";
		if (netem && (put_netem(&np.end[0], netem) || put_netem(&np.end[1], netem)))
			goto out;
	}
	st.host = binds[0];
	rc = netns ? cb_netns_run(np.end[0].ns_fd, start_server, &st) : start_server(&st);
	if (rc < 0) {
		fprintf(stderr, "callbench run: the signaling server: %s\n", cb_strerror(rc));
		rc = 1;
		goto out;
	}
	snprintf(url, sizeof(url), "%s", cb_sig_server_url(srv));
	child_argv(cargv[0], exe, have_ns ? &np.end[0] : NULL, 1, url, room, out, send_id, binds[0],
		   argc, argv);
	child_argv(cargv[1], exe, have_ns ? &np.end[1] : NULL, 0, url, room, out, run_id, binds[1],
		   argc, argv);
	for (int i = 1; i >= 0; i--) {
		rc = spawn(&kids[i], cargv[i], i == 0);
		if (rc < 0) {
			fprintf(stderr, "callbench run: starting the %s: %s\n",
				i ? "receiver" : "sender", cb_strerror(rc));
			rc = 1;
			goto out;
		}
		started |= 1 << i;
	}
	fprintf(
	    stderr,
	    "callbench run: two peers (%s): sender pid %d, receiver pid %d, room %s on %s%s%s\n",
	    mode, (int)kids[0].pid, (int)kids[1].pid, room, url, netem ? ", netem " : "",
	    netem ? netem : "");
	deadline = cb_real_now() + (cb_ns)((o->call.duration_s + 90) * 1e9);
	while (!(kids[0].done && kids[1].done)) {
		for (int i = 0; i < 2; i++)
			if (!kids[i].done &&
			    waitpid(kids[i].pid, &kids[i].status, WNOHANG) == kids[i].pid)
				kids[i].done = 1;
		if (atomic_load(&peer_stop) && !signalled) {
			/* Each writes its partial report, marked interrupted. */
			for (int i = 0; i < 2; i++)
				if (!kids[i].done)
					kill(kids[i].pid, SIGINT);
			signalled = 1;
		}
		if (cb_real_now() > deadline) {
			for (int i = 0; i < 2; i++)
				if (!kids[i].done)
					kill(kids[i].pid, SIGKILL);
			fprintf(stderr, "callbench run: the peers did not end in time: killed\n");
			deadline = INT64_MAX;
		}
		usleep(20 * 1000);
	}
	started = 0;
	/* The sender's half inside the run folder, then the call from both. */
	snprintf(rdir, sizeof(rdir), "%s/%s", out, run_id);
	snprintf(sdir, sizeof(sdir), "%s/%s", out, send_id);
	snprintf(sdest, sizeof(sdest), "%s/sender", rdir);
	if (access(rdir, F_OK) == 0 && rename(sdir, sdest) == 0) {
		struct cb_call_pair p;

		/* `latest` names the run, whichever child wrote last. */
		cb_symlink_replace(out, "latest", run_id);

		if (cb_call_pair_load(sdest, rdir, &p, why, sizeof(why)) == 0 &&
		    cb_call_pair_write(&p, rdir) == 0)
			printf("call report: %s/call.md (sender's half in %s)\n", rdir, sdest);
		else
			fprintf(stderr, "callbench run: the call report: %s\n", why);
	}
	{
		int sr = WIFEXITED(kids[0].status) ? WEXITSTATUS(kids[0].status) : 1;
		int rr = WIFEXITED(kids[1].status) ? WEXITSTATUS(kids[1].status) : 1;

		if (sr && sr != PEER_EXIT_INTERRUPTED)
			fprintf(stderr, "callbench run: the sender ended with exit %d\n", sr);
		rc = rr ? rr : sr ? (sr == PEER_EXIT_INTERRUPTED ? sr : 1) : 0;
	}
out:
	for (int i = 0; i < 2; i++)
		if (started & (1 << i)) {
			kill(kids[i].pid, SIGKILL);
			waitpid(kids[i].pid, NULL, 0);
		}
	cb_sig_server_stop(srv);
	if (have_ns)
		cb_netns_pair_destroy(&np, NULL);
	return rc;
}
