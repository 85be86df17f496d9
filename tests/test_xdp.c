/*
 * Suite "xdp": the Ethernet/IPv4/UDP frame builder and parser (no root
 * needed), the namespace helpers, and the AF_XDP transport on a veth pair
 * (skipped, with the transport's own reason, without root or AF_XDP).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "net/frame.h"
#include "net/netns.h"
#include "net/transport.h"
#include "net/xdp.h"
#include "test_util.h"

#define MAX_PAYLOAD (1500 - 20 - 8)

static const struct cb_frame_addr flow = {
    .src_mac = {0x02, 0xc6, 0x12, 0x00, 0x00, 0x01},
    .dst_mac = {0x02, 0xc6, 0x12, 0x00, 0x00, 0x02},
    .src_ip = 0xc6120001,
    .dst_ip = 0xc6120002,
    .src_port = 5004,
    .dst_port = 5006,
};

/* "callbench" from 198.18.0.1:5004 to 198.18.0.2:5006, IP id 0x1234, built
 * field by field by hand, with both checksums worked out separately (IP
 * 0x9c6c, UDP 0x43f3); the odd payload length exercises the padding byte
 * of the UDP checksum. */
static const uint8_t known_frame[] = {
    0x02, 0xc6, 0x12, 0x00, 0x00, 0x02, 0x02, 0xc6, 0x12, 0x00, 0x00, 0x01, 0x08,
    0x00, 0x45, 0x00, 0x00, 0x25, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x9c, 0x6c,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x13, 0x8c, 0x13, 0x8e, 0x00,
    0x11, 0x43, 0xf3, 0x63, 0x61, 0x6c, 0x6c, 0x62, 0x65, 0x6e, 0x63, 0x68,
};

/* An independent Internet checksum: 16-bit big-endian words, one at a time,
 * folded at the end; returns the folded sum (0xffff when a block with its
 * checksum inside verifies). */
static uint16_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t ref_pseudo(const uint8_t *ip, size_t udp_len)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 17;
	ph[10] = (uint8_t)(udp_len >> 8);
	ph[11] = (uint8_t)udp_len;
	return ref_sum(ph, sizeof(ph), 0);
}

static void fix_ip_csum(uint8_t *f)
{
	uint16_t c;

	f[24] = f[25] = 0;
	c = (uint16_t)~ref_sum(f + 14, (size_t)(f[14] & 0x0f) * 4, 0);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
}

static void fix_udp_csum(uint8_t *f)
{
	uint8_t *udp = f + 14 + 20;
	size_t ulen = (size_t)udp[4] << 8 | udp[5];
	uint16_t c;

	udp[6] = udp[7] = 0;
	c = (uint16_t)~ref_sum(udp, ulen, ref_pseudo(f + 14, ulen));
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
}

static int parse(const uint8_t *f, size_t len)
{
	uint8_t out[2048];
	size_t out_len = sizeof(out);

	return cb_frame_parse_udp(&flow, f, len, out, &out_len);
}

static void test_known_answer(void)
{
	uint8_t f[128], pay[16];
	size_t len = sizeof(f), plen = sizeof(pay);

	CU_ASSERT_EQUAL(cb_frame_build_udp(&flow, 0x1234, (const uint8_t *)"callbench", 9, f, &len),
			0);
	CU_ASSERT_EQUAL(len, sizeof(known_frame));
	CU_ASSERT(memcmp(f, known_frame, sizeof(known_frame)) == 0);
	CU_ASSERT_EQUAL(cb_frame_parse_udp(&flow, known_frame, sizeof(known_frame), pay, &plen), 0);
	CU_ASSERT_EQUAL(plen, 9);
	CU_ASSERT(memcmp(pay, "callbench", 9) == 0);
}

/* Every payload size a 1500-byte MTU carries: the headers are what a
 * receiver expects, both checksums verify by the independent sum, and the
 * parser gives back exactly the payload. */
