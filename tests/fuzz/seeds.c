/*
 * seeds.c — write the seed corpus of every fuzz target into
 * tests/fuzz/corpus/<target>/ (`make fuzz-seeds`): well-formed inputs built
 * with the library's own writers (the packets a call sends), the vectors
 * of the unit tests, and the project's fixtures.  Files are named by a
 * hash of their bytes, as libFuzzer names what it finds, so re-running
 * adds nothing twice.  Usage: seeds CORPUS_DIR FIXTURES_DIR
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/frame.h"
#include "report/sweep.h"
#include "rtp/payload.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtp/rtx.h"
#include "sdp/negotiate.h"
#include "srtp/srtp.h"

#include "fuzz_key.h"
#include "sdp_samples.h"
#include "signal/peer_msg.h"

struct seeds {
	const char *corpus, *fixtures;
	int err;
	size_t written;
};

struct buf {
	uint8_t d[1 << 17];
	size_t n;
};

static void put(struct seeds *s, const char *target, const uint8_t *d, size_t n)
{
	char path[PATH_MAX];
	uint64_t h = 1469598103934665603ull;
	FILE *f;

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 1099511628211ull;
	snprintf(path, sizeof(path), "%s/%s", s->corpus, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%016llx", s->corpus, target,
		 (unsigned long long)h);
	f = fopen(path, "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
		s->err = 1;
		return;
	}
	s->written++;
}

static void put_str(struct seeds *s, const char *target, const char *str)
{
	put(s, target, (const uint8_t *)str, strlen(str));
}

static void b_u8(struct buf *b, uint8_t v)
{
	if (b->n < sizeof(b->d))
		b->d[b->n++] = v;
}

static void b_u16(struct buf *b, uint16_t v)
{
	b_u8(b, (uint8_t)(v >> 8));
	b_u8(b, (uint8_t)v);
}

static void b_bytes(struct buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b_u8(b, p[i]);
}

/* A record as fz_record() reads it. */
static void b_record(struct buf *b, const uint8_t *p, size_t n)
{
	b_u16(b, (uint16_t)n);
	b_bytes(b, p, n);
}

static size_t rtp_packet(uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, int marker,
			 const uint8_t *payload, size_t plen, uint8_t *out, size_t room)
{
	struct cb_rtp_hdr h = {.pt = pt, .seq = seq, .ts = ts, .ssrc = ssrc, .marker = marker};
	size_t n = room;

	if (cb_rtp_write(&h, out, &n) || n + plen > room)
		return 0;
	memcpy(out + n, payload, plen);
	return n + plen;
}

static int pay_index(const char *name)
{
	size_t it = 0;
	int i = 0;
	const struct cb_pay_ops *ops;

	while ((ops = cb_pay_iterate(&it))) {
		if (!strcmp(ops->name, name))
			return i;
		i++;
	}
	return -1;
}

/* A frame of `kind` (0: key, 1: delta) in the format's bitstream shape. */
static size_t sample_frame(const char *fmt, int delta, uint8_t *out, size_t len)
{
	static const uint8_t sps[] = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8};
	static const uint8_t pps[] = {0x68, 0xce, 0x3c, 0x80};
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i * 37 + 11);
	if (!strcmp(fmt, "h264")) {
		if (!delta) {
			memcpy(out, "\0\0\0\1", 4);
			memcpy(out + 4, sps, sizeof(sps));
			n = 4 + sizeof(sps);
			memcpy(out + n, "\0\0\0\1", 4);
			memcpy(out + n + 4, pps, sizeof(pps));
			n += 4 + sizeof(pps);
		}
		memcpy(out + n, "\0\0\0\1", 4);
		out[n + 4] = delta ? 0x41 : 0x65;
		/* no start code inside the NAL unit */
		for (size_t i = n + 5; i < len; i++)
			if (out[i] == 0)
				out[i] = 0x5a;
		return len;
	}
	if (!strcmp(fmt, "vp8"))
		out[0] = delta ? 0x11 : 0x10; /* VP8 frame tag: bit 0 clear on a key frame */
	if (!strcmp(fmt, "vp9"))
		out[0] = delta ? 0x86 : 0x82; /* uncompressed header: frame marker, profile 0 */
	return len;
}

