/*
 * gst_peer.c — callbench-gst: one end of the GStreamer reference call that
 * `callbench bench call` holds callbench against (bench/bench_call.c).  It
 * runs in its own process, as gst-launch would, and builds its pipeline
 * with gst_parse_launch from the same text that gst-launch-1.0 takes (the
 * text is written into the records, so the pipeline can be run by hand).
 *
 *   send: videotestsrc is-live=true → vp8enc → rtpvp8pay → srtpenc → udpsink
 *   recv: udpsrc → srtpdec → rtpjitterbuffer latency=0 → rtpvp8depay → vp8dec
 *         → fakesink
 *
 * What gst-launch cannot do is stamp buffers, so this program adds pad
 * probes that read CLOCK_MONOTONIC, the clock callbench's stages are
 * stamped on, and which both processes of one host share:
 *
 *   send, on videotestsrc's src pad: the source buffer leaving the source
 *     (a live videotestsrc renders a frame, waits on the pipeline clock until
 *     the frame's instant, then pushes it: the stamp is that push), and the
 *     frame's nominal instant, base time + PTS on the pipeline clock, which
 *     this program sets to a monotonic GstSystemClock;
 *   send, on vp8enc's src pad: the encoded frame leaving the encoder, and
 *     its size;
 *   send, on rtpvp8pay's src pad: the RTP timestamp of the frame's first
 *     packet, which names the frame on the wire;
 *   recv, on rtpvp8depay's sink and src pads: the RTP timestamp of the
 *     frame the depayloader puts out (it puts a frame out on its last,
 *     marked packet), kept by the frame's PTS, and when it put it out,
 *     which is when the decoder takes it (no queue between them);
 *   recv, on vp8dec's src pad: the decoded picture leaving the decoder,
 *     matched through its PTS (a video decoder keeps its input's PTS) to
 *     the RTP timestamp.
 *
 * The bench joins the two record files on the RTP timestamp.  Both sinks
 * run with sync=false: a sink that syncs would hold every buffer for the
 * latency a live source reports (a frame interval), which is no part of
 * sending or decoding; callbench's span ends at decode end too.
 *
 * Records (tab-separated, '#' lines are comments), written under a
 * temporary name and renamed when the pipeline has stopped:
 *   send: rtp_ts source_ns nominal_ns encoded_ns bytes
 *   recv: rtp_ts depay_ns decoded_ns
 *   and last a line "# cpu_user_s=U cpu_sys_s=S wall_s=W frames=N": the
 *   process's CPU time from just before the pipeline went to PLAYING until
 *   it stopped (plugin loading and parsing are not counted).
 *
 * `recv` prints "port N" on stdout once udpsrc holds its port (port 0 asks
 * for a free one).  `check` prints GStreamer's version and exits 0 when
 * every element both ends need is installed, else exits 3 and names the
 * missing ones and their Debian packages on stderr.
 *
 * Exit status: 0 done, 1 failed (the reason on stderr), 2 bad usage, 3
 * elements missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gst/gst.h>

#include "options.h"
#include "reference.h"

#define EXIT_FAILED  1
#define EXIT_USAGE   2
#define EXIT_MISSING 3

/* Frames in flight between two probes of one end, looked up by PTS. */
#define RING 64

/* The elements of both ends and the Debian package each comes from. */
static const struct {
	const char *element, *package;
} needed[] = {
    {"videotestsrc", "gstreamer1.0-plugins-base"},
    {"vp8enc", "gstreamer1.0-plugins-good"},
    {"rtpvp8pay", "gstreamer1.0-plugins-good"},
    {"srtpenc", "gstreamer1.0-plugins-bad"},
    {"udpsink", "gstreamer1.0-plugins-good"},
    {"udpsrc", "gstreamer1.0-plugins-good"},
    {"srtpdec", "gstreamer1.0-plugins-bad"},
    {"rtpjitterbuffer", "gstreamer1.0-plugins-good"},
    {"rtpvp8depay", "gstreamer1.0-plugins-good"},
    {"vp8dec", "gstreamer1.0-plugins-good"},
    {"fakesink", "libgstreamer1.0-0"},
};