static void test_roundtrip_every_size(void)
{
	static uint8_t pay[MAX_PAYLOAD], f[2048], back[2048];

	for (size_t n = 0; n <= MAX_PAYLOAD; n++) {
		size_t len = sizeof(f), blen = sizeof(back);
		const uint8_t *ip = f + 14, *udp = f + 34;

		for (size_t i = 0; i < n; i++)
			pay[i] = (uint8_t)(i * 31 + n);
		CU_ASSERT_EQUAL_FATAL(cb_frame_build_udp(&flow, (uint16_t)n, pay, n, f, &len), 0);
		CU_ASSERT_EQUAL(len, n + CB_FRAME_HDR_LEN);
		CU_ASSERT_EQUAL(ip[0], 0x45);
		CU_ASSERT_EQUAL((size_t)(ip[2] << 8 | ip[3]), n + 28);
		CU_ASSERT_EQUAL(ip[4] << 8 | ip[5], (int)n);
		CU_ASSERT_EQUAL(ip[6], 0x40); /* DF, no fragment offset */
		CU_ASSERT_EQUAL(ip[8], 64);
		CU_ASSERT_EQUAL(ip[9], 17);
		CU_ASSERT_EQUAL(ref_sum(ip, 20, 0), 0xffff);
		CU_ASSERT_EQUAL((size_t)(udp[4] << 8 | udp[5]), n + 8);
		CU_ASSERT(udp[6] | udp[7]);
		CU_ASSERT_EQUAL(ref_sum(udp, n + 8, ref_pseudo(ip, n + 8)), 0xffff);
		CU_ASSERT_EQUAL(cb_frame_parse_udp(&flow, f, len, back, &blen), 0);
		CU_ASSERT_EQUAL(blen, n);
		CU_ASSERT(memcmp(back, pay, n) == 0);
	}
}

