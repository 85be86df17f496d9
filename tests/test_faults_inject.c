/*
 * Suite "faults_inject": packets from another process injected into a
 * running call's receiving UDP port are refused, counted, and change none
 * of the call's figures.
 *
 * The receiving socket is connected to the sender's, so the kernel itself
 * drops datagrams from any other address (checked first, from a socket
 * bound to 127.0.0.1 port 0).  To reach the receiver an attacker must spoof
 * the sender's address and port; as root this test does so with a raw
 * socket (IP_HDRINCL), after capturing a few of the call's own SRTP packets
 * with another: garbage that is not RTP, packets cut below an RTP header,
 * unknown payload types, RTCP garbage, valid-looking RTP under foreign
 * SSRCs, the captured packets replayed, forged (the stream's SSRC, a
 * sequence number ahead, a damaged payload), the same cut short, and a
 * flood of 10 000 mixed ones.  Every category has an exact count in
 * summary.json; the kernel must drop none (the flood is paced by the
 * socket's queue in /proc/net/udp, not by time), and the call must look
 * like an uninjected run of the same settings.  The ports come from the
 * program's --log-level info line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "child.h"
#include "faults.h"
#include "report_check.h"
#include "test_util.h"

#define PT_VIDEO 96
#define PT_AUDIO 111
#define PT_RTX	 97

struct captured {
	uint8_t data[1500];
	size_t len;
};

/* What was sent, by where it must be counted. */
struct expect {
	long stray_truncated, stray_malformed, stray_unknown_pt, rtcp_rejected;
	long foreign[2], replay[2], auth_or_malformed[2]; /* [0] video, [1] audio */
	long auth_or_replay[2]; /* exactly half the sequence space away: either */
	long total;
};

/* rx_queue and drops of the UDP socket bound to 127.0.0.1:`port`; -1 if none. */
static int udp_queue(unsigned port, long *rx_queue, long *drops)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512];
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned sl, la, lp, ra, rp, st;
		unsigned long txq, rxq;
		char *last;

		if (sscanf(line, " %u: %x:%x %x:%x %x %lx:%lx", &sl, &la, &lp, &ra, &rp, &st, &txq,
			   &rxq) != 8 ||
		    lp != port)
			continue;
		line[strcspn(line, "\n")] = 0;
		last = strrchr(line, ' ');
		*rx_queue = (long)rxq;
		*drops = last ? strtol(last + 1, NULL, 10) : 0;
		found = 0;
	}
	fclose(f);
	return found;
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One UDP datagram from 127.0.0.1:`sport` to 127.0.0.1:`dport`, spoofed. */
static int raw_send(int fd, uint16_t sport, uint16_t dport, const uint8_t *pay, size_t len,
		    uint16_t id)
{
	uint8_t pkt[28 + 4096];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	size_t tot = 28 + len;
	uint16_t c;

	if (len > sizeof(pkt) - 28)
		return -1;
	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(tot >> 8);
	pkt[3] = (uint8_t)tot;
	pkt[4] = (uint8_t)(id >> 8);
	pkt[5] = (uint8_t)id;
	pkt[6] = 0x40; /* DF */
	pkt[8] = 64;
	pkt[9] = 17;
	pkt[12] = pkt[16] = 127;
	pkt[15] = pkt[19] = 1;
	c = ip_csum(pkt, 20);
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	pkt[20] = (uint8_t)(sport >> 8);
	pkt[21] = (uint8_t)sport;
	pkt[22] = (uint8_t)(dport >> 8);
	pkt[23] = (uint8_t)dport;
	pkt[24] = (uint8_t)((8 + len) >> 8);
	pkt[25] = (uint8_t)(8 + len);
	/* UDP checksum 0: none, which IPv4 allows. */
	if (len)
		memcpy(pkt + 28, pay, len);
	return sendto(fd, pkt, tot, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)tot ? 0 : -1;
}

static void fill(uint64_t *rng, uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)cb_test_rand(rng);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A random SSRC that is neither stream's. */
static uint32_t foreign_ssrc(uint64_t *rng, const uint32_t ssrc[2])
{
	uint32_t s;

	do
		s = (uint32_t)cb_test_rand(rng);
	while (s == ssrc[0] || s == ssrc[1]);
	return s;
}

/* Build one packet of kind `k` into `p`; returns its length and counts it. */
enum kind { K_NOT_RTP, K_SHORT, K_CUT, K_UNKNOWN_PT, K_RTCP, K_FOREIGN_V, K_FOREIGN_A, K_COUNT };