/* Packetize one frame into RTP packets appended as records (step before the first). */
static int frame_packets(const char *fmt, void *priv, uint16_t *seq, uint32_t ts, int delta,
			 size_t size, size_t max_payload, uint8_t step, struct buf *b, size_t skip,
			 int swap, uint8_t (*keep)[1500], size_t *keep_len, size_t *n_keep)
{
	const struct cb_pay_ops *ops = cb_pay_find(fmt);
	uint8_t frame[8192], pay[1500], pkt[1500], held[1500];
	size_t n_pkt = 0, plen, len, held_len = 0;
	int last = 0, rc;

	if (!ops || size > sizeof(frame))
		return -1;
	size = sample_frame(fmt, delta, frame, size);
	if (ops->begin(priv, frame, size, !delta))
		return -1;
	for (;;) {
		plen = sizeof(pay);
		rc = ops->next(priv, max_payload, pay, &plen, &last);
		if (rc != 1)
			break;
		len = rtp_packet(96, (*seq)++, ts, 0x1234abcd, last, pay, plen, pkt, sizeof(pkt));
		if (keep && *n_keep < 64) {
			memcpy(keep[*n_keep], pkt, len);
			keep_len[(*n_keep)++] = len;
		}
		if (n_pkt + 1 != skip) {
			if (swap && n_pkt == 0) {
				memcpy(held, pkt, len);
				held_len = len;
			} else {
				b_u8(b, n_pkt == 0 || (swap && n_pkt == 1) ? step : 0);
				b_record(b, pkt, len);
				if (held_len) {
					b_u8(b, 0);
					b_record(b, held, held_len);
					held_len = 0;
				}
			}
		}
		n_pkt++;
		if (last)
			break;
	}
	return rc < 0 ? -1 : 0;
}

static void seed_rtp_rtcp(struct seeds *s)
{
	uint8_t pkt[1500], rtx[1500], pay[200];
	size_t n, m;
	struct cb_rtcp_sr sr = {.ssrc = 0x1234abcd,
				.ntp = 0xe8a1b2c3d4e5f607ull,
				.rtp_ts = 90000,
				.packet_count = 300,
				.octet_count = 250000,
				.n_blocks = 1};
	struct cb_rtcp_rr rr = {.ssrc = 0x5678, .n_blocks = 1};
	struct cb_nack_entry ne[2] = {{.pid = 100, .blp = 0x8001}, {.pid = 65530, .blp = 0}};
	struct cb_fir_entry fe = {.ssrc = 0x1234abcd, .seq = 3};
	uint32_t bye_ssrc[2] = {0x1234abcd, 0x5678};

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)i;
	n = rtp_packet(96, 1000, 3000, 0x1234abcd, 1, pay, sizeof(pay), pkt, sizeof(pkt));
	put(s, "rtp", pkt, n);
	m = sizeof(rtx);
	if (cb_rtx_wrap(pkt, n, 0x9999, 97, 7, rtx, &m) == 0)
		put(s, "rtp", rtx, m);
	{ /* CSRCs, a one-byte-header extension (RFC 8285) and padding */
		struct cb_rtp_hdr h = {.pt = 111,
				       .seq = 65535,
				       .ts = 0xfffffff0,
				       .ssrc = 7,
				       .csrc_count = 2,
				       .csrc = {1, 2}};
		size_t k = sizeof(pkt);

		cb_rtp_write(&h, pkt, &k);
		pkt[0] |= 0x30; /* X and P */
		memcpy(pkt + k, "\xbe\xde\x00\x01\x10\xff\x00\x00", 8);
		memcpy(pkt + k + 8, pay, 20);
		memcpy(pkt + k + 28, "\0\0\0\4", 4);
		put(s, "rtp", pkt, k + 32);
	}
	sr.blocks[0] = (struct cb_rtcp_report_block){.ssrc = 0x5678,
						     .fraction_lost = 12,
						     .cumulative_lost = 40,
						     .ext_highest_seq = 70000,
						     .jitter = 90,
						     .lsr = 0x12345678,
						     .dlsr = 6553};
	rr.blocks[0] = sr.blocks[0];
	n = sizeof(pkt);
	if (cb_rtcp_build_report(&sr, NULL, "callbench@fuzz", pkt, &n) == 0)
		put(s, "rtcp", pkt, n);
	n = sizeof(pkt);
	if (cb_rtcp_build_report(NULL, &rr, "rx", pkt, &n) == 0) {
		put(s, "rtcp", pkt, n);
		m = sizeof(pkt) - n;
		if (cb_rtcp_build_nack(0x5678, 0x1234abcd, ne, 2, pkt + n, &m) == 0)
			put(s, "rtcp", pkt, n + m);
		m = sizeof(pkt) - n;
		if (cb_rtcp_build_pli(0x5678, 0x1234abcd, pkt + n, &m) == 0)
			put(s, "rtcp", pkt, n + m);
		m = sizeof(pkt) - n;
		if (cb_rtcp_build_fir(0x5678, &fe, 1, pkt + n, &m) == 0)
			put(s, "rtcp", pkt, n + m);
		m = sizeof(pkt) - n;
		if (cb_rtcp_build_bye(bye_ssrc, 2, "done", pkt + n, &m) == 0)
			put(s, "rtcp", pkt, n + m);
	}
}

