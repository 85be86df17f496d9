/*
 * Loss recovery in whole calls on the simulated clock: NACK/RTX, PLI and
 * key frames, RTT from sender and receiver reports, and the rule that the
 * decoder is never fed a frame whose reference is missing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "call/call.h"
#include "call/endpoint.h"
#include "call/session.h"
#include "rtp/rtcp.h"
#include "srtp/srtp.h"
#include "test_util.h"

static void lossy_cfg(struct cb_call_cfg *c, uint64_t seed)
{
	cb_call_cfg_default(c);
	c->duration_s = 4.0;
	c->width = 320;
	c->height = 240;
	c->video_kbps = 600;
	c->sim = 1;
	c->codec_time_fixed = 1;
	c->seed = seed;
	c->net.seed = seed;
	snprintf(c->out_dir, sizeof(c->out_dir), "/tmp");
}

/* WebRTC's NACK case: 5 % random loss, 40 ms round trip. */
static void test_nack_recovers_random_loss(void)
{
	struct cb_call_cfg cfg;
	struct cb_run_result r;

	lossy_cfg(&cfg, 11);
	cfg.net.delay_ms = 20;
	cfg.net.loss_pct = 5;
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, CB_RUN_COMPLETE);
	CU_ASSERT(r.video.net_dropped_loss > 10);
	CU_ASSERT(r.recovery.packets_missing >= r.video.net_dropped_loss * 9 / 10);
	/* Every missing packet was asked for and nearly all came back. */
	CU_ASSERT_EQUAL(r.recovery.nack_requested, r.recovery.packets_missing);
	CU_ASSERT(r.recovery.recovered * 100 >= r.recovery.packets_missing * 98);
	CU_ASSERT(r.recovery.rtx_sent >= r.recovery.recovered);
	/* ... within a few round trips. */
	CU_ASSERT(r.recovery.recovery_ms.p50 >= 40.0 && r.recovery.recovery_ms.p50 < 100.0);
	CU_ASSERT(r.video.identified * 100 >= r.video.captured * 98);
	CU_ASSERT_EQUAL(r.video.mismatches, 0);
	cb_run_result_free(&r);
}

/* A one-second outage: the receiver asks for a key frame, the sender sends
 * one, and decoding resumes. */
static void test_outage_pli_keyframe(void)
{
	struct cb_call_cfg cfg;
	struct cb_run_result r;
	uint64_t after = 0;

	lossy_cfg(&cfg, 12);
	cfg.duration_s = 5.0;
	cfg.net.delay_ms = 20;
	cfg.net.outage_at_s = 1.5;
	cfg.net.outage_s = 1.0;
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r), 0);
	CU_ASSERT(r.recovery.pli_sent >= 1);
	CU_ASSERT(r.recovery.pli_received >= 1);
	CU_ASSERT(r.recovery.keyframes_on_request >= 1);
	CU_ASSERT(r.recovery.keyframe_wait_ms.n >= 1);
	CU_ASSERT(r.video.freeze_count >= 1);
	/* Frames captured well after the outage are decoded and identified. */
	for (size_t i = 0; i < r.video.frames.n; i++)
		if (r.video.frames.v[i].index >= 4 * 30 && r.video.frames.v[i].identified)
			after++;
	CU_ASSERT(after >= 25);
	CU_ASSERT_EQUAL(r.video.mismatches, 0);
	cb_run_result_free(&r);
}

/* Over many seeds, without NACK: whatever is lost, every picture the decoder
 * gives is whole (its number reads back), i.e. no frame was decoded from a
 * missing reference. */
static void test_never_decodes_from_missing_reference(void)
{
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct cb_call_cfg cfg;
		struct cb_run_result r;

		lossy_cfg(&cfg, seed);
		cfg.duration_s = 2.0;
		cfg.nack = 0;
		cfg.net.delay_ms = 10;
		cfg.net.jitter_ms = 8;
		cfg.net.allow_reordering = 1;
		cfg.net.loss_pct = 10;
		CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r), 0);
		CU_ASSERT(r.video.dropped_network + r.video.dropped_jitter_buffer > 0);
		CU_ASSERT_EQUAL(r.video.decoded, r.video.identified);
		CU_ASSERT_EQUAL(r.video.dropped_decoder, 0);
		CU_ASSERT_EQUAL(r.video.mismatches, 0);
		cb_run_result_free(&r);
	}
}