static void test_rejects(void)
{
	uint8_t good[128], f[160], out[16];
	size_t glen = sizeof(good), olen;

	CU_ASSERT_EQUAL_FATAL(
	    cb_frame_build_udp(&flow, 7, (const uint8_t *)"0123456789", 10, good, &glen), 0);
	CU_ASSERT_EQUAL(parse(good, glen), 0);

	/* Every truncation fails, none reads past the end. */
	for (size_t n = 0; n < glen; n++)
		CU_ASSERT(parse(good, n) < 0);
	/* Ethernet padding after the datagram is fine. */
	memcpy(f, good, glen);
	memset(f + glen, 0, 16);
	CU_ASSERT_EQUAL(parse(f, glen + 16), 0);

#define MUTATE(stmt, expect)                                                                       \
	do {                                                                                       \
		memcpy(f, good, glen);                                                             \
		stmt;                                                                              \
		CU_ASSERT_EQUAL(parse(f, glen), (expect));                                         \
	} while (0)
	MUTATE(f[24] ^= 1, CB_E_BADPKT);			  /* IP header checksum */
	MUTATE(f[glen - 1] ^= 0x80, CB_E_BADPKT);		  /* payload: UDP checksum */
	MUTATE((f[40] ^= 1), CB_E_BADPKT);			  /* UDP checksum field */
	MUTATE((f[40] = f[41] = 0, f[glen - 1] ^= 1), 0);	  /* zero = no UDP checksum */
	MUTATE((f[12] = 0x86, f[13] = 0xdd), CB_E_UNSUPPORTED);	  /* IPv6 */
	MUTATE((f[12] = 0x08, f[13] = 0x06), CB_E_UNSUPPORTED);	  /* ARP */
	MUTATE((f[14] = 0x65, fix_ip_csum(f)), CB_E_BADPKT);	  /* version 6 */
	MUTATE((f[14] = 0x44, fix_ip_csum(f)), CB_E_BADPKT);	  /* IHL 4 */
	MUTATE((f[14] = 0x4f, fix_ip_csum(f)), CB_E_BADPKT);	  /* options past the end */
	MUTATE((f[17] += 1, fix_ip_csum(f)), CB_E_BADPKT);	  /* IP length > frame */
	MUTATE((f[17] = 27, fix_ip_csum(f)), CB_E_BADPKT);	  /* no room for UDP */
	MUTATE((f[23] = 6, fix_ip_csum(f)), CB_E_UNSUPPORTED);	  /* TCP */
	MUTATE((f[20] = 0x20, fix_ip_csum(f)), CB_E_UNSUPPORTED); /* more fragments */
	MUTATE((f[21] = 0x08, fix_ip_csum(f)), CB_E_UNSUPPORTED); /* fragment offset */
	MUTATE((f[39] += 1, fix_udp_csum(f)), CB_E_BADPKT);	  /* UDP length > IP */
	MUTATE((f[39] = 7, fix_udp_csum(f)), CB_E_BADPKT);	  /* UDP length < 8 */
	MUTATE((f[39] -= 1, fix_udp_csum(f)), 0);		  /* shorter UDP: padding */
	MUTATE((f[33] = 3, fix_ip_csum(f), fix_udp_csum(f)), CB_E_NOTFOUND); /* dst IP */
	MUTATE((f[37] ^= 1, fix_udp_csum(f)), CB_E_NOTFOUND);		     /* dst port */
	MUTATE(f[5] = 9, CB_E_NOTFOUND);				     /* dst MAC */
#undef MUTATE

	/* Too little room is an error, not an overflow. */
	olen = 9;
	CU_ASSERT_EQUAL(cb_frame_parse_udp(&flow, good, glen, out, &olen), CB_E_NOSPACE);
	olen = glen - 1;
	CU_ASSERT_EQUAL(cb_frame_build_udp(&flow, 7, (const uint8_t *)"0123456789", 10, f, &olen),
			CB_E_NOSPACE);
	olen = sizeof(f);
	CU_ASSERT_EQUAL(cb_frame_build_udp(&flow, 7, good, 65536, f, &olen), -EMSGSIZE);
	CU_ASSERT_EQUAL(cb_frame_build_udp(NULL, 7, good, 1, f, &olen), -EINVAL);
	CU_ASSERT_EQUAL(cb_frame_parse_udp(&flow, NULL, 1, out, &olen), -EINVAL);
}

/* ---- namespaces and the transport: root only ---- */

static int is_ours(const char *name)
{
	char a[16], b[16];

	cb_netns_name(getpid(), 0, a, sizeof(a));
	cb_netns_name(getpid(), 1, b, sizeof(b));
	return strcmp(name, a) == 0 || strcmp(name, b) == 0;
}

/* How many namespaces and root-namespace interfaces of this process
 * exist, looked up the way a person would: `ip netns list` and
 * /sys/class/net. */
static int leftovers(void)
{
	char line[256];
	int n = 0;
	FILE *p = popen("ip netns list 2>/dev/null", "r");
	DIR *d;
	struct dirent *de;

	if (p) {
		while (fgets(line, sizeof(line), p)) {
			line[strcspn(line, " \n")] = '\0';
			n += is_ours(line);
		}
		pclose(p);
	}
	d = opendir("/sys/class/net");
	if (d) {
		while ((de = readdir(d)))
			n += is_ours(de->d_name);
		closedir(d);
	}
	return n;
}

/* Open an xdp pair, or say why this machine cannot. */
static int open_xdp(struct cb_transport *a, struct cb_transport *b, struct cb_clock *clk, char *why,
		    size_t why_len)
{
	struct cb_transport_cfg cfg = {.clock = clk, .why = why, .why_len = why_len};

	cb_clock_real_init(clk);
	why[0] = '\0';
	return cb_transport_open_pair(cb_transport_find("xdp"), &cfg, a, b);
}