static size_t make(enum kind k, uint64_t *rng, const uint32_t ssrc[2], uint8_t *p, struct expect *e)
{
	static const uint8_t unknown_pts[] = {0, 8, 9, 34, 100, 120, 127};
	size_t len;

	switch (k) {
	case K_NOT_RTP:
		len = 12 + cb_test_rand(rng) % 400;
		fill(rng, p, len);
		p[0] = (uint8_t)((p[0] & 0x3f) | (uint8_t)(cb_test_rand(rng) % 3 == 0 ? 0x00
							   : cb_test_rand(rng) % 2    ? 0x40
										      : 0xc0));
		e->stray_malformed++;
		break;
	case K_SHORT:
		len = cb_test_rand(rng) % 12;
		fill(rng, p, len);
		e->stray_malformed++;
		break;
	case K_CUT:
		/* larger than the receiver's 2048-byte buffer: cut by recvmmsg */
		len = 2049 + cb_test_rand(rng) % 2000;
		fill(rng, p, len);
		e->stray_truncated++;
		break;
	case K_UNKNOWN_PT:
		len = 12 + cb_test_rand(rng) % 300;
		fill(rng, p, len);
		p[0] = 0x80;
		p[1] =
		    (uint8_t)((p[1] & 0x80) | unknown_pts[cb_test_rand(rng) % sizeof(unknown_pts)]);
		e->stray_unknown_pt++;
		break;
	case K_RTCP:
		/* From 12 bytes: anything shorter is no RTP header either, and
		 * no SRTCP packet (8 + 4 + a tag) is that short. */
		len = 12 + cb_test_rand(rng) % 200;
		fill(rng, p, len);
		p[0] = 0x80;
		p[1] = (uint8_t)(200 + cb_test_rand(rng) % 5);
		e->rtcp_rejected++;
		break;
	default: {
		int a = k == K_FOREIGN_A;
		uint32_t s = foreign_ssrc(rng, ssrc);

		len = 12 + 20 + cb_test_rand(rng) % 1000;
		fill(rng, p, len);
		p[0] = 0x80;
		p[1] = (uint8_t)((p[1] & 0x80) | (a ? PT_AUDIO : PT_VIDEO));
		p[8] = (uint8_t)(s >> 24);
		p[9] = (uint8_t)(s >> 16);
		p[10] = (uint8_t)(s >> 8);
		p[11] = (uint8_t)s;
		e->foreign[a]++;
		break;
	}
	}
	e->total++;
	return len;
}

/*
 * Send, keeping the receiver's queue short so that the kernel never drops:
 * past 512 KB waiting, wait (polling the queue) until it drains.  0, or -1
 * when the queue does not drain in 10 s.
 */
static int paced_send(int fd, unsigned sport, unsigned dport, const uint8_t *p, size_t len,
		      uint16_t id)
{
	long q = 0, drops = 0;
	double end;

	if ((id & 63) == 0) {
		end = cb_now_s() + 10;
		while (udp_queue(dport, &q, &drops) == 0 && q > 512 * 1024) {
			if (cb_now_s() > end)
				return -1;
			cb_sleep_s(0.0005);
		}
	}
	return raw_send(fd, (uint16_t)sport, (uint16_t)dport, p, len, id);
}

/*
 * Capture the call's own packets (sender port -> receiver port) until
 * `want` video and audio ones are in; their SSRCs into `ssrc`.
 */
static void capture(unsigned sport, unsigned dport, struct captured *v, size_t *nv,
		    struct captured *a, size_t *na, size_t want, uint32_t ssrc[2])
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
	double end = cb_now_s() + 10;
	uint8_t buf[2048];

	*nv = *na = 0;
	if (fd < 0)
		return;
	while ((*nv < want || *na < want) && cb_now_s() < end) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;
		size_t ihl, plen;
		const uint8_t *pay;
		int pt;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 28)
			continue;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if ((size_t)n < ihl + 8 + 12 || (unsigned)(buf[ihl] << 8 | buf[ihl + 1]) != sport ||
		    (unsigned)(buf[ihl + 2] << 8 | buf[ihl + 3]) != dport)
			continue;
		pay = buf + ihl + 8;
		plen = (size_t)n - ihl - 8;
		pt = pay[1] & 0x7f;
		if (pt == PT_VIDEO && *nv < want) {
			memcpy(v[*nv].data, pay, plen);
			v[(*nv)++].len = plen;
			ssrc[0] = be32(pay + 8);
		} else if (pt == PT_AUDIO && *na < want) {
			memcpy(a[*na].data, pay, plen);
			a[(*na)++].len = plen;
			ssrc[1] = be32(pay + 8);
		}
	}
	close(fd);
}