/* RTT from SR/RR (LSR/DLSR) matches the configured path. */
static void test_rtt_from_reports(void)
{
	struct cb_call_cfg cfg;
	struct cb_run_result r;
	size_t n = 0;

	lossy_cfg(&cfg, 13);
	cfg.net.delay_ms = 35;
	CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r), 0);
	for (size_t i = 0; i < r.n_rtcp; i++) {
		if (isnan(r.rtcp[i].rtt_ms))
			continue;
		CU_ASSERT_DOUBLE_EQUAL(r.rtcp[i].rtt_ms, 70.0, 0.1);
		CU_ASSERT_DOUBLE_EQUAL(r.rtcp[i].fraction_lost, 0.0, 1e-9);
		n++;
	}
	CU_ASSERT(n >= 8); /* both media, twice a second, after the first SR */
	CU_ASSERT_EQUAL(r.recovery.rtcp_rejected, 0);
	cb_run_result_free(&r);
}

/* A well-authenticated but malformed RTCP packet is rejected and counted. */
static void test_malformed_rtcp_counted(void)
{
	struct cb_call_cfg cfg;
	struct cb_session ss;
	struct cb_receiver r;
	struct cb_srtp *tx = NULL;
	uint8_t pkt[64] = {0x80, CB_RTCP_PT_SR, 0x00, 0x0c, 1, 2, 3,
			   4}; /* length runs past the end */
	size_t len = 0;
	struct cb_net_pkt p;

	cb_call_cfg_default(&cfg);
	cfg.video = 0;
	cb_test_audio_rx_session(&ss, &cfg);
	CU_ASSERT_FATAL(cb_receiver_open(&r, &ss, NULL, &ss.clock) == 0);
	CU_ASSERT_FATAL(cb_srtp_open(&tx, cfg.srtp, ss.key_remote, ss.key_len, CB_SRTP_OUTBOUND) ==
			0);
	CU_ASSERT_FATAL(cb_srtcp_protect(tx, pkt, 12, sizeof(pkt), &len) == 0);
	p = (struct cb_net_pkt){.data = pkt, .len = len, .t_recv = 0, .t_kernel = CB_NS_NONE};
	cb_receiver_handle(&r, &p);
	CU_ASSERT_EQUAL(r.rec.rtcp_rejected, 1);
	/* And garbage that is not even SRTCP. */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = CB_RTCP_PT_RR;
	p = (struct cb_net_pkt){.data = pkt, .len = 40, .t_recv = 0, .t_kernel = CB_NS_NONE};
	cb_receiver_handle(&r, &p);
	CU_ASSERT_EQUAL(r.rec.rtcp_rejected, 2);
	cb_srtp_close(tx);
	cb_receiver_close(&r);
}

/* Opus in-band FEC rebuilds a lost frame from the next packet. */
static void test_opus_fec(void)
{
	uint64_t fec[2], concealed[2];

	for (int on = 0; on < 2; on++) {
		struct cb_call_cfg cfg;
		struct cb_run_result r;

		lossy_cfg(&cfg, 21);
		cfg.video = 0;
		cfg.duration_s = 6;
		cfg.opus_fec = on;
		cfg.net.delay_ms = 20;
		cfg.net.loss_pct = 5;
		CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r), 0);
		CU_ASSERT(r.audio.net_dropped_loss > 5);
		fec[on] = r.audio.fec_frames;
		concealed[on] = r.audio.concealed_frames;
		cb_run_result_free(&r);
	}
	CU_ASSERT_EQUAL(fec[0], 0);
	CU_ASSERT(concealed[0] > 5);
	/* Isolated losses are all rebuilt; only runs of two or more need PLC. */
	CU_ASSERT(fec[1] >= concealed[0] * 3 / 4);
	CU_ASSERT(concealed[1] <= concealed[0] / 4);
}

int cb_suite_recovery(void)
{
	static const struct cb_test_case cases[] = {
	    {"NACK/RTX recovers 5% random loss at 40 ms RTT", test_nack_recovers_random_loss},
	    {"a 1 s outage: PLI, key frame, decoding resumes", test_outage_pli_keyframe},
	    {"no frame is decoded from a missing reference (6 seeds)",
	     test_never_decodes_from_missing_reference},
	    {"RTT from SR/RR matches the path", test_rtt_from_reports},
	    {"malformed RTCP is rejected and counted", test_malformed_rtcp_counted},
	    {"Opus in-band FEC rebuilds lost frames", test_opus_fec},
	    {NULL, NULL},
	};
	return cb_add_suite("recovery", cases);
}