static void seed_depay_rx(struct seeds *s)
{
	static const char *const video[] = {"vp8", "vp9", "h264"};
	static uint8_t keep[64][1500];
	size_t keep_len[64];
	struct buf *b = malloc(sizeof(*b));

	if (!b) {
		s->err = 1;
		return;
	}
	for (int f = 0; f < 3; f++) {
		for (int variant = 0; variant < 3; variant++) {
			uint16_t seq = (uint16_t)(variant == 2 ? 65530 : 100);
			size_t n_keep = 0;
			const struct cb_pay_ops *ops = cb_pay_find(video[f]);
			_Alignas(16) uint8_t priv[1024];

			/* one packetizer per stream: its picture ids run on */
			memset(priv, 0, sizeof(priv));
			if (!ops || ops->priv_size > sizeof(priv) ||
			    (ops->init && ops->init(priv))) {
				s->err = 1;
				break;
			}
			b->n = 0;
			b_u8(b, (uint8_t)f);
			for (int k = 0; k < 6; k++)
				frame_packets(video[f], priv, &seq, (uint32_t)k * 3000, k != 0,
					      k ? 1800 : 4000, 1000, 33, b,
					      variant == 1 && k == 2 ? 2 : 0,
					      variant == 2 && k == 3, keep, keep_len, &n_keep);
			put(s, "rxvideo", b->d, b->n);
			if (variant)
				continue;
			/* each payload alone, behind the depay target's format byte */
			for (size_t i = 0; i < n_keep; i += 2) {
				struct cb_rtp_hdr h;

				if (cb_rtp_parse(keep[i], keep_len[i], &h))
					continue;
				b->n = 0;
				b_u8(b, (uint8_t)pay_index(video[f]));
				b_bytes(b, h.payload, h.payload_len);
				put(s, "depay", b->d, b->n);
			}
		}
	}
	/* audio: 20 ms Opus packets in order, with a gap, reordered, bunched */
	for (int variant = 0; variant < 4; variant++) {
		uint8_t pay[80], pkt[200];

		b->n = 0;
		b_u8(b, (uint8_t)variant);
		for (int i = 0; i < 60; i++) {
			int k = variant == 2 && (i % 10 == 4)	? i + 1
				: variant == 2 && (i % 10 == 5) ? i - 1
								: i;
			size_t n;

			if (variant == 1 && i >= 20 && i < 23)
				continue;
			memset(pay, 0, sizeof(pay));
			pay[0] = 0x78; /* TOC: CELT-only FB 20 ms, one frame */
			pay[1] = (uint8_t)k;
			n = rtp_packet(111, (uint16_t)(5000 + k), (uint32_t)k * 960, 0xa0d10, 0,
				       pay, sizeof(pay), pkt, sizeof(pkt));
			b_u8(b, variant == 3 ? (i % 5 ? 0 : 100) : 20);
			b_record(b, pkt, n);
		}
		put(s, "rxaudio", b->d, b->n);
		if (variant == 0) {
			b->n = 0;
			b_u8(b, (uint8_t)pay_index("opus"));
			b_bytes(b, pay, sizeof(pay));
			put(s, "depay", b->d, b->n);
		}
	}
	free(b);
}