struct peer_opts {
	char host[64];
	int port;
	char key[128]; /* hex, 30 bytes: AES-128 key and 112-bit salt */
	unsigned long long ssrc;
	int frames;
	struct cb_ref_call ref;
	char records[1024];
	int idle_ms;
	int start_s;
};

#define PO(f) CB_SETTING_AT(struct peer_opts, f)
static const struct cb_setting peer_options[] = {
    {.name = "host",
     .arg = "ADDR",
     .help = "send: the receiver's numeric address",
     .type = CB_SETTING_STR,
     PO(host)},
    {.name = "port",
     .arg = "N",
     .help = "send: the receiver's port; recv: the port to bind (0: a free one)",
     .type = CB_SETTING_INT,
     PO(port),
     .min = 0,
     .max = 65535},
    {.name = "key",
     .arg = "HEX",
     .help = "SRTP master key and salt, 30 bytes in hex",
     .type = CB_SETTING_STR,
     PO(key)},
    {.name = "ssrc", .arg = "N", .help = "the stream's SSRC", .type = CB_SETTING_U64, PO(ssrc)},
    {.name = "frames",
     .arg = "N",
     .help = "send: frames to send; recv: frames to wait for",
     .type = CB_SETTING_INT,
     PO(frames),
     .min = 1,
     .max = 10000000},
    {.name = "size",
     .arg = "WxH",
     .help = "send: picture size",
     .type = CB_SETTING_SIZE,
     PO(ref.width),
     .offset2 = offsetof(struct peer_opts, ref.height),
     .min = 16,
     .max = 4096},
    {.name = "fps",
     .arg = "N",
     .help = "send: frame rate",
     .type = CB_SETTING_INT,
     PO(ref.fps),
     .min = 1,
     .max = 240},
    {.name = "kbps",
     .arg = "N",
     .help = "send: VP8 CBR target",
     .type = CB_SETTING_INT,
     PO(ref.kbps),
     .min = 30,
     .max = 50000},
    {.name = "speed",
     .arg = "N",
     .help = "send: VP8 cpu-used (deadline realtime)",
     .type = CB_SETTING_INT,
     PO(ref.speed),
     .min = -16,
     .max = 16},
    {.name = "keyint",
     .arg = "FRAMES",
     .help = "send: at most this many frames between key frames",
     .type = CB_SETTING_INT,
     PO(ref.keyint),
     .min = 1,
     .max = 100000},
    {.name = "mtu",
     .arg = "BYTES",
     .help = "send: largest SRTP packet (the RTP packet is 10 bytes less)",
     .type = CB_SETTING_INT,
     PO(ref.mtu),
     .min = 200,
     .max = 1500},
    {.name = "pattern",
     .arg = "SPEC",
     .help = "send: videotestsrc pattern, then any of its properties",
     .type = CB_SETTING_STR,
     PO(ref.pattern)},
    {.name = "records",
     .arg = "FILE",
     .help = "where the per-frame stamps go",
     .type = CB_SETTING_STR,
     PO(records)},
    {.name = "idle-ms",
     .arg = "MS",
     .help = "recv: stop when no frame came for this long after the first",
     .type = CB_SETTING_INT,
     PO(idle_ms),
     .min = 10,
     .max = 60000},
    {.name = "start-timeout",
     .arg = "SECONDS",
     .help = "recv: give up when no frame came for this long at the start",
     .type = CB_SETTING_INT,
     PO(start_s),
     .min = 1,
     .max = 3600},
    {.name = NULL},
};

static void peer_defaults(struct peer_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	o->frames = 300;
	cb_ref_call_default(&o->ref);
	o->idle_ms = 1000;
	o->start_s = 20;
}

