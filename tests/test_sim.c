/*
 * The simulated clock: the same call stages as a discrete-event simulation
 * in virtual time.  With fixed codec time a run is reproducible bit for bit
 * from its seed, and network delay shows up in the latency exactly.
 */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call/call.h"
#include "report/report.h"
#include "report_check.h"
#include "test_util.h"

static void sim_cfg(struct cb_call_cfg *c, const char *out, const char *id, uint64_t seed)
{
	const double ms[4] = {4.0, 1.5, 0.4, 0.1};

	cb_test_sim_cfg(c, 3.0, ms, seed);
	snprintf(c->out_dir, sizeof(c->out_dir), "%s", out);
	snprintf(c->run_id, sizeof(c->run_id), "%s", id);
}

/* Run, write the report, return frames.csv's bytes (free them). */
static char *run_frames_csv(const struct cb_call_cfg *cfg, struct cb_run_result *keep)
{
	struct cb_run_result res;
	char dir[600], path[700];
	char *csv;

	CU_ASSERT_EQUAL_FATAL(cb_call_run(cfg, NULL, &res), 0);
	CU_ASSERT_EQUAL(res.status, CB_RUN_COMPLETE);
	CU_ASSERT_STRING_EQUAL(res.clock, "sim");
	cb_test_write_checked(&res, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/frames.csv", dir);
	csv = cb_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL(csv);
	if (keep)
		*keep = res;
	else
		cb_run_result_free(&res);
	return csv;
}

static void test_reproducible_from_seed(void)
{
	char tmpl[] = "/tmp/cb-sim-XXXXXX";
	char *out = mkdtemp(tmpl), *a, *b, *c;
	struct cb_call_cfg cfg;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	sim_cfg(&cfg, out, "a", 7);
	/* Jitter and loss draw from the seed too. */
	cfg.net.delay_ms = 30;
	cfg.net.jitter_ms = 5;
	cfg.net.loss_pct = 2;
	a = run_frames_csv(&cfg, NULL);
	snprintf(cfg.run_id, sizeof(cfg.run_id), "b");
	b = run_frames_csv(&cfg, NULL);
	snprintf(cfg.run_id, sizeof(cfg.run_id), "c");
	cfg.seed = 8;
	c = run_frames_csv(&cfg, NULL);
	CU_ASSERT_FATAL(a && b && c);
	CU_ASSERT(strlen(a) > 1000);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT(strcmp(a, c) != 0);
	free(a);
	free(b);
	free(c);
	cb_test_rm_rf(out);
}

static void test_added_delay_is_measured(void)
{
	char tmpl[] = "/tmp/cb-sim-XXXXXX";
	char *out = mkdtemp(tmpl), *a, *b;
	struct cb_call_cfg cfg;
	struct cb_run_result r0, r1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	sim_cfg(&cfg, out, "clean", 3);
	a = run_frames_csv(&cfg, &r0);
	cfg.net.delay_ms = 100;
	snprintf(cfg.run_id, sizeof(cfg.run_id), "delayed");
	b = run_frames_csv(&cfg, &r1);
	/* Everything still arrives and is identified ... */
	CU_ASSERT_EQUAL(r1.video.identified, r1.video.captured);
	CU_ASSERT_EQUAL(r1.audio.marks_identified, r1.audio.marks_sent);
	CU_ASSERT(r1.audio.marks_sent > 20);
	/* ... 100 ms later, to within 1 ms, for both media. */
	CU_ASSERT_DOUBLE_EQUAL(r1.video.e2e.p50 - r0.video.e2e.p50, 100.0, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(r1.video.e2e.mean - r0.video.e2e.mean, 100.0, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(r1.audio.e2e.p50 - r0.audio.e2e.p50, 100.0, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(r1.video.stage[CB_SG_NETWORK].mean, 100.0, 0.001);
	/* With a fixed codec model the codec stages are exactly the model. */
	CU_ASSERT_DOUBLE_EQUAL(r0.video.stage[CB_SG_ENCODE].mean, 4.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r0.video.stage[CB_SG_DECODE].mean, 1.5, 1e-9);
	cb_run_result_free(&r0);
	cb_run_result_free(&r1);
	free(a);
	free(b);
	cb_test_rm_rf(out);
}

static void test_network_fates_reported(void)
{
	char tmpl[] = "/tmp/cb-sim-XXXXXX";
	char *out = mkdtemp(tmpl), *csv;
	struct cb_call_cfg cfg;
	struct cb_run_result r;
	uint64_t lost = 0, dup = 0, q = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	sim_cfg(&cfg, out, "fates", 5);
	cfg.net.delay_ms = 20;
	cfg.net.loss_pct = 5;
	cfg.net.dup_pct = 2;
	cfg.net.rate_kbps = 400; /* below the video's 500 kbps: the queue fills */
	cfg.net.queue_packets = 20;
	cfg.nack = 0; /* every drop stays a drop: no retransmission */
	csv = run_frames_csv(&cfg, &r);
	for (size_t i = 0; i < r.packets.n; i++) {
		const struct cb_packet_rec *p = cb_packet_log_at(&r.packets, i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		lost += p->fate == CB_PKT_NET_LOSS;
		q += p->fate == CB_PKT_NET_QUEUE;
		dup += p->duplicated;
	}
	CU_ASSERT(lost > 0);
	CU_ASSERT(q > 0);
	CU_ASSERT(dup > 0);
	CU_ASSERT_EQUAL(r.video.net_dropped_loss + r.audio.net_dropped_loss, lost);
	CU_ASSERT_EQUAL(r.video.net_dropped_queue + r.audio.net_dropped_queue, q);
	/* A network duplicate is refused by SRTP's replay check but is not
	 * counted as a rejected (attacking) packet. */
	CU_ASSERT_EQUAL(r.video.rejected_replay + r.audio.rejected_replay, 0);
	/* Nothing the network delivered went missing. */
	CU_ASSERT_EQUAL(r.video.packets_lost, r.video.net_dropped_loss + r.video.net_dropped_queue);
	CU_ASSERT_EQUAL(r.audio.packets_lost, r.audio.net_dropped_loss + r.audio.net_dropped_queue);
	CU_ASSERT(r.video.net_duplicated_arrived + r.audio.net_duplicated_arrived > 0);
	cb_run_result_free(&r);
	free(csv);

	/* With retransmissions, which the network duplicates too. */
	sim_cfg(&cfg, out, "fates-rtx", 5);
	cfg.net.delay_ms = 20;
	cfg.net.loss_pct = 5;
	cfg.net.dup_pct = 10;
	csv = run_frames_csv(&cfg, &r);
	CU_ASSERT(r.recovery.rtx_sent > 0);
	CU_ASSERT(r.video.net_duplicated > 0);
	CU_ASSERT_EQUAL(r.video.rejected_replay + r.audio.rejected_replay, 0);
	CU_ASSERT_EQUAL(r.video.packets_rejected + r.audio.packets_rejected, 0);
	cb_run_result_free(&r);
	free(csv);
	cb_test_rm_rf(out);
}

static struct cb_run_result run_call(const struct cb_call_cfg *cfg)
{
	struct cb_run_result r;

	CU_ASSERT_EQUAL_FATAL(cb_call_run(cfg, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, CB_RUN_COMPLETE);
	return r;
}

/* Audio frames whose packet was delivered in time but which never played:
 * the jitter buffer discarded them to shrink its delay. */
static size_t audio_discarded(const struct cb_run_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->audio.frames.n; i++) {
		const struct cb_frame_rec *f = &r->audio.frames.v[i];

		if (f->st[CB_ST_JB_OUT] != CB_NS_NONE || !f->encoded)
			continue;
		for (size_t k = 0; k < r->packets.n; k++) {
			const struct cb_packet_rec *p = cb_packet_log_at(&r->packets, k);

			if (p && p->media == CB_MEDIA_AUDIO && p->rtp_ts == f->rtp_ts &&
			    p->fate == CB_PKT_DELIVERED) {
				n++;
				break;
			}
		}
	}
	return n;
}

/*
 * Audio quality is measured after the jitter buffer discards a frame in
 * the middle of the call: an outage of 1 s from 2 s in makes it conceal,
 * grow, and later shrink again by discarding a received frame.  The figures must be there
 * and close to those of the unimpaired call, since each played frame is put
 * against its own source samples (one offset for the whole call compared
 * everything after the discard against the wrong samples: 4.0 dB and 0.54).
 * Also present with 10 ms frames, where the playout shrinks early and the
 * offset went negative (no figures at all).
 */
static void test_audio_quality_after_discard(void)
{
	char tmpl[] = "/tmp/cb-sim-XXXXXX";
	char *out = mkdtemp(tmpl);
	struct cb_call_cfg cfg;
	struct cb_run_result clean, cut, short_frames;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	sim_cfg(&cfg, out, "aq-clean", 1);
	cfg.duration_s = 10.0; /* the buffer shrinks about 7 s in */
	clean = run_call(&cfg);
	CU_ASSERT(isfinite(clean.audio.audio_seg_snr_db));
	CU_ASSERT(isfinite(clean.audio.audio_snr_db));
	CU_ASSERT(clean.audio.audio_correlation > 0.9);

	snprintf(cfg.run_id, sizeof(cfg.run_id), "aq-outage");
	cfg.net.outage_at_s = 2.0;
	cfg.net.outage_s = 1.0;
	cut = run_call(&cfg);
	/* The outage was concealed and a received frame discarded after it. */
	CU_ASSERT(cut.audio.concealed_frames >= 40);
	CU_ASSERT(audio_discarded(&cut) >= 1);
	CU_ASSERT(isfinite(cut.audio.audio_seg_snr_db));
	CU_ASSERT(isfinite(cut.audio.audio_snr_db));
	CU_ASSERT_DOUBLE_EQUAL(cut.audio.audio_seg_snr_db, clean.audio.audio_seg_snr_db, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(cut.audio.audio_snr_db, clean.audio.audio_snr_db, 1.5);
	CU_ASSERT_DOUBLE_EQUAL(cut.audio.audio_correlation, clean.audio.audio_correlation, 0.02);

	sim_cfg(&cfg, out, "aq-10ms", 1);
	cfg.duration_s = 6.0;
	cfg.audio_frame_ms = 10;
	short_frames = run_call(&cfg);
	CU_ASSERT(isfinite(short_frames.audio.audio_seg_snr_db));
	CU_ASSERT(short_frames.audio.audio_correlation > 0.9);

	cb_run_result_free(&clean);
	cb_run_result_free(&cut);
	cb_run_result_free(&short_frames);
	cb_test_rm_rf(out);
}

/* A call with one track only (audio-only or video-only), in both clocks. */
static void test_single_track_calls(void)
{
	char tmpl[] = "/tmp/cb-sim-XXXXXX";
	char *out = mkdtemp(tmpl);

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (int sim = 0; sim < 2; sim++) {
		for (int video = 0; video < 2; video++) {
			struct cb_call_cfg cfg;
			struct cb_run_result r;

			sim_cfg(&cfg, out, "single", 4);
			cfg.duration_s = 1.0;
			cfg.sim = sim;
			cfg.video = video;
			cfg.audio = !video;
			CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r), 0);
			CU_ASSERT_EQUAL(r.status, CB_RUN_COMPLETE);
			CU_ASSERT_EQUAL(r.video.captured, video ? 30u : 0u);
			CU_ASSERT_EQUAL(r.video.identified, r.video.captured);
			CU_ASSERT_EQUAL(r.audio.captured, video ? 0u : 50u);
			CU_ASSERT_EQUAL(r.audio.marks_identified, r.audio.marks_sent);
			cb_run_result_free(&r);
		}
	}
	cb_test_rm_rf(out);
}

/* One receiver for every codec: under jitter with reordering, H.264 frames
 * wait in the video jitter buffer for their playout time as VP8's do (H.264
 * has no picture id in its payload; the receiver derives one from the
 * sequence numbers), so a codec comparison compares codecs, not receivers. */
static void test_h264_waits_in_jitter_buffer(void)
{
	static const char *const codec[2] = {"vp8", "h264"};
	char tmpl[] = "/tmp/cb-sim-XXXXXX";
	char *out = mkdtemp(tmpl);
	struct cb_run_result r[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (int k = 0; k < 2; k++) {
		struct cb_call_cfg cfg;

		sim_cfg(&cfg, out, codec[k], 9);
		cfg.duration_s = 5.0;
		cfg.codec_ms[0] = 5.0;
		cfg.codec_ms[1] = 1.0;
		cfg.net.jitter_ms = 20;
		cfg.net.allow_reordering = 1;
		snprintf(cfg.video_codec, sizeof(cfg.video_codec), "%s", codec[k]);
		CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r[k]), 0);
		CU_ASSERT_EQUAL(r[k].status, CB_RUN_COMPLETE);
		CU_ASSERT(r[k].video.identified >= r[k].video.captured * 95 / 100);
	}
	/* The jitter buffer holds VP8 frames for a good part of the jitter
	 * (the figure is meaningful), and H.264 frames as long, within 5 ms. */
	CU_ASSERT(r[0].video.stage[CB_SG_JITTER_BUFFER].mean > 5.0);
	CU_ASSERT_DOUBLE_EQUAL(r[1].video.stage[CB_SG_JITTER_BUFFER].mean,
			       r[0].video.stage[CB_SG_JITTER_BUFFER].mean, 5.0);
	CU_ASSERT_DOUBLE_EQUAL(r[1].video.e2e.p95, r[0].video.e2e.p95, 10.0);
	for (int k = 0; k < 2; k++)
		cb_run_result_free(&r[k]);
	cb_test_rm_rf(out);
}

/* Frames of more than 512 packets (1080p at 50 Mbit/s; a 200-byte MTU) go
 * out whole and come back; a frame too big for the receiver to hold is
 * refused before the call, naming what to change. */
static void test_large_frames(void)
{
	static const double codec_ms[4] = {5, 1, 1, 1};
	char tmpl[] = "/tmp/cb-sim-XXXXXX";
	char *out = mkdtemp(tmpl);
	struct cb_call_cfg cfg;
	struct cb_run_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (int k = 0; k < 2; k++) {
		cb_test_sim_cfg(&cfg, 1.0, codec_ms, 5);
		snprintf(cfg.out_dir, sizeof(cfg.out_dir), "%s", out);
		cfg.audio = 0;
		if (k == 0) {
			cfg.width = 1920;
			cfg.height = 1080;
			cfg.video_kbps = 50000;
		} else {
			cfg.mtu = 200;
			cfg.video_kbps = 5000;
		}
		CU_ASSERT_EQUAL_FATAL(cb_call_run(&cfg, NULL, &r), 0);
		CU_ASSERT_EQUAL(r.status, CB_RUN_COMPLETE);
		if (r.status != CB_RUN_COMPLETE)
			printf("\n      %s\n", r.error);
		CU_ASSERT_EQUAL(r.video.identified, r.video.captured);
		CU_ASSERT(r.video.packets_sent > 512 * 2);
		cb_run_result_free(&r);
	}
	cb_test_sim_cfg(&cfg, 1.0, codec_ms, 5);
	cfg.mtu = 200;
	cfg.fps = 1;
	cfg.video_kbps = 50000;
	CU_ASSERT_EQUAL(cb_call_run(&cfg, NULL, &r), -EINVAL);
	CU_ASSERT(strstr(r.error, "--mtu") != NULL);
	cb_run_result_free(&r);
	cb_test_rm_rf(out);
}

int cb_suite_sim(void)
{
	static const struct cb_test_case cases[] = {
	    {"same seed: identical frames.csv; other seed: different", test_reproducible_from_seed},
	    {"100 ms of added delay measures 100 ms more", test_added_delay_is_measured},
	    {"network drops, queue drops and duplicates are reported", test_network_fates_reported},
	    {"audio-only and video-only calls, real and simulated", test_single_track_calls},
	    {"H.264 frames wait in the jitter buffer as VP8's do",
	     test_h264_waits_in_jitter_buffer},
	    {"audio quality after a mid-call discard, and with 10 ms frames",
	     test_audio_quality_after_discard},
	    {"frames of more than 512 packets are sent whole; too big is refused up front",
	     test_large_frames},
	    {NULL, NULL},
	};
	return cb_add_suite("sim", cases);
}