static void seed_srtp(struct seeds *s)
{
	struct buf *b = malloc(sizeof(*b));

	if (!b) {
		s->err = 1;
		return;
	}
	for (int p = 0; p < CB_SRTP_PROFILE_COUNT; p++) {
		struct cb_srtp *out = NULL;
		uint8_t pkt[1500], pay[300], first[1500];
		size_t n, plen, first_len = 0;
		struct cb_rtcp_sr sr = {.ssrc = 0x1234abcd, .ntp = 1ull << 40};

		if (cb_srtp_open(&out, (enum cb_srtp_profile)p, fuzz_srtp_key,
				 cb_srtp_key_len((enum cb_srtp_profile)p), CB_SRTP_OUTBOUND)) {
			s->err = 1;
			break;
		}
		b->n = 0;
		b_u8(b, (uint8_t)p);
		for (int i = 0; i < 8; i++) {
			memset(pay, i, sizeof(pay));
			n = rtp_packet(96, (uint16_t)(200 + i), (uint32_t)i * 3000, 0x1234abcd, 1,
				       pay, sizeof(pay), pkt, sizeof(pkt));
			if (cb_srtp_protect(out, pkt, n, sizeof(pkt), &plen))
				continue;
			if (!first_len) {
				memcpy(first, pkt, plen);
				first_len = plen;
			}
			b_record(b, pkt, plen);
			if (i == 3) {
				n = sizeof(pkt);
				if (cb_rtcp_build_report(&sr, NULL, "cname", pkt, &n) == 0 &&
				    cb_srtcp_protect(out, pkt, n, sizeof(pkt), &plen) == 0)
					b_record(b, pkt, plen);
			}
		}
		b_record(b, first, first_len); /* a replay */
		put(s, "srtp", b->d, b->n);
		cb_srtp_close(out);
	}
	free(b);
}

static void seed_frames(struct seeds *s)
{
	struct cb_frame_addr fa = {.src_mac = {2, 0, 0, 0, 0, 1},
				   .dst_mac = {2, 0, 0, 0, 0, 2},
				   .src_ip = 0xc6120001,
				   .dst_ip = 0xc6120002,
				   .src_port = 5004,
				   .dst_port = 5006};
	uint8_t pay[400], frame[1500];
	struct buf *b = malloc(sizeof(*b));

	if (!b) {
		s->err = 1;
		return;
	}
	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i ^ 0x5c);
	for (int v = 0; v < 3; v++) {
		size_t n = sizeof(frame);

		if (cb_frame_build_udp(&fa, 42, pay, v == 0 ? 12 : sizeof(pay), frame, &n))
			continue;
		if (v == 2)
			frame[CB_FRAME_ETH_LEN + 6] |= 0x20; /* IPv4 more-fragments */
		b->n = 0;
		b_bytes(b, fa.dst_mac, 6);
		b_u16(b, (uint16_t)(fa.dst_ip >> 16));
		b_u16(b, (uint16_t)fa.dst_ip);
		b_u16(b, fa.dst_port);
		b_bytes(b, frame, n);
		put(s, "xdpframe", b->d, b->n);
	}
	free(b);
}

static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	b->n = fread(b->d, 1, sizeof(b->d), f);
	fclose(f);
	return 0;
}

/* Every *`ext` file of `dir`, as is (mode < 0) or behind a mode byte and length. */
/* fuzz_callpair: two peers' halves of one call, as records: the pair both
 * ways, a half with itself, a half without the other. */