/* A captured packet with its sequence number moved `ahead` and its payload
 * damaged, cut to `cut` bytes when non-zero. */
static size_t forge(const struct captured *c, uint16_t ahead, size_t cut, uint8_t *p)
{
	uint16_t seq;

	memcpy(p, c->data, c->len);
	seq = (uint16_t)((p[2] << 8 | p[3]) + ahead);
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[c->len / 2] ^= 0x5a;
	return cut ? cut : c->len;
}

static json_int_t jint(json_t *root, const char *a, const char *b, const char *c, const char *d)
{
	json_t *j = json_object_get(root, a);

	if (b)
		j = json_object_get(j, b);
	if (c)
		j = json_object_get(j, c);
	if (d)
		j = json_object_get(j, d);
	return json_is_integer(j) ? json_integer_value(j) : -1;
}

static const char *jband(json_t *root, const char *media)
{
	const char *s = json_string_value(json_object_get(
	    json_object_get(json_object_get(json_object_get(root, "media"), media), "verdict"),
	    "band"));

	return s ? s : "?";
}

/* The call's own figures: every frame through and identified, no loss,
 * nothing extra; and the same band as the uninjected run. */
static void check_figures(json_t *root, json_t *base, const char *what)
{
	static const char *const media[] = {"video", "audio"};

	for (int i = 0; i < 2; i++) {
		json_t *m = json_object_get(json_object_get(root, "media"), media[i]);
		double pct = json_number_value(json_object_get(m, "identified_pct"));

		FX_EXPECT(pct == 100, "%s: %s identified_pct %g", what, media[i], pct);
		FX_EXPECT(jint(root, "media", media[i], "counts", "mismatches") == 0,
			  "%s: %s mismatches", what, media[i]);
		FX_EXPECT(jint(root, "media", media[i], "packets", "lost") == 0, "%s: %s lost %lld",
			  what, media[i],
			  (long long)jint(root, "media", media[i], "packets", "lost"));
		FX_EXPECT(jint(root, "media", media[i], "packets", "received") ==
			      jint(root, "media", media[i], "packets", "sent"),
			  "%s: %s received %lld of %lld", what, media[i],
			  (long long)jint(root, "media", media[i], "packets", "received"),
			  (long long)jint(root, "media", media[i], "packets", "sent"));
		FX_EXPECT(jint(root, "media", media[i], "counts", "identified") <=
			      jint(root, "media", media[i], "counts", "captured"),
			  "%s: %s more frames identified than captured", what, media[i]);
		if (base)
			FX_EXPECT(!strcmp(jband(root, media[i]), jband(base, media[i])),
				  "%s: %s band %s, uninjected %s", what, media[i],
				  jband(root, media[i]), jband(base, media[i]));
	}
}

/* Run a real call `id` and, while it runs, `inject` (NULL: nothing). */
static json_t *run_call(const struct cb_fx *f, const char *id, int inject, uint64_t *rng,
			struct expect *e, long *drops_out)
{
	struct cb_args a;
	struct cb_child c;
	char dir[700], path[800], why[512] = "";
	json_t *root = NULL;
	unsigned sport = 0, dport = 0;