static void test_xdp_roundtrip(void)
{
	struct cb_transport a, b;
	struct cb_clock clk;
	struct cb_xdp_stats st;
	char why[512], desc[512];
	static uint8_t tx[CB_NET_MAX_PKT], rx[64][CB_NET_MAX_PKT], big[1000][4];
	int rc = open_xdp(&a, &b, &clk, why, sizeof(why));

	if (rc == -EPERM || rc == CB_E_UNSUPPORTED)
		CB_SKIP(why);
	CU_ASSERT_EQUAL_FATAL(rc, 0);

	/* Every size up to the MTU's UDP payload, both ways. */
	for (size_t len = 1; len <= MAX_PAYLOAD; len++) {
		for (int dir = 0; dir < 2; dir++) {
			struct cb_transport *from = dir ? &b : &a, *to = dir ? &a : &b;
			struct cb_net_pkt sp = {.data = tx, .len = len};
			struct cb_net_pkt rp = {.data = rx[0], .cap = sizeof(rx[0])};

			for (size_t i = 0; i < len; i++)
				tx[i] = (uint8_t)(i * 7 + len + dir);
			CU_ASSERT_EQUAL(cb_transport_send(from, &sp, 1), 1);
			CU_ASSERT_EQUAL_FATAL(cb_test_recv_all(to, &rp, 1), 1);
			CU_ASSERT_EQUAL(rp.len, len);
			CU_ASSERT(memcmp(rx[0], tx, len) == 0);
			CU_ASSERT(rp.t_recv != CB_NS_NONE);
		}
	}
	/* Batches arrive whole and in order, also when one send is many
	 * ring batches long. */
	{
		static struct cb_net_pkt sp[1000], rp[1000];
		size_t got;

		for (int i = 0; i < 1000; i++) {
			memcpy(big[i], &i, sizeof(i));
			sp[i] = (struct cb_net_pkt){.data = big[i], .len = sizeof(big[i])};
			rp[i] = (struct cb_net_pkt){.data = rx[i % 64], .cap = sizeof(rx[0])};
		}
		CU_ASSERT_EQUAL(cb_transport_send(&a, sp, 1000), 1000);
		got = 0;
		for (int tries = 0; got < 1000 && tries < 500; tries++) {
			size_t want = 1000 - got < 64 ? 1000 - got : 64;
			int n = cb_transport_recv(&b, rp + got, want, 20 * CB_NS_PER_MS);

			CU_ASSERT_FATAL(n >= 0);
			for (int i = 0; i < n; i++) {
				int v;

				CU_ASSERT_EQUAL(rp[got + (size_t)i].len, sizeof(int));
				memcpy(&v, rp[got + (size_t)i].data, sizeof(v));
				CU_ASSERT_EQUAL(v, (int)(got + (size_t)i));
			}
			got += (size_t)n;
		}
		CU_ASSERT_EQUAL(got, 1000);
	}
	/* Nothing waiting: a poll returns 0 at once; too big is refused. */
	{
		struct cb_net_pkt rp = {.data = rx[0], .cap = sizeof(rx[0])};
		struct cb_net_pkt sp = {.data = tx, .len = MAX_PAYLOAD + 1};

		CU_ASSERT_EQUAL(cb_transport_recv(&a, &rp, 1, 0), 0);
		CU_ASSERT_EQUAL(cb_transport_send(&a, &sp, 1), -EMSGSIZE);
	}
	/* A buffer too small gets the packet empty, counted. */
	{
		struct cb_net_pkt sp = {.data = tx, .len = 100};
		struct cb_net_pkt rp = {.data = rx[0], .cap = 10};

		CU_ASSERT_EQUAL(cb_transport_send(&a, &sp, 1), 1);
		CU_ASSERT_EQUAL_FATAL(cb_test_recv_all(&b, &rp, 1), 1);
		CU_ASSERT_EQUAL(rp.len, 0);
	}
	CU_ASSERT_EQUAL(cb_xdp_get_stats(&b, &st), 0);
	CU_ASSERT_EQUAL(st.rx_packets, MAX_PAYLOAD + 1000);
	CU_ASSERT_EQUAL(st.rx_truncated, 1);
	CU_ASSERT_EQUAL(st.rx_bad, 0);
	CU_ASSERT_EQUAL(st.rx_not_ours, 0);
	CU_ASSERT_EQUAL(st.kern_rx_dropped + st.kern_rx_ring_full, 0);
	CU_ASSERT_EQUAL(cb_xdp_get_stats(&a, &st), 0);
	CU_ASSERT_EQUAL(st.tx_packets, MAX_PAYLOAD + 1000 + 1);
	a.ops->describe(a.priv, desc, sizeof(desc));
	CU_ASSERT(strstr(desc, "198.18.0.1:5004 -> 198.18.0.2:5006") != NULL);
	CU_ASSERT(leftovers() == 2); /* both namespaces, no root-namespace veth */

	cb_transport_close(&a);
	cb_transport_close(&b);
	cb_transport_close(&b); /* twice is harmless */
	CU_ASSERT_EQUAL(leftovers(), 0);
}