static void seed_callpair(struct seeds *s)
{
	struct buf *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *o = malloc(sizeof(*o));
	char pa[PATH_MAX], pb[PATH_MAX];

	snprintf(pa, sizeof(pa), "%s/calls/a/summary.json", s->fixtures);
	snprintf(pb, sizeof(pb), "%s/calls/b/summary.json", s->fixtures);
	if (!a || !b || !o || read_file(pa, a) || read_file(pb, b)) {
		fprintf(stderr, "seeds: %s, %s: cannot read\n", pa, pb);
		s->err = 1;
		goto out;
	}
	o->n = 0;
	b_record(o, a->d, a->n);
	b_record(o, b->d, b->n);
	put(s, "callpair", o->d, o->n);
	o->n = 0;
	b_record(o, b->d, b->n);
	b_record(o, a->d, a->n);
	put(s, "callpair", o->d, o->n);
	o->n = 0;
	b_record(o, a->d, a->n);
	b_record(o, a->d, a->n);
	put(s, "callpair", o->d, o->n);
	o->n = 0;
	b_record(o, a->d, a->n);
	b_record(o, (const uint8_t *)"{}", 2);
	put(s, "callpair", o->d, o->n);
out:
	free(a);
	free(b);
	free(o);
}

static void seed_dir(struct seeds *s, const char *dir, const char *ext, const char *target,
		     int mode)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf *b = malloc(sizeof(*b)), *o = malloc(sizeof(*o));
	char path[PATH_MAX];

	if (!d || !b || !o) {
		fprintf(stderr, "seeds: %s: cannot read\n", dir);
		s->err = 1;
		goto out;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), x = strlen(ext);

		if (l <= x || strcmp(e->d_name + l - x, ext))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_file(path, b))
			continue;
		if (mode < 0) {
			put(s, target, b->d, b->n);
			continue;
		}
		o->n = 0;
		b_u8(o, (uint8_t)mode);
		b_record(o, b->d, b->n);
		put(s, target, o->d, o->n);
	}
out:
	if (d)
		closedir(d);
	free(b);
	free(o);
}

static void seed_sweep(struct seeds *s)
{
	static const char *const codecs[] = {"vp8", "h264"};
	struct cb_sweep sw;
	char dir[] = "/tmp/cb-seeds-XXXXXX", path[PATH_MAX];
	struct buf *b = malloc(sizeof(*b)), *o = malloc(sizeof(*o)), *c = malloc(sizeof(*c));

	memset(&sw, 0, sizeof(sw));
	if (!b || !o || !c || !mkdtemp(dir)) {
		s->err = 1;
		goto out;
	}
	snprintf(sw.id, sizeof(sw.id), "seed");
	if (cb_sweep_axis_add(&sw, "video-codec", codecs, 2) || cb_sweep_plan(&sw) ||
	    cb_sweep_json_write(&sw, dir)) {
		s->err = 1;
		goto rm;
	}
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	if (read_file(path, b))
		goto rm;
	/* the cell's summary: the clean baseline */
	snprintf(path, sizeof(path), "%s/baselines/clean.json", s->fixtures);
	if (read_file(path, c))
		c->n = 0;
	o->n = 0;
	b_u8(o, 1);
	b_record(o, b->d, b->n);
	b_record(o, c->d, c->n);
	put(s, "summary", o->d, o->n);
rm:
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	unlink(path);
	rmdir(dir);
out:
	cb_sweep_free(&sw);
	free(b);
	free(o);
	free(c);
}

static void put_sdp(struct seeds *s, const struct cb_sdp *d, char *text)
{
	size_t n = CB_SDP_MAX_SIZE + 1;
	char why[256];

	if (cb_sdp_write(d, text, &n, why, sizeof(why))) {
		fprintf(stderr, "seeds: sdp: %s\n", why);
		s->err = 1;
		return;
	}
	put(s, "sdp", (const uint8_t *)text, n);
}

