#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/error.h"
#include "net/transport.h"
#include "test_util.h"

/* The largest UDP payload in a 1500-byte MTU: what every transport must carry. */
#define MTU_PAYLOAD (1500 - 20 - 8)

/*
 * Open a pair of the named transport, or say why it cannot run here: a
 * transport that needs privileges or kernel features this machine lacks is
 * skipped visibly, not failed.  Returns 1 when open, 0 when skipped.
 */
static int open_or_skip(const struct cb_transport_ops *ops, const struct cb_transport_cfg *cfg,
			struct cb_transport *a, struct cb_transport *b)
{
	int rc = cb_transport_open_pair(ops, cfg, a, b);

	if (rc == -EPERM || rc == -EACCES || rc == CB_E_UNSUPPORTED) {
		printf("\n      skipped: %s: %s ", ops->name, cb_strerror(rc));
		return 0;
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return 1;
}

/* Send one packet of `len` bytes from `from` and check it arrives whole at `to`. */
static void one_packet(struct cb_transport *from, struct cb_transport *to, size_t len, int salt)
{
	static uint8_t tx[CB_NET_MAX_PKT], rx[CB_NET_MAX_PKT];
	struct cb_net_pkt sp = {.data = tx, .len = len};
	struct cb_net_pkt rp = {.data = rx, .cap = sizeof(rx)};

	for (size_t i = 0; i < len; i++)
		tx[i] = (uint8_t)(i * 7 + len + (size_t)salt);
	CU_ASSERT_EQUAL(cb_transport_send(from, &sp, 1), 1);
	CU_ASSERT_EQUAL_FATAL(cb_test_recv_all(to, &rp, 1), 1);
	CU_ASSERT_EQUAL(rp.len, len);
	CU_ASSERT(memcmp(rx, tx, len) == 0);
	CU_ASSERT(rp.t_recv != CB_NS_NONE);
}

/*
 * Every size from 1 byte up to a 1500-byte MTU's UDP payload crosses
 * unchanged in both directions; a batch arrives whole and in order; a poll
 * of an empty end returns 0 at once.
 */
static void roundtrip(const struct cb_transport_ops *ops)
{
	struct cb_transport a, b;
	struct cb_clock clk;
	struct cb_transport_cfg cfg = {.clock = &clk};
	static uint8_t bufs[64][CB_NET_MAX_PKT], rx[64][CB_NET_MAX_PKT];
	struct cb_net_pkt sp[64], rp[64];
	char where[160] = "";

	cb_clock_real_init(&clk);
	if (!open_or_skip(ops, &cfg, &a, &b))
		return;
	a.ops->describe(a.priv, where, sizeof(where));
	CU_ASSERT(where[0] != '\0');
	for (size_t len = 1; len <= MTU_PAYLOAD; len++) {
		one_packet(&a, &b, len, 0);
		one_packet(&b, &a, len, 1);
	}
	for (int dir = 0; dir < 2; dir++) {
		struct cb_transport *from = dir ? &b : &a, *to = dir ? &a : &b;

		for (int i = 0; i < 64; i++) {
			size_t len = 1 + (size_t)(i * 23) % MTU_PAYLOAD;

			memset(bufs[i], i + dir, len);
			sp[i] = (struct cb_net_pkt){.data = bufs[i], .len = len};
			rp[i] = (struct cb_net_pkt){.data = rx[i], .cap = sizeof(rx[i])};
		}
		CU_ASSERT_EQUAL(cb_transport_send(from, sp, 64), 64);
		CU_ASSERT_EQUAL_FATAL(cb_test_recv_all(to, rp, 64), 64);
		for (int i = 0; i < 64; i++) {
			CU_ASSERT_EQUAL(rp[i].len, sp[i].len);
			CU_ASSERT_EQUAL(rp[i].data[0], (uint8_t)(i + dir));
			CU_ASSERT_EQUAL(rp[i].data[rp[i].len - 1], (uint8_t)(i + dir));
		}
	}
	CU_ASSERT_EQUAL(cb_transport_recv(&a, rp, 1, 0), 0);
	CU_ASSERT_EQUAL(cb_transport_recv(&b, rp, 1, 0), 0);
	cb_transport_close(&a);
	cb_transport_close(&b);
	cb_transport_close(&b); /* twice is harmless */
}

static void test_every_transport_roundtrip(void)
{
	const struct cb_transport_ops *ops;
	size_t it = 0;

	while ((ops = cb_transport_iterate(&it)))
		roundtrip(ops);
}

static cb_ns thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (cb_ns)ts.tv_sec * CB_NS_PER_S + ts.tv_nsec;
}