/* Set by SIGINT/SIGTERM: the pipeline stops and the records are written. */
static atomic_int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_requested, 1);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double cpu_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* ---- what the probes keep ---- */

struct send_frame {
	uint64_t pts;
	int64_t source_ns, nominal_ns, encoded_ns;
	uint32_t bytes;
	int used;
};

struct send_row {
	uint32_t rtp_ts;
	int64_t source_ns, nominal_ns, encoded_ns;
	uint32_t bytes;
};

struct recv_frame {
	uint64_t pts;
	uint32_t rtp_ts;
	int64_t depay_ns;
	int used;
};

struct recv_row {
	uint32_t rtp_ts;
	int64_t depay_ns, decoded_ns;
};

/*
 * One end's state.  Every probe of an end runs on the same streaming
 * thread (no queue in either pipeline), so the rings need no lock; the
 * rows are read by the main thread only after the pipeline went to NULL,
 * which joins the streaming threads.
 */
struct peer {
	GstElement *pipe;
	struct send_frame sring[RING];
	struct recv_frame rring[RING];
	uint64_t last_pay_pts;
	int have_last_pay;
	uint32_t last_rtp_ts;
	int have_rtp_ts;
	void *rows;
	size_t nrows, cap;
	atomic_size_t done;	  /* rows written, read by the main thread's loop */
	atomic_llong last_row_ns; /* when the last row came */
	atomic_size_t unmatched;  /* decoded pictures whose RTP timestamp was not known */
	atomic_size_t overflow;	  /* rows that did not fit */
};

/* The buffer a probe sees; of a list (payloaders push a frame's packets as
 * one), the first: every buffer of the list has the frame's PTS and RTP
 * timestamp. */
static GstBuffer *probe_buffer(GstPadProbeInfo *info)
{
	GstBufferList *list;

	if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
		return GST_PAD_PROBE_INFO_BUFFER(info);
	list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
	return list && gst_buffer_list_length(list) ? gst_buffer_list_get(list, 0) : NULL;
}

/* A frame's slot in a ring: frames in flight are a few frame intervals
 * apart, and an interval is thousands of microseconds. */
static size_t slot(uint64_t pts)
{
	return (size_t)(pts / 1000 % RING);
}