/* The unit tests' descriptions, good and bad, and offers and answers of the default caps. */
static void seed_sdp(struct seeds *s)
{
	struct cb_sdp_caps *c = malloc(sizeof(*c));
	struct cb_sdp *offer = cb_sdp_new(), *ans = cb_sdp_new();
	char *text = malloc(CB_SDP_MAX_SIZE + 1), why[256];
	uint8_t next = 0;

	for (size_t i = 0; i < sizeof(sdp_good) / sizeof(sdp_good[0]); i++)
		put_str(s, "sdp", sdp_good[i]);
	for (size_t i = 0; i < sizeof(sdp_bad) / sizeof(sdp_bad[0]); i++)
		put_str(s, "sdp", sdp_bad[i].sdp);
	if (!c || !offer || !ans || !text) {
		s->err = 1;
		goto out;
	}
	for (int variant = 0; variant < 3; variant++) {
		cb_sdp_caps_default(c);
		c->random = sdp_counting_random;
		c->random_user = &next;
		if (variant == 1) { /* plain RTP, no feedback, no bundle: what ffmpeg reads */
			c->n_suites = 0;
			c->bundle = c->rtcp_mux = 0;
			c->media[0].fb = 0;
			c->media[0].rtx = 0;
		}
		if (variant == 2) { /* one-way, GCM first */
			c->media[0].dir = CB_SDP_SENDONLY;
			c->media[1].dir = CB_SDP_RECVONLY;
			c->suites[0] = CB_SRTP_AEAD_AES_128_GCM;
			c->suites[1] = CB_SRTP_AES128_CM_SHA1_80;
		}
		if (cb_sdp_create_offer(c, offer, why, sizeof(why))) {
			fprintf(stderr, "seeds: sdp offer: %s\n", why);
			s->err = 1;
			break;
		}
		put_sdp(s, offer, text);
		cb_sdp_caps_default(c);
		c->random = sdp_counting_random;
		c->random_user = &next;
		c->require_srtp = 0;
		if (cb_sdp_create_answer(c, offer, ans, why, sizeof(why)) == 0)
			put_sdp(s, ans, text);
	}
out:
	free(c);
	free(offer);
	free(ans);
	free(text);
}

static const char *const net_specs[] = {
    "delay=50,jitter=10,dist=pareto,reorder,loss=5,burst=3,dup=1,rate=500,queue=30,overhead=28,"
    "seed=7",
    "gemodel=1:30:100:0",
    "delay=1500",
    "outage_at=2,outage=1",
    "loss=20%,rate=250kbps,delay=40ms",
    "dist=uniform,jitter=5,reorder=0",
    "delay=abc",
    "",
};

/* From tests/test_constraints.c, and the shapes a user writes. */
static const char *const peer_msgs[] = {
    "{\"type\":\"bye\"}",
    "{\"type\":\"bye\",\"reason\":\"done\"}",
    "{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ host\"}",
    "{\"type\":\"offer\"}",
    "{\"type\":\"answer\",\"sdp\":\"\"}",
    "{\"type\":\"offer\",\"sdp\":\"v=0\\u0000\"}",
    "[\"offer\"]",
};

static const char *const net_addrs[] = {
    "127.0.0.1:0",  "127.0.0.1:5004", "198.18.0.1:40000",
    "[::1]:0",	    "[fe80::1%lo]:1", "[::ffff:127.0.0.1]:65535",
    "localhost:80", "1.2.3.4:65536",  "[::1]",
    "::1:80",
};

static const char *const constraints[] = {
    "{\"video\":true}",
    "{\"audio\":true}",
    "{\"video\":{\"deviceId\":\"cam-b\"}}",
    "{\"video\":{\"width\":{\"min\":640,\"ideal\":1280},\"frameRate\":{\"max\":30}}}",
    "{\"video\":{\"width\":{\"ideal\":5000},\"resizeMode\":\"none\"}}",
    "{\"video\":{\"width\":{\"min\":5000}}}",
    "{\"video\":{\"facingMode\":\"environment\"}}",
    "{\"video\":{\"advanced\":[{\"width\":1280,\"height\":720},{\"width\":640}]}}",
    "{\"video\":{\"width\":{\"ideal\":1920},\"advanced\":[{\"resizeMode\":\"none\"},"
    "{\"aspectRatio\":1.777778}]}}",
    "{\"audio\":{\"sampleRate\":{\"exact\":48000},\"echoCancellation\":false,"
    "\"channelCount\":{\"ideal\":2},\"latency\":0.01,\"volume\":0.5},\"video\":false}",
    "{\"audio\":{\"deviceId\":[\"a\",\"b\"],\"groupId\":{\"exact\":\"g\"}},\"video\":"
    "{\"height\":{\"max\":480},\"frameRate\":{\"exact\":15},\"unknownThing\":1}}",
};