	snprintf(dir, sizeof(dir), "%s/%s", f->out, id);
	cb_args_run(&a, f, NULL, id, "real", "2.5");
	cb_args_add(&a, "--seed");
	cb_args_add(&a, "5");
	CU_ASSERT_FATAL(cb_child_start(&c, f->root, id, a.v, NULL, NULL) == 0);
	if (inject) {
		static struct captured v[24], au[24];
		static uint8_t p[4096];
		size_t nv = 0, na = 0;
		uint32_t ssrc[2] = {0, 0};
		long q0 = 0, d0 = 0, q1 = 0, d1 = 0;
		uint16_t id16 = 1;
		int raw, udp, sent_ok = 1;
		char *err;
		const char *at;

		FX_EXPECT(cb_child_wait_text(&c, "receiver udp 127.0.0.1:", 30),
			  "%s: the receiving port was not logged", id);
		err = cb_child_stderr(&c);
		at = strstr(err, "sender udp 127.0.0.1:");
		FX_EXPECT(at && sscanf(at, "sender udp 127.0.0.1:%u -> 127.0.0.1:%u", &sport,
				       &dport) == 2,
			  "%s: cannot read the ports from: %s", id, err);
		free(err);
		capture(sport, dport, v, &nv, au, &na, 24, ssrc);
		FX_EXPECT(nv == 24 && na == 24, "%s: captured %zu video, %zu audio packets", id, nv,
			  na);
		udp_queue(dport, &q0, &d0);

		/* From an ordinary socket: the connected receiver never sees these. */
		udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (udp >= 0) {
			struct sockaddr_in me = {.sin_family = AF_INET,
						 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
			struct sockaddr_in to = me;

			to.sin_port = htons((uint16_t)dport);
			if (bind(udp, (struct sockaddr *)&me, sizeof(me)) == 0)
				for (int i = 0; i < 100; i++) {
					size_t len =
					    make(K_FOREIGN_V, rng, ssrc, p, &(struct expect){0});

					sendto(udp, p, len, 0, (struct sockaddr *)&to, sizeof(to));
				}
			close(udp);
		}

		raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		FX_EXPECT(raw >= 0, "raw socket: %s", strerror(errno));
		for (int k = 0; raw >= 0 && k < K_COUNT; k++)
			for (int i = 0; i < 100; i++) {
				size_t len = make((enum kind)k, rng, ssrc, p, e);

				sent_ok &= paced_send(raw, sport, dport, p, len, id16++) == 0;
			}
		for (size_t i = 0; raw >= 0 && i < nv + na; i++) {
			int m = i >= nv;
			const struct captured *cp = m ? &au[i - nv] : &v[i];
			size_t cut = 12 + cb_test_rand(rng) % (cp->len - 12);

			/* replayed as captured */
			sent_ok &= paced_send(raw, sport, dport, cp->data, cp->len, id16++) == 0;
			e->replay[m]++;
			/* forged: the stream's SSRC, ahead, damaged; and cut short */
			sent_ok &=
			    paced_send(raw, sport, dport, p, forge(cp, 3000, 0, p), id16++) == 0;
			sent_ok &= paced_send(raw, sport, dport, p,
					      forge(cp, 4000 + (uint16_t)i, cut, p), id16++) == 0;
			e->auth_or_malformed[m] += 2;
			e->total += 3;
			/* forged 20000, 40000 and 60000 ahead, one after the
			 * other: once these walked the unwrap a whole lap on, and
			 * every later packet was "lost".  libsrtp takes the last
			 * two as 25536 and 5536 behind, and refuses a packet older
			 * than its replay window before it authenticates it. */
			for (int j = 0; j < 3; j++) {
				static const uint16_t ahead[3] = {20000, 40000, 60000};

				sent_ok &= paced_send(raw, sport, dport, p,
						      forge(cp, ahead[j], 0, p), id16++) == 0;
			}
			e->auth_or_malformed[m]++;
			e->replay[m] += 2;
			e->total += 3;
		}
		/* Exactly half the sequence space away: ahead or behind by where
		 * the stream's highest sequence number lies, for libsrtp too. */
		for (size_t i = 0; raw >= 0 && i < nv + na; i++) {
			int m = i >= nv;
			const struct captured *cp = m ? &au[i - nv] : &v[i];

			sent_ok &=
			    paced_send(raw, sport, dport, p, forge(cp, 32768, 0, p), id16++) == 0;
			e->auth_or_replay[m]++;
			e->total++;
		}
		/* The flood: 10 000 of the kinds above, mixed. */
		for (int i = 0; raw >= 0 && i < 10000; i++) {
			size_t len =
			    make((enum kind)(cb_test_rand(rng) % K_COUNT), rng, ssrc, p, e);

			sent_ok &= paced_send(raw, sport, dport, p, len, id16++) == 0;
		}
		if (raw >= 0)
			close(raw);
		FX_EXPECT(sent_ok, "%s: a spoofed send failed or the receiver stopped draining",
			  id);
		/* Everything sent was taken while the call still ran. */
		{
			double end = cb_now_s() + 10;

			while (udp_queue(dport, &q1, &d1) == 0 && q1 > 0 && cb_now_s() < end)
				cb_sleep_s(0.001);
		}
		FX_EXPECT(q1 == 0 && !cb_exists(dir),
			  "%s: the injection outlasted the call (queue %ld bytes)", id, q1);
		*drops_out = d1 - d0;
	}
	FX_EXPECT(cb_child_wait(&c, 60) == 0, "%s: did not end", id);
	cb_child_reap(&c);
	FX_EXPECT(cb_child_code(&c) == 0, "%s: exit %d", id, cb_child_code(&c));
	FX_EXPECT(cb_check_run_folder(dir, why, sizeof(why)) == 0, "%s: %s", id, why);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	root = json_load_file(path, 0, NULL);
	FX_EXPECT(root != NULL, "%s: no summary.json", id);
	return root;
}

static void test_injected_packets(void)
{
	static const char *const media[] = {"video", "audio"};
	struct cb_fx f;
	struct expect e = {0};
	uint64_t rng = cb_faults_seed ^ 0x696e6aULL;
	long drops = 0;
	json_t *base, *root;

	if (geteuid() != 0)
		CB_SKIP("spoofing the sender's address needs a raw socket (root)");
	if (cb_fx_open(&f, "inject") < 0)
		CB_SKIP("build/callbench not built");
	base = run_call(&f, "plain", 0, &rng, &e, &drops);
	root = run_call(&f, "injected", 1, &rng, &e, &drops);
	if (base)
		check_figures(base, NULL, "uninjected");
	if (root && base) {
		check_figures(root, base, "injected");
		FX_EXPECT(drops == 0, "the kernel dropped %ld datagrams", drops);
		FX_EXPECT(jint(root, "stray", "truncated", NULL, NULL) == e.stray_truncated,
			  "stray.truncated %lld, sent %ld",
			  (long long)jint(root, "stray", "truncated", NULL, NULL),
			  e.stray_truncated);
		FX_EXPECT(jint(root, "stray", "malformed", NULL, NULL) == e.stray_malformed,
			  "stray.malformed %lld, sent %ld",
			  (long long)jint(root, "stray", "malformed", NULL, NULL),
			  e.stray_malformed);
		FX_EXPECT(jint(root, "stray", "unknown_payload_type", NULL, NULL) ==
			      e.stray_unknown_pt,
			  "stray.unknown_payload_type %lld, sent %ld",
			  (long long)jint(root, "stray", "unknown_payload_type", NULL, NULL),
			  e.stray_unknown_pt);
		FX_EXPECT(jint(root, "recovery", "rtcp_rejected", NULL, NULL) ==
			      jint(base, "recovery", "rtcp_rejected", NULL, NULL) + e.rtcp_rejected,
			  "recovery.rtcp_rejected %lld, sent %ld",
			  (long long)jint(root, "recovery", "rtcp_rejected", NULL, NULL),
			  e.rtcp_rejected);
		for (int i = 0; i < 2; i++) {
			json_int_t fo =
			    jint(root, "media", media[i], "packets", "rejected_foreign");
			json_int_t re = jint(root, "media", media[i], "packets", "rejected_replay");
			json_int_t au = jint(root, "media", media[i], "packets", "rejected_auth");
			json_int_t ma =
			    jint(root, "media", media[i], "packets", "rejected_malformed");
			json_int_t all = jint(root, "media", media[i], "packets", "rejected");

			FX_EXPECT(fo == e.foreign[i], "%s rejected_foreign %lld, sent %ld",
				  media[i], (long long)fo, e.foreign[i]);
			FX_EXPECT(re >= e.replay[i] && re <= e.replay[i] + e.auth_or_replay[i],
				  "%s rejected_replay %lld, sent %ld (+ up to %ld)", media[i],
				  (long long)re, e.replay[i], e.auth_or_replay[i]);
			FX_EXPECT(
			    au + ma + re ==
				e.auth_or_malformed[i] + e.replay[i] + e.auth_or_replay[i],
			    "%s rejected_auth %lld + malformed %lld + replay %lld, forged %ld",
			    media[i], (long long)au, (long long)ma, (long long)re,
			    e.auth_or_malformed[i] + e.replay[i] + e.auth_or_replay[i]);
			FX_EXPECT(all == fo + re + au + ma, "%s rejected %lld is not the sum",
				  media[i], (long long)all);
		}
		/* Every category was sent (the flood alone has thousands of each). */
		FX_EXPECT(e.total > 10000 && e.foreign[0] && e.foreign[1] && e.stray_unknown_pt,
			  "only %ld packets injected", e.total);
	}
	json_decref(base);
	json_decref(root);
	cb_fx_close(&f);
}

int cb_suite_faults_inject(void)
{
	static const struct cb_test_case cases[] = {
	    {"packets injected into a running call are refused and counted", test_injected_packets},
	    {NULL, NULL},
	};

	cb_faults_seed_init();
	return cb_add_suite("faults_inject", cases);
}
