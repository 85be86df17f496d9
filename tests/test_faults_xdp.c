/*
 * Suite "faults_xdp": the xdp transport's namespaces and veth pair
 * (cbx<pid>a, cbx<pid>b; net/netns.h) are gone after a run of the program
 * is stopped by SIGINT or SIGTERM (while it sets them up, mid-call, and
 * twice in a row), after a start that fails because a name is taken, and,
 * after SIGKILL (which nothing survives), once the next xdp run has
 * started.  Looked up as a person would: `ip netns list`, `ip -o link`.
 * Skipped, counted, without root or AF_XDP (the transport's own reason).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "child.h"
#include "faults.h"
#include "net/netns.h"
#include "net/transport.h"
#include "test_util.h"

/* Lines of `cmd`'s output that hold a name of `pid`'s pair, a few of them
 * into `names`. */
static int grep_cmd(const char *cmd, pid_t pid, char *names, size_t room)
{
	char a[16], b[16], line[512];
	FILE *p = popen(cmd, "r");
	int n = 0;

	cb_netns_name(pid, 0, a, sizeof(a));
	cb_netns_name(pid, 1, b, sizeof(b));
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *w;

		/* Whole words only: cbx12a must not match cbx123a. */
		for (w = strtok(line, " \t\n:@"); w; w = strtok(NULL, " \t\n:@")) {
			size_t used = strlen(names);

			if (strcmp(w, a) && strcmp(w, b))
				continue;
			snprintf(names + used, room - used, "%s (%.20s) ", w, cmd);
			n++;
			break;
		}
	}
	pclose(p);
	return n;
}

/* Namespaces of `pid`'s pair, and interfaces of that name in the root
 * namespace; what was found into `names`. */
static int leftovers(pid_t pid, char *names, size_t room)
{
	int n = 0, k;

	names[0] = 0;
	k = grep_cmd("ip netns list 2>/dev/null", pid, names, room);
	n += k > 0 ? k : 0;
	k = grep_cmd("ip -o link show 2>/dev/null", pid, names, room);
	n += k > 0 ? k : 0;
	return n;
}

/* Whatever the test left of `pid`'s pair, removed (also after a failure). */
static void remove_pair(pid_t pid)
{
	for (int side = 0; side < 2; side++) {
		char name[16], why[256];
		const char *argv[] = {"ip", "netns", "delete", name, NULL};

		cb_netns_name(pid, side, name, sizeof(name));
		if (cb_netns_exists(name))
			cb_netns_ip(argv, why, sizeof(why));
	}
}

/* Can this machine open an xdp pair at all?  0, or 1 with `why`. */
static int xdp_unusable(char *why, size_t room)
{
	struct cb_transport a, b;
	struct cb_clock clk;
	struct cb_transport_cfg cfg = {.clock = &clk, .why = why, .why_len = room};
	int rc;

	cb_clock_real_init(&clk);
	why[0] = 0;
	rc = cb_transport_open_pair(cb_transport_find("xdp"), &cfg, &a, &b);
	if (rc == 0) {
		cb_transport_close(&a);
		cb_transport_close(&b);
		return 0;
	}
	if (!why[0])
		snprintf(why, room, "xdp: %s", cb_strerror(rc));
	return 1;
}

static void xdp_args(struct cb_args *a, const struct cb_fx *f, const char *id, const char *dur)
{
	cb_args_run(a, f, NULL, id, "real", dur);
	cb_args_add(a, "--transport");
	cb_args_add(a, "xdp");
}