/* Settings files (--settings): keys are the call's setting names. */
static const char *const settings_files[] = {
    "{\"size\": \"1280x720\", \"no-audio\": true}",
    "{\"video-codec\": \"vp8\", \"video-bitrate\": 400, \"fps\": 15, \"keyint\": 60}",
    "{\"clock\": \"sim\", \"codec-time\": \"fixed:5,1\", \"duration\": 1.5, \"seed\": 7}",
    "{\"net-profile\": \"4g\", \"net\": \"loss=2,seed=3\", \"no-nack\": true}",
    "{\"srtp\": \"AEAD_AES_128_GCM\", \"mtu\": 1000, \"percentile\": 99.5}",
    "{\"echo\": -20, \"echo-delay\": 80, \"noise\": -50, \"echo-cancellation\": true}",
    "{\"constraints\": \"{\\\"video\\\":{\\\"width\\\":320}}\"}",
    "{\"fps\": \"15\"}",
    "{\"vidoe-codec\": \"vp8\"}",
    "{\"settings\": \"x.json\"}",
};

static const char *const tolerances =
    "{\"schema\": \"callbench.tolerances/1\", \"tolerances\": {"
    "\"latency_ms.p95\": {\"abs\": 50, \"rel_pct\": null},"
    "\"video.identified_pct\": {\"abs\": 2}, \"audio.quality.mos\": {\"skip\": true}}}";

/* fuzz_signal: a byte of limits, then records of an op byte (low 3 bits:
 * 0 connect, 1 disconnect, 2 pong, 3 tick, 4 refused, else a message; high
 * 4 bits: the client) and the message text; the server's own messages too. */
static void sig_rec(struct buf *b, int op, int client, const char *text)
{
	uint8_t r[600];
	size_t n = strlen(text);

	if (n > sizeof(r) - 1)
		n = sizeof(r) - 1;
	r[0] = (uint8_t)(client << 4 | op);
	memcpy(r + 1, text, n);
	b_record(b, r, n + 1);
}

static void seed_signal(struct seeds *s)
{
	static const char *const session[] = {
	    "{\"type\":\"hello\",\"version\":1}",
	    "{\"type\":\"join\",\"room\":\"call-1\"}",
	    "{\"type\":\"message\",\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}",
	    "{\"type\":\"message\",\"to\":\"c1\",\"data\":{\"type\":\"answer\"}}",
	    "{\"type\":\"message\",\"to\":\"c2\",\"data\":[1,2,{\"candidate\":\"a\"}]}",
	    "{\"type\":\"ping\"}",
	    "{\"type\":\"leave\"}",
	};
	static const char *const bad[] = {
	    "",
	    "nope",
	    "[1]",
	    "{}",
	    "{\"type\":1}",
	    "{\"type\":\"join\"}",
	    "{\"type\":\"join\",\"room\":\"a b\"}",
	    "{\"type\":\"join\",\"room\":\"a\",\"room\":\"b\"}",
	    "{\"type\":\"message\"}",
	    "{\"type\":\"message\",\"to\":\"c9\",\"data\":1}",
	    "{\"type\":\"hello\",\"version\":7}",
	    "{\"type\":\"join\",\"room\":\"\xff\"}",
	};
	static const char *const events[] = {
	    "{\"type\":\"welcome\",\"version\":1,\"id\":\"c1\",\"limits\":{}}",
	    "{\"type\":\"joined\",\"room\":\"r\",\"id\":\"c2\",\"peers\":[\"c1\"]}",
	    "{\"type\":\"peer-left\",\"room\":\"r\",\"id\":\"c1\",\"reason\":\"timeout\"}",
	    "{\"type\":\"message\",\"room\":\"r\",\"from\":\"c1\",\"data\":null}",
	    "{\"type\":\"error\",\"code\":\"bad-json\",\"reason\":\"x\"}",
	};
	struct buf *b = calloc(1, sizeof(*b));

	if (!b) {
		s->err = 1;
		return;
	}
	/* Three clients; two join, talk, a third is refused, leave, time out. */
	b->d[b->n++] = 0x01;
	for (int c = 0; c < 3; c++)
		sig_rec(b, 0, c, "");
	for (int c = 0; c < 3; c++)
		sig_rec(b, 5, c, session[1]);
	for (size_t i = 0; i < sizeof(session) / sizeof(session[0]); i++)
		sig_rec(b, 5, (int)i & 1, session[i]);
	sig_rec(b, 3, 0, "");
	sig_rec(b, 2, 1, "");
	sig_rec(b, 3 | 8, 0, "");
	sig_rec(b, 3 | 8, 0, "");
	sig_rec(b, 1, 2, "");
	put(s, "signal", b->d, b->n);
	/* A repeat offender beside a quiet room. */
	b->n = 0;
	b->d[b->n++] = 0x80 | 0x05;
	for (int c = 0; c < 4; c++)
		sig_rec(b, 0, c, "");
	sig_rec(b, 5, 0, "{\"type\":\"join\",\"room\":\"a\"}");
	sig_rec(b, 5, 1, "{\"type\":\"join\",\"room\":\"a\"}");
	sig_rec(b, 5, 2, "{\"type\":\"join\",\"room\":\"b\"}");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		sig_rec(b, 5, 1, bad[i]);
	sig_rec(b, 4, 3, "");
	sig_rec(b, 4 | 8, 3, "");
	sig_rec(b, 5, 0, session[2]);
	put(s, "signal", b->d, b->n);
	/* Each message and event alone. */
	for (size_t i = 0; i < sizeof(session) / sizeof(session[0]); i++) {
		b->n = 0;
		b->d[b->n++] = 0;
		sig_rec(b, 0, 0, "");
		sig_rec(b, 5, 0, session[i]);
		put(s, "signal", b->d, b->n);
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		b->n = 0;
		b->d[b->n++] = 0;
		sig_rec(b, 6, 0, events[i]);
		put(s, "signal", b->d, b->n);
	}
	free(b);
}