static uint32_t rtp_ts_of(GstBuffer *buf)
{
	uint8_t hdr[8];

	if (gst_buffer_extract(buf, 0, hdr, sizeof(hdr)) != sizeof(hdr))
		return 0;
	return (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
}

/*
 * What each probe point does with a buffer that has a PTS, stamped `now`.
 * They run on the streaming thread of their end.
 */
static struct send_frame *send_find(struct peer *p, uint64_t pts)
{
	struct send_frame *f = &p->sring[slot(pts)];

	return f->used && f->pts == pts ? f : NULL;
}

static void *row_add(struct peer *p, size_t size)
{
	if (p->nrows == p->cap) {
		atomic_fetch_add(&p->overflow, 1);
		return NULL;
	}
	return (char *)p->rows + size * p->nrows++;
}

static void at_source(struct peer *p, GstBuffer *buf, uint64_t pts, int64_t now)
{
	struct send_frame *f = &p->sring[slot(pts)];

	(void)buf;
	f->pts = pts;
	f->source_ns = now;
	/* videotestsrc's segment starts at 0 and is never seeked here, so the
	 * PTS is the running time. */
	f->nominal_ns = (int64_t)(gst_element_get_base_time(p->pipe) + pts);
	f->encoded_ns = 0;
	f->bytes = 0;
	f->used = 1;
}

static void at_encoded(struct peer *p, GstBuffer *buf, uint64_t pts, int64_t now)
{
	struct send_frame *f = send_find(p, pts);

	if (f) {
		f->bytes = (uint32_t)gst_buffer_get_size(buf);
		f->encoded_ns = now;
	}
}

/* A frame's first packet out of the payloader makes its row. */
static void at_packet(struct peer *p, GstBuffer *buf, uint64_t pts, int64_t now)
{
	struct send_frame *f;
	struct send_row *r;

	(void)now;
	if (p->have_last_pay && pts == p->last_pay_pts)
		return;
	p->have_last_pay = 1;
	p->last_pay_pts = pts;
	f = send_find(p, pts);
	if (!f)
		return;
	r = row_add(p, sizeof(*r));
	if (r) {
		r->rtp_ts = rtp_ts_of(buf);
		r->source_ns = f->source_ns;
		r->nominal_ns = f->nominal_ns;
		r->encoded_ns = f->encoded_ns;
		r->bytes = f->bytes;
		atomic_store(&p->done, p->nrows);
	}
	f->used = 0;
}

static void at_depay_in(struct peer *p, GstBuffer *buf, uint64_t pts, int64_t now)
{
	(void)pts;
	(void)now;
	p->last_rtp_ts = rtp_ts_of(buf);
	p->have_rtp_ts = 1;
}

/* The depayloader puts a frame out while it handles the frame's last
 * packet: the RTP timestamp seen last on its sink pad is the frame's. */
static void at_depay_out(struct peer *p, GstBuffer *buf, uint64_t pts, int64_t now)
{
	struct recv_frame *f = &p->rring[slot(pts)];

	(void)buf;
	if (!p->have_rtp_ts)
		return;
	f->pts = pts;
	f->rtp_ts = p->last_rtp_ts;
	f->depay_ns = now;
	f->used = 1;
}

static void at_decoded(struct peer *p, GstBuffer *buf, uint64_t pts, int64_t now)
{
	struct recv_frame *f = &p->rring[slot(pts)];
	struct recv_row *r;

	(void)buf;
	if (!f->used || f->pts != pts) {
		atomic_fetch_add(&p->unmatched, 1);
		return;
	}
	r = row_add(p, sizeof(*r));
	if (r) {
		r->rtp_ts = f->rtp_ts;
		r->depay_ns = f->depay_ns;
		r->decoded_ns = now;
		atomic_store(&p->done, p->nrows);
		atomic_store(&p->last_row_ns, (long long)now);
	}
	f->used = 0;
}

/* A probe point: what to do there, and for which end. */
struct point {
	const char *element, *pad;
	void (*at)(struct peer *p, GstBuffer *buf, uint64_t pts, int64_t now);
	struct peer *p;
};

/* Every probe: the clock first, then the point's work on a buffer with a
 * PTS (the depayloader's input needs none: its RTP timestamp is read). */
static GstPadProbeReturn on_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	int64_t now = mono_ns();
	const struct point *pt = user;
	GstBuffer *buf = probe_buffer(info);

	(void)pad;
	if (buf && (GST_BUFFER_PTS_IS_VALID(buf) || pt->at == at_depay_in))
		pt->at(pt->p, buf, GST_BUFFER_PTS(buf), now);
	return GST_PAD_PROBE_OK;
}

/* Add the buffer probe of `pt` on its element's pad. */
static int probe(GstElement *pipe, struct point *pt)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipe), pt->element);
	GstPad *pd = e ? gst_element_get_static_pad(e, pt->pad) : NULL;

	if (pd)
		gst_pad_add_probe(pd, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
				  on_buffer, pt, NULL);
	if (pd)
		gst_object_unref(pd);
	if (e)
		gst_object_unref(e);
	if (!pd) {
		fprintf(stderr, "callbench-gst: no pad %s.%s\n", pt->element, pt->pad);
		return -1;
	}
	return 0;
}

/* ---- the pipelines ---- */

static int key_ok(const char *hex)
{
	return strlen(hex) == 60 && strspn(hex, "0123456789abcdefABCDEF") == 60;
}