static void test_xdp_signals(void)
{
	static const struct {
		int first, second; /* second 0: one signal */
		int setup;	   /* while the namespaces are being made */
	} cases[] = {
	    {SIGINT, 0, 0},
	    {SIGTERM, 0, 0},
	    {SIGTERM, 0, 1},
	    {SIGINT, SIGINT, 0},
	};
	struct cb_fx f;
	uint64_t rng = cb_faults_seed ^ 0x786470ULL;
	char why[512];

	if (geteuid() != 0)
		CB_SKIP("the xdp transport needs root");
	if (xdp_unusable(why, sizeof(why)))
		CB_SKIP(why);
	if (cb_fx_open(&f, "xdp") < 0)
		CB_SKIP("build/callbench not built");
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char id[32], what[160], names[512];
		struct cb_args a;
		struct cb_child c;
		double delay;
		pid_t pid;
		int outcome;

		snprintf(id, sizeof(id), "xdp-%zu", k);
		xdp_args(&a, &f, id, "1.5");
		CU_ASSERT_FATAL(cb_child_start(&c, f.root, id, a.v, NULL, NULL) == 0);
		pid = c.pid;
		FX_EXPECT(cb_child_wait_caught(&c, cases[k].first, 30), "%s: no handler", id);
		if (cases[k].setup) {
			/* The handler is in place a few ms before `ip` starts making
			 * the pair, which takes tens of ms. */
			delay = cb_test_uniform(&rng, 0, 0.04);
		} else {
			FX_EXPECT(cb_child_wait_text(&c, CB_CALL_LINE, 30), "%s: never started",
				  id);
			/* Mid-call both namespaces exist: the check below can see them. */
			FX_EXPECT(leftovers(pid, names, sizeof(names)) == 2,
				  "%s: the pair is not there mid-call: %s", id, names);
			delay = cb_test_uniform(&rng, 0.2, 0.8);
		}
		cb_sleep_s(delay);
		kill(pid, cases[k].first);
		if (cases[k].second) {
			/* Two of one signal before the first is taken are one. */
			cb_child_wait_delivered(&c, cases[k].first, 1.0);
			cb_sleep_s(cb_test_uniform(&rng, 0.001, 0.02));
			kill(pid, cases[k].second);
		}
		snprintf(what, sizeof(what), "%s (xdp, %s%s%s %s + %.3f s)", id,
			 cb_sig_name(cases[k].first), cases[k].second ? " then " : "",
			 cases[k].second ? cb_sig_name(cases[k].second) : "",
			 cases[k].setup ? "during set-up" : "mid-call", delay);
		FX_EXPECT(cb_child_wait(&c, 60) == 0, "%s: still running", what);
		cb_child_reap(&c);
		outcome = cb_check_stopped(&f, id, &c, !cases[k].second, what);
		FX_EXPECT(outcome == (cases[k].second ? 'a' : 'i'), "%s: outcome %c", what,
			  outcome ? outcome : '?');
		FX_EXPECT(leftovers(pid, names, sizeof(names)) == 0, "%s: left behind: %s", what,
			  names);
		remove_pair(pid);
	}
	cb_fx_close(&f);
}

/*
 * A start that fails: the second namespace's name is taken (made by the
 * test for the child's pid before it may run).  The program says which
 * name, exits 1 (a run that could not start is no usage error), writes
 * no report and removes the namespace it had made; the taken one is not
 * its own to delete.
 */