/* A failing open removes what it made and nothing else: the second
 * namespace's name is taken (as by a pair already open), so the open fails
 * after creating the first one. */
static void test_xdp_failed_open_leaves_nothing(void)
{
	struct cb_transport a, b;
	struct cb_clock clk;
	char why[512], name_a[16], name_b[16], ipwhy[256];
	int rc = open_xdp(&a, &b, &clk, why, sizeof(why));

	if (rc == -EPERM || rc == CB_E_UNSUPPORTED)
		CB_SKIP(why);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	cb_transport_close(&a);
	cb_transport_close(&b);

	cb_netns_name(getpid(), 0, name_a, sizeof(name_a));
	cb_netns_name(getpid(), 1, name_b, sizeof(name_b));
	{
		const char *argv[] = {"ip", "netns", "add", name_b, NULL};
		CU_ASSERT_EQUAL_FATAL(cb_netns_ip(argv, ipwhy, sizeof(ipwhy)), 0);
	}
	rc = open_xdp(&a, &b, &clk, why, sizeof(why));
	CU_ASSERT(rc < 0);
	CU_ASSERT(strstr(why, name_b) != NULL);
	CU_ASSERT(!cb_netns_exists(name_a));
	CU_ASSERT(cb_netns_exists(name_b)); /* not ours to delete */
	{
		const char *argv[] = {"ip", "netns", "delete", name_b, NULL};
		CU_ASSERT_EQUAL(cb_netns_ip(argv, ipwhy, sizeof(ipwhy)), 0);
	}
	CU_ASSERT_EQUAL(leftovers(), 0);

	/* A second pair while one is open fails and leaves the first working. */
	rc = open_xdp(&a, &b, &clk, why, sizeof(why));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	{
		struct cb_transport c, d;
		uint8_t buf[64];
		struct cb_net_pkt sp = {.data = (uint8_t *)"still here", .len = 10};
		struct cb_net_pkt rp = {.data = buf, .cap = sizeof(buf)};

		CU_ASSERT(open_xdp(&c, &d, &clk, why, sizeof(why)) < 0);
		CU_ASSERT(why[0] != '\0');
		CU_ASSERT_EQUAL(leftovers(), 2);
		CU_ASSERT_EQUAL(cb_transport_send(&a, &sp, 1), 1);
		CU_ASSERT_EQUAL(cb_test_recv_all(&b, &rp, 1), 1);
		CU_ASSERT_EQUAL(rp.len, 10);
	}
	cb_transport_close(&a);
	cb_transport_close(&b);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

/* Without the capabilities it needs, open fails at once with -EPERM, says
 * why, and creates nothing.  As root this is tried in a child that drops
 * them; the child reports through its exit status. */
static void test_xdp_no_privilege(void)
{
	char why[512];
	struct cb_transport a, b;
	struct cb_clock clk;
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(open_xdp(&a, &b, &clk, why, sizeof(why)), -EPERM);
		CU_ASSERT(strstr(why, "root") != NULL);
		return;
	}
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct d[2];
		char name[16];
		int rc;

		if (syscall(SYS_capget, &h, d) < 0)
			_exit(10);
		d[0].effective &=
		    ~((1u << CAP_SYS_ADMIN) | (1u << CAP_NET_ADMIN) | (1u << CAP_NET_RAW));
		if (syscall(SYS_capset, &h, d) < 0)
			_exit(11);
		rc = open_xdp(&a, &b, &clk, why, sizeof(why));
		cb_netns_name(getpid(), 0, name, sizeof(name));
		_exit(rc == -EPERM && strstr(why, "root") && !cb_netns_exists(name) ? 0 : 1);
	}
	CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A namespace left by a process that no longer exists is removed; one of a
 * live process is not. */
