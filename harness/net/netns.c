/*
 * netns.c — two network namespaces joined by a veth, made with iproute2.
 *
 * `ip` is used rather than raw netlink because every step is then a command
 * a person can read in the error message and repeat by hand, and the cost
 * (a few milliseconds per command) is paid once per run, not per packet.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "net/netns.h"

#define NETNS_RUN_DIR "/run/netns"
/* Who made each namespace: "<pid> <start time>", as a pid can be reused. */
#define OWNER_DIR "/run/callbench"

extern char **environ;

/* 198.18.0.1/30 and 198.18.0.2/30: the first /30 of RFC 2544's range. */
static const uint32_t side_ip[2] = {0xc6120001u, 0xc6120002u};
/* Locally administered unicast (02:...), "c6:12" for 198.18, then the side.
 * Fixed values let each end know its peer's address without ARP. */
static const uint8_t side_mac[2][6] = {
    {0x02, 0xc6, 0x12, 0x00, 0x00, 0x01},
    {0x02, 0xc6, 0x12, 0x00, 0x00, 0x02},
};

static void __attribute__((format(printf, 3, 4)))
set_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Keep only the first line of `ip`'s stderr: it says what went wrong, and
 * the usage text that sometimes follows it does not fit an error message. */
static void first_line(char *s)
{
	char *nl = strchr(s, '\n');

	if (nl)
		*nl = '\0';
}