int main(int argc, char **argv)
{
	struct seeds s = {.corpus = argc > 1 ? argv[1] : "tests/fuzz/corpus",
			  .fixtures = argc > 2 ? argv[2] : "fixtures"};
	char dir[PATH_MAX];
	uint8_t t[1024];
	size_t n;

	mkdir(s.corpus, 0755);
	seed_rtp_rtcp(&s);
	seed_depay_rx(&s);
	seed_srtp(&s);
	seed_frames(&s);
	for (size_t i = 0; i < sizeof(net_specs) / sizeof(net_specs[0]); i++)
		put_str(&s, "netspec", net_specs[i]);
	for (size_t i = 0; i < sizeof(constraints) / sizeof(constraints[0]); i++)
		put_str(&s, "constraints", constraints[i]);
	for (size_t i = 0; i < sizeof(net_addrs) / sizeof(net_addrs[0]); i++)
		put_str(&s, "netaddr", net_addrs[i]);
	for (size_t i = 0; i < sizeof(peer_msgs) / sizeof(peer_msgs[0]); i++)
		put_str(&s, "peermsg", peer_msgs[i]);
	/* Offers and answers carrying real descriptions, as a room relays them. */
	for (size_t i = 0; i < sizeof(sdp_good) / sizeof(sdp_good[0]); i++) {
		char *m =
		    cb_peer_msg_build(i % 2 ? CB_PEER_MSG_ANSWER : CB_PEER_MSG_OFFER, sdp_good[i]);

		if (m)
			put_str(&s, "peermsg", m);
		free(m);
	}
	for (size_t i = 0; i < sizeof(settings_files) / sizeof(settings_files[0]); i++)
		put_str(&s, "settings", settings_files[i]);
	snprintf(dir, sizeof(dir), "%s/net", s.fixtures);
	seed_dir(&s, dir, ".json", "profile", -1);
	snprintf(dir, sizeof(dir), "%s/baselines", s.fixtures);
	seed_dir(&s, dir, ".json", "summary", 0);
	seed_sweep(&s);
	seed_signal(&s);
	seed_callpair(&s);
	seed_sdp(&s);
	snprintf(dir, sizeof(dir), "%s/sdp", s.fixtures);
	seed_dir(&s, dir, ".sdp", "sdp", -1);
	n = strlen(tolerances);
	t[0] = 2;
	t[1] = (uint8_t)(n >> 8);
	t[2] = (uint8_t)n;
	memcpy(t + 3, tolerances, n);
	put(&s, "summary", t, n + 3);
	printf("seeds: %zu files in %s\n", s.written, s.corpus);
	return s.err;
}