static void test_xdp_failed_start(void)
{
	struct cb_fx f;
	struct cb_args a;
	struct cb_child c;
	char why[512], name_a[16], name_b[16], names[512], dir[700], tmp[600], target[256];
	char *err;
	int gate, code;
	pid_t pid;

	if (geteuid() != 0)
		CB_SKIP("the xdp transport needs root");
	if (xdp_unusable(why, sizeof(why)))
		CB_SKIP(why);
	if (cb_fx_open(&f, "xdpfail") < 0)
		CB_SKIP("build/callbench not built");
	CU_ASSERT_FATAL(cb_fx_prior_run(&f, "prior", NULL) == 0);
	xdp_args(&a, &f, "failed", "1");
	CU_ASSERT_FATAL(cb_child_start_gated(&c, f.root, "failed", a.v, NULL, NULL, &gate) == 0);
	pid = c.pid;
	cb_netns_name(pid, 0, name_a, sizeof(name_a));
	cb_netns_name(pid, 1, name_b, sizeof(name_b));
	{
		const char *argv[] = {"ip", "netns", "add", name_b, NULL};

		FX_EXPECT(cb_netns_ip(argv, why, sizeof(why)) == 0, "%s", why);
	}
	FX_EXPECT(write(gate, "g", 1) == 1, "gate: %s", strerror(errno));
	close(gate);
	FX_EXPECT(cb_child_wait(&c, 60) == 0, "failed start: still running");
	cb_child_reap(&c);
	code = cb_child_code(&c);
	err = cb_child_stderr(&c);
	FX_EXPECT(code == 1, "failed start: exit %d: %s", code, err);
	FX_EXPECT(strstr(err, "transport xdp") && strstr(err, name_b),
		  "failed start: the message does not name %s: %s", name_b, err);
	free(err);
	FX_EXPECT(!cb_netns_exists(name_a), "failed start: %s left behind", name_a);
	FX_EXPECT(cb_netns_exists(name_b), "failed start: deleted %s, which was not its own",
		  name_b);
	remove_pair(pid);
	FX_EXPECT(leftovers(pid, names, sizeof(names)) == 0, "failed start: left %s", names);
	snprintf(dir, sizeof(dir), "%s/failed", f.out);
	FX_EXPECT(!cb_exists(dir), "failed start: a report folder was made");
	FX_EXPECT(cb_count_tmp(f.out, tmp, sizeof(tmp)) == 0, "failed start: %s", tmp);
	FX_EXPECT(cb_latest_valid(f.out, target, sizeof(target)) && !strcmp(target, "prior"),
		  "failed start: latest -> '%s'", target);
	cb_fx_close(&f);
}

/*
 * SIGKILL cannot be caught, so the pair of a killed run stays; the next
 * xdp run removes the pairs of processes that no longer exist before it
 * makes its own.
 */
static void test_xdp_sigkill_then_next_run(void)
{
	struct cb_fx f;
	struct cb_args a;
	struct cb_child c;
	char why[512], names[512];
	pid_t killed, next;

	if (geteuid() != 0)
		CB_SKIP("the xdp transport needs root");
	if (xdp_unusable(why, sizeof(why)))
		CB_SKIP(why);
	if (cb_fx_open(&f, "xdpkill") < 0)
		CB_SKIP("build/callbench not built");
	xdp_args(&a, &f, "killed", "1.5");
	CU_ASSERT_FATAL(cb_child_start(&c, f.root, "killed", a.v, NULL, NULL) == 0);
	killed = c.pid;
	FX_EXPECT(cb_child_wait_text(&c, CB_CALL_LINE, 30), "killed: never started");
	kill(killed, SIGKILL);
	cb_child_wait(&c, 30);
	cb_child_reap(&c);
	FX_EXPECT(leftovers(killed, names, sizeof(names)) == 2,
		  "killed: its pair should still be there: %s", names);

	xdp_args(&a, &f, "next", "0.5");
	CU_ASSERT_FATAL(cb_child_start(&c, f.root, "next", a.v, NULL, NULL) == 0);
	next = c.pid;
	FX_EXPECT(cb_child_wait(&c, 60) == 0, "next: did not end");
	cb_child_reap(&c);
	FX_EXPECT(cb_child_code(&c) == 0, "next: exit %d", cb_child_code(&c));
	FX_EXPECT(leftovers(killed, names, sizeof(names)) == 0,
		  "the next run left the killed run's pair: %s", names);
	FX_EXPECT(leftovers(next, names, sizeof(names)) == 0, "next: left %s", names);
	remove_pair(killed);
	remove_pair(next);
	cb_fx_close(&f);
}

int cb_suite_faults_xdp(void)
{
	static const struct cb_test_case cases[] = {
	    {"SIGINT/SIGTERM leave no namespace or link", test_xdp_signals},
	    {"a failed start leaves no namespace or link", test_xdp_failed_start},
	    {"after SIGKILL the next run removes the pair", test_xdp_sigkill_then_next_run},
	    {NULL, NULL},
	};

	cb_faults_seed_init();
	return cb_add_suite("faults_xdp", cases);
}