static void send_pipeline(const struct peer_opts *o, char *out, size_t len)
{
	/* The encoder is set up as callbench sets up libvpx (harness/codec/
	 * vpx_common.c and vp8.c, after WebRTC): the call's settings, then
	 * one thread, no look-ahead, frame dropping at 30 % of the buffer,
	 * quantizer 2..56, under/overshoot 100/15 %, a 1000/500/600 ms rate
	 * buffer, key frames capped at WebRTC's share of the buffer, static
	 * threshold 1, no noise reduction, one token partition and error
	 * resilience, so that both encoders do the same work. */
	unsigned intra = (unsigned)(600 * 0.5 * o->ref.fps / 10.0);

	if (intra < 300)
		intra = 300;
	snprintf(
	    out, len,
	    "videotestsrc name=src is-live=true num-buffers=%d pattern=%s "
	    "! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 "
	    "! vp8enc name=enc deadline=1 cpu-used=%d end-usage=cbr target-bitrate=%d "
	    "threads=1 lag-in-frames=0 dropframe-threshold=30 min-quantizer=2 max-quantizer=56 "
	    "undershoot=100 overshoot=15 buffer-size=1000 buffer-initial-size=500 "
	    "buffer-optimal-size=600 max-intra-bitrate=%u static-threshold=1 noise-sensitivity=0 "
	    "token-partitions=0 error-resilient=default keyframe-max-dist=%d "
	    "! rtpvp8pay name=pay mtu=%d pt=96 ssrc=%llu picture-id-mode=15-bit "
	    "! srtpenc key=%s rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 "
	    "rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80 "
	    "! udpsink host=%s port=%d sync=false async=false",
	    o->frames, o->ref.pattern, o->ref.width, o->ref.height, o->ref.fps, o->ref.speed,
	    o->ref.kbps * 1000, intra, o->ref.keyint, o->ref.mtu - 10, o->ssrc, o->key, o->host,
	    o->port);
}

static void recv_pipeline(const struct peer_opts *o, char *out, size_t len)
{
	snprintf(out, len,
		 "udpsrc name=udp address=127.0.0.1 port=%d "
		 "caps=\"application/x-srtp,media=(string)video,clock-rate=(int)90000,"
		 "encoding-name=(string)VP8,payload=(int)96,ssrc=(uint)%llu,srtp-key=(buffer)%s,"
		 "srtp-cipher=(string)aes-128-icm,srtp-auth=(string)hmac-sha1-80,"
		 "srtcp-cipher=(string)aes-128-icm,srtcp-auth=(string)hmac-sha1-80\" "
		 "! srtpdec ! rtpjitterbuffer latency=0 ! rtpvp8depay name=depay "
		 "! vp8dec name=dec threads=1 ! fakesink sync=false async=false",
		 o->port, o->ssrc, o->key);
}