static void test_netns_stale_cleanup(void)
{
	char dead[16], live[16], why[256];
	pid_t pid;
	int rc;

	if (geteuid() != 0)
		CB_SKIP("creating network namespaces needs root");
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(0);
	CU_ASSERT_FATAL(waitpid(pid, NULL, 0) == pid);
	cb_netns_name(pid, 1, dead, sizeof(dead));
	cb_netns_name(getppid(), 0, live, sizeof(live));
	{
		const char *argv[] = {"ip", "netns", "add", dead, NULL};
		rc = cb_netns_ip(argv, why, sizeof(why));
		if (rc == CB_E_EXTERNAL || rc == -ENOENT)
			CB_SKIP(why);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
	}
	{
		const char *argv[] = {"ip", "netns", "add", live, NULL};
		CU_ASSERT_EQUAL_FATAL(cb_netns_ip(argv, why, sizeof(why)), 0);
	}
	CU_ASSERT(cb_netns_cleanup_stale(NULL) >= 1);
	CU_ASSERT(!cb_netns_exists(dead));
	CU_ASSERT(cb_netns_exists(live));
	{
		const char *argv[] = {"ip", "netns", "delete", live, NULL};
		CU_ASSERT_EQUAL(cb_netns_ip(argv, why, sizeof(why)), 0);
	}
	/* `ip`'s own complaint reaches the message. */
	{
		const char *argv[] = {"ip", "netns", "delete", dead, NULL};
		CU_ASSERT_EQUAL(cb_netns_ip(argv, why, sizeof(why)), CB_E_EXTERNAL);
		CU_ASSERT(strstr(why, dead) != NULL);
	}
}

/*
 * A pid can be reused: a namespace whose record names a start time other
 * than that of the live process with its pid was made by another process,
 * and is removed; one whose record matches, or that has none, is kept.
 */
