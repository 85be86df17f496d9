/*
 * `callbench peer --sdp-out`: another stack (Debian's ffmpeg) receives
 * callbench's SRTP video from the description alone, and what it decodes
 * is callbench's pictures, in order (their frame numbers read back).
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <math.h>

#include "base/image.h"
#include "child.h"
#include "media/vmark.h"
#include "report_check.h"
#include "sdp/sdp.h"
#include "test_util.h"

/* A UDP port on 127.0.0.1 that was free a moment ago, with port + 1 too
 * (ffmpeg takes the next one for RTCP). */
static unsigned free_port(void)
{
	for (int tries = 0; tries < 20; tries++) {
		int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t len = sizeof(sa);
		unsigned port = 0;

		if (a >= 0 && bind(a, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    getsockname(a, (struct sockaddr *)&sa, &len) == 0) {
			port = ntohs(sa.sin_port);
			sa.sin_port = htons((uint16_t)(port + 1));
			if (port > 65000 || b < 0 ||
			    bind(b, (struct sockaddr *)&sa, sizeof(sa)) != 0)
				port = 0;
		}
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
		if (port)
			return port;
	}
	return 0;
}

static void test_ffmpeg_decodes(void)
{
	const int w = 320, h = 240;
	const size_t frame = (size_t)w * h * 3 / 2;
	char tmpl[] = "/tmp/cb-sdpout.XXXXXX", prog[512], sdp[600], yuv[600], cmd[2400];
	char portarg[64], out[4096] = "";
	char *argv[32];
	struct cb_child c;
	struct cb_image img = {0};
	unsigned port;
	size_t len = 0, n, bad = 0, back = 0;
	uint32_t prev = 0;
	int have_prev = 0, rc;
	uint8_t *raw;
	char *text;

	cb_test_program_path(prog, sizeof(prog));
	if (cb_test_sh(prog, "command -v ffmpeg >/dev/null", NULL, 0) != 0)
		CB_SKIP("ffmpeg is not installed (scripts/install-deps.sh installs it)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl));
	port = free_port();
	CU_ASSERT_FATAL(port != 0);
	snprintf(sdp, sizeof(sdp), "%s/call.sdp", tmpl);
	snprintf(yuv, sizeof(yuv), "%s/out.yuv", tmpl);
	snprintf(portarg, sizeof(portarg), "127.0.0.1:%u", port);
	{
		char *v[] = {prog,    "peer",	    "--sdp-out", sdp,	    "--to",
			     portarg, "--no-audio", "--size",	 "320x240", "--keyint",
			     "10",    "--duration", "6",	 "--quiet", NULL};
		memcpy(argv, v, sizeof(v));
	}
	CU_ASSERT_EQUAL_FATAL(cb_child_start(&c, tmpl, "peer", argv, NULL, NULL), 0);
	CU_ASSERT_FATAL(cb_child_wait_path(&c, sdp, 20) == 1);
	text = cb_slurp(sdp, NULL);
	CU_ASSERT_PTR_NOT_NULL(text);
	if (text) {
		struct cb_sdp *d = cb_sdp_new();
		char why[256];

		CU_ASSERT_EQUAL(cb_sdp_parse(d, text, strlen(text), why, sizeof(why)), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
		CU_ASSERT_EQUAL(d->n_media, 1);
		CU_ASSERT_EQUAL(d->media[0].port, port);
		free(d);
		free(text);
	}
	/* Two seconds of what arrives, decoded to raw pictures. */
	snprintf(cmd, sizeof(cmd),
		 "timeout 30 ffmpeg -nostdin -hide_banner -loglevel error -protocol_whitelist "
		 "file,udp,rtp -i '%s' -t 2 -f rawvideo -pix_fmt yuv420p '%s' 2>&1",
		 sdp, yuv);
	rc = cb_test_sh(prog, cmd, out, sizeof(out));
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		fprintf(stderr, "\n      ffmpeg: %s\n", out);
	CU_ASSERT_EQUAL(cb_child_wait(&c, 30), 0);
	CU_ASSERT_EQUAL(cb_child_code(&c), 0);
	cb_child_reap(&c);

	raw = (uint8_t *)cb_slurp(yuv, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
	n = len / frame;
	/* 2 s at 30 fps, less what came before its first key frame */
	CU_ASSERT(n >= 40);
	for (size_t i = 0; i < n; i++) {
		uint32_t num;

		img = (struct cb_image){.width = w,
					.height = h,
					.plane = {raw + i * frame, raw + i * frame + (size_t)w * h,
						  raw + i * frame + (size_t)w * h * 5 / 4},
					.stride = {w, w / 2, w / 2}};
		if (cb_vmark_read(&img, &num, NULL) != 0) {
			bad++;
			continue;
		}
		if (have_prev && num <= prev)
			back++;
		prev = num;
		have_prev = 1;
	}
	/* every picture is one of callbench's, numbered upwards */
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(back, 0);
	CU_ASSERT(have_prev && prev >= 40);
	if (bad || back || n < 40)
		fprintf(stderr, "\n      %zu pictures, %zu unreadable, %zu out of order\n", n, bad,
			back);
	free(raw);
	cb_test_rm_rf(tmpl);
}

/* Read the number at a path of members of a JSON file (NaN when absent). */
/*
 * A call between two processes that share nothing but the description and
 * the wire: one sends what it describes, the other receives it and measures
 * it alone (capture times from the sender's reports).
 */
static void test_two_processes(void)
{
	char tmpl[] = "/tmp/cb-sdpin.XXXXXX", prog[512], sdp[600], out[600], portarg[64];
	char summary[800] = "";
	struct cb_child rx, tx;
	unsigned port;
	FILE *ls;

	cb_test_program_path(prog, sizeof(prog));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl));
	port = free_port();
	CU_ASSERT_FATAL(port != 0);
	snprintf(sdp, sizeof(sdp), "%s/call.sdp", tmpl);
	snprintf(out, sizeof(out), "%s/res", tmpl);
	snprintf(portarg, sizeof(portarg), "127.0.0.1:%u", port);
	{
		char *v[] = {prog,    "peer", "--sdp-in", sdp,	      "--duration", "4",
			     "--out", out,    "--quiet",  "--run-id", "rx",	    NULL};
		CU_ASSERT_EQUAL_FATAL(cb_child_start(&rx, tmpl, "rx", v, NULL, NULL), 0);
	}
	cb_sleep_s(0.2);
	{
		char *v[] = {prog,	   "peer",   "--sdp-out", sdp,		"--to",
			     portarg,	   "--size", "320x240",	  "--keyint",	"30",
			     "--duration", "4",	     "--quiet",	  "--no-audio", NULL};
		CU_ASSERT_EQUAL_FATAL(cb_child_start(&tx, tmpl, "tx", v, NULL, NULL), 0);
	}
	CU_ASSERT_EQUAL(cb_child_wait(&tx, 30), 0);
	CU_ASSERT_EQUAL(cb_child_code(&tx), 0);
	cb_child_reap(&tx);
	CU_ASSERT_EQUAL(cb_child_wait(&rx, 30), 0);
	CU_ASSERT_EQUAL(cb_child_code(&rx), 0);
	if (cb_child_code(&rx) != 0) {
		char *e = cb_child_stderr(&rx);

		fprintf(stderr, "\n      receiver: %s\n", e ? e : "");
		free(e);
	}
	cb_child_reap(&rx);
	snprintf(summary, sizeof(summary), "%s/rx/summary.json", out);
	ls = fopen(summary, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ls);
	fclose(ls);
	{
		static const char *const recv_k[] = {"media", "video", "counts", "received"};
		static const char *const id_k[] = {"media", "video", "counts", "identified"};
		static const char *const mm_k[] = {"media", "video", "counts", "mismatches"};
		static const char *const p50_k[] = {"media", "video", "latency_ms", "p50"};
		static const char *const sr_k[] = {"negotiated", "capture_times", "video",
						   "sender_reports"};
		static const char *const w_k[] = {"settings", "width"};
		double received = cb_test_json_num(summary, recv_k, 4),
		       ident = cb_test_json_num(summary, id_k, 4);
		double p50 = cb_test_json_num(summary, p50_k, 4);

		/* 4 s at 30 fps; a first key frame missed costs at most 30 */
		CU_ASSERT(received >= 90);
		CU_ASSERT(ident >= 0.99 * received);
		CU_ASSERT_EQUAL(cb_test_json_num(summary, mm_k, 4), 0);
		CU_ASSERT(p50 > 0.2 && p50 < 200);
		CU_ASSERT(cb_test_json_num(summary, sr_k, 4) >= 3);
		/* the picture's size came from the description, not this end's settings */
		CU_ASSERT_EQUAL(cb_test_json_num(summary, w_k, 2), 320);
		if (received < 90 || ident < 0.99 * received || !(p50 > 0.2 && p50 < 200))
			fprintf(stderr, "\n      received %.0f identified %.0f p50 %.2f ms\n",
				received, ident, p50);
	}
	{
		char dir[700];

		snprintf(dir, sizeof(dir), "%s/rx", out);
		cb_test_check_folder(dir);
	}
	cb_test_rm_rf(tmpl);
}

/* Bad use is a usage error that names the option. */
static void test_usage(void)
{
	char out[2048], prog[512];

	cb_test_program_path(prog, sizeof(prog));

	CU_ASSERT_EQUAL(
	    cb_test_sh(prog, "callbench peer --to 127.0.0.1:5004 2>&1", out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--sdp-out"));
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench peer --sdp-out /tmp/x.sdp --to 127.0.0.1 2>&1",
				   out, sizeof(out)),
			2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--to 127.0.0.1"));
	CU_ASSERT_EQUAL(cb_test_sh(prog,
				   "callbench peer --sdp-out /tmp/x.sdp --to 127.0.0.1:5004 "
				   "--clock sim 2>&1",
				   out, sizeof(out)),
			2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "real clock"));
	CU_ASSERT(access("/tmp/x.sdp", F_OK) != 0);
}

int cb_suite_sdp_out(void)
{
	static const struct cb_test_case cases[] = {
	    {"ffmpeg decodes callbench's SRTP video from the SDP --sdp-out writes",
	     test_ffmpeg_decodes},
	    {"peer --sdp-out | peer --sdp-in: two processes, measured by the receiver alone",
	     test_two_processes},
	    {"peer: bad --to, missing --sdp-out, --clock sim are usage errors", test_usage},
	    {NULL, NULL},
	};
	return cb_add_suite("sdp_out", cases);
}