struct late_send {
	struct cb_transport *from;
	cb_ns delay;
	int rc;
};

static void *send_later(void *arg)
{
	struct late_send *l = arg;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)l->delay};
	uint8_t byte = 42;
	struct cb_net_pkt p = {.data = &byte, .len = 1};

	nanosleep(&ts, NULL);
	l->rc = cb_transport_send(l->from, &p, 1);
	return NULL;
}

/*
 * A receive call sleeps, to the nanosecond: an empty end's 300 us wait
 * lasts at least 300 us (it used to round down to no wait at all), a
 * 200 ms one costs the thread almost no CPU (a spinning receiver would
 * burn most of it: the bound is a tenth, for a loaded machine), and a
 * packet sent 30 ms into a 5 s wait ends it.  cb_transport_recv_until
 * counts a call that came back empty at its deadline apart from one that
 * looked without waiting.  Every transport; upper time bounds are
 * generous, for a shared machine.
 */
static void waits(const struct cb_transport_ops *ops)
{
	struct cb_transport a, b;
	struct cb_clock clk;
	struct cb_transport_cfg cfg = {.clock = &clk};
	uint8_t rx[CB_NET_MAX_PKT];
	struct cb_net_pkt rp = {.data = rx, .cap = sizeof(rx)};
	struct cb_recv_stats st = {0};
	struct late_send l;
	pthread_t th;
	cb_ns t0, cpu0, now;

	cb_clock_real_init(&clk);
	if (!open_or_skip(ops, &cfg, &a, &b))
		return;
	t0 = cb_clock_now(&clk);
	CU_ASSERT_EQUAL(cb_transport_recv(&b, &rp, 1, 300000), 0);
	now = cb_clock_now(&clk);
	CU_ASSERT(now - t0 >= 300000);
	CU_ASSERT(now - t0 < 200 * CB_NS_PER_MS);

	cpu0 = thread_cpu_ns();
	t0 = cb_clock_now(&clk);
	CU_ASSERT_EQUAL(cb_transport_recv(&b, &rp, 1, 200 * CB_NS_PER_MS), 0);
	CU_ASSERT(cb_clock_now(&clk) - t0 >= 200 * CB_NS_PER_MS);
	if (thread_cpu_ns() - cpu0 >= 20 * CB_NS_PER_MS)
		printf("\n      %s: %.1f ms of CPU in a 200 ms wait ", ops->name,
		       (double)(thread_cpu_ns() - cpu0) / 1e6);
	CU_ASSERT(thread_cpu_ns() - cpu0 < 20 * CB_NS_PER_MS);

	l = (struct late_send){.from = &a, .delay = 30 * CB_NS_PER_MS};
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, send_later, &l), 0);
	t0 = cb_clock_now(&clk);
	CU_ASSERT_EQUAL(cb_transport_recv_until(&b, &rp, 1, t0 + 5 * CB_NS_PER_S, &clk, &st), 1);
	now = cb_clock_now(&clk);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(l.rc, 1);
	CU_ASSERT_EQUAL(rp.len, 1);
	CU_ASSERT(now - t0 >= 30 * CB_NS_PER_MS);
	CU_ASSERT(now - t0 < 2 * CB_NS_PER_S);
	CU_ASSERT_EQUAL(st.with_packets, 1);
	CU_ASSERT_EQUAL(st.packets, 1);

	/* A deadline still ahead when the call is made (20 ms: a sanitizer
	 * build is slow between reading the clock and calling). */
	CU_ASSERT_EQUAL(
	    cb_transport_recv_until(&b, &rp, 1, cb_clock_now(&clk) + 20 * CB_NS_PER_MS, &clk, &st),
	    0);
	CU_ASSERT_EQUAL(st.at_deadline, 1);
	CU_ASSERT_EQUAL(cb_transport_recv_until(&b, &rp, 1, now, &clk, &st), 0);
	CU_ASSERT_EQUAL(st.early_empty, 1);
	CU_ASSERT_EQUAL(st.calls, 3);
	cb_transport_close(&a);
	cb_transport_close(&b);
}