static void test_netns_reused_pid(void)
{
	char reused[16], own[16], why[256];
	unsigned long long start;
	pid_t pid;
	int rc;

	if (geteuid() != 0)
		CB_SKIP("creating network namespaces needs root");
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	CU_ASSERT_EQUAL_FATAL(cb_proc_start_time(pid, &start), 0);
	cb_netns_name(pid, 0, reused, sizeof(reused));
	cb_netns_name(pid, 1, own, sizeof(own));
	{
		const char *argv[] = {"ip", "netns", "add", reused, NULL};
		rc = cb_netns_ip(argv, why, sizeof(why));
		if (rc == CB_E_EXTERNAL || rc == -ENOENT) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			CB_SKIP(why);
		}
		CU_ASSERT_EQUAL_FATAL(rc, 0);
	}
	{
		const char *argv[] = {"ip", "netns", "add", own, NULL};
		CU_ASSERT_EQUAL(cb_netns_ip(argv, why, sizeof(why)), 0);
	}
	/* made by an earlier process of the same pid; and by this one */
	CU_ASSERT_EQUAL(cb_netns_owner_record(reused, pid, start - 1), 0);
	CU_ASSERT_EQUAL(cb_netns_owner_record(own, pid, start), 0);
	CU_ASSERT(cb_netns_cleanup_stale(NULL) >= 1);
	CU_ASSERT(!cb_netns_exists(reused));
	CU_ASSERT(cb_netns_exists(own));
	{
		char rec[64];

		snprintf(rec, sizeof(rec), "/run/callbench/%s.owner", reused);
		CU_ASSERT(access(rec, F_OK) < 0);
		snprintf(rec, sizeof(rec), "/run/callbench/%s.owner", own);
		CU_ASSERT(access(rec, F_OK) == 0);
	}
	/* Without a record only a dead pid counts. */
	cb_netns_owner_forget(own);
	CU_ASSERT_EQUAL(cb_netns_cleanup_stale(NULL), 0);
	CU_ASSERT(cb_netns_exists(own));
	kill(pid, SIGKILL);
	CU_ASSERT(waitpid(pid, NULL, 0) == pid);
	CU_ASSERT(cb_netns_cleanup_stale(NULL) >= 1);
	CU_ASSERT(!cb_netns_exists(own));
	{
		const char *argv[] = {"ip", "netns", "delete", own, NULL};

		if (cb_netns_exists(own))
			cb_netns_ip(argv, why, sizeof(why));
	}
	CU_ASSERT(access("/run/callbench", F_OK) < 0);
}

/* The helper runs a function in another namespace and leaves the caller's
 * own namespace alone. */
static int read_netns(void *arg)
{
	char *buf = arg;
	ssize_t n = readlink("/proc/thread-self/ns/net", buf, 63);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 42;
}

static void test_netns_run(void)
{
	struct cb_netns_pair p;
	char before[64], inside[64], after[64], why[256];
	int rc;

	if (geteuid() != 0)
		CB_SKIP("creating network namespaces needs root");
	CU_ASSERT_EQUAL_FATAL(read_netns(before), 42);
	rc = cb_netns_pair_create(&p, NULL, why, sizeof(why));
	if (rc == -ENOENT)
		CB_SKIP(why);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(cb_netns_run(p.end[0].ns_fd, read_netns, inside), 42);
	CU_ASSERT_EQUAL(read_netns(after), 42);
	CU_ASSERT(strcmp(before, inside) != 0);
	CU_ASSERT(strcmp(before, after) == 0);
	CU_ASSERT_EQUAL(p.end[0].mac[0] & 0x03, 0x02);	  /* locally administered unicast */
	CU_ASSERT_EQUAL(p.end[0].ip >> 17, 0xc612u >> 1); /* 198.18.0.0/15 */
	CU_ASSERT_EQUAL(p.end[1].ip >> 17, 0xc612u >> 1);
	CU_ASSERT_EQUAL(leftovers(), 2);
	cb_netns_pair_destroy(&p, NULL);
	cb_netns_pair_destroy(&p, NULL);
	CU_ASSERT_EQUAL(leftovers(), 0);
}

int cb_suite_xdp(void)
{
	static const struct cb_test_case cases[] = {
	    {"frame: known-answer vector", test_known_answer},
	    {"frame: every payload size round-trips, checksums verify", test_roundtrip_every_size},
	    {"frame: damaged and foreign frames are rejected", test_rejects},
	    {"netns: run in a namespace, leave ours alone", test_netns_run},
	    {"netns: stale namespaces of dead processes removed", test_netns_stale_cleanup},
	    {"netns: a namespace of a reused pid is removed", test_netns_reused_pid},
	    {"xdp: without privilege, fail at once and say why", test_xdp_no_privilege},
	    {"xdp: every size both ways, batches in order, nothing left", test_xdp_roundtrip},
	    {"xdp: failed open leaves nothing behind", test_xdp_failed_open_leaves_nothing},
	    {NULL, NULL},
	};
	return cb_add_suite("xdp", cases);
}
