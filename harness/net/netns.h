/*
 * netns.h — a pair of network namespaces joined by a veth pair, for
 * transports that need a real link without touching the host's network.
 *
 * Namespace and interface names carry the creating process's id
 * ("cbx<pid>a", "cbx<pid>b"), so parallel runs never collide, and a later
 * run can tell leftovers of a dead process (cb_netns_cleanup_stale) from
 * those of a live one.  As a pid can be reused, each namespace also has a
 * record of its maker's start time (/run/callbench/<name>.owner, removed
 * with the namespace): a live process that started at another time did
 * not make it.  The veth is created inside the namespaces and never
 * appears in the root namespace.  Addresses come from 198.18.0.0/15
 * (RFC 2544, benchmarking) and exist only inside the namespaces.
 *
 * The work is done by iproute2's `ip`, spawned with posix_spawn in its own
 * process group (so a Ctrl-C on the terminal cannot kill it half way); its
 * stderr is kept for the error message.  Needs CAP_SYS_ADMIN and
 * CAP_NET_ADMIN.
 */
#ifndef CB_NET_NETNS_H
#define CB_NET_NETNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/log.h"

#define CB_NETNS_PREFIX "cbx"
#define CB_NETNS_MTU	1500

/** One side: a namespace holding one end of the veth. */
struct cb_netns_end {
	char ns[16];	 /**< namespace name, also the interface's name */
	char ifname[16]; /**< the veth end inside `ns` */
	uint8_t mac[6];	 /**< locally administered, fixed per side */
	uint32_t ip;	 /**< host byte order, 198.18.0.1 or 198.18.0.2 (/30) */
	int ns_fd;	 /**< open handle on the namespace, -1 when none */
	int created;	 /**< this process created the namespace */
};

struct cb_netns_pair {
	struct cb_netns_end end[2];
};

/**
 * Create namespaces cbx<pid>a and cbx<pid>b joined by a veth (MTU 1500,
 * fixed MACs, 198.18.0.1/30 and 198.18.0.2/30, IPv6 address generation off
 * so the link stays quiet, link up).  `p` is overwritten.  On failure nothing
 * is left behind and `why` (if not NULL) says what failed, with `ip`'s own
 * message.  A second pair in the same process fails (the names exist).
 * Returns 0, -errno, or CB_E_EXTERNAL when `ip` failed.
 */
int cb_netns_pair_create(struct cb_netns_pair *p, const struct cb_logger *log, char *why,
			 size_t why_len);

/**
 * Delete one side's namespace (its veth end goes with it, and with that the
 * peer end).  Safe on a zeroed end (ns_fd 0 and nothing created counts as
 * empty) and when called twice.
 */
void cb_netns_end_destroy(struct cb_netns_end *e, const struct cb_logger *log);

/** Both sides. */
void cb_netns_pair_destroy(struct cb_netns_pair *p, const struct cb_logger *log);

/**
 * Run fn(arg) on a short-lived thread that has joined the namespace `ns_fd`,
 * so the calling thread and the rest of the process stay where they are.
 * Sockets made by fn live in that namespace.  Returns fn's result, or
 * -errno if the thread could not be made or could not join.
 */
int cb_netns_run(int ns_fd, int (*fn)(void *arg), void *arg);

/**
 * Delete namespaces (and root-namespace interfaces) named cbx<pid>a/b whose
 * process no longer exists, or whose pid another process has now (its
 * start time is not the one recorded), and records left without their
 * namespace.  Returns how many were removed, or -errno.
 */
int cb_netns_cleanup_stale(const struct cb_logger *log);
/** When process `pid` started (clock ticks since boot, /proc/<pid>/stat). 0 or -errno. */
int cb_proc_start_time(pid_t pid, unsigned long long *start);
/** Record that process `pid`, started at `start`, made namespace `ns`. 0 or -errno. */
int cb_netns_owner_record(const char *ns, pid_t pid, unsigned long long start);
/** Remove that record (and its folder once empty). */
void cb_netns_owner_forget(const char *ns);

/** The name a side of this process's pair gets: side 0 -> "cbx<pid>a". */
void cb_netns_name(pid_t pid, int side, char *buf, size_t len);

/** Does a namespace of this name exist (in /run/netns)? */
int cb_netns_exists(const char *name);

/**
 * Run `ip` with the given NULL-terminated arguments (argv[0] is "ip").
 * Returns 0, -errno if it could not be started, or CB_E_EXTERNAL with its
 * stderr (first line) in `why`.
 */
int cb_netns_ip(const char *const argv[], char *why, size_t why_len);

#endif