static void test_every_transport_waits(void)
{
	const struct cb_transport_ops *ops;
	size_t it = 0;

	while ((ops = cb_transport_iterate(&it)))
		waits(ops);
}

static void test_registry(void)
{
	size_t it = 0;
	int n = 0;

	CU_ASSERT_PTR_NULL(cb_transport_find("carrier-pigeon"));
	CU_ASSERT_PTR_NOT_NULL(cb_transport_find("udp"));
	CU_ASSERT_PTR_NOT_NULL(cb_transport_find("mem"));
	while (cb_transport_iterate(&it))
		n++;
	CU_ASSERT(n >= 2);
	CU_ASSERT_EQUAL(cb_transport_open_pair(NULL, NULL, NULL, NULL), -EINVAL);
}

/*
 * A ring with no consumer takes exactly its 1024 slots, then a send waits
 * (bounded) and reports 0 sent rather than dropping or overwriting; once
 * drained, the packets come out in order and the ring takes more.
 */
static void test_mem_full(void)
{
	struct cb_transport a, b;
	struct cb_clock clk;
	struct cb_transport_cfg cfg = {.clock = &clk};
	static uint32_t seq[1100];
	static uint8_t rx[64][CB_NET_MAX_PKT];
	static struct cb_net_pkt sp[1100];
	struct cb_net_pkt rp[64];
	char where[64];
	size_t got = 0;

	cb_clock_real_init(&clk);
	CU_ASSERT_EQUAL_FATAL(cb_transport_open_pair(&cb_transport_mem, &cfg, &a, &b), 0);
	a.ops->describe(a.priv, where, sizeof(where));
	CU_ASSERT_STRING_EQUAL(where, "mem ring 1024 x 2048 B");
	CU_ASSERT(cb_transport_mem.caps & CB_NET_CAP_ZERO_SYSCALL);
	for (uint32_t i = 0; i < 1100; i++) {
		seq[i] = i;
		sp[i] = (struct cb_net_pkt){.data = (uint8_t *)&seq[i], .len = sizeof(seq[i])};
	}
	CU_ASSERT_EQUAL(cb_transport_send(&a, sp, 1000), 1000);
	CU_ASSERT_EQUAL(cb_transport_send(&a, sp + 1000, 100), 24);
	CU_ASSERT_EQUAL(cb_transport_send(&a, sp + 1024, 1), 0);
	/* The other direction is a ring of its own and is still empty. */
	CU_ASSERT_EQUAL(cb_transport_recv(&a, rp, 1, 0), 0);
	while (got < 1024) {
		int n;

		for (int i = 0; i < 64; i++)
			rp[i] = (struct cb_net_pkt){.data = rx[i], .cap = sizeof(rx[i])};
		n = cb_transport_recv(&b, rp, 64, 0);
		CU_ASSERT_FATAL(n > 0);
		for (int i = 0; i < n; i++) {
			uint32_t v;

			CU_ASSERT_EQUAL(rp[i].len, sizeof(v));
			memcpy(&v, rp[i].data, sizeof(v));
			CU_ASSERT_EQUAL(v, got + (size_t)i);
			CU_ASSERT_EQUAL(rp[i].t_kernel, CB_NS_NONE);
		}
		got += (size_t)n;
	}
	CU_ASSERT_EQUAL(cb_transport_recv(&b, rp, 64, 0), 0);
	CU_ASSERT_EQUAL(cb_transport_send(&a, sp + 1024, 76), 76);
	/* A packet larger than the receiver's buffer arrives empty, not cut. */
	rp[0] = (struct cb_net_pkt){.data = rx[0], .cap = 2};
	CU_ASSERT_EQUAL(cb_transport_recv(&b, rp, 1, 0), 1);
	CU_ASSERT_EQUAL(rp[0].len, 0);
	/* Arguments are checked before anything is placed in the ring. */
	sp[0].len = CB_NET_MAX_PKT + 1;
	CU_ASSERT_EQUAL(cb_transport_send(&a, sp, 2), -EINVAL);
	cb_transport_close(&a);
	cb_transport_close(&b);
	cb_transport_close(&a);
}

#define STREAM_PACKETS 1000000u
#define STREAM_PATTERN 4096

struct stream {
	struct cb_transport a, b;
	uint8_t pattern[STREAM_PATTERN];
	int send_err;
	size_t received, lost_or_reordered, corrupted, bad_len;
	int recv_err;
};