/* Write the rows and the CPU line to `path` through a temporary name. */
static int write_records(const char *path, int sending, const char *desc, const struct peer *p,
			 double user_s, double sys_s, double wall_s)
{
	char tmp[1100];
	gchar *version;
	FILE *f;
	int bad;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "callbench-gst: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	version = gst_version_string();
	fprintf(f, "# callbench-gst %s, %s\n# pipeline: %s\n", sending ? "send" : "recv", version,
		desc);
	g_free(version);
	fprintf(f, sending ? "# rtp_ts\tsource_ns\tnominal_ns\tencoded_ns\tbytes\n"
			   : "# rtp_ts\tdepay_ns\tdecoded_ns\n");
	for (size_t i = 0; i < p->nrows; i++) {
		if (sending) {
			const struct send_row *r = (const struct send_row *)p->rows + i;

			fprintf(f, "%u\t%lld\t%lld\t%lld\t%u\n", r->rtp_ts, (long long)r->source_ns,
				(long long)r->nominal_ns, (long long)r->encoded_ns, r->bytes);
		} else {
			const struct recv_row *r = (const struct recv_row *)p->rows + i;

			fprintf(f, "%u\t%lld\t%lld\n", r->rtp_ts, (long long)r->depay_ns,
				(long long)r->decoded_ns);
		}
	}
	fprintf(f, "# unmatched=%zu overflow=%zu\n", atomic_load(&p->unmatched),
		atomic_load(&p->overflow));
	fprintf(f, "# cpu_user_s=%.6f cpu_sys_s=%.6f wall_s=%.6f frames=%zu\n", user_s, sys_s,
		wall_s, p->nrows);
	bad = ferror(f);
	if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
		fprintf(stderr, "callbench-gst: writing %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* An error on the bus, said on stderr; 1 if there was one. */
static int bus_error(GstMessage *m)
{
	GError *err = NULL;
	gchar *dbg = NULL;

	if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR)
		return 0;
	gst_message_parse_error(m, &err, &dbg);
	fprintf(stderr, "callbench-gst: %s: %s%s%s\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(m)),
		err ? err->message : "error", dbg ? " — " : "", dbg ? dbg : "");
	g_clear_error(&err);
	g_free(dbg);
	return 1;
}

static int run_peer(const struct peer_opts *o, int sending)
{
	/* The points live as long as the pipeline: until this returns. */
	struct point points[6] = {
	    {"src", "src", at_source},	    {"enc", "src", at_encoded},
	    {"pay", "src", at_packet},	    {"depay", "sink", at_depay_in},
	    {"depay", "src", at_depay_out}, {"dec", "src", at_decoded},
	};
	char desc[4096];
	GError *err = NULL;
	GstClock *clock;
	GstBus *bus;
	struct peer p;
	struct rusage r0, r1;
	int64_t t0, t_start, t_end;
	int rc = EXIT_FAILED, failed = 0;

	memset(&p, 0, sizeof(p));
	(sending ? send_pipeline : recv_pipeline)(o, desc, sizeof(desc));
	p.cap = (size_t)o->frames + 16;
	p.rows = calloc(p.cap, sending ? sizeof(struct send_row) : sizeof(struct recv_row));
	if (!p.rows) {
		fprintf(stderr, "callbench-gst: out of memory\n");
		return EXIT_FAILED;
	}
	p.pipe = gst_parse_launch(desc, &err);
	if (!p.pipe || err) {
		fprintf(stderr, "callbench-gst: cannot build the pipeline: %s\n",
			err ? err->message : "unknown error");
		g_clear_error(&err);
		goto out_free;
	}
	/* Stamps and nominal instants on one clock: CLOCK_MONOTONIC. */
	clock = g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_MONOTONIC, NULL);
	gst_pipeline_use_clock(GST_PIPELINE(p.pipe), clock);
	gst_object_unref(clock);
	for (int i = 0; i < 3; i++) {
		struct point *pt = &points[sending ? i : 3 + i];

		pt->p = &p;
		if (probe(p.pipe, pt) < 0)
			goto out_unref;
	}
	if (!sending) {
		GstElement *udp = gst_bin_get_by_name(GST_BIN(p.pipe), "udp");
		int port = 0;

		/* udpsrc binds on the way to READY and then says which port. */
		if (gst_element_set_state(p.pipe, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
			fprintf(stderr, "callbench-gst: the receiver cannot bind port %d\n",
				o->port);
			gst_object_unref(udp);
			goto out_unref;
		}
		g_object_get(udp, "port", &port, NULL);
		gst_object_unref(udp);
		printf("port %d\n", port);
		fflush(stdout);
	}
	bus = gst_element_get_bus(p.pipe);
	getrusage(RUSAGE_SELF, &r0);
	t0 = t_start = mono_ns();
	if (gst_element_set_state(p.pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		fprintf(stderr, "callbench-gst: the pipeline would not play\n");
		failed = 1;
	}
	while (!failed && !atomic_load(&stop_requested)) {
		GstMessage *m = gst_bus_timed_pop_filtered(bus, 20 * GST_MSECOND,
							   GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
		int64_t now = mono_ns(), last;
		size_t done = atomic_load(&p.done);

		if (m) {
			failed = bus_error(m);
			gst_message_unref(m);
			if (!failed)
				break; /* EOS: the sender sent every frame */
		}
		if (sending)
			continue;
		last = atomic_load(&p.last_row_ns);
		if (done >= (size_t)o->frames)
			break;
		if (done && now - last > (int64_t)o->idle_ms * 1000000)
			break;
		if (!done && now - t_start > (int64_t)o->start_s * 1000000000) {
			fprintf(stderr, "callbench-gst: no frame came in %d s\n", o->start_s);
			failed = 1;
		}
	}
	t_end = mono_ns();
	getrusage(RUSAGE_SELF, &r1);
	gst_element_set_state(p.pipe, GST_STATE_NULL);
	gst_object_unref(bus);
	if (!failed && o->records[0] &&
	    write_records(o->records, sending, desc, &p, cpu_s(&r1.ru_utime) - cpu_s(&r0.ru_utime),
			  cpu_s(&r1.ru_stime) - cpu_s(&r0.ru_stime),
			  (double)(t_end - t0) / 1e9) < 0)
		failed = 1;
	rc = failed ? EXIT_FAILED : 0;
out_unref:
	gst_object_unref(p.pipe);
out_free:
	free(p.rows);
	return rc;
}

static int check_elements(void)
{
	int missing = 0;

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		GstElementFactory *f = gst_element_factory_find(needed[i].element);

		if (f) {
			gst_object_unref(f);
			continue;
		}
		fprintf(stderr, "%s%s (%s)",
			missing ? ", " : "callbench-gst: missing elements: ", needed[i].element,
			needed[i].package);
		missing++;
	}
	if (missing) {
		fprintf(stderr, "\n");
		return EXIT_MISSING;
	}
	{
		gchar *v = gst_version_string();

		printf("%s\n", v);
		g_free(v);
	}
	return 0;
}

static void usage(FILE *out)
{
	struct peer_opts d;

	peer_defaults(&d);
	fprintf(out, "usage: callbench-gst send|recv|check [options]\n\n"
		     "One end of the GStreamer reference call of `callbench bench call`, with\n"
		     "CLOCK_MONOTONIC stamps taken in pad probes (see bench/gst/gst_peer.c).\n\n"
		     "options [default; range]:\n");
	opts_help(peer_options, &d, out);
}

int main(int argc, char **argv)
{
	struct peer_opts o;
	struct sigaction sa = {0};
	int help, pos, sending;

	gst_init(NULL, NULL);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "check"))
		return check_elements();
	if (strcmp(argv[1], "send") && strcmp(argv[1], "recv")) {
		fprintf(stderr,
			"callbench-gst: unknown command '%s' (allowed: send, recv, check)\n",
			argv[1]);
		return EXIT_USAGE;
	}
	sending = !strcmp(argv[1], "send");
	peer_defaults(&o);
	if (opts_parse("callbench-gst", peer_options, &o, argc - 2, argv + 2, &help, &pos) < 0)
		return EXIT_USAGE;
	if (help) {
		usage(stdout);
		return 0;
	}
	if (pos < argc - 2) {
		fprintf(stderr, "callbench-gst: unexpected argument '%s'\n", argv[2 + pos]);
		return EXIT_USAGE;
	}
	if (!key_ok(o.key)) {
		fprintf(stderr, "callbench-gst: --key must be 60 hex digits (30 bytes)\n");
		return EXIT_USAGE;
	}
	if (o.ssrc > 0xffffffffULL) {
		fprintf(stderr, "callbench-gst: --ssrc must be 0..4294967295\n");
		return EXIT_USAGE;
	}
	if (sending && o.port == 0) {
		fprintf(stderr, "callbench-gst: send needs the receiver's --port\n");
		return EXIT_USAGE;
	}
	if (!cb_ref_pattern_ok(o.ref.pattern) || strspn(o.host, "0123456789.") != strlen(o.host)) {
		fprintf(stderr, "callbench-gst: --pattern is " CB_REF_PATTERN_RULE
				", --host a numeric IPv4 address\n");
		return EXIT_USAGE;
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return run_peer(&o, sending);
}