static int spawn_ip(const char *path, const char *const argv[], int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rc;

	rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return -rc;
	rc = posix_spawnattr_init(&at);
	if (rc) {
		posix_spawn_file_actions_destroy(&fa);
		return -rc;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	/* Its own process group keeps a terminal's Ctrl-C away from `ip`, so a
	 * clean-up that runs after Ctrl-C is not itself cut short. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					  POSIX_SPAWN_SETSIGDEF);
	if (path[0] == '/')
		rc = posix_spawn(pid, path, &fa, &at, (char *const *)argv, environ);
	else
		rc = posix_spawnp(pid, path, &fa, &at, (char *const *)argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

int cb_netns_ip(const char *const argv[], char *why, size_t why_len)
{
	/* PATH of a non-login root shell may lack /usr/sbin, where `ip` is. */
	static const char *const paths[] = {"ip", "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"};
	char err[512], cmd[256];
	size_t got = 0, n = 0;
	int pfd[2], rc = -ENOENT, status;
	pid_t pid = -1;

	if (!argv || !argv[0])
		return -EINVAL;
	for (size_t i = 0; argv[i] && n < sizeof(cmd); i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s", i ? " " : "", argv[i]);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && rc == -ENOENT; i++)
		rc = spawn_ip(paths[i], argv, pfd[1], &pid);
	close(pfd[1]);
	if (rc < 0) {
		close(pfd[0]);
		if (rc == -ENOENT)
			set_why(why, why_len, "iproute2's `ip` was not found (install iproute2)");
		else
			set_why(why, why_len, "%s: cannot start ip: %s", cmd, strerror(-rc));
		return rc;
	}
	for (;;) {
		ssize_t r = read(pfd[0], err + got, sizeof(err) - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		/* A full buffer is enough to explain; keep draining so `ip`
		 * never blocks on a full pipe. */
		if (got == sizeof(err) - 1) {
			char sink[256];
			while (read(pfd[0], sink, sizeof(sink)) > 0 || errno == EINTR)
				;
			break;
		}
	}
	err[got] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	first_line(err);
	if (!err[0])
		snprintf(err, sizeof(err), "exit status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	set_why(why, why_len, "%s: %s", cmd, err);
	return CB_E_EXTERNAL;
}

void cb_netns_name(pid_t pid, int side, char *buf, size_t len)
{
	snprintf(buf, len, CB_NETNS_PREFIX "%ld%c", (long)pid, side ? 'b' : 'a');
}

int cb_netns_exists(const char *name)
{
	char path[320];
	struct stat st;

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	return stat(path, &st) == 0;
}

static void fmt_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void fmt_ip(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u/30", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
}

/* Is `name` cbx<digits>a or cbx<digits>b?  Returns the pid, or 0. */
static pid_t parse_name(const char *name)
{
	const char *p = name + strlen(CB_NETNS_PREFIX);
	long pid = 0;

	if (strncmp(name, CB_NETNS_PREFIX, strlen(CB_NETNS_PREFIX)) != 0 ||
	    !isdigit((unsigned char)*p))
		return 0;
	for (; isdigit((unsigned char)*p); p++) {
		pid = pid * 10 + (*p - '0');
		if (pid > 1 << 30)
			return 0;
	}
	if ((p[0] != 'a' && p[0] != 'b') || p[1] != '\0')
		return 0;
	return (pid_t)pid;
}

int cb_proc_start_time(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The name in parentheses may hold anything, ')' and spaces too: the
	 * fields go on after its last ')'; start time is field 22 of the line,
	 * the 20th after it. */
	p = strrchr(buf, ')');
	if (!p)
		return CB_E_FORMAT;
	for (int field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return CB_E_FORMAT;
	}
	return sscanf(p + 1, "%llu", start) == 1 ? 0 : CB_E_FORMAT;
}

static void owner_path(const char *ns, char *buf, size_t len)
{
	snprintf(buf, len, OWNER_DIR "/%s.owner", ns);
}

int cb_netns_owner_record(const char *ns, pid_t pid, unsigned long long start)
{
	char path[512], tmp[520];
	FILE *f;
	int rc = 0;

	if (mkdir(OWNER_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	owner_path(ns, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%ld %llu\n", (long)pid, start) < 0)
		rc = -EIO;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

void cb_netns_owner_forget(const char *ns)
{
	char path[512];

	owner_path(ns, path, sizeof(path));
	unlink(path);
	rmdir(OWNER_DIR); /* only once empty: other runs may have records */
}

/*
 * Is the process that made `ns` (pid `pid`, from its name) gone?  Dead, or
 * its pid now another process's: one that started at another time than
 * the record of the namespace says.  Without a record (a namespace made
 * before records were kept, or the instant between making it and writing
 * one) only a dead pid counts.
 */
static int owner_gone(const char *ns, pid_t pid)
{
	char path[512];
	unsigned long long rec_start, now_start;
	long rec_pid;
	FILE *f;
	int n;

	if (pid == getpid())
		return 0;
	/* EPERM means the process exists but belongs to someone else. */
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	owner_path(ns, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fscanf(f, "%ld %llu", &rec_pid, &rec_start);
	fclose(f);
	if (n != 2 || rec_pid != (long)pid)
		return 0;
	return cb_proc_start_time(pid, &now_start) == 0 && now_start != rec_start;
}

static int cleanup_dir(const char *dir, int is_netns, const struct cb_logger *log)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		pid_t pid = parse_name(de->d_name);
		char why[256];
		int rc;

		if (!pid || !owner_gone(de->d_name, pid))
			continue;
		if (is_netns) {
			const char *argv[] = {"ip", "netns", "delete", de->d_name, NULL};
			rc = cb_netns_ip(argv, why, sizeof(why));
		} else {
			const char *argv[] = {"ip", "link", "delete", "dev", de->d_name, NULL};
			rc = cb_netns_ip(argv, why, sizeof(why));
		}
		/* Another run may be removing the same leftover at this moment,
		 * so a failure here is worth a warning, not an error. */
		if (rc < 0) {
			cb_log(log, CB_LOG_WARN, "netns", "stale %s: %s", de->d_name, why);
			continue;
		}
		if (is_netns)
			cb_netns_owner_forget(de->d_name);
		cb_log(log, CB_LOG_INFO, "netns",
		       "removed stale %s %s of a process %ld that is gone",
		       is_netns ? "namespace" : "interface", de->d_name, (long)pid);
		removed++;
	}
	closedir(d);
	return removed;
}

/* Records whose namespace is gone (deleted by hand, say). */
static void cleanup_records(void)
{
	DIR *d = opendir(OWNER_DIR);
	struct dirent *de;
	char ns[64];

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n <= 6 || n - 6 >= sizeof(ns) || strcmp(de->d_name + n - 6, ".owner"))
			continue;
		memcpy(ns, de->d_name, n - 6);
		ns[n - 6] = '\0';
		if (parse_name(ns) && !cb_netns_exists(ns))
			cb_netns_owner_forget(ns);
	}
	closedir(d);
}

int cb_netns_cleanup_stale(const struct cb_logger *log)
{
	int a, b;

	a = cleanup_dir(NETNS_RUN_DIR, 1, log);
	if (a < 0)
		return a;
	cleanup_records();
	b = cleanup_dir("/sys/class/net", 0, log);
	if (b < 0)
		return b;
	return a + b;
}

static int ns_add(struct cb_netns_end *e, char *why, size_t why_len)
{
	const char *argv[] = {"ip", "netns", "add", e->ns, NULL};
	char path[64];
	int rc;

	rc = cb_netns_ip(argv, why, why_len);
	if (rc < 0)
		return rc;
	e->created = 1;
	/* The handle lets threads join the namespace without going through its
	 * name, which a concurrent clean-up could have removed. */
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", e->ns);
	e->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->ns_fd < 0) {
		rc = -errno;
		set_why(why, why_len, "open %s: %s", path, strerror(-rc));
		return rc;
	}
	/* Without the record a later run can still tell a dead owner, just
	 * not a pid that was reused: worth trying, not worth failing for. */
	{
		unsigned long long start;

		if (cb_proc_start_time(getpid(), &start) == 0)
			cb_netns_owner_record(e->ns, getpid(), start);
	}
	return 0;
}

static int end_setup(const struct cb_netns_end *e, char *why, size_t why_len)
{
	char ip[32];
	int rc;

	fmt_ip(e->ip, ip, sizeof(ip));
	/* No IPv6 link-local address means no DAD or router solicitations:
	 * the link carries only what the transport sends. */
	{
		const char *argv[] = {"ip",  "-n",	e->ns,	       "link", "set",
				      "dev", e->ifname, "addrgenmode", "none", NULL};
		rc = cb_netns_ip(argv, why, why_len);
		if (rc < 0)
			return rc;
	}
	{
		const char *argv[] = {"ip", "-n", e->ns, "addr", "add", ip, "dev", e->ifname, NULL};
		rc = cb_netns_ip(argv, why, why_len);
		if (rc < 0)
			return rc;
	}
	{
		const char *argv[] = {"ip",  "-n",	e->ns, "link", "set",
				      "dev", e->ifname, "up",  NULL};
		return cb_netns_ip(argv, why, why_len);
	}
}

int cb_netns_pair_create(struct cb_netns_pair *p, const struct cb_logger *log, char *why,
			 size_t why_len)
{
	char mac_a[18], mac_b[18], mtu[8];
	int rc;

	if (!p)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 2; i++) {
		struct cb_netns_end *e = &p->end[i];

		cb_netns_name(getpid(), i, e->ns, sizeof(e->ns));
		memcpy(e->ifname, e->ns, sizeof(e->ifname));
		memcpy(e->mac, side_mac[i], 6);
		e->ip = side_ip[i];
		e->ns_fd = -1;
	}
	rc = cb_netns_cleanup_stale(log);
	if (rc < 0)
		cb_log(log, CB_LOG_WARN, "netns", "looking for stale namespaces: %s",
		       cb_strerror(rc));

	/* Creating a namespace is also how a name is claimed: `ip netns add`
	 * fails if the name exists, so two pairs can never share one. */
	rc = ns_add(&p->end[0], why, why_len);
	if (rc < 0)
		goto out_del_ns_a;
	rc = ns_add(&p->end[1], why, why_len);
	if (rc < 0)
		goto out_del_ns_b;

	fmt_mac(p->end[0].mac, mac_a, sizeof(mac_a));
	fmt_mac(p->end[1].mac, mac_b, sizeof(mac_b));
	snprintf(mtu, sizeof(mtu), "%d", CB_NETNS_MTU);
	{
		/* Made inside the first namespace with its peer placed straight
		 * into the second, so the root namespace never sees either end. */
		const char *argv[] = {"ip",	 "-n",	  p->end[0].ns,
				      "link",	 "add",	  p->end[0].ifname,
				      "address", mac_a,	  "mtu",
				      mtu,	 "type",  "veth",
				      "peer",	 "name",  p->end[1].ifname,
				      "address", mac_b,	  "mtu",
				      mtu,	 "netns", p->end[1].ns,
				      NULL};
		rc = cb_netns_ip(argv, why, why_len);
		if (rc < 0)
			goto out_del_ns_b;
	}
	for (int i = 0; i < 2; i++) {
		rc = end_setup(&p->end[i], why, why_len);
		if (rc < 0)
			goto out_del_ns_b;
	}
	cb_log(log, CB_LOG_DEBUG, "netns", "created %s <-> %s", p->end[0].ns, p->end[1].ns);
	return 0;

out_del_ns_b:
	cb_netns_end_destroy(&p->end[1], log);
out_del_ns_a:
	cb_netns_end_destroy(&p->end[0], log);
	return rc;
}

void cb_netns_end_destroy(struct cb_netns_end *e, const struct cb_logger *log)
{
	const char *argv[] = {"ip", "netns", "delete", e ? e->ns : "", NULL};
	char why[256];

	/* ns_fd is only ever valid for a namespace this process created, so a
	 * zeroed end (fd 0, nothing created) closes nothing. */
	if (!e || !e->created)
		return;
	if (e->ns_fd >= 0)
		close(e->ns_fd);
	e->ns_fd = -1;
	e->created = 0;
	if (cb_netns_ip(argv, why, sizeof(why)) < 0)
		cb_log(log, CB_LOG_WARN, "netns", "%s", why);
	else
		cb_netns_owner_forget(e->ns);
}

void cb_netns_pair_destroy(struct cb_netns_pair *p, const struct cb_logger *log)
{
	if (!p)
		return;
	cb_netns_end_destroy(&p->end[1], log);
	cb_netns_end_destroy(&p->end[0], log);
}

struct ns_call {
	int ns_fd;
	int (*fn)(void *arg);
	void *arg;
	int rc;
};

static void *ns_thread(void *arg)
{
	struct ns_call *c = arg;

	/* Namespaces belong to threads, so joining one here moves only this
	 * short-lived thread; it ends before the caller goes on. */
	if (setns(c->ns_fd, CLONE_NEWNET) < 0)
		c->rc = -errno;
	else
		c->rc = c->fn(c->arg);
	return NULL;
}

int cb_netns_run(int ns_fd, int (*fn)(void *arg), void *arg)
{
	struct ns_call c = {.ns_fd = ns_fd, .fn = fn, .arg = arg, .rc = 0};
	pthread_t t;
	int rc;

	if (ns_fd < 0 || !fn)
		return -EINVAL;
	rc = pthread_create(&t, NULL, ns_thread, &c);
	if (rc)
		return -rc;
	rc = pthread_join(t, NULL);
	if (rc)
		return -rc;
	return c.rc;
}