/* The length and content of packet `seq`: a sequence number, then bytes
 * of a fixed pattern from an offset that depends on the number. */
static size_t stream_len(uint32_t seq)
{
	return sizeof(uint32_t) + (seq * 7919u) % (MTU_PAYLOAD - sizeof(uint32_t) + 1);
}

static void *stream_producer(void *arg)
{
	struct stream *s = arg;
	static uint8_t bufs[37][CB_NET_MAX_PKT];
	struct cb_net_pkt p[37];
	uint32_t seq = 0;

	while (seq < STREAM_PACKETS) {
		size_t k = 1 + seq % 37, off = 0;

		if (k > STREAM_PACKETS - seq)
			k = STREAM_PACKETS - seq;
		for (size_t i = 0; i < k; i++) {
			uint32_t q = seq + (uint32_t)i;
			size_t len = stream_len(q);

			memcpy(bufs[i], &q, sizeof(q));
			memcpy(bufs[i] + sizeof(q), s->pattern + q % 2048, len - sizeof(q));
			p[i] = (struct cb_net_pkt){.data = bufs[i], .len = len};
		}
		/* A full ring makes send return early; the rest is sent again. */
		while (off < k) {
			int rc = cb_transport_send(&s->a, p + off, k - off);

			if (rc < 0) {
				s->send_err = rc;
				return NULL;
			}
			off += (size_t)rc;
		}
		seq += (uint32_t)k;
	}
	return NULL;
}

static void *stream_consumer(void *arg)
{
	struct stream *s = arg;
	static uint8_t bufs[64][CB_NET_MAX_PKT];
	struct cb_net_pkt p[64];
	uint32_t expect = 0;
	int idle = 0;

	/* The idle limit only keeps a broken ring from hanging the suite:
	 * 30 s without a single packet. */
	while (s->received < STREAM_PACKETS && idle < 300) {
		size_t want = 1 + s->received % 64;
		int n;

		for (size_t i = 0; i < want; i++)
			p[i] = (struct cb_net_pkt){.data = bufs[i], .cap = sizeof(bufs[i])};
		n = cb_transport_recv(&s->b, p, want, 100 * CB_NS_PER_MS);
		if (n < 0) {
			s->recv_err = n;
			return NULL;
		}
		idle = n ? 0 : idle + 1;
		for (int i = 0; i < n; i++) {
			uint32_t q;

			if (p[i].len < sizeof(q)) {
				s->bad_len++;
				continue;
			}
			memcpy(&q, p[i].data, sizeof(q));
			if (q != expect)
				s->lost_or_reordered++;
			expect = q + 1;
			if (p[i].len != stream_len(q))
				s->bad_len++;
			else if (memcmp(p[i].data + sizeof(q), s->pattern + q % 2048,
					p[i].len - sizeof(q)) != 0)
				s->corrupted++;
		}
		s->received += (size_t)n;
	}
	return NULL;
}

/*
 * A producer and a consumer thread exchange a million numbered packets,
 * about a thousand laps of the ring with the ring often full: none is lost,
 * reordered or corrupted.
 */
static void test_mem_stream(void)
{
	static struct stream s;
	struct cb_clock clk;
	struct cb_transport_cfg cfg = {.clock = &clk};
	pthread_t prod, cons;

	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < STREAM_PATTERN; i++)
		s.pattern[i] = (uint8_t)(i * 131 + (i >> 8) * 17 + 7);
	cb_clock_real_init(&clk);
	CU_ASSERT_EQUAL_FATAL(cb_transport_open_pair(&cb_transport_mem, &cfg, &s.a, &s.b), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&cons, NULL, stream_consumer, &s), 0);
	if (pthread_create(&prod, NULL, stream_producer, &s) != 0) {
		CU_FAIL("cannot start the producer");
		cb_transport_close(&s.a); /* the consumer gives up after its idle limit */
	} else {
		pthread_join(prod, NULL);
	}
	pthread_join(cons, NULL);
	CU_ASSERT_EQUAL(s.send_err, 0);
	CU_ASSERT_EQUAL(s.recv_err, 0);
	CU_ASSERT_EQUAL(s.received, STREAM_PACKETS);
	CU_ASSERT_EQUAL(s.lost_or_reordered, 0);
	CU_ASSERT_EQUAL(s.bad_len, 0);
	CU_ASSERT_EQUAL(s.corrupted, 0);
	cb_transport_close(&s.a);
	cb_transport_close(&s.b);
}

/*
 * udp stamps each packet with the kernel's receive time, moved onto the run
 * clock: it must come before the application's stamp and be close to it.
 * The 1 s bound checks the realtime-to-monotonic conversion (an error there
 * is off by decades), not how fast anything is.
 */
static void test_udp_kernel_ts(void)
{
	struct cb_transport a, b;
	struct cb_clock clk;
	struct cb_transport_cfg cfg = {.clock = &clk};
	uint8_t tx[100] = {1}, rx[8][CB_NET_MAX_PKT];
	struct cb_net_pkt sp[8], rp[8];

	CU_ASSERT(cb_transport_udp.caps & CB_NET_CAP_KERNEL_TS);
	cb_clock_real_init(&clk);
	CU_ASSERT_EQUAL_FATAL(cb_transport_open_pair(&cb_transport_udp, &cfg, &a, &b), 0);
	for (int i = 0; i < 8; i++) {
		sp[i] = (struct cb_net_pkt){.data = tx, .len = sizeof(tx)};
		rp[i] = (struct cb_net_pkt){.data = rx[i], .cap = sizeof(rx[i])};
	}
	CU_ASSERT_EQUAL(cb_transport_send(&a, sp, 8), 8);
	CU_ASSERT_EQUAL_FATAL(cb_test_recv_all(&b, rp, 8), 8);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_NOT_EQUAL_FATAL(rp[i].t_kernel, CB_NS_NONE);
		CU_ASSERT(rp[i].t_kernel <= rp[i].t_recv);
		CU_ASSERT(rp[i].t_recv - rp[i].t_kernel < CB_NS_PER_S);
	}
	cb_transport_close(&a);
	cb_transport_close(&b);
}

/*
 * A peer opens its end alone, bound to its own address, and learns the
 * other's later: two udp ends opened apart on 127.0.0.1 and on ::1, each
 * connected to the other's bound address, carry packets both ways; a
 * connected end takes nothing from a third socket.
 */
static void ends_apart(const char *host)
{
	struct cb_transport a, b, c;
	struct cb_clock clk;
	char why[160] = "", where[160];
	struct cb_transport_cfg cfg = {.clock = &clk, .why = why, .why_len = sizeof(why)};
	struct cb_net_addr local, la, lb;
	struct cb_net_pkt rp;
	uint8_t rx[64], junk[16] = {0x80};
	int rc;

	cb_clock_real_init(&clk);
	CU_ASSERT_EQUAL_FATAL(cb_net_addr_from(host, 0, &local), 0);
	rc = cb_transport_open_end(&cb_transport_udp, &cfg, &local, &a);
	if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
		printf("\n      skipped: %s: %s ", host, why);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(cb_transport_open_end(&cb_transport_udp, &cfg, &local, &b), 0);
	CU_ASSERT_EQUAL_FATAL(cb_transport_open_end(&cb_transport_udp, &cfg, &local, &c), 0);
	CU_ASSERT_EQUAL(cb_transport_local(&a, &la), 0);
	CU_ASSERT_EQUAL(cb_transport_local(&b, &lb), 0);
	CU_ASSERT(cb_net_addr_port(&la) != 0);
	CU_ASSERT(cb_net_addr_port(&la) != cb_net_addr_port(&lb));
	CU_ASSERT_EQUAL(cb_transport_connect(&a, &lb), 0);
	CU_ASSERT_EQUAL(cb_transport_connect(&b, &la), 0);
	CU_ASSERT_EQUAL(cb_transport_connect(&c, &lb), 0); /* c sends to b, b does not know c */
	a.ops->describe(a.priv, where, sizeof(where));
	CU_ASSERT(strstr(where, host) != NULL);
	for (size_t len = 1; len <= MTU_PAYLOAD; len += 97) {
		one_packet(&a, &b, len, 0);
		one_packet(&b, &a, len, 1);
	}
	{
		struct cb_net_pkt sp = {.data = junk, .len = sizeof(junk)};

		CU_ASSERT_EQUAL(cb_transport_send(&c, &sp, 1), 1);
	}
	rp = (struct cb_net_pkt){.data = rx, .cap = sizeof(rx)};
	CU_ASSERT_EQUAL(cb_transport_recv(&b, &rp, 1, 50 * CB_NS_PER_MS), 0);
	cb_transport_close(&a);
	cb_transport_close(&b);
	cb_transport_close(&c);
}

static void test_udp_ends_apart(void)
{
	ends_apart("127.0.0.1");
	ends_apart("::1");
}

/* Transports whose ends only come in pairs say so. */
static void test_pair_only_transports(void)
{
	struct cb_transport t;
	struct cb_clock clk;
	char why[160] = "";
	struct cb_transport_cfg cfg = {.clock = &clk, .why = why, .why_len = sizeof(why)};
	struct cb_net_addr local;

	cb_clock_real_init(&clk);
	cb_net_addr_from("127.0.0.1", 0, &local);
	CU_ASSERT_EQUAL(cb_transport_open_end(&cb_transport_mem, &cfg, &local, &t),
			CB_E_UNSUPPORTED);
	CU_ASSERT(strstr(why, "mem") != NULL);
	CU_ASSERT_PTR_NULL(t.ops);
}

static void test_addr(void)
{
	static const char *const good[][2] = {
	    {"127.0.0.1:0", "127.0.0.1:0"},
	    {"198.18.0.2:5004", "198.18.0.2:5004"},
	    {"[::1]:65535", "[::1]:65535"},
	    {"[fe80::1]:9", "[fe80::1]:9"},
	    {"[::ffff:1.2.3.4]:1", "[::ffff:1.2.3.4]:1"},
	};
	static const char *const bad[] = {
	    "",
	    "127.0.0.1",
	    "127.0.0.1:",
	    "127.0.0.1:65536",
	    "127.0.0.1:-1",
	    "127.0.0.1:1x",
	    ":80",
	    "localhost:80",
	    "::1:80",
	    "[::1]80",
	    "[::1",
	    "[127.0.0.1]:80",
	    "1.2.3:4",
	    "[]:1",
	    "127.0.0.1:0x10",
	};
	struct cb_net_addr a, b;
	char buf[CB_NET_ADDR_STRLEN], why[160];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL(cb_net_addr_parse(good[i][0], &a, why, sizeof(why)), 0);
		cb_net_addr_format(&a, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, good[i][1]);
		CU_ASSERT_EQUAL(cb_net_addr_parse(buf, &b, NULL, 0), 0);
		CU_ASSERT(cb_net_addr_equal(&a, &b));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		if (cb_net_addr_parse(bad[i], &a, why, sizeof(why)) == 0)
			printf("\n      accepted '%s' ", bad[i]);
		CU_ASSERT_EQUAL(cb_net_addr_parse(bad[i], &a, why, sizeof(why)), -EINVAL);
		CU_ASSERT(why[0] != '\0');
		CU_ASSERT_EQUAL(cb_net_addr_family(&a), AF_UNSPEC);
	}
	CU_ASSERT_EQUAL(cb_net_addr_parse("127.0.0.1:5004", &a, NULL, 0), 0);
	CU_ASSERT_EQUAL(cb_net_addr_port(&a), 5004);
	CU_ASSERT_EQUAL(cb_net_addr_parse("127.0.0.1:5005", &b, NULL, 0), 0);
	CU_ASSERT_FALSE(cb_net_addr_equal(&a, &b));
}

int cb_suite_transport(void)
{
	static const struct cb_test_case cases[] = {
	    {"registry", test_registry},
	    {"addresses: HOST:PORT and [IPv6]:PORT, numeric only", test_addr},
	    {"udp: ends opened apart, on 127.0.0.1 and ::1, take only their peer",
	     test_udp_ends_apart},
	    {"transports whose ends come in pairs say so", test_pair_only_transports},
	    {"every transport carries every size up to the MTU, both ways, batches in order",
	     test_every_transport_roundtrip},
	    {"every transport sleeps to the ns until a packet or the timeout, counted",
	     test_every_transport_waits},
	    {"mem: a full ring waits rather than drops, then drains in order", test_mem_full},
	    {"mem: a million packets across a thousand laps, none lost or corrupted",
	     test_mem_stream},
	    {"udp: kernel receive stamps come before and near the application's",
	     test_udp_kernel_ts},
	    {NULL, NULL},
	};
	return cb_add_suite("transport", cases);
}
